"""Distributed training under torchrun: 2 CPU processes (gloo) against one, the CLI, and the untouched single path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from deepmine.training import distributed as dd

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("ddp_script.py")
TORCHRUN_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
                "GROUP_RANK", "ROLE_RANK", "TORCHELASTIC_RUN_ID")

needs_gloo = pytest.mark.skipif(not (torch.distributed.is_available() and torch.distributed.is_gloo_available()),
                                reason="this torch build has no torch.distributed with the gloo backend")


def _torchrun(*args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in TORCHRUN_ENV}
    env["OMP_NUM_THREADS"] = "1"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def single_process(monkeypatch):
    for name in TORCHRUN_ENV:
        monkeypatch.delenv(name, raising=False)


@needs_gloo
def test_two_process_torchrun_matches_single_process(tmp_path, single_process):
    proc = _torchrun(str(SCRIPT), str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["world_size"] == 2
    assert result["same_weights"], "the ranks ended with different weights"
    assert result["accuracies"][0] == result["accuracies"][1]
    assert len(result["history"]["epoch"]) >= 1 and "valid_loss" in result["history"]

    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import ddp_script
    finally:
        sys.path.remove(str(SCRIPT.parent))
    _, single, seconds = ddp_script.fit_and_score()  # the same settings, batch_size="auto", one process
    print(f"single-process accuracy {single:.4f} ({seconds:.1f}s); "
          f"2-process accuracy {result['accuracy']:.4f} ({result['seconds']:.1f}s)")
    assert abs(result["accuracy"] - single) <= 0.01


@needs_gloo
def test_two_process_streaming_matches_single_process(tmp_path, single_process):
    """fit_stream under torchrun: each rank reads its own Parquet row groups; quality as one process."""
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import ddp_script
    finally:
        sys.path.remove(str(SCRIPT.parent))
    parquet = ddp_script.write_training_parquet(tmp_path / "train.parquet")
    proc = _torchrun(str(SCRIPT), str(tmp_path), "auto", str(parquet))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["world_size"] == 2 and result["same_weights"]
    assert result["accuracies"][0] == result["accuracies"][1]
    _, single, seconds = ddp_script.fit_stream_and_score(parquet)
    print(f"streaming: single-process accuracy {single:.4f} ({seconds:.1f}s); "
          f"2-process accuracy {result['accuracy']:.4f} ({result['seconds']:.1f}s)")
    assert abs(result["accuracy"] - single) <= 0.01


@needs_gloo
def test_cli_under_torchrun_writes_one_run_folder(tmp_path, single_process):
    out = tmp_path / "run"
    proc = _torchrun("-m", "deepmine", "classify", "dataset:iris", "--target", "species",
                     "--models", "deep_mlp,logistic_regression", "-o", str(out))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # one folder, no leftover temporary one
    for name in ("leaderboard.csv", "metrics.json", "history.csv", "model"):
        assert (out / name).exists(), name
    board = (out / "leaderboard.csv").read_text()
    assert "deep_mlp" in board and "logistic_regression" in board
    assert proc.stdout.count("classification: dataset:iris") == 1  # the leaderboard, printed by rank 0 only
    assert proc.stdout.count(f"wrote {out}") == 1


def test_single_process_is_not_distributed(monkeypatch, single_process):
    assert not dd.is_distributed()
    assert dd.is_main() and dd.rank() == 0 and dd.world_size() == 1
    assert dd.broadcast_object({"a": 1}) == {"a": 1}
    t = torch.tensor([1.0, 2.0])
    assert dd.all_reduce_mean(t) is t and dd.all_reduce_mean(0.5) == 0.5
    dd.barrier()
    assert dd.init_if_needed("cpu") == torch.device("cpu")
    monkeypatch.setenv("WORLD_SIZE", "1")  # torchrun with one process: still the plain path
    monkeypatch.setenv("RANK", "0")
    assert not dd.is_distributed()


def test_single_process_fit_unchanged(monkeypatch, single_process):
    """A fit never touches the distributed helpers beyond asking ``is_distributed``: same predictions."""
    from deepmine.tabular import DeepClassifier
    from deepmine.training import trainer as trainer_mod

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)
    kw = dict(hidden=(16,), max_epochs=4, random_state=3, device="cpu", verbose=0)
    before = DeepClassifier(**kw).fit(X, y).predict_proba(X)

    class Stub:
        @staticmethod
        def is_distributed():
            return False

        @staticmethod
        def is_main():
            return True

        def __getattr__(self, name):  # any other helper would mean the single path changed
            raise AssertionError(f"the single-process fit called distributed.{name}")

    monkeypatch.setattr(trainer_mod, "ddp_env", Stub())
    after = DeepClassifier(**kw).fit(X, y).predict_proba(X)
    assert np.array_equal(before, after)


def test_shard_positions_cover_every_row_with_equal_shares():
    perm = torch.randperm(11, generator=torch.Generator().manual_seed(0))
    shards = [dd.shard_positions(perm, r, 3) for r in range(3)]
    assert [len(s) for s in shards] == [4, 4, 4]  # padded by repeating: every rank takes as many steps
    assert set(torch.cat(shards).tolist()) == set(range(11))
    assert torch.equal(dd.shard_positions(perm, 0, 1), perm)
    assert [len(dd.shard_positions(torch.arange(1), r, 4)) for r in range(4)] == [1, 1, 1, 1]
    g1, g2 = dd.epoch_generator(7, 2), dd.epoch_generator(7, 2)
    assert torch.equal(torch.randperm(20, generator=g1), torch.randperm(20, generator=g2))


def test_auto_batch_is_the_effective_batch(monkeypatch, single_process):
    from deepmine.base import resolve_batch_size

    assert resolve_batch_size("auto", 3000) == 256 and resolve_batch_size(64, 3000) == 64
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    assert dd.is_distributed() and dd.world_size() == 2 and not dd.is_main()
    assert resolve_batch_size("auto", 3000) == 128  # split over the processes
    assert resolve_batch_size(64, 3000) == 64  # an explicit size is per process
