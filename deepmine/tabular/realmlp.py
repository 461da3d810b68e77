"""RealMLPClassifier and RealMLPRegressor: RealMLP-TD (Holzmüller et al., NeurIPS 2024) on deepmine's engine."""

from __future__ import annotations

import torch

from deepmine.base import store_params
from deepmine.nn.realmlp import RealMLPNet
from deepmine.tabular._sizing import scaled_batch_size, scaled_epochs
from deepmine.tabular.records import RecordClassifier, RecordRegressor
from deepmine.tabular.classifier import _ClassifierBase
from deepmine.tabular.regressor import _RegressorBase

_DOC = """
    The recipe of the paper's tuned defaults ("RealMLP-TD", arXiv 2407.04491), written on deepmine's
    Trainer: numeric columns robustly scaled (median, interquartile range) and smoothly clipped, PBLD
    periodic embeddings of each numeric column, one-hot encoding for categorical columns of at most 9
    levels and 8-wide embeddings for larger ones, a learnable scale per input feature, three NTK-parametrised
    layers of 256 with parametric {activation} activations and dropout 0.15, data-dependent initialisation,
    AdamW with beta2 = 0.95 and per-parameter learning-rate factors, the ``coslog4`` learning-rate schedule,
    weight decay and dropout that fade out over the second half of training{extra}, and the weights of the
    best validation epoch kept.

    Size rule (``batch_size="auto"``, ``max_epochs="auto"``): 256 rows a batch and 256 epochs as in the paper
    up to 10,000 training rows; above that the batch grows to the power of two nearest rows / 100 (at most
    2,048) and the epochs shrink as 256 x sqrt(10,000 / rows), never below 64. A 40,000-row table trains
    128 epochs of 512 rows; the schedules always span the whole run.

    Parameters
    ----------
    hidden : tuple of int
        Widths of the hidden layers.
    activation : "auto", "selu", "mish", "relu", "silu" or "gelu"
        "auto": {auto_act}.
    dropout : float
        Dropout rate at the start; it follows the flat-cosine schedule down to 0.{params}
    lr : float or "auto"
        Peak learning rate of the weights; "auto" is {auto_lr}.
    weight_decay : float
        Decoupled weight decay at the start (biases are not decayed); it follows the flat-cosine schedule.
    optimizer, lr_schedule : str
        "adamw" and "coslog4" as in the paper; any of deepmine's optimisers and schedules may be named.
    batch_size, max_epochs : int or "auto"
        See the size rule above.
    early_stopping : int or None
        None trains every epoch and keeps the best one (the paper's choice); a number stops after that
        many epochs without improvement.
    validation_fraction : float
        Share of the training rows held out to pick the best epoch (0.2 as in pytabkit).
    grad_clip, roles, device, precision, random_state, verbose, callbacks
        As for :class:`~deepmine.tabular.DeepClassifier`.
    """


class _RealMLPMixin:
    """What the two RealMLP estimators share: the network, the data-dependent start and the size rule."""

    # its inputs pass through per-column embeddings that integrated gradients does not trace back to the columns
    # yet: deepmine.explain.explain uses Kernel SHAP for it
    _gradients_traced_to_columns = False

    def _training_settings(self) -> dict:
        n = getattr(self, "_n_train", 10_000)
        lr = self.lr if self.lr != "auto" else (0.04 if self._classifies else 0.2)
        return {"lr": lr, "lr_schedule": self.lr_schedule, "beta2": 0.95,
                "batch_size": scaled_batch_size(n) if self.batch_size == "auto" else self.batch_size,
                "max_epochs": scaled_epochs(n, 256, 10_000, 64) if self.max_epochs == "auto" else self.max_epochs}

    def _selection(self):
        patience = self.early_stopping if self.early_stopping else 10 ** 9  # None: keep the best, never stop
        if self._classifies and getattr(self, "class_weight", None) is None:
            return "valid_accuracy", "max", patience  # with class weights, their weighted loss picks the epoch
        return "valid_loss", "min", patience

    def _build_module(self, n_numeric, cardinalities, n_out):
        activation = self.activation if self.activation != "auto" else ("selu" if self._classifies else "mish")
        return RealMLPNet(n_numeric, cardinalities, n_out, hidden=tuple(self.hidden), activation=activation,
                          dropout=self.dropout, clamp_output=not self._classifies)

    def _init_module(self, module, X, y) -> None:
        device = next(module.parameters()).device  # a streamed fit has moved the network already
        module.init_from_data(torch.as_tensor(X, device=device),
                              None if self._classifies else torch.as_tensor(y, device=device))


class RealMLPClassifier(RecordClassifier, _RealMLPMixin, _ClassifierBase):
    __doc__ = "RealMLP-TD for classification: a strong default MLP for tables, trained with label smoothing.\n" + \
        _DOC.format(activation="SELU", extra=", label smoothing 0.1 in the cross-entropy",
                    auto_act="SELU", auto_lr="0.04",
                    params="\n    label_smoothing : float\n        Share of each target spread evenly over the "
                           "classes (0.1 in the paper).\n    class_weight : None, \"balanced\" or dict")
    _classifies = True

    def __init__(self, hidden=(256, 256, 256), activation="auto", dropout=0.15, label_smoothing=0.1,
                 class_weight=None, optimizer="adamw", lr="auto", weight_decay=0.02, batch_size="auto",
                 max_epochs="auto", early_stopping=None, validation_fraction=0.2, lr_schedule="coslog4",
                 grad_clip=None, roles=None, device="auto", precision="float32", random_state=None, verbose=0,
                 callbacks=None):
        store_params(self, locals())


class RealMLPRegressor(RecordRegressor, _RealMLPMixin, _RegressorBase):
    __doc__ = "RealMLP-TD for regression: a strong default MLP for tables; predictions clamped to the training " \
              "targets' range.\n" + _DOC.format(activation="Mish", extra="", auto_act="Mish", auto_lr="0.2",
                                                params="\n    loss : {\"mse\", \"huber\"}")
    _classifies = False

    def __init__(self, hidden=(256, 256, 256), activation="auto", dropout=0.15, loss="mse", optimizer="adamw",
                 lr="auto", weight_decay=0.02, batch_size="auto", max_epochs="auto", early_stopping=None,
                 validation_fraction=0.2, lr_schedule="coslog4", grad_clip=None, roles=None, device="auto",
                 precision="float32", random_state=None, verbose=0, callbacks=None):
        store_params(self, locals())
