"""Metrics of anomalies in time series: per step (ROC-AUC, average precision), per range (precision, recall and F1
over anomalous intervals) and the UCR anomaly archive's own score.

- ``roc_auc`` and ``average_precision`` rank the steps by score against the labels (1 = anomalous step).
- ``range_precision``, ``range_recall`` and ``range_f1`` (Tatbul et al. 2018, "Precision and Recall for Time
  Series") compare the flagged intervals with the labelled ones, as TimeEval computes them by default: no
  reward for mere existence (alpha = 0), flat positional bias, and a labelled range cut by several flagged
  ones counts their overlap once, divided by their number (reciprocal cardinality). Recall is the mean, over
  the labelled ranges, of the share of each that is flagged; precision the mean, over the flagged ranges, of
  the share of each that is labelled (0 when nothing is flagged).
- ``ucr_score`` (Wu and Keogh 2021, the KDD Cup 2021 rule): 1 when the single highest-scoring step lies in a
  labelled range widened by ``tolerance`` steps on each side (100 by default), else 0. Averaged over series it is
  the share of series whose anomaly the detector located.
"""

from __future__ import annotations

import numpy as np

from deepmine.timeseries.anomaly_data import intervals

SERIES_ANOMALY_METRICS = ("roc_auc", "average_precision", "range_f1", "range_precision", "range_recall",
                          "ucr_score")
UCR_TOLERANCE = 100


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]) + 1)


def _range_share(ranges, others) -> float:
    """The mean over ``ranges`` of the share of each covered by ``others`` (reciprocal cardinality, flat bias)."""
    shares = []
    for r in ranges:
        hits = [_overlap(r, o) for o in others]
        touching = sum(1 for h in hits if h)
        shares.append(sum(hits) / (r[1] - r[0] + 1) / max(1, touching))
    return float(np.mean(shares)) if shares else 0.0


def range_scores(labels, flags) -> dict[str, float]:
    """Range-based precision, recall and F1 of the 0/1 ``flags`` against the 0/1 ``labels`` (see the module)."""
    truth, flagged = intervals(labels), intervals(flags)
    recall = _range_share(truth, flagged)
    precision = _range_share(flagged, truth)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"range_precision": precision, "range_recall": recall, "range_f1": f1}


def ucr_score(labels, scores, tolerance: int = UCR_TOLERANCE) -> float:
    """1.0 when the highest score lies within ``tolerance`` steps of a labelled range, else 0.0."""
    top = int(np.argmax(np.asarray(scores, dtype=float)))
    return float(any(first - tolerance <= top <= last + tolerance for first, last in intervals(labels)))


def series_anomaly_scores(labels, scores, flags, tolerance: int = UCR_TOLERANCE) -> dict[str, float]:
    """Every metric of the module for one series: ``labels`` and ``flags`` 0/1 per step, ``scores`` per step."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    labels = np.asarray(labels, dtype=int)
    scores = np.asarray(scores, dtype=float)
    return {"roc_auc": float(roc_auc_score(labels, scores)),
            "average_precision": float(average_precision_score(labels, scores)),
            **range_scores(labels, flags), "ucr_score": ucr_score(labels, scores, tolerance)}


__all__ = ["SERIES_ANOMALY_METRICS", "UCR_TOLERANCE", "range_scores", "series_anomaly_scores", "ucr_score"]
