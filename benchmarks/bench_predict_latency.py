"""Single-row prediction latency, as a web service sees it: 1,000 sequential requests of one row each.

Contenders, each loaded from disk the way a service would load them:

* ``deepmine DeepClassifier``: a saved DeepClassifier (``deepmine.persist.load``), ``predict_proba`` on a
  one-row DataFrame (preprocessing included);
* ``deepmine predict_proba_one (dict)`` and ``(numpy row)``: the same model's one-record path
  (``predict_proba_one``) on the row as a dict of column -> value (a JSON request's body) and, for an
  all-numeric table, as a 1-D numpy array;
* ``skops hist_gradient_boosting``: the classification task's hist_gradient_boosting pipeline, saved with
  skops by the same ``save_model``, ``predict_proba`` on the same one-row DataFrame;
* ``plain torch module``: the DeepClassifier's network called directly on the row already preprocessed
  (a float tensor), under ``torch.inference_mode`` with a softmax: the floor for any wrapper.

The contenders alternate request by request (the order rotates), so drift in the machine's speed hits all
alike. Reported: median and 99th percentile latency in milliseconds, and batch throughput (rows per second
for 10,000 rows in one call, best of 3). ``--profile`` adds a cProfile of deepmine's single-row predict.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/bench_predict_latency.py [--dataset churn] [--profile]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

from deepmine.datasets import load as load_dataset  # noqa: E402
from deepmine.evaluation.tasks import get_task  # noqa: E402
from deepmine.persist import load, save_model  # noqa: E402
from deepmine.tabular import DeepClassifier  # noqa: E402

REQUESTS, WARMUP, BATCH_ROWS = 1000, 50, 10_000


def build(dataset: str, folder: Path):
    ds = load_dataset(dataset)
    X, y = ds.frame.drop(columns=[ds.target]), ds.frame[ds.target]
    deep = DeepClassifier(max_epochs=10, random_state=0).fit(X, y)
    save_model(deep, folder / "deep")
    hgb = get_task("classification").candidates["hist_gradient_boosting"].factory(0).fit(X, y)
    save_model(hgb, folder / "hgb")
    return X, load(folder / "deep"), load(folder / "hgb")


def contenders(X: pd.DataFrame, deep, hgb):
    """name -> (one-request function of a row number, batch function of a DataFrame)."""
    rows = [X.iloc[[i % len(X)]] for i in range(REQUESTS + WARMUP)]  # one-row DataFrames, as a service makes
    module = deep.module_.eval()
    prepared = torch.as_tensor(deep.preprocessor_.transform(X))
    prepared_rows = [prepared[i % len(X)][None, :] for i in range(REQUESTS + WARMUP)]

    def torch_call(x):
        with torch.inference_mode():
            return torch.softmax(module(x), dim=1)

    records = [{c: (None if pd.isna(v) else v) for c, v in row.iloc[0].items()} for row in rows]
    funcs = {
        "deepmine DeepClassifier": (lambda i: deep.predict_proba(rows[i]), deep.predict_proba, None),
        "deepmine predict_proba_one (dict)": (lambda i: deep.predict_proba_one(records[i]), deep.predict_proba, None),
        "skops hist_gradient_boosting": (lambda i: hgb.predict_proba(rows[i]), hgb.predict_proba, None),
        "plain torch module": (lambda i: torch_call(prepared_rows[i]), torch_call, prepared),
    }
    if all(pd.api.types.is_numeric_dtype(d) for d in X.dtypes):
        arrays = [row.to_numpy(dtype=np.float64)[0] for row in rows]
        funcs["deepmine predict_proba_one (numpy row)"] = (lambda i: deep.predict_proba_one(arrays[i]),
                                                           deep.predict_proba, None)
    return funcs


def latencies(funcs) -> dict[str, np.ndarray]:
    names = list(funcs)
    for name in names:  # warm-up: first calls pay for lazy imports, allocations, thread pools
        for i in range(WARMUP):
            funcs[name][0](REQUESTS + i)
    times = {name: np.empty(REQUESTS) for name in names}
    for i in range(REQUESTS):
        order = names[i % len(names):] + names[:i % len(names)]
        for name in order:
            start = time.perf_counter()
            funcs[name][0](i)
            times[name][i] = time.perf_counter() - start
    return times


def throughput(X: pd.DataFrame, funcs) -> dict[str, float]:
    big = X.iloc[np.arange(BATCH_ROWS) % len(X)].reset_index(drop=True)
    result = {}
    for name, (_, batch, prepared) in funcs.items():
        data = big if prepared is None else prepared[torch.as_tensor(np.arange(BATCH_ROWS) % len(X))]
        best = min(_timed(batch, data) for _ in range(3))
        result[name] = BATCH_ROWS / best
    return result


def _timed(fn, data) -> float:
    start = time.perf_counter()
    fn(data)
    return time.perf_counter() - start


def profile(deep, X: pd.DataFrame, calls: int = 300) -> str:
    rows = [X.iloc[[i % len(X)]] for i in range(calls)]
    prof = cProfile.Profile()
    prof.enable()
    for row in rows:
        deep.predict_proba(row)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(25)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="churn", help="A bundled classification dataset (default churn).")
    parser.add_argument("--profile", action="store_true", help="Also print a cProfile of deepmine's predict.")
    args = parser.parse_args()
    warnings.simplefilter("ignore", UserWarning)
    with tempfile.TemporaryDirectory() as tmp:
        X, deep, hgb = build(args.dataset, Path(tmp))
    funcs = contenders(X, deep, hgb)
    times = latencies(funcs)
    rates = throughput(X, funcs)
    torch_median = float(np.median(times["plain torch module"]))
    print(f"\n{args.dataset}: {len(X)} rows x {X.shape[1]} columns; {REQUESTS} sequential one-row requests each "
          f"(alternating), torch threads {torch.get_num_threads()}, OMP_WAIT_POLICY="
          f"{os.environ.get('OMP_WAIT_POLICY')}\n")
    print("| contender | median (ms) | p99 (ms) | x plain torch (median) | rows/s, 10,000 rows in one call |")
    print("|---|---:|---:|---:|---:|")
    for name, t in times.items():
        median, p99 = np.median(t) * 1e3, np.percentile(t, 99) * 1e3
        print(f"| {name} | {median:.3f} | {p99:.3f} | {np.median(t) / torch_median:.1f} | {rates[name]:,.0f} |")
    if args.profile:
        print("\ncProfile of 300 single-row DeepClassifier.predict_proba calls (cumulative):\n")
        print(profile(deep, X))


if __name__ == "__main__":
    main()
