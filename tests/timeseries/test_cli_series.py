"""`deepmine series classify` and `deepmine series forecast` end to end on small real series."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import deepmine.datasets
from deepmine.cli.main import app
from deepmine.persist import load


@pytest.fixture(scope="module")
def italy(tmp_path_factory):
    frame = deepmine.datasets.load("italy_power_demand").frame
    frame = frame[frame.case < 267]  # the 67 training days and 200 test days
    path = tmp_path_factory.mktemp("italy") / "italy.csv"
    frame.to_csv(path, index=False)
    return path


def test_classify_writes_the_leaderboard_and_predictions(tmp_path, italy):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["series", "classify", str(italy), "--label", "label", "--id", "case",
                                      "--time", "t", "--split-column", "split",
                                      "--models", "knn_euclidean,summary_forest", "-o", str(out)])
    assert result.exit_code == 0, result.output
    board = pd.read_csv(out / "leaderboard.csv")
    assert set(board.model) == {"knn_euclidean", "summary_forest"} and board.accuracy.between(0.8, 1).all()
    preds = pd.read_csv(out / "predictions.csv")
    assert len(preds) == 200 and set(preds.predicted.astype(str)) <= {"1", "2"}
    assert "67 train / 200 test series" in result.output
    model = load(out / "model")
    assert hasattr(model, "predict")


def test_classify_bad_input_is_one_line(tmp_path, italy):
    result = CliRunner().invoke(app, ["series", "classify", str(italy), "--label", "label", "--id", "day",
                                      "-o", str(tmp_path / "r")])
    assert result.exit_code == 2 and "id column 'day' is not in the data" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "r").exists()


def test_forecast_writes_forecasts_with_intervals(tmp_path):
    path = tmp_path / "airline.csv"
    deepmine.datasets.load("airline").frame.to_csv(path, index=False)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["series", "forecast", str(path), "--time", "month", "--target", "passengers",
                                      "--horizon", "12", "--models", "naive,seasonal_naive", "-o", str(out)])
    assert result.exit_code == 0, result.output
    board = pd.read_csv(out / "leaderboard.csv").set_index("model")
    assert board.loc["seasonal_naive", "mase"] < board.loc["naive", "mase"]
    forecasts = pd.read_csv(out / "forecasts.csv")
    assert len(forecasts) == 24 and {"forecast", "lower", "upper"} <= set(forecasts.columns)
    assert (forecasts.lower <= forecasts.forecast).all() and (forecasts.forecast <= forecasts.upper).all()
    assert pd.to_datetime(forecasts[forecasts.model == "naive"].iloc[:, 1]).min() == pd.Timestamp("1961-01-01")
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["info"]["horizon"] == 12


def test_forecast_horizon_longer_than_the_history_is_refused(tmp_path):
    path = tmp_path / "short.csv"
    deepmine.datasets.load("airline").frame.iloc[:20].to_csv(path, index=False)
    result = CliRunner().invoke(app, ["series", "forecast", str(path), "--time", "month", "--target", "passengers",
                                      "--horizon", "30", "--models", "naive", "-o", str(tmp_path / "r")])
    assert result.exit_code == 2 and "horizon" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "r").exists()
