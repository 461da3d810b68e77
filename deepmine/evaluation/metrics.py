"""Metrics per task, computed from a fitted model's predictions on held-out rows."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn import metrics as skm

CLASSIFICATION_METRICS = ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "log_loss", "ece")
REGRESSION_METRICS = ("rmse", "mae", "r2")
# Whether a larger value is better, per metric. "coverage" is the share of a catalogue that
# recommendations reach; a forecast interval's coverage ("interval_coverage") has no direction
# (the nominal level is best), so it is not here.
GREATER_IS_BETTER = {"accuracy": True, "balanced_accuracy": True, "f1_macro": True, "roc_auc": True,
                     "log_loss": False, "rmse": False, "mae": False, "r2": True,
                     "nmi": True, "ari": True, "silhouette": True, "davies_bouldin": False,
                     "calinski_harabasz": True, "average_precision": True, "precision_at_n": True, "f1": True,
                     "coherence": True, "diversity": True, "coverage": True, "mase": False, "smape": False,
                     "modularity": True, "conductance": False, "ece": False,
                     **{m: True for m in ("hr", "ndcg", "precision", "recall", "map")}}


__all__ = ["greater_is_better", "classification_scores", "regression_scores"]


def greater_is_better(metric: str) -> bool | None:
    """Whether a larger ``metric`` is better (None for a column that is not a known metric).
    Top-k metrics such as ``hr@10`` or ``ndcg@50`` are looked up by their name before the "@"."""
    return GREATER_IS_BETTER.get(str(metric).split("@", 1)[0])


def classification_scores(y_true, y_pred, proba=None, classes=None) -> dict[str, float]:
    """Accuracy, balanced accuracy, macro-F1 and, when probabilities are given, ROC-AUC, log loss and the
    expected calibration error (top-label ECE, 15 equal-width bins: how far confidence is from accuracy)."""
    scores = {
        "accuracy": skm.accuracy_score(y_true, y_pred),
        "balanced_accuracy": skm.balanced_accuracy_score(y_true, y_pred),
        "f1_macro": skm.f1_score(y_true, y_pred, average="macro", zero_division=0),
        "roc_auc": np.nan,
        "log_loss": np.nan,
        "ece": np.nan,
    }
    if proba is not None and classes is not None:
        proba = np.clip(np.asarray(proba, dtype=float), 1e-15, 1)
        proba = proba / proba.sum(axis=1, keepdims=True)
        present = np.isin(classes, np.unique(y_true))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                if len(classes) == 2:
                    scores["roc_auc"] = skm.roc_auc_score(y_true == classes[1], proba[:, 1])
                elif present.all():
                    scores["roc_auc"] = skm.roc_auc_score(y_true, proba, multi_class="ovr", labels=classes)
            except ValueError:  # a single class in the held-out part: AUC is undefined
                pass
            scores["log_loss"] = skm.log_loss(y_true, proba, labels=classes)
        if np.isin(np.unique(y_true), classes).all():
            from deepmine.explain.calibration import expected_calibration_error

            scores["ece"] = expected_calibration_error(y_true, proba, classes=np.asarray(classes))
    return {k: float(v) for k, v in scores.items()}


def regression_scores(y_true, y_pred) -> dict[str, float]:
    """RMSE, MAE and R²."""
    return {
        "rmse": float(np.sqrt(skm.mean_squared_error(y_true, y_pred))),
        "mae": float(skm.mean_absolute_error(y_true, y_pred)),
        "r2": float(skm.r2_score(y_true, y_pred)),
    }
