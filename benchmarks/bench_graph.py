"""Community detection and link prediction: DeepWalk / node2vec embeddings beside the graph algorithms.

1. LFR benchmark graphs (1,000 nodes, 19 planted communities, networkx's generator, seed 0) at mixing
   mu = 0.1 ... 0.6: the NMI of every method's partition against the planted one, and its seconds.
   The number of communities is chosen by each method ("auto": highest modularity), never given.
   The mixing networkx's generator actually produces is measured and printed beside mu.
2. Zachary's karate club against its two factions, the number of communities chosen by each method
   and given (k=2) to the methods that take one; mean and spread over five seeds.
3. Link prediction (10 % of edges held out with as many non-edges): ROC-AUC and average precision on
   karate, Les Miserables and the LFR graph at mu = 0.3.

    OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_graph.py [--only lfr|karate|links]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np
import pandas as pd

import deepmine
from deepmine import compare
from deepmine.datasets.graphs import LFR_MIXING, lfr_graph, lfr_name
from deepmine.graph import as_graph, node_labels


def _compare(task: str, data, random_state: int = 0, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compare(task, data, random_state=random_state, **kwargs)


def measured_mixing(mu: float) -> float:
    """The mean share of a node's edges that leave its planted community."""
    graph, truth = lfr_graph(mu)
    g = as_graph(graph)
    codes = node_labels(truth, g)
    u, v, _ = g.edges()
    crossing = codes[u] != codes[v]
    out = np.bincount(u[crossing], minlength=g.n_nodes) + np.bincount(v[crossing], minlength=g.n_nodes)
    return float(np.mean(out / g.degrees))


def lfr() -> None:
    nmi, seconds, mixing = {}, {}, {}
    for mu in LFR_MIXING:
        start = time.perf_counter()
        board = _compare("communities", f"dataset:{lfr_name(mu)}")
        frame = board.frame.set_index("model")
        nmi[mu], seconds[mu], mixing[mu] = frame.nmi, frame.fit_s, measured_mixing(mu)
        best = board.best_of("deep")
        print(f"mu={mu}: measured mixing {mixing[mu]:.2f}; best deep {best['model']} NMI {best['nmi']:.3f}; "
              f"{time.perf_counter() - start:.0f} s", flush=True)
    kinds = frame["kind"]
    table = pd.DataFrame({f"mu={mu} ({mixing[mu]:.2f})": nmi[mu] for mu in LFR_MIXING})
    table.insert(0, "kind", kinds)
    table["mean fit s"] = pd.DataFrame(seconds).mean(axis=1)
    table = table.sort_values(table.columns[3], ascending=False)
    print("\nLFR, 1,000 nodes: NMI against the planted communities by mixing mu (measured mixing in brackets)")
    print(table.reset_index().to_markdown(index=False, floatfmt=".3f"))


def karate(seeds=range(5)) -> None:
    """Karate is small enough for chance to matter (which walks are drawn, where k-means starts):
    each method runs with five seeds, and the table gives the mean and spread."""
    rows = []
    for k in ("auto", 2):
        runs = pd.concat([_compare("communities", "dataset:karate", options={"n_communities": k},
                                   random_state=seed).frame for seed in seeds])
        if k == 2:  # only the methods that take a number of communities
            runs = runs[runs.model.isin(["node2vec_kmeans", "node2vec_gmm", "deepwalk_kmeans", "spectral"])]
        stats = runs.groupby(["model", "kind"], sort=False).agg(
            nmi=("nmi", "mean"), nmi_sd=("nmi", "std"), ari=("ari", "mean"), modularity=("modularity", "mean"),
            communities=("n_communities", "median"), fit_s=("fit_s", "mean")).reset_index()
        rows.append(stats.assign(k=k).sort_values("nmi", ascending=False))
    table = pd.concat(rows)[["model", "kind", "k", "nmi", "nmi_sd", "ari", "modularity", "communities", "fit_s"]]
    print(f"\nkarate club against its two factions, mean over seeds {list(seeds)}")
    print(table.to_markdown(index=False, floatfmt=".3f"))


def links() -> None:
    frames = []
    for name in ("karate", "les_miserables", lfr_name(0.3)):
        board = _compare("link_prediction", f"dataset:{name}")
        frames.append(board.frame.assign(graph=name)[["graph", "model", "kind", "roc_auc", "average_precision",
                                                      "fit_s", "predict_s"]])
        print(f"{name}: {board.info['held_out_edges']} edges held out; {board.verdict()}", flush=True)
    print("\nlink prediction, 10 % of edges held out (and as many non-edges)")
    print(pd.concat(frames).to_markdown(index=False, floatfmt=".3f"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("lfr", "karate", "links"))
    args = parser.parse_args()
    print(f"deepmine {deepmine.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    for name, fn in (("karate", karate), ("links", links), ("lfr", lfr)):
        if args.only in (None, name):
            fn()


if __name__ == "__main__":
    main()
