"""RealMLP and TabM in deepmine against the authors' package (pytabkit) on the same split: score and fit seconds.

For each dataset (churn: accuracy, diamonds: R²) and seed: one split (deepmine's stratified or random split,
25 % held out), then deepmine's model and pytabkit's implementation of the same model fitted on the same
training rows (both hold out 20 % of them to pick the epoch), one after the other, alternating which goes
first, on the CPU with the same two threads. pytabkit lives only in ``.bench-tabkit-venv``
(``make bench-tabkit-venv``).

Settings, both sides at their defaults for the model except where the two packages' defaults differ:
- RealMLP: RealMLP-TD as each package ships it; deepmine applies its size rule (256 rows a batch and 256
  epochs up to 10,000 training rows; fewer, larger steps above), pytabkit always trains 256 epochs of 256.
- TabM: k = 32, piecewise-linear embeddings over 48 bins (16 wide), two blocks of ``--tabm-width`` (256,
  deepmine's default; the paper's is 512), dropout 0.1, lr 2e-3, batch 256, patience 16. pytabkit's
  default gives each member its own batches; deepmine's members share them (``share_training_batches``
  is set to match, ``--tabm-own-batches`` restores pytabkit's default).

    OMP_WAIT_POLICY=PASSIVE .bench-tabkit-venv/bin/python benchmarks/bench_table_models.py [--seeds 3] [--only churn]
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch

THREADS = 2


def _split(name: str, seed: int):
    from deepmine.data.split import random_split, stratified_split
    from deepmine.datasets import load

    frame = load(name).frame
    target = {"churn": "churn", "diamonds": "price"}[name]
    X, y = frame.drop(columns=target), frame[target]
    train, test = (stratified_split(y.astype(str), 0.25, seed) if name == "churn" else random_split(len(y), 0.25, seed))
    return (X.iloc[train].reset_index(drop=True), X.iloc[test].reset_index(drop=True),
            y.iloc[train].reset_index(drop=True), y.iloc[test].reset_index(drop=True))


def _for_pytabkit(X: pd.DataFrame) -> pd.DataFrame:
    """pytabkit treats columns of the pandas 'category' dtype as categorical."""
    X = X.copy()
    for c in X.columns:
        if not pd.api.types.is_numeric_dtype(X[c]):
            X[c] = X[c].astype("category")
    return X


def _models(name: str, seed: int, which: str, args) -> dict:
    import pytabkit

    from deepmine.tabular import RealMLPClassifier, RealMLPRegressor, TabMClassifier, TabMRegressor

    classify = name == "churn"
    common = dict(device="cpu", random_state=seed, n_threads=THREADS, verbosity=0, val_fraction=0.2)
    if which == "realmlp":
        ours = (RealMLPClassifier if classify else RealMLPRegressor)(device="cpu", random_state=seed)
        theirs = (pytabkit.RealMLP_TD_Classifier if classify else pytabkit.RealMLP_TD_Regressor)(**common)
    else:
        ours = (TabMClassifier if classify else TabMRegressor)(device="cpu", random_state=seed, d_block=args.tabm_width)
        theirs = (pytabkit.TabM_D_Classifier if classify else pytabkit.TabM_D_Regressor)(
            **common, tabm_k=32, num_emb_type="pwl", num_emb_n_bins=48, d_embedding=16, d_block=args.tabm_width,
            n_blocks=2, dropout=0.1, lr=2e-3, batch_size=256, patience=16,
            share_training_batches=not args.tabm_own_batches)
    return {"deepmine": ours, "pytabkit": theirs}


def _score(name: str, model, X, y) -> float:
    pred = model.predict(X)
    if name == "churn":
        return float(np.mean(np.asarray(pred) == np.asarray(y)))
    y = np.asarray(y, dtype=float)
    return float(1 - ((np.asarray(pred, dtype=float) - y) ** 2).sum() / ((y - y.mean()) ** 2).sum())


def run(name: str, which: str, seed: int, args) -> list[dict]:
    X_tr, X_te, y_tr, y_te = _split(name, seed)
    models = _models(name, seed, which, args)
    order = list(models) if seed % 2 == 0 else list(models)[::-1]  # alternate who goes first
    rows = []
    for side in order:
        model = models[side]
        fit_X, test_X = (_for_pytabkit(X_tr), _for_pytabkit(X_te)) if side == "pytabkit" else (X_tr, X_te)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            model.fit(fit_X, y_tr)
            fit_s = time.perf_counter() - start
        rows.append({"dataset": name, "model": which, "seed": seed, "side": side, "fit_s": fit_s,
                     "score": _score(name, model, test_X, y_te)})
        print(f"{name:9s} {which:8s} seed {seed} {side:9s} score {rows[-1]['score']:.4f}  fit {fit_s:7.1f} s", flush=True)
    return rows


DEFAULT_RUNS = "churn:realmlp:3,churn:tabm:3,diamonds:realmlp:1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", default=DEFAULT_RUNS,
                        help="dataset:model:seeds, comma-separated (TabM on diamonds takes 10 to 20 minutes a side "
                             "and seed on 2 cores, so it is not in the default)")
    parser.add_argument("--tabm-width", type=int, default=256)
    parser.add_argument("--tabm-own-batches", action="store_true")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "table_models.json")
    args = parser.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    torch.set_num_threads(THREADS)
    rows = []
    for run_spec in args.runs.split(","):
        name, which, seeds = run_spec.split(":")
        for seed in range(int(seeds)):
            rows.extend(run(name, which, seed, args))
    frame = pd.DataFrame(rows)
    summary = frame.groupby(["dataset", "model", "side"]).agg(score=("score", "mean"), score_sd=("score", "std"),
                                                              fit_s=("fit_s", "mean")).reset_index()
    print(summary.to_string(index=False))
    pairs = []
    for (dataset, model), part in frame.groupby(["dataset", "model"]):
        wide = part.pivot(index="seed", columns="side", values=["score", "fit_s"])
        gain = float((wide["score"]["deepmine"] - wide["score"]["pytabkit"]).mean())
        speed = float((wide["fit_s"]["pytabkit"] / wide["fit_s"]["deepmine"]).mean())
        pairs.append({"dataset": dataset, "model": model, "seeds": len(wide), "score_gain": gain, "speed": speed})
        print(f"{dataset} {model}: deepmine - pytabkit score {gain:+.4f} (mean over {len(wide)} seeds); deepmine fits "
              f"{speed:.2f}x as fast")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    import pytabkit

    settings = {"runs": args.runs, "tabm_width": args.tabm_width, "tabm_own_batches": args.tabm_own_batches,
                "threads": THREADS, "pytabkit": pytabkit.__version__ if hasattr(pytabkit, "__version__") else "1.7.3",
                "torch": torch.__version__}
    args.out.write_text(json.dumps({"rows": rows, "summary": summary.to_dict(orient="records"), "pairs": pairs,
                                    "settings": settings}, indent=1))


if __name__ == "__main__":
    main()
