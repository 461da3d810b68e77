"""Torch building blocks with no scikit-learn in them: activations, MLP, TabularNet, autoencoders."""

from deepmine.nn.activations import ACTIVATIONS, activation
from deepmine.nn.autoencoder import DenseAutoencoder, VAELoss, VariationalAutoencoder
from deepmine.nn.mlp import MLP, NORMS
from deepmine.nn.tabular import TabularNet, embedding_size

__all__ = ["ACTIVATIONS", "DenseAutoencoder", "MLP", "NORMS", "TabularNet", "activation", "embedding_size", "VAELoss", "VariationalAutoencoder"]
