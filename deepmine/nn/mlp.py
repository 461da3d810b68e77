"""Multi-layer perceptron: Linear -> norm -> activation -> dropout, repeated, then a linear head."""

from __future__ import annotations

from typing import Sequence

from torch import nn

from deepmine.nn.activations import activation

NORMS = ("none", "batch", "layer")


def _norm(name: str, width: int) -> nn.Module:
    if name == "batch":
        return nn.BatchNorm1d(width)
    if name == "layer":
        return nn.LayerNorm(width)
    if name in ("none", None):
        return nn.Identity()
    raise ValueError(f"unknown norm {name!r}; use one of: {', '.join(NORMS)}")


class MLP(nn.Sequential):
    """A feed-forward network from ``n_in`` inputs to ``n_out`` outputs.

    ``hidden=()`` gives a single linear layer: with a sigmoid or softmax on top that is the
    logistic-regression neuron, with nothing on top the linear-regression one.
    """

    def __init__(self, n_in: int, n_out: int, hidden: Sequence[int] = (256, 128), activation_name: str = "relu",
                 norm: str = "none", dropout: float = 0.0):
        activation(activation_name)  # reject a misspelt name even when there is no hidden layer
        _norm(norm, 1)
        layers: list[nn.Module] = []
        width = n_in
        for h in hidden:
            layers += [nn.Linear(width, h), _norm(norm, h), activation(activation_name)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, n_out))
        super().__init__(*[layer for layer in layers if not isinstance(layer, nn.Identity)])
