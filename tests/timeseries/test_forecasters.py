"""Forecasters: what a user checks on the airline passengers."""

import numpy as np
import pandas as pd
import pytest

from deepmine.errors import DataError, NotFittedError, ParameterError
from deepmine.timeseries.forecast_baselines import (ARIMAForecaster, ETSForecaster, NaiveForecaster,
                                                    SeasonalNaiveForecaster)
from deepmine.timeseries.forecasters import LSTMForecaster, MLPForecaster, NBEATSForecaster, Seq2SeqForecaster


@pytest.fixture(scope="module")
def airline():
    from aeon.datasets import load_airline

    return pd.Series(np.asarray(load_airline(), dtype=float),
                     index=pd.date_range("1949-01-01", periods=144, freq="MS"), name="passengers")


def _small(cls, **kw):
    if cls is MLPForecaster:
        return MLPForecaster(hidden=(32,), max_epochs=15, **kw)
    if cls is LSTMForecaster:
        return LSTMForecaster(hidden=8, max_epochs=5, **kw)
    if cls is Seq2SeqForecaster:
        return Seq2SeqForecaster(hidden=8, attention=8, max_epochs=5, **kw)
    return NBEATSForecaster(n_blocks=2, width=32, layers=2, max_epochs=5, **kw)


def _check_frame(fc, horizon):
    assert list(fc.columns) == ["forecast", "lower", "upper"]
    assert list(fc.index) == list(pd.date_range("1961-01-01", periods=horizon, freq="MS"))  # continues the dates
    assert (fc["lower"] <= fc["forecast"]).all() and (fc["forecast"] <= fc["upper"]).all()
    assert np.isfinite(fc.to_numpy()).all()


def test_seasonal_naive_repeats_the_last_season_and_widens_by_season(airline):
    fc = SeasonalNaiveForecaster().fit(airline).predict(18)
    _check_frame(fc, 18)
    assert np.array_equal(fc["forecast"].to_numpy()[:12], airline.to_numpy()[-12:])
    assert np.array_equal(fc["forecast"].to_numpy()[12:], airline.to_numpy()[-12:-6])
    width = (fc["upper"] - fc["lower"]).to_numpy()
    assert np.allclose(width[:12], width[0]) and np.all(width[12:] > width[0])


def test_naive_interval_widens_with_the_horizon(airline):
    fc = NaiveForecaster(interval=0.8).fit(airline).predict(6)
    _check_frame(fc, 6)
    assert (fc["forecast"] == airline.iloc[-1]).all()
    width = (fc["upper"] - fc["lower"]).to_numpy()
    assert np.all(np.diff(width) > 0)
    assert width[3] == pytest.approx(2 * width[0])  # sigma * sqrt(h)
    wider = NaiveForecaster(interval=0.95).fit(airline).predict(6)
    assert np.all(wider["upper"] > fc["upper"])


@pytest.mark.parametrize("model", [ETSForecaster(trend="add", seasonal="mul", random_state=0),
                                   ARIMAForecaster(order=(0, 1, 1))])
def test_statistical_models_forecast_the_next_year_well(airline, model):
    fc = model.fit(airline.iloc[:-12]).predict(12)
    assert list(fc.index) == list(airline.index[-12:])
    assert (fc["lower"] <= fc["forecast"]).all() and (fc["forecast"] <= fc["upper"]).all()
    error = np.mean(np.abs(fc["forecast"].to_numpy() - airline.to_numpy()[-12:]))
    snaive = np.mean(np.abs(airline.to_numpy()[-24:-12] - airline.to_numpy()[-12:]))
    assert error < 1.5 * snaive


@pytest.mark.parametrize("cls", [MLPForecaster, LSTMForecaster, NBEATSForecaster, Seq2SeqForecaster])
def test_deep_forecasters_are_reproducible_and_continue_the_dates(airline, cls):
    a = _small(cls, random_state=3).fit(airline, horizon=12).predict()
    _check_frame(a, 12)
    b = _small(cls, random_state=3).fit(airline, horizon=12).predict()
    pd.testing.assert_frame_equal(a, b)
    # the forecast stays at the series' level (per-window scaling follows the trend)
    assert 300 < a["forecast"].mean() < 700


def test_deep_forecaster_predicts_at_most_its_fitted_horizon(airline):
    model = _small(MLPForecaster, random_state=0).fit(airline, horizon=6)
    assert model.window_ == 24 and len(model.predict(3)) == 3
    width = (model.predict()["upper"] - model.predict()["forecast"]).to_numpy()
    assert np.all(np.diff(width) >= -1e-9)  # conformal half-widths do not shrink with the horizon
    with pytest.raises(ParameterError, match="fitted for horizon 6"):
        model.predict(7)


def test_bad_horizon_and_unfitted():
    with pytest.raises(NotFittedError):
        NaiveForecaster().predict(3)
    model = NaiveForecaster().fit([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ParameterError, match="horizon must be at least 1"):
        model.predict(0)
    assert list(model.predict(2).index) == [4, 5]  # positions continue a plain array


def test_too_short_histories_name_the_minimum(airline):
    with pytest.raises(DataError, match="at least two seasons of history \\(24 points"):
        SeasonalNaiveForecaster().fit(airline.iloc[:20])
    with pytest.raises(DataError, match="season=30 is longer than the history"):
        ETSForecaster(season=30).fit(airline.iloc[:20])
    with pytest.raises(DataError, match="needs at least 43 points \\(window 24 \\+ horizon 12"):
        MLPForecaster(window=24).fit(airline.iloc[:40], horizon=12)


@pytest.mark.parametrize("make", [lambda: SeasonalNaiveForecaster(), lambda: ETSForecaster(),
                                  lambda: ARIMAForecaster(),
                                  lambda: NBEATSForecaster(max_epochs=2, n_blocks=1, width=16, random_state=0),
                                  lambda: Seq2SeqForecaster(max_epochs=2, hidden=8, attention=4, random_state=0)],
                         ids=["seasonal_naive", "ets", "arima", "nbeats", "seq2seq"])
def test_saved_forecasters_forecast_what_they_did(airline, make, tmp_path):
    from deepmine.persist import load, save_model

    model = make().fit(airline, horizon=6)
    save_model(model, tmp_path / "m")
    back = load(tmp_path / "m")
    assert type(back) is type(model)
    pd.testing.assert_frame_equal(back.predict(6), model.predict(6))
    pd.testing.assert_frame_equal(model.predict(6), model.predict(6))  # simulated intervals are seeded too


def test_the_seq2seq_decoder_attends_over_the_window_once_per_horizon_step(airline):
    import torch

    model = Seq2SeqForecaster(hidden=16, attention=8, max_epochs=40, random_state=0).fit(airline, horizon=12)
    net = model.module_
    window = torch.as_tensor(np.linspace(-1, 1, model.window_, dtype=np.float32)[None, :])
    with torch.no_grad():
        net(window)
    weights = net.attention_[0]  # (horizon steps, encoder steps): a distribution over the window per step
    assert weights.shape == (12, net.steps)
    assert torch.allclose(weights.sum(dim=1), torch.ones(12)) and (weights >= 0).all()
    # trained, it forecasts the year better than repeating the last one (seasonal naive) on the last 12 months
    history, truth = airline.iloc[:-12], airline.to_numpy()[-12:]
    fc = Seq2SeqForecaster(random_state=0).fit(history, horizon=12).predict()["forecast"].to_numpy()
    assert np.mean(np.abs(fc - truth)) < np.mean(np.abs(history.to_numpy()[-12:] - truth))
