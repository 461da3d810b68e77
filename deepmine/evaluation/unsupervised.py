"""compare for the tasks without a target: clustering and anomaly detection, scored against an optional label."""

from __future__ import annotations

import time
import warnings
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from deepmine.data.preprocess import TabularPreprocessor
from deepmine.data.split import stratified_split
from deepmine.errors import ColumnError, DataWarning, TargetError
from deepmine.evaluation.leaderboard import Leaderboard, sort_frame
from deepmine.evaluation.tasks import Task
from deepmine.training.checkpoints import checkpoint_scope


def _label_column(df: pd.DataFrame, label: str | None) -> tuple[pd.DataFrame, pd.Series | None]:
    if label is None:
        return df, None
    if label not in df.columns:
        raise ColumnError(f"label column '{label}' is not in the data; the columns are: "
                          f"{', '.join(map(str, df.columns))}")
    y = df[label]
    missing = y.isna()
    if missing.all():
        raise TargetError(f"label column '{label}' is entirely missing; choose a column with values")
    if missing.any():
        warnings.warn(f"{int(missing.sum())} rows with a missing label '{label}' were dropped", DataWarning,
                      stacklevel=4)
        df, y = df[~missing], y[~missing]
    return df.drop(columns=[label]).reset_index(drop=True), y.reset_index(drop=True)


def _anomaly_label(y: pd.Series, label: str) -> pd.Series:
    values = set(pd.unique(y))
    if values <= {0, 1, True, False}:
        y = y.astype(int)
    else:
        raise TargetError(f"label column '{label}' must mark anomalies with 1 and normal rows with 0; "
                          f"it holds {sorted(map(str, values))[:5]}")
    if y.nunique() < 2:
        kind = "normal (0)" if y.iloc[0] == 0 else "anomalous (1)"
        raise TargetError(f"the labels for evaluation in '{label}' are all {kind}; ROC-AUC and precision need "
                          f"both normal rows and anomalies - give a label with both, or none")
    return y


def _timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def _fit_each(task, models, build, X, what: str, progress):
    """Fit each selected candidate on ``X`` and predict ``X``: yields (candidate, model, labels, fit_s, predict_s)."""
    for cand in task.select(models):
        if progress:
            progress(f"fitting {cand.name} ({cand.kind}) on {what}")
        model = build(cand)
        with warnings.catch_warnings(), checkpoint_scope(cand.name):  # names its checkpoints, when they are on
            warnings.simplefilter("ignore", DataWarning)
            _, fit_s = _timed(model.fit, X)
            labels, predict_s = _timed(model.predict, X)
        yield cand, model, labels, fit_s, predict_s


def compare_unsupervised(task: Task, df: pd.DataFrame, label: str | None, models, test_size: float,
                         random_state: int, roles, options: Mapping[str, Any] | None,
                         progress: Callable[[str], None] | None, text: str | None = None) -> Leaderboard:
    """Fit every candidate of a clustering, topics or anomaly task and score them on the same rows."""
    from deepmine.evaluation.compare import _set_roles, input_columns, set_matching_params

    X, y = _label_column(df, label)
    resolved, keep, kept_roles = input_columns(task, X, roles, text)
    X = X[keep]
    info = {"rows": int(len(X)), "label": label, "features": keep, "roles": kept_roles,
            "skipped_columns": {c: r for c, r in resolved.items() if c not in keep},
            "options": dict(options or {}), "random_state": random_state}

    def build(cand):
        return set_matching_params(_set_roles(cand.factory(random_state), kept_roles), dict(options or {}))

    if task.name == "clustering":
        return _clustering(task, X, y, label, build, models, info, progress)
    if task.name == "topics":
        return _topics(task, X, y, build, models, info, progress)
    return _anomaly(task, X, y, label, build, models, test_size, random_state, info, progress)


def _clustering(task, X, y, label, build, models, info, progress) -> Leaderboard:
    from deepmine.evaluation.cluster_metrics import cluster_scores

    if y is not None and y.nunique() < 2:
        raise TargetError(f"label column '{label}' has a single group; evaluating clusters needs at least two")
    # Internal metrics are computed in one shared space, so that they compare the partitions and
    # not the spaces the models happen to work in.
    space = TabularPreprocessor(roles=info["roles"], encoding="onehot").fit_transform(X)
    rows, fitted, predictions = [], {}, {}
    for cand, model, labels, fit_s, predict_s in _fit_each(task, models, build, X, f"{len(X)} rows", progress):
        scores = cluster_scores(space, np.asarray(labels), None if y is None else y.to_numpy())
        rows.append({"model": cand.name, "kind": cand.kind, "n_clusters": int(len(np.unique(labels))), **scores,
                     "fit_s": fit_s, "predict_s": predict_s})
        fitted[cand.name], predictions[cand.name] = model, np.asarray(labels)
    primary = "nmi" if y is not None else "silhouette"
    frame = sort_frame(pd.DataFrame(rows), primary)
    return Leaderboard(task.name, primary, frame, fitted, _histories(fitted), info, y, predictions, data=X)


def _topics(task, X, y, build, models, info, progress) -> Leaderboard:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from deepmine.text.prepare import as_texts
    from deepmine.text.topic_metrics import evaluate_topics

    texts = as_texts(X, info["features"][0])
    rows, fitted, predictions = [], {}, {}
    for cand, model, labels, fit_s, predict_s in _fit_each(task, models, build, texts, f"{len(texts)} texts",
                                                           progress):
        row = {"model": cand.name, "kind": cand.kind, **evaluate_topics(model, texts)}
        row.pop("seconds", None)
        if y is not None:  # known groups, for evaluation only; texts without a topic (-1) count as one more group
            row.update(nmi=float(normalized_mutual_info_score(y, labels)), ari=float(adjusted_rand_score(y, labels)))
        rows.append({**row, "fit_s": fit_s, "predict_s": predict_s})
        fitted[cand.name], predictions[cand.name] = model, np.asarray(labels)
    frame = sort_frame(pd.DataFrame(rows), task.primary)
    return Leaderboard(task.name, task.primary, frame, fitted, _histories(fitted), info, y, predictions, data=X)


def _anomaly(task, X, y, label, build, models, test_size, random_state, info, progress) -> Leaderboard:
    from deepmine.evaluation.anomaly_metrics import anomaly_scores

    if y is not None:
        y = _anomaly_label(y, label)
        train, test = stratified_split(y, test_size, random_state)
    else:  # nothing to score against: fit and flag every row
        train = test = np.arange(len(X))
    X_train, X_test = X.iloc[train].reset_index(drop=True), X.iloc[test].reset_index(drop=True)
    semi = dict(info["options"]).get("train_on") == "normal"
    if semi and y is None:
        raise TargetError("train_on='normal' learns from the rows labelled normal; pass label=COLUMN (--label)")
    rows, fitted, predictions = [], {}, {}
    for cand in task.select(models):
        if progress:
            progress(f"fitting {cand.name} ({cand.kind}) on {len(X_train)} rows")
        model = build(cand)
        with warnings.catch_warnings(), checkpoint_scope(cand.name):
            warnings.simplefilter("ignore", DataWarning)
            _, fit_s = _timed(model.fit, X_train, y.iloc[train].to_numpy() if semi else None)
            start = time.perf_counter()
            scores = model.decision_function(X_test)
            flags = model.predict(X_test)
            predict_s = time.perf_counter() - start
        row = {"model": cand.name, "kind": cand.kind}
        if y is not None:
            row.update(anomaly_scores(y.iloc[test].to_numpy(), scores, flags))
        row.update(flagged=float(np.mean(flags)), fit_s=fit_s, predict_s=predict_s)
        rows.append(row)
        fitted[cand.name], predictions[cand.name] = model, np.asarray(scores)
    info.update(train_rows=int(len(train)), test_rows=int(len(test)),
                split="stratified" if y is not None else "none (no label: every row fitted and flagged)")
    primary = "roc_auc" if y is not None else None
    frame = pd.DataFrame(rows)
    frame = sort_frame(frame, primary) if primary else frame
    y_test = None if y is None else y.iloc[test].reset_index(drop=True)
    return Leaderboard(task.name, primary, frame, fitted, _histories(fitted), info, y_test, predictions, data=X)


def _histories(fitted: dict) -> dict:
    return {name: m.history_ for name, m in fitted.items() if getattr(m, "history_", None) is not None}
