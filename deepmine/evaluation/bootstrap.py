"""A verdict that knows its noise: the paired bootstrap of the difference between two models on the same
held-out rows.

Both models' predictions are resampled with the same rows (with replacement), the metric computed on each
resample for both, and the middle ``level`` of the differences is the interval. When it spans zero the two
models are tied on this data: another split could rank them the other way. Metrics that are averages over
rows (accuracy, MAE, RMSE, log loss), R² and binary ROC-AUC are computed for many resamples at once from
row weights (1,000 resamples up to 50,000 rows, fewer above, at least 200); the others (macro-F1,
balanced accuracy, multi-class ROC-AUC, average precision) one resample at a time, with fewer resamples
on large test parts (at least 200). A resample where the metric is
undefined (a single class) is left out. A metric of a whole partition or graph (NMI of clusters,
modularity) has no rows to resample; its verdict says the difference is from one run.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn import metrics as skm

N_RESAMPLES = 1000
LEVEL = 0.95
_CELLS = 4_000_000  # resample weights held at once (rows x resamples)


@dataclass(frozen=True)
class Interval:
    """The difference ``a - b`` of a metric on the held-out rows, and its paired bootstrap interval."""

    difference: float
    low: float
    high: float
    level: float
    rows: int
    resamples: int = N_RESAMPLES

    @property
    def spans_zero(self) -> bool:
        return self.low <= 0 <= self.high

    def to_dict(self) -> dict:
        return {"difference": self.difference, "low": self.low, "high": self.high, "level": self.level,
                "rows": self.rows, "resamples": self.resamples}


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


# -- metrics of many resamples at once: each resample is a row of weights (how often each row was drawn) --

def _per_row(metric, y, p, q, classes):
    """Each row's share of an average metric (None when the metric is not an average over rows)."""
    if metric == "accuracy":
        return (y == p).astype(float)
    if metric in ("mae", "rmse"):
        err = y.astype(float) - np.asarray(p, dtype=float)
        return np.abs(err) if metric == "mae" else err ** 2
    if metric == "log_loss" and classes is not None and q is not None:
        index = {c: i for i, c in enumerate(np.asarray(classes).tolist())}
        cols = np.array([index.get(v, -1) for v in y.tolist()])
        if (cols < 0).any():
            return None
        picked = np.clip(np.asarray(q, dtype=float)[np.arange(len(y)), cols], 1e-15, 1.0)
        return -np.log(picked)
    return None


def _weighted(metric, y, p, q, classes, weights):
    """The metric under each row of ``weights`` (resamples x rows), or None when it has no weighted form."""
    total = weights.sum(axis=1)
    rows = _per_row(metric, y, p, q, classes)
    if rows is not None:
        mean = weights @ rows / total
        return np.sqrt(mean) if metric == "rmse" else mean
    if metric == "r2":
        yf, err2 = y.astype(float), (y.astype(float) - np.asarray(p, dtype=float)) ** 2
        mean_y = weights @ yf / total
        sst = weights @ (yf ** 2) - total * mean_y ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(sst > 0, 1 - (weights @ err2) / sst, np.nan)
    if metric == "roc_auc" and (classes is None or len(classes) == 2):
        positive = (y == classes[1]) if classes is not None else y.astype(bool)
        score = np.asarray(p, dtype=float) if classes is None else np.asarray(q, dtype=float)[:, 1]
        return _weighted_auc(positive, score, weights)
    return None


def _weighted_auc(positive, score, weights):
    """ROC-AUC of each resample: the weighted share of (positive, negative) pairs ranked right, ties half."""
    order = np.argsort(score, kind="mergesort")
    s, pos, w = score[order], positive[order], weights[:, order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])  # one group per distinct score
    wp = np.add.reduceat(w * pos, starts, axis=1)
    wn = np.add.reduceat(w * ~pos, starts, axis=1)
    below = np.cumsum(wn, axis=1) - wn  # negatives with a strictly lower score
    right = (wp * (below + 0.5 * wn)).sum(axis=1)
    pairs = wp.sum(axis=1) * wn.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pairs > 0, right / pairs, np.nan)


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
    a_proba = None if a_proba is None else np.asarray(a_proba)
    b_proba = None if b_proba is None else np.asarray(b_proba)
    rng = np.random.default_rng(seed)
    rows = len(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a single-class resample: undefined there, and left out below
        probe = _weighted(metric, y, a, a_proba, classes, np.ones((1, rows)))
        if probe is not None:
            n = int(np.clip(50_000_000 // rows, 200, n))  # 1,000 resamples up to 50,000 rows, then fewer
            diffs = []
            chunk = max(1, min(n, _CELLS // rows))
            for start in range(0, n, chunk):
                draws = rng.integers(0, rows, (min(chunk, n - start), rows))
                flat = (np.arange(len(draws))[:, None] * rows + draws).ravel()
                weights = np.bincount(flat, minlength=len(draws) * rows).reshape(len(draws), rows).astype(float)
                diffs.append(_weighted(metric, y, a, a_proba, classes, weights)
                             - _weighted(metric, y, b, b_proba, classes, weights))
            diffs = np.concatenate(diffs)
        else:
            n = int(np.clip(_CELLS // rows, 200, n))
            diffs = []
            for _ in range(n):
                pick = rng.integers(0, rows, rows)
                try:
                    diffs.append(fn(y[pick], a[pick], None if a_proba is None else a_proba[pick])
                                 - fn(y[pick], b[pick], None if b_proba is None else b_proba[pick]))
                except ValueError:  # a resample with one class only
                    continue
            diffs = np.asarray(diffs, dtype=float)
        whole = fn(y, a, a_proba) - fn(y, b, b_proba)
    diffs = diffs[np.isfinite(diffs)]
    if len(diffs) < n // 2 or not np.isfinite(whole):
        return None
    tail = (1 - level) / 2
    low, high = np.quantile(diffs, [tail, 1 - tail])
    return Interval(float(whole), float(low), float(high), level, int(rows), int(n))


__all__ = ["Interval", "LEVEL", "N_RESAMPLES", "metric_function", "paired_interval"]
