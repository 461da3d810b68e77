"""Activation functions by name: the review's sigmoid, tanh, ReLU, leaky ReLU and Swish, plus GELU."""

from __future__ import annotations

from torch import nn

ACTIVATIONS = {
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "swish": nn.SiLU,  # Swish with beta=1 is SiLU
    "gelu": nn.GELU,
    "identity": nn.Identity,
}


def activation(name: str) -> nn.Module:
    """A fresh activation module for ``name``."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; use one of: {', '.join(ACTIVATIONS)}") from None
