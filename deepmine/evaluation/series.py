"""Time-series classification: the user's data turned into cases and labels, split (the official split when
there is one), and every classifier fitted on the training series and scored on the test series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from deepmine.data.read import read_table
from deepmine.errors import ColumnError, DataError, ParameterError, TargetError
from deepmine.evaluation.candidates import Candidate
from deepmine.evaluation.prepared import labels_1d, split_cases, take
from deepmine.evaluation.task import Prepared, Task


def _is_ts_file(data) -> bool:
    return isinstance(data, (str, Path)) and str(data).lower().endswith(".ts") and not str(data).startswith("dataset:")


def _check_column(frame: pd.DataFrame, column: str | None, role: str) -> None:
    if column is not None and column not in frame.columns:
        raise ColumnError(f"{role} column {column!r} is not in the data; the columns are: "
                          f"{', '.join(map(str, frame.columns))}")


def cases_and_labels(data, target: str | None, id_column: str | None = None, time_column: str | None = None,
                     split_column: str | None = None, table: str | None = None, query: str | None = None):
    """``(cases, labels, split)``: the series of ``data`` in a form :func:`~deepmine.timeseries.data.to_panel`
    reads, one label per case, and each case's "train"/"test" from ``split_column`` (or None).

    ``data`` is a pair ``(cases, labels)`` (an array of shape (cases, channels, length) or a list of
    arrays, and their labels), a UCR/UEA ``.ts`` file, a long table (``id_column`` given: one row per case and time
    step, the numeric columns other than the id, time, target and split being the channels) or a
    wide table (one row per case, its numeric columns the time steps).
    """
    from deepmine.timeseries.data import load_ts, series_list

    if isinstance(data, tuple) and len(data) == 2:  # (cases, labels) already in memory
        cases, labels = data
        return cases, pd.Series(np.asarray(labels), name="label"), None
    if _is_ts_file(data):
        cases, labels = load_ts(data)
        return cases, pd.Series(labels, name="label"), None
    frame = read_table(data, table=table, query=query)
    if target is None:
        raise TargetError("series classification needs the label column; pass target=COLUMN (--label)")
    for column, role in ((target, "label"), (id_column, "id"), (time_column, "time"), (split_column, "split")):
        _check_column(frame, column, role)
    split = None
    if id_column is None:  # wide: one row per case
        if time_column is not None:
            raise ParameterError("time_column orders the rows of a long table; pass id_column too, or leave "
                                 "time_column out for a wide table (one row per series)")
        labels = frame[target]
        values = frame.drop(columns=[c for c in (target, split_column) if c is not None])
        cases = series_list(values)
        if split_column is not None:
            split = frame[split_column]
    else:
        if time_column is not None:  # one order for the cases and their labels
            frame = frame.sort_values([id_column, time_column], kind="stable")
        per_case = frame.groupby(id_column, sort=False)
        varying = per_case[target].nunique(dropna=False)
        if (varying > 1).any():
            raise DataError(f"series {varying.index[varying > 1][0]!r} has more than one {target!r}; a label "
                            f"belongs to a whole series")
        labels = per_case[target].first()
        values = frame.drop(columns=[c for c in (target, split_column) if c is not None])
        cases = series_list(values, id_column=id_column, time_column=time_column)
        if split_column is not None:
            split = per_case[split_column].first()
    labels = pd.Series(labels).reset_index(drop=True)
    if labels.isna().any():
        raise TargetError(f"{int(labels.isna().sum())} series have no label; drop them or label them")
    return cases, labels, None if split is None else pd.Series(split).reset_index(drop=True)


class SeriesClassificationTask(Task):
    """The official split when there is one (``split_column``, or a separate ``test`` set), else a stratified
    random split of the cases; then every classifier on the same cases."""

    OPTIONS = {"target": None, "id_column": None, "time_column": None, "split_column": None, "test": None,
               "test_size": 0.25, "table": None, "query": None}

    def prepare(self, data, *, random_state: int, progress=None, options=None, target=None, id_column=None,
                time_column=None, split_column=None, test=None, test_size=0.25, table=None, query=None) -> Prepared:
        cases, labels, split = cases_and_labels(data, target, id_column, time_column, split_column, table, query)
        if test is not None:
            if split is not None:
                raise ParameterError("give either a split column or a separate test set, not both")
            test_cases, test_labels, _ = cases_and_labels(test, target, id_column, time_column, None)
            how = "given test set"
            X_train, y_train, X_test, y_test = cases, labels, test_cases, test_labels
        else:
            train, held, how = split_cases(labels, split, test_size, random_state)
            X_train, y_train = take(cases, train), labels.iloc[train].reset_index(drop=True)
            X_test, y_test = take(cases, held), labels.iloc[held].reset_index(drop=True)
        train_shape, test_shape = _series_shape(X_train), _series_shape(X_test)
        info = {"split": how, "target": target, "id_column": id_column, "time_column": time_column,
                "train_series": train_shape["series"], "test_series": test_shape["series"],
                "channels": train_shape["channels"],
                "train_length": (train_shape["min_length"], train_shape["max_length"]),
                "test_length": (test_shape["min_length"], test_shape["max_length"]),
                "classes": int(len(np.unique(np.asarray(y_train))))}
        return Prepared(X_train, X_test, labels_1d(y_train), pd.Series(labels_1d(y_test)), info, self.primary,
                        shown=X_test, size=len(y_train), unit="series")


def series_classification_candidates() -> list[Candidate]:
    """The deep and traditional series classifiers that the "series_classification" task compares, with the
    search spaces a budget tunes (see :mod:`deepmine.evaluation.tuning`)."""
    from deepmine.timeseries import baselines as B
    from deepmine.timeseries import classifiers as C

    # the networks: Adam's one-cycle peak rate around their default 3e-3, Adam's L2 weight decay (0 by default)
    train = {"lr": ("log", 5e-4, 2e-2), "weight_decay": ("choice", [0.0, 1e-5, 1e-4, 1e-3])}
    # the filters of each conv block: half, as published (the default) and double
    fcn = {**train, "filters": ("choice", [(64, 128, 64), (128, 256, 128), (256, 512, 256)])}
    resnet = {**train, "filters": ("choice", [(32, 64, 64), (64, 128, 128), (128, 256, 256)])}
    inception = {**train, "filters": ("log_int", 16, 64)}  # filters per branch, 32 in the paper
    cnn_rnn = {**train, "filters": ("choice", [(32, 64, 32), (64, 128, 64), (128, 256, 128)]),
               "hidden": ("log_int", 32, 128)}
    lstm = {**train, "hidden": ("log_int", 32, 128)}
    # the Sakoe-Chiba band as a share of the length (0 is Euclidean), 10% by default
    dtw = {"window": ("float", 0.0, 0.2)}
    # whether level and scale count: the forest's own parameters (bar n_estimators) are not exposed
    summary = {"normalize": ("choice", ["series", None])}
    return [
        Candidate("fcn", "deep", lambda s: C.FCNClassifier(random_state=s),
                  "fully convolutional network (Wang et al. 2017): conv blocks 128/256/128, global average pooling",
                  space=fcn),
        Candidate("resnet", "deep", lambda s: C.ResNetClassifier(random_state=s),
                  "ResNet (Wang et al. 2017): three residual blocks of 64/128/128 filters", space=resnet),
        Candidate("inception_time", "deep", lambda s: C.InceptionTimeClassifier(random_state=s),
                  "InceptionTime (Ismail Fawaz et al. 2020): six inception modules, residual every three",
                  space=inception),
        Candidate("cnn_rnn", "deep", lambda s: C.CNNRNNClassifier(random_state=s),
                  "conv path and bidirectional LSTM path in parallel, concatenated (after Yang & Jiang 2019)",
                  space=cnn_rnn),
        Candidate("lstm", "deep", lambda s: C.LSTMClassifier(random_state=s),
                  "bidirectional LSTM over time, max-pooled", space=lstm),
        Candidate("knn_euclidean", "traditional", lambda s: B.KNeighborsSeriesClassifier("euclidean"),
                  "1-nearest neighbour, Euclidean distance"),
        Candidate("knn_dtw", "traditional", lambda s: B.KNeighborsSeriesClassifier("dtw", window=0.1),
                  "1-nearest neighbour, DTW with a 10% Sakoe-Chiba window", space=dtw),
        # no space: RidgeClassifierCV already picks its alpha by leave-one-out cross-validation
        Candidate("minirocket", "traditional", lambda s: B.RocketClassifier("minirocket", random_state=s),
                  "MiniROCKET features (10,000 kernels) + ridge classifier (Dempster et al. 2021)"),
        Candidate("summary_forest", "traditional", lambda s: B.SummaryForestClassifier(random_state=s),
                  "random forest (200 trees) on per-channel summary statistics", space=summary),
    ]


def _series_shape(X) -> dict:
    from deepmine.timeseries.data import series_list

    cases = series_list(X)
    lengths = [c.shape[1] for c in cases]
    return {"series": len(cases), "channels": int(cases[0].shape[0]), "min_length": int(min(lengths)),
            "max_length": int(max(lengths))}


__all__ = ["SeriesClassificationTask", "cases_and_labels", "series_classification_candidates"]
