"""Torch building blocks with no scikit-learn in them: activations, MLP, TabularNet."""

from deepmine.nn.activations import ACTIVATIONS, activation
from deepmine.nn.mlp import MLP, NORMS
from deepmine.nn.tabular import TabularNet, embedding_size

__all__ = ["ACTIVATIONS", "MLP", "NORMS", "TabularNet", "activation", "embedding_size"]
