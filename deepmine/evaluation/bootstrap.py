"""A verdict that knows its noise: the paired bootstrap of the difference between two models on the same
held-out rows.

Both models' predictions are resampled with the same rows (with replacement, ``n`` times), the metric
computed on each resample for both, and the middle ``level`` of the differences is the interval. When it
spans zero the two models are tied on this data: another split could rank them the other way. Metrics
that are averages over rows (accuracy, MAE, log loss) and those that are not (ROC-AUC, macro-F1, R²)
are both recomputed from the resampled rows. A metric of a whole partition or graph (NMI of clusters,
modularity) has no rows to resample; its verdict says the difference is from one run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn import metrics as skm

N_RESAMPLES = 1000
LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    """The difference ``a - b`` of a metric on the held-out rows, and its paired bootstrap interval."""

    difference: float
    low: float
    high: float
    level: float
    rows: int

    @property
    def spans_zero(self) -> bool:
        return self.low <= 0 <= self.high

    def to_dict(self) -> dict:
        return {"difference": self.difference, "low": self.low, "high": self.high, "level": self.level,
                "rows": self.rows, "resamples": N_RESAMPLES}


def _binary_positive(proba, classes):
    return np.asarray(proba)[:, 1], np.asarray(classes)[1]


def metric_function(metric: str, classes=None):
    """``f(y, prediction, proba) -> value`` for a metric that can be recomputed on resampled rows, else None."""
    if metric == "accuracy":
        return lambda y, p, q: float(np.mean(y == p))
    if metric == "balanced_accuracy":
        return lambda y, p, q: float(skm.balanced_accuracy_score(y, p))
    if metric == "f1_macro":
        return lambda y, p, q: float(skm.f1_score(y, p, average="macro"))
    if metric == "rmse":
        return lambda y, p, q: float(np.sqrt(np.mean((y.astype(float) - p) ** 2)))
    if metric == "mae":
        return lambda y, p, q: float(np.mean(np.abs(y.astype(float) - p)))
    if metric == "r2":
        return lambda y, p, q: float(skm.r2_score(y.astype(float), p))
    if metric == "log_loss" and classes is not None:
        return lambda y, p, q: float(skm.log_loss(y, q, labels=classes))
    if metric == "roc_auc":
        if classes is None:  # anomaly or link scores: the prediction is the score
            return lambda y, p, q: float(skm.roc_auc_score(y, p))
        if len(classes) == 2:
            return lambda y, p, q: float(skm.roc_auc_score(y == classes[1], np.asarray(q)[:, 1]))
        return lambda y, p, q: float(skm.roc_auc_score(y, q, multi_class="ovr", labels=classes))
    if metric == "average_precision" and classes is None:
        return lambda y, p, q: float(skm.average_precision_score(y, p))
    return None


def paired_interval(metric: str, y, a, b, a_proba=None, b_proba=None, classes=None, n: int = N_RESAMPLES,
                    level: float = LEVEL, seed: int = 0) -> Interval | None:
    """The difference ``metric(a) - metric(b)`` on the rows ``y`` and its paired bootstrap interval; None
    when the metric cannot be recomputed on resampled rows (or the predictions do not match the rows)."""
    y = np.asarray(y)
    fn = metric_function(metric, classes)
    if fn is None or a is None or b is None or len(a) != len(y) or len(b) != len(y) or len(y) < 2:
        return None
    if metric in ("log_loss", "roc_auc") and classes is not None and (a_proba is None or b_proba is None):
        return None
    a, b = np.asarray(a), np.asarray(b)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n):
        rows = rng.integers(0, len(y), len(y))
        try:
            da = fn(y[rows], a[rows], None if a_proba is None else a_proba[rows])
            db = fn(y[rows], b[rows], None if b_proba is None else b_proba[rows])
        except ValueError:  # a resample with one class only: ROC-AUC is undefined there
            continue
        diffs.append(da - db)
    if len(diffs) < n // 2:
        return None
    tail = (1 - level) / 2
    low, high = np.quantile(diffs, [tail, 1 - tail])
    whole = fn(y, a, a_proba) - fn(y, b, b_proba)
    return Interval(float(whole), float(low), float(high), level, int(len(y)))


__all__ = ["Interval", "LEVEL", "N_RESAMPLES", "metric_function", "paired_interval"]
