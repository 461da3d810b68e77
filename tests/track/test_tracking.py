"""Experiment tracking with MLflow: a comparison logged from the command line and from Python, read back with
MLflow's own client; the logged model predicts as deepmine.load does; a real `mlflow server` over HTTP; no pickle
in the store; `deepmine runs`; and the one-line errors."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import deepmine
from deepmine.cli.main import app
from deepmine.persist import _looks_like_pickle
from deepmine.track import compare_runs, list_runs

mlflow = pytest.importorskip("mlflow")

MODELS = "deep_mlp,logistic_regression"
EPOCHS = 3


def client_for(uri: str):
    from deepmine.track import tracking_uri

    return mlflow.MlflowClient(tracking_uri=tracking_uri(uri, create=False))


def load_logged(uri: str, model_uri: str):
    """mlflow.pyfunc.load_model of a model in the store at ``uri`` (it reads the global tracking URI)."""
    from deepmine.track import tracking_uri

    mlflow.set_tracking_uri(tracking_uri(uri, create=False))
    try:
        return mlflow.pyfunc.load_model(model_uri)
    finally:
        mlflow.set_tracking_uri(None)


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    """`deepmine classify dataset:churn --track STORE --register churn-model`, once for the module."""
    root = tmp_path_factory.mktemp("tracked")
    store, run_dir = root / "store", root / "runs" / "churn"
    result = CliRunner().invoke(app, ["classify", "dataset:churn", "--models", MODELS, "--max-epochs", str(EPOCHS),
                                      "--out", str(run_dir), "--track", str(store), "--register", "churn-model",
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    assert "tracked in MLflow" in result.output
    client = client_for(str(store))
    experiment = client.get_experiment_by_name("deepmine")
    runs = client.search_runs([experiment.experiment_id])
    parent = next(r for r in runs if "mlflow.parentRunId" not in r.data.tags)
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    return {"store": store, "run_dir": run_dir, "client": client, "parent": parent, "children": children,
            "output": result.output}


def test_the_comparison_is_one_run_with_its_parameters_metrics_tags_and_artefacts(tracked):
    parent, client = tracked["parent"], tracked["client"]
    board = pd.read_csv(tracked["run_dir"] / "leaderboard.csv")
    assert parent.data.params["task"] == "classification"
    assert parent.data.params["data"] == "dataset:churn"
    assert int(parent.data.params["rows"]) == 5000
    for row in board.to_dict("records"):
        for metric in ("accuracy", "roc_auc", "fit_s"):
            assert parent.data.metrics[f"{row['model']}.{metric}"] == pytest.approx(row[metric])
    tags = parent.data.tags
    assert tags["deepmine.version"] == deepmine.__version__
    assert tags["deepmine.task"] == "classification"
    assert tags["deepmine.winner"] in ("deep", "traditional", "tie")
    assert tags["deepmine.verdict"].startswith(("deep learning wins", "the traditional method wins", "a tie"))
    logged = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {"leaderboard.csv", "metrics.json", "report.html", "history.csv"} <= logged


def test_each_candidate_is_a_nested_run_with_its_parameters_scores_and_losses_per_epoch(tracked):
    children, client = tracked["children"], tracked["client"]
    by_name = {r.data.tags["deepmine.model"]: r for r in children}
    assert set(by_name) == set(MODELS.split(","))
    deep, traditional = by_name["deep_mlp"], by_name["logistic_regression"]
    assert deep.data.tags["deepmine.kind"] == "deep" and traditional.data.tags["deepmine.kind"] == "traditional"
    assert deep.data.params["max_epochs"] == str(EPOCHS) and deep.data.params["activation"] == "relu"
    assert "logisticregression__C" in traditional.data.params
    assert 0.5 < deep.data.metrics["accuracy"] <= 1
    history = client.get_metric_history(deep.info.run_id, "epoch_train_loss")
    assert [m.step for m in history] == list(range(1, EPOCHS + 1))


def test_the_logged_model_predicts_as_deepmine_load_does_and_is_registered(tracked):
    parent = tracked["parent"]
    rows = deepmine.datasets.load("churn").frame.drop(columns="churn").head(25)
    logged = load_logged(str(tracked["store"]), parent.data.tags["deepmine.model_uri"])
    expected = deepmine.load(tracked["run_dir"] / "model").predict_proba(rows)
    got = logged.predict(rows)
    assert list(got.columns[:1]) == ["prediction"]
    assert got.filter(like="proba_").to_numpy() == pytest.approx(expected, abs=1e-6)
    registered = tracked["client"].get_registered_model("churn-model")
    assert registered.name == "churn-model"


def test_no_file_deepmine_wrote_into_the_store_is_a_pickle(tracked):
    files = [p for p in tracked["store"].rglob("*") if p.is_file()]
    assert any(p.name == "MLmodel" for p in files) and any(p.name == "config.json" for p in files)
    assert not [p for p in files if _looks_like_pickle(p) or p.suffix in (".pkl", ".pickle", ".joblib")]


def test_deepmine_runs_lists_and_compares_the_tracked_comparisons(tracked, tmp_path):
    store = str(tracked["store"])
    runner = CliRunner()
    first = tracked["parent"].info.run_id
    logged = runner.invoke(app, ["runs", "log", str(tracked["run_dir"]), store])  # the same run folder again
    assert logged.exit_code == 0, logged.output
    listed = runner.invoke(app, ["runs", store])
    assert listed.exit_code == 0, listed.output
    assert listed.output.count("dataset:churn") == 2 and first[:8] in listed.output
    second = list_runs(store)["run"].iloc[0]
    compared = runner.invoke(app, ["runs", "compare", first[:8], second[:8], store])
    assert compared.exit_code == 0, compared.output
    assert "accuracy_a" in compared.output and "accuracy_b" in compared.output and "deep_mlp" in compared.output
    table = compare_runs(store, first, second)
    assert (table["accuracy_a"] == table["accuracy_b"]).all()  # the same run folder, logged twice
    nowhere = runner.invoke(app, ["runs", str(tmp_path / "nothing")])
    assert nowhere.exit_code == 2 and nowhere.output.count("\n") == 1 and "no mlflow.db" in nowhere.output


def test_bad_tracking_requests_are_one_line_before_anything_is_fitted(tmp_path, monkeypatch):
    runner = CliRunner()
    port = _free_port()
    result = runner.invoke(app, ["classify", "dataset:iris", "--track", f"http://127.0.0.1:{port}",
                                 "--out", str(tmp_path / "run")])
    assert result.exit_code == 2 and "no MLflow tracking server answers" in result.output
    assert not (tmp_path / "run").exists()
    result = runner.invoke(app, ["classify", "dataset:iris", "--register", "x", "--out", str(tmp_path / "run")])
    assert result.exit_code == 2 and "give --track URI too" in result.output
    monkeypatch.setitem(sys.modules, "mlflow", None)  # as if the extra were not installed
    result = runner.invoke(app, ["classify", "dataset:iris", "--track", str(tmp_path / "s"),
                                 "--out", str(tmp_path / "run")])
    assert result.exit_code == 2 and "deepmine[track]" in result.output and "Traceback" not in result.output


def test_tuning_trials_are_runs_nested_under_their_candidate(tmp_path):
    board = deepmine.compare("classification", "dataset:iris", target="species",
                             models="logistic_neuron,logistic_regression", budget=2, ensemble=False,
                             options={"max_epochs": 3}, track=str(tmp_path / "store"))
    client = client_for(str(tmp_path / "store"))
    runs = client.search_runs([client.get_experiment_by_name("deepmine").experiment_id])
    by_id = {r.info.run_id: r for r in runs}
    trials = [r for r in runs if "deepmine.trial" in r.data.tags]
    assert len(trials) == len(board.info["trials"]) == 4
    for trial in trials:
        candidate = by_id[trial.data.tags["mlflow.parentRunId"]]
        assert candidate.data.tags["mlflow.parentRunId"] == board.info["mlflow_run_id"]
        assert trial.data.tags["mlflow.runName"].startswith(candidate.data.tags["deepmine.model"])
        assert "score" in trial.data.metrics
    assert any(trial.data.params for trial in trials)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def mlflow_server(tmp_path):
    """A real `mlflow server` on a loopback port, with its own database and artefact folder; stopped after."""
    port = _free_port()
    command = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
               "--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}",
               "--artifacts-destination", str(tmp_path / "artifacts"), "--workers", "1"]
    log = open(tmp_path / "server.log", "w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
                               env={**os.environ, "MLFLOW_TRACKING_URI": ""})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(f"mlflow server did not start: {(tmp_path / 'server.log').read_text()[-2000:]}")
                time.sleep(0.5)
        yield url, tmp_path / "artifacts"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_a_comparison_tracked_to_a_real_server_over_http(mlflow_server):
    url, artifacts = mlflow_server
    board = deepmine.compare("classification", "dataset:iris", target="species",
                             models="logistic_neuron,logistic_regression", options={"max_epochs": 5}, track=url)
    run_id = board.info["mlflow_run_id"]
    client = mlflow.MlflowClient(tracking_uri=url)
    run = client.get_run(run_id)
    assert run.data.tags["deepmine.task"] == "classification"
    assert run.data.metrics["logistic_regression.accuracy"] == pytest.approx(
        float(board.frame.set_index("model").loc["logistic_regression", "accuracy"]))
    nested = client.search_runs([run.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{run_id}'")
    assert {r.data.tags["deepmine.kind"] for r in nested} == {"deep", "traditional"}
    rows = deepmine.datasets.load("iris").frame.drop(columns="species").head(5)
    logged = load_logged(url, run.data.tags["deepmine.model_uri"])
    assert list(logged.predict(rows)["prediction"]) == list(board.best_model.predict(rows))
    listed = list_runs(url)
    assert listed["run"].tolist() == [run_id]
    stored = [p for p in Path(artifacts).rglob("*") if p.is_file()]
    assert stored and not [p for p in stored if _looks_like_pickle(p)]
