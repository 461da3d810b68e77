"""How many CPU threads a fit uses: one where a training step is too small for two to pay.

Measured on the 2-core development machine (an MLP 50 -> w -> w -> 1, Adam, one thread against two, rows per
second, ``benchmarks/bench_threads.py``): at width 64, one thread is 2.9x faster at batch 32 and still 1.5x at
batch 2,048; at width 256 it is 2.6x at batch 32, 1.8x at 128, even at 512 and 0.65x at 2,048; at width 1,024 it is
0.92x at batch 32 and 0.53x at 2,048 (an earlier run agreed within about 20 %). Splitting a small matrix product
over threads costs more than it saves. So a fit on the CPU whose step is under ``SMALL_STEP`` multiply-adds (batch
size x the weights of its linear layers) trains with one thread and puts the caller's setting back afterwards. Only
networks made of per-row layers (linear layers, activations, dropout, normalisation, embeddings) are judged: for
convolutions, recurrences and attention the weights say little about the work, and the thread count is left alone.
``DEEPMINE_THREADS=keep`` turns the choice off.

Under bfloat16 autocast (``precision="auto"`` on a CPU with native bfloat16) the matrix products take about half
the time, so the crossover lies further out, at ``SMALL_STEP_BF16``: at width 256 and batch 512 (40 million
multiply-adds) one thread is even with two in float32 but 1.39x faster in bfloat16, and at width 1,024 and batch
32 (35 million) 0.92x against 1.15x; at 140 to 160 million two threads win in both (0.65x to 0.86x)
(``benchmarks/bench_threads.py``).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

import torch
from torch import nn

SMALL_STEP = 32e6  # multiply-adds per training step below which one thread wins (the crossover measured above)
SMALL_STEP_BF16 = 64e6  # the same under bfloat16 autocast, whose matrix products are about twice as fast
_PER_ROW = (nn.Linear, nn.ReLU, nn.LeakyReLU, nn.PReLU, nn.SiLU, nn.GELU, nn.Mish, nn.ELU, nn.SELU, nn.Tanh,
            nn.Sigmoid, nn.Softplus, nn.Dropout, nn.BatchNorm1d, nn.LayerNorm, nn.Identity, nn.Embedding, nn.Flatten)


def step_work(module: nn.Module, batch_size: int) -> float | None:
    """Multiply-adds of one step's linear layers (batch size x their weights), or None for a network with other
    kinds of layers, whose work its weights do not tell."""
    containers = (nn.ModuleList, nn.ModuleDict, nn.Sequential)  # an empty one (no categorical columns) is no layer
    leaves = [m for m in module.modules() if next(m.children(), None) is None and not isinstance(m, containers)]
    if not leaves or any(not isinstance(m, _PER_ROW) for m in leaves):
        return None
    own = [p for m in module.modules() if not isinstance(m, _PER_ROW) for p in m.parameters(recurse=False)]
    if own:  # a container with weights of its own (a custom layer): unknown work
        return None
    return float(batch_size) * sum(m.weight.numel() for m in leaves if isinstance(m, nn.Linear))


@contextmanager
def fit_threads(module: nn.Module, batch_size: int, device: torch.device, bf16: bool = False) -> Iterator[int]:
    """Train inside this block with one CPU thread when the step is small (see the module notes; ``bf16``: the
    steps run under bfloat16 autocast); yields the thread count used, and restores the caller's afterwards."""
    before = torch.get_num_threads()
    work = None
    if torch.device(device).type == "cpu" and before > 1 and os.environ.get("DEEPMINE_THREADS") != "keep":
        work = step_work(module, batch_size)
    if work is None or work >= (SMALL_STEP_BF16 if bf16 else SMALL_STEP):
        yield before
        return
    torch.set_num_threads(1)
    try:
        yield 1
    finally:
        torch.set_num_threads(before)


__all__ = ["SMALL_STEP", "SMALL_STEP_BF16", "fit_threads", "step_work"]
