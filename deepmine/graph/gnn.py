"""Graph autoencoders (Kipf and Welling 2016): node vectors learned by a graph convolutional network trained to
tell the graph's edges from random pairs of nodes, on deepmine's Trainer.

They are node embeddings like DeepWalk and node2vec (``nodes_``, ``embedding_``, ``most_similar``), so they
join link prediction through :class:`~deepmine.graph.EmbeddingLinkPredictor` (``scoring="dot"``: the
autoencoder's own decoder, the inner product) and communities through
:class:`~deepmine.graph.EmbeddingCommunities`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state

from deepmine.base import store_params
from deepmine.errors import DataError, ParameterError, check_positive_int
from deepmine.graph.data import Graph, as_graph
from deepmine.graph.embedding import NodeVectors

# above this many nodes a vector per node (identity features) is replaced by structural features
IDENTITY_NODES = 5000


def _standardised(values: np.ndarray) -> np.ndarray:
    """Each column centred and scaled to unit spread (a constant column stays 0), as float32."""
    spread = values.std(axis=0)
    return ((values - values.mean(axis=0)) / np.where(spread > 0, spread, 1.0)).astype(np.float32)


def structural_features(graph: Graph) -> np.ndarray:
    """Per-node features read from the graph alone, standardised: log degree, log strength (weighted degree),
    the mean log degree of the neighbours, and the local clustering coefficient."""
    a = sp.csr_matrix(graph.adjacency)
    binary = (a > 0).astype(np.float64)
    degree = np.asarray(binary.sum(axis=1)).ravel()
    log_degree = np.log1p(degree)
    strength = np.log1p(np.asarray(a.sum(axis=1)).ravel())
    neighbours = np.divide(binary @ log_degree, degree, out=np.zeros_like(log_degree), where=degree > 0)
    triangles = np.asarray((binary @ binary).multiply(binary).sum(axis=1)).ravel() / 2
    pairs = degree * (degree - 1) / 2
    clustering = np.divide(triangles, pairs, out=np.zeros_like(triangles), where=pairs > 0)
    return _standardised(np.column_stack([log_degree, strength, neighbours, clustering]))


class GAE(NodeVectors, TransformerMixin, BaseEstimator):
    """A graph autoencoder: node vectors from a two-layer graph convolutional network (Kipf and Welling 2016).

    The encoder propagates node features over the normalised adjacency, D^-1/2 (A + I) D^-1/2, twice (hidden
    ReLU layer, then the vectors); the decoder scores a pair of nodes by the inner product of their vectors.
    It trains on the graph's edges against as many random node pairs, redrawn every epoch, full-batch with
    Adam on deepmine's Trainer (so checkpoints, ``time_limit`` and early stopping work as for every network):
    a share of the edges is held out of the graph to watch for early stopping.

    Parameters
    ----------
    variational : bool
        The variational form (VGAE): each node's vector is a Gaussian, sampled in training, with a KL term
        pulling it towards the prior; its mean is the node's vector.
    hidden, dimensions : int
        Widths of the hidden layer and of the node vectors (32 and 16 in the paper).
    features : "auto", "identity", "structural", or an array or DataFrame of node features
        What the nodes start from. "identity" gives each node a learned vector of its own (the paper's
        featureless GAE); "structural" their degree, strength, neighbours' degree and clustering; "auto" is
        identity up to 5,000 nodes, structural above. A DataFrame is indexed by node (every node of the graph;
        numeric columns, standardised); an array has one row per node in the graph's order.
    dropout : float
        Dropout on the hidden layer.
    lr, weight_decay : float
        Adam's learning rate (0.01 in the paper) and L2 penalty.
    max_epochs : int
        Full-batch epochs at most (200 in the paper).
    early_stopping : int or None
        Stop after this many epochs without a lower loss on held-out edges, keeping the best weights; None (the
        default, as in the paper) trains ``max_epochs``. It needs ``validation_fraction``.
    validation_fraction : float
        Share of the edges held out of the graph for early stopping (none when that would be under 5 edges).
        On small graphs every edge counts: the default holds none out.
    device : {"auto", "cpu", "cuda", "mps"}
    random_state : int or None
        Seed of the weights, the held-out edges and the random pairs.
    verbose : int
    callbacks : list of deepmine.training.Callback or None
        Extra hooks called during training.
    grad_clip : float or None
        Clip the gradient norm to this value.

    Attributes
    ----------
    nodes_, embedding_ : the graph's nodes and their vectors (the means, for the variational form).
    history_ : one row per epoch (train_loss, valid_loss, lr, seconds).
    n_iter_ : epochs trained. features_ : "identity", "structural" or "given".
    """

    def __init__(self, variational: bool = False, hidden: int = 32, dimensions: int = 16, features="auto",
                 dropout: float = 0.0, lr: float = 0.01, weight_decay: float = 0.0, max_epochs: int = 200,
                 early_stopping=None, validation_fraction: float = 0.0, device: str = "auto", random_state=None,
                 verbose: int = 0, callbacks=None, grad_clip=None):
        store_params(self, locals())

    def _check_params(self) -> None:
        for name in ("hidden", "dimensions", "max_epochs"):
            check_positive_int(name, getattr(self, name))
        if self.early_stopping is not None:
            check_positive_int("early_stopping", self.early_stopping)
        if not 0 <= float(self.dropout) < 1:
            raise ParameterError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if not 0 <= float(self.validation_fraction) < 0.5:
            raise ParameterError(f"validation_fraction must be in [0, 0.5), got {self.validation_fraction!r}")
        if not float(self.lr) > 0:
            raise ParameterError(f"lr must be a positive number (0.01 is usual), got {self.lr!r}")

    def _features(self, graph: Graph) -> tuple[np.ndarray | None, str]:
        given = self.features
        if isinstance(given, str):
            if given not in ("auto", "identity", "structural"):
                raise ParameterError(f"features must be 'auto', 'identity', 'structural', an array or a DataFrame "
                                     f"of node features, got {given!r}")
            if given == "identity" or (given == "auto" and graph.n_nodes <= IDENTITY_NODES):
                return None, "identity"
            return structural_features(graph), "structural"
        if isinstance(given, pd.DataFrame):
            missing = [node for node in graph.nodes if node not in given.index]
            if missing:
                raise DataError(f"the node features have no row for {len(missing)} nodes (e.g. {missing[0]!r}); "
                                f"index them by node, one row per node of the graph")
            given = given.loc[list(graph.nodes)].select_dtypes(include="number")
        values = np.asarray(given, dtype=np.float64)
        if values.ndim != 2 or len(values) != graph.n_nodes or values.shape[1] == 0:
            raise DataError(f"node features must be one row per node ({graph.n_nodes}) and at least one numeric "
                            f"column, got shape {values.shape}")
        if not np.isfinite(values).all():
            raise DataError("the node features hold missing or infinite values; fill them first")
        return _standardised(values), "given"

    def fit(self, X, y=None):
        """Learn a vector for every node of the graph ``X`` (anything :func:`~deepmine.graph.as_graph` reads)."""
        import torch

        from deepmine.graph.links import _sample_non_edges
        from deepmine.nn.graph import GraphAutoencoder, GraphAutoencoderLoss, normalized_adjacency
        from deepmine.training import Trainer
        from deepmine.training.device import resolve_seed, seeded

        self._check_params()
        graph = as_graph(X)
        features, kind = self._features(graph)
        u, v, _ = graph.edges()
        if len(u) < 2:
            raise DataError(f"the graph has {len(u)} edge(s); a graph autoencoder learns from edges, so give at "
                            f"least two")
        rng = check_random_state(self.random_state)
        n_valid = int(round(len(u) * float(self.validation_fraction)))
        n_valid = n_valid if n_valid >= 5 else 0
        order = rng.permutation(len(u))
        held, kept = order[:n_valid], order[n_valid:]
        n = graph.n_nodes
        message = sp.coo_matrix((np.ones(len(kept)), (u[kept], v[kept])), shape=(n, n))
        propagation = normalized_adjacency(message + message.T)
        pairs = np.column_stack([u[kept], v[kept]]).astype(np.float32)
        valid = (None, None)
        if n_valid:
            negatives = _sample_non_edges(graph, n_valid, np.random.default_rng(rng.randint(0, 2**31 - 1)))
            valid = (np.vstack([np.column_stack([u[held], v[held]]), negatives]).astype(np.float32),
                     np.r_[np.ones(n_valid), np.zeros(len(negatives))].astype(np.float32))
        seed = resolve_seed(rng.randint(0, 2**31 - 1))
        with seeded(seed):
            module = GraphAutoencoder(n, None if features is None else features.shape[1], int(self.hidden),
                                      int(self.dimensions), bool(self.variational), float(self.dropout))
            module.set_graph(propagation, None if features is None else torch.from_numpy(features))
            trainer = Trainer(loss=GraphAutoencoderLoss(module), optimizer="adam", lr=float(self.lr),
                              weight_decay=float(self.weight_decay), batch_size=len(pairs),
                              max_epochs=int(self.max_epochs), lr_schedule="constant",
                              early_stopping=self.early_stopping if n_valid else None, device=self.device,
                              verbose=self.verbose, description="graph autoencoder",
                              callbacks=list(self.callbacks or ()), grad_clip=self.grad_clip)
            history = trainer.fit(module, pairs, np.ones(len(pairs), dtype=np.float32), *valid)
        module.eval()
        with torch.no_grad():
            embedding = module.embed().detach().cpu().numpy().astype(np.float32)
        self.nodes_, self.embedding_, self.features_ = list(graph.nodes), embedding, kind
        # plain lists, not a DataFrame, so the fitted model saves as arrays (skops); history_ rebuilds the table
        self.history_record_ = {str(c): history[c].tolist() for c in history.columns}
        self.n_iter_ = int(len(history))
        self.graph_summary_ = graph.summary()
        return self


    @property
    def history_(self) -> pd.DataFrame:
        """One row per epoch: epoch, train_loss, (valid_loss,) lr, seconds."""
        return pd.DataFrame(self.history_record_)


class VGAE(GAE):
    """The variational graph autoencoder (Kipf and Welling 2016): :class:`GAE` with ``variational=True``."""

    def __init__(self, variational: bool = True, hidden: int = 32, dimensions: int = 16, features="auto",
                 dropout: float = 0.0, lr: float = 0.01, weight_decay: float = 0.0, max_epochs: int = 200,
                 early_stopping=None, validation_fraction: float = 0.0, device: str = "auto", random_state=None,
                 verbose: int = 0, callbacks=None, grad_clip=None):
        store_params(self, locals())


__all__ = ["GAE", "VGAE", "structural_features"]
