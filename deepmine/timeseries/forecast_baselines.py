"""The forecasts the forecasting literature measures against: naive, seasonal naive, ETS and ARIMA.

All follow :class:`~deepmine.timeseries.forecasters.BaseForecaster`'s contract. Intervals: the
naive ones use the textbook formulas (Hyndman & Athanasopoulos, *Forecasting: Principles and
Practice*, 5.5) with the standard deviation of their one-step (one-season) residuals; ETS and ARIMA
use statsmodels' own prediction intervals.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from deepmine.base import store_params
from deepmine.errors import DataError, ParameterError
from deepmine.timeseries.forecasters import BaseForecaster


def _z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2))


class NaiveForecaster(BaseForecaster):
    """Every future value is the last one; the interval widens as sigma * sqrt(h)."""

    def __init__(self, interval: float = 0.9):
        store_params(self, locals())

    def _resolve_season(self, series):
        return 1

    def _fit(self, series):
        y = series.to_numpy(dtype=float)
        self.last_ = y[-1]
        self.sigma_ = float(np.sqrt(np.mean(np.diff(y) ** 2)))

    def _predict(self, horizon):
        mean = np.full(horizon, self.last_)
        half = _z(self.interval) * self.sigma_ * np.sqrt(np.arange(1, horizon + 1))
        return mean, mean - half, mean + half


class SeasonalNaiveForecaster(BaseForecaster):
    """Every future value is the value one season earlier; the interval widens by whole seasons."""

    _seasonal = True

    def __init__(self, season="auto", interval: float = 0.9):
        store_params(self, locals())

    def _fit(self, series):
        y, m = series.to_numpy(dtype=float), self.season_
        self.last_season_ = y[-m:]
        self.sigma_ = float(np.sqrt(np.mean((y[m:] - y[:-m]) ** 2)))

    def _predict(self, horizon):
        m = self.season_
        mean = np.resize(self.last_season_, horizon)  # repeats the last season
        k = np.arange(horizon) // m  # whole seasons past the first
        half = _z(self.interval) * self.sigma_ * np.sqrt(k + 1)
        return mean, mean - half, mean + half


class ETSForecaster(BaseForecaster):
    """Exponential smoothing in state-space form (statsmodels ``ETSModel``), additive errors.

    ``trend`` ("auto", None, "add") and ``seasonal`` ("auto", None, "add", "mul") pick the form;
    "auto" fits each choice (no trend, an additive trend, damped or not when ``damped="auto"``;
    additive, or for positive series multiplicative, seasonality) and keeps the lowest AIC. Intervals come from statsmodels
    (closed-form for linear models, simulated for multiplicative seasonality). ``random_state`` seeds
    that simulation; None uses seed 0, so the same fitted model gives the same interval every call.
    """

    _seasonal = True

    def __init__(self, season="auto", trend="auto", seasonal="auto", damped="auto", interval: float = 0.9,
                 random_state=None):
        store_params(self, locals())

    def _interval_seed(self) -> int:
        from deepmine.training import resolve_seed

        return 0 if self.random_state is None else resolve_seed(self.random_state)

    def _forms(self, y):
        trends = [None, "add"] if self.trend == "auto" else [self.trend]
        if self.season_ == 1:
            seasonals = [None]
        elif self.seasonal == "auto":
            seasonals = ["add", "mul"] if (y > 0).all() else ["add"]
        else:
            seasonals = [self.seasonal]
        for t in trends:
            if t not in (None, "add"):
                raise ParameterError(f"trend must be 'auto', None or 'add', got {t!r}")
        for s in seasonals:
            if s not in (None, "add", "mul"):
                raise ParameterError(f"seasonal must be 'auto', None, 'add' or 'mul', got {s!r}")
        if self.damped not in ("auto", True, False):
            raise ParameterError(f"damped must be 'auto', True or False, got {self.damped!r}")
        dampings = [False, True] if self.damped == "auto" else [bool(self.damped)]
        return [(t, d, s) for t in trends for d in (dampings if t else [False]) for s in seasonals]

    _rebuilt = ("result_",)

    def _model(self, y: np.ndarray, trend, damped, seasonal):
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        return ETSModel(pd.Series(y), error="add", trend=trend, damped_trend=damped, seasonal=seasonal,
                        seasonal_periods=self.season_ if seasonal else None,
                        initialization_method="heuristic" if seasonal and len(y) >= 3 * self.season_
                        else "estimated")

    def _fit(self, series):
        y = series.to_numpy(dtype=float)
        best = None
        for trend, damped, seasonal in self._forms(y):
            model = self._model(y, trend, damped, seasonal)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    res = model.fit(disp=False, maxiter=200)
                except (ValueError, np.linalg.LinAlgError):
                    continue
            if np.isfinite(res.aic) and (best is None or res.aic < best[0].aic):
                best = (res, trend, damped, seasonal)
        if best is None:
            raise DataError("no exponential smoothing form could be fitted to this series; check it for a "
                            "constant or nearly empty stretch, or use another forecaster")
        self.result_ = best[0]
        self.params_ = np.asarray(best[0].params, dtype=np.float64)
        self.form_ = {"trend": best[1], "damped": best[2], "seasonal": best[3]}

    def _rebuild(self) -> None:
        form = self.form_
        model = self._model(self.y_.to_numpy(dtype=float), form["trend"], form["damped"], form["seasonal"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.result_ = model.smooth(self.params_)

    def _predict(self, horizon):
        res = self.result_
        n = int(res.nobs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pred = res.get_prediction(start=n, end=n + horizon - 1, simulate_repetitions=500,
                                      rng=np.random.default_rng(self._interval_seed()))
            frame = pred.summary_frame(alpha=1 - self.interval)
        return frame["mean"].to_numpy(), frame["pi_lower"].to_numpy(), frame["pi_upper"].to_numpy()


def _fourier(t: np.ndarray, season: int, k: int) -> np.ndarray:
    cols = []
    for j in range(1, k + 1):
        cols += [np.sin(2 * np.pi * j * t / season), np.cos(2 * np.pi * j * t / season)]
    return np.column_stack(cols)


class ARIMAForecaster(BaseForecaster):
    """Seasonal ARIMA (statsmodels ``SARIMAX``), the order picked by AIC over a small grid.

    ``order="auto"`` tries (0,1,1), (1,1,1) and (2,1,0); for a season up to ``max_seasonal`` (24) it
    adds the seasonal part (0,1,1)_m (the "airline model" family). A longer season (52 weeks) would make
    the state space slow and unstable, so it is modelled by ``fourier`` sine/cosine pairs as regressors
    with a drift (dynamic harmonic regression, FPP 10.5). Intervals are SARIMAX's.
    """

    _seasonal = True

    def __init__(self, season="auto", order="auto", seasonal_order="auto", max_seasonal: int = 24, fourier: int = 4,
                 interval: float = 0.9):
        store_params(self, locals())

    _rebuilt = ("result_",)

    def _exog(self, t):
        if self.k_ == 0:
            return None
        return _fourier(t, self.season_, self.k_)

    def _fit(self, series):
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        y, m = series.to_numpy(dtype=float), self.season_
        orders = [(0, 1, 1), (1, 1, 1), (2, 1, 0)] if self.order == "auto" else [tuple(self.order)]
        harmonic = m > self.max_seasonal
        self.k_ = min(self.fourier, m // 2) if harmonic else 0
        if self.seasonal_order != "auto":
            seasonal = tuple(self.seasonal_order)
        else:
            seasonal = (0, 1, 1, m) if 1 < m <= self.max_seasonal else (0, 0, 0, 0)
        trend = "c" if seasonal[1] == 0 else None  # a drift unless the seasonal difference removes it
        exog = self._exog(np.arange(len(y)))
        best = None
        for order in orders:
            model = SARIMAX(y, exog=exog, order=order, seasonal_order=seasonal, trend=trend)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    res = model.fit(disp=False, maxiter=100)
                except (ValueError, np.linalg.LinAlgError):
                    continue
            if np.isfinite(res.aic) and (best is None or res.aic < best.aic):
                best = res
        if best is None:
            raise DataError("no ARIMA order could be fitted to this series; check it for a constant stretch, "
                            "or use another forecaster")
        self.result_ = best
        self.order_, self.seasonal_order_ = best.model.order, best.model.seasonal_order
        self.trend_, self.params_ = trend, np.asarray(best.params, dtype=np.float64)

    def _rebuild(self) -> None:
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        y = self.y_.to_numpy(dtype=float)
        model = SARIMAX(y, exog=self._exog(np.arange(len(y))), order=self.order_,
                        seasonal_order=self.seasonal_order_, trend=self.trend_)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.result_ = model.filter(self.params_)

    def _predict(self, horizon):
        n = int(self.result_.nobs)
        exog = self._exog(np.arange(n, n + horizon))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = self.result_.get_forecast(horizon, exog=exog)
            ci = np.asarray(fc.conf_int(alpha=1 - self.interval))
        return np.asarray(fc.predicted_mean), ci[:, 0], ci[:, 1]


__all__ = ["ARIMAForecaster", "ETSForecaster", "NaiveForecaster", "SeasonalNaiveForecaster"]
