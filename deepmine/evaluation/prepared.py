"""compare on inputs that are already split: series or images with their labels, train and test given.

The tabular :func:`~deepmine.evaluation.compare.compare` splits a table itself; series and images
arrive as arrays, lists or files that a task's own reader has split (an official split, a separate
test set, or a stratified split of the cases). This fits every candidate on the training part and
scores it on the test part the same way compare does, so the leaderboards read alike.
"""

from __future__ import annotations

import time
import warnings
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from deepmine.errors import DataWarning
from deepmine.evaluation.leaderboard import Leaderboard, sort_frame
from deepmine.evaluation.tasks import Task


def split_cases(labels: pd.Series, split, test_size: float, random_state) -> tuple[np.ndarray, np.ndarray, str]:
    """Positions (train, test) of the cases and how they were split: by ``split`` ("train"/"test" per
    case) when given, else stratified by ``labels`` with ``test_size`` held out."""
    from deepmine.data.split import given_split, stratified_split

    if split is not None:
        train, held = given_split(split)
        return np.asarray(train), np.asarray(held), "given"
    train, held = stratified_split(labels.astype(str), test_size, random_state)
    return np.asarray(train), np.asarray(held), "stratified"


def take(cases, rows):
    """The ``rows`` of cases held as an array, a DataFrame or a list."""
    if isinstance(cases, pd.DataFrame):
        return cases.iloc[rows].reset_index(drop=True)
    return cases[rows] if isinstance(cases, np.ndarray) else [cases[i] for i in rows]


def _labels(y) -> np.ndarray:
    y = np.asarray(y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else y)
    return y[:, 0] if y.ndim == 2 and y.shape[1] == 1 else y


def compare_prepared(task: Task, X_train, y_train, X_test, y_test, models=None, random_state: int = 0,
                     options: Mapping[str, Any] | None = None, progress: Callable[[str], None] | None = None,
                     info: dict | None = None, unit: str = "cases") -> Leaderboard:
    """Fit every selected candidate of ``task`` on ``X_train, y_train`` and score it on ``X_test, y_test``.

    ``options`` set every matching parameter of each model (``{"max_epochs": 20}``); the frame has
    the task's metrics on the test part, fit_s and predict_s, sorted by the task's primary metric.
    """
    from deepmine.evaluation.compare import _score, set_matching_params
    from deepmine.evaluation.unsupervised import _histories
    from deepmine.training.checkpoints import checkpoint_scope

    y_train, y_test = _labels(y_train), _labels(y_test)
    rows, fitted, predictions, probabilities = [], {}, {}, {}
    for cand in task.select(models):
        model = set_matching_params(cand.factory(random_state), dict(options or {}))
        if progress:
            progress(f"fitting {cand.name} ({cand.kind}) on {len(y_train)} {unit}")
        with warnings.catch_warnings(), checkpoint_scope(cand.name):  # names its checkpoints, when they are on
            warnings.simplefilter("ignore", DataWarning)
            start = time.perf_counter()
            model.fit(X_train, y_train)
            fit_s = time.perf_counter() - start
            scores, predict_s, pred, proba = _score(task, model, X_test, y_test)
        rows.append({"model": cand.name, "kind": cand.kind, **scores, "fit_s": fit_s, "predict_s": predict_s})
        fitted[cand.name], predictions[cand.name] = model, pred
        if proba is not None:
            probabilities[cand.name] = np.asarray(proba)
    frame = sort_frame(pd.DataFrame(rows), task.primary)
    info = {**dict(info or {}), "random_state": random_state, "options": dict(options or {})}
    return Leaderboard(task.name, task.primary, frame, fitted, _histories(fitted), info, pd.Series(y_test),
                       predictions, data=X_test, probabilities=probabilities)


__all__ = ["compare_prepared", "split_cases", "take"]
