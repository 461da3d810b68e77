"""Explanations and calibration: what the methods say on churn, how exact and how fast they are, and what
calibration does to every classifier's probabilities.

1. Calibration: ``compare("classification", ...)`` on churn and breast_cancer, once plain and once
   with ``calibrate=True`` (temperature scaling for networks, isotonic or Platt for the others,
   fitted on a fifth of the training rows): accuracy and expected calibration error (ECE) per model.
2. Explanations on churn (75/25 split, seed 0) of the deep MLP (integrated gradients) and gradient
   boosting (Kernel SHAP): the five most important columns by permutation importance on the held-out
   rows, the largest completeness gap of 100 rows, and seconds per explained row.
3. A synthetic table whose label depends on x1 and x3 only: where both models rank those two.

    OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_explain.py [--only calibration|explain|synthetic]
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
from deepmine.data.split import stratified_split
from deepmine.datasets import load
from deepmine.evaluation.tasks import get_task
from deepmine.explain import explain, permutation_importance

DATASETS = {"churn": "churn", "breast_cancer": "diagnosis"}


def calibration() -> None:
    frames = []
    for name, target in DATASETS.items():
        for calibrate in (False, True):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                board = compare("classification", f"dataset:{name}", target=target, random_state=0,
                                calibrate=calibrate)
            frames.append(board.frame[["model", "kind", "accuracy", "ece", "fit_s"]].assign(
                dataset=name, calibrated=calibrate))
            print(f"{name}, calibrate={calibrate}: done", flush=True)
    table = pd.concat(frames)
    wide = table.pivot_table(index=["dataset", "model", "kind"], columns="calibrated",
                             values=["accuracy", "ece"]).reset_index()
    wide.columns = ["dataset", "model", "kind", "accuracy", "accuracy calibrated", "ece", "ece calibrated"]
    print("\ncalibration: accuracy and ECE (15 bins) on the held-out 25 %, plain and calibrated")
    print(wide.sort_values(["dataset", "ece"]).to_markdown(index=False, floatfmt=".3f"))


def _churn_models():
    frame = load("churn").frame
    train, test = stratified_split(frame["churn"].astype(str), 0.25, 0)
    X, y = frame.drop(columns=["churn"]), frame["churn"]
    task = get_task("classification")
    models = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ("deep_mlp", "hist_gradient_boosting"):
            models[name] = task.candidates[name].factory(0).fit(X.iloc[train], y.iloc[train])
    return models, X.iloc[train].reset_index(drop=True), X.iloc[test].reset_index(drop=True), \
        y.iloc[test].reset_index(drop=True)


def explanations() -> None:
    models, X_train, X_test, y_test = _churn_models()
    rows = []
    for name, model in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ranked = permutation_importance(model, X_test, y_test, n_repeats=5, random_state=0)
            start = time.perf_counter()
            attribution = explain(model, X_test.head(100), background=X_train)
            seconds = (time.perf_counter() - start) / 100
        top = ", ".join(f"{f} ({v:.3f})" for f, v in zip(ranked.feature[:5], ranked.importance[:5]))
        rows.append({"model": name, "method": attribution.method, "accuracy": ranked.baseline_score.iloc[0],
                     "top 5 by permutation importance (accuracy drop)": top,
                     "max completeness gap": float(attribution.completeness_gap().max()),
                     "s per explained row": seconds})
        print(f"{name}: top by mean |contribution|: {', '.join(attribution.importance().feature[:5])}", flush=True)
    print("\nchurn: what drives the two models, and how exact and fast their explanations are")
    print(pd.DataFrame(rows).to_markdown(index=False, floatfmt=".4f"))


def synthetic() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(3000, 8)), columns=[f"x{i}" for i in range(8)])
    X["colour"] = rng.choice(["red", "green", "blue"], size=len(X))
    y = pd.Series(np.where(X["x1"] + 2 * X["x3"] > 0, "yes", "no"))
    task = get_task("classification")
    rows = []
    for name in ("deep_mlp", "hist_gradient_boosting"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = task.candidates[name].factory(0).fit(X.iloc[:2000], y.iloc[:2000])
            ranked = permutation_importance(model, X.iloc[2000:], y.iloc[2000:], random_state=0)
            contributions = explain(model, X.iloc[2000:2050], background=X.iloc[:2000]).importance()
        rows.append({"model": name, "permutation top 3": ", ".join(ranked.feature[:3]),
                     "mean |contribution| top 3": ", ".join(contributions.feature[:3])})
    print("\nsynthetic: the label depends on x1 and x3 only")
    print(pd.DataFrame(rows).to_markdown(index=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("calibration", "explain", "synthetic"))
    args = parser.parse_args()
    print(f"deepmine {deepmine.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    for name, fn in (("synthetic", synthetic), ("explain", explanations), ("calibration", calibration)):
        if args.only in (None, name):
            fn()


if __name__ == "__main__":
    main()
