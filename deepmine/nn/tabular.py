"""TabularNet: an embedding per categorical column, concatenated with numeric inputs, into an MLP."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from deepmine.nn.mlp import MLP


def embedding_size(cardinality: int) -> int:
    """fastai's rule of thumb for the width of a categorical embedding."""
    return int(min(600, round(1.6 * cardinality ** 0.56)))


class TabularNet(nn.Module):
    """Input columns ``[0, n_numeric)`` are numbers; each later column holds one categorical code."""

    def __init__(self, n_numeric: int, cardinalities: Sequence[int], n_out: int, hidden: Sequence[int] = (256, 128),
                 activation_name: str = "relu", norm: str = "none", dropout: float = 0.0,
                 embedding_dropout: float = 0.0):
        super().__init__()
        self.n_numeric = n_numeric
        self.embeddings = nn.ModuleList(nn.Embedding(c, embedding_size(c)) for c in cardinalities)
        self.embedding_dropout = nn.Dropout(embedding_dropout) if embedding_dropout > 0 else nn.Identity()
        n_in = n_numeric + sum(e.embedding_dim for e in self.embeddings)
        self.mlp = MLP(n_in, n_out, hidden, activation_name, norm, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.embeddings:
            return self.mlp(x)
        codes = x[:, self.n_numeric:].long()
        parts = [x[:, : self.n_numeric]] + [emb(codes[:, i]) for i, emb in enumerate(self.embeddings)]
        return self.mlp(torch.cat([parts[0], self.embedding_dropout(torch.cat(parts[1:], dim=1))], dim=1))
