"""Node embeddings learned from random walks: DeepWalk (Perozzi et al. 2014) and node2vec (Grover & Leskovec 2016).

A walk is a sentence and a node a word: skip-gram with negative sampling, the network behind
:class:`deepmine.text.Word2Vec` (which trains it here), learns a vector per node so that nodes that
appear near each other on walks get similar vectors. Once fitted a model keeps only the node labels
and their vectors (numpy), so it saves in deepmine's safe format.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state

from deepmine.base import store_params
from deepmine.errors import ParameterError, check_fitted, check_positive_int
from deepmine.graph.data import Graph, as_graph, find_nodes, node_lookup
from deepmine.graph.walks import random_walks

# With epochs="auto" the skip-gram sees about this many walk tokens in all (at least one pass, at
# most 50): a thousand-node graph's walks are read twice, a 34-node graph's fifty times. On the LFR
# graphs two passes instead of one lifted NMI from 0.97 to 0.98 (mu=0.3) and 0.72 to 0.86 (mu=0.4);
# more passes did not help (benchmarks/bench_graph.py).
_AUTO_TOKENS = 800_000


class NodeVectors:
    """What every node embedding offers once fitted (``nodes_`` and ``embedding_``): the vectors of given nodes,
    cosine similarities, the nearest nodes, the vectors as a table. DeepWalk, node2vec and the graph
    autoencoders share it."""

    def _positions(self, nodes) -> np.ndarray:
        check_fitted(self, "embedding_")
        return find_nodes(node_lookup(self.nodes_), nodes, self.nodes_)

    def transform(self, X=None) -> np.ndarray:
        """The vectors of the nodes ``X`` (a list of nodes, or a graph: its nodes), all nodes when None."""
        check_fitted(self, "embedding_")
        if X is None:
            return self.embedding_.copy()
        if isinstance(X, Graph) or type(X).__module__.startswith("networkx."):
            X = as_graph(X).nodes
        return self.embedding_[self._positions(list(X))]

    def fit_transform(self, X, y=None, **fit_params) -> np.ndarray:
        return self.fit(X).transform(None)

    def vector(self, node) -> np.ndarray:
        """The vector of one node."""
        return self.embedding_[self._positions([node])[0]].copy()

    def _unit(self) -> np.ndarray:
        check_fitted(self, "embedding_")
        norms = np.linalg.norm(self.embedding_, axis=1, keepdims=True)
        return self.embedding_ / np.where(norms > 0, norms, 1.0)

    def similarity(self, u, v) -> float:
        """Cosine similarity of the vectors of nodes ``u`` and ``v``."""
        unit = self._unit()
        a, b = self._positions([u, v])
        return float(unit[a] @ unit[b])

    def most_similar(self, node, topn: int = 10) -> pd.DataFrame:
        """The ``topn`` nodes whose vectors are closest (cosine) to ``node``'s, most similar first."""
        check_positive_int("topn", topn)
        unit = self._unit()
        pos = self._positions([node])[0]
        sims = unit @ unit[pos]
        sims[pos] = -np.inf
        top = np.argsort(-sims, kind="stable")[: min(int(topn), len(sims) - 1)]
        return pd.DataFrame({"node": pd.Series([self.nodes_[i] for i in top], dtype=object),
                             "similarity": sims[top].astype(float)})

    def embedding_frame(self) -> pd.DataFrame:
        """The vectors as a table: one row per node (the index), one column per dimension."""
        check_fitted(self, "embedding_")
        return pd.DataFrame(self.embedding_, index=pd.Index(self.nodes_, dtype=object, name="node"),
                            columns=[f"dim_{k}" for k in range(self.embedding_.shape[1])])



def _embedder_history(self):
    """The embedding's training history, when it trains by epochs (the graph autoencoders); else no such
    attribute, so ``getattr(model, "history_", None)`` is None for the random-walk embeddings."""
    return self.embedder_.history_


#: ``history_`` of a model holding a fitted embedding as ``embedder_`` (the link predictor, the communities)
embedder_history = property(_embedder_history)


class DeepWalk(NodeVectors, TransformerMixin, BaseEstimator):
    """Node vectors from uniform random walks and skip-gram (DeepWalk).

    Parameters
    ----------
    dimensions : int
        The length of each node's vector.
    walk_length : int
        Nodes per walk.
    num_walks : int
        Walks started from every node.
    window : int
        The largest distance along a walk between a node and the neighbours it predicts.
    negative : int
        Noise nodes drawn per positive pair (negative sampling).
    epochs : int or "auto"
        Passes of skip-gram over the walks; "auto" makes about 800,000 tokens in all (two passes for
        a thousand nodes with the default walks, up to 50 for small graphs).
    learning_rate : float
        Initial skip-gram learning rate, decayed linearly.
    workers : int
        Training threads; only ``workers=1`` is reproducible.
    random_state : int, RandomState or None
        Seed of the walks and of the skip-gram.

    Attributes
    ----------
    nodes_ : list
        The graph's nodes; row ``i`` of ``embedding_`` belongs to ``nodes_[i]``.
    embedding_ : ndarray of float32, shape (n_nodes, dimensions)
    graph_summary_ : dict
        Nodes, edges, isolated nodes and what reading the graph changed.
    """

    def __init__(self, dimensions: int = 64, walk_length: int = 40, num_walks: int = 10, window: int = 5,
                 negative: int = 5, epochs="auto", learning_rate: float = 0.025, workers: int = 1,
                 random_state=None):
        store_params(self, locals())

    # node2vec's return and in-out parameters; DeepWalk's walks are uniform
    def _bias(self) -> tuple[float, float]:
        return 1.0, 1.0

    def _check_params(self) -> None:
        for name in ("dimensions", "walk_length", "num_walks", "window", "negative", "workers"):
            check_positive_int(name, getattr(self, name))
        if self.walk_length < 2:
            raise ParameterError(f"walk_length must be at least 2 (a walk of one node has no neighbours), "
                                 f"got {self.walk_length}")
        if self.epochs != "auto":
            check_positive_int("epochs", self.epochs)
        if not isinstance(self.learning_rate, (int, float, np.number)) or not self.learning_rate > 0:
            raise ParameterError(f"learning_rate must be a positive number (0.025 is usual), got {self.learning_rate!r}")

    def fit(self, X, y=None):
        """Learn a vector for every node of the graph ``X`` (anything :func:`~deepmine.graph.as_graph` reads)."""
        from deepmine.text.word2vec import Word2Vec

        self._check_params()
        graph = as_graph(X)
        p, q = self._bias()
        rng = check_random_state(self.random_state)
        walks = random_walks(graph, int(self.num_walks), int(self.walk_length), p, q,
                             np.random.default_rng(rng.randint(0, 2**31 - 1)))
        tokens = walks.size
        epochs = self.epochs if self.epochs != "auto" else int(min(50, max(1, math.ceil(_AUTO_TOKENS / tokens))))
        sentences = [[str(v) for v in walk] for walk in walks.tolist()]
        model = Word2Vec(vector_size=self.dimensions, window=self.window, min_count=1, architecture="skipgram",
                         negative=self.negative, epochs=epochs, sample=0.0, learning_rate=self.learning_rate,
                         workers=self.workers, random_state=rng.randint(0, 2**31 - 1)).fit(sentences)
        order = np.array([int(w) for w in model.vocabulary_], dtype=np.int64)
        embedding = np.zeros((graph.n_nodes, int(self.dimensions)), dtype=np.float32)
        embedding[order] = model.word_vectors_
        self.nodes_ = list(graph.nodes)
        self.embedding_ = embedding
        self.epochs_ = epochs
        self.graph_summary_ = graph.summary()
        return self


class Node2Vec(DeepWalk):
    """Node vectors from biased second-order random walks and skip-gram (node2vec).

    ``p`` (return) and ``q`` (in-out) bend the walks: a small ``q`` sends them outwards, exploring
    like depth-first search (vectors capture communities), a large ``q`` keeps them near the start,
    like breadth-first search (vectors capture structural roles); a large ``p`` discourages going
    straight back. ``p = q = 1`` is DeepWalk. The other parameters are :class:`DeepWalk`'s.
    """

    def __init__(self, dimensions: int = 64, walk_length: int = 40, num_walks: int = 10, window: int = 5,
                 negative: int = 5, epochs="auto", learning_rate: float = 0.025, p: float = 1.0, q: float = 0.5,
                 workers: int = 1, random_state=None):
        store_params(self, locals())

    def _bias(self) -> tuple[float, float]:
        for name in ("p", "q"):
            value = getattr(self, name)
            if not isinstance(value, (int, float, np.number)) or not value > 0 or not np.isfinite(value):
                raise ParameterError(f"{name} must be a positive number (1 is unbiased), got {value!r}")
        return float(self.p), float(self.q)


def make_embedding(embedding, random_state):
    """An unfitted embedding from ``embedding``: "deepwalk", "node2vec" (defaults, seeded with
    ``random_state``) or an estimator, cloned and given ``random_state`` when its own is None."""
    from sklearn.base import clone

    message = f"embedding must be 'deepwalk', 'node2vec' or an unfitted embedding estimator, got {embedding!r}"
    if isinstance(embedding, str):
        kinds = {"deepwalk": DeepWalk, "node2vec": Node2Vec}
        if embedding not in kinds:
            raise ParameterError(message)
        return kinds[embedding](random_state=random_state)
    if not hasattr(embedding, "fit") or not hasattr(embedding, "get_params"):
        raise ParameterError(message)
    model = clone(embedding)
    if "random_state" in model.get_params() and model.random_state is None:
        model.set_params(random_state=random_state)
    return model


__all__ = ["DeepWalk", "Node2Vec", "NodeVectors", "make_embedding"]
