"""TabMNet: TabM (Gorishniy et al., ICLR 2025, arXiv 2410.24210) over deepmine's table input, from the ``tabm``
and ``rtdl_num_embeddings`` packages.

TabM is a parameter-efficient ensemble of ``k`` MLPs (BatchEnsemble: the members share each weight matrix
and differ by rank-one scalings), fed by piecewise-linear embeddings of the numeric columns (quantile bins,
version "B") and one-hot categories. Training sees each member's prediction, shape ``(batch, k, out)``, and
:class:`EnsembleLoss` averages the members' losses; in evaluation mode the network returns the ensemble's
prediction in the space its task's loss expects: the mean for regression, and for classification the logit
(binary) or log-probabilities (several classes) of the members' mean probability, so that sigmoid or
softmax of the output is the averaged probability.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch
from torch import nn

from deepmine.nn.dropout import replace_dropout


def quantile_bins(x: np.ndarray, n_bins: int = 48, max_rows: int = 1_000_000) -> list[list[float]]:
    """Bin edges per column from the quantiles of ``x`` (``rtdl_num_embeddings.compute_bins``); a column with
    a single value in these rows gets the edges ``[v - 0.5, v + 0.5]``."""
    from rtdl_num_embeddings import compute_bins

    x = np.asarray(x, dtype=np.float32)
    if len(x) > max_rows:  # torch.quantile refuses more than 2^24 values a column; a seeded sample suffices
        x = x[np.sort(np.random.default_rng(0).choice(len(x), max_rows, replace=False))]
    edges: list[list[float] | None] = [None] * x.shape[1]
    varied = [j for j in range(x.shape[1]) if np.unique(x[:, j]).size > 1]
    if varied:
        for j, bins in zip(varied, compute_bins(torch.as_tensor(x[:, varied]), n_bins=n_bins)):
            edges[j] = [float(v) for v in bins]
    for j in range(x.shape[1]):
        if edges[j] is None:
            value = float(x[0, j]) if len(x) else 0.0
            edges[j] = [value - 0.5, value + 0.5]
    return edges


class EnsembleLoss(nn.Module):
    """The mean of ``base`` over the members of an ensemble's ``(batch, k, out)`` output; a plain
    ``(batch, out)`` output (the ensemble's prediction, in evaluation) goes to ``base`` as it is."""

    def __init__(self, base: nn.Module):
        super().__init__()
        self.base = base

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if output.dim() != 3:
            return self.base(output, target)
        k = output.shape[1]
        flat = output.reshape(-1, output.shape[-1])
        return self.base(flat, target.repeat_interleave(k, dim=0))


class TabMNet(nn.Module):
    """Input columns ``[0, n_numeric)`` are numbers; each later column holds one categorical code.

    ``head`` says how the members' outputs combine in evaluation: "binary", "multiclass" or "regression".
    ``bins`` are the numeric columns' bin edges (:func:`quantile_bins`); without them each column gets 48
    even bins over [-3, 3] until :meth:`set_bins` gives the data's own.
    """

    def __init__(self, n_numeric: int, cardinalities: Sequence[int], n_out: int, head: str = "regression",
                 bins: Sequence[Sequence[float]] | None = None, k: int = 32, n_blocks: int = 2, d_block: int = 256,
                 dropout: float = 0.1, d_embedding: int = 16):
        super().__init__()
        from tabm import TabM

        if head not in ("binary", "multiclass", "regression"):
            raise ValueError(f"head must be 'binary', 'multiclass' or 'regression', got {head!r}")
        self.n_numeric, self.head, self.d_embedding = n_numeric, head, d_embedding
        self.cardinalities = [int(c) for c in cardinalities]
        bins = bins if bins is not None else [list(np.linspace(-3.0, 3.0, 49))] * n_numeric
        self.tabm = TabM.make(n_num_features=n_numeric, cat_cardinalities=self.cardinalities or None, d_out=n_out,
                              num_embeddings=self._embeddings(bins) if n_numeric else None, k=k, n_blocks=n_blocks,
                              d_block=d_block, dropout=dropout)
        replace_dropout(self.tabm)  # torch's CPU dropout was a third of a training step

    def _embeddings(self, bins) -> nn.Module:
        from rtdl_num_embeddings import PiecewiseLinearEmbeddings

        return PiecewiseLinearEmbeddings([torch.tensor(b, dtype=torch.float32) for b in bins], self.d_embedding,
                                         activation=False, version="B")

    def set_bins(self, bins) -> None:
        """Replace the numeric embeddings by fresh ones over ``bins`` (before training)."""
        if self.n_numeric:
            device = next(self.parameters()).device
            self.tabm.num_module = self._embeddings(bins).to(device)

    def members(self, x: torch.Tensor) -> torch.Tensor:
        """Each member's output, shape ``(batch, k, out)``."""
        x_num = x[:, : self.n_numeric] if self.n_numeric else None
        x_cat = x[:, self.n_numeric:].long() if self.cardinalities else None  # codes < cardinality by construction
        return self.tabm(x_num, x_cat)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.members(x)
        if self.training:
            return out
        k = out.shape[1]
        if self.head == "regression":
            return out.mean(dim=1)
        if self.head == "binary":  # the logit of the mean probability
            log_p = torch.logsumexp(nn.functional.logsigmoid(out), dim=1) - math.log(k)
            log_q = torch.logsumexp(nn.functional.logsigmoid(-out), dim=1) - math.log(k)
            return log_p - log_q
        return torch.logsumexp(torch.log_softmax(out, dim=-1), dim=1) - math.log(k)
