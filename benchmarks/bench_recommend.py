"""Every recommender on MovieLens: ratings (RMSE/MAE, random 80/20) and top-10 ranking, full and sampled.

1. ``compare("recommendation", "dataset:movielens", ...)``: each model fitted on a random 80 % of the
   ratings (RMSE and MAE on the rest) and, as implicit feedback, on all but each user's latest
   rating (HR, NDCG, precision, recall, MAP at 10 and coverage over the whole catalogue), with fit
   seconds and the seconds to produce top-10 lists for all 671 users.
2. The same ranking models under the "1 held-out item vs 99 sampled negatives" protocol, the one of
   the NeuMF paper and its reimplementations, to set beside published numbers (and to show how much
   higher sampled metrics are than full-ranking ones; Krichene and Rendle 2020).
3. Training throughput of MatrixFactorization against a plain PyTorch loop:
   ``benchmarks/bench_recommend_throughput.py``.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/bench_recommend.py
"""

from __future__ import annotations

import os
import platform
import time
import warnings

import pandas as pd
import torch

import deepmine
from deepmine import compare


def main() -> None:
    from deepmine.evaluation.recommend_metrics import leave_last_out, ranking_scores
    from deepmine.recommend import Interactions

    print(f"deepmine {deepmine.__version__}, torch {torch.__version__}, python {platform.python_version()}, "
          f"{torch.get_num_threads()} torch threads, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}")
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        board = compare("recommendation", "dataset:movielens", target="rating", user="userId", item="movieId",
                        time_column="timestamp", item_features="genres", random_state=0,
                        progress=lambda msg: print(f"  {msg}", flush=True))
    print(f"\nrecommendation on movielens ({board.info['users']} users, {board.info['items']} films), "
          f"{time.perf_counter() - start:.0f} s in all")
    print(board.frame.to_markdown(index=False, floatfmt=".4f"))
    print(board.verdict(), "\n", flush=True)

    frame = board.data
    data = Interactions.from_frame(frame, "userId", "movieId", None, "timestamp")
    train_rows, test_rows = leave_last_out(data, 0)
    train, test = data.subset(train_rows), data.subset(test_rows)
    rows = []
    for name, model in board.models.items():
        scores = ranking_scores(model, train, test, k=10, protocol="sampled", n_negatives=99, random_state=0)
        rows.append({"model": name, "kind": board.frame.set_index("model").loc[name, "kind"],
                     "sampled_hr@10": scores["hr@10"], "sampled_ndcg@10": scores["ndcg@10"]})
    print("sampled protocol (1 held-out film vs 99 unseen ones; a public NCF reimplementation reports NeuMF "
          "HR@10 0.828 / NDCG@10 0.574 on MovieLens-100k, a different, denser MovieLens sample)")
    print(pd.DataFrame(rows).sort_values("sampled_hr@10", ascending=False).to_markdown(index=False, floatfmt=".4f"))


if __name__ == "__main__":
    main()
