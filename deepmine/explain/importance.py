"""Global importance: how much a model's held-out score drops when one column's values are shuffled.

Permutation importance (Breiman 2001; scikit-learn's implementation) works for every model, deep or
traditional, because it only calls ``predict`` / ``predict_proba`` on the table as the user gives
it: each column is an original column, so a one-hot or embedded categorical counts once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import is_classifier
from sklearn.inspection import permutation_importance as _sklearn_permutation_importance

from deepmine.errors import ParameterError, TargetError, check_positive_int
from deepmine.explain.columns import rows_for


def default_scoring(model) -> str:
    """Accuracy for a classifier, R² for a regressor: the leaderboards' primary metrics."""
    return "accuracy" if is_classifier(model) else "r2"


def permutation_importance(model, X, y, scoring: str | None = None, n_repeats: int = 5, random_state=0,
                           max_rows: int | None = 2000) -> pd.DataFrame:
    """The drop in ``scoring`` when each column of ``X`` is shuffled, ``n_repeats`` times.

    Parameters
    ----------
    model : a fitted estimator that takes the table ``X``
    X, y : held-out rows and their true target (importance on training rows rewards over-fitting)
    scoring : a scikit-learn scorer name; default accuracy (classifiers) or r2 (regressors)
    n_repeats : shuffles per column; the spread says how sure the ranking is
    max_rows : score on a random sample of at most this many rows (None: all)

    Returns
    -------
    pandas.DataFrame
        One row per column: feature, importance (mean drop), std, and the baseline score, most
        important first.
    """
    check_positive_int("n_repeats", n_repeats)
    X = rows_for(model, X)
    y = pd.Series(np.asarray(y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else y).ravel())
    if len(y) != len(X):
        raise TargetError(f"the target has {len(y)} values for {len(X)} rows; give one per row")
    if y.isna().any():
        raise TargetError(f"the target has {int(y.isna().sum())} missing values; drop those rows first")
    if max_rows is not None and len(X) > max_rows:
        keep = np.random.default_rng(random_state).choice(len(X), size=max_rows, replace=False)
        X, y = X.iloc[keep].reset_index(drop=True), y.iloc[keep].reset_index(drop=True)
    scoring = scoring or default_scoring(model)
    try:
        result = _sklearn_permutation_importance(model, X, y.to_numpy(), scoring=scoring, n_repeats=int(n_repeats),
                                                 random_state=random_state)
    except ValueError as exc:
        if "scoring" in str(exc) or "scorer" in str(exc):
            raise ParameterError(f"unknown scoring {scoring!r}; use a scikit-learn scorer name such as 'accuracy', "
                                 f"'roc_auc', 'r2' or 'neg_mean_absolute_error'") from exc
        raise
    baseline = model.score(X, y.to_numpy()) if scoring == default_scoring(model) else np.nan
    table = pd.DataFrame({"feature": [str(c) for c in X.columns], "importance": result.importances_mean,
                          "std": result.importances_std})
    table["scoring"] = scoring
    table["baseline_score"] = float(baseline)
    return table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


__all__ = ["default_scoring", "permutation_importance"]
