"""The traditional detectors of anomalies in time series: the matrix-profile discord, Isolation Forest on sliding
windows, and a robust z-score of the residuals of a seasonal decomposition.

They follow the series-detector surface of :mod:`deepmine.timeseries.anomaly_detectors` (one score per time
step, a threshold from ``contamination``). The matrix profile is stumpy's (Law 2019), Isolation Forest
scikit-learn's and the decomposition statsmodels' STL; this module only cuts windows and maps their scores back to
time steps.
"""

from __future__ import annotations

import warnings

import numpy as np

from deepmine.anomaly.base import DETECTOR_ATTRIBUTES_DOC, MAD_TO_SIGMA
from deepmine.base import store_params
from deepmine.errors import ParameterError, check_positive_int, require
from deepmine.timeseries.anomaly_data import dominant_period, spread_to_steps, window_view
from deepmine.timeseries.anomaly_detectors import SeriesDetector

_CONTAMINATION = """
    contamination : float in (0, 0.5] or "auto"
        The share of the training steps flagged (their highest scores); "auto" flags the steps whose robust
        z-score of log(score) exceeds 3.
"""


def matrix_profile(values: np.ndarray, window: int) -> np.ndarray:
    """The z-normalised matrix profile of each channel (stumpy's ``stump``, exclusion zone a quarter window),
    as ``(n - window + 1, channels)``; a subsequence with no match outside its exclusion zone gets the largest
    finite distance."""
    stumpy = require("stumpy", "timeseries")
    values = np.asarray(values, dtype=np.float64)
    profiles = []
    for channel in (values[:, None] if values.ndim == 1 else values).T:
        with warnings.catch_warnings():  # stumpy warns about constant subsequences, which it handles
            warnings.simplefilter("ignore")
            profile = np.asarray(stumpy.stump(np.ascontiguousarray(channel), window)[:, 0], dtype=np.float64)
        finite = np.isfinite(profile)
        profile[~finite] = profile[finite].max() if finite.any() else 0.0
        profiles.append(profile)
    return np.column_stack(profiles)


def warm_up_matrix_profile() -> float:
    """Compile stumpy's JIT code now (about 20 s on two cores, once per process); the seconds it took."""
    import time

    start = time.perf_counter()
    matrix_profile(np.sin(np.arange(64.0)), 8)
    return time.perf_counter() - start


class MatrixProfileDetector(SeriesDetector):
    __doc__ = ("The matrix-profile discord (Yeh et al. 2016): a window's score is the z-normalised distance to its "
               "nearest neighbour elsewhere in the series (stumpy's ``stump``), so a window unlike every other is a "
               "discord; the channels' profiles, in units of sqrt(window), are combined by their maximum (a discord "
               "in any sensor counts), and a step's score is the mean over the windows that hold it. It needs no "
               "training: the series scored is searched for its own discords, and ``fit`` sets the threshold from "
               "the training series' own profile.\n\n"
               "    Parameters\n    ----------\n    window : int or \"auto\"\n        Subsequence length (\"auto\": the "
               "dominant period, 8 to 256 steps)." + _CONTAMINATION + DETECTOR_ATTRIBUTES_DOC)

    def __init__(self, window="auto", contamination="auto"):
        store_params(self, locals())

    def _fit(self, values):
        pass

    def _score(self, values):
        profile = matrix_profile(values, self.window_).max(axis=1) / np.sqrt(self.window_)
        return spread_to_steps(profile, len(values), self.window_)


class WindowIsolationForest(SeriesDetector):
    __doc__ = ("Isolation Forest (Liu et al. 2008; scikit-learn's) on sliding windows: each window of every channel's "
               "standardised values is one row; a step's score is the mean isolation score of the windows that hold "
               "it.\n\n    Parameters\n    ----------\n    window : int or \"auto\"\n        Steps per window.\n"
               "    n_estimators : int\n        Trees.\n    random_state : int or None\n        Seed of the forest." + _CONTAMINATION
               + DETECTOR_ATTRIBUTES_DOC)

    def __init__(self, window="auto", n_estimators: int = 200, contamination="auto", random_state=None):
        store_params(self, locals())

    def _rows(self, values):
        return window_view(values, self.window_).reshape(len(values) - self.window_ + 1, -1)

    def _fit(self, values):
        from sklearn.ensemble import IsolationForest

        self.forest_ = IsolationForest(n_estimators=check_positive_int("n_estimators", self.n_estimators),
                                       random_state=self.random_state, n_jobs=1).fit(self._rows(values))

    def _score(self, values):
        return spread_to_steps(-self.forest_.score_samples(self._rows(values)), len(values), self.window_)


class STLResidualDetector(SeriesDetector):
    __doc__ = ("A robust z-score of seasonal-decomposition residuals: each channel is decomposed by STL (Cleveland et "
               "al. 1990; statsmodels', robust) into trend, season and remainder; a step's score is the largest, over "
               "the channels, of |remainder - median| / (1.4826 MAD), with the median and MAD of the training "
               "series' remainders.\n\n    Parameters\n    ----------\n    period : int or \"auto\"\n        The season's "
               "length in steps (\"auto\": the dominant period; 2 or more). A series without one is decomposed with "
               "a period of 8 steps (trend and a short smooth).\n" + _CONTAMINATION + DETECTOR_ATTRIBUTES_DOC)

    def __init__(self, period="auto", contamination="auto"):
        store_params(self, locals())

    def _resolve_period(self, values) -> int:
        if self.period == "auto":
            return dominant_period(values) or 8
        period = check_positive_int("period", self.period)
        if period < 2:
            raise ParameterError(f"period must be at least 2 steps, got {period}")
        return period

    def _residuals(self, values):
        require("statsmodels", "timeseries")
        from statsmodels.tsa.seasonal import STL

        period = min(self.period_, max(2, len(values) // 2 - 1))
        return np.column_stack([STL(channel, period=period, robust=True).fit().resid for channel in values.T])

    def _fit(self, values):
        self.period_ = self._resolve_period(values)
        residuals = self._residuals(values)
        self.median_ = np.median(residuals, axis=0)
        mad = np.median(np.abs(residuals - self.median_), axis=0) * MAD_TO_SIGMA
        self.mad_ = np.where(mad > 0, mad, residuals.std(axis=0) + 1e-12)
        return self._robust_z(residuals)  # the training scores, without decomposing the series a second time

    def _score(self, values):
        return self._robust_z(self._residuals(values))

    def _robust_z(self, residuals):
        return (np.abs(residuals - self.median_) / self.mad_).max(axis=1)


__all__ = ["MatrixProfileDetector", "STLResidualDetector", "WindowIsolationForest", "matrix_profile",
           "warm_up_matrix_profile"]
