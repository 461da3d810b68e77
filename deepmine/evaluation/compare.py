"""compare: fit every candidate of a task on one split, score all on the same held-out rows, time each."""

from __future__ import annotations

import time
import warnings
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold

from deepmine.data.read import read_table
from deepmine.data.roles import infer_roles
from deepmine.data.split import given_split, group_split, random_split, stratified_split, time_split
from deepmine.errors import ColumnError, DataWarning, ParameterError, TargetError
from deepmine.evaluation.leaderboard import Leaderboard, sort_frame
from deepmine.evaluation.metrics import classification_scores, regression_scores
from deepmine.evaluation.tasks import Candidate, Task, get_task
from deepmine.text.prepare import text_column_of
from deepmine.training.checkpoints import checkpoint_scope

_SKIPPED_ROLES = ("id", "drop", "text")


def split_target(df: pd.DataFrame, target: str, task: Task) -> tuple[pd.DataFrame, pd.Series]:
    """Separate and check the target column: present, not empty, learnable for the task."""
    if target is None:
        raise TargetError("no target column was named; pass target=COLUMN (the column to predict)")
    if target not in df.columns:
        raise ColumnError(
            f"target column '{target}' is not in the data; the columns are: {', '.join(map(str, df.columns))}"
        )
    y = df[target]
    missing = y.isna()
    if missing.all():
        raise TargetError(f"target column '{target}' is entirely missing; choose a column with values")
    if missing.any():
        warnings.warn(f"{int(missing.sum())} rows with a missing target '{target}' were dropped", DataWarning,
                      stacklevel=3)
        df, y = df[~missing], y[~missing]
    if task.classifies:
        counts = y.astype(str).value_counts()
        if len(counts) < 2:
            raise TargetError(f"target column '{target}' has a single class ({counts.index[0]!r}); "
                              f"classification needs at least two classes")
        if pd.api.types.is_float_dtype(y) and y.nunique() > max(20, 0.2 * len(y)):
            raise TargetError(f"target column '{target}' looks continuous ({y.nunique()} distinct numbers); "
                              f"use the regression task (deepmine regress)")
    else:
        if not pd.api.types.is_numeric_dtype(y):
            converted = pd.to_numeric(y, errors="coerce")
            if converted.isna().any():
                raise TargetError(f"target column '{target}' is not numeric (e.g. {y[converted.isna()].iloc[0]!r}); "
                                  f"use the classification task (deepmine classify) for labels")
            y = converted
        if y.nunique() < 2:
            raise TargetError(f"target column '{target}' is constant; there is nothing to predict")
    return df.drop(columns=[target]).reset_index(drop=True), y.reset_index(drop=True)


def feature_columns(X: pd.DataFrame, roles, drop=()) -> tuple[dict, list, dict]:
    """Roles of all columns, the feature columns kept, and their roles.

    Roles are inferred once per comparison, so each skipped column is reported once rather than
    once per model.
    """
    resolved = infer_roles(X, {**{c: "drop" for c in drop}, **dict(roles or {})})
    keep = [c for c in X.columns if resolved[c] not in _SKIPPED_ROLES]
    if not keep:
        raise ColumnError("no feature columns are left once identifier, text and empty columns are set aside; "
                          "pass roles to keep some")
    return resolved, keep, {c: resolved[c] for c in keep}


def input_columns(task: Task, X: pd.DataFrame, roles, text: str | None, drop=()) -> tuple[dict, list, dict]:
    """What the models of ``task`` read: the one text column for text tasks, else :func:`feature_columns`."""
    if task.input == "text":
        column = text_column_of(X.drop(columns=list(drop)), text)
        return {column: "text"}, [column], {column: "text"}
    return feature_columns(X, roles, drop)


def set_matching_params(model, values: Mapping[str, Any]):
    """Set each value on every parameter of ``model`` (or its pipeline steps) with that name."""
    params = model.get_params()
    update = {}
    for name, value in values.items():
        update.update({k: value for k in params if k == name or k.endswith(f"__{name}")})
    return model.set_params(**update) if update else model


def _set_roles(model, roles: dict[str, str]):
    return set_matching_params(model, {"roles": roles})


def predict_with_proba(model, X) -> tuple[np.ndarray, np.ndarray | None]:
    """``(predictions, class probabilities or None)`` in one pass: for a model with ``predict_proba`` the most
    probable class, since predicting and then asking for probabilities would run a large network twice."""
    if hasattr(model, "predict_proba") and hasattr(model, "classes_"):
        proba = np.asarray(model.predict_proba(X))
        return np.asarray(model.classes_)[np.argmax(proba, axis=1)], proba
    return np.asarray(model.predict(X)), None


def _score(task: Task, model, X, y) -> tuple[dict, float, np.ndarray, np.ndarray | None]:
    start = time.perf_counter()
    pred, proba = predict_with_proba(model, X) if task.classifies else (model.predict(X), None)
    seconds = time.perf_counter() - start
    if task.classifies:
        scores = classification_scores(np.asarray(y), pred, proba, getattr(model, "classes_", None))
    else:
        scores = regression_scores(np.asarray(y, dtype=float), pred)
    return scores, seconds, pred, proba


def _history(model) -> pd.DataFrame | None:
    est = model.steps[-1][1] if hasattr(model, "steps") else model
    return getattr(est, "history_", None)


def compare(task: str, data: Any, target: str | None = None, models=None, test_size: float | None = None,
            cv: int | None = None,
            random_state: int = 0, roles: Mapping[str, str] | None = None, time_column: str | None = None,
            group_column: str | None = None, table: str | None = None, query: str | None = None,
            label: str | None = None, options: Mapping[str, Any] | None = None, text: str | None = None,
            split_column: str | None = None, user: str | None = None, item: str | None = None,
            item_features: str | None = None, user_features: str | None = None, k: int = 10,
            id_column: str | None = None, test: Any = None, horizon: int | None = None, season="auto",
            n_origins: int = 3, source: str | None = None, weight: str | bool | None = None, truth: Any = None,
            calibrate: bool | str = False, stream: bool | str = "auto",
            progress: Callable[[str], None] | None = None) -> Leaderboard:
    """Fit every candidate model of ``task`` on the same split of ``data`` and rank them.

    Parameters
    ----------
    task : "classification", "regression", "text_classification", "clustering", "anomaly", "topics",
        "recommendation", "series_classification", "forecasting", "image_classification", "communities"
        or "link_prediction"
    data : DataFrame, path (CSV, Parquet, JSON lines), SQLAlchemy URL (with ``table`` or ``query``),
        or ``"dataset:NAME"``.
    target : the column to predict.
    models : names of candidates to fit (list or comma-separated string); all by default.
    test_size : share of rows held out for scoring; None: 0.25, or 0.2 of the ratings for
        recommendation (the usual 80/20 split of that field).
    cv : with an integer k, also run k-fold cross-validation on the training part and report each
        metric's mean (``cv_<metric>``) and standard deviation (``cv_<metric>_std``) beside the
        held-out scores.
    random_state : seed of the split and of every model.
    roles : column roles that override inference, e.g. ``{"zip": "categorical"}``.
    time_column / group_column : split by time (latest rows held out) or keep groups apart.
    split_column : a column saying "train" or "test" for each row: use that split (an official one)
        instead of drawing one; ``test_size`` is then ignored.
    text : for text tasks, the column holding the text (found by itself when only one column holds prose).
    user, item, item_features, user_features, k : for recommendation, the user and item id columns,
        optional columns of item and user side features for the models that use them (tags such as
        "Drama|Comedy", a category, or a number; see :mod:`deepmine.recommend.features`), and the
        list length.
        ``target`` names the rating column (leave it out for implicit feedback) and ``time_column``
        orders each user's interactions for the leave-last-out ranking split.
    test : for series and image classification, an optional separate test set (same form as ``data``).
        For images ``data`` is a folder with one sub-folder per class, an ``.npz`` file (arrays X and
        y) or a table of pixel columns with ``target`` (``dataset:digits``, ``dataset:mnist``).
    id_column, test : for series classification, the column naming each series in a long table (one
        row per series and time step, ordered by ``time_column``; without it each row is one series,
        its numeric columns the time steps), and an optional separate test set (same form). ``data``
        may also be a UCR/UEA ``.ts`` file.
    horizon, season, n_origins : for forecasting, the steps ahead to forecast, the season length
        ("auto" from the frequency: 12 for monthly data, 52 weekly, ...) and the number of rolling
        origins of the backtest; ``target`` is the column to forecast and ``time_column`` its time.
    source, target, weight, truth : for networks ("communities", "link_prediction"), ``data`` is an edge
        table (or a networkx graph) and these name its endpoint columns (default "source" and "target"),
        its weight column (default "weight" when present; False for none) and the ground-truth
        communities used only to evaluate: a (node, community) table or its path, a Series or dict by
        node, or a node attribute of a networkx graph; ``dataset:NAME`` graphs bring their own.
        Link prediction holds out ``test_size`` of the edges (default 0.1) and as many non-edges.
    label : for clustering, topics and anomaly detection, a column used only to evaluate (never to
        fit): true groups, or 1 for known anomalies and 0 for normal rows.
    calibrate : for classification and text classification, calibrate every model's probabilities on a
        fifth of its training rows (see :class:`deepmine.explain.CalibratedClassifier`): True or "auto"
        (temperature scaling for networks, isotonic or Platt for the others), or "temperature",
        "isotonic", "sigmoid". The leaderboard's ``ece`` column shows the effect.
    stream : for classification and regression, read the table as a stream, never whole (see
        :mod:`deepmine.evaluation.streamed`): the networks train on every row with ``fit_stream``, the
        traditional models on a sample, and the test rows are a hashed share capped at 100,000. "auto"
        (default) streams a file or database table whose estimated in-memory size is more than the memory
        budget (:func:`deepmine.data.memory.memory_budget`; ``DEEPMINE_MEMORY_BUDGET``), with a notice.
    options : parameters set on every candidate that has them, e.g. ``{"n_clusters": 10}``,
        ``{"contamination": 0.05}`` or ``{"max_epochs": 5}``.
    progress : called with a short message before each model is fitted.
    """
    task_obj = get_task(task)
    calibration = _calibration(task_obj, calibrate)
    if test_size is None:
        test_size = {"interactions": 0.2, "graph": 0.1}.get(task_obj.input, 0.25)
    if task_obj.input == "graph":
        from deepmine.evaluation.graph import compare_graph

        return compare_graph(task_obj, data, source, target, weight, truth, test_size, models, random_state,
                             options, progress, table, query)
    if task_obj.input == "images":
        from deepmine.evaluation.images import compare_image_classification

        return compare_image_classification(task_obj, data, target, split_column, test, test_size, models,
                                            random_state, options, progress, table, query)
    if task_obj.input == "series" and task_obj.classifies:
        from deepmine.evaluation.series import compare_series_classification

        return compare_series_classification(task_obj, data, target, id_column, time_column, split_column, test,
                                             test_size, models, random_state, options, progress, table, query)
    if task_obj.input == "series":  # forecasting
        from deepmine.evaluation.series import compare_forecasting

        return compare_forecasting(task_obj, data, target, time_column, horizon, season, n_origins, models,
                                   random_state, options, progress, table, query)
    if _streams(task_obj, data, table, query, stream, cv, calibration, time_column, group_column, split_column):
        from deepmine.evaluation.streamed import compare_stream

        return compare_stream(task_obj, data, target, models, test_size, random_state, roles, options, progress,
                              table, query)
    df = read_table(data, table=table, query=query)
    if task_obj.input == "interactions":
        from deepmine.evaluation.recommendation import compare_recommenders

        return compare_recommenders(task_obj, df, user, item, target, time_column, item_features,
                                    user_features, models, test_size, random_state, options, k, progress)
    if task_obj.unsupervised:
        from deepmine.evaluation.unsupervised import compare_unsupervised

        if label is None and target is None:
            label = _dataset_label(data, df)

        if target is not None:
            raise ColumnError(f"{task_obj.name} learns without a target; pass the column as label={target!r} "
                              f"(--label) to use it for evaluation only")
        return compare_unsupervised(task_obj, df, label=label, models=models, test_size=test_size,
                                    random_state=random_state, roles=roles, options=options, progress=progress,
                                    text=text)
    if label is not None:
        raise ColumnError(f"{task_obj.name} learns from a target; pass target={label!r} instead of label")
    X, y = split_target(df, target, task_obj)
    split_cols = [c for c in (time_column, group_column, split_column) if c]
    for c in split_cols:
        if c not in X.columns:
            raise ColumnError(f"split column '{c}' is not in the data; the columns are: {', '.join(map(str, X.columns))}")
    resolved, keep, kept_roles = input_columns(task_obj, X, roles, text, split_cols)

    if split_column:
        train, test = given_split(X[split_column])
    elif time_column:
        train, test = time_split(X[time_column], test_size)
    elif group_column:
        train, test = group_split(X[group_column], test_size, random_state)
    elif task_obj.stratify:
        train, test = stratified_split(y.astype(str), test_size, random_state)
    else:
        train, test = random_split(len(y), test_size, random_state)
    X = X[keep]
    X_train, X_test = X.iloc[train].reset_index(drop=True), X.iloc[test].reset_index(drop=True)
    y_train, y_test = y.iloc[train].reset_index(drop=True), y.iloc[test].reset_index(drop=True)

    rows, fitted, histories, predictions, probabilities = [], {}, {}, {}, {}
    for cand in task_obj.select(models):
        if progress:
            progress(f"fitting {cand.name} ({cand.kind}) on {len(X_train)} rows")
        row: dict[str, Any] = {"model": cand.name, "kind": cand.kind}
        if cv:
            with checkpoint_scope(cand.name):  # names this model's training checkpoints, when they are on
                row.update(_cross_validate(task_obj, cand, X_train, y_train, cv, random_state, kept_roles, options,
                                           calibration))
        model = _calibrated(set_matching_params(_set_roles(cand.factory(random_state), kept_roles),
                                                dict(options or {})), calibration, random_state)
        with warnings.catch_warnings(), checkpoint_scope(cand.name):
            warnings.simplefilter("ignore", DataWarning)
            start = time.perf_counter()
            model.fit(X_train, y_train)
            fit_s = time.perf_counter() - start
            scores, predict_s, pred, proba = _score(task_obj, model, X_test, y_test)
        row.update(scores)
        row.update(fit_s=fit_s, predict_s=predict_s)
        rows.append(row)
        fitted[cand.name] = model
        predictions[cand.name] = pred
        if proba is not None:
            probabilities[cand.name] = np.asarray(proba)
        hist = _history(model)
        if hist is not None:
            histories[cand.name] = hist
    frame = sort_frame(pd.DataFrame(rows), task_obj.primary)
    metric_cols = [m for m in task_obj.metrics if m in frame.columns]
    cv_cols = [c for c in frame.columns if c.startswith("cv_")]
    cols = ["model", "kind"] + metric_cols + ["fit_s", "predict_s"] + cv_cols
    info = {"rows": int(len(df)), "train_rows": int(len(train)), "test_rows": int(len(test)), "target": target,
            "options": dict(options or {}),
            "features": keep, "roles": kept_roles,
            "skipped_columns": {c: r for c, r in resolved.items() if r in _SKIPPED_ROLES and c not in split_cols},
            "test_size": test_size, "cv": cv, "random_state": random_state, "calibration": calibration,
            "split": "given" if split_column else "time" if time_column else "group" if group_column else (
                "stratified" if task_obj.stratify else "random")}
    return Leaderboard(task_obj.name, task_obj.primary, frame[cols], fitted, histories, info, y_test, predictions,
                       data=X_test, probabilities=probabilities)


def _streams(task: Task, data, table, query, stream, cv, calibration, time_column, group_column,
             split_column) -> bool:
    """Whether compare reads ``data`` as a stream: asked for, or "auto" and the table is larger than the
    memory budget (then with a notice); a clear error where the options need the table in memory."""
    from deepmine.errors import DataError

    if stream not in (True, False, "auto"):
        raise ParameterError(f"stream must be True, False or 'auto', got {stream!r}")
    if not stream:
        return False
    streamable = task.name in ("classification", "regression")
    in_memory_options = [name for name, value in (("cv", cv), ("calibrate", calibration), ("time_column", time_column),
                                                  ("group_column", group_column), ("split_column", split_column))
                         if value]
    if stream is True:
        if not streamable:
            raise ParameterError(f"streaming compares classification and regression tables; {task.name} reads "
                                 f"its data in memory, so leave out --stream (stream=False)")
        if in_memory_options:
            raise ParameterError(f"{', '.join(in_memory_options)} need(s) the table in memory; leave out --stream "
                                 f"(stream=False) or those options")
        return True
    if isinstance(data, pd.DataFrame) or (isinstance(data, str) and data.startswith("dataset:")):
        return False
    from deepmine.data.memory import _human, estimate_memory, memory_budget

    try:
        size = estimate_memory(data, table=table, query=query)
    except Exception:  # noqa: BLE001 - an estimate never decides an error: reading the table words it
        return False
    budget = memory_budget()
    if size <= budget:
        return False
    too_big = (f"the table would take about {_human(size)} in memory, more than the budget of {_human(budget)} "
               f"(DEEPMINE_MEMORY_BUDGET)")
    if not streamable:
        raise DataError(f"{too_big}; {task.name} needs its rows in memory, so take a sample of the table or "
                        f"raise DEEPMINE_MEMORY_BUDGET")
    if in_memory_options:
        raise DataError(f"{too_big}, and {', '.join(in_memory_options)} need(s) the table in memory; leave those "
                        f"out to stream it, or raise DEEPMINE_MEMORY_BUDGET")
    warnings.warn(f"{too_big}: streaming it (--stream); the networks train on every row, the traditional models "
                  f"on a sample", DataWarning, stacklevel=3)
    return True


def _dataset_label(data, df: pd.DataFrame) -> str | None:
    """A bundled dataset's own target, used to evaluate (never to fit) clusters or anomalies when no
    label is named: left among the features it would leak the answer into the clustering."""
    if not (isinstance(data, str) and data.startswith("dataset:")):
        return None
    from deepmine.datasets.registry import ENTRIES

    entry = ENTRIES.get(data[len("dataset:"):].strip().lower())
    if entry is None or entry.target is None or entry.target not in df.columns:
        return None
    warnings.warn(f"the dataset's own '{entry.target}' column is used as the label, to evaluate only (pass label= "
                  f"to use another)", DataWarning, stacklevel=3)
    return entry.target


def _calibration(task: Task, calibrate) -> str | None:
    """The calibration method compare applies (None: none), after checking it suits the task."""
    if calibrate is False or calibrate is None:
        return None
    if task.input not in ("table", "text") or not task.classifies:
        raise ParameterError(f"calibrate applies to classifiers' probabilities (classification, "
                             f"text_classification), not to {task.name}")
    from deepmine.explain.calibration import METHODS

    method = "auto" if calibrate is True else calibrate
    if method not in METHODS:
        raise ParameterError(f"calibrate must be True or one of {', '.join(METHODS)}, got {calibrate!r}")
    return method


def _calibrated(model, calibration: str | None, seed: int):
    if calibration is None:
        return model
    from deepmine.explain.calibration import CalibratedClassifier

    return CalibratedClassifier(model, method=calibration, random_state=seed)


def _cross_validate(task: Task, cand: Candidate, X, y, k: int, seed: int, roles, options=None,
                    calibration: str | None = None) -> dict[str, float]:
    if task.stratify:
        folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(X, y.astype(str))
    else:
        folds = KFold(n_splits=k, shuffle=True, random_state=seed).split(X)
    per_fold = []
    base = _calibrated(set_matching_params(_set_roles(cand.factory(seed), roles), dict(options or {})), calibration,
                       seed)
    for tr, te in folds:
        model = clone(base)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            model.fit(X.iloc[tr], y.iloc[tr])
            per_fold.append(_score(task, model, X.iloc[te], y.iloc[te])[0])
    scores = pd.DataFrame(per_fold)
    out = {}
    for m in scores.columns:
        out[f"cv_{m}"] = float(scores[m].mean())
        out[f"cv_{m}_std"] = float(scores[m].std(ddof=1))
    return out
