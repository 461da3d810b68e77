"""The network tasks: community detection (every partition scored on the same graph) and link prediction
(every scorer fitted on the same graph with the same edges held out). The graph is read once."""

from __future__ import annotations

import numpy as np
import pandas as pd

from deepmine.errors import TargetError
from deepmine.evaluation.task import Fitting, Prepared, Task

_GRAPH_OPTIONS = {"source": None, "target": None, "weight": None, "table": None, "query": None}


def _dataset_truth(data):
    if isinstance(data, str) and data.startswith("dataset:"):
        from deepmine.datasets.graphs import truth

        return truth(data[len("dataset:"):].strip().lower())
    return None


def _read_graph(data, source, target, weight, table, query):
    from deepmine.graph.data import as_graph

    graph = as_graph(data, source=source, target=target, weight=weight, table=table, query=query)
    return graph, {"graph": graph.summary()}


class CommunitiesTask(Task):
    OPTIONS = {**_GRAPH_OPTIONS, "truth": None}
    TIMINGS = ("fit_s",)

    def prepare(self, data, *, random_state: int, progress=None, options=None, source=None, target=None,
                weight=None, truth=None, table=None, query=None) -> Prepared:
        from deepmine.graph.data import node_labels

        graph, info = _read_graph(data, source, target, weight, table, query)
        origin = "given"
        if truth is None:
            truth, origin = _dataset_truth(data), "the dataset's own"
        codes = None
        if truth is not None:
            codes = node_labels(truth, graph, data)
            if len(np.unique(codes[codes >= 0])) < 2:
                raise TargetError("the ground truth puts every node in one community; evaluating communities needs "
                                  "at least two (or give no truth)")
            info.update(truth=origin, truth_communities=int(len(np.unique(codes[codes >= 0]))))
        y = None if codes is None else pd.Series(codes, name="community")
        nodes = pd.DataFrame({"node": pd.Series(graph.nodes, dtype=object)})
        return Prepared(graph, graph, None, y, info, "nmi" if codes is not None else "modularity", shown=nodes,
                        graph=graph, extra={"codes": codes})

    def describe(self, fitting: Fitting, prepared: Prepared) -> str:
        c, g = fitting.candidate, prepared.graph
        return f"fitting {c.name} ({c.kind}) on {g.n_nodes} nodes, {g.n_edges} edges"

    def fit(self, fitting: Fitting, prepared: Prepared) -> None:
        fitting.model.fit(prepared.train)

    def predict(self, fitting: Fitting, prepared: Prepared) -> None:
        fitting.prediction = fitting.model.labels_

    def evaluate(self, fitting: Fitting, prepared: Prepared) -> dict:
        from deepmine.evaluation.graph_metrics import community_scores

        return community_scores(prepared.graph.adjacency, fitting.prediction, prepared.extra["codes"])


class LinkPredictionTask(Task):
    OPTIONS = {**_GRAPH_OPTIONS, "test_size": 0.1}

    def prepare(self, data, *, random_state: int, progress=None, options=None, source=None, target=None,
                weight=None, test_size=0.1, table=None, query=None) -> Prepared:
        from deepmine.graph.links import split_edges

        graph, info = _read_graph(data, source, target, weight, table, query)
        split = split_edges(graph, test_size=test_size, random_state=random_state)
        held = int(split.labels.sum())
        info.update(test_size=test_size, held_out_edges=held, negative_pairs=int(len(split.labels) - held),
                    train_edges=split.train.n_edges)
        pairs = pd.DataFrame({"source": pd.Series([graph.nodes[i] for i in split.pairs[:, 0]], dtype=object),
                              "target": pd.Series([graph.nodes[i] for i in split.pairs[:, 1]], dtype=object)})
        return Prepared(split.train, split.pairs, None, pd.Series(split.labels, name="edge"), info, self.primary,
                        shown=pairs, graph=graph, size=split.train.n_edges, unit="edges")

    def inner(self, prepared: Prepared, random_state: int, valid_size: float = 0.1,
              blend_size: float = 0.0) -> Prepared:
        """The training graph split again the same way: trials fit on what is left and score the edges held out
        of it (and as many non-edges); the leaderboard's held-out edges are never seen."""
        from deepmine.graph.links import split_edges

        split = split_edges(prepared.train, test_size=prepared.info["test_size"], random_state=random_state)
        return Prepared(split.train, split.pairs, None, pd.Series(split.labels, name="edge"),
                        {"train_rows": split.train.n_edges, "valid_rows": int(len(split.labels))}, self.primary,
                        graph=prepared.train, size=split.train.n_edges, unit="edges")

    def fit(self, fitting: Fitting, prepared: Prepared) -> None:
        fitting.model.fit(prepared.train)

    def predict(self, fitting: Fitting, prepared: Prepared) -> None:
        fitting.prediction = np.asarray(fitting.model.score_links(prepared.test, positions=True), dtype=float)

    def evaluate(self, fitting: Fitting, prepared: Prepared) -> dict:
        from deepmine.evaluation.graph_metrics import link_scores

        return link_scores(prepared.y_test.to_numpy(), fitting.prediction)


__all__ = ["CommunitiesTask", "LinkPredictionTask"]
