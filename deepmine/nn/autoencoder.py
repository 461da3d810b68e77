"""Autoencoders: a dense encoder-decoder and its variational form, for representations without labels."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from deepmine.nn.mlp import MLP


class DenseAutoencoder(nn.Module):
    """``n_in -> hidden -> code_dim -> reversed(hidden) -> n_in``; ``encode`` gives the code."""

    def __init__(self, n_in: int, code_dim: int = 8, hidden: Sequence[int] = (128, 64),
                 activation_name: str = "relu", norm: str = "none", dropout: float = 0.0):
        super().__init__()
        self.encoder = MLP(n_in, code_dim, hidden, activation_name, norm, dropout)
        self.decoder = MLP(code_dim, n_in, tuple(reversed(tuple(hidden))), activation_name, norm, dropout)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


class VariationalAutoencoder(nn.Module):
    """Kingma & Welling's VAE with a Gaussian code; ``forward`` returns (reconstruction, mu, logvar).

    In evaluation mode the code is the mean ``mu`` (no sampling), so scores are deterministic.
    """

    def __init__(self, n_in: int, code_dim: int = 8, hidden: Sequence[int] = (128, 64),
                 activation_name: str = "relu", norm: str = "none", dropout: float = 0.0):
        super().__init__()
        hidden = tuple(hidden)
        width = hidden[-1] if hidden else n_in
        self.body = MLP(n_in, width, hidden[:-1], activation_name, norm, dropout) if hidden else nn.Identity()
        self.act = nn.ReLU() if hidden else nn.Identity()
        self.mu = nn.Linear(width, code_dim)
        self.logvar = nn.Linear(width, code_dim)
        self.decoder = MLP(code_dim, n_in, tuple(reversed(hidden)), activation_name, norm, dropout)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.mu(self.act(self.body(x)))

    def forward(self, x: torch.Tensor):
        h = self.act(self.body(x))
        mu, logvar = self.mu(h), self.logvar(h).clamp(-10, 10)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        return self.decoder(z), mu, logvar


class VAELoss(nn.Module):
    """Reconstruction MSE (summed over features, averaged over rows) plus ``beta`` times the KL term."""

    def __init__(self, beta: float = 1.0):
        super().__init__()
        self.beta = beta

    def forward(self, output, target: torch.Tensor) -> torch.Tensor:
        recon, mu, logvar = output
        rec = ((recon - target) ** 2).sum(dim=1).mean()
        kl = (-0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(dim=1)).mean()
        return rec + self.beta * kl
