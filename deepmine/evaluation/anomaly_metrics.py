"""Metrics for anomaly detectors against known labels: ROC-AUC, average precision, precision at n and F1."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from deepmine.errors import DataError, TargetError

ANOMALY_METRICS = ("roc_auc", "average_precision", "precision_at_n", "f1")


def _labels(y_true) -> np.ndarray:
    y = pd.Series(np.asarray(y_true).ravel())
    if y.isna().any():
        raise TargetError(f"the labels for evaluation have {int(y.isna().sum())} missing values; "
                          f"drop those rows before scoring")
    values = set(pd.unique(y))
    if not values <= {0, 1, True, False}:
        raise TargetError(f"the labels for evaluation must be 1 for anomalies and 0 for normal rows; "
                          f"they hold {sorted(map(str, values))[:5]}")
    y = y.astype(int).to_numpy()
    if len(np.unique(y)) < 2:
        kind = "normal (0)" if len(y) == 0 or y[0] == 0 else "anomalous (1)"
        raise TargetError(f"the labels for evaluation are all {kind}; ROC-AUC needs both normal rows and "
                          f"anomalies - evaluate on rows that include some of each")
    return y


def anomaly_scores(y_true, scores, flags=None) -> dict[str, float]:
    """Score a detector's output against labels (1 = anomaly, 0 = normal).

    - ``roc_auc`` and ``average_precision`` rank the rows by ``scores`` (higher = more anomalous);
    - ``precision_at_n``: the share of true anomalies among the ``n`` highest-scoring rows, with
      ``n`` the number of true anomalies (so it equals recall at n; ties are broken by row order);
    - ``f1``: of the 0/1 ``flags`` (``predict``'s output) against the labels; NaN without flags.
    """
    y = _labels(y_true)
    scores = np.asarray(scores, dtype=np.float64).ravel()
    if len(scores) != len(y):
        raise DataError(f"there are {len(y)} labels but {len(scores)} scores; give one score per labelled row")
    if not np.isfinite(scores).all():
        raise DataError("the scores hold missing or infinite values; a detector's scores must be finite numbers")
    n = int(y.sum())
    top = np.argsort(-scores, kind="stable")[:n]
    result = {
        "roc_auc": skm.roc_auc_score(y, scores),
        "average_precision": skm.average_precision_score(y, scores),
        "precision_at_n": y[top].mean(),
        "f1": np.nan,
    }
    if flags is not None:
        flags = np.asarray(flags).ravel()
        if len(flags) != len(y):
            raise DataError(f"there are {len(y)} labels but {len(flags)} flags; give one flag per labelled row")
        result["f1"] = skm.f1_score(y, flags.astype(int), zero_division=0)
    return {k: float(v) for k, v in result.items()}


__all__ = ["ANOMALY_METRICS", "anomaly_scores"]
