"""compare for forecasting: a rolling-origin backtest of every forecaster on one series.

Each origin cuts the series: the forecaster is fitted on everything before it and forecasts the
next ``horizon`` steps, which are scored against the truth (MASE scaled by the history before that
origin). The origins are ``step`` apart (``horizon`` by default) and the last one leaves exactly
``horizon`` steps, so with ``n_origins=3`` and ``horizon=12`` the last 36 months are forecast.
"""

from __future__ import annotations

import time
import warnings
from typing import Any, Callable, Mapping

import pandas as pd

from deepmine.errors import DataError, DataWarning, check_positive_int
from deepmine.evaluation.forecast_metrics import FORECAST_METRICS, forecast_scores
from deepmine.evaluation.leaderboard import Leaderboard, sort_frame
from deepmine.evaluation.tasks import Candidate, Task
from deepmine.timeseries.forecast_data import as_regular_series, infer_season
from deepmine.training.checkpoints import checkpoint_scope


def _origins(n: int, horizon: int, n_origins: int, step: int) -> list[int]:
    origins = [n - horizon - i * step for i in range(n_origins - 1, -1, -1)]
    if origins[0] < 3:
        raise DataError(f"{n_origins} origins {step} steps apart with horizon {horizon} need more than "
                        f"{horizon + (n_origins - 1) * step + 2} points, the series has {n}; use fewer origins "
                        f"(n_origins=) or a shorter horizon")
    return origins


def backtest(forecaster, y, horizon: int, n_origins: int = 3, step: int | None = None, season=None,
             ) -> tuple[dict[str, float], pd.DataFrame]:
    """Rolling-origin evaluation of ``forecaster`` (refitted at each origin) on the series ``y``.

    Returns the scores averaged over the origins (mase, smape, rmse, interval_coverage, plus fit_s: the mean
    seconds to fit) and a long frame of every forecast: origin, time, actual, forecast, lower, upper.
    ``season`` scales MASE (the series' usual season when not given).
    """
    series = y if isinstance(y, pd.Series) and getattr(y.index, "freq", None) is not None \
        else as_regular_series(y)
    horizon = check_positive_int("horizon", horizon)
    n_origins = check_positive_int("n_origins", n_origins)
    step = check_positive_int("step", step if step is not None else horizon)
    season = infer_season(series) if season is None else check_positive_int("season", season)
    rows, frames = [], []
    for origin in _origins(len(series), horizon, n_origins, step):
        history, truth = series.iloc[:origin], series.iloc[origin:origin + horizon]
        start = time.perf_counter()
        forecaster.fit(history, horizon=horizon)
        fit_s = time.perf_counter() - start
        fc = forecaster.predict(horizon)
        scores = forecast_scores(truth.to_numpy(), fc["forecast"].to_numpy(), history.to_numpy(), season,
                                 fc["lower"].to_numpy(), fc["upper"].to_numpy())
        scores["fit_s"] = fit_s
        rows.append(scores)
        frames.append(pd.DataFrame({"origin": history.index[-1], "time": truth.index, "actual": truth.to_numpy(),
                                    "forecast": fc["forecast"].to_numpy(), "lower": fc["lower"].to_numpy(),
                                    "upper": fc["upper"].to_numpy()}))
    scores = pd.DataFrame(rows).mean().to_dict()
    return {k: float(v) for k, v in scores.items()}, pd.concat(frames, ignore_index=True)


def compare_forecasters(task: Task, y, horizon: int, season=None, models=None, random_state: int = 0,
                        options: Mapping[str, Any] | None = None, progress: Callable[[str], None] | None = None,
                        n_origins: int = 3, step: int | None = None) -> Leaderboard:
    """Backtest every forecaster of ``task`` on ``y`` and rank them by MASE.

    ``season`` (the series' usual one when None) is set on every model that has a ``season``
    parameter and scales MASE. The leaderboard's ``predictions[name]`` is each model's forecast
    frame (forecast, lower, upper) for the ``horizon`` steps after the series, from a refit on all
    of it; ``models`` holds those refitted forecasters and ``info["backtest"]`` every origin's forecasts.
    """
    from deepmine.evaluation.compare import set_matching_params

    series = as_regular_series(y)
    horizon = check_positive_int("horizon", horizon)
    season = infer_season(series) if season is None or season == "auto" else check_positive_int("season", season)
    values = {"season": season, **dict(options or {})}
    rows, fitted, predictions, backtests = [], {}, {}, {}
    for cand in task.select(models):
        if progress:
            progress(f"backtesting {cand.name} ({cand.kind}) on {len(series)} points, {n_origins} origins")
        model = set_matching_params(cand.factory(random_state), values)
        # one checkpoint per fit, numbered in order: each origin's, then the final one on the whole series
        with warnings.catch_warnings(), checkpoint_scope(cand.name):
            warnings.simplefilter("ignore", DataWarning)
            scores, frame = backtest(model, series, horizon, n_origins, step, season)
            model = set_matching_params(cand.factory(random_state), values)
            model.fit(series, horizon=horizon)
            start = time.perf_counter()
            predictions[cand.name] = model.predict(horizon)
            predict_s = time.perf_counter() - start
        rows.append({"model": cand.name, "kind": cand.kind, **{m: scores[m] for m in FORECAST_METRICS},
                     "fit_s": scores["fit_s"], "predict_s": predict_s})
        fitted[cand.name], backtests[cand.name] = model, frame
    frame = sort_frame(pd.DataFrame(rows), "mase")
    histories = {n: m.history_ for n, m in fitted.items() if getattr(m, "history_", None) is not None}
    info = {"rows": int(len(series)), "horizon": horizon, "season": season, "n_origins": n_origins,
            "step": step or horizon, "freq": getattr(series.index, "freqstr", None),
            "interval": values.get("interval", 0.9), "random_state": random_state, "options": dict(options or {}),
            "split": f"rolling origin: {n_origins} origins, the last {horizon + (n_origins - 1) * (step or horizon)} "
                     f"points forecast", "backtest": backtests}
    return Leaderboard(task.name, "mase", frame, fitted, histories, info, None, predictions,
                       data=series.to_frame(name=series.name or "y"))


def forecasting_candidates() -> list[Candidate]:
    """The forecasters compare fits: three deep ones and four the forecasting literature measures against."""
    from deepmine.timeseries.forecast_baselines import (ARIMAForecaster, ETSForecaster, NaiveForecaster,
                                                        SeasonalNaiveForecaster)
    from deepmine.timeseries.forecasters import LSTMForecaster, MLPForecaster, NBEATSForecaster

    return [
        Candidate("mlp", "deep", lambda s: MLPForecaster(random_state=s),
                  "MLP from the last window to every horizon step (direct), per-window standardisation"),
        Candidate("lstm", "deep", lambda s: LSTMForecaster(random_state=s),
                  "LSTM over the (patched) window, linear head to every horizon step"),
        Candidate("nbeats", "deep", lambda s: NBEATSForecaster(random_state=s),
                  "N-BEATS generic (Oreshkin et al. 2020): residual stacks of fully connected blocks"),
        Candidate("naive", "traditional", lambda s: NaiveForecaster(), "the last value"),
        Candidate("seasonal_naive", "traditional", lambda s: SeasonalNaiveForecaster(),
                  "the value one season earlier"),
        Candidate("ets", "traditional", lambda s: ETSForecaster(random_state=s),
                  "exponential smoothing (ETS), form by AIC"),
        Candidate("arima", "traditional", lambda s: ARIMAForecaster(),
                  "seasonal ARIMA, order by AIC over a small grid (Fourier terms for long seasons)"),
    ]


__all__ = ["backtest", "compare_forecasters", "forecasting_candidates"]
