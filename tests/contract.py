"""Contract checks shared by the test files of estimators that scikit-learn's own checks cannot feed
(texts, series): the parts of the scikit-learn contract that hold before any data is seen."""

from sklearn.base import clone


def check_constructible_and_clone(estimator) -> None:
    """Every parameter has a default, ``clone`` copies them unchanged, and ``__init__`` learns nothing."""
    params = estimator.get_params()
    type(estimator)()
    twin = clone(estimator)
    assert twin.get_params() == params and twin is not estimator
    assert not [k for k in vars(estimator) if k.endswith("_")]
