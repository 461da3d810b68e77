"""compare for time series: turn the user's data into cases and labels (classification) or one
regular series (forecasting), then hand over to the task's own comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from deepmine.data.read import read_table
from deepmine.errors import ColumnError, DataError, ParameterError, TargetError
from deepmine.evaluation.leaderboard import Leaderboard
from deepmine.evaluation.prepared import split_cases, take
from deepmine.evaluation.tasks import Task


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

    ``data`` is a UCR/UEA ``.ts`` file, a long table (``id_column`` given: one row per case and time
    step, the numeric columns other than the id, time, target and split being the channels) or a
    wide table (one row per case, its numeric columns the time steps).
    """
    from deepmine.timeseries.data import load_ts, series_list

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


def compare_series_classification(task: Task, data, target, id_column, time_column, split_column, test,
                                  test_size: float, models, random_state: int, options: Mapping[str, Any] | None,
                                  progress: Callable[[str], None] | None, table=None, query=None) -> Leaderboard:
    """The official split when there is one (``split_column``, or a separate ``test`` set), else a
    stratified random split of the cases; then every classifier on the same cases."""
    from deepmine.evaluation.series_classification import compare_series_classifiers

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
    info = {"split": how, "target": target, "id_column": id_column, "time_column": time_column}
    return compare_series_classifiers(task, X_train, y_train, X_test, y_test, models, random_state, options,
                                      progress, info)


def compare_forecasting(task: Task, data, target, time_column, horizon, season, n_origins: int, models,
                        random_state: int, options: Mapping[str, Any] | None, progress: Callable[[str], None] | None,
                        table=None, query=None) -> Leaderboard:
    """One regular series from ``data`` (``time_column`` and ``target``), then a rolling-origin
    backtest of every forecaster over the last ``n_origins`` windows of ``horizon`` steps."""
    from deepmine.evaluation.forecasting import compare_forecasters
    from deepmine.timeseries.forecast_data import as_regular_series

    if horizon is None:
        raise ParameterError("forecasting needs a horizon: how many steps ahead to forecast (horizon=12, --horizon)")
    frame = read_table(data, table=table, query=query)
    if target is None:
        raise TargetError("forecasting needs the column to forecast; pass target=COLUMN (--target)")
    y = as_regular_series(frame, time=time_column, target=target)
    return compare_forecasters(task, y, horizon, season, models, random_state, options, progress,
                               n_origins=n_origins)


__all__ = ["cases_and_labels", "compare_forecasting", "compare_series_classification"]
