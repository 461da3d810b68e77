"""Traditional detectors: scikit-learn's Isolation Forest, LOF and one-class SVM, and robust Mahalanobis distance."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.covariance import MinCovDet
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import LocalOutlierFactor
from sklearn.svm import OneClassSVM
from sklearn.utils.validation import _check_feature_names, _check_n_features

from deepmine.anomaly.base import (DETECTOR_ATTRIBUTES_DOC, DETECTOR_PARAMS_DOC, MAD_TO_SIGMA, BaseDetector,
                                   check_contamination, normal_rows)
from deepmine.base import DeepEstimator, store_params
from deepmine.data.preprocess import TabularPreprocessor, check_features
from deepmine.errors import DataError, check_fitted

_TABLE_DOC = """    roles : dict or None
        Column roles that override inference, e.g. ``{"zip": "categorical"}``.
"""


class TableDetector(BaseDetector, BaseEstimator):
    """A traditional detector on a mixed-type table: preprocessing, row selection and the threshold.

    The table is imputed, standardised and one-hot encoded by a :class:`TabularPreprocessor`, so
    DataFrames with categories and gaps work. A subclass writes ``_fit_scorer(Xt)`` (fit on the
    training rows; it may return their scores when those differ from scoring new rows, as LOF's
    do) and ``_score(Xt)`` (scores of new rows, higher = more anomalous).
    """

    def _fit_scorer(self, Xt: np.ndarray) -> np.ndarray | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _score(self, Xt: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def fit(self, X, y=None):
        """Learn from the rows of ``X`` (only those with y == 0 when ``train_on="normal"``) and set the threshold."""
        check_contamination(self.contamination)
        X = check_features(X)
        _check_feature_names(self, X, reset=True)
        _check_n_features(self, X, reset=True)
        if len(X) == 0:
            raise DataError("the table has no rows; give at least one row to fit on")
        self.preprocessor_ = TabularPreprocessor(roles=self.roles, encoding="onehot").fit(X)
        Xt = self.preprocessor_.transform(X)
        mask = normal_rows(self.train_on, y, len(Xt))
        train_scores = self._fit_scorer(Xt if mask is None else Xt[mask])
        if mask is None and train_scores is not None:
            scores = train_scores
        else:
            scores = np.array(self._score(Xt), dtype=np.float64)
            if train_scores is not None:
                scores[mask] = train_scores
        self._set_threshold(scores)
        return self

    def _check_fitted(self) -> None:
        check_fitted(self, "threshold_")

    # The deep models' column checks (names, order, count), which need only _check_fitted, preprocessor_
    # and the class attribute saying the input is a table.
    _prepare = DeepEstimator._prepare
    _input_preprocessor = DeepEstimator._input_preprocessor

    def decision_function(self, X) -> np.ndarray:
        """The anomaly score of each row: higher is more anomalous."""
        return np.asarray(self._score(self._prepare(X)), dtype=np.float64)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # the preprocessor imputes
        return tags


class SklearnDetector(TableDetector):
    __doc__ = """Any scikit-learn outlier detector with ``score_samples``, given PyOD's surface.

    scikit-learn scores are higher for normal rows; here they are negated, so higher means more
    anomalous, flags are 0/1 and the threshold comes from ``contamination`` like every deepmine
    detector's. For LocalOutlierFactor (``novelty=True``) the training rows keep the scores LOF
    computed while fitting, which leave each row out of its own neighbourhood.

    Parameters
    ----------
    estimator : scikit-learn estimator or None
        The detector to wrap (cloned at fit); None means ``IsolationForest()``.
""" + DETECTOR_PARAMS_DOC + _TABLE_DOC + DETECTOR_ATTRIBUTES_DOC + """
    estimator_ (the fitted scikit-learn detector), preprocessor_, n_features_in_.
    """

    def __init__(self, estimator=None, contamination=0.1, train_on="all", roles=None):
        store_params(self, locals())

    def _make_estimator(self):
        return IsolationForest() if self.estimator is None else clone(self.estimator)

    def _fit_scorer(self, Xt):
        estimator = self._make_estimator()
        if not hasattr(estimator, "score_samples"):
            raise ValueError(f"{type(estimator).__name__} has no score_samples method, so it cannot score new rows; "
                             f"wrap an outlier detector such as IsolationForest() or LocalOutlierFactor(novelty=True)")
        self.estimator_ = estimator.fit(Xt)
        nof = getattr(self.estimator_, "negative_outlier_factor_", None)
        return None if nof is None else -np.asarray(nof, dtype=np.float64)

    def _score(self, Xt):
        return -self.estimator_.score_samples(Xt)


class IsolationForestDetector(SklearnDetector):
    __doc__ = """Isolation Forest (Liu et al. 2008): rows that random splits isolate quickly are anomalous.

    Parameters
    ----------
    n_estimators, max_samples, max_features, n_jobs, random_state : as in ``sklearn.ensemble.IsolationForest``.
""" + DETECTOR_PARAMS_DOC + _TABLE_DOC + DETECTOR_ATTRIBUTES_DOC

    def __init__(self, n_estimators=100, max_samples="auto", max_features=1.0, contamination=0.1, train_on="all",
                 roles=None, n_jobs=None, random_state=None):
        store_params(self, locals())

    def _make_estimator(self):
        return IsolationForest(n_estimators=self.n_estimators, max_samples=self.max_samples,
                               max_features=self.max_features, n_jobs=self.n_jobs, random_state=self.random_state)


class LOFDetector(SklearnDetector):
    __doc__ = """Local Outlier Factor (Breunig et al. 2000): rows in sparser neighbourhoods than their neighbours'.

    Parameters
    ----------
    n_neighbors, metric, p, n_jobs : as in ``sklearn.neighbors.LocalOutlierFactor`` (used with novelty=True).
""" + DETECTOR_PARAMS_DOC + _TABLE_DOC + DETECTOR_ATTRIBUTES_DOC

    def __init__(self, n_neighbors=20, metric="minkowski", p=2, contamination=0.1, train_on="all", roles=None,
                 n_jobs=None):
        store_params(self, locals())

    def _make_estimator(self):
        return LocalOutlierFactor(n_neighbors=self.n_neighbors, metric=self.metric, p=self.p, novelty=True,
                                  n_jobs=self.n_jobs)

    def _fit_scorer(self, Xt):
        if len(Xt) < 2:
            raise DataError(f"LOF compares each row with its neighbours, so it needs at least 2 rows, got "
                            f"{len(Xt)} sample; give more rows")
        return super()._fit_scorer(Xt)


class OneClassSVMDetector(SklearnDetector):
    __doc__ = """One-class SVM (Schölkopf et al. 2001): a kernel boundary around the bulk of the rows.

    Parameters
    ----------
    kernel, gamma, nu, cache_size : as in ``sklearn.svm.OneClassSVM``. Fitting grows with the square
        of the number of rows.
""" + DETECTOR_PARAMS_DOC + _TABLE_DOC + DETECTOR_ATTRIBUTES_DOC

    def __init__(self, kernel="rbf", gamma="scale", nu=0.5, contamination=0.1, train_on="all", roles=None,
                 cache_size=500):
        store_params(self, locals())

    def _make_estimator(self):
        return OneClassSVM(kernel=self.kernel, gamma=self.gamma, nu=self.nu, cache_size=self.cache_size)


class RobustCovarianceDetector(TableDetector):
    __doc__ = """Robust Mahalanobis distance: how far a row lies from the bulk, given the bulk's own spread.

    Location and covariance come from the Minimum Covariance Determinant (Rousseeuw 1984, with
    scikit-learn's ``MinCovDet``), which ignores the most outlying rows while estimating them, so the
    anomalies do not hide by inflating the covariance. The score is ``sqrt((x - mu)' S^-1 (x - mu))``.

    When the MCD cannot be trusted - fewer than ``2 * n_features`` rows, or a singular covariance,
    as one-hot columns or a constant feature give - it falls back to robust z-scores per feature:
    location = median, scale = 1.4826 * MAD (the standard deviation where the MAD is 0), score =
    the square root of the summed squared z-scores, i.e. a diagonal robust Mahalanobis distance.
    ``method_`` says which was used.

    Parameters
    ----------
    support_fraction : float or None
        The share of rows the MCD estimates from; None uses (n + p + 1) / 2 rows.
    random_state : int or None
        Seed of the MCD's random starts.
""" + DETECTOR_PARAMS_DOC + _TABLE_DOC + DETECTOR_ATTRIBUTES_DOC + """
    location_, precision_ (inverse covariance; diagonal for the fallback), method_ ("mcd" or "robust_z").
    """

    def __init__(self, support_fraction=None, contamination=0.1, train_on="all", roles=None, random_state=None):
        store_params(self, locals())

    def _fit_scorer(self, Xt):
        Xt = np.asarray(Xt, dtype=np.float64)
        n, p = Xt.shape
        if n >= 2 * p:
            try:
                with warnings.catch_warnings(record=True) as caught:
                    # sklearn warns, rather than fails, on a singular covariance; its other warnings
                    # (such as "Determinant has increased" on discrete data) are rounding noise.
                    warnings.simplefilter("always")
                    mcd = MinCovDet(support_fraction=self.support_fraction, random_state=self.random_state).fit(Xt)
                singular = any("full rank" in str(w.message) for w in caught)
                if not singular and np.linalg.matrix_rank(mcd.covariance_) == p:
                    self.method_, self.location_, self.precision_ = "mcd", mcd.location_, mcd.get_precision()
                    return None
            except (ValueError, np.linalg.LinAlgError):
                pass
        median = np.median(Xt, axis=0)
        scale = MAD_TO_SIGMA * np.median(np.abs(Xt - median), axis=0)
        scale = np.where(scale > 1e-12, scale, Xt.std(axis=0))
        scale = np.where(scale > 1e-12, scale, 1.0)  # a constant column adds nothing to any distance
        self.method_, self.location_, self.precision_ = "robust_z", median, np.diag(1.0 / scale**2)
        return None

    def _score(self, Xt):
        d = np.asarray(Xt, dtype=np.float64) - self.location_
        return np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", d, self.precision_, d), 0.0))
