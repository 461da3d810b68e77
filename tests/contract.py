"""Contract checks shared by the test files of estimators that scikit-learn's own checks cannot feed
(texts, series): the parts of the scikit-learn contract that hold before any data is seen."""

from sklearn.base import clone


def check_constructible_and_clone(estimator) -> None:
    """Every parameter has a default, ``clone`` copies them unchanged, and ``__init__`` learns nothing."""
    type(estimator)()
    twin = clone(estimator)
    assert _params(twin) == _params(estimator) and twin is not estimator
    assert not [k for k in vars(estimator) if k.endswith("_")]


def _params(estimator) -> dict:
    """Parameters with nested estimators (cloned, so never identical) compared by their own parameters."""
    return {k: (type(v), _params(v)) if hasattr(v, "get_params") else v
            for k, v in estimator.get_params(deep=False).items()}
