"""compare on a table read as a stream, never whole: for classification and regression tables larger than memory.

The split cannot draw row positions up front, so each row's side comes from a hash of its values
(:func:`deepmine.data.split.hash_split`): the same on every pass, batch and process. The held-out part
is ``test_size`` of the rows, capped at ``max_test_rows`` so that it fits in memory (on a table of
ten million rows, 100,000 test rows measure accuracy to about 0.3 points).

One pass reads the test rows and a sample of about ``sample_rows`` training rows (another hash, so
the sample is uniform and repeatable). The deep tabular models then train on every training row with
:meth:`~deepmine.base.DeepEstimator.fit_stream`; the traditional models, which need their rows in
memory, train on the sample. The leaderboard's ``train_rows`` column says how many rows each model
saw, so the comparison is read for what it is: a network on all the data against the traditional
method on what fits.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from deepmine.errors import ColumnError, DataWarning, ParameterError
from deepmine.evaluation.columns import feature_columns, split_target
from deepmine.evaluation.leaderboard import Leaderboard
from deepmine.evaluation.loop import run
from deepmine.evaluation.task import Prepared, Task

__all__ = ["bounded_forest", "can_stream", "compare_stream", "prepare_stream"]

MAX_TEST_ROWS = 100_000
SAMPLE_ROWS = 200_000


def can_stream(model) -> bool:
    """Whether ``model`` trains from a stream: a supervised tabular DeepEstimator with the usual preprocessing."""
    from deepmine.base import DeepEstimator, UnsupervisedDeepEstimator

    return (isinstance(model, DeepEstimator) and not isinstance(model, UnsupervisedDeepEstimator)
            and getattr(model, "_input_preprocessor", None) is None
            and type(model)._fit_preprocessor is DeepEstimator._fit_preprocessor)


def compare_stream(task: Task, data, target: str | None, models=None, test_size: float = 0.25, random_state: int = 0,
                   roles: Mapping[str, str] | None = None, options: Mapping[str, Any] | None = None,
                   progress: Callable[[str], None] | None = None, table: str | None = None, query: str | None = None,
                   max_test_rows: int = MAX_TEST_ROWS, sample_rows: int = SAMPLE_ROWS,
                   batch_rows: int = 65_536) -> Leaderboard:
    """:func:`deepmine.compare` for ``task`` ("classification" or "regression") on ``data`` read as a stream.

    ``data`` is anything :func:`deepmine.data.stream.open_stream` reads (Parquet file or folder, CSV, JSON
    lines, a SQL URL with ``table``/``query``, a DataFrame). See the module's documentation for the split,
    the test cap and the sample the traditional models train on.
    """
    prepared = prepare_stream(task, data, target, test_size, random_state, roles, progress, table, query,
                              max_test_rows, sample_rows, batch_rows)
    return run(task, prepared, models, random_state, options, progress)


def prepare_stream(task: Task, data, target: str | None, test_size: float = 0.25, random_state: int = 0,
                   roles: Mapping[str, str] | None = None, progress: Callable[[str], None] | None = None,
                   table: str | None = None, query: str | None = None, max_test_rows: int = MAX_TEST_ROWS,
                   sample_rows: int = SAMPLE_ROWS, batch_rows: int = 65_536) -> Prepared:
    """One pass over the stream: the hashed test rows and the training sample in memory, and the stream of
    the training rows that the networks read (see the module's documentation)."""
    from deepmine.data.split import hash_share, hash_split
    from deepmine.data.stream import open_stream

    if task.name not in ("classification", "regression"):
        raise ParameterError(f"streaming compares classification and regression tables; {task.name} reads its "
                             f"data in memory, so leave out --stream (stream=False)")
    if target is None:
        raise ColumnError("no target column was named; pass target=COLUMN (the column to predict)")
    if not 0 < test_size < 1:
        raise ParameterError(f"test_size must be a fraction between 0 and 1, got {test_size}")
    stream = open_stream(data, table=table, query=query, batch_rows=batch_rows)
    if target not in stream.columns:
        raise ColumnError(f"target column '{target}' is not in the data; the columns are: "
                          f"{', '.join(map(str, stream.columns))}")
    n_rows = stream.count_rows()
    if n_rows is None:  # CSV and JSON lines: count them once
        if progress:
            progress(f"counting the rows of {data}")
        n_rows = sum(len(batch) for batch in stream.batches())
    share = min(float(test_size), max_test_rows / max(n_rows, 1))
    is_train, is_test = hash_split(share, random_state)
    sample_share = min(1.0, sample_rows / max(n_rows * (1 - share), 1.0))

    # one pass: the test rows and the sample of the training rows, in memory
    if progress:
        progress(f"reading the test rows and a sample of the training rows of {data}")
    test_parts, sample_parts, n_train, n_missing = [], [], 0, 0
    for batch in stream.batches():
        known = batch[target].notna().to_numpy()
        n_missing += int((~known).sum())
        held = np.asarray(is_test(batch))
        test_parts.append(batch[held & known])
        train = ~held & known
        n_train += int(train.sum())
        if sample_share < 1:
            train &= hash_share(batch, random_state, "sample") < sample_share
        sample_parts.append(batch[train])
    if n_missing:
        warnings.warn(f"{n_missing} rows with a missing target '{target}' were left out", DataWarning, stacklevel=3)
    test_frame = pd.concat(test_parts, ignore_index=True)
    sample = pd.concat(sample_parts, ignore_index=True)
    del test_parts, sample_parts
    if len(test_frame) < 1 or len(sample) < 2:
        raise ParameterError(f"{n_rows} rows are too few to stream a comparison; compare them in memory "
                             f"(leave out --stream)")
    X_test, y_test = split_target(test_frame, target, task)
    X_sample, y_sample = split_target(sample, target, task)
    resolved, keep, kept_roles = feature_columns(X_sample, roles)
    X_test, X_sample = X_test[keep], X_sample[keep]
    # the network's stream reads every column: the ones set aside here are dropped by role
    stream_roles = {c: (r if c in kept_roles else "drop") for c, r in resolved.items()}
    train_stream = stream.where(is_train).where(lambda batch: batch[target].notna().to_numpy())

    info = {"rows": int(n_rows), "train_rows": int(n_train), "test_rows": int(len(X_test)),
            "sample_rows": int(len(X_sample)), "target": target, "features": keep,
            "roles": kept_roles, "skipped_columns": {c: r for c, r in resolved.items() if c not in kept_roles},
            "test_size": share, "cv": None, "calibration": None,
            "split": "hashed", "streamed": True}
    return Prepared(X_sample, X_test, y_sample, y_test, info, task.primary, shown=X_test, size=len(X_sample),
                    extra={"streamed": True, "roles": kept_roles, "stream_roles": stream_roles,
                           "train_stream": train_stream, "n_train": int(n_train), "calibration": None, "cv": None})


#: Rows each tree of a forest grows on in a streamed comparison (a bootstrap of the sample).
FOREST_TREE_ROWS = 20_000


def bounded_forest(model, n_rows: int) -> dict:
    """``{"max_samples": share}`` for a forest fitted on more than FOREST_TREE_ROWS sampled rows, else nothing.

    A forest's trees grow until their leaves are pure, so their size grows with the rows: 200 trees on the
    200,000-row sample of a streamed table held over a gigabyte. Each tree then grows on a bootstrap of
    20,000 rows instead, which keeps a streamed run within its memory (and its bagging still sees the whole
    sample across the trees).
    """
    if n_rows <= FOREST_TREE_ROWS or not any(k.split("__")[-1] == "max_samples" for k in model.get_params()):
        return {}
    return {"max_samples": FOREST_TREE_ROWS / n_rows}
