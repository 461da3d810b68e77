"""deepmine under a wall-clock budget beside AutoGluon 1.6, on the same split of every bundled table.

AutoGluon needs pandas < 2.4 and pyarrow < 25, older than deepmine's pins, so the benchmark runs in two
environments and meets in files:

1. ``.venv/bin/python benchmarks/bench_autogluon.py deepmine`` splits every bundled table with deepmine's own
   split (seed 0, 25 % held out, stratified for classification), writes each part to
   ``benchmarks/results/autogluon/<table>-{train,test}.parquet``, and runs ``compare(..., budget="<limit>s")``
   on the same split (the default models, tuned and ensembled within the limit);
2. ``.bench-autogluon-venv/bin/python benchmarks/bench_autogluon.py autogluon`` fits
   ``TabularPredictor(...).fit(train, time_limit=<limit>, presets=...)`` for ``medium_quality`` and
   ``best_quality`` on those files and scores the test part.

Both write ``benchmarks/results/autogluon.json`` (a section each); ``benchmarks/study.py`` reports the table:
ROC-AUC (binary), one-vs-rest ROC-AUC (multi-class) or R², and the seconds each took. deepmine's best row is
its best model or ensemble by that score; its best deep row a network or the deep-only ensemble.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
FILE = "autogluon.json"
TABLES = {  # the bundled tables: name -> (task, target)
    "breast_cancer": ("classification", "diagnosis"), "iris": ("classification", "species"),
    "wine": ("classification", "cultivar"), "default": ("classification", "default"),
    "churn": ("classification", "churn"), "penguins": ("classification", "species"),
    "diabetes": ("regression", "progression"), "diamonds": ("regression", "price"),
}
LIMIT_S = 60  # the published table's; AutoGluon's own examples use 60 s to 1 h
PRESETS = ("medium_quality", "best_quality")


def _save(section: str, payload: dict, results: Path) -> None:
    """Write one side's results; tables run before at the same limit and not rerun now are kept (``--only``
    reruns some tables of a side without losing the others)."""
    path = results / FILE
    saved = json.loads(path.read_text()) if path.exists() else {}
    before = saved.get(section) or {}
    if before.get("limit_s") == payload["limit_s"]:
        payload = {**payload, "tables": {**before.get("tables", {}), **payload["tables"]}}
    saved[section] = payload
    results.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(saved, indent=1, default=str))
    tmp.replace(path)


def _score_name(task: str) -> str:
    return "r2" if task == "regression" else "roc_auc"


def run_deepmine(tables: list[str], limit: int, results: Path) -> None:
    import numpy as np

    from deepmine.data.split import random_split, stratified_split
    from deepmine.datasets import load
    from deepmine.evaluation import compare

    folder = results / "autogluon"
    folder.mkdir(parents=True, exist_ok=True)
    rows = {}
    for name in tables:
        task, target = TABLES[name]
        frame = load(name).frame.dropna(subset=[target]).reset_index(drop=True)
        if task == "classification":
            train, test = stratified_split(frame[target].astype(str), 0.25, 0)
        else:
            train, test = random_split(len(frame), 0.25, 0)
        train_df, test_df = frame.iloc[np.sort(train)], frame.iloc[np.sort(test)]
        train_df.to_parquet(folder / f"{name}-train.parquet", index=False)
        test_df.to_parquet(folder / f"{name}-test.parquet", index=False)
        # the same split for compare: the file says which rows are which
        both = frame.assign(_split=np.where(np.isin(np.arange(len(frame)), test), "test", "train"))
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            board = compare(task, both, target=target, split_column="_split", budget=f"{limit}s", random_state=0)
        seconds = time.perf_counter() - start
        metric = _score_name(task)
        table = board.frame.dropna(subset=[metric])
        best = table.sort_values(metric, ascending=False).iloc[0]
        deep = table[table["kind"] == "deep"].sort_values(metric, ascending=False).iloc[0]
        rows[name] = {"task": task, "metric": metric, "train_rows": len(train_df), "test_rows": len(test_df),
                      "seconds": seconds, "best": {"model": best["model"], "score": float(best[metric])},
                      "best_deep": {"model": deep["model"], "score": float(deep[metric])},
                      "leaderboard": json.loads(board.frame.to_json(orient="records"))}
        print(f"deepmine {name}: best {best['model']} {metric}={best[metric]:.4f}, deep {deep['model']} "
              f"{deep[metric]:.4f}, {seconds:.0f}s", file=sys.stderr, flush=True)
        _save("deepmine", {"limit_s": limit, "tables": rows}, results)


def run_autogluon(tables: list[str], limit: int, results: Path) -> None:
    import pandas as pd
    from autogluon.tabular import TabularPredictor
    from sklearn.metrics import r2_score, roc_auc_score

    folder = results / "autogluon"
    rows = {}
    for name in tables:
        task, target = TABLES[name]
        train = pd.read_parquet(folder / f"{name}-train.parquet")
        test = pd.read_parquet(folder / f"{name}-test.parquet")
        n_classes = train[target].nunique()
        metric = _score_name(task)
        ag_metric = "r2" if task == "regression" else ("roc_auc" if n_classes == 2 else "roc_auc_ovo_macro")
        rows[name] = {}
        for preset in PRESETS:
            start = time.perf_counter()
            predictor = TabularPredictor(label=target, eval_metric=ag_metric, verbosity=0,
                                         path=str(folder / f"ag-{name}-{preset}")).fit(
                train, time_limit=limit, presets=preset)
            seconds = time.perf_counter() - start
            if task == "regression":
                score = r2_score(test[target], predictor.predict(test))
            else:
                proba = predictor.predict_proba(test)
                if n_classes == 2:
                    score = roc_auc_score(test[target] == proba.columns[1], proba.iloc[:, 1])
                else:
                    score = roc_auc_score(test[target], proba.to_numpy(), multi_class="ovr",
                                          labels=list(proba.columns))
            board = predictor.leaderboard(silent=True)
            rows[name][preset] = {"metric": metric, "score": float(score), "seconds": seconds,
                                  "best_model": str(board.iloc[0]["model"]), "models": int(len(board))}
            print(f"autogluon {name} {preset}: {metric}={score:.4f}, {seconds:.0f}s", file=sys.stderr, flush=True)
            _save("autogluon", {"limit_s": limit, "tables": rows}, results)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("side", choices=("deepmine", "autogluon"))
    parser.add_argument("--only", default=None, help="comma-separated tables (default: all bundled tables)")
    parser.add_argument("--limit", type=int, default=LIMIT_S, help="seconds each side may take per table")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    tables = [t for t in TABLES if not args.only or t in args.only.split(",")]
    (run_deepmine if args.side == "deepmine" else run_autogluon)(tables, args.limit, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
