"""Rolling-origin backtest and the forecasting leaderboard, on the airline passengers."""

import numpy as np
import pandas as pd
import pytest

from deepmine.errors import DataError
from deepmine.evaluation.forecasting import ForecastingTask, backtest, forecasting_candidates
from deepmine.evaluation.loop import run
from deepmine.evaluation.tasks import Candidate
from deepmine.timeseries.forecast_baselines import NaiveForecaster, SeasonalNaiveForecaster
from deepmine.timeseries.forecasters import MLPForecaster


@pytest.fixture(scope="module")
def airline():
    from aeon.datasets import load_airline

    return pd.Series(np.asarray(load_airline(), dtype=float),
                     index=pd.date_range("1949-01-01", periods=144, freq="MS"), name="passengers")


def test_backtest_of_seasonal_naive_by_hand(airline):
    scores, frame = backtest(SeasonalNaiveForecaster(), airline, horizon=12, n_origins=3)
    y = airline.to_numpy()
    expected = []
    for origin in (108, 120, 132):  # the last 36 months, one year at a time
        train, test = y[:origin], y[origin:origin + 12]
        scale = np.mean(np.abs(train[12:] - train[:-12]))
        expected.append(np.mean(np.abs(test - train[-12:])) / scale)
    assert scores["mase"] == pytest.approx(np.mean(expected))
    assert len(frame) == 36 and list(frame["time"]) == list(airline.index[-36:])
    assert np.array_equal(frame["actual"].to_numpy(), y[-36:])
    assert 0 <= scores["interval_coverage"] <= 1 and scores["fit_s"] >= 0


def test_backtest_needs_enough_points(airline):
    with pytest.raises(DataError, match="use fewer origins"):
        backtest(NaiveForecaster(), airline.iloc[:30], horizon=12, n_origins=3)


def test_compare_ranks_by_mase_and_forecasts_past_the_end(airline):
    task = ForecastingTask("forecasting", ("mase", "smape", "rmse", "interval_coverage"), "mase", stratify=False,
                           input="series")
    full = {c.name: c for c in forecasting_candidates()}
    assert set(full) == {"mlp", "lstm", "nbeats", "seq2seq", "naive", "seasonal_naive", "ets", "arima"}
    assert {c.kind for c in full.values() if c.name in ("mlp", "lstm", "nbeats", "seq2seq")} == {"deep"}
    task.register(Candidate("mlp", "deep", lambda s: MLPForecaster(hidden=(64,), max_epochs=60, random_state=s)))
    task.register(full["naive"])
    task.register(full["seasonal_naive"])
    messages = []
    options = {"interval": 0.8}
    prepared = task.prepare(airline, random_state=0, options=options, horizon=12, n_origins=3)
    board = run(task, prepared, models=None, random_state=0, options=options, progress=messages.append)
    frame = board.frame
    assert list(frame.columns[:6]) == ["model", "kind", "mase", "smape", "rmse", "interval_coverage"]
    assert frame["mase"].is_monotonic_increasing and board.primary == "mase"
    assert frame.set_index("model").loc["seasonal_naive", "mase"] < frame.set_index("model").loc["naive", "mase"]
    assert board.info["horizon"] == 12 and board.info["season"] == 12 and board.info["freq"] == "MS"
    assert board.info["interval"] == 0.8 and board.models["naive"].interval == 0.8
    fc = board.predictions["mlp"]
    assert list(fc.index) == list(pd.date_range("1961-01-01", periods=12, freq="MS"))
    assert len(messages) == 3 and "mlp" in board.histories
