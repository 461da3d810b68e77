"""Clustering: deep clusterers (autoencoder + k-means, DEC / IDEC) beside k-means, Gaussian mixtures and agglomerative."""

from deepmine.cluster.autoencoder_kmeans import AutoencoderKMeans
from deepmine.cluster.dec import DEC
from deepmine.cluster.traditional import TraditionalClusterer

__all__ = ["AutoencoderKMeans", "DEC", "TraditionalClusterer"]
