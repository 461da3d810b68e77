"""Recommendation: deep recommenders (matrix factorisation, NeuMF, hybrid) beside popularity, biases, item-kNN and ALS."""

from deepmine.recommend.base import BaseRecommender
from deepmine.recommend.data import Interactions
from deepmine.recommend.deep import HybridMF, MatrixFactorization, NeuMF
from deepmine.recommend.traditional import ALSMatrixFactorization, BiasBaseline, ItemKNN, Popularity

__all__ = ["ALSMatrixFactorization", "BaseRecommender", "BiasBaseline", "HybridMF", "Interactions", "ItemKNN",
           "MatrixFactorization", "NeuMF", "Popularity"]
