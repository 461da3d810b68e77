"""Recommendation: deep recommenders (matrix factorisation, NeuMF) beside popularity, biases and item-kNN."""

from deepmine.recommend.base import BaseRecommender
from deepmine.recommend.data import Interactions

__all__ = ["BaseRecommender", "Interactions"]
