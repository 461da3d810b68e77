"""The budgeted study: each side at its defaults, tuned, and ensembled, under one trial budget, seed by seed.

For every entry and seed, two comparisons on the same split: every model at its defaults, then every model
tuned with ``budget`` trials (Optuna's seeded TPE on a fifth of the training rows; trial 0 is the default)
plus the three ensembles (all, deep only, traditional only; greedy selection on those validation rows).
``benchmarks/results/budget.json`` keeps every row; ``benchmarks/study.py`` turns it into the
"Tuned and ensembled" section of docs/BENCHMARKS.md:

- per kind, the best model's held-out score at its defaults, tuned, and the kind's ensemble;
- the paired verdict (t-test over the seeds, as the main study's) on the tuned and ensembled results;
- whether tuning moved the best deep model beyond noise, and on how many seeds the ensemble of all
  models scored at least its best member.

Run (part of ``make bench``)::

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/study_budget.py [--seeds 5] [--only churn]

The long entry (``churn_50``: 50 trials per model, the issue's bar; about 20 minutes a seed with two worker
processes) runs only when named, by ``make bench-long``, and keeps its results in ``budget_long.json``, which
``make bench`` leaves in place::

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/study_budget.py --only churn_50
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from study import RESULTS, _records, machine  # noqa: E402

BUDGET_FILE = "budget.json"
LONG_FILE = "budget_long.json"


@dataclass(frozen=True)
class BudgetEntry:
    name: str
    task: str
    dataset: str
    kwargs: dict
    models: str
    budget: int
    options: dict | None = None
    note: str = ""
    workers: int = 1  # tuning worker processes (more than one: parallel TPE, not identical run to run)
    long: bool = False  # run only when named; kept in LONG_FILE
    rows: int | None = None  # a sample of this many rows (seed 0) where the whole set is too slow
    seeds: int | None = None  # fewer seeds than the run's (the other tasks' entries: 3)


# Sized so that the section takes about 45 minutes on 2 cores: RealMLP's 10 trials on churn are most of it
# (about 30 s a trial on its 3,000 inner training rows).
ENTRIES = [
    BudgetEntry("churn", "classification", "dataset:churn", {"target": "churn"},
                "deep_mlp,logistic_neuron,realmlp,logistic_regression,hist_gradient_boosting,lightgbm", 10,
                note="the default set less the random forest; 10 trials per model (RealMLP's take ~30 s each)"),
    BudgetEntry("breast_cancer", "classification", "dataset:breast_cancer", {"target": "diagnosis"},
                "deep_mlp,logistic_neuron,realmlp,logistic_regression,hist_gradient_boosting,lightgbm,random_forest",
                20, note="569 rows: 20 trials per model"),
    # every other task that tunes, 5 trials per model and 3 seeds (about 45 minutes in all on 2 cores): whether
    # tuning and ensembling change the verdict there, not the last digit of each model's score
    BudgetEntry("diabetes", "regression", "dataset:diabetes", {"target": "progression"},
                "deep_mlp,linear_neuron,realmlp,ridge,hist_gradient_boosting,lightgbm", 5, seeds=3,
                note="442 rows; 5 trials per model"),
    BudgetEntry("shuttle", "anomaly", "dataset:shuttle", {"label": "anomaly"},
                "autoencoder,deep_svdd,isolation_forest,lof", 5, rows=4000, seeds=3,
                note="4,000 rows sampled (seed 0) of the main study's table; 5 trials per detector, scored by "
                     "ROC-AUC on labelled training rows"),
    BudgetEntry("airline", "forecasting", "dataset:airline",
                {"target": "passengers", "time_column": "month", "horizon": 12},
                "mlp,nbeats,seasonal_naive,ets,arima", 5, seeds=3,
                note="5 trials per forecaster on the 108 months before the backtest's 36; the neural forecasters "
                     "vary only by their seed, so the seeds are the spread"),
    BudgetEntry("movies", "recommendation", "dataset:movielens",
                {"user": "userId", "item": "movieId", "target": "rating", "time_column": "timestamp"},
                "matrix_factorization,neumf,bias_baseline,item_knn,popularity", 5, seeds=3,
                note="5 trials per recommender, by RMSE on a fifth of the training ratings; the ensembles average "
                     "predicted ratings"),
    BudgetEntry("power_demand", "series_classification", "dataset:italy_power_demand",
                {"target": "label", "id_column": "case", "time_column": "t", "split_column": "split"},
                "fcn,resnet,knn_euclidean,knn_dtw,minirocket", 5, seeds=3,
                note="UCR's official split; 5 trials per model (CNN-RNN left out for time)"),
    BudgetEntry("les_miserables", "link_prediction", "dataset:les_miserables", {},
                "node2vec_cosine,deepwalk_cosine,adamic_adar,jaccard,common_neighbours", 5, seeds=3,
                note="5 trials per embedding (walks, dimensions, window); no ensembles for link scores"),
    BudgetEntry("churn_50", "classification", "dataset:churn", {"target": "churn"},
                "deep_mlp,logistic_neuron,realmlp,logistic_regression,hist_gradient_boosting,lightgbm", 50,
                workers=2, long=True,
                note="the churn entry with 50 trials per model, in two tuning worker processes sharing one journal "
                     "file (parallel TPE: the trials are seeded but their order, and so the result, may differ "
                     "from run to run)"),
]


def run(entry: BudgetEntry, seeds: list[int], save=None) -> dict:
    """Every seed of ``entry``; ``save(result so far)`` after each seed, so that a long run stopped part-way
    keeps the seeds it finished."""
    from deepmine.evaluation import compare

    records, started, tuned_values = [], time.perf_counter(), {}
    data = entry.dataset
    if entry.rows is not None:
        from deepmine.datasets import load

        frame = load(entry.dataset.split(":", 1)[1]).frame
        data = frame.sample(min(entry.rows, len(frame)), random_state=0).reset_index(drop=True)
    for seed in seeds:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            default = compare(entry.task, data, models=entry.models, options=entry.options,
                              random_state=seed, **entry.kwargs)
            tuned = compare(entry.task, data, models=entry.models, options=entry.options,
                            random_state=seed, budget=entry.budget, workers=entry.workers, **entry.kwargs)
        for rec in _records(default, seed):
            records.append({**rec, "stage": "default"})
        for rec in _records(tuned, seed):
            records.append({**rec, "stage": "ensemble" if rec["model"].startswith("ensemble_") else "tuned"})
        summary = tuned.to_dict()
        tuned_values[str(seed)] = {"tuned": tuned.info.get("tuned"), "ensembles": tuned.info.get("ensembles"),
                                   "paired": summary["paired"], "ensemble_gain": summary["ensemble_gain"]}
        print(f"  {entry.name} seed {seed}: {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
        result = {"name": entry.name, "task": entry.task, "dataset": entry.dataset, "models": entry.models,
                  "budget": entry.budget, "workers": entry.workers, "rows": entry.rows,
                  "seeds": seeds[:len(tuned_values)],
                  "primary": default.primary, "note": entry.note, "records": records, "per_seed": tuned_values,
                  "wall_s": time.perf_counter() - started, "machine": machine()}
        if save is not None:
            save(result)
    return result


def _write(path: Path, saved: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(saved, indent=1, default=str))
    tmp.replace(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--only", default=None, help="comma-separated entries (default: all)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--budget", type=int, default=None, help="trials per model instead of each entry's (a smoke run)")
    args = parser.parse_args(argv)
    named = args.only.split(",") if args.only else None
    unknown = [n for n in named or [] if n not in {e.name for e in ENTRIES}]
    if unknown:
        parser.error(f"unknown entries {unknown}; choose from {', '.join(e.name for e in ENTRIES)}")
    chosen = [e for e in ENTRIES if (e.name in named if named else not e.long)]
    failed: list[str] = []
    for entry in chosen:
        path = args.results / (LONG_FILE if entry.long else BUDGET_FILE)
        saved = json.loads(path.read_text()) if path.exists() else {"entries": {}}
        if args.budget is not None:
            entry = replace(entry, budget=args.budget)
        print(f"budget study: {entry.name} ({entry.budget} trials per model, {args.seeds} seeds)", file=sys.stderr)

        def save(result, entry=entry, path=path, saved=saved):
            saved["entries"][entry.name] = result
            _write(path, saved)

        try:
            run(entry, list(range(min(args.seeds, entry.seeds or args.seeds))), save)
        except Exception as exc:  # noqa: BLE001 - one entry's failure is reported; the others still run
            failed.append(entry.name)
            print(f"  {entry.name} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
    if failed:
        print(f"failed entries: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
