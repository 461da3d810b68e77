"""Community detection: clusters of node embeddings (deep) beside Louvain, label propagation, greedy
modularity and spectral clustering (traditional).

Every detector takes a graph (anything :func:`~deepmine.graph.as_graph` reads), and sets ``nodes_``
and ``labels_`` (community 0 is the largest). A node without edges is a community of its own in
every method. Where the number of communities is "auto", it is the one whose partition has the
highest modularity — the graph's own measure of community structure, so no ground truth is used.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils import check_random_state

from deepmine.base import store_params
from deepmine.errors import ParameterError, check_fitted, check_positive_int, require
from deepmine.evaluation.graph_metrics import modularity
from deepmine.graph.embedding import embedder_history, make_embedding
from deepmine.graph.data import Graph, as_graph


def canonical_labels(labels) -> np.ndarray:
    """Community codes renumbered by size: 0 for the largest community (ties: first seen first)."""
    _, inverse, counts = np.unique(np.asarray(labels), return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    first = np.full(len(counts), len(inverse))
    np.minimum.at(first, inverse, np.arange(len(inverse)))
    order = np.lexsort((first, -counts))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[inverse]


def default_max_communities(n: int) -> int:
    """The largest number of communities "auto" tries: twice the square root of the nodes, at least 10."""
    return max(2, min(n - 1, max(10, int(2 * math.sqrt(n)))))


def best_k_by_modularity(adjacency, partition, k_max: int) -> tuple[np.ndarray, int]:
    """The partition ``partition(k)`` of highest modularity over k in 2..k_max: a coarse geometric sweep,
    then every k between the best one's neighbours in the sweep."""
    tried: dict[int, tuple[float, np.ndarray]] = {}

    def score(k: int) -> float:
        if k not in tried:
            labels = partition(k)
            tried[k] = (modularity(adjacency, labels), labels)
        return tried[k][0]

    grid = sorted({int(round(k)) for k in np.geomspace(2, max(2, k_max), num=12)})
    for k in grid:
        score(k)
    best = max(grid, key=lambda k: tried[k][0])
    i = grid.index(best)
    lo, hi = grid[max(0, i - 1)], grid[min(len(grid) - 1, i + 1)]
    for k in range(lo, hi + 1):
        score(k)
    best = max(tried, key=lambda k: (tried[k][0], -k))
    return tried[best][1], best


class CommunityDetector(ClusterMixin, BaseEstimator):
    """What every community detector shares: reading the graph, isolated nodes, the fitted attributes.

    A detector implements ``_partition(graph, rng)`` for a graph without isolated nodes and returns
    one integer label per node.
    """

    def fit(self, X, y=None):
        """Find the communities of the graph ``X``."""
        graph = as_graph(X)
        self._check_params()
        rng = check_random_state(getattr(self, "random_state", None))
        connected = np.flatnonzero(graph.degrees > 0)
        labels = np.empty(graph.n_nodes, dtype=np.int64)
        inner = graph if len(connected) == graph.n_nodes else Graph(
            [graph.nodes[i] for i in connected], graph.adjacency[connected][:, connected].tocsr(), graph.weighted)
        labels[connected] = np.asarray(self._partition(inner, rng), dtype=np.int64)
        isolated = np.flatnonzero(graph.degrees == 0)
        labels[isolated] = labels[connected].max() + 1 + np.arange(len(isolated))
        self.nodes_ = list(graph.nodes)
        self.labels_ = canonical_labels(labels)
        self.n_communities_ = int(self.labels_.max() + 1)
        self.modularity_ = modularity(graph.adjacency, self.labels_)
        self.graph_summary_ = graph.summary()
        return self

    def fit_predict(self, X, y=None, **kwargs) -> np.ndarray:
        return self.fit(X).labels_

    def _check_params(self) -> None:
        pass

    def communities(self) -> pd.DataFrame:
        """Each node and its community (0 is the largest)."""
        check_fitted(self, "labels_")
        return pd.DataFrame({"node": pd.Series(self.nodes_, dtype=object), "community": self.labels_})


def _check_k(value, name: str = "n_communities") -> None:
    if value != "auto":
        check_positive_int(name, value)
        if value < 2:
            raise ParameterError(f"{name} must be at least 2 or 'auto', got {value!r}")


def _k_range(self, n: int) -> int:
    if self.max_communities is None:
        return default_max_communities(n)
    return max(2, min(n - 1, int(self.max_communities)))


def _kmeans_on(points, random_state, n_init: int = 4):
    from sklearn.cluster import KMeans

    def partition(k: int) -> np.ndarray:
        return KMeans(n_clusters=min(k, len(points)), n_init=n_init, random_state=random_state).fit_predict(points)

    return partition


class EmbeddingCommunities(CommunityDetector):
    """Communities as clusters of node embeddings (DeepWalk or node2vec vectors, then k-means or a GMM).

    Parameters
    ----------
    embedding : "deepwalk", "node2vec" or an unfitted :class:`~deepmine.graph.DeepWalk` / ``Node2Vec``
        The node embedding to learn (default: node2vec with its defaults).
    method : "kmeans" or "gmm"
        k-means on the unit-length vectors, or a Gaussian mixture (diagonal covariances) on them.
    n_communities : int or "auto"
        The number of communities; "auto" picks the one whose partition has the highest modularity.
    max_communities : int or None
        The largest number "auto" tries (default: twice the square root of the nodes, at least 10).
    random_state : int, RandomState or None
        Seed of the embedding and of the clustering.

    Attributes
    ----------
    embedder_ : the fitted embedding (``most_similar``, ``embedding_``)
    """

    def __init__(self, embedding="node2vec", method: str = "kmeans", n_communities="auto",
                 max_communities: int | None = None, random_state=None):
        store_params(self, locals())

    def _check_params(self) -> None:
        if self.method not in ("kmeans", "gmm"):
            raise ParameterError(f"method must be 'kmeans' or 'gmm', got {self.method!r}")
        _check_k(self.n_communities)
        check_positive_int("max_communities", self.max_communities, allow_none=True)
        make_embedding(self.embedding, None)  # a bad value fails before any work

    history_ = embedder_history

    def _partition(self, graph: Graph, rng) -> np.ndarray:
        from sklearn.preprocessing import normalize

        self.embedder_ = make_embedding(self.embedding, int(rng.randint(0, 2**31 - 1)))
        points = normalize(self.embedder_.fit(graph).embedding_.astype(np.float64))
        seed = int(rng.randint(0, 2**31 - 1))
        if self.method == "kmeans":
            partition = _kmeans_on(points, seed)
        else:
            from sklearn.mixture import GaussianMixture

            def partition(k: int) -> np.ndarray:
                gmm = GaussianMixture(n_components=min(k, len(points)), covariance_type="diag", reg_covar=1e-4,
                                      random_state=seed)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # "did not converge": the labels are still usable
                    return gmm.fit(points).predict(points)

        if self.n_communities == "auto":
            labels, _ = best_k_by_modularity(graph.adjacency, partition, _k_range(self, graph.n_nodes))
            return labels
        return partition(int(self.n_communities))


class SpectralCommunities(CommunityDetector):
    """Spectral clustering of the adjacency (normalised Laplacian eigenvectors, then k-means; Ng, Jordan &
    Weiss 2001). ``n_communities`` and ``max_communities`` as in :class:`EmbeddingCommunities`."""

    def __init__(self, n_communities="auto", max_communities: int | None = None, random_state=None):
        store_params(self, locals())

    def _check_params(self) -> None:
        _check_k(self.n_communities)
        check_positive_int("max_communities", self.max_communities, allow_none=True)

    def _partition(self, graph: Graph, rng) -> np.ndarray:
        from sklearn.manifold import spectral_embedding

        auto = self.n_communities == "auto"
        k_max = _k_range(self, graph.n_nodes) if auto else min(int(self.n_communities), graph.n_nodes - 1)
        seed = int(rng.randint(0, 2**31 - 1))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "graph is not fully connected": components then split first
            vectors = spectral_embedding(graph.adjacency, n_components=k_max, drop_first=False, random_state=seed)

        def partition(k: int) -> np.ndarray:
            return _kmeans_on(vectors[:, :k], seed, n_init=10)(k)

        if auto:
            return best_k_by_modularity(graph.adjacency, partition, k_max)[0]
        return partition(int(self.n_communities))


def _networkx(graph: Graph):
    nx = require("networkx", "graph")
    return nx, nx.from_scipy_sparse_array(graph.adjacency)


def _from_sets(sets, n: int) -> np.ndarray:
    labels = np.empty(n, dtype=np.int64)
    for code, members in enumerate(sets):
        labels[list(members)] = code
    return labels


class LouvainCommunities(CommunityDetector):
    """Louvain modularity maximisation (Blondel et al. 2008), networkx's implementation.

    ``resolution`` above 1 favours smaller communities, below 1 larger ones."""

    def __init__(self, resolution: float = 1.0, random_state=None):
        store_params(self, locals())

    def _partition(self, graph: Graph, rng) -> np.ndarray:
        nx, g = _networkx(graph)
        sets = nx.community.louvain_communities(g, weight="weight", resolution=float(self.resolution),
                                                seed=int(rng.randint(0, 2**31 - 1)))
        return _from_sets(sets, graph.n_nodes)


class LabelPropagationCommunities(CommunityDetector):
    """Asynchronous label propagation (Raghavan et al. 2007): each node takes its neighbours' most
    weighted label until no label changes."""

    def __init__(self, random_state=None):
        store_params(self, locals())

    def _partition(self, graph: Graph, rng) -> np.ndarray:
        nx, g = _networkx(graph)
        sets = nx.community.asyn_lpa_communities(g, weight="weight", seed=int(rng.randint(0, 2**31 - 1)))
        return _from_sets(sets, graph.n_nodes)


class GreedyModularityCommunities(CommunityDetector):
    """Greedy agglomerative modularity maximisation (Clauset, Newman & Moore 2004)."""

    def __init__(self, resolution: float = 1.0):
        store_params(self, locals())

    def _partition(self, graph: Graph, rng) -> np.ndarray:
        nx, g = _networkx(graph)
        sets = nx.community.greedy_modularity_communities(g, weight="weight", resolution=float(self.resolution))
        return _from_sets(sets, graph.n_nodes)


__all__ = ["CommunityDetector", "EmbeddingCommunities", "GreedyModularityCommunities", "LabelPropagationCommunities",
           "LouvainCommunities", "SpectralCommunities", "best_k_by_modularity", "canonical_labels"]
