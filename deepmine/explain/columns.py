"""The rows to explain, checked against the columns the model was fitted on."""

from __future__ import annotations

import warnings

import pandas as pd

from deepmine.errors import ColumnError, DataError, DataWarning, NotFittedError


def fitted_columns(model) -> list[str] | None:
    """The columns the model saw when fitted (``feature_names_in_``), or None when it did not record them."""
    est = model
    names = getattr(est, "feature_names_in_", None)
    if names is None and hasattr(est, "steps"):
        names = getattr(est.steps[0][1], "feature_names_in_", None)
    if names is None and hasattr(est, "estimator_"):  # a calibrated wrapper
        return fitted_columns(est.estimator_)
    return None if names is None else [str(c) for c in names]


def check_fitted_model(model) -> None:
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except Exception as exc:  # sklearn's NotFittedError, or a model without fitted attributes
        raise NotFittedError(f"the {type(model).__name__} is not fitted; fit it (or load a saved model) before "
                             f"explaining it") from exc


def rows_for(model, X, what: str = "rows") -> pd.DataFrame:
    """``X`` as a DataFrame with exactly the model's columns, in its order.

    A column the model needs but ``X`` lacks is a ColumnError naming it; columns the model never saw
    (the target, an id) are set aside with a notice.
    """
    check_fitted_model(model)
    if not isinstance(X, pd.DataFrame):
        if isinstance(X, pd.Series):
            X = X.to_frame().T
        else:
            raise DataError(f"the {what} to explain must be a table (a DataFrame) with the model's columns, got "
                            f"{type(X).__name__}")
    if len(X) == 0:
        raise DataError(f"there are no {what} to explain; give at least one row")
    columns = fitted_columns(model)
    if columns is None:
        return X.reset_index(drop=True)
    present = {str(c): c for c in X.columns}
    missing = [c for c in columns if c not in present]
    if missing:
        raise ColumnError(f"the {what} lack column(s) the model was fitted on: {', '.join(map(repr, missing[:10]))}; "
                          f"give the same columns as when fitting")
    extra = [c for c in present if c not in set(columns)]
    if extra:
        warnings.warn(f"column(s) the model never saw were set aside: {', '.join(map(repr, extra[:10]))}",
                      DataWarning, stacklevel=3)
    return X[[present[c] for c in columns]].reset_index(drop=True)


def check_feature(model, X: pd.DataFrame, feature: str) -> str:
    """``feature`` if it is one of the model's columns, else a ColumnError listing them."""
    columns = fitted_columns(model) or [str(c) for c in X.columns]
    if str(feature) not in columns:
        raise ColumnError(f"feature {feature!r} is not a column of the model; its columns are: "
                          f"{', '.join(columns)}")
    return str(feature)


__all__ = ["check_feature", "check_fitted_model", "fitted_columns", "rows_for"]
