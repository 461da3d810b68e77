"""Forecasting: a rolling-origin backtest of every forecaster on one series.

Each origin cuts the series: the forecaster is fitted on everything before it and forecasts the
next ``horizon`` steps, which are scored against the truth (MASE scaled by the history before that
origin). The origins are ``step`` apart (``horizon`` by default) and the last one leaves exactly
``horizon`` steps, so with ``n_origins=3`` and ``horizon=12`` the last 36 months are forecast.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from deepmine.data.read import read_table
from deepmine.errors import DataError, ParameterError, TargetError, check_positive_int
from deepmine.evaluation.candidates import Candidate
from deepmine.evaluation.fitting import set_matching_params
from deepmine.evaluation.forecast_metrics import FORECAST_METRICS, forecast_scores, mase_scale
from deepmine.evaluation.task import Fitting, Prepared, Task
from deepmine.timeseries.forecast_data import as_regular_series, infer_season


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
    for history, truth in _cuts(series, horizon, n_origins, step):
        start = time.perf_counter()
        forecaster.fit(history, horizon=horizon)
        fit_s = time.perf_counter() - start
        fc = forecaster.predict(horizon)
        scores, frame = _score_origin(history, truth, fc[["forecast", "lower", "upper"]].to_numpy(), season)
        rows.append({**scores, "fit_s": fit_s})
        frames.append(frame)
    scores = pd.DataFrame(rows).mean().to_dict()
    return {k: float(v) for k, v in scores.items()}, pd.concat(frames, ignore_index=True)


def _cuts(series: pd.Series, horizon: int, n_origins: int, step: int):
    """``(history, truth)`` at each origin of the backtest, in order."""
    for origin in _origins(len(series), horizon, n_origins, step):
        yield series.iloc[:origin], series.iloc[origin:origin + horizon]


def _score_origin(history: pd.Series, truth: pd.Series, fc: np.ndarray, season: int):
    """One origin's scores and its rows of the backtest frame, from ``fc``: (horizon, 3) forecast, lower, upper."""
    scores = forecast_scores(truth.to_numpy(), fc[:, 0], history.to_numpy(), season, fc[:, 1], fc[:, 2])
    frame = pd.DataFrame({"origin": history.index[-1], "time": truth.index, "actual": truth.to_numpy(),
                          "forecast": fc[:, 0], "lower": fc[:, 1], "upper": fc[:, 2]})
    return scores, frame


class ForecastingTask(Task):
    """Backtest every forecaster of the task on one series and rank them by MASE.

    ``season`` (the series' usual one when "auto") is set on every model that has a ``season`` parameter
    and scales MASE. The leaderboard's ``predictions[name]`` is each model's forecast frame (forecast,
    lower, upper) for the ``horizon`` steps after the series, from a refit on all of it; ``models`` holds
    those refitted forecasters and ``info["backtest"]`` every origin's forecasts.
    """

    OPTIONS = {"target": None, "time_column": None, "horizon": None, "season": "auto", "n_origins": 3,
               "step": None, "table": None, "query": None}

    def prepare(self, data, *, random_state: int, progress=None, options=None, target=None, time_column=None,
                horizon=None, season="auto", n_origins=3, step=None, table=None, query=None) -> Prepared:
        if horizon is None:
            raise ParameterError("forecasting needs a horizon: how many steps ahead to forecast (horizon=12, "
                                 "--horizon)")
        if isinstance(data, pd.Series):
            series = as_regular_series(data)
        else:
            frame = read_table(data, table=table, query=query)
            if target is None:
                raise TargetError("forecasting needs the column to forecast; pass target=COLUMN (--target)")
            series = as_regular_series(frame, time=time_column, target=target)
        horizon = check_positive_int("horizon", horizon)
        n_origins = check_positive_int("n_origins", n_origins)
        season = infer_season(series) if season is None or season == "auto" else check_positive_int("season", season)
        info = {"rows": int(len(series)), "horizon": horizon, "season": season, "n_origins": n_origins,
                "step": step or horizon, "freq": getattr(series.index, "freqstr", None),
                "interval": dict(options or {}).get("interval", 0.9),
                "split": f"rolling origin: {n_origins} origins, the last "
                         f"{horizon + (n_origins - 1) * (step or horizon)} points forecast"}
        return Prepared(series, None, None, None, info, "mase", shown=series.to_frame(name=series.name or "y"),
                        size=len(series), unit="points", extra={"season": season})

    def inner(self, prepared: Prepared, random_state: int, valid_size: float = 0.2,
              blend_size: float = 0.0) -> Prepared:
        """The series before the backtest's first origin, backtested the same way (as many origins as fit):
        a forecaster is tuned on no point that the leaderboard scores it on."""
        info = prepared.info
        horizon, step = info["horizon"], info["step"]
        first_origin = len(prepared.train) - horizon - (info["n_origins"] - 1) * step
        history = prepared.train.iloc[:first_origin]
        n_origins = next((n for n in range(info["n_origins"], 0, -1)
                          if len(history) - horizon - (n - 1) * step >= max(3, 2 * horizon)), 0)
        if not n_origins:
            raise DataError(f"the {len(history)} points before the backtest are too few to tune a forecaster on "
                            f"(horizon {horizon}); leave out budget (--budget), or use fewer origins")
        return Prepared(history, None, None, None, {**info, "n_origins": n_origins, "valid_rows": n_origins * horizon,
                                                     "train_rows": len(history)},
                        prepared.primary, size=len(history), unit="points", extra={**prepared.extra, "trial": True})

    def build(self, candidate, prepared: Prepared, random_state: int, options):
        return set_matching_params(candidate.factory(random_state), {"season": prepared.extra["season"],
                                                                     **dict(options)})

    def describe(self, fitting: Fitting, prepared: Prepared) -> str:
        c = fitting.candidate
        return f"backtesting {c.name} ({c.kind}) on {prepared.size} points, {prepared.info['n_origins']} origins"

    def fit(self, fitting: Fitting, prepared: Prepared) -> None:
        """The backtest (its scores and fit_s: the mean seconds per origin), then a refit on the whole series;
        one checkpoint per fit, numbered in order: each origin's, then the final one."""
        info = prepared.info
        scores, frame = backtest(fitting.model, prepared.train, info["horizon"], info["n_origins"], info["step"],
                                 prepared.extra["season"])
        fitting.row.update({m: scores[m] for m in FORECAST_METRICS}, fit_s=scores["fit_s"])
        fitting.artefacts["backtest"] = frame
        if prepared.extra.get("trial"):  # a tuning trial: its backtest (scores, and forecasts to ensemble) is all
            return
        fitting.model = fitting.remake()
        fitting.model.fit(prepared.train, horizon=info["horizon"])

    def predict(self, fitting: Fitting, prepared: Prepared) -> None:
        fitting.prediction = fitting.model.predict(prepared.info["horizon"])

    def evaluate(self, fitting: Fitting, prepared: Prepared) -> dict:
        return {}  # the backtest scored every origin

    # -- ensembles: of forecasts and their intervals, weighted by MASE on the tuning backtest's origins ------
    def ensembles(self, prepared: Prepared) -> bool:
        return True

    def predict_blend(self, trial: Fitting, inner: Prepared) -> Fitting:
        """The trial's own backtest on the tuning origins: a series has too few points to hold another part
        out, so the ensembles are weighted on the origins the trials were scored on (as AutoGluon's time-series
        ensembles are); the leaderboard's origins stay unseen."""
        return trial

    def blend_truth(self, inner: Prepared) -> np.ndarray:
        """Per backtest point of the tuning origins, in the order of the backtest's frame: the truth and the
        MASE scale of its origin (so that the mean scaled error over the points is the mean MASE)."""
        return _truth_and_scale(inner.train, inner.info, inner.extra["season"])

    def ensemble_output(self, fitting: Fitting, classes) -> dict | None:
        frame, future = fitting.artefacts.get("backtest"), fitting.prediction
        if frame is None or future is None:
            return None
        cols = ["forecast", "lower", "upper"]
        return {"backtest": frame[cols].to_numpy(dtype=float), "future": future[cols].to_numpy(dtype=float)}

    def selected_part(self, output) -> np.ndarray:
        return output["backtest"][:, 0]

    def ensemble_loss(self, truth, classes):
        truth = np.asarray(truth, dtype=float)

        def loss_on(rows):
            actual, scale = truth[rows, 0], truth[rows, 1]
            return lambda output: float(np.mean(np.abs(actual - output) / scale))

        return loss_on

    def score_ensemble(self, ensemble, output, prepared: Prepared, classes, predictions: dict) -> Fitting:
        """The averaged forecasts and intervals scored origin by origin as the members' backtests were; its
        forecast after the series is the average of the members' refitted forecasts."""
        info, horizon = prepared.info, prepared.info["horizon"]
        scores, frames = [], []
        for k, (history, truth) in enumerate(_cuts(prepared.train, horizon, info["n_origins"], info["step"])):
            origin_scores, frame = _score_origin(history, truth, output["backtest"][k * horizon:(k + 1) * horizon],
                                                 prepared.extra["season"])
            scores.append(origin_scores)
            frames.append(frame)
        template = next(iter(predictions.values()))
        future = pd.DataFrame(output["future"], index=template.index, columns=["forecast", "lower", "upper"])
        fitting = Fitting(None, ensemble, pd.DataFrame(scores).mean().to_dict(), prediction=future)
        fitting.artefacts["backtest"] = pd.concat(frames, ignore_index=True)
        return fitting


def _truth_and_scale(series: pd.Series, info: dict, season: int) -> np.ndarray:
    """``(points, 2)``: each backtest point's truth and the MASE scale of its origin's history."""
    rows = []
    for history, truth in _cuts(series, info["horizon"], info["n_origins"], info["step"]):
        scale = mase_scale(history.to_numpy(dtype=float), season)
        rows.append(np.column_stack([truth.to_numpy(dtype=float), np.full(len(truth), scale if scale > 0 else 1.0)]))
    return np.concatenate(rows)


def forecasting_candidates() -> list[Candidate]:
    """The forecasters compare fits: four deep ones and four the forecasting literature measures against."""
    from deepmine.timeseries.forecast_baselines import (ARIMAForecaster, ETSForecaster, NaiveForecaster,
                                                        SeasonalNaiveForecaster)
    from deepmine.timeseries.forecasters import LSTMForecaster, MLPForecaster, NBEATSForecaster, Seq2SeqForecaster

    return [
        Candidate("mlp", "deep", lambda s: MLPForecaster(random_state=s),
                  "MLP from the last window to every horizon step (direct), per-window standardisation",
                  space={"lr": ("log", 3e-4, 3e-3), "hidden": ("choice", [(256, 256), (128, 128), (512, 512), (256,)]),
                         "dropout": ("float", 0.0, 0.3)}),
        Candidate("lstm", "deep", lambda s: LSTMForecaster(random_state=s),
                  "LSTM over the (patched) window, linear head to every horizon step",
                  space={"lr": ("log", 1e-3, 1e-2), "hidden": ("choice", [32, 64, 128]), "num_layers": ("int", 1, 2)}),
        Candidate("nbeats", "deep", lambda s: NBEATSForecaster(random_state=s),
                  "N-BEATS generic (Oreshkin et al. 2020): residual stacks of fully connected blocks",
                  space={"lr": ("log", 3e-4, 3e-3), "width": ("choice", [128, 256, 512]), "n_blocks": ("int", 2, 4),
                         "layers": ("int", 2, 4)}),
        # not in the default set: its decoder runs the horizon step by step (22 s a fit on airline's 12 months,
        # 2.7 s an epoch on co2's 52 weeks, minutes a fit there); --models seq2seq (or all) adds it
        Candidate("seq2seq", "deep", lambda s: Seq2SeqForecaster(random_state=s),
                  "encoder-decoder LSTMs with additive attention, decoding the horizon step by step", default=False,
                  space={"lr": ("log", 1e-3, 1e-2), "hidden": ("choice", [32, 64, 128]),
                         "attention": ("choice", [16, 32, 64])}),
        Candidate("naive", "traditional", lambda s: NaiveForecaster(), "the last value"),
        Candidate("seasonal_naive", "traditional", lambda s: SeasonalNaiveForecaster(),
                  "the value one season earlier"),
        Candidate("ets", "traditional", lambda s: ETSForecaster(random_state=s),
                  "exponential smoothing (ETS), form by AIC"),
        Candidate("arima", "traditional", lambda s: ARIMAForecaster(),
                  "seasonal ARIMA, order by AIC over a small grid (Fourier terms for long seasons)"),
    ]


__all__ = ["ForecastingTask", "backtest", "forecasting_candidates"]
