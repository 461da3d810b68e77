"""Graph neural networks in plain PyTorch: the graph convolution of Kipf and Welling (2017) as a sparse matrix
product, and the (variational) graph autoencoder built on it (Kipf and Welling 2016, "Variational Graph
Auto-Encoders"), which learns node vectors whose inner products predict the edges."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn
from torch.nn import functional as F


def normalized_adjacency(adjacency: sp.spmatrix) -> torch.Tensor:
    """D^-1/2 (A + I) D^-1/2 of a symmetric adjacency, as a torch sparse (COO) float32 tensor: the propagation
    matrix of a graph convolution (each node averages itself and its neighbours, scaled by their degrees)."""
    a = sp.csr_matrix(adjacency, dtype=np.float64)
    a = (a > 0).astype(np.float64) + sp.identity(a.shape[0], format="csr")
    d = np.asarray(a.sum(axis=1)).ravel()
    scale = sp.diags(1.0 / np.sqrt(d))
    a = (scale @ a @ scale).tocoo()
    indices = torch.from_numpy(np.vstack([a.row, a.col]).astype(np.int64))
    return torch.sparse_coo_tensor(indices, torch.from_numpy(a.data.astype(np.float32)), a.shape,
                                   check_invariants=False).coalesce()


class GraphAutoencoder(nn.Module):
    """A two-layer graph convolutional encoder and an inner-product decoder (GAE), or its variational form (VGAE).

    The graph (the propagation matrix and the node features) is held outside the parameters (``set_graph``), so
    the state dict is the weights alone. ``forward(pairs)`` scores node pairs ``(u, v)`` by ``z_u . z_v`` (logits
    of an edge). In training mode it also scores as many random node pairs, drawn with torch's generator, as
    negatives, and returns both halves concatenated; :class:`GraphAutoencoderLoss` reads them so. With
    ``identity`` features the first layer's weight is a vector per node (the featureless GAE of the paper)."""

    def __init__(self, n_nodes: int, n_features: int | None, hidden: int = 32, dimensions: int = 16,
                 variational: bool = False, dropout: float = 0.0):
        super().__init__()
        self.n_nodes, self.variational, self.dropout = int(n_nodes), bool(variational), float(dropout)
        inputs = int(n_nodes) if n_features is None else int(n_features)
        self.first = nn.Parameter(torch.empty(inputs, hidden))
        self.mean = nn.Parameter(torch.empty(hidden, dimensions))
        self.log_std = nn.Parameter(torch.empty(hidden, dimensions)) if variational else None
        for weight in (self.first, self.mean, self.log_std):
            if weight is not None:
                nn.init.xavier_uniform_(weight)
        # the graph: buffers, so .to(device) moves it with the weights, kept out of the state dict (and checkpoints)
        self.register_buffer("propagation", None, persistent=False)
        self.register_buffer("features", None, persistent=False)  # None: identity features
        self.kl = torch.zeros(())

    def set_graph(self, propagation: torch.Tensor, features: torch.Tensor | None) -> "GraphAutoencoder":
        self.propagation, self.features = propagation, features
        return self

    def encode(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The node vectors' means (and log standard deviations, variational)."""
        a = self.propagation
        h = self.first if self.features is None else self.features @ self.first
        h = F.relu(torch.sparse.mm(a, h))
        h = F.dropout(h, self.dropout, self.training)
        mean = torch.sparse.mm(a, h @ self.mean)
        log_std = torch.sparse.mm(a, h @ self.log_std).clamp(max=10.0) if self.variational else None
        return mean, log_std

    def embed(self) -> torch.Tensor:
        """The node vectors used to score links: the means."""
        return self.encode()[0]

    def forward(self, pairs: torch.Tensor) -> torch.Tensor:
        mean, log_std = self.encode()
        z = mean
        if self.variational and self.training:
            z = mean + torch.randn_like(mean) * torch.exp(log_std)
            self.kl = -0.5 / self.n_nodes * torch.mean(
                torch.sum(1 + 2 * log_std - mean ** 2 - torch.exp(log_std) ** 2, dim=1))
        pairs = pairs.long()
        logits = (z[pairs[:, 0]] * z[pairs[:, 1]]).sum(dim=1)
        if not self.training:
            return logits
        negatives = torch.randint(0, self.n_nodes, (len(pairs), 2), device=pairs.device)
        return torch.cat([logits, (z[negatives[:, 0]] * z[negatives[:, 1]]).sum(dim=1)])


class GraphAutoencoderLoss(nn.Module):
    """Binary cross-entropy of the edges against the random pairs drawn in training (or of the labelled pairs
    given for validation), plus the KL term of a variational autoencoder while it trains."""

    def __init__(self, module: GraphAutoencoder):
        super().__init__()
        self.module = [module]  # a list: the loss must not register the network as its own submodule

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        target = target.reshape(-1).to(output.dtype)
        net = self.module[0]
        if net.training:  # the network scored the edges, then as many random pairs
            target = torch.cat([target, torch.zeros_like(target)])
        loss = F.binary_cross_entropy_with_logits(output, target)
        if net.variational and net.training:
            loss = loss + net.kl
        return loss


__all__ = ["GraphAutoencoder", "GraphAutoencoderLoss", "normalized_adjacency"]
