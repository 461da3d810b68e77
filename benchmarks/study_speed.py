"""The speed study: deepmine's trainer against a plain PyTorch loop, skorch and fastai, on one network.

Every contender trains exactly the network of ``benchmarks/bench_trainer.py`` (whose functions this
script imports): 50 -> 256 -> ReLU -> 256 -> ReLU -> 1 logit, BCE-with-logits, Adam lr=1e-3, batches of
512, 3 epochs, no dropout, no normalisation layers, on the same synthetic rows.

- plain PyTorch: ``bench_trainer.plain_fit`` / ``plain_predict_proba`` (batches of 8192 to predict);
- deepmine: ``DeepClassifier.fit`` / ``predict_proba`` (``bench_trainer.make_classifier``), which also
  pays for its input checks and its preprocessing (imputation, standardisation);
- skorch 1.4: ``NeuralNetBinaryClassifier`` (skorch's classifier for one logit with BCE-with-logits;
  its ``NeuralNetClassifier`` expects one output per class and would change the network), no internal
  validation split, shuffled batches of 512, batches of 8192 to predict;
- fastai 2.8: ``tabular_learner`` with ``layers=[256, 256]``, ``n_out=1``, no batch norm, no dropout
  (``tabular_config(use_bn=False, bn_final=False, bn_cont=False, ps=0, embed_p=0)``), BCE-with-logits,
  Adam (betas 0.9/0.999, eps 1e-8, no weight decay), ``learn.fit(3, lr=1e-3)``; its ``TabularPandas``
  with ``Normalize`` (fastai's standardisation) is counted in training, as deepmine's preprocessing
  is; ``get_preds`` on ``test_dl`` (batches of 8192) to predict; no validation set.

Measured: training throughput (rows*epochs/s, whole fit call), prediction throughput (rows/s),
latency of one row and of a batch of 1,000 rows (median and p99 ms), and the process's peak memory.
The contenders alternate within each round; the table quotes the median of ``--repeats`` rounds.
Targets (from issue 13): deepmine at least 2x skorch and fastai in training and at least 5x in
prediction. The script reports PASS/FAIL but never fails on timings.

skorch and fastai are NOT dependencies of deepmine: install them in their own environment
(``make bench-venv``: ``.bench-venv``, under constraints.txt so torch stays 2.13.0 CPU) and run::

    OMP_WAIT_POLICY=PASSIVE .bench-venv/bin/python benchmarks/study_speed.py [--rows N] [--repeats R]

A contender whose package is missing is reported as such and left out. The results go to
``benchmarks/results/speed.json`` (``--out``), which ``benchmarks/study.py`` puts into docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
import warnings
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_trainer as bt  # noqa: E402 - the plain loop, the data and deepmine's classifier, shared

import deepmine  # noqa: E402
from deepmine.data.memory import peak_memory_mb  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TRAIN_TARGET, PREDICT_TARGET = 2.0, 5.0
LATENCY_CALLS = 200
BATCH_ROWS = 1000
BATCH_CALLS = 20
COLUMNS = [f"f{j}" for j in range(bt.N_FEATURES)]


# ---------------------------------------------------------------------------------------------- contenders
class Plain:
    name = "plain PyTorch"

    def fit(self, X, y):
        self.module = bt.plain_fit(X, y)
        return self

    def predict_proba(self, X):
        return bt.plain_predict_proba(self.module, X)

    def predict_one(self, X):
        with torch.inference_mode():
            return torch.sigmoid(self.module(torch.from_numpy(X))).numpy()

    def n_params(self):
        return sum(p.numel() for p in self.module.parameters())


class Deepmine:
    name = "deepmine DeepClassifier"

    def fit(self, X, y):
        self.clf = bt.make_classifier().fit(X, y)
        return self

    def predict_proba(self, X):
        return self.clf.predict_proba(X)[:, 1]

    predict_one = predict_proba

    def n_params(self):
        return sum(p.numel() for p in self.clf.module_.parameters())


class Skorch:
    name = "skorch NeuralNetBinaryClassifier"

    def fit(self, X, y):
        from skorch import NeuralNetBinaryClassifier

        torch.manual_seed(bt.SEED)
        self.net = NeuralNetBinaryClassifier(
            bt.plain_module(), criterion=nn.BCEWithLogitsLoss, optimizer=torch.optim.Adam, lr=bt.LR,
            batch_size=bt.BATCH_SIZE, max_epochs=bt.EPOCHS, train_split=None, iterator_train__shuffle=True,
            iterator_valid__batch_size=bt.PREDICT_BATCH, verbose=0, device="cpu")
        self.net.fit(X, y.astype(np.float32))
        return self

    def predict_proba(self, X):
        return self.net.predict_proba(X)[:, 1]

    predict_one = predict_proba

    def n_params(self):
        return sum(p.numel() for p in self.net.module_.parameters())


class Fastai:
    name = "fastai tabular_learner"

    def fit(self, X, y):
        from fastai.optimizer import Adam
        from fastai.tabular.all import (BCEWithLogitsLossFlat, Normalize, RegressionBlock, TabularPandas,
                                        tabular_config, tabular_learner)

        torch.manual_seed(bt.SEED)
        df = pd.DataFrame(X, columns=COLUMNS)
        df["y"] = y.astype(np.float32)
        n = len(df)
        to = TabularPandas(df, procs=[Normalize], cont_names=COLUMNS, y_names="y", y_block=RegressionBlock(),
                           splits=(list(range(n)), []))
        dls = to.dataloaders(bs=bt.BATCH_SIZE, shuffle=True)
        config = tabular_config(ps=0, embed_p=0, use_bn=False, bn_final=False, bn_cont=False)
        self.learn = tabular_learner(dls, layers=list(bt.HIDDEN), n_out=1, config=config,
                                     loss_func=BCEWithLogitsLossFlat(),
                                     opt_func=partial(Adam, mom=0.9, sqr_mom=0.999, eps=1e-8), wd=0.0,
                                     metrics=[])
        with self.learn.no_bar(), self.learn.no_logging():
            self.learn.fit(bt.EPOCHS, lr=bt.LR, wd=0.0)
        return self

    def predict_proba(self, X):
        dl = self.learn.dls.test_dl(pd.DataFrame(X, columns=COLUMNS), bs=bt.PREDICT_BATCH)
        with self.learn.no_bar():
            preds, _ = self.learn.get_preds(dl=dl)  # the loss's activation (sigmoid) is applied
        return preds.numpy().reshape(-1)

    def predict_one(self, X):
        with self.learn.no_bar():  # fastai's own one-row API
            return self.learn.predict(pd.Series(X[0], index=COLUMNS))

    def n_params(self):
        return sum(p.numel() for p in self.learn.model.parameters())


def available() -> tuple[list, list[str]]:
    contenders, missing = [Plain(), Deepmine()], []
    for cls, module in ((Skorch, "skorch"), (Fastai, "fastai.tabular.all")):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                __import__(module)
            contenders.append(cls())
        except Exception as exc:  # noqa: BLE001 - missing, or broken beside this torch
            missing.append(f"{cls.name}: not measured ({type(exc).__name__}: {exc}); install it with "
                           f"`make bench-venv` and run this script with .bench-venv/bin/python")
    return contenders, missing


def _versions() -> dict:
    out = {"torch": torch.__version__, "deepmine": getattr(deepmine, "__version__", "?"), "numpy": np.__version__,
           "pandas": pd.__version__}
    for name in ("skorch", "fastai"):
        try:
            out[name] = __import__(name).__version__
        except Exception:  # noqa: BLE001
            out[name] = None
    return out


# ---------------------------------------------------------------------------------------------- the study
def run(rows: int, repeats: int) -> dict:
    X, y = bt.make_data(rows)
    contenders, notes = available()
    names = [c.name for c in contenders]
    train = {n: [] for n in names}
    pred = {n: [] for n in names}
    accuracy, params = {}, {}
    Xw, yw = bt.make_data(min(rows, 2048), seed=1)
    for c in contenders:  # warm-up: the first call of each library pays for its imports and torch's set-up
        c.fit(Xw, yw).predict_proba(Xw)
    for r in range(1, repeats + 1):
        line = []
        for c in contenders:  # alternate within the round
            _, t_fit = bt.timed(c.fit, X, y)
            p, t_pred = bt.timed(c.predict_proba, X)
            train[c.name].append(rows * bt.EPOCHS / t_fit)
            pred[c.name].append(rows / t_pred)
            accuracy[c.name] = float(((np.asarray(p) > 0.5) == y).mean())
            params[c.name] = c.n_params()
            line.append(f"{c.name}: fit {t_fit:.2f}s predict {t_pred:.3f}s")
        print(f"round {r}: " + " | ".join(line), flush=True)

    # latency: one row (LATENCY_CALLS calls) and a batch of BATCH_ROWS (BATCH_CALLS calls), interleaved
    calls = min(LATENCY_CALLS, rows)
    one = {n: [] for n in names}
    batch = {n: [] for n in names}
    for c in contenders:  # warm-up
        for i in range(5):
            c.predict_one(X[i: i + 1])
    gc.collect()
    for i in range(calls):
        for c in contenders:
            t0 = time.perf_counter()
            c.predict_one(X[i: i + 1])
            one[c.name].append(time.perf_counter() - t0)
    Xb = X[: min(BATCH_ROWS, rows)]
    for _ in range(BATCH_CALLS):
        for c in contenders:
            t0 = time.perf_counter()
            c.predict_proba(Xb)
            batch[c.name].append(time.perf_counter() - t0)

    med = {n: {"train_rows_s": bt.median(train[n]), "predict_rows_s": bt.median(pred[n]),
               "one_row_ms_median": bt.percentile_ms(one[n], 50), "one_row_ms_p99": bt.percentile_ms(one[n], 99),
               "batch_ms_median": bt.percentile_ms(batch[n], 50), "batch_ms_p99": bt.percentile_ms(batch[n], 99),
               "train_accuracy": accuracy[n], "parameters": params[n],
               "train_rounds": train[n], "predict_rounds": pred[n]} for n in names}
    plain = med[Plain.name]
    for n in names:
        med[n]["train_vs_plain"] = med[n]["train_rows_s"] / plain["train_rows_s"]
        med[n]["predict_vs_plain"] = med[n]["predict_rows_s"] / plain["predict_rows_s"]

    lines = ["| contender | training rows/s | x plain | prediction rows/s | x plain | 1 row, median ms | "
             "1 row, p99 ms | 1,000 rows, median ms | parameters | train accuracy |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n in names:
        m = med[n]
        lines.append(f"| {n} | {m['train_rows_s']:,.0f} | {m['train_vs_plain']:.2f}x | {m['predict_rows_s']:,.0f} | "
                     f"{m['predict_vs_plain']:.2f}x | {m['one_row_ms_median']:.3f} | {m['one_row_ms_p99']:.3f} | "
                     f"{m['batch_ms_median']:.2f} | {m['parameters']:,} | {m['train_accuracy']:.3f} |")
    dm = med[Deepmine.name]
    verdicts = []
    lines += ["", "| deepmine against | training speed ratio (target >= 2x) | prediction speed ratio (target >= 5x) |",
              "|---|---:|---:|"]
    for rival in (Skorch.name, Fastai.name):
        if rival not in med:
            lines.append(f"| {rival} | not measured | not measured |")
            continue
        tr = dm["train_rows_s"] / med[rival]["train_rows_s"]
        pr = dm["predict_rows_s"] / med[rival]["predict_rows_s"]
        ok_t, ok_p = ("PASS" if tr >= TRAIN_TARGET else "FAIL"), ("PASS" if pr >= PREDICT_TARGET else "FAIL")
        verdicts.append({"rival": rival, "train_ratio": tr, "predict_ratio": pr, "train": ok_t, "predict": ok_p})
        lines.append(f"| {rival} | {tr:.2f}x {ok_t} | {pr:.2f}x {ok_p} |")
    table = "\n".join(lines)
    notes = notes + [
        "ratios are throughputs (higher is better); 'x plain' = contender / plain PyTorch loop",
        f"the same network for all: {params[Plain.name]:,} parameters (a contender with another count is not the "
        f"same network); train accuracy only shows that each learned",
        "fastai's single-row latency is `learn.predict(row)`, its documented one-row API; the others call "
        "predict_proba on one row",
        "peak memory is that of the whole process, which holds every contender",
    ]
    return {"rows": rows, "repeats": repeats, "epochs": bt.EPOCHS, "batch_size": bt.BATCH_SIZE,
            "contenders": med, "deepmine_against": verdicts, "table_markdown": table, "notes": notes,
            "peak_rss_mb": peak_memory_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000, help="synthetic rows (default 200,000)")
    parser.add_argument("--repeats", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "speed.json")
    args = parser.parse_args()
    if args.rows < 10 or args.repeats < 1:
        parser.error("--rows must be at least 10 and --repeats at least 1")
    if args.threads:
        torch.set_num_threads(args.threads)
    versions = _versions()
    print(", ".join(f"{k} {v}" for k, v in versions.items()))
    print(f"torch threads {torch.get_num_threads()}, CPU cores {os.cpu_count()}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '<unset>')}, load average {bt._load()}")
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run(args.rows, args.repeats)
    result["wall_s"] = time.perf_counter() - start
    result["machine"] = {"cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(), **versions,
                         "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         "load_average_after": bt._load()}
    result["description"] = (f"{args.rows:,} synthetic rows x {bt.N_FEATURES} features, the network 50 -> 256 -> "
                             f"256 -> 1 logit for every contender, Adam lr={bt.LR:g}, batch {bt.BATCH_SIZE}, "
                             f"{bt.EPOCHS} epochs; whole fit and predict_proba calls; medians of {args.repeats} "
                             f"alternating rounds")
    print()
    print(result["table_markdown"])
    print()
    for note in result["notes"]:
        print(f"- {note}")
    print(f"peak memory {result['peak_rss_mb']:.0f} MB; {result['wall_s']:.0f}s; load average after {bt._load()}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
