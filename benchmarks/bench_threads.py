"""Milliseconds per training step of a small network with one torch thread against two, alternating.

The MLP of ``MLPForecaster`` on co2 (104 -> 256 -> 256 -> 52, dropout 0.1, Adam, L1 loss), batch
128; each setting runs 200 steps, the two alternate for 3 rounds, and the medians are printed.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/bench_threads.py
"""

from __future__ import annotations

import statistics
import time

import torch
from torch import nn

STEPS, ROUNDS, BATCH = 200, 3, 128


def ms_per_step(threads: int, net: nn.Module, opt, x, y) -> float:
    torch.set_num_threads(threads)
    start = time.perf_counter()
    for _ in range(STEPS):
        loss = (net(x) - y).abs().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return (time.perf_counter() - start) / STEPS * 1000


def main() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(104, 256), nn.ReLU(), nn.Dropout(0.1), nn.Linear(256, 256), nn.ReLU(),
                        nn.Dropout(0.1), nn.Linear(256, 52))
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    x, y = torch.randn(BATCH, 104), torch.randn(BATCH, 52)
    ms_per_step(1, net, opt, x, y)  # warm up
    times = {1: [], 2: []}
    for r in range(ROUNDS):
        for threads in (2, 1):
            times[threads].append(ms_per_step(threads, net, opt, x, y))
        print(f"round {r + 1}: 2 threads {times[2][-1]:.2f} ms/step, 1 thread {times[1][-1]:.2f} ms/step", flush=True)
    one, two = statistics.median(times[1]), statistics.median(times[2])
    print(f"median: 1 thread {one:.2f} ms/step, 2 threads {two:.2f} ms/step ({two / one:.2f}x slower with two)")


if __name__ == "__main__":
    main()
