"""Kill and resume: checkpoints after each epoch, a SIGKILLed run resumed to the uninterrupted run's model."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deepmine.errors import DataError
from deepmine.tabular import DeepClassifier, DeepRegressor
from deepmine.training import Callback
from deepmine.training.checkpoints import checkpointing
from interrupts import Interrupt

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = dict(hidden=(32,), dropout=0.2, max_epochs=10, random_state=0, device="cpu")


class _Epochs(Callback):
    """Records the epochs this process trains (a resumed fit trains only those after its checkpoint)."""

    def __init__(self):
        self.trained = []

    def on_epoch_end(self, trainer, record):
        self.trained.append(record["epoch"])


def _saved_epoch(folder: Path) -> int | None:
    """The epoch recorded in a fit's checkpoint folder (None while there is none, or mid-write)."""
    try:
        saved = json.loads((folder / "state.json").read_text())
    except (OSError, ValueError):
        return None
    return dict(saved["state"]["__dict__"])["epoch"]


def test_resumed_fit_equals_the_uninterrupted_fit(tmp_path, churn_sample):
    X, y = churn_sample.drop(columns="churn"), churn_sample["churn"]
    whole = DeepClassifier(**SETTINGS).fit(X, y)
    with pytest.raises(KeyboardInterrupt), checkpointing(tmp_path):
        DeepClassifier(callbacks=[Interrupt(4)], **SETTINGS).fit(X, y)
    assert _saved_epoch(tmp_path / "model") == 3  # the last whole epoch
    epochs = _Epochs()
    with checkpointing(tmp_path, resume=True):
        resumed = DeepClassifier(callbacks=[epochs], **SETTINGS).fit(X, y)
    assert epochs.trained == list(range(4, len(whole.history_) + 1))  # went on after epoch 3, did not restart
    assert resumed.history_["epoch"].tolist() == whole.history_["epoch"].tolist()
    assert np.array_equal(resumed.predict_proba(X), whole.predict_proba(X))  # byte-identical on the CPU
    epochs = _Epochs()
    with checkpointing(tmp_path, resume=True):  # a finished fit: nothing to train
        again = DeepClassifier(callbacks=[epochs], **SETTINGS).fit(X, y)
    assert epochs.trained == []
    assert np.array_equal(again.predict_proba(X), whole.predict_proba(X))
    assert again.best_epoch_ == whole.best_epoch_


def test_streaming_fit_resumes_too(tmp_path, diabetes):
    path = tmp_path / "diabetes.parquet"
    diabetes.frame.to_parquet(path)
    kw = dict(hidden=(16,), max_epochs=6, random_state=0, device="cpu", batch_size=64)
    whole = DeepRegressor(**kw).fit_stream(path, diabetes.target, batch_rows=100, buffer_rows=200)
    folder = tmp_path / "ckpt"
    with pytest.raises(KeyboardInterrupt), checkpointing(folder):
        DeepRegressor(callbacks=[Interrupt(3)], **kw).fit_stream(path, diabetes.target, batch_rows=100,
                                                                  buffer_rows=200)
    epochs = _Epochs()
    with checkpointing(folder, resume=True):
        resumed = DeepRegressor(callbacks=[epochs], **kw).fit_stream(path, diabetes.target, batch_rows=100,
                                                                     buffer_rows=200)
    assert epochs.trained == list(range(3, len(whole.history_) + 1))  # the interrupted epoch 3 again, on
    X = diabetes.frame.drop(columns=diabetes.target)
    assert np.array_equal(resumed.predict(X), whole.predict(X))


def test_fits_are_kept_apart_and_damage_is_reported(tmp_path, churn_sample):
    X, y = churn_sample.drop(columns="churn"), churn_sample["churn"]
    with checkpointing(tmp_path):
        DeepClassifier(**{**SETTINGS, "max_epochs": 2}).fit(X, y)
        DeepClassifier(**{**SETTINGS, "max_epochs": 2}).fit(X, y)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model", "model-2"]
    (tmp_path / "model" / "state.json").write_text("{not json")
    with pytest.raises(DataError, match="checkpoint in .* is damaged .*delete it to start afresh"), \
            checkpointing(tmp_path, resume=True):
        DeepClassifier(**SETTINGS).fit(X, y)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "deepmine", "--quiet", *args]


def test_sigkilled_cli_run_resumes_to_the_same_result(tmp_path, churn_sample):
    data = tmp_path / "churn.csv"
    churn_sample.to_csv(data, index=False)
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    common = ["classify", str(data), "--target", "churn", "--models", "deep_mlp", "--seed", "1"]

    # the reference: the same command, never interrupted
    done = subprocess.run(_cli(*common, "-o", str(tmp_path / "whole")), env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]

    run, ckpt = tmp_path / "run", tmp_path / "ckpt"
    proc = subprocess.Popen(_cli(*common, "-o", str(run), "--checkpoint-dir", str(ckpt)), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if (_saved_epoch(ckpt / "deep_mlp") or 0) >= 3:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be killed: " + proc.stderr.read()[-2000:]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not run.exists() and not list(tmp_path.glob(".run*"))  # nothing that looks like a run folder
    assert 3 <= _saved_epoch(ckpt / "deep_mlp")
    # mark the saved history: a run that really resumes carries epoch 1's record over from the checkpoint
    # (a run that trained again from scratch would give the same scores, seeded alike, but not this loss)
    state_file = ckpt / "deep_mlp" / "state.json"
    saved = json.loads(state_file.read_text())
    first = dict(saved["state"]["__dict__"])["history"][0]["__dict__"]
    next(item for item in first if item[0] == "train_loss")[1] = 123.25
    state_file.write_text(json.dumps(saved))

    resumed = subprocess.run(_cli(*common, "-o", str(run), "--checkpoint-dir", str(ckpt), "--resume"), env=env,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    whole = pd.read_csv(tmp_path / "whole" / "leaderboard.csv")
    again = pd.read_csv(run / "leaderboard.csv")
    for metric in ("accuracy", "roc_auc", "log_loss"):
        assert again.loc[0, metric] == whole.loc[0, metric], metric
    history = pd.read_csv(run / "history.csv")
    assert history["epoch"].tolist() == list(range(1, len(history) + 1))
    assert history.loc[0, "train_loss"] == 123.25  # from the checkpoint: the run resumed

    other = subprocess.run(_cli("classify", str(data), "--target", "churn", "--models", "deep_mlp", "--seed", "2",
                                "-o", str(tmp_path / "x"), "--checkpoint-dir", str(ckpt), "--resume"), env=env,
                           capture_output=True, text=True, timeout=120)
    assert other.returncode == 2 and "from another command (it differs in random_state)" in other.stderr


@pytest.mark.parametrize("command, model", [
    (["images", "classify", "dataset:digits", "--label", "digit", "--models", "logistic_pixels,cnn_lenet"], "cnn_lenet"),
    (["series", "classify", "dataset:italy_power_demand", "--label", "label", "--id", "case", "--time", "t",
      "--split-column", "split", "--models", "knn_euclidean,fcn"], "fcn"),
    (["text", "classify", "dataset:polarity", "--target", "label", "--models", "naive_bayes,cnn"], "cnn"),
], ids=["images", "series", "text"])
def test_image_series_and_text_runs_checkpoint_and_resume(tmp_path, command, model):
    from typer.testing import CliRunner

    from deepmine.cli.main import app

    runner = CliRunner()
    args = [*command, "--max-epochs", "2", "--seed", "3", "--checkpoint-dir", str(tmp_path / "ckpt")]
    first = runner.invoke(app, [*args, "-o", str(tmp_path / "first")])
    assert first.exit_code == 0, first.output
    assert _saved_epoch(tmp_path / "ckpt" / model) == 2  # the network's state after its last epoch, by name
    assert (tmp_path / "ckpt" / "command.json").exists()
    # resuming a finished fit skips its training (writes no checkpoint) and ends with the same model
    saved = (tmp_path / "ckpt" / model / "state.safetensors").stat().st_mtime_ns
    again = runner.invoke(app, [*args, "-o", str(tmp_path / "again"), "--resume"])
    assert again.exit_code == 0, again.output
    a, b = (pd.read_csv(tmp_path / run / "leaderboard.csv").set_index("model") for run in ("first", "again"))
    metrics = [c for c in a.columns if not c.endswith("_s") and a[c].dtype.kind == "f"]  # not the seconds
    pd.testing.assert_frame_equal(a.loc[[model], metrics], b.loc[[model], metrics])
    assert (tmp_path / "ckpt" / model / "state.safetensors").stat().st_mtime_ns == saved


def _ratings_csv(folder: Path) -> Path:
    """A small explicit-ratings table: 60 users, 40 items, 15 ratings each."""
    rng = np.random.default_rng(0)
    rows = [(f"u{user}", int(item), float(rng.integers(1, 6))) for user in range(60)
            for item in rng.choice(40, size=15, replace=False)]
    path = folder / "ratings.csv"
    pd.DataFrame(rows, columns=["user", "item", "rating"]).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("command, model", [
    (["cluster", "dataset:iris", "--k", "3", "--models", "kmeans,dec"], "dec"),  # two phases: dec, dec-2
    (["detect", "{cells}", "--models", "isolation_forest,autoencoder"], "autoencoder"),
    (["recommend", "{ratings}", "--user", "user", "--item", "item", "--rating", "rating", "--models",
      "popularity,matrix_factorization"], "matrix_factorization"),
    (["series", "forecast", "dataset:airline", "--time", "month", "--target", "passengers", "--horizon", "12",
      "--origins", "1", "--models", "naive,mlp"], "mlp"),  # a fit per origin, then the final one
], ids=["cluster", "detect", "recommend", "forecast"])
def test_unsupervised_recommendation_and_forecasting_runs_resume(tmp_path, command, model, breast_cancer):
    from typer.testing import CliRunner

    from deepmine.cli.main import app

    cells = tmp_path / "cells.csv"
    breast_cancer.frame.drop(columns=[breast_cancer.target]).to_csv(cells, index=False)
    files = {"cells": cells, "ratings": _ratings_csv(tmp_path)}
    runner = CliRunner()
    ckpt = tmp_path / "ckpt"
    args = [part.format(**files) for part in command] + ["--seed", "3", "--checkpoint-dir", str(ckpt)]
    first = runner.invoke(app, [*args, "-o", str(tmp_path / "first")])
    assert first.exit_code == 0, first.output
    fits = sorted(p.name for p in ckpt.iterdir() if p.is_dir())
    assert fits and all(name == model or name.startswith(f"{model}-") for name in fits)
    saved = {name: (ckpt / name / "state.safetensors").stat().st_mtime_ns for name in fits}
    again = runner.invoke(app, [*args, "-o", str(tmp_path / "again"), "--resume"])
    assert again.exit_code == 0, again.output
    # every fit had finished: none trains again (no checkpoint rewritten), and the scores are the same
    assert {name: (ckpt / name / "state.safetensors").stat().st_mtime_ns for name in fits} == saved
    a, b = (pd.read_csv(tmp_path / run / "leaderboard.csv").set_index("model") for run in ("first", "again"))
    metrics = [c for c in a.columns if not c.endswith("_s") and a[c].dtype.kind == "f"]  # not the seconds
    pd.testing.assert_frame_equal(a.loc[[model], metrics], b.loc[[model], metrics])
    if command[0] == "detect":  # options outside the run's command.json shape training too: another split
        other = runner.invoke(app, [*args, "--test-size", "0.3", "-o", str(tmp_path / "other"), "--resume"])
        assert other.exit_code == 2 and "it differs in test_size" in other.output
    # the same folder without --resume: refused, since it holds this run's checkpoints
    fresh = runner.invoke(app, [*args, "-o", str(tmp_path / "fresh")])
    assert fresh.exit_code == 2 and "holds the checkpoints of an earlier run" in fresh.output
    assert not (tmp_path / "fresh").exists()


def test_an_earlier_runs_checkpoint_dir_is_refused_or_cleared_with_force(tmp_path):
    from deepmine.cli.common import checkpoint_folder
    from deepmine.errors import OutputExistsError

    folder = tmp_path / "ckpt"
    (folder / "deep_mlp").mkdir(parents=True)
    (folder / "command.json").write_text(json.dumps({"task": "classification", "random_state": 0}))
    with pytest.raises(OutputExistsError, match="--resume to continue it, --force"):
        checkpoint_folder(None, folder, resume=False, command={"task": "classification", "random_state": 1})
    assert checkpoint_folder(None, folder, resume=False, command={}, force=True) == folder
    assert not folder.exists()  # made again with the new run's first checkpoint
    other = tmp_path / "mine"  # a folder that holds no checkpoints is the user's, and left alone
    (other / "notes.txt").parent.mkdir()
    (other / "notes.txt").write_text("keep")
    assert checkpoint_folder(None, other, resume=False, command={}, force=True) == other
    assert (other / "notes.txt").read_text() == "keep"
