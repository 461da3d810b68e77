"""Speed of deepmine's DeepClassifier against a plain hand-written PyTorch loop on the same network.

What it measures, in one process, on the CPU (or whatever device deepmine picks):

- training throughput, rows*epochs/second: a plain loop (randperm shuffle, batches of 512, Adam
  lr=1e-3, 3 epochs) against the whole ``DeepClassifier.fit`` call, which also pays for deepmine's
  input checks and its preprocessing (median imputation and standardisation); how long
  ``TabularPreprocessor.fit`` and ``.transform`` take on the same data is reported separately;
- prediction throughput, rows/second: ``module.eval()`` + ``torch.inference_mode()`` forward in
  batches of 8192 (plus the sigmoid) against ``clf.predict_proba(X)`` on the numpy array;
- single-row latency: ``clf.predict(X[i:i+1])`` called 1000 times on a numpy row, and on a one-row
  DataFrame with a model fitted on a DataFrame of the same columns (on 5,000 rows for one epoch:
  latency does not depend on training), against a plain forward of the module on one row; median
  and 99th percentile in milliseconds.

Both contenders train exactly the same network: 50 -> 256 -> ReLU -> 256 -> ReLU -> 1 logit with
BCE-with-logits (deepmine's head for two classes), no dropout, no normalisation, seeded alike.
The contenders alternate (plain, deepmine, plain, deepmine, ...) for ``--repeats`` rounds and the
table quotes the median of the rounds. The script reports PASS/FAIL against the targets (deepmine
at least 0.9x the plain loop for training and for prediction) but never fails on timings.
Other work on the same cores swings every number by tens of percent: run it on an idle machine,
check the load averages it prints, and read the per-round lines before quoting a ratio.

Run it with ``make bench`` or::

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/bench_trainer.py [--rows N] [--repeats R] [--threads T]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time

import numpy as np
import pandas as pd
import torch
from torch import nn

import deepmine
from deepmine.data.preprocess import TabularPreprocessor, as_frame
from deepmine.tabular import DeepClassifier

N_FEATURES = 50
HIDDEN = (256, 256)
BATCH_SIZE = 512
EPOCHS = 3
LR = 1e-3
PREDICT_BATCH = 8192
LATENCY_CALLS = 1000
TARGET_RATIO = 0.9
SEED = 0


# ---------------------------------------------------------------------- data and contenders
def make_data(rows: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Standard-normal float32 features and a binary target from a fixed linear + nonlinear rule."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, N_FEATURES), dtype=np.float32)
    w = rng.standard_normal(N_FEATURES) / np.sqrt(N_FEATURES)
    score = X @ w + np.sin(2.0 * X[:, 0] * X[:, 1]) + 0.5 * (X[:, 2] ** 2 - 1.0) - 0.3 * np.abs(X[:, 3])
    score += 0.25 * rng.standard_normal(rows)
    y = (score > np.median(score)).astype(np.int64)
    return X, y


def make_classifier(**overrides) -> DeepClassifier:
    params = dict(hidden=HIDDEN, dropout=0.0, batch_size=BATCH_SIZE, max_epochs=EPOCHS, early_stopping=None,
                  lr_schedule="constant", optimizer="adam", lr=LR, weight_decay=0.0, random_state=SEED, verbose=0)
    params.update(overrides)
    return DeepClassifier(**params)


def plain_module() -> nn.Module:
    """The same layers, in the same order, as deepmine's TabularNet for 50 numeric inputs and 1 logit."""
    layers: list[nn.Module] = []
    width = N_FEATURES
    for h in HIDDEN:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


def plain_fit(X: np.ndarray, y: np.ndarray) -> nn.Module:
    """The hand-written loop: shuffle, mini-batches, zero_grad, forward, loss, backward, step."""
    torch.manual_seed(SEED)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.float32))
    module = plain_module()
    opt = torch.optim.Adam(module.parameters(), lr=LR)
    loss_fn = nn.BCEWithLogitsLoss()
    module.train()
    n = len(Xt)
    for _ in range(EPOCHS):
        perm = torch.randperm(n)
        for s in range(0, n, BATCH_SIZE):
            idx = perm[s: s + BATCH_SIZE]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(module(Xt[idx]).reshape(-1), yt[idx])
            loss.backward()
            opt.step()
    module.eval()
    return module


def plain_predict_proba(module: nn.Module, X: np.ndarray) -> np.ndarray:
    module.eval()
    with torch.inference_mode():
        Xt = torch.from_numpy(X)
        out = torch.cat([module(Xt[s: s + PREDICT_BATCH]) for s in range(0, len(Xt), PREDICT_BATCH)])
        return torch.sigmoid(out.reshape(-1)).numpy()


# ---------------------------------------------------------------------- timing helpers
def timed(fn, *args):
    gc.collect()
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def median(values) -> float:
    return float(statistics.median(values))


def percentile_ms(seconds: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(seconds) * 1e3, q))


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # not on every platform
        return "n/a"


def verdict(ratio: float) -> str:
    return "PASS" if ratio >= TARGET_RATIO else "FAIL"


# ---------------------------------------------------------------------- the benchmark
def run(rows: int, repeats: int) -> None:
    X, y = make_data(rows)
    print(f"data: {rows:,} rows x {N_FEATURES} float32 features, binary target "
          f"(positive share {y.mean():.3f}); {EPOCHS} epochs, batch {BATCH_SIZE}, Adam lr={LR:g}")
    print("network: 50 -> 256 -> ReLU -> 256 -> ReLU -> 1 logit, BCE-with-logits, for both contenders "
          "(deepmine's head for 2 classes is one logit with BCE; the plain loop uses the same)")
    print()

    plain_train, deep_train, plain_pred, deep_pred, pre_fit, pre_transform = [], [], [], [], [], []
    for r in range(1, repeats + 1):
        module, t_plain = timed(plain_fit, X, y)
        clf, t_deep = timed(make_classifier().fit, X, y)
        p_plain, tp_plain = timed(plain_predict_proba, module, X)
        p_deep, tp_deep = timed(clf.predict_proba, X)
        frame = as_frame(X)
        pre, t_pre_fit = timed(TabularPreprocessor().fit, frame)
        _, t_pre_tr = timed(pre.transform, frame)
        plain_train.append(rows * EPOCHS / t_plain)
        deep_train.append(rows * EPOCHS / t_deep)
        plain_pred.append(rows / tp_plain)
        deep_pred.append(rows / tp_deep)
        pre_fit.append(t_pre_fit)
        pre_transform.append(t_pre_tr)
        acc_plain = float(((p_plain > 0.5) == y).mean())
        acc_deep = float(((p_deep[:, 1] > 0.5) == y).mean())
        print(f"round {r}: train plain {t_plain:6.2f}s  deepmine {t_deep:6.2f}s | "
              f"predict plain {tp_plain:6.3f}s  deepmine {tp_deep:6.3f}s | "
              f"preprocessor fit {t_pre_fit:5.3f}s transform {t_pre_tr:5.3f}s | "
              f"train accuracy plain {acc_plain:.3f} deepmine {acc_deep:.3f}")

    # single-row latency, the three callers interleaved call by call
    print()
    columns = [f"f{j}" for j in range(N_FEATURES)]
    n_df = min(rows, 5000)  # latency does not depend on how long the model trained
    clf_df = make_classifier(max_epochs=1).fit(pd.DataFrame(X[:n_df], columns=columns), y[:n_df])
    calls = min(LATENCY_CALLS, rows)
    row_frames = [pd.DataFrame(X[i: i + 1], columns=columns) for i in range(calls)]
    row_tensors = [torch.from_numpy(X[i: i + 1]) for i in range(calls)]
    lat_plain, lat_np, lat_df = [], [], []
    for i in range(min(20, calls)):  # warm-up
        clf.predict(X[i: i + 1])
        clf_df.predict(row_frames[i])
    gc.collect()
    for i in range(calls):
        t0 = time.perf_counter()
        with torch.inference_mode():
            module(row_tensors[i])
        t1 = time.perf_counter()
        clf.predict(X[i: i + 1])
        t2 = time.perf_counter()
        clf_df.predict(row_frames[i])
        t3 = time.perf_counter()
        lat_plain.append(t1 - t0)
        lat_np.append(t2 - t1)
        lat_df.append(t3 - t2)

    train_ratio = median(deep_train) / median(plain_train)
    pred_ratio = median(deep_pred) / median(plain_pred)
    m_plain, m_np, m_df = (percentile_ms(v, 50) for v in (lat_plain, lat_np, lat_df))
    p_plain, p_np, p_df = (percentile_ms(v, 99) for v in (lat_plain, lat_np, lat_df))

    print(f"medians over {repeats} rounds; ratio = deepmine / plain (throughput: higher is better for "
          f"deepmine; latency: how many times longer deepmine takes); latency over {calls} calls")
    print()
    print("| measure | plain PyTorch | deepmine | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| training, rows/s ({EPOCHS} epochs, whole `fit`) | {median(plain_train):,.0f} | "
          f"{median(deep_train):,.0f} | {train_ratio:.2f}x |")
    print(f"| prediction, rows/s (`predict_proba`) | {median(plain_pred):,.0f} | {median(deep_pred):,.0f} | "
          f"{pred_ratio:.2f}x |")
    print(f"| 1-row predict, numpy, median ms | {m_plain:.3f} | {m_np:.3f} | {m_np / m_plain:.1f}x |")
    print(f"| 1-row predict, numpy, p99 ms | {p_plain:.3f} | {p_np:.3f} | {p_np / p_plain:.1f}x |")
    print(f"| 1-row predict, DataFrame, median ms | {m_plain:.3f} | {m_df:.3f} | {m_df / m_plain:.1f}x |")
    print(f"| 1-row predict, DataFrame, p99 ms | {p_plain:.3f} | {p_df:.3f} | {p_df / p_plain:.1f}x |")
    print(f"| `TabularPreprocessor.fit`, s (inside `fit`) | - | {median(pre_fit):.3f} | - |")
    print(f"| `TabularPreprocessor.transform`, s (inside `fit` and `predict_proba`) | - | "
          f"{median(pre_transform):.3f} | - |")
    print()
    print(f"target: deepmine training >= {TARGET_RATIO}x plain: {train_ratio:.2f}x {verdict(train_ratio)}")
    print(f"target: deepmine prediction >= {TARGET_RATIO}x plain: {pred_ratio:.2f}x {verdict(pred_ratio)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000, help="synthetic rows (default 200,000)")
    parser.add_argument("--repeats", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's choice)")
    args = parser.parse_args()
    if args.rows < 2 or args.repeats < 1:
        parser.error("--rows must be at least 2 and --repeats at least 1")
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    print(f"deepmine {getattr(deepmine, '__version__', '?')}, torch {torch.__version__}, numpy {np.__version__}, "
          f"pandas {pd.__version__}")
    print(f"torch threads: {torch.get_num_threads()} ({'--threads' if args.threads else 'default'}), "
          f"CPU cores: {os.cpu_count()}, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '<unset>')}, "
          f"deepmine device: {make_classifier().fit(*make_data(64)).device_}")
    print(f"load average before: {_load()} (other processes on the cores make every number noisier)")
    run(args.rows, args.repeats)
    print(f"load average after: {_load()}")


if __name__ == "__main__":
    main()
