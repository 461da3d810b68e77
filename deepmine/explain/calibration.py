"""Calibration: do a classifier's probabilities mean what they say?

- :func:`reliability_curve`: per probability bin, the mean predicted probability against the observed
  frequency (binary: of the positive class; multiclass: the top-label curve, confidence against accuracy);
- :func:`expected_calibration_error`: the top-label ECE of Guo et al. (2017);
- :class:`CalibratedClassifier`: fit any classifier on part of the rows and calibrate its probabilities
  on the rest, by temperature scaling, isotonic regression or Platt's sigmoid (scikit-learn's
  ``CalibratedClassifierCV`` around the frozen fitted model does the calibrating);
- :func:`calibration_report`: ECE, reliability curve and Brier score of a fitted model on held-out rows.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _num_samples, column_or_1d

from deepmine.errors import DataError, ParameterError, TargetError, check_fitted, check_positive_int

__all__ = ["CalibratedClassifier", "calibration_report", "expected_calibration_error", "reliability_curve"]

METHODS = ("auto", "temperature", "isotonic", "sigmoid")
STRATEGIES = ("uniform", "quantile")
#: From this many calibration rows on, "auto" calibrates a non-deep model with isotonic regression
#: (flexible, but it overfits small sets); below it with Platt's sigmoid (two parameters).
ISOTONIC_MIN_ROWS = 1000
_CURVE_COLUMNS = ["bin", "lower", "upper", "mean_predicted", "fraction_positive", "count"]


# ---------------------------------------------------------------------------------------------- checks
def _labels(y, name: str = "y_true") -> np.ndarray:
    if y is None:
        raise TargetError(f"{name} is missing; pass the true class of every row")
    y = np.asarray(y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise TargetError(f"{name} must be one class label per row, but it has shape {y.shape}")
    if len(y) == 0:
        raise TargetError(f"{name} is empty; give at least one row")
    if pd.isna(pd.Series(y)).any():
        raise TargetError(f"{name} has {int(pd.isna(pd.Series(y)).sum())} missing labels; drop those rows first")
    return y


def _proba_array(proba, n: int) -> np.ndarray:
    try:
        p = np.asarray(proba.to_numpy() if isinstance(proba, (pd.Series, pd.DataFrame)) else proba, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"proba must hold probabilities (numbers between 0 and 1): {exc}") from None
    if p.ndim not in (1, 2):
        raise DataError(f"proba must be one probability per row or one column per class, but it has shape {p.shape}")
    if len(p) != n:
        raise DataError(f"proba has {len(p)} rows but y_true has {n}; give one prediction per row")
    if not np.isfinite(p).all():
        raise DataError("proba has missing or infinite values; every row needs a probability")
    if p.size and (p.min() < -1e-9 or p.max() > 1 + 1e-9):
        raise DataError(f"proba must lie between 0 and 1 (it ranges from {p.min():.3g} to {p.max():.3g}); "
                        f"pass predict_proba's output, not decision scores")
    return np.clip(p, 0.0, 1.0)


def _resolve(y_true, proba, classes):
    """``(y, p, classes)``: labels, probabilities as one column per class, and the classes (columns' order)."""
    y = _labels(y_true)
    p = _proba_array(proba, len(y))
    if classes is None:
        present = np.unique(y)
        if p.ndim == 1:
            if len(present) > 2:
                raise DataError(f"proba is one column but y_true has {len(present)} classes; pass one probability "
                                f"column per class with classes=")
            # the usual 0/1 (or -1/1, False/True) coding; otherwise the sorted labels, as predict_proba orders them
            if len(present) == 1 and present[0] in (0, -1, 1, False, True):
                present = np.array([-1 if present[0] == -1 else 0, 1], dtype=present.dtype)
            elif len(present) == 1:
                raise DataError(f"y_true holds only the class {present[0]!r}, so it does not say which class proba "
                                f"is the probability of; pass classes=[negative, positive]")
            classes = present
        elif p.shape[1] == len(present):
            classes = present
        else:
            raise DataError(f"proba has {p.shape[1]} columns but y_true shows {len(present)} classes; pass the "
                            f"model's classes_ as classes= to say which column is which class")
    classes = np.asarray(classes)
    if classes.ndim != 1 or len(classes) < 2:
        raise DataError(f"classes must list at least two class labels, got {classes.tolist()!r}")
    if len(pd.unique(pd.Series(classes))) != len(classes):
        raise DataError(f"classes lists a label twice: {classes.tolist()!r}")
    if p.ndim == 1:
        if len(classes) != 2:
            raise DataError(f"proba is one column (a positive-class probability) but there are {len(classes)} "
                            f"classes; pass one column per class")
        p = np.column_stack([1.0 - p, p])
    elif p.shape[1] != len(classes):
        raise DataError(f"proba has {p.shape[1]} columns but there are {len(classes)} classes "
                        f"({', '.join(map(str, classes))}); give one column per class, in the order of classes")
    codes = _codes(y, classes)
    unknown = codes < 0
    if unknown.any():
        raise TargetError(f"y_true has labels that are not among the classes ({', '.join(map(str, classes))}): "
                          f"{', '.join(map(repr, pd.unique(pd.Series(y[unknown]))[:5].tolist()))}; pass the "
                          f"model's classes_ as classes=")
    return codes, p, classes


def _codes(y, classes) -> np.ndarray:
    """The position of each label of ``y`` in ``classes`` (-1 for a label not there)."""
    return pd.Index(pd.Series(classes, dtype=object)).get_indexer(pd.Series(y, dtype=object))


def _check_n_bins(n_bins) -> int:
    return check_positive_int("n_bins", n_bins)


# ---------------------------------------------------------------------------------------------- curves
def _binned(values: np.ndarray, outcomes: np.ndarray, n_bins: int, strategy: str) -> pd.DataFrame:
    """Mean of ``values`` and of ``outcomes`` per bin of ``values``.

    Bins are those of ``sklearn.calibration.calibration_curve``: right-closed ``(lower, upper]`` except
    the first, which also holds its lower edge; "uniform" bins split [0, 1] equally, "quantile" bins hold
    about as many rows each. Empty bins are left out.
    """
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        edges = np.percentile(values, np.linspace(0, 100, n_bins + 1))
    else:
        raise ParameterError(f"unknown strategy {strategy!r}; choose from: {', '.join(STRATEGIES)}")
    index = np.searchsorted(edges[1:-1], values)
    count = np.bincount(index, minlength=n_bins)
    total_value = np.bincount(index, weights=values, minlength=n_bins)
    total_outcome = np.bincount(index, weights=outcomes.astype(float), minlength=n_bins)
    keep = count > 0
    safe = np.where(keep, count, 1)
    return pd.DataFrame({
        "bin": np.arange(n_bins)[keep],
        "lower": edges[:-1][keep],
        "upper": edges[1:][keep],
        "mean_predicted": (total_value / safe)[keep],
        "fraction_positive": (total_outcome / safe)[keep],
        "count": count[keep].astype(int),
    }, columns=_CURVE_COLUMNS)


def _top_label(codes: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The confidence (highest probability) of each row and whether its most probable class is right."""
    top = np.argmax(p, axis=1)  # ties go to the first class, as predict does
    return p[np.arange(len(p)), top], top == codes


def reliability_curve(y_true, proba, classes=None, n_bins: int = 10, strategy: str = "uniform") -> pd.DataFrame:
    """The reliability (calibration) curve: predicted probability against observed frequency, per bin.

    Parameters
    ----------
    y_true : the true class of each row.
    proba : for two classes, the probability of the positive class (1-D) or ``predict_proba``'s two
        columns; for more classes, ``predict_proba``'s output (one column per class).
    classes : the classes in the order of proba's columns (a model's ``classes_``); for 1-D proba,
        ``[negative, positive]``. By default the sorted labels of ``y_true`` (for 1-D proba with 0/1 labels
        the positive class is 1).
    n_bins : number of bins.
    strategy : "uniform" (equal-width bins on [0, 1]) or "quantile" (bins with about equal counts).

    Returns
    -------
    DataFrame with one row per non-empty bin: ``bin`` (its index), ``lower`` and ``upper`` (its edges),
    ``mean_predicted``, ``fraction_positive`` and ``count``. For two classes it is the curve of the
    positive class (as ``sklearn.calibration.calibration_curve``); for more, the top-label curve:
    ``mean_predicted`` is the mean confidence (highest probability) and ``fraction_positive`` the accuracy
    of the rows in the bin. A calibrated model's points lie on the diagonal.
    """
    n_bins = _check_n_bins(n_bins)
    if strategy not in STRATEGIES:
        raise ParameterError(f"unknown strategy {strategy!r}; choose from: {', '.join(STRATEGIES)}")
    codes, p, classes = _resolve(y_true, proba, classes)
    if len(classes) == 2:
        return _binned(p[:, 1], codes == 1, n_bins, strategy)
    confidence, correct = _top_label(codes, p)
    return _binned(confidence, correct, n_bins, strategy)


def expected_calibration_error(y_true, proba, classes=None, n_bins: int = 15) -> float:
    """Top-label expected calibration error (Guo et al. 2017): ``sum_b |B_b|/n * |acc(B_b) - conf(B_b)|``.

    Rows are binned by their confidence (the probability of their most probable class; for two classes
    the larger of p and 1-p) in ``n_bins`` equal-width bins; ``acc`` is the share of rows in the bin whose
    most probable class is right and ``conf`` their mean confidence. 0 is perfect, 1 the worst.
    ``y_true``, ``proba`` and ``classes`` are read as by :func:`reliability_curve`.
    """
    n_bins = _check_n_bins(n_bins)
    codes, p, classes = _resolve(y_true, proba, classes)
    confidence, correct = _top_label(codes, p)
    curve = _binned(confidence, correct, n_bins, "uniform")
    gap = np.abs(curve["fraction_positive"] - curve["mean_predicted"])
    ece = float((curve["count"] * gap).sum() / len(codes))
    return min(max(ece, 0.0), 1.0)


def calibration_report(model, X, y, n_bins: int = 10) -> dict:
    """How well calibrated a fitted classifier is on the rows ``X``, ``y`` (held out from its training).

    Returns ``{"ece": float, "curve": DataFrame, "brier": float or None}``: the top-label ECE and the
    reliability curve (see :func:`reliability_curve`), both with ``n_bins`` equal-width bins, and for
    two classes the Brier score of the positive class (``classes_[1]``; None for more classes).
    """
    check_fitted(model, "classes_")
    if not hasattr(model, "predict_proba"):
        raise ParameterError(f"{type(model).__name__} has no predict_proba, so its calibration cannot be measured; "
                             f"use a classifier that gives probabilities")
    proba = model.predict_proba(X)
    classes = np.asarray(model.classes_)
    curve = reliability_curve(y, proba, classes, n_bins=n_bins)
    ece = expected_calibration_error(y, proba, classes, n_bins=n_bins)
    brier = None
    if len(classes) == 2:
        codes, p, _ = _resolve(y, proba, classes)
        brier = float(np.mean((p[:, 1] - (codes == 1)) ** 2))
    return {"ece": ece, "curve": curve, "brier": brier}


# ---------------------------------------------------------------------------------------------- the model
def _default_estimator(random_state):
    from deepmine.tabular import DeepClassifier

    return DeepClassifier(random_state=random_state)


def _is_deep(model) -> bool:
    from deepmine.base import DeepEstimator

    est = model.steps[-1][1] if hasattr(model, "steps") else model
    return isinstance(est, DeepEstimator)


class CalibratedClassifier(ClassifierMixin, BaseEstimator):
    """A classifier whose probabilities are calibrated on rows it was not fitted on.

    ``fit`` splits the rows (stratified) into a fit part and a calibration part of ``calibration_size``,
    fits a clone of ``estimator`` on the fit part, then fits scikit-learn's ``CalibratedClassifierCV``
    around the frozen fitted model on the calibration part.

    Parameters
    ----------
    estimator : any classifier with ``predict_proba`` or ``decision_function`` (a deepmine model, a
        scikit-learn estimator or Pipeline; it takes whatever ``X`` it takes: a table with text or
        categorical columns, an array, a list of texts). None: a :class:`~deepmine.tabular.DeepClassifier`.
    method : "auto", "temperature", "isotonic" or "sigmoid".
        "temperature" divides the logits by one fitted temperature (Guo et al. 2017): it never changes
        the predicted class. "isotonic" fits a monotone step function and "sigmoid" Platt's logistic curve
        to each class's scores (one-vs-rest, renormalised for more than two classes); they may change it.
        "auto" picks temperature for deepmine's neural models (softmax outputs, whose usual fault is
        overconfidence, which one temperature fixes) and for non-neural models with more than two classes
        and fewer than 1000 calibration rows (one parameter instead of one curve per class); otherwise
        isotonic with at least 1000 calibration rows and sigmoid below. The choice is in ``method_``.
    calibration_size : share of the rows kept for calibration, in (0, 0.5]. Every class needs at least
        2 rows in that part (and 1 in the fit part); when the data is too small for that, ``fit`` warns
        (DataWarning) and falls back to cross-validated calibration: the calibrator learns from k-fold
        out-of-fold predictions (k = 2 to 5, as the rarest class allows) and the model is refitted on all
        rows, so it is fitted k + 1 times. A class with a single row is a TargetError.
    random_state : seed of the split (and of the default DeepClassifier).

    Attributes
    ----------
    estimator_ : the fitted base model. calibrator_ : the fitted ``CalibratedClassifierCV``.
    method_ : the method used. classes_ : the classes (in the base model's order).
    history_ : the base model's training history, when it has one. n_features_in_, feature_names_in_ :
    as the base model's.
    """

    def __init__(self, estimator=None, method: str = "auto", calibration_size: float = 0.2, random_state=None):
        self.estimator = estimator
        self.method = method
        self.calibration_size = calibration_size
        self.random_state = random_state

    # ------------------------------------------------------------------ fitting
    def _check_params(self) -> None:
        if not isinstance(self.method, str) or self.method not in METHODS:
            raise ParameterError(f"unknown calibration method {self.method!r}; choose from: {', '.join(METHODS)}")
        size = self.calibration_size
        if isinstance(size, bool) or not isinstance(size, numbers.Real) or not 0 < size <= 0.5:
            raise ParameterError(f"calibration_size must be a share of the rows in (0, 0.5], got {size!r}; "
                                 f"0.2 keeps a fifth of the rows for calibration")

    def _resolve_method(self, model, n_classes: int, n_rows: int) -> str:
        if self.method != "auto":
            return self.method
        if _is_deep(model) or (n_classes > 2 and n_rows < ISOTONIC_MIN_ROWS):
            return "temperature"
        return "isotonic" if n_rows >= ISOTONIC_MIN_ROWS else "sigmoid"

    def fit(self, X, y):
        """Fit a clone of ``estimator`` on part of the rows and calibrate it on the rest."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.frozen import FrozenEstimator

        self._check_params()
        n = _num_samples(X)
        if n == 0:
            raise DataError("the data has no rows; give at least one row per class to fit on")
        if y is None:
            raise TargetError(f"{type(self).__name__} requires y to be passed, but the target y is None; "
                              f"pass the class of every row")
        y = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if y.ndim != 1 or len(y) != n:
            raise TargetError(f"expected one label per row ({n}) but the target has shape {y.shape}")
        if pd.isna(pd.Series(y)).any():
            raise TargetError(f"the target has {int(pd.isna(pd.Series(y)).sum())} missing values; "
                              f"drop those rows before fitting")
        check_classification_targets(y)
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) < 2:
            raise TargetError(f"the target has only one class ({classes[0]!r}); a classifier needs at least two "
                              f"classes")
        rare = classes[counts < 2]
        if len(rare):
            raise TargetError(f"class {rare[0]!r} has a single row; calibration needs at least 2 rows of every "
                              f"class: gather more rows of that class or drop it")
        base = self.estimator if self.estimator is not None else _default_estimator(self.random_state)
        split = self._split(X, y, classes)
        if split is None:
            return self._fit_cross_validated(base, X, y, classes, counts)
        X_fit, X_cal, y_fit, y_cal = split
        fitted = clone(base).fit(X_fit, y_fit)
        model_classes = self._model_classes(fitted, classes)
        method = self._resolve_method(fitted, len(model_classes), len(y_cal))
        # One split whose test part is every row: the frozen model predicts each calibration row once,
        # instead of cv=5, which would need 5 rows of every class and change nothing for a frozen model.
        everything = np.arange(len(y_cal))
        calibrator = CalibratedClassifierCV(FrozenEstimator(fitted), method=method, cv=[(everything, everything)])
        calibrator.fit(X_cal, self._calibration_target(y_cal, model_classes, method))
        return self._finish(fitted, calibrator, method, model_classes)

    def _split(self, X, y, classes):
        """The stratified (fit, calibration) split, or None (with a DataWarning) when the calibration part
        would hold fewer than 2 rows of some class or the fit part none."""
        import warnings

        from sklearn.model_selection import train_test_split

        from deepmine.errors import DataWarning

        problem = None
        try:
            X_fit, X_cal, y_fit, y_cal = train_test_split(X, y, test_size=self.calibration_size, stratify=y,
                                                          random_state=self.random_state)
        except ValueError as exc:  # a part too small to hold every class
            problem = f"the calibration part ({self.calibration_size:.0%} of {len(y)} rows) is too small ({exc})"
        else:
            index = pd.Index(classes, dtype=object)
            cal = pd.Series(y_cal, dtype=object).value_counts().reindex(index, fill_value=0)
            fit = pd.Series(y_fit, dtype=object).value_counts().reindex(index, fill_value=0)
            if (cal < 2).any() or (fit < 1).any():
                label = cal.index[np.argmax((cal < 2).to_numpy() | (fit < 1).to_numpy())]
                problem = (f"class {label!r} has {int(cal[label])} row(s) in the calibration part "
                           f"({self.calibration_size:.0%} of {len(y)} rows) and {int(fit[label])} in the fit part")
        if problem is None:
            return X_fit, X_cal, y_fit, y_cal
        warnings.warn(f"{problem}; calibrating on cross-validated predictions instead (the model is fitted once "
                      f"per fold and once on all rows); for a held-out calibration part raise calibration_size "
                      f"(up to 0.5) or gather more rows of the rare classes", DataWarning, stacklevel=3)
        return None

    def _fit_cross_validated(self, base, X, y, classes, counts):
        """The fallback for small data: out-of-fold predictions of k folds (k = 2 to 5, as the rarest class
        allows) fit the calibrator, and the model is refitted on all rows (CalibratedClassifierCV with
        ``ensemble=False``)."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.model_selection import StratifiedKFold

        n_folds = int(min(5, counts.min()))
        folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=self.random_state)
        method = self._resolve_method(base, len(classes), len(y))
        # temperature scaling needs labels that are column positions (scikit-learn encodes string labels
        # itself); other labels are given as codes, and the refitted model then predicts codes, which
        # classes_ maps back (np.unique sorts them as every classifier here sorts its classes_)
        plain = isinstance(y[0], str) or np.array_equal(classes, np.arange(len(classes)))
        target = _codes(y, classes) if method == "temperature" and not plain else y
        calibrator = CalibratedClassifierCV(clone(base), method=method, cv=folds, ensemble=False)
        calibrator.fit(X, target)
        fitted = calibrator.calibrated_classifiers_[0].estimator
        return self._finish(fitted, calibrator, method, np.asarray(classes))

    @staticmethod
    def _model_classes(fitted, classes) -> np.ndarray:
        if not hasattr(fitted, "predict_proba") and not hasattr(fitted, "decision_function"):
            raise ParameterError(f"{type(fitted).__name__} has neither predict_proba nor decision_function, so "
                                 f"there is nothing to calibrate; use a classifier that gives scores")
        model_classes = np.asarray(fitted.classes_)
        if len(model_classes) != len(classes) or (_codes(classes, model_classes) < 0).any():
            raise TargetError(f"{type(fitted).__name__} learned the classes {model_classes.tolist()!r}, not the "
                              f"target's {classes.tolist()!r}; calibration needs a model of every class")
        return model_classes

    @staticmethod
    def _calibration_target(y_cal, model_classes, method):
        # Temperature scaling reads labels as the positions of the model's columns, so it is given codes
        # (scikit-learn encodes only string labels itself); isotonic/sigmoid map labels to columns themselves.
        return _codes(y_cal, model_classes) if method == "temperature" else y_cal

    def _finish(self, fitted, calibrator, method, classes):
        self.estimator_ = fitted
        self.calibrator_ = calibrator
        self.method_ = method
        self.classes_ = classes
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(fitted, name):
                setattr(self, name, getattr(fitted, name))
        return self

    # ------------------------------------------------------------------ predicting
    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probabilities, one column per entry of ``classes_``."""
        check_fitted(self, "calibrator_")
        proba = np.asarray(self.calibrator_.predict_proba(X), dtype=np.float64)
        if self.method_ != "temperature":  # temperature was fitted on codes: columns are in classes_' order
            proba = proba[:, _codes(self.classes_, self.calibrator_.classes_)]
        # float32 logits (from float32 features) leave rows a few 1e-8 off a sum of 1
        total = proba.sum(axis=1, keepdims=True)
        return np.divide(proba, total, out=np.full_like(proba, 1 / proba.shape[1]), where=total > 0)

    def predict_log_proba(self, X) -> np.ndarray:
        return np.log(np.clip(self.predict_proba(X), 1e-300, None))

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row after calibration."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    @property
    def history_(self) -> pd.DataFrame:
        """The base model's training history (one row per epoch), for the models that keep one."""
        est = self.__dict__.get("estimator_")
        if est is None:
            raise AttributeError("history_ exists once a model with a training history is fitted")
        est = est.steps[-1][1] if hasattr(est, "steps") else est
        history = getattr(est, "history_", None)
        if history is None:
            raise AttributeError(f"{type(est).__name__} keeps no training history")
        return history

    def __sklearn_tags__(self):
        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()
        base = self.estimator if self.estimator is not None else _default_estimator(self.random_state)
        base_tags = get_tags(base)
        tags.input_tags.sparse = base_tags.input_tags.sparse
        tags.input_tags.allow_nan = base_tags.input_tags.allow_nan
        tags.input_tags.string = base_tags.input_tags.string
        tags.input_tags.categorical = base_tags.input_tags.categorical
        tags.non_deterministic = base_tags.non_deterministic or self.random_state is None
        return tags
