"""Deep and traditional unsupervised models on real data: clustering on MNIST, anomaly detection on shuttle.

Each candidate of the "clustering" task is fitted on the 5,000-image MNIST sample without its labels
(k=10) and scored against the digits (NMI, ARI, accuracy after Hungarian matching); each candidate
of the "anomaly" task is fitted on 75 % of the shuttle data without labels and scored on the other
25 % (ROC-AUC, average precision). Fit and predict seconds come from the same run. The printed
markdown tables are the ones in the guides (docs/guide/clustering.md, docs/guide/anomalies.md).

Run it with::

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/bench_unsupervised.py [--only clustering|anomaly]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch

import deepmine
from deepmine import compare

COLUMNS = {
    "clustering": ["model", "kind", "nmi", "ari", "accuracy", "silhouette", "fit_s", "predict_s"],
    "anomaly": ["model", "kind", "roc_auc", "average_precision", "precision_at_n", "f1", "flagged", "fit_s",
                "predict_s"],
}


def run(task: str, data: str, label: str, options: dict) -> None:
    start = time.perf_counter()
    board = compare(task, data, label=label, options=options, random_state=0,
                    progress=lambda msg: print(f"  {msg}", flush=True))
    cols = [c for c in COLUMNS[task] if c in board.frame.columns]
    print(f"\n{task} on {data} ({board.info['rows']} rows), options {options}, "
          f"{time.perf_counter() - start:.0f} s in all")
    print(board.frame[cols].to_markdown(index=False, floatfmt=".3f"))
    print(board.verdict(), "\n", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["clustering", "anomaly"], help="run one of the two studies")
    args = parser.parse_args()
    print(f"deepmine {deepmine.__version__}, torch {torch.__version__}, python {platform.python_version()}, "
          f"{torch.get_num_threads()} torch threads, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}")
    if args.only in (None, "clustering"):
        run("clustering", "dataset:mnist", "digit", {"n_clusters": 10})
    if args.only in (None, "anomaly"):
        run("anomaly", "dataset:shuttle", "anomaly", {"contamination": "auto"})


if __name__ == "__main__":
    main()
