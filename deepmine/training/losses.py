"""Loss functions by name: BCE, cross-entropy, NLL, MSE and Huber."""

from __future__ import annotations

import torch
from torch import nn


class BCEWithLogits(nn.BCEWithLogitsLoss):
    """Binary cross-entropy on one logit per row; targets arrive as floats of shape (n,) or (n, 1)."""

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return super().forward(input.reshape(target.shape), target)


LOSSES = {
    "bce": BCEWithLogits,
    "cross_entropy": nn.CrossEntropyLoss,
    "nll": nn.NLLLoss,
    "mse": nn.MSELoss,
    "huber": nn.HuberLoss,
}


def make_loss(loss: str | nn.Module, weight: torch.Tensor | None = None) -> nn.Module:
    """A loss module from its name; ``weight`` holds per-class weights for classification losses."""
    if isinstance(loss, nn.Module):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; use one of: {', '.join(LOSSES)}")
    if weight is None:
        return LOSSES[loss]()
    if loss == "bce":
        # pos_weight scales the positive class relative to the negative one
        return BCEWithLogits(pos_weight=(weight[1] / weight[0]).reshape(1))
    return LOSSES[loss](weight=weight)
