"""Rows per second of one torch thread against two, for MLPs of three widths at four batch sizes.

The grid behind ``deepmine.training.threads`` (a fit on the CPU trains with one thread when its step is under
``SMALL_STEP`` multiply-adds). Each cell trains an MLP 50 -> w -> ReLU -> w -> ReLU -> 1 logit (BCE, fused
Adam) for 150 steps at batch b with one thread and with two, alternating for 3 rounds; the medians are
compared; in float32 and, on a CPU with native bfloat16, under bf16 autocast (``precision="auto"``). It then times a whole ``DeepClassifier`` fit on churn (5,000 rows, defaults, 20 epochs) with the
choice on and off (``DEEPMINE_THREADS=keep``), alternating for 3 rounds.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/bench_threads.py
"""

from __future__ import annotations

import os
import statistics
import time
import warnings

import torch
from torch import nn

STEPS, ROUNDS = 150, 3
WIDTHS, BATCHES = (64, 256, 1024), (32, 128, 512, 2048)


def ms_per_step(threads: int, batch: int, width: int, bf16: bool = False) -> float:
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(50, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1))
    opt = torch.optim.Adam(net.parameters(), 1e-3, fused=True)
    loss_fn = nn.BCEWithLogitsLoss()
    x, y = torch.randn(batch, 50), torch.randint(0, 2, (batch,)).float()
    for step in range(10 + STEPS):
        if step == 10:
            start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = net(x)
        loss_fn(out.float().reshape(-1), y).backward()
        opt.step()
    return (time.perf_counter() - start) / STEPS * 1000


def churn_fit_seconds(keep: bool) -> float:
    import deepmine
    from deepmine.tabular import DeepClassifier

    if keep:
        os.environ["DEEPMINE_THREADS"] = "keep"
    else:
        os.environ.pop("DEEPMINE_THREADS", None)
    data = deepmine.datasets.load("churn")
    X, y = data.frame.drop(columns=[data.target]), data.frame[data.target]
    start = time.perf_counter()
    DeepClassifier(max_epochs=20, early_stopping=None, random_state=0).fit(X, y)
    return time.perf_counter() - start


def main() -> None:
    from deepmine.training.precision import cpu_has_native_bf16

    before = torch.get_num_threads()
    bf16_native = cpu_has_native_bf16()  # bf16 autocast is measured only where "auto" would choose it
    print(f"torch {torch.__version__}, {before} threads by default, OMP_WAIT_POLICY="
          f"{os.environ.get('OMP_WAIT_POLICY', 'unset')}\n")
    grids = (False, True) if bf16_native else (False,)
    print("| width | batch | precision | 1 thread, ms a step | 2 threads, ms a step | rows/s, 1 thread / 2 |")
    print("|---:|---:|---|---:|---:|---:|")
    for width in WIDTHS:
        for batch in BATCHES:
            for bf16 in grids:
                times = {1: [], 2: []}
                for _ in range(ROUNDS):
                    for threads in (2, 1):
                        times[threads].append(ms_per_step(threads, batch, width, bf16))
                one, two = statistics.median(times[1]), statistics.median(times[2])
                print(f"| {width} | {batch} | {'bf16' if bf16 else 'float32'} | {one:.3f} | {two:.3f} | "
                      f"{two / one:.2f}x |", flush=True)
    torch.set_num_threads(before)
    warnings.simplefilter("ignore")
    fits = {True: [], False: []}
    for _ in range(ROUNDS):
        for keep in (True, False):
            fits[keep].append(churn_fit_seconds(keep))
    on, off = statistics.median(fits[False]), statistics.median(fits[True])
    print(f"\nchurn, DeepClassifier defaults, 20 epochs: {on:.2f} s with the thread choice, {off:.2f} s without "
          f"(DEEPMINE_THREADS=keep): {off / on:.2f}x")


if __name__ == "__main__":
    main()
