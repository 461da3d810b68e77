"""The deepmine command end to end: run folders, predictions, datasets, and one-line errors."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from deepmine.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def penguins_csv(tmp_path_factory, penguins):
    path = tmp_path_factory.mktemp("data") / "penguins.csv"
    penguins.frame.to_csv(path, index=False)
    return path


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_classify_writes_a_complete_run_folder(tmp_path, penguins_csv):
    out = tmp_path / "run"
    result = _run("classify", penguins_csv, "--target", "species", "--models", "deep_mlp,majority,logistic_regression",
                  "--out", out, "--keep-all")
    assert result.exit_code == 0, result.output
    assert "deep_mlp" in result.output and "majority" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["history.csv", "leaderboard.csv", "metrics.json", "model",
                                                    "models", "report.html", "test_predictions.csv"]
    held = pd.read_csv(out / "test_predictions.csv")
    assert {"y_true", "pred:deep_mlp", "proba:deep_mlp:Adelie", "proba:majority:Gentoo"} <= set(held.columns)
    assert held.filter(like="proba:logistic_regression:").sum(axis=1).round(6).eq(1).all()
    board = pd.read_csv(out / "leaderboard.csv")
    assert set(board.model) == {"deep_mlp", "majority", "logistic_regression"}
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["task"] == "classification" and metrics["best"] == board.model.iloc[0]
    assert sorted(p.name for p in (out / "models").iterdir()) == ["deep_mlp", "logistic_regression", "majority"]
    assert set(pd.read_csv(out / "history.csv").model) == {"deep_mlp"}


def test_predict_from_a_run_folder(tmp_path, penguins_csv):
    run = tmp_path / "run"
    assert _run("classify", penguins_csv, "-t", "species", "-m", "deep_mlp", "-o", run).exit_code == 0
    preds = tmp_path / "preds.csv"
    result = _run("predict", run, penguins_csv, "--out", preds)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(preds)
    assert len(frame) == 344 and {"prediction", "proba_Adelie", "proba_Gentoo"} <= set(frame.columns)
    assert (frame.prediction == pd.read_csv(penguins_csv).species).mean() > 0.9
    again = _run("predict", run, penguins_csv, "--out", preds)
    assert again.exit_code == 2 and "--force" in again.output


def test_regress_with_roles_and_seed(tmp_path):
    out = tmp_path / "reg"
    result = _run("regress", "dataset:diabetes", "-t", "progression", "-m", "linear_neuron,ridge", "--seed", "3",
                  "--role", "sex=categorical", "-o", out)
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["info"]["roles"]["sex"] == "categorical" and metrics["info"]["random_state"] == 3


def test_refuses_to_overwrite_a_run_folder(tmp_path, penguins_csv):
    out = tmp_path / "run"
    out.mkdir()
    result = _run("classify", penguins_csv, "-t", "species", "-m", "majority", "-o", out)
    assert result.exit_code == 2 and "--force" in result.output
    assert list(out.iterdir()) == []
    assert _run("classify", penguins_csv, "-t", "species", "-m", "majority", "-o", out, "--force").exit_code == 0


def test_datasets_list_and_show():
    result = _run("datasets")
    assert result.exit_code == 0 and "diamonds" in result.output and "breast_cancer" in result.output
    shown = _run("datasets", "show", "churn")
    assert shown.exit_code == 0 and "churn" in shown.output and "5000 rows" in shown.output
    assert _run("datasets", "show", "nope").exit_code == 2


@pytest.mark.parametrize("content, expected", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not a table"),
])
def test_bad_files_give_one_line_and_status_2_without_output(tmp_path, content, expected):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "deepmine.cli.main", "classify", str(bad), "--target", "y",
                           "--out", str(out)], capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and expected in lines[0].lower(), proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.csv"]  # no half-written run folder


def test_missing_target_column_is_one_clear_line(tmp_path, penguins_csv):
    result = _run("classify", penguins_csv, "-t", "price", "-o", tmp_path / "run")
    assert result.exit_code == 2
    assert "target column 'price' is not in the data" in result.output
    assert not (tmp_path / "run").exists()


def test_cluster_writes_assignments_profiles_and_coordinates(tmp_path, penguins_csv):
    out = tmp_path / "clusters"
    result = _run("cluster", penguins_csv, "--k", "3", "--label", "species", "--models", "kmeans,gmm", "-o", out)
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert {"leaderboard.csv", "metrics.json", "assignments.csv", "profiles.csv", "coordinates.csv", "model"} <= names
    assignments = pd.read_csv(out / "assignments.csv")
    assert len(assignments) == 344 and {"cluster_kmeans", "cluster_gmm", "label"} <= set(assignments.columns)
    coords = pd.read_csv(out / "coordinates.csv")
    assert list(coords.columns) == ["row", "x", "y", "cluster"] and coords.cluster.nunique() == 3


def test_detect_writes_scores_and_flags(tmp_path):
    from deepmine.datasets import load

    data = tmp_path / "shuttle.csv"
    load("shuttle").frame.sample(1500, random_state=0).to_csv(data, index=False)
    out = tmp_path / "anomalies"
    result = _run("detect", data, "--label", "anomaly", "--contamination", "0.07",
                  "--models", "isolation_forest,robust_covariance", "-o", out)
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out / "scores.csv")
    assert len(scores) == 1500 and {"score_isolation_forest", "flag_isolation_forest"} <= set(scores.columns)
    assert set(scores.flag_isolation_forest.unique()) <= {0, 1}


@pytest.mark.parametrize("args, message", [
    (["detect", "dataset:shuttle", "--contamination", "0.7"], "(0, 0.5]"),
    (["cluster", "dataset:iris", "--k", "1"], "at least 2"),
    (["cluster", "dataset:iris", "--k", "many"], "'auto'"),
])
def test_bad_unsupervised_options_are_one_line(tmp_path, args, message):
    result = _run(*args, "-o", tmp_path / "run")
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "run").exists()


def test_classify_with_a_budget_writes_trials_ensembles_and_the_interval(tmp_path, penguins_csv):
    out = tmp_path / "tuned"
    result = _run("classify", penguins_csv, "--target", "species", "--models", "logistic_regression,logistic_neuron",
                  "--budget", "3", "--out", out)
    assert result.exit_code == 0, result.output
    trials = pd.read_csv(out / "trials.csv")
    assert list(trials.columns) == ["model", "trial", "params", "score", "seconds", "state"]
    assert trials.groupby("model").size().to_dict() == {"logistic_neuron": 3, "logistic_regression": 3}
    board = pd.read_csv(out / "leaderboard.csv")
    assert "ensemble_all" in set(board.model) and {"trials", "tune_s"} <= set(board.columns)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["info"]["budget"] == "3 trials per model" and "ensemble_all" in metrics["info"]["ensembles"]
    assert metrics["paired"]["rows"] == len(pd.read_csv(out / "test_predictions.csv"))
    page = (out / "report.html").read_text()
    assert "Tuning and ensembles" in page and "best validation accuracy so far" in page.lower()


def test_detect_and_forecast_with_a_budget_add_ensembles_of_scores_and_forecasts(tmp_path, shuttle_sample):
    data = tmp_path / "shuttle.csv"
    shuttle_sample.to_csv(data, index=False)
    out = tmp_path / "detect"
    result = _run("detect", data, "--label", "anomaly", "--models", "isolation_forest,lof", "--budget", "2",
                  "--contamination", "0.1", "-o", out)
    assert result.exit_code == 0, result.output
    board = pd.read_csv(out / "leaderboard.csv")
    assert "ensemble_traditional" in set(board.model)
    # the ensemble has no model to score new rows with: the files come from the best fitted detector
    assert (out / "model").exists() and len(pd.read_csv(out / "anomalies.csv")) > 0
    weights = json.loads((out / "metrics.json").read_text())["info"]["ensembles"]["ensemble_traditional"]["weights"]
    assert set(weights) <= {"isolation_forest", "lof"}

    from deepmine.datasets import load

    series = tmp_path / "airline.csv"
    load("airline").frame.to_csv(series, index=False)
    out = tmp_path / "forecast"
    result = _run("series", "forecast", series, "--time", "month", "--target", "passengers", "-h", "12",
                  "--models", "seasonal_naive,ets", "--budget", "1", "-o", out)
    assert result.exit_code == 0, result.output
    forecasts = pd.read_csv(out / "forecasts.csv")
    assert "ensemble_traditional" in set(forecasts.model) and len(forecasts) == 3 * 12
    assert "ensemble_traditional" in set(pd.read_csv(out / "backtests.csv").model)
    assert "a forecaster's tuning backtest" in (out / "report.html").read_text()  # where its weights were found
    result = _run("series", "forecast", series, "--time", "month", "--target", "passengers", "-h", "12",
                  "--models", "seasonal_naive,ets", "--no-ensemble", "--budget", "1", "-o", tmp_path / "plain")
    assert result.exit_code == 0 and set(pd.read_csv(tmp_path / "plain" / "forecasts.csv").model) == {
        "seasonal_naive", "ets"}


def test_a_bad_budget_is_one_line(tmp_path, penguins_csv):
    result = _run("classify", penguins_csv, "--target", "species", "--budget", "lots", "--out", tmp_path / "x")
    assert result.exit_code == 2 and "budget takes a number of trials" in result.output
    assert not (tmp_path / "x").exists()
