"""MASE, sMAPE, RMSE and coverage against hand computations."""

import numpy as np
import pytest

from deepmine.errors import DataError
from deepmine.evaluation.forecast_metrics import coverage, forecast_scores, mase, rmse, smape


def test_mase_of_seasonal_naive_by_hand():
    from aeon.datasets import load_airline

    y = np.asarray(load_airline(), dtype=float)
    train, test = y[:-12], y[-12:]
    pred = train[-12:]  # seasonal naive
    scale = np.mean(np.abs(train[12:] - train[:-12]))
    assert mase(test, pred, train, season=12) == pytest.approx(np.mean(np.abs(test - pred)) / scale)
    # scaled by the naive (season 1) error instead
    assert mase(test, pred, train, season=1) == pytest.approx(np.mean(np.abs(test - pred))
                                                              / np.mean(np.abs(np.diff(train))))


def test_smape_rmse_coverage_by_hand():
    y, f = np.array([100.0, 200.0, 0.0]), np.array([110.0, 180.0, 0.0])
    assert smape(y, f) == pytest.approx(100 * np.mean([20 / 210, 40 / 380, 0.0]))
    assert rmse(y, f) == pytest.approx(np.sqrt((100 + 400) / 3))
    assert coverage(y, y - 1, [100.5, 199.0, 0.0]) == pytest.approx(2 / 3)
    scores = forecast_scores(y, f, [1.0, 2.0, 4.0], 1, lower=f - 15, upper=f + 15)
    assert set(scores) == {"mase", "smape", "rmse", "interval_coverage"} and scores["interval_coverage"] == pytest.approx(2 / 3)


def test_lengths_must_match():
    with pytest.raises(DataError, match="differ in length"):
        rmse([1.0, 2.0], [1.0])
