"""BaseDetector: PyOD's detector surface (scores, threshold, 0/1 flags, probabilities) written once."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from deepmine.errors import DataError, ParameterError, TargetError, TrainingError

# A robust z-score above 3 is the usual "far out" rule; 1.4826 turns a MAD into a normal sigma.
AUTO_Z = 3.0
MAD_TO_SIGMA = 1.4826

DETECTOR_PARAMS_DOC = """
    contamination : float in (0, 0.5] or "auto"
        The expected share of anomalies in the rows given to ``fit``: ``threshold_`` is the
        training score above which that share of the rows lies (as in PyOD). "auto" needs no
        guess: it flags the training scores whose robust z-score, (s - median) / (1.4826 * MAD),
        exceeds 3. When every training score is positive (reconstruction errors, distances,
        isolation scores) the rule is applied to log(score), since such scores are right-skewed
        and roughly symmetric on the log scale; otherwise to the score itself. The threshold is
        never below the median, so at most half of the rows are flagged. ``contamination_``
        reports the share actually flagged.
    train_on : {"all", "normal"}
        "all" learns from every row of X and ignores y (unsupervised). "normal" learns only from
        the rows with y == 0 (semi-supervised: known anomalies are kept out of training; y is
        required). Scores, ``threshold_`` and ``labels_`` always cover every row of X.
"""

DETECTOR_ATTRIBUTES_DOC = """
    Attributes
    ----------
    decision_scores_ : the anomaly score of each row given to ``fit`` (higher = more anomalous).
    threshold_ : rows scoring above it are flagged (``predict`` gives 1).
    labels_ : the 0/1 flags of the rows given to ``fit``.
    contamination_ : the share of those rows flagged.
"""


def check_contamination(contamination) -> float | str:
    """The contamination as a float in (0, 0.5], or "auto"; anything else is a ParameterError naming the fix."""
    if isinstance(contamination, str) and contamination == "auto":
        return "auto"
    valid = (isinstance(contamination, numbers.Real) and not isinstance(contamination, (bool, np.bool_))
             and 0 < contamination <= 0.5)
    if not valid:
        raise ParameterError(f"contamination must be a fraction in (0, 0.5] or 'auto', got {contamination!r}; "
                        f"pass the expected share of anomalies, e.g. contamination=0.05, or 'auto'")
    return float(contamination)


def normal_rows(train_on: str, y, n: int) -> np.ndarray | None:
    """The mask of rows to learn from: None for all rows, or the rows labelled 0 for train_on="normal"."""
    if train_on == "all":
        return None
    if train_on != "normal":
        raise ValueError(f"train_on must be 'all' or 'normal', got {train_on!r}")
    if y is None:
        raise TargetError("train_on='normal' learns only from the rows labelled normal, but y is None; "
                          "pass y (0 = normal, 1 = anomaly) or use train_on='all'")
    y = pd.Series(np.asarray(y).ravel())
    if len(y) != n:
        raise DataError(f"X has {n} rows but y has {len(y)}; give one label per row")
    # Numbers, booleans and "0"/"1" strings all work; a missing label counts as not known to be normal.
    mask = (pd.to_numeric(y, errors="coerce") == 0).to_numpy()
    if not mask.any():
        raise TargetError("y marks no row as normal (0), so train_on='normal' has nothing to learn from; "
                          "label normal rows 0 or use train_on='all'")
    return mask


class BaseDetector:
    """The PyOD surface shared by every detector, deep or traditional.

    A detector writes ``fit`` (ending with ``self._set_threshold(training_scores)``) and
    ``decision_function``; flags and probabilities follow from them here. Scores grow with
    anomaly and flags are 0 (normal) / 1 (anomaly), as in PyOD.

    Detectors deliberately do not inherit scikit-learn's ``OutlierMixin``: its contract (checked
    by ``check_outliers_train``) wants ``predict`` to return +1 for inliers and -1 for outliers
    and ``decision_function`` to be negative for outliers, the opposite of PyOD's convention that
    this package follows. So their ``estimator_type`` tag stays unset.
    """

    def _set_threshold(self, scores) -> None:
        scores = np.asarray(scores, dtype=np.float64).ravel()
        if not np.isfinite(scores).all():
            raise TrainingError("the detector gave non-finite scores to the training rows; lower the learning "
                                "rate or check the data for extreme values")
        contamination = check_contamination(self.contamination)
        if contamination == "auto":
            log = bool((scores > 0).all())
            s = np.log(scores) if log else scores
            median = np.median(s)
            threshold = median + AUTO_Z * MAD_TO_SIGMA * np.median(np.abs(s - median))
            threshold = np.exp(threshold) if log else threshold
        else:
            # PyOD's rule: the (1 - contamination) quantile, so that share of the rows lies above it.
            threshold = np.percentile(scores, 100 * (1 - contamination))
        self.decision_scores_ = scores
        self.threshold_ = float(threshold)
        self.labels_ = (scores > self.threshold_).astype(np.int64)
        self.contamination_ = float(self.labels_.mean())

    def predict(self, X) -> np.ndarray:
        """1 for rows scoring above ``threshold_`` (anomalies), 0 for the others."""
        return (self.decision_function(X) > self.threshold_).astype(np.int64)

    def predict_proba(self, X) -> np.ndarray:
        """``[P(normal), P(anomaly)]`` per row, a piecewise-linear rescaling of the score.

        The lowest training score maps to 0, ``threshold_`` to 0.5 and the highest training score to
        1, linearly in between and clipped outside; so P(anomaly) ranks rows as
        ``decision_function`` does and exceeds 0.5 exactly where ``predict`` says 1. (PyOD scales
        linearly between the training minimum and maximum, which puts the threshold at an arbitrary
        probability.) These are calibrated to the training scores, not true probabilities.
        """
        scores = self.decision_function(X)
        low, high, t = float(self.decision_scores_.min()), float(self.decision_scores_.max()), self.threshold_
        p = np.empty_like(scores)
        below = scores <= t
        p[below] = 0.5 * (scores[below] - low) / (t - low) if t > low else 0.0
        p[~below] = 0.5 + 0.5 * (scores[~below] - t) / (high - t) if high > t else 1.0
        p = np.clip(p, 0.0, 1.0)
        return np.column_stack([1.0 - p, p])

    # ------------------------------------------------------------------ persistence (JSON types)
    def _detector_state(self) -> dict:
        return {"threshold_": self.threshold_, "decision_scores_": self.decision_scores_.tolist()}

    def _restore_detector_state(self, state: dict) -> None:
        self.decision_scores_ = np.asarray(state["decision_scores_"], dtype=np.float64)
        self.threshold_ = float(state["threshold_"])
        self.labels_ = (self.decision_scores_ > self.threshold_).astype(np.int64)
        self.contamination_ = float(self.labels_.mean()) if len(self.labels_) else 0.0
