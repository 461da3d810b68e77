"""Kill and resume: the training loops save their whole state after each epoch and pick it up again.

Inside :func:`checkpointing`, every :class:`~deepmine.training.Trainer` fit (and every ``fit_stream``)
writes, after each epoch, everything the next epoch depends on: the weights, the optimiser's and the
learning-rate schedule's state, the mixed-precision scaler, early stopping's best weights and counters,
the history, and the random generators' states. A process killed at any moment (``kill -9``, a lost
machine) loses at most the epoch it was in: run the same code again inside ``checkpointing(...,
resume=True)`` and each fit continues after its last saved epoch, ending with the model an uninterrupted
run would have given (byte for byte on the CPU), or skips training at once when it had finished.

    from deepmine.training import checkpointing

    with checkpointing("ckpt", resume=True):   # the first run finds nothing to resume and starts afresh
        model = DeepClassifier(random_state=0).fit(X, y)

Each fit gets its own sub-folder, named by :func:`checkpoint_scope` (``compare`` uses the model's name)
and numbered in the order of the fits (``deep_mlp``, ``deep_mlp-2``, ...), so a rerun that makes the same
fits in the same order finds each one's state. A checkpoint is two files, ``state.safetensors`` (every
tensor) and ``state.json`` (the rest), written to temporary names and renamed into place, so a kill in
mid-write leaves the previous epoch's checkpoint whole; loading reads no pickle.

``every="auto"`` (the command line's default) starts saving once the run has lasted a minute: a short
run does not pay for checkpoints it would never need.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Iterator

import torch

from deepmine.errors import DataError, ParameterError

__all__ = ["checkpointing", "checkpoint_scope", "TrainingCheckpoint", "active_checkpoint"]

_STATE_FILE, _TENSOR_FILE = "state.json", "state.safetensors"
_FORMAT = 1
_AUTO_AFTER_S = 60.0


class _Settings:
    def __init__(self, folder: Path, resume: bool, every: str, meta: dict | None = None):
        self.folder, self.resume, self.every, self.meta = folder, resume, every, meta
        self.started = time.monotonic()
        self.counts: dict[str, int] = {}
        self.scope = "model"


_ACTIVE: ContextVar[_Settings | None] = ContextVar("deepmine_checkpointing", default=None)


@contextlib.contextmanager
def checkpointing(folder, resume: bool = False, every: str = "epoch", meta: dict | None = None) -> Iterator[Path]:
    """While the block runs, every training loop saves a checkpoint under ``folder`` after each epoch
    (``every="epoch"``), or after each epoch once the block has run for a minute (``every="auto"``); with
    ``resume=True`` each fit first continues from its checkpoint, if it has one. ``meta`` (JSON), when
    given, is written to ``folder/command.json`` with the first checkpoint (the folder is made only then)."""
    if every not in ("epoch", "auto"):
        raise ParameterError(f"every must be 'epoch' or 'auto', got {every!r}")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise DataError(f"the checkpoint folder '{folder}' is a file; choose a folder with --checkpoint-dir")
    token = _ACTIVE.set(_Settings(folder, bool(resume), every, meta))
    try:
        yield folder
    finally:
        _ACTIVE.reset(token)


@contextlib.contextmanager
def checkpoint_scope(name: str) -> Iterator[None]:
    """Name the checkpoints of the fits made in the block (``compare`` uses each candidate's name)."""
    settings = _ACTIVE.get()
    if settings is None:
        yield
        return
    before = settings.scope
    settings.scope = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(name)) or "model"
    try:
        yield
    finally:
        settings.scope = before


def active_checkpoint() -> TrainingCheckpoint | None:
    """The checkpoint of the fit that is starting now (a new one each call), or None outside
    :func:`checkpointing`."""
    settings = _ACTIVE.get()
    if settings is None:
        return None
    n = settings.counts.get(settings.scope, 0) + 1
    settings.counts[settings.scope] = n
    name = settings.scope if n == 1 else f"{settings.scope}-{n}"
    return TrainingCheckpoint(settings.folder / name, settings)


class TrainingCheckpoint:
    """One fit's checkpoint folder: :meth:`save` after an epoch, :meth:`load` before the first."""

    def __init__(self, folder: Path, settings: _Settings):
        self.folder, self.settings = Path(folder), settings

    @property
    def resume(self) -> bool:
        return self.settings.resume

    def due(self) -> bool:
        """Whether to save after this epoch."""
        return self.settings.every == "epoch" or time.monotonic() - self.settings.started >= _AUTO_AFTER_S

    def save(self, state: dict[str, Any]) -> None:
        """Write ``state`` (nested dicts, lists and tuples of tensors, numbers, strings, None) atomically."""
        from safetensors.torch import save_file

        tensors: dict[str, torch.Tensor] = {}
        skeleton = _flatten(state, tensors, "")
        self.folder.mkdir(parents=True, exist_ok=True)
        record = self.settings.folder / "command.json"
        if self.settings.meta is not None and not record.exists():
            record.write_text(json.dumps(self.settings.meta, indent=2, default=str), encoding="utf-8")
        tmp_tensors = self.folder / f".{_TENSOR_FILE}.tmp"
        tmp_state = self.folder / f".{_STATE_FILE}.tmp"
        save_file(tensors, str(tmp_tensors))
        tmp_state.write_text(json.dumps({"format": _FORMAT, "state": skeleton}), encoding="utf-8")
        # the tensors first: state.json names the epoch, and it is replaced last, so a kill between the
        # two renames leaves state.json of the previous epoch beside newer tensors; the epoch recorded in
        # the tensor file's metadata catches that
        os.replace(tmp_tensors, self.folder / _TENSOR_FILE)
        os.replace(tmp_state, self.folder / _STATE_FILE)

    def load(self) -> dict[str, Any] | None:
        """The saved state, or None when there is none (or it was left half-written by a kill)."""
        from safetensors.torch import load_file

        state_file, tensor_file = self.folder / _STATE_FILE, self.folder / _TENSOR_FILE
        if not (state_file.exists() and tensor_file.exists()):
            return None
        try:
            saved = json.loads(state_file.read_text(encoding="utf-8"))
            tensors = load_file(str(tensor_file))
        except (OSError, ValueError) as exc:
            raise DataError(f"the checkpoint in '{self.folder}' is damaged ({exc}); delete it to start afresh") from None
        if saved.get("format") != _FORMAT:
            raise DataError(f"the checkpoint in '{self.folder}' has format {saved.get('format')!r}, not {_FORMAT}; "
                            f"delete it to start afresh")
        state = _unflatten(saved["state"], tensors)
        if state.get("epoch") != int(tensors["__epoch__"].item()):
            return None  # killed between the two renames: the files disagree; start this fit afresh
        return state


def epoch_state(epoch: int, **parts) -> dict[str, Any]:
    """The state dict of one epoch's checkpoint: ``epoch`` plus ``parts``, with the epoch kept among the
    tensors too (see :meth:`TrainingCheckpoint.save`)."""
    return {"epoch": int(epoch), "__epoch__": torch.tensor(int(epoch)), **parts}


def rng_state() -> dict[str, Any]:
    """torch's random generators (CPU, and every CUDA device) as tensors."""
    state = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():  # pragma: no cover - needs a GPU
        state["cuda"] = list(torch.cuda.get_rng_state_all())
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():  # pragma: no cover - needs a GPU
        torch.cuda.set_rng_state_all(state["cuda"])


# --------------------------------------------------------------------------- nested state <-> JSON + tensors

def _flatten(value, tensors: dict, path: str):
    if isinstance(value, torch.Tensor):
        key = path or "tensor"
        if key == "__epoch__" or key.endswith(".__epoch__"):
            key = "__epoch__"
        tensors[key] = value.detach().to("cpu").clone()  # no shared storage (safetensors refuses it)
        return {"__tensor__": key}
    if isinstance(value, dict):
        return {"__dict__": [[_key(k), _flatten(v, tensors, f"{path}.{k}" if path else str(k))]
                             for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        items = [_flatten(v, tensors, f"{path}.{i}") for i, v in enumerate(value)]
        return {"__tuple__": items} if isinstance(value, tuple) else items
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item") and getattr(value, "shape", None) == ():  # numpy scalars
        return value.item()
    raise TypeError(f"a checkpoint cannot hold {type(value).__name__}")


def _key(k):
    if isinstance(k, (bool, int, str)) or k is None:
        return k
    raise TypeError(f"a checkpoint's dict keys are numbers or strings, not {type(k).__name__}")


def _unflatten(value, tensors: dict):
    if isinstance(value, list):
        return [_unflatten(v, tensors) for v in value]
    if isinstance(value, dict):
        if "__tensor__" in value:
            return tensors[value["__tensor__"]]
        if "__tuple__" in value:
            return tuple(_unflatten(v, tensors) for v in value["__tuple__"])
        if "__float__" in value:
            return float(value["__float__"])
        return {k: _unflatten(v, tensors) for k, v in value["__dict__"]}
    return value
