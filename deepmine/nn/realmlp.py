"""RealMLPNet: the RealMLP-TD network of Holzmüller et al. (NeurIPS 2024, arXiv 2407.04491) in plain torch.

Its pieces, in the order a row meets them:

1. numeric columns are centred on their median, divided by their interquartile range (or, where that is 0,
   by half their range) and smoothly clipped, ``x / sqrt(1 + (x / 3)^2)``;
2. each numeric column gets a PBLD embedding (periodic features ``cos(2 pi w x + b)`` with 16 frequencies
   drawn from N(0, 0.1^2), a linear map to 3 values, and the value itself: 4 numbers per column);
   categorical columns of at most ``max_one_hot`` levels are one-hot, larger ones get 8-wide embeddings;
3. a learnable scale per input feature (trained six times faster than the weights);
4. three NTK-parametrised linear layers of 256 (weights N(0, 1) divided by sqrt(fan-in) in the forward
   pass), each followed by a parametric activation ``x + a (act(x) - x)`` with one ``a`` per neuron and
   dropout; the output layer is NTK-parametrised too.

Weights are initialised from the data (``init_from_data``): each layer's weights are rescaled so that its
outputs have unit variance on the training rows, and its biases put each neuron's kink at a random convex
combination of five training rows ("he+5"). Parameter groups carry the paper's learning-rate factors
(biases, activation slopes and embeddings 0.1, scales 6) and its weight-decay factors (0 for biases).
The schedules (coslog4 rate, flat-cosine decay and dropout) live in :mod:`deepmine.training.optim`.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from deepmine.nn.dropout import fast_dropout
from deepmine.training.optim import flat_cos


def smooth_clip(x: torch.Tensor) -> torch.Tensor:
    return x / torch.sqrt(1.0 + (x / 3.0) ** 2)


class PBLDEmbedding(nn.Module):
    """Periodic-bias-linear-densenet embedding of each numeric column (one small network per column)."""

    def __init__(self, n_features: int, frequencies: int = 16, dim: int = 4, sigma: float = 0.1):
        super().__init__()
        self.weight_1 = nn.Parameter(sigma * torch.randn(n_features, frequencies))
        self.bias_1 = nn.Parameter(math.pi * (2.0 * torch.rand(n_features, frequencies) - 1.0))
        bound = 1.0 / math.sqrt(frequencies)
        self.weight_2 = nn.Parameter(bound * (2.0 * torch.rand(n_features, frequencies, dim - 1) - 1.0))
        self.bias_2 = nn.Parameter(bound * (2.0 * torch.rand(n_features, dim - 1) - 1.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, features) -> (batch, features * dim)
        periodic = torch.cos(2.0 * math.pi * x.unsqueeze(-1) * self.weight_1 + self.bias_1)
        linear = torch.einsum("bfk,fkd->bfd", periodic, self.weight_2) + self.bias_2
        return torch.cat([linear, x.unsqueeze(-1)], dim=-1).flatten(1)


class NTKLinear(nn.Module):
    """A linear layer in the NTK parametrisation: weights N(0, 1), the product divided by sqrt(fan-in)."""

    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))
        self.factor = 1.0 / math.sqrt(n_in)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x @ self.weight) * self.factor + self.bias

    @torch.no_grad()
    def init_from_data(self, x: torch.Tensor, generator: torch.Generator | None = None) -> None:
        """Unit-variance outputs on ``x`` ("std" init), and each bias at minus a random convex combination of
        five rows' outputs ("he+5"), so every neuron's kink lies inside the data."""
        out = (x @ self.weight) * self.factor
        std = out.std(dim=0, correction=0)
        self.weight /= torch.where(std > 1e-6, std, torch.ones_like(std))  # a constant output (one row) keeps N(0, 1)
        out = (x @ self.weight) * self.factor
        # drawn on the CPU (the same numbers on every device), then moved to the data's device
        rows = torch.randint(0, len(x), (out.shape[1], 5), generator=generator).to(x.device)
        mix = -torch.log(torch.rand(out.shape[1], 5, generator=generator).clamp_min(1e-12)).to(x.device)  # Exp(1)
        mix /= mix.sum(dim=1, keepdim=True)
        picked = out[rows, torch.arange(out.shape[1], device=x.device).unsqueeze(1)]
        self.bias.copy_(-(picked * mix).sum(dim=1))


_ACTIVATIONS = {"selu": F.selu, "mish": F.mish, "relu": F.relu, "silu": F.silu, "gelu": F.gelu}


class ParametricActivation(nn.Module):
    """``x + a (act(x) - x)`` with a learnable slope ``a`` per neuron, starting at 1 (the plain activation)."""

    def __init__(self, name: str, width: int):
        super().__init__()
        if name not in _ACTIVATIONS:
            raise ValueError(f"unknown activation {name!r}; use one of: {', '.join(_ACTIVATIONS)}")
        self.name = name
        self.slope = nn.Parameter(torch.ones(width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.slope * (_ACTIVATIONS[self.name](x) - x)


class RealMLPNet(nn.Module):
    """Input columns ``[0, n_numeric)`` are numbers; each later column holds one categorical code."""

    def __init__(self, n_numeric: int, cardinalities: Sequence[int], n_out: int, hidden: Sequence[int] = (256, 256, 256),
                 activation: str = "selu", dropout: float = 0.15, max_one_hot: int = 9, embedding_dim: int = 8,
                 frequencies: int = 16, numeric_dim: int = 4, sigma: float = 0.1, clamp_output: bool = False):
        super().__init__()
        self.n_numeric = n_numeric
        self.cardinalities = [int(c) for c in cardinalities]
        self.one_hot = [i for i, c in enumerate(self.cardinalities) if c <= max_one_hot]
        self.embedded = [i for i, c in enumerate(self.cardinalities) if c > max_one_hot]
        self.embeddings = nn.ModuleList(nn.Embedding(self.cardinalities[i], embedding_dim) for i in self.embedded)
        for emb in self.embeddings:
            nn.init.normal_(emb.weight)
        # robust scaling, fitted from the training rows by init_from_data
        self.register_buffer("center", torch.zeros(n_numeric))
        self.register_buffer("scale", torch.ones(n_numeric))
        self.numeric = PBLDEmbedding(n_numeric, frequencies, numeric_dim, sigma) if n_numeric else None
        width = (n_numeric * numeric_dim + sum(self.cardinalities[i] for i in self.one_hot)
                 + embedding_dim * len(self.embedded))
        self.feature_scale = nn.Parameter(torch.ones(width))
        self.layers = nn.ModuleList()
        self.activations = nn.ModuleList()
        for size in hidden:
            self.layers.append(NTKLinear(width, size))
            self.activations.append(ParametricActivation(activation, size))
            width = size
        self.output = NTKLinear(width, n_out)
        self.dropout, self.p = dropout, dropout
        self.clamp_output = clamp_output
        # the training targets' range (regression): outputs are clamped to it when predicting
        self.register_buffer("low", torch.full((n_out,), -math.inf))
        self.register_buffer("high", torch.full((n_out,), math.inf))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Everything before the first linear layer: the scaled, embedded and one-hot inputs."""
        parts = []
        if self.n_numeric:
            parts.append(self.numeric(smooth_clip((x[:, : self.n_numeric] - self.center) * self.scale)))
        if self.cardinalities:
            codes = x[:, self.n_numeric:].long()
            parts += [F.one_hot(codes[:, i].clamp(0, self.cardinalities[i] - 1), self.cardinalities[i]).to(x.dtype)
                      for i in self.one_hot]
            parts += [emb(codes[:, i].clamp(0, emb.num_embeddings - 1)) for i, emb in zip(self.embedded, self.embeddings)]
        return torch.cat(parts, dim=1) * self.feature_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x)
        for layer, act in zip(self.layers, self.activations):
            h = fast_dropout(act(layer(h)), self.p, self.training)
        out = self.output(h)
        if self.clamp_output and not self.training:
            out = torch.minimum(torch.maximum(out, self.low), self.high)
        return out

    def set_progress(self, t: float) -> None:
        """Dropout follows the flat-cosine shape over training (``t`` from 0 to 1)."""
        self.p = self.dropout * flat_cos(t)

    @torch.no_grad()
    def init_from_data(self, x: torch.Tensor, y: torch.Tensor | None = None, max_rows: int = 4096) -> None:
        """Robust scaling statistics from all of ``x``, then layer by layer the data-dependent initialisation
        on up to ``max_rows`` of its rows; the target's range for clamping (regression)."""
        if self.n_numeric:
            num = x[:, : self.n_numeric].double()
            q1, median, q3 = _quantiles(num) if len(num) <= 2 ** 24 else _quantiles(
                num[torch.randperm(len(num))[:1_000_000].to(num.device)])  # torch.quantile refuses more rows
            low, high = num.min(dim=0).values, num.max(dim=0).values
            iqr, spread = q3 - q1, (high - low) / 2.0
            scale = torch.where(iqr > 0, 1.0 / iqr.clamp_min(1e-300), torch.where(spread > 0, 1.0 / spread.clamp_min(1e-300),
                                                                                0.0))
            self.center.copy_(median.float())
            self.scale.copy_(scale.float())
        if y is not None and self.clamp_output:
            y2 = y.reshape(len(y), -1).float()
            self.low.copy_(y2.min(dim=0).values)
            self.high.copy_(y2.max(dim=0).values)
        rows = x if len(x) <= max_rows else x[torch.randperm(len(x))[:max_rows].to(x.device)]
        h = self.features(rows)
        for layer, act in zip(self.layers, self.activations):
            layer.init_from_data(h)
            h = act(layer(h))
        self.output.init_from_data(h)

    def parameter_groups(self) -> list[dict]:
        """The paper's per-parameter learning-rate and weight-decay factors (see parameter_groups in optim)."""
        biases = [layer.bias for layer in [*self.layers, self.output]]
        weights = [layer.weight for layer in [*self.layers, self.output]]
        slopes = [act.slope for act in self.activations]
        numeric = list(self.numeric.parameters()) if self.numeric is not None else []
        groups = [{"params": weights, "lr_factor": 1.0, "wd_factor": 1.0},
                  {"params": biases, "lr_factor": 0.1, "wd_factor": 0.0},
                  {"params": slopes, "lr_factor": 0.1, "wd_factor": 1.0},
                  {"params": [self.feature_scale], "lr_factor": 6.0, "wd_factor": 1.0},
                  {"params": numeric, "lr_factor": 0.1, "wd_factor": 1.0},
                  {"params": list(self.embeddings.parameters()), "lr_factor": 1.0, "wd_factor": 1.0}]
        return [g for g in groups if g["params"]]


def _quantiles(num: torch.Tensor) -> torch.Tensor:
    """The quartiles and the median of each column, as rows ``(q1, median, q3)``."""
    return torch.quantile(num, torch.tensor([0.25, 0.5, 0.75], dtype=num.dtype, device=num.device), dim=0)
