"""Traditional time-series classifiers: 1-NN with Euclidean or DTW distance, (Mini)ROCKET, a summary-feature forest.

They take the same series as the deep classifiers (3-D or 2-D arrays, lists of unequal-length
series, wide DataFrames), preprocess them with the same :class:`SeriesPreprocessor`, and keep
their fitted state in numpy arrays and scikit-learn estimators, so ``deepmine.persist.save_model``
stores them in skops' safe format (ROCKET keeps an aeon transformer, which skops does not trust:
it loads only by pickle).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from deepmine.base import store_params
from deepmine.errors import ParameterError, check_class_labels, check_fitted, check_positive_int
from deepmine.timeseries.data import SeriesInput, SeriesPreprocessor, series_list

DISTANCES = ("euclidean", "dtw")
ROCKET_KINDS = ("minirocket", "rocket")


class _SeriesBaseline(SeriesInput, ClassifierMixin, BaseEstimator):
    """Series in -> ``preprocessor_`` (a fitted SeriesPreprocessor) -> a panel for the subclass."""

    def _fit_panel(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        if self.normalize not in ("series", None):
            raise ParameterError(f"normalize must be 'series' or None, got {self.normalize!r}")
        cases = series_list(X)
        y = check_class_labels(y, len(cases), "series")
        self.preprocessor_ = SeriesPreprocessor(normalize=self.normalize).fit(cases)
        self.n_features_in_ = int(self.preprocessor_.n_channels_)
        self.classes_, codes = np.unique(y, return_inverse=True)
        return self.preprocessor_.transform(cases), codes

    def _panel(self, X) -> np.ndarray:
        check_fitted(self, "preprocessor_")
        return self.preprocessor_.transform(X)

    def predict(self, X) -> np.ndarray:
        check_fitted(self, "preprocessor_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class KNeighborsSeriesClassifier(_SeriesBaseline):
    """k-nearest-neighbour classifier under the Euclidean or the DTW distance (Sakoe-Chiba window).

    1-NN DTW is the classic time-series baseline (Bagnall et al. 2017). Published test accuracy of
    1-NN DTW with a full window: GunPoint 0.907, ItalyPowerDemand 0.950; with the best window
    learned on the training set: 0.913 and 0.955.

    Parameters
    ----------
    distance : {"euclidean", "dtw"}
    window : float
        DTW's Sakoe-Chiba band as a share of the series length (0 is Euclidean, 1 is full DTW).
    n_neighbors : int
    normalize : {"series", None}
    """

    def __init__(self, distance="euclidean", window=0.1, n_neighbors=1, normalize="series"):
        store_params(self, locals())

    def fit(self, X, y):
        if self.distance not in DISTANCES:
            raise ParameterError(f"distance must be one of {', '.join(DISTANCES)}, got {self.distance!r}")
        if not isinstance(self.window, (int, float)) or isinstance(self.window, bool) or not 0 <= self.window <= 1:
            raise ParameterError(f"window must be a share of the length between 0 and 1, got {self.window!r}")
        check_positive_int("n_neighbors", self.n_neighbors)
        self.X_train_, self.y_codes_ = self._fit_panel(X, y)
        self.X_train_ = self.X_train_.astype(np.float64)
        return self

    def _distances(self, panel: np.ndarray) -> np.ndarray:
        from aeon.distances import dtw_pairwise_distance, euclidean_pairwise_distance

        panel = panel.astype(np.float64)
        if self.distance == "euclidean":
            return euclidean_pairwise_distance(panel, self.X_train_)
        return dtw_pairwise_distance(panel, self.X_train_, window=float(self.window))

    def predict_proba(self, X) -> np.ndarray:
        """The share of the ``n_neighbors`` nearest training series in each class (ties to the nearer)."""
        d = self._distances(self._panel(X))
        k = min(int(self.n_neighbors), d.shape[1])
        nearest = np.argsort(d, axis=1, kind="stable")[:, :k]
        proba = np.zeros((len(d), len(self.classes_)))
        for j in range(k):
            # a tiny bonus to nearer neighbours breaks ties towards the nearest one
            np.add.at(proba, (np.arange(len(d)), self.y_codes_[nearest[:, j]]), 1.0 + 1e-6 * (k - j))
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        check_fitted(self, "preprocessor_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class RocketClassifier(_SeriesBaseline):
    """ROCKET / MiniROCKET (Dempster et al. 2020, 2021): random convolution features + ridge regression.

    The transform comes from aeon; the classifier is scikit-learn's RidgeClassifierCV on the
    standardised features. Ridge has no probabilities: ``predict_proba`` is the softmax (sigmoid for
    two classes) of its decision values, which ranks well but is not calibrated.

    Parameters
    ----------
    kind : {"minirocket", "rocket"}
    n_kernels : int
    normalize : {"series", None}
    random_state : int or None
    """

    def __init__(self, kind="minirocket", n_kernels=10000, normalize="series", random_state=None):
        store_params(self, locals())

    def _transformer(self):
        from aeon.transformations.collection.convolution_based import MiniRocket, Rocket

        if self.kind not in ROCKET_KINDS:
            raise ParameterError(f"kind must be one of {', '.join(ROCKET_KINDS)}, got {self.kind!r}")
        check_positive_int("n_kernels", self.n_kernels)
        cls = MiniRocket if self.kind == "minirocket" else Rocket
        return cls(n_kernels=int(self.n_kernels), random_state=self.random_state)

    def fit(self, X, y):
        from sklearn.linear_model import RidgeClassifierCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        transformer = self._transformer()
        panel, codes = self._fit_panel(X, y)
        if self.kind == "minirocket" and panel.shape[2] < 9:
            # MiniRocket's kernels are 9 long; shorter series are resampled up to 9 steps
            self.preprocessor_.length_ = 9
            panel = self.preprocessor_.transform(X)
        self.transformer_ = transformer.fit(panel.astype(np.float64))
        features = self.transformer_.transform(panel.astype(np.float64))
        self.ridge_ = make_pipeline(StandardScaler(), RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)))
        self.ridge_.fit(features, codes)
        return self

    def decision_function(self, X) -> np.ndarray:
        check_fitted(self, "ridge_")
        return self.ridge_.decision_function(self.transformer_.transform(self._panel(X).astype(np.float64)))

    def predict_proba(self, X) -> np.ndarray:
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p = 1.0 / (1.0 + np.exp(-scores))
            return np.column_stack([1.0 - p, p])
        z = np.exp(scores - scores.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)


SUMMARY_FEATURES = ("mean", "sd", "min", "max", "median", "q10", "q25", "q75", "q90", "slope", "skew", "kurtosis",
                    "acf1", "acf2", "mean_abs_diff", "sd_diff", "argmax", "argmin", "crossings")


def summary_features(panel: np.ndarray) -> np.ndarray:
    """(cases, channels, length) -> (cases, channels * len(SUMMARY_FEATURES)) summary statistics per channel."""
    x = np.asarray(panel, dtype=np.float64)
    n, c, m = x.shape
    t = np.arange(m, dtype=np.float64)
    mean = x.mean(axis=2)
    centred = x - mean[..., None]
    sd = x.std(axis=2)
    safe_sd = np.where(sd > 1e-12, sd, 1.0)
    z = centred / safe_sd[..., None]
    q10, q25, med, q75, q90 = np.percentile(x, [10, 25, 50, 75, 90], axis=2)
    tc = t - t.mean()
    slope = (centred * tc).sum(axis=2) / max(float((tc ** 2).sum()), 1e-12)

    def acf(lag):
        if m <= lag:
            return np.zeros((n, c))
        return (z[..., lag:] * z[..., :-lag]).sum(axis=2) / m  # the usual (biased) estimate, as statsmodels

    diff = np.diff(x, axis=2) if m > 1 else np.zeros((n, c, 1))
    crossings = (np.diff(np.sign(centred), axis=2) != 0).mean(axis=2) if m > 1 else np.zeros((n, c))
    feats = [mean, sd, x.min(axis=2), x.max(axis=2), med, q10, q25, q75, q90, slope, (z ** 3).mean(axis=2),
             (z ** 4).mean(axis=2) - 3.0, acf(1), acf(2), np.abs(diff).mean(axis=2), diff.std(axis=2),
             x.argmax(axis=2) / max(m - 1, 1), x.argmin(axis=2) / max(m - 1, 1), crossings]
    return np.stack(feats, axis=2).reshape(n, c * len(feats))


class SummaryForestClassifier(_SeriesBaseline):
    """A random forest on per-channel summary statistics (moments, quantiles, slope, autocorrelation, ...).

    A simple feature-based baseline in the spirit of catch22 / TSFresh forests; the features are
    listed in ``SUMMARY_FEATURES``. With ``normalize="series"`` the mean and sd of every series
    are 0 and 1, so level and scale do not count; pass None where they carry the class.

    Parameters
    ----------
    n_estimators : int
    normalize : {"series", None}
    random_state : int or None
    """

    def __init__(self, n_estimators=200, normalize="series", random_state=None):
        store_params(self, locals())

    def fit(self, X, y):
        from sklearn.ensemble import RandomForestClassifier

        check_positive_int("n_estimators", self.n_estimators)
        panel, codes = self._fit_panel(X, y)
        self.forest_ = RandomForestClassifier(n_estimators=int(self.n_estimators), n_jobs=-1,
                                              random_state=self.random_state)
        self.forest_.fit(summary_features(panel), codes)
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_fitted(self, "forest_")
        part = self.forest_.predict_proba(summary_features(self._panel(X)))
        proba = np.zeros((len(part), len(self.classes_)))
        proba[:, self.forest_.classes_.astype(int)] = part
        return proba

    @property
    def feature_names_(self) -> list[str]:
        check_fitted(self, "forest_")
        return [f"channel{k}_{f}" for k in range(self.n_features_in_) for f in SUMMARY_FEATURES]


__all__ = ["KNeighborsSeriesClassifier", "RocketClassifier", "SUMMARY_FEATURES", "SummaryForestClassifier",
           "summary_features"]
