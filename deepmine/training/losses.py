"""Loss functions by name: BCE, cross-entropy, NLL, MSE and Huber."""

from __future__ import annotations

import torch
from torch import nn


class BCEWithLogits(nn.BCEWithLogitsLoss):
    """Binary cross-entropy on one logit per row; targets arrive as floats of shape (n,) or (n, 1).

    ``label_smoothing`` moves each 0/1 target that share towards 1/2, as CrossEntropyLoss does for two classes.
    """

    def __init__(self, *args, label_smoothing: float = 0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_smoothing = label_smoothing

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.label_smoothing:
            target = target * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        return super().forward(input.reshape(target.shape), target)


LOSSES = {
    "bce": BCEWithLogits,
    "cross_entropy": nn.CrossEntropyLoss,
    "nll": nn.NLLLoss,
    "mse": nn.MSELoss,
    "huber": nn.HuberLoss,
}


def make_loss(loss: str | nn.Module, weight: torch.Tensor | None = None, label_smoothing: float = 0.0) -> nn.Module:
    """A loss module from its name; ``weight`` holds per-class weights for classification losses, and
    ``label_smoothing`` (BCE and cross-entropy) the share of each target spread over the classes."""
    if isinstance(loss, nn.Module):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; use one of: {', '.join(LOSSES)}")
    smoothing = {"label_smoothing": label_smoothing} if label_smoothing and loss in ("bce", "cross_entropy") else {}
    if weight is None:
        return LOSSES[loss](**smoothing)
    if loss == "bce":
        # pos_weight scales the positive class relative to the negative one
        return BCEWithLogits(pos_weight=(weight[1] / weight[0]).reshape(1), **smoothing)
    return LOSSES[loss](weight=weight, **smoothing)
