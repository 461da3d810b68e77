"""DeepDetector: the fit template of the neural detectors (UnsupervisedDeepEstimator plus trimming and thresholds)."""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from sklearn.base import TransformerMixin
from torch import nn
from torch.func import functional_call

from deepmine.anomaly.base import BaseDetector, check_contamination, normal_rows
from deepmine.base import UnsupervisedDeepEstimator

TRIM_DOC = """    trim : float in [0, 0.5)
        Share of each batch's rows with the largest loss left out of the gradient step (least
        trimmed squares). Unlabelled training data hold anomalies, and a network trained on every
        row learns to fit them too; trimming keeps it from doing so. 0 learns from every row.
"""


class TrimmedLoss(nn.Module):
    """``loss`` on the ``1 - trim`` share of the batch's rows with the smallest ``row_loss``."""

    def __init__(self, loss: nn.Module, row_loss: Callable, trim: float):
        super().__init__()
        if not 0 <= trim < 0.5:
            raise ValueError(f"trim must be in [0, 0.5), got {trim!r}")
        self.loss, self.row_loss, self.trim = loss, row_loss, float(trim)

    def forward(self, output, target: torch.Tensor) -> torch.Tensor:
        n = len(target)
        keep = int(np.ceil(n * (1 - self.trim)))
        if keep < n:
            with torch.no_grad():
                rows = torch.topk(self.row_loss(output, target), keep, largest=False).indices
            output = tuple(o[rows] for o in output) if isinstance(output, tuple) else output[rows]
            target = target[rows]
        return self.loss(output, target)


class DeepDetector(BaseDetector, TransformerMixin, UnsupervisedDeepEstimator):
    """A neural detector writes ``_build_module`` and ``_row_loss(output, target)``, one loss per row.

    Training follows :class:`~deepmine.base.UnsupervisedDeepEstimator` (one-hot inputs; an
    autoencoder unless ``_train`` says otherwise) with the model's loss (``_base_loss``, MSE by
    default) over the rows of each batch that ``_row_loss`` ranks lowest (see ``trim``); with
    ``train_on="normal"`` only the rows with y == 0 are learned from. The per-row loss of the
    trained network is the anomaly score; every row of X is scored to set ``decision_scores_``
    and ``threshold_``. ``transform`` gives the learned code of each row, so a detector is also a transformer.
    """

    def _row_loss(self, output, target: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def _base_loss(self) -> nn.Module:
        return nn.MSELoss()

    def _loss_module(self) -> nn.Module:
        return TrimmedLoss(self._base_loss(), self._row_loss, self.trim)

    def fit(self, X, y=None):
        """Learn from the rows of ``X`` (only those with y == 0 when ``train_on="normal"``) and set the threshold."""
        check_contamination(self.contamination)  # fail before training, not after
        super().fit(X, y)
        self._set_threshold(self.decision_function(X))
        return self

    def _training_rows(self, Xt: np.ndarray, y) -> np.ndarray:
        mask = normal_rows(self.train_on, y, len(Xt))
        return Xt if mask is None else Xt[mask]

    def decision_function(self, X) -> np.ndarray:
        """The anomaly score of each row (its ``_row_loss`` under the trained network): higher is more anomalous."""
        Xt = self._prepare(X)
        module = self.module_.eval()
        # Scored in float64: float32 matrix products round differently with the batch size, which
        # would make a row's score depend on the rows scored beside it. (MPS has no float64.)
        dtype = torch.float32 if self.device_.type == "mps" else torch.float64
        state = {k: v.to(dtype) if v.is_floating_point() else v for k, v in module.state_dict().items()}
        parts = []
        with torch.inference_mode():
            for s in range(0, len(Xt), 8192):
                xb = torch.as_tensor(Xt[s: s + 8192], device=self.device_).to(dtype)
                parts.append(self._row_loss(functional_call(module, state, (xb,)), xb))
        return torch.cat(parts).double().cpu().numpy() if parts else np.zeros(0)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # codes are float32 whatever the input's dtype
        return tags

    def _fitted_state(self) -> dict:
        return {**super()._fitted_state(), **self._detector_state()}

    def _restore_fitted_state(self, state: dict) -> None:
        super()._restore_fitted_state(state)
        self._restore_detector_state(state)
