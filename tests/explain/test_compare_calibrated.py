"""compare(..., calibrate=...) and `deepmine classify --calibrate`: calibrated leaderboards and saved models."""

import pandas as pd
import pytest
from typer.testing import CliRunner

import deepmine
from deepmine import compare
from deepmine.cli.main import app
from deepmine.errors import ParameterError
from deepmine.explain import CalibratedClassifier

MODELS = "deep_mlp,logistic_regression"


def test_calibrated_leaderboard_wraps_every_model_and_reports_ece():
    plain = compare("classification", "dataset:breast_cancer", target="diagnosis", models=MODELS,
                    options={"max_epochs": 20})
    board = compare("classification", "dataset:breast_cancer", target="diagnosis", models=MODELS,
                    options={"max_epochs": 20}, calibrate=True)
    assert board.info["calibration"] == "auto" and plain.info["calibration"] is None
    for name, model in board.models.items():
        assert isinstance(model, CalibratedClassifier)
    assert board.models["deep_mlp"].method_ == "temperature"
    assert board.models["logistic_regression"].method_ in ("isotonic", "sigmoid")
    frame = board.frame.set_index("model")
    assert frame.ece.between(0, 0.2).all() and frame.accuracy.min() > 0.9
    assert len(board.histories["deep_mlp"]) > 0  # learning curves survive the wrapper
    assert plain.frame.ece.notna().all()


def test_calibrate_is_refused_where_there_are_no_probabilities():
    with pytest.raises(ParameterError, match="calibrate applies to classifiers"):
        compare("regression", "dataset:diabetes", target="progression", models="ridge", calibrate=True)
    with pytest.raises(ParameterError, match="calibrate must be"):
        compare("classification", "dataset:iris", target="species", models="logistic_regression",
                calibrate="beta")


def test_cli_calibrated_run_saves_a_model_that_predicts(tmp_path):
    data = tmp_path / "penguins.csv"
    deepmine.datasets.load("penguins").frame.to_csv(data, index=False)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["classify", str(data), "--target", "species", "--models", MODELS,
                                      "--calibrate", "temperature", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "ece" in pd.read_csv(out / "leaderboard.csv").columns
    model = deepmine.load(out / "model")
    assert isinstance(model, CalibratedClassifier) and model.method_ == "temperature"
    predictions = out / "predictions.csv"
    result = CliRunner().invoke(app, ["predict", str(out), str(data), "-o", str(predictions)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(predictions)
    assert (table.prediction == pd.read_csv(data).species).mean() > 0.9
