"""Device choice and seeding: CUDA, then Apple MPS, then CPU; reproducible runs without global side effects."""

from __future__ import annotations

import contextlib
from typing import Iterator

import numpy as np
import torch


def choose_device(device: str | torch.device | None = "auto") -> torch.device:
    """The device to train on: ``"auto"`` picks CUDA, then MPS, then the CPU."""
    if device is None or device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        from deepmine.errors import TrainingError

        raise TrainingError("device='cuda' was asked for but no CUDA GPU is available; use device='auto' or 'cpu'")
    return dev


def resolve_seed(random_state) -> int:
    """An integer seed from scikit-learn's ``random_state`` (None draws a fresh one)."""
    if random_state is None:
        return int(np.random.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    return int(random_state)


@contextlib.contextmanager
def seeded(seed: int, device: torch.device | None = None) -> Iterator[None]:
    """Run the block with torch's generators seeded, restoring the caller's RNG state afterwards."""
    devices = [device.index or 0] if device is not None and device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
