"""compare for networks: community detection (every partition scored on the same graph) and link
prediction (every scorer fitted on the same graph with the same edges held out)."""

from __future__ import annotations

import time
import warnings
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from deepmine.errors import DataWarning, TargetError
from deepmine.evaluation.leaderboard import Leaderboard, sort_frame
from deepmine.evaluation.tasks import Task


def _dataset_truth(data):
    if isinstance(data, str) and data.startswith("dataset:"):
        from deepmine.datasets.graphs import truth

        return truth(data[len("dataset:"):].strip().lower())
    return None


def _fit_each(task, models, graph, random_state: int, options, progress, what: str):
    """Fit each selected candidate on ``graph``: yields (candidate, fitted model, fit seconds)."""
    from deepmine.evaluation.compare import set_matching_params

    for cand in task.select(models):
        if progress:
            progress(f"fitting {cand.name} ({cand.kind}) on {what}")
        model = set_matching_params(cand.factory(random_state), dict(options or {}))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            start = time.perf_counter()
            model.fit(graph)
            yield cand, model, time.perf_counter() - start


def compare_graph(task: Task, data, source=None, target=None, weight=None, truth=None, test_size: float = 0.1,
                  models=None, random_state: int = 0, options: Mapping[str, Any] | None = None,
                  progress: Callable[[str], None] | None = None, table=None, query=None) -> Leaderboard:
    """Read the graph once, then compare the task's candidates on it (see :func:`deepmine.compare`)."""
    from deepmine.graph.data import as_graph

    graph = as_graph(data, source=source, target=target, weight=weight, table=table, query=query)
    info = {"graph": graph.summary(), "random_state": random_state, "options": dict(options or {})}
    if task.name == "link_prediction":
        return _link_prediction(task, graph, test_size, models, random_state, options, progress, info)
    return _communities(task, graph, data, truth, models, random_state, options, progress, info)


def _communities(task, graph, data, truth, models, random_state, options, progress, info) -> Leaderboard:
    from deepmine.evaluation.graph_metrics import community_scores
    from deepmine.graph.data import node_labels

    source = "given"
    if truth is None:
        truth, source = _dataset_truth(data), "the dataset's own"
    codes = None
    if truth is not None:
        codes = node_labels(truth, graph, data)
        if len(np.unique(codes[codes >= 0])) < 2:
            raise TargetError("the ground truth puts every node in one community; evaluating communities needs at "
                              "least two (or give no truth)")
        info.update(truth=source, truth_communities=int(len(np.unique(codes[codes >= 0]))))
    rows, fitted, predictions = [], {}, {}
    what = f"{graph.n_nodes} nodes, {graph.n_edges} edges"
    for cand, model, fit_s in _fit_each(task, models, graph, random_state, options, progress, what):
        rows.append({"model": cand.name, "kind": cand.kind, **community_scores(graph.adjacency, model.labels_, codes),
                     "fit_s": fit_s})
        fitted[cand.name], predictions[cand.name] = model, model.labels_
    primary = "nmi" if codes is not None else "modularity"
    frame = pd.DataFrame(rows)
    cols = ["model", "kind"] + [m for m in task.metrics if m in frame.columns] + ["fit_s"]
    frame = sort_frame(frame[cols], primary)
    y = None if codes is None else pd.Series(codes, name="community")
    nodes = pd.DataFrame({"node": pd.Series(graph.nodes, dtype=object)})
    return Leaderboard(task.name, primary, frame, fitted, {}, info, y, predictions, data=nodes, graph=graph)


def _link_prediction(task, graph, test_size, models, random_state, options, progress, info) -> Leaderboard:
    from deepmine.evaluation.graph_metrics import link_scores
    from deepmine.graph.links import split_edges

    split = split_edges(graph, test_size=test_size, random_state=random_state)
    held = int(split.labels.sum())
    info.update(test_size=test_size, held_out_edges=held, negative_pairs=int(len(split.labels) - held),
                train_edges=split.train.n_edges)
    rows, fitted, predictions = [], {}, {}
    what = f"{split.train.n_edges} edges"
    for cand, model, fit_s in _fit_each(task, models, split.train, random_state, options, progress, what):
        start = time.perf_counter()
        scores = np.asarray(model.score_links(split.pairs, positions=True), dtype=float)
        predict_s = time.perf_counter() - start
        rows.append({"model": cand.name, "kind": cand.kind, **link_scores(split.labels, scores), "fit_s": fit_s,
                     "predict_s": predict_s})
        fitted[cand.name], predictions[cand.name] = model, scores
    frame = sort_frame(pd.DataFrame(rows), task.primary)
    pairs = pd.DataFrame({"source": pd.Series([graph.nodes[i] for i in split.pairs[:, 0]], dtype=object),
                          "target": pd.Series([graph.nodes[i] for i in split.pairs[:, 1]], dtype=object)})
    return Leaderboard(task.name, task.primary, frame, fitted, {}, info, pd.Series(split.labels, name="edge"),
                       predictions, data=pairs, graph=graph)


__all__ = ["compare_graph"]
