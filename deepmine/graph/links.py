"""Link prediction: hold out edges, score node pairs by embedding similarity, and compare with the
classic neighbourhood scores (common neighbours, Adamic-Adar, Jaccard, preferential attachment).

:func:`split_edges` hides a share of a graph's edges and samples as many node pairs that are not
edges; a predictor fitted on the remaining graph scores those pairs, and the ROC-AUC of the scores
(:func:`deepmine.evaluation.graph_metrics.link_scores`) says how well it finds the hidden edges::

    split = split_edges(graph, test_size=0.1, random_state=0)
    scores = AdamicAdar().fit(split.train).score_links(split.pairs, positions=True)
    link_scores(split.labels, scores)["roc_auc"]
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from deepmine.base import store_params
from deepmine.errors import DataError, DataWarning, ParameterError, check_fitted, check_positive_int
from deepmine.graph.embedding import embedder_history, make_embedding
from deepmine.graph.data import Graph, as_graph, find_nodes, node_lookup

# Rows of A[u] and A[v] built at once when scoring pairs: bounds memory on large pair lists.
_CHUNK = 65_536
# Above this many node pairs, non-edges are drawn by rejection instead of listed (the list would not fit).
_LIST_PAIRS = 2_000_000


@dataclass(frozen=True, eq=False)
class LinkSplit:
    """A link-prediction task: the training graph and the node pairs to score.

    ``train`` has the nodes of the full graph, in the same order, without the held-out edges.
    ``pairs`` holds node positions, one (u, v) row per pair; ``labels`` is 1 where the pair is a
    held-out edge and 0 where it is not an edge of the full graph. Both are shuffled together.
    """

    train: Graph
    pairs: np.ndarray
    labels: np.ndarray

    @property
    def n_test_edges(self) -> int:
        return int(self.labels.sum())


def _rng(random_state) -> np.random.Generator:
    return np.random.default_rng(check_random_state(random_state).randint(0, 2**31 - 1))


def _edge_codes(graph: Graph) -> np.ndarray:
    """Each edge as the number ``u * n + v`` (u < v), sorted, for vectorised membership tests."""
    u, v, _ = graph.edges()
    return np.sort(u * graph.n_nodes + v)


def _is_edge(codes: np.ndarray, query: np.ndarray) -> np.ndarray:
    if not len(codes):
        return np.zeros(len(query), dtype=bool)
    at = np.minimum(np.searchsorted(codes, query), len(codes) - 1)
    return codes[at] == query


def _n_non_edges(graph: Graph) -> int:
    n = graph.n_nodes
    return n * (n - 1) // 2 - graph.n_edges


def _sample_non_edges(graph: Graph, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` distinct node pairs (u < v) drawn uniformly among the pairs that are not edges of ``graph``."""
    n = graph.n_nodes
    codes = _edge_codes(graph)
    total = n * (n - 1) // 2
    if total <= _LIST_PAIRS or 2 * _n_non_edges(graph) < total:
        # Small or dense graphs: list every non-edge and choose among them, as rejection would stall.
        lo, hi = np.triu_indices(n, k=1)
        candidates = lo.astype(np.int64) * n + hi
        candidates = candidates[~_is_edge(codes, candidates)]
        chosen = rng.choice(candidates, size=k, replace=False)
    else:
        # At least half of all pairs are non-edges here, so a few rounds of rejection suffice. The
        # first k distinct accepted draws of a uniform sequence are a uniform k-subset.
        found = np.empty(0, dtype=np.int64)
        while len(found) < k:
            a = rng.integers(0, n, size=2 * (k - len(found)) + 16)
            b = rng.integers(0, n - 1, size=len(a))
            b = b + (b >= a)  # uniform over b != a
            draw = np.minimum(a, b) * n + np.maximum(a, b)
            draw = draw[~_is_edge(codes, draw)]
            found = np.concatenate([found, draw])
            _, first = np.unique(found, return_index=True)
            found = found[np.sort(first)]
        chosen = found[:k]
    return np.column_stack([chosen // n, chosen % n]).astype(np.int64)


def _removable(u: np.ndarray, v: np.ndarray, degrees: np.ndarray, k: int) -> np.ndarray:
    """Up to ``k`` of the edges ``(u, v)`` (already in random order) whose removal leaves both endpoints
    at least one edge, as indices into ``u``; taken greedily in that order."""
    degree = degrees.astype(np.int64).copy()
    chosen: list[np.ndarray] = []
    n_chosen = 0
    candidates = np.flatnonzero((degree[u] > 1) & (degree[v] > 1))
    while n_chosen < k and len(candidates):
        # Rank each candidate among the candidates at the same node, in the random order: a node can
        # give up at most degree - 1 edges, so an edge is safe if both of its ranks are below that.
        # Counting candidates rejected at their other end is conservative; the next round retries them.
        ends = np.concatenate([u[candidates], v[candidates]])
        order = np.argsort(ends, kind="stable")
        sorted_ends = ends[order]
        starts = np.flatnonzero(np.r_[True, sorted_ends[1:] != sorted_ends[:-1]])
        rank_sorted = np.arange(len(ends)) - np.repeat(starts, np.diff(np.r_[starts, len(ends)]))
        rank = np.empty(len(ends), dtype=np.int64)
        rank[order] = rank_sorted
        m = len(candidates)
        ok = (rank[:m] < degree[u[candidates]] - 1) & (rank[m:] < degree[v[candidates]] - 1)
        taken = candidates[ok][: k - n_chosen]
        if not len(taken):
            break
        chosen.append(taken)
        n_chosen += len(taken)
        np.subtract.at(degree, u[taken], 1)
        np.subtract.at(degree, v[taken], 1)
        rest = candidates[~np.isin(candidates, taken)]
        candidates = rest[(degree[u[rest]] > 1) & (degree[v[rest]] > 1)]
    return np.concatenate(chosen) if chosen else np.empty(0, dtype=np.int64)


def split_edges(graph, test_size: float = 0.1, random_state=None) -> LinkSplit:
    """Hold out a random share of the edges of ``graph`` and sample as many non-edges, for link prediction.

    Parameters
    ----------
    graph : anything :func:`~deepmine.graph.as_graph` reads
    test_size : float in (0, 1)
        The share of edges to hold out (rounded to a whole number of edges). An edge is held out only
        if both of its endpoints keep another edge, so no node that had edges is cut off from the
        training graph; when too few edges qualify, fewer are held out, with a warning.
    random_state : int, RandomState or None
        Seed of the choice of edges and of non-edges.

    Returns
    -------
    LinkSplit
        ``train`` (same nodes, same order), and ``pairs`` / ``labels``: the held-out edges (1) and as
        many node pairs that are not edges of the full graph (0), as node positions, shuffled.
    """
    if (isinstance(test_size, bool) or not isinstance(test_size, numbers.Real)
            or not 0 < float(test_size) < 1):
        raise ParameterError(f"test_size must be a number between 0 and 1 (the share of edges to hold out, e.g. "
                             f"0.1), got {test_size!r}")
    graph = as_graph(graph)
    rng = _rng(random_state)
    u, v, w = graph.edges()
    m = len(u)
    k = int(math.floor(float(test_size) * m + 0.5))
    if k < 1:
        raise DataError(f"the graph has {m} edge(s), too few to hold out {test_size:g} of them (that rounds to "
                        f"0 edges); give a larger graph or a larger test_size")
    order = rng.permutation(m)
    held = order[_removable(u[order], v[order], graph.degrees, k)]
    if not len(held):
        raise DataError(f"none of the graph's {m} edge(s) can be held out without leaving a node with no edges "
                        f"(every edge has an endpoint with only that edge); give a graph with more edges")
    if len(held) < k:
        warnings.warn(f"only {len(held)} of the {k} edges asked for could be held out without leaving a node "
                      f"with no edges; the test pairs use those", DataWarning, stacklevel=2)
        k = len(held)
    if _n_non_edges(graph) < k:
        raise DataError(f"the graph has only {_n_non_edges(graph)} node pair(s) that are not edges, fewer than the "
                        f"{k} needed as negatives (it is nearly complete); use a smaller test_size")
    keep = np.ones(m, dtype=bool)
    keep[held] = False
    train = graph.with_edges(u[keep], v[keep], w[keep])
    positives = np.column_stack([u[held], v[held]])
    negatives = _sample_non_edges(graph, k, rng)
    pairs = np.concatenate([positives, negatives]).astype(np.int64)
    labels = np.r_[np.ones(k, dtype=np.int64), np.zeros(k, dtype=np.int64)]
    shuffle = rng.permutation(2 * k)
    return LinkSplit(train=train, pairs=pairs[shuffle], labels=labels[shuffle])


class LinkPredictor(BaseEstimator):
    """What every link predictor shares: reading the graph and the node pairs, and suggesting links.

    A predictor implements ``_fit_graph(graph)`` and ``_score_positions(u, v)``, which scores the
    pairs of node positions ``(u[i], v[i])`` (higher: more likely an edge).

    Attributes
    ----------
    nodes_ : list
        The nodes of the graph it was fitted on.
    adjacency_ : scipy.sparse.csr_matrix
        That graph's adjacency, with every edge weight set to 1.
    """

    def fit(self, X, y=None):
        """Learn from the graph ``X`` (anything :func:`~deepmine.graph.as_graph` reads)."""
        self._check_params()
        graph = as_graph(X)
        adjacency = graph.adjacency.copy().tocsr()
        adjacency.data[:] = 1.0  # the neighbourhood scores count neighbours; weights do not enter
        self.adjacency_ = adjacency
        self.degrees_ = np.diff(adjacency.indptr).astype(np.int64)
        self._fit_graph(graph)  # as read, weights included: weighted walks follow heavy edges
        self.nodes_ = list(graph.nodes)
        self.graph_summary_ = graph.summary()
        return self

    def _check_params(self) -> None:
        pass

    def _fit_graph(self, graph: Graph) -> None:
        pass

    def _score_positions(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _pair_positions(self, pairs, positions: bool) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(pairs, pd.DataFrame):
            if pairs.shape[1] < 2:
                raise DataError(f"a table of node pairs needs two columns (the two nodes of each pair); it has "
                                f"{pairs.shape[1]}")
            first, second = pairs.iloc[:, 0].tolist(), pairs.iloc[:, 1].tolist()
        elif isinstance(pairs, np.ndarray):
            if pairs.ndim != 2 or pairs.shape[1] != 2:
                if pairs.size == 0:
                    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
                raise DataError(f"node pairs must have shape (n_pairs, 2), got {pairs.shape}; for one pair pass "
                                f"[(u, v)]")
            first, second = pairs[:, 0].tolist(), pairs[:, 1].tolist()
        else:
            rows = list(pairs)
            bad = next((p for p in rows if isinstance(p, (str, bytes)) or not hasattr(p, "__len__") or len(p) != 2),
                       None)
            if bad is not None:
                raise DataError(f"node pairs must be (u, v) pairs, got {bad!r}; for one pair pass [(u, v)]")
            first, second = [p[0] for p in rows], [p[1] for p in rows]
        if positions:
            return self._check_positions(first), self._check_positions(second)
        lookup = node_lookup(self.nodes_)
        return find_nodes(lookup, first, self.nodes_), find_nodes(lookup, second, self.nodes_)

    def _check_positions(self, values: list) -> np.ndarray:
        out = np.asarray(values)
        if len(out) and not np.issubdtype(out.dtype, np.integer):
            raise DataError(f"with positions=True the pairs must be whole-number node positions, got values of type "
                            f"{out.dtype}; pass node labels without positions=True")
        out = out.astype(np.int64)
        n = len(self.nodes_)
        if len(out) and (out.min() < 0 or out.max() >= n):
            raise DataError(f"node position {int(out.min() if out.min() < 0 else out.max())} is out of range; the "
                            f"graph has {n} nodes (positions 0 to {n - 1})")
        return out

    def score_links(self, pairs, positions: bool = False) -> np.ndarray:
        """A score for each node pair, higher where an edge is more likely.

        ``pairs`` is a list or (n_pairs, 2) array of (u, v) nodes, or a DataFrame whose first two
        columns are the two nodes; with ``positions=True`` the pairs are node positions in
        ``nodes_`` (as :func:`split_edges` gives them).
        """
        check_fitted(self, "nodes_")
        u, v = self._pair_positions(pairs, positions)
        if not len(u):
            return np.empty(0, dtype=np.float64)
        return np.asarray(self._score_positions(u, v), dtype=np.float64).ravel()

    def suggest_links(self, node, topn: int = 10) -> pd.DataFrame:
        """The ``topn`` nodes not yet linked to ``node`` with the highest scores, best first."""
        check_fitted(self, "nodes_")
        check_positive_int("topn", topn)
        pos = int(find_nodes(node_lookup(self.nodes_), [node], self.nodes_)[0])
        linked = np.zeros(len(self.nodes_), dtype=bool)
        linked[self.adjacency_.indices[self.adjacency_.indptr[pos]:self.adjacency_.indptr[pos + 1]]] = True
        linked[pos] = True
        others = np.flatnonzero(~linked)
        scores = np.asarray(self._score_positions(np.full(len(others), pos, dtype=np.int64), others),
                            dtype=np.float64).ravel()
        top = np.argsort(-scores, kind="stable")[: int(topn)]
        return pd.DataFrame({"node": pd.Series([self.nodes_[i] for i in others[top]], dtype=object),
                             "score": scores[top]})


def _shared(adjacency: sp.csr_matrix, u: np.ndarray, v: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Per pair, the number of shared neighbours (or the sum of ``weights`` over them), in chunks of pairs."""
    out = np.empty(len(u), dtype=np.float64)
    for start in range(0, len(u), _CHUNK):
        stop = start + _CHUNK
        both = adjacency[u[start:stop]].multiply(adjacency[v[start:stop]]).tocsr()
        out[start:stop] = np.asarray(both.sum(axis=1)).ravel() if weights is None else both @ weights
    return out


class CommonNeighbours(LinkPredictor):
    """The number of neighbours two nodes share (edge weights ignored)."""

    def __init__(self):
        store_params(self, locals())

    def _score_positions(self, u, v):
        return _shared(self.adjacency_, u, v)


class AdamicAdar(LinkPredictor):
    """Adamic-Adar index (Adamic & Adar 2003): shared neighbours, each counted 1 / log(its degree), so a
    shared neighbour with few links says more than a hub."""

    def __init__(self):
        store_params(self, locals())

    def _score_positions(self, u, v):
        degree = self.degrees_.astype(np.float64)
        # A shared neighbour has degree >= 2; lower degrees never contribute, so 0 avoids dividing by log 1.
        weights = np.where(degree >= 2, 1.0 / np.log(np.maximum(degree, 2.0)), 0.0)
        return _shared(self.adjacency_, u, v, weights)


class JaccardCoefficient(LinkPredictor):
    """Jaccard coefficient: shared neighbours over all neighbours of either node (0 when neither has any)."""

    def __init__(self):
        store_params(self, locals())

    def _score_positions(self, u, v):
        inter = _shared(self.adjacency_, u, v)
        union = self.degrees_[u] + self.degrees_[v] - inter
        return np.divide(inter, union, out=np.zeros(len(u)), where=union > 0)


class PreferentialAttachment(LinkPredictor):
    """Preferential attachment: the product of the two degrees (well-linked nodes gain links)."""

    def __init__(self):
        store_params(self, locals())

    def _score_positions(self, u, v):
        return self.degrees_[u].astype(np.float64) * self.degrees_[v]


_SCORINGS = ("cosine", "hadamard", "dot")


class EmbeddingLinkPredictor(LinkPredictor):
    """Link scores from node embeddings (DeepWalk or node2vec) learned on the training graph.

    Parameters
    ----------
    embedding : "deepwalk", "node2vec" or an unfitted :class:`~deepmine.graph.DeepWalk`, ``Node2Vec``, ``GAE``
        or ``VGAE``
        The node embedding to learn (default: node2vec with its defaults). An estimator is cloned,
        and given ``random_state`` when its own is None.
    scoring : "cosine", "hadamard" or "dot"
        "cosine": the cosine similarity of the two nodes' vectors. "hadamard": as in the node2vec
        paper, a logistic regression on the element-wise product of the two vectors, trained to tell
        the graph's edges from as many random non-edges; the score is its probability of an edge.
        "dot": the logistic of the vectors' inner product, the decoder a graph autoencoder
        (:class:`~deepmine.graph.GAE`) is trained with.
    random_state : int, RandomState or None
        Seed of the embedding and of the non-edges the classifier learns from.

    Attributes
    ----------
    embedder_ : the fitted embedding (``embedding_``, ``most_similar``)
    classifier_ : the fitted LogisticRegression (scoring="hadamard" only)
    """

    def __init__(self, embedding="node2vec", scoring: str = "cosine", random_state=None):
        store_params(self, locals())

    def _check_params(self) -> None:
        if self.scoring not in _SCORINGS:
            raise ParameterError(f"scoring must be 'cosine', 'hadamard' or 'dot', got {self.scoring!r}")
        make_embedding(self.embedding, None)

    def _fit_graph(self, graph: Graph) -> None:
        rng = check_random_state(self.random_state)
        self.embedder_ = make_embedding(self.embedding, int(rng.randint(0, 2**31 - 1))).fit(graph)
        if self.scoring in ("cosine", "dot"):
            return
        from sklearn.linear_model import LogisticRegression

        vectors = np.asarray(self.embedder_.embedding_, dtype=np.float64)
        u, v, _ = graph.edges()
        k = min(len(u), _n_non_edges(graph))
        if k < 1:
            raise DataError("the graph is complete (every pair of nodes is an edge), so there are no non-edges to "
                            "train the hadamard classifier on; use scoring='cosine'")
        negatives = _sample_non_edges(graph, k, np.random.default_rng(rng.randint(0, 2**31 - 1)))
        features = np.concatenate([vectors[u] * vectors[v], vectors[negatives[:, 0]] * vectors[negatives[:, 1]]])
        target = np.r_[np.ones(len(u), dtype=np.int64), np.zeros(k, dtype=np.int64)]
        self.classifier_ = LogisticRegression(max_iter=1000).fit(features, target)

    history_ = embedder_history

    def _score_positions(self, u, v):
        vectors = np.asarray(self.embedder_.embedding_, dtype=np.float64)
        a, b = vectors[u], vectors[v]
        if self.scoring == "hadamard":
            return self.classifier_.predict_proba(a * b)[:, 1]
        if self.scoring == "dot":
            return 1.0 / (1.0 + np.exp(-np.clip(np.einsum("ij,ij->i", a, b), -50, 50)))
        # a zero vector (never seen in training) has no direction: its cosine with anything is taken as 0
        norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
        return np.divide(np.einsum("ij,ij->i", a, b), norms, out=np.zeros(len(u)), where=norms > 0)


__all__ = ["AdamicAdar", "CommonNeighbours", "EmbeddingLinkPredictor", "JaccardCoefficient", "LinkPredictor",
           "LinkSplit", "PreferentialAttachment", "split_edges"]
