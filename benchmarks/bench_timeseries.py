"""Every series classifier on three UCR/UEA sets, every forecaster on airline and co2.

1. ``compare("series_classification", "dataset:NAME", ...)`` on the official train/test split of
   GunPoint, ItalyPowerDemand and BasicMotions (multivariate): test accuracy and fit seconds of
   the deep classifiers (FCN, ResNet, InceptionTime, CNN-RNN, LSTM) beside 1-NN (Euclidean, DTW),
   MiniRocket and a summary-feature forest, set beside the published accuracies of the UCR
   archive's reference runs (Ismail Fawaz et al. 2019, 2020; Dempster et al. 2020).
2. ``compare("forecasting", "dataset:NAME", ...)``: a rolling-origin backtest (3 origins) of the
   neural forecasters beside naive, seasonal naive, ETS and ARIMA: MASE, sMAPE, RMSE and the
   coverage of the 90 % prediction interval. Airline: horizon 12 months; co2: 52 weeks.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/bench_timeseries.py [--only classify|forecast] [--series airline]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import torch

import deepmine
from deepmine import compare

# Published test accuracies on the official splits: InceptionTime, ResNet, FCN, ROCKET (Ismail Fawaz et al.
# 2019, 2020; Dempster et al. 2020) and the UCR archive's own 1-NN Euclidean and 1-NN-DTW. The archive's
# DTW uses the full window; deepmine's knn_dtw defaults to a 10 % window (the archive's learned-window
# DTW: GunPoint 0.913, ItalyPowerDemand 0.955).
PUBLISHED = {
    "gunpoint": {"inception_time": 1.000, "resnet": 0.991, "fcn": 1.000, "minirocket": 1.000, "knn_dtw": 0.907,
                 "knn_euclidean": 0.913},
    "italy_power_demand": {"inception_time": 0.965, "resnet": 0.962, "fcn": 0.963, "minirocket": 0.970,
                           "knn_dtw": 0.950, "knn_euclidean": 0.955},
}
SERIES = {"gunpoint": {}, "italy_power_demand": {}, "basic_motions": {}}
FORECASTS = {"airline": dict(target="passengers", time_column="month", horizon=12),
             "co2": dict(target="co2", time_column="week", horizon=52)}


def _run(task: str, data: str, **kwargs):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        board = compare(task, data, random_state=0, progress=lambda msg: print(f"  {msg}", flush=True), **kwargs)
    return board, time.perf_counter() - start


def classify() -> None:
    for name in SERIES:
        board, seconds = _run("series_classification", f"dataset:{name}", target="label", id_column="case",
                              time_column="t", split_column="split")
        frame = board.frame[["model", "kind", "accuracy", "balanced_accuracy", "fit_s", "predict_s"]].copy()
        frame["published"] = frame.model.map(PUBLISHED.get(name, {}))
        info = board.info
        print(f"\n{name}: {info['train_series']} train / {info['test_series']} test series, {info['channels']} "
              f"channel(s), length {info['train_length'][1]}; {seconds:.0f} s in all")
        print(frame.to_markdown(index=False, floatfmt=".3f"))
        print(board.verdict(), flush=True)


def forecast(names=None, models="all") -> None:
    # every forecaster, the opt-in seq2seq included (models="all")
    for name, kwargs in FORECASTS.items():
        if names and name not in names:
            continue
        board, seconds = _run("forecasting", f"dataset:{name}", models=models, **kwargs)
        info = board.info
        print(f"\n{name}: {info['rows']} steps, horizon {info['horizon']}, season {info['season']}, "
              f"{info['n_origins']} rolling origins; {seconds:.0f} s in all")
        print(board.frame.to_markdown(index=False, floatfmt=".3f"))
        print(board.verdict(), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["classify", "forecast"])
    parser.add_argument("--series", default=None, help=f"comma-separated forecast series (default: "
                        f"{', '.join(FORECASTS)})")
    parser.add_argument("--models", default="all", help="the forecasters to backtest (default: all of them)")
    args = parser.parse_args()
    print(f"deepmine {deepmine.__version__}, torch {torch.__version__}, python {platform.python_version()}, "
          f"{torch.get_num_threads()} torch threads, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}")
    if args.only in (None, "classify"):
        classify()
    if args.only in (None, "forecast"):
        forecast(args.series.split(",") if args.series else None, args.models)


if __name__ == "__main__":
    main()
