"""Helper for test_distributed.py (not a test): fit a DeepClassifier under torchrun and report from rank 0.

    torchrun --standalone --nproc_per_node=2 tests/training/ddp_script.py OUT_DIR [BATCH_SIZE [PARQUET]]

BATCH_SIZE is "auto" by default: the effective batch (split over the processes, so each rank's batch is
half the single-process one and the two runs take the same optimiser steps); an integer is per process.

Every rank fits the same model on the same table (each trains on its shard of every epoch's rows);
rank 0 writes OUT_DIR/result.json with the test accuracy, the history and the world size. With PARQUET
(the training rows written by :func:`write_training_parquet`) the model is fitted with ``fit_stream``:
each rank reads its own row groups.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torch

from deepmine.datasets import load
from deepmine.tabular import DeepClassifier
from deepmine.training import distributed as dd

SETTINGS = dict(hidden=(64,), max_epochs=10, random_state=0, device="cpu")


def split():
    from sklearn.model_selection import train_test_split

    data = load("churn")
    return train_test_split(data.X, data.y, test_size=0.25, random_state=0, stratify=data.y)


def fit_and_score(batch_size="auto"):
    X_train, X_test, y_train, y_test = split()
    start = time.perf_counter()
    model = DeepClassifier(batch_size=batch_size, **SETTINGS).fit(X_train, y_train)
    seconds = time.perf_counter() - start
    accuracy = float((model.predict(X_test) == y_test.to_numpy()).mean())
    return model, accuracy, seconds


def write_training_parquet(path: Path) -> Path:
    """The training rows of :func:`split`, with the target, as Parquet in row groups of 400 rows."""
    X_train, _, y_train, _ = split()
    X_train.assign(churn=y_train.to_numpy()).to_parquet(path, row_group_size=400)
    return path


def fit_stream_and_score(path, batch_size="auto"):
    _, X_test, _, y_test = split()
    start = time.perf_counter()
    model = DeepClassifier(batch_size=batch_size, **SETTINGS).fit_stream(path, "churn", buffer_rows=4096)
    seconds = time.perf_counter() - start
    accuracy = float((model.predict(X_test) == y_test.to_numpy()).mean())
    return model, accuracy, seconds


def main() -> None:
    out_dir = Path(sys.argv[1])
    batch_size = sys.argv[2] if len(sys.argv) > 2 else "auto"
    batch_size = batch_size if batch_size == "auto" else int(batch_size)
    assert dd.is_distributed(), "run me under torchrun with --nproc_per_node >= 2"
    parquet = sys.argv[3] if len(sys.argv) > 3 else None
    model, accuracy, seconds = fit_stream_and_score(parquet, batch_size) if parquet else fit_and_score(batch_size)
    assert not isinstance(model.module_, torch.nn.parallel.DistributedDataParallel)
    # every rank ends with the same weights (DDP keeps them in step; early stopping decides alike)
    flat = torch.cat([p.detach().flatten() for p in model.module_.parameters()])
    gathered = [torch.zeros_like(flat) for _ in range(dd.world_size())]
    torch.distributed.all_gather(gathered, flat)
    same_weights = all(torch.equal(gathered[0], g) for g in gathered)
    accuracies = [None] * dd.world_size()
    torch.distributed.all_gather_object(accuracies, accuracy)
    if dd.is_main():
        # the plain module is free of DDP's gradient hooks: a backward on one rank alone must not wait
        X_test = split()[1]
        Xt = torch.as_tensor(model._prepare(X_test.iloc[:8]))
        model.module_.train()
        model.module_(Xt).sum().backward()
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "result.json").write_text(json.dumps({
            "accuracy": accuracy, "accuracies": accuracies, "seconds": seconds, "world_size": dd.world_size(),
            "same_weights": same_weights, "history": model.history_.to_dict(orient="list"),
            "batch_size": batch_size, "best_epoch": int(model.best_epoch_),
        }, indent=2))
    dd.barrier()


if __name__ == "__main__":
    main()
