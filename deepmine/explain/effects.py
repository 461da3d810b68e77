"""Effects of one feature: partial dependence and individual conditional expectation (ICE) curves.

For each value on a grid, the feature is set to that value in every row and the model predicts
again: a row's predictions across the grid is its ICE curve (Goldstein et al. 2015), their mean the
partial dependence (Friedman 2001). Works for any model that takes the table, deep or traditional.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import is_classifier

from deepmine.errors import ParameterError, check_positive_int
from deepmine.explain.columns import check_feature, rows_for
from deepmine.explain.targets import class_index, class_label


def _grid(values: pd.Series, grid_size: int) -> np.ndarray:
    values = values.dropna()
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        counts = values.astype(str).value_counts()
        return np.asarray(values.loc[values.astype(str).isin(counts.index[:grid_size])].drop_duplicates().to_numpy(),
                          dtype=object)
    unique = np.unique(values.to_numpy(dtype=float))
    if len(unique) <= grid_size:
        return unique
    # percentiles 5 to 95: the tails have too few rows to say anything about
    return np.unique(np.quantile(values.to_numpy(dtype=float), np.linspace(0.05, 0.95, grid_size)))


def _predictor(model, target, X):
    """``(predict(frame) -> one number per row, description)``: a regressor's prediction, or the probability
    of one class: ``target``; by default the second of two classes, else the class predicted most often in
    ``X`` (a curve is of one class for all rows, so each row's own predicted class, as the per-row
    explanations take, cannot be it)."""
    if not is_classifier(model):
        return lambda frame: np.asarray(model.predict(frame), dtype=float), "prediction"
    classes = np.asarray(model.classes_)
    if target is not None:
        k = class_index(classes, target)
    elif len(classes) == 2:
        k = 1
    else:
        k = int(np.bincount(np.asarray(model.predict_proba(X)).argmax(axis=1), minlength=len(classes)).argmax())
    return lambda frame: np.asarray(model.predict_proba(frame))[:, k], f"probability of class {class_label(classes[k])}"


def partial_dependence(model, X, feature: str, grid_size: int = 20, target=None, max_rows: int = 500,
                       random_state=0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(pd, ice)`` for ``feature``: the partial dependence (value, average, and its 10th and 90th
    percentile over rows) and each row's ICE curve (row, value, prediction).

    ``target`` is the class whose probability is shown (classifiers; default the second class of
    two, else the class predicted most often in ``X``); regressors show the prediction. At most ``max_rows`` rows (a random
    sample) are used, each predicted ``grid_size`` times in one batch.
    """
    check_positive_int("grid_size", grid_size)
    X = rows_for(model, X)
    feature = check_feature(model, X, feature)
    if len(X) > max_rows:
        X = X.sample(max_rows, random_state=random_state).reset_index(drop=True)
    grid = _grid(X[feature], int(grid_size))
    if not len(grid):
        raise ParameterError(f"feature {feature!r} has no values in these rows; nothing to vary")
    predict, what = _predictor(model, target, X)
    parts = []
    for value in grid:
        part = X.copy()
        part[feature] = value
        parts.append(part)
    batch = pd.concat(parts, ignore_index=True)
    values = predict(batch).reshape(len(grid), len(X))
    ice = pd.DataFrame({"row": np.tile(np.arange(len(X)), len(grid)), "value": np.repeat(grid, len(X)),
                        "prediction": values.ravel()})
    pd_table = pd.DataFrame({"value": grid, "average": values.mean(axis=1),
                             "p10": np.quantile(values, 0.1, axis=1), "p90": np.quantile(values, 0.9, axis=1)})
    pd_table.attrs.update(feature=feature, target=what)
    ice.attrs.update(feature=feature, target=what)
    return pd_table, ice


__all__ = ["partial_dependence"]
