"""The deep clusterers' shared parts: an autoencoder with centroids in its code, and the fit steps around it."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from sklearn.base import ClusterMixin, TransformerMixin
from torch import nn

from deepmine.base import UnsupervisedDeepEstimator
from deepmine.cluster._common import (apply_scaling, candidate_ks, check_not_constant, choose_k, fit_scaling,
                                      nearest)
from deepmine.nn.autoencoder import DenseAutoencoder


class ClusteringAutoencoder(nn.Module):
    """A dense autoencoder plus ``n_clusters`` centroids in its code space (a Parameter, so saved and trainable).

    ``phase`` picks what ``forward`` returns, so one shared Trainer can train every step:
    "reconstruct" the reconstruction (of the input masked with ``noise`` while training: a
    denoising autoencoder learns sturdier codes), "cluster" DEC's soft assignments q, and
    "cluster+reconstruct" both (IDEC).
    """

    def __init__(self, n_in: int, code_dim: int, hidden: Sequence[int], n_clusters: int,
                 activation_name: str = "relu", noise: float = 0.0, alpha: float = 1.0):
        super().__init__()
        self.autoencoder = DenseAutoencoder(n_in, code_dim, hidden, activation_name)
        self.centroids = nn.Parameter(torch.zeros(n_clusters, code_dim))
        self.noise, self.alpha, self.phase = noise, alpha, "reconstruct"

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.autoencoder.encode(x)

    def soft_assign(self, z: torch.Tensor) -> torch.Tensor:
        """Student's t kernel between codes and centroids, normalised over the clusters (DEC's q)."""
        d2 = ((z[:, None, :] - self.centroids[None, :, :]) ** 2).sum(-1)
        q = (1.0 + d2 / self.alpha) ** (-(self.alpha + 1.0) / 2.0)
        return q / q.sum(dim=1, keepdim=True)

    def forward(self, x: torch.Tensor):
        if self.phase == "reconstruct":
            if self.training and self.noise > 0:
                # masking without dropout's 1/(1-p) rescaling: the code sees inputs on the same scale as at predict time
                x = x * (torch.rand_like(x) >= self.noise).to(x.dtype)
            return self.autoencoder(x)
        z = self.encode(x)
        q = self.soft_assign(z)
        return (q, self.autoencoder.decoder(z)) if self.phase == "cluster+reconstruct" else q


class DeepClusterer(ClusterMixin, TransformerMixin, UnsupervisedDeepEstimator):
    """Fit steps shared by the deep clusterers: check, scale, pretrain the autoencoder, k-means on its code.

    A subclass adds its own refinement in ``_train`` after ``super()._train(...)``.
    """

    # ------------------------------------------------------------------ data
    def _training_rows(self, Xt, y):
        self._candidate_ks = candidate_ks(self.n_clusters, self.k_range, len(Xt))
        check_not_constant(Xt)
        self.scaling_, self.input_scale_ = fit_scaling(self.scaling, self.preprocessor_, Xt)
        return apply_scaling(Xt, self.preprocessor_, self.scaling_, self.input_scale_)

    def _prepare(self, X):
        return apply_scaling(super()._prepare(X), self.preprocessor_, self.scaling_, self.input_scale_)

    # ------------------------------------------------------------------ network and training
    def _build_module(self, n_numeric, cardinalities, n_out):
        # n_clusters_ is known when loading a saved model; in fit the centroids are replaced after k-means
        return ClusteringAutoencoder(self._input_width(n_numeric, cardinalities), self.code_dim, tuple(self.hidden),
                                     getattr(self, "n_clusters_", 1), self.activation, self.noise)

    def _train(self, trainer, module, Xt, train, valid):
        module.phase = "reconstruct"
        history = super()._train(trainer, module, Xt, train, valid)
        self._init_centroids(module, Xt)
        return history

    def _init_centroids(self, module, Xt) -> None:
        """k-means on the code (k chosen by silhouette for "auto"); its centres become the module's centroids."""
        from sklearn.cluster import KMeans

        Z = self._encode(module, Xt)
        seed = int(torch.randint(0, 2**31 - 1, ()).item())  # drawn under the fit's seed, so reproducible

        def kmeans(k):
            km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(Z)
            return km, km.labels_

        self.n_clusters_, self.k_scores_, km, _ = choose_k(Z, self._candidate_ks, kmeans, "silhouette", seed)
        device = next(module.parameters()).device
        module.centroids = nn.Parameter(torch.as_tensor(km.cluster_centers_, dtype=torch.float32, device=device))

    def _after_fit(self, Xt) -> None:
        self.cluster_centers_ = self.module_.centroids.detach().cpu().numpy()
        self.labels_ = nearest(self._encode(self.module_, Xt), self.cluster_centers_)

    # ------------------------------------------------------------------ inference
    @staticmethod
    def _encode(module, Xt: np.ndarray) -> np.ndarray:
        device = next(module.parameters()).device
        module.eval()
        with torch.inference_mode():
            codes = [module.encode(torch.as_tensor(Xt[s: s + 8192], device=device)) for s in range(0, len(Xt), 8192)]
        return torch.cat(codes).float().cpu().numpy()

    def transform(self, X) -> np.ndarray:
        """The learned code of each row: the space in which ``cluster_centers_`` live."""
        Xt = self._prepare(X)  # first: it raises NotFittedError before module_ is touched
        return self._encode(self.module_, Xt)

    def predict(self, X) -> np.ndarray:
        """The cluster of each row: its nearest centroid in the code (for DEC also the most probable cluster)."""
        return nearest(self.transform(X), self.cluster_centers_)

    # ------------------------------------------------------------------ persistence
    def _fitted_state(self) -> dict:
        state = super()._fitted_state()
        state.update(n_clusters_=int(self.n_clusters_), k_scores_={str(k): v for k, v in self.k_scores_.items()},
                     labels_=self.labels_.tolist(), cluster_centers_=self.cluster_centers_.tolist(),
                     scaling_=self.scaling_, input_scale_=float(self.input_scale_))
        return state

    def _restore_fitted_state(self, state: dict) -> None:
        super()._restore_fitted_state(state)
        self.n_clusters_, self.scaling_, self.input_scale_ = state["n_clusters_"], state["scaling_"], state["input_scale_"]
        self.k_scores_ = {int(k): v for k, v in state["k_scores_"].items()}
        self.labels_ = np.asarray(state["labels_"], dtype=np.int64)
        self.cluster_centers_ = np.asarray(state["cluster_centers_"], dtype=np.float32)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # codes are float32, the dtype the network computes in
        return tags
