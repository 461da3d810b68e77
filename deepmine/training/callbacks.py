"""Callbacks that hook into the Trainer's epochs: early stopping, progress bar, and the base class."""

from __future__ import annotations

from contextlib import contextmanager

import math
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deepmine.training.trainer import Trainer


class Callback:
    """Override any of the hooks; set ``trainer.stop_training = True`` to end training after this epoch."""

    def on_train_begin(self, trainer: "Trainer") -> None:
        pass

    def on_batch_end(self, trainer: "Trainer", step: int, steps: int) -> None:
        """After optimiser step ``step`` (1-based) of the ``steps`` of this epoch."""

    def on_epoch_end(self, trainer: "Trainer", record: dict) -> None:
        pass

    def on_train_end(self, trainer: "Trainer") -> None:
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs; put the best weights back."""

    def __init__(self, monitor: str = "valid_loss", patience: int = 10, mode: str = "min",
                 min_delta: float = 0.0, restore_best: bool = True):
        self.monitor, self.patience, self.mode = monitor, patience, mode
        self.min_delta, self.restore_best = min_delta, restore_best

    def on_train_begin(self, trainer):
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = 0
        self.best_state = None
        self.wait = 0

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, trainer, record):
        value = record.get(self.monitor)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, record["epoch"], 0
            if self.restore_best:
                self.best_state = {k: v.detach().clone() for k, v in trainer.module.state_dict().items()}
        else:
            self.wait += 1
            if self.wait >= self.patience:
                trainer.stop_training = True

    def on_train_end(self, trainer):
        if self.restore_best and self.best_state is not None:
            trainer.module.load_state_dict(self.best_state)
        trainer.best_epoch = self.best_epoch

    def state_dict(self) -> dict:
        """What the next epochs depend on (for a checkpoint): the best value, its epoch and weights, the wait."""
        return {"best": float(self.best), "best_epoch": self.best_epoch, "wait": self.wait,
                "best_state": self.best_state}

    def load_state_dict(self, state: dict) -> None:
        self.best, self.best_epoch, self.wait = float(state["best"]), state["best_epoch"], state["wait"]
        self.best_state = state["best_state"]


class ProgressBar(Callback):
    """A rich progress bar over epochs showing the latest losses; updated once an epoch to stay cheap."""

    def __init__(self, description: str = "training"):
        self.description = description
        self.progress = None

    def on_train_begin(self, trainer):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("{task.fields[losses]}"), transient=True)
        self.progress.start()
        self.task = self.progress.add_task(self.description, total=trainer.max_epochs, losses="")
        self.losses, self.epochs_done, self.epoch_start, self.shown = "", 0, time.perf_counter(), 0.0

    def on_batch_end(self, trainer, step, steps):
        # long epochs (a transformer on CPU) show their batches too; at most twice a second
        now = time.perf_counter()
        if now - self.epoch_start > 5 and now - self.shown > 0.5:
            self.shown = now
            done = self.epochs_done + step / steps
            self.progress.update(self.task, completed=done,
                                 losses=f"batch {step}/{steps}" + (f"  {self.losses}" if self.losses else ""))

    def on_epoch_end(self, trainer, record):
        self.losses = "  ".join(f"{k} {v:.4f}" for k, v in record.items()
                                if k.startswith(("train_", "valid_")) and isinstance(v, float))
        self.epochs_done = record["epoch"]
        self.progress.update(self.task, completed=self.epochs_done, losses=self.losses)
        self.epoch_start = time.perf_counter()

    def on_train_end(self, trainer):
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


class Checkpoint(Callback):
    """Save the weights to a safetensors file whenever ``monitor`` improves (and at the end if never).

    The file holds tensors only, so it is safe to load: ``module.load_state_dict(
    safetensors.torch.load_file(path))``.
    """

    def __init__(self, path, monitor: str = "valid_loss", mode: str = "min"):
        self.path, self.monitor, self.mode = path, monitor, mode

    def on_train_begin(self, trainer):
        self.best = math.inf if self.mode == "min" else -math.inf
        self.saved_epoch = None

    def _save(self, trainer, epoch: int) -> None:
        import os
        from pathlib import Path

        from safetensors.torch import save_file

        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tensors = {k: v.detach().to("cpu").contiguous() for k, v in trainer.module.state_dict().items()}
        save_file(tensors, str(tmp), metadata={"epoch": str(epoch)})
        os.replace(tmp, path)  # a crash mid-write never leaves a truncated checkpoint
        self.saved_epoch = epoch

    def on_epoch_end(self, trainer, record):
        value = record.get(self.monitor)
        if value is None:
            return
        if (value < self.best) if self.mode == "min" else (value > self.best):
            self.best = value
            self._save(trainer, record["epoch"])

    def on_train_end(self, trainer):
        if self.saved_epoch is None and getattr(trainer, "module", None) is not None:
            self._save(trainer, -1)


# Functions told about every epoch of every Trainer in this process (the CLI's progress line).
_EPOCH_LISTENERS: list = []


class EpochListener(Callback):
    """Calls ``fn(epoch, max_epochs, record)`` after each epoch; the Trainer adds one per registered listener."""

    def __init__(self, fn):
        self.fn = fn

    def on_epoch_end(self, trainer, record):
        self.fn(record["epoch"], trainer.max_epochs, record)


@contextmanager
def epoch_listener(fn):
    """While the block runs, every Trainer calls ``fn(epoch, max_epochs, record)`` after each epoch: a
    progress display can follow the training of models it does not build itself."""
    _EPOCH_LISTENERS.append(fn)
    try:
        yield fn
    finally:
        _EPOCH_LISTENERS.remove(fn)


class Limit:
    """One time limit: the ``time.perf_counter()`` value by which training must stop, and the epochs after
    which it stopped a Trainer (one per fit it cut)."""

    def __init__(self, deadline: float):
        self.deadline, self.stopped = deadline, []


# The time limits every Trainer in this process obeys (the earliest counts), innermost last.
_LIMITS: list[Limit] = []


class Deadline(Callback):
    """Ends training after the first epoch that finishes at or past the earliest of ``limits``' deadlines,
    and tells every one of them (a block inside a user's own, earlier limit learns that its fit was cut);
    the best epoch's weights are put back as early stopping does, where the model keeps them."""

    def __init__(self, limits: list[Limit]):
        self.limits = list(limits)
        self.deadline = min(limit.deadline for limit in self.limits)

    def on_epoch_end(self, trainer, record):
        if time.perf_counter() >= self.deadline and not trainer.stop_training:
            trainer.stop_training = True
            for limit in self.limits:
                limit.stopped.append(record["epoch"])


@contextmanager
def time_limit(seconds: float | None):
    """While the block runs, every Trainer stops after the epoch that ends ``seconds`` from now (None: no
    limit); yields the :class:`Limit` (its ``stopped`` lists the epochs after which a fit inside it was
    cut). Nested limits keep the earliest. A wall-clock budget bounds the networks' fits with it, as AutoGluon's
    ``time_limit`` bounds its models'; a model that is not trained by epochs is not stopped."""
    if seconds is None:
        yield Limit(float("inf"))
        return
    limit = Limit(time.perf_counter() + max(float(seconds), 0.0))
    _LIMITS.append(limit)
    try:
        yield limit
    finally:
        _LIMITS.remove(limit)


def epoch_listeners() -> list:
    """The callbacks every Trainer adds: one per registered listener, and the earliest time limit."""
    out: list = [EpochListener(fn) for fn in _EPOCH_LISTENERS]
    if _LIMITS:
        out.append(Deadline(_LIMITS))
    return out
