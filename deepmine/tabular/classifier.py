"""DeepClassifier and LogisticNeuron: neural classifiers for tables."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight

from deepmine.base import ClassesState, DeepEstimator, class_codes, store_params
from deepmine.nn import TabularNet
from deepmine.tabular._params import TRAINING_PARAMS_DOC
from deepmine.tabular.records import RecordClassifier
from deepmine.training.losses import make_loss


class _ClassifierBase(ClassesState, ClassifierMixin, DeepEstimator):
    """Target encoding, class weights and probability outputs shared by the neural classifiers."""

    _stratify_validation = True

    def _encode_target(self, y) -> np.ndarray:
        self.classes_, codes = class_codes(y)
        self._class_counts = np.bincount(codes, minlength=len(self.classes_))
        if len(self.classes_) == 2:
            return codes.astype(np.float32)
        return codes.astype(np.int64)

    def _n_outputs(self) -> int:
        return 1 if len(self.classes_) == 2 else len(self.classes_)

    def _loss(self) -> str:
        return "bce" if len(self.classes_) == 2 else "cross_entropy"

    def _loss_module(self):
        weight = None
        if self.class_weight is not None:
            if self.class_weight == "balanced":
                w = compute_class_weight("balanced", classes=np.arange(len(self.classes_)),
                                         y=np.repeat(np.arange(len(self.classes_)), self._class_counts))
            elif isinstance(self.class_weight, dict):
                w = np.array([self.class_weight.get(c, 1.0) for c in self.classes_], dtype=float)
            else:
                raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {self.class_weight!r}")
            weight = torch.as_tensor(w, dtype=torch.float32)
        return make_loss(self._loss(), weight, getattr(self, "label_smoothing", 0.0))

    def _metric(self):
        binary = len(self.classes_) == 2

        def accuracy(y_true: torch.Tensor, out: torch.Tensor) -> float:
            pred = (out.reshape(-1) > 0).float() if binary else out.argmax(dim=1)
            return float((pred == y_true).float().mean())

        return "accuracy", accuracy

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, one column per entry of ``classes_``."""
        return self._probabilities(self._forward(X))

    def _probabilities(self, logits: np.ndarray) -> np.ndarray:
        # in float64: a float32 softmax rounds a probability below about 1e-38 to 0, whose log is -inf
        out = torch.as_tensor(logits).double()
        if len(self.classes_) == 2:
            p = torch.sigmoid(out.reshape(-1)).numpy()
            return np.column_stack([1.0 - p, p])
        return torch.softmax(out, dim=1).numpy()

    def predict_log_proba(self, X) -> np.ndarray:
        return np.log(np.clip(self.predict_proba(X), 1e-300, None))

    def decision_function(self, X) -> np.ndarray:
        """Logits: one column for two classes (positive = ``classes_[1]``), one per class otherwise."""
        out = self._forward(X)
        return out.reshape(-1) if len(self.classes_) == 2 else out

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row."""
        return self._labels_of(self._forward(X))

    def _labels_of(self, out: np.ndarray) -> np.ndarray:
        if len(self.classes_) == 2:
            return self.classes_[(out.reshape(-1) > 0).astype(int)]
        return self.classes_[out.argmax(axis=1)]


class DeepClassifier(RecordClassifier, _ClassifierBase):
    __doc__ = """A multi-layer perceptron classifier for tables of numbers, categories and dates.

    Categorical columns get learned embeddings, numeric columns are imputed and standardised, and
    the network is trained with binary cross-entropy (two classes) or cross-entropy (more).

    Parameters
    ----------
    hidden : tuple of int
        Widths of the hidden layers.
    activation : {"relu", "leaky_relu", "swish", "gelu", "tanh", "sigmoid"}
    norm : {"none", "batch", "layer"}
        Normalisation after each hidden linear layer.
    dropout : float
        Dropout rate after each hidden layer.
    class_weight : None, "balanced" or dict
        Weights of the classes in the loss; "balanced" counters class imbalance.
""" + TRAINING_PARAMS_DOC + """
    Attributes
    ----------
    classes_, module_ (the torch network), preprocessor_, history_ (one row per epoch),
    n_iter_ (epochs run), best_epoch_ (the epoch whose weights were kept), n_features_in_.
    """

    def __init__(self, hidden=(256, 128), activation="relu", norm="none", dropout=0.1, class_weight=None,
                 optimizer="adam", lr=1e-3, weight_decay=1e-4, batch_size="auto", max_epochs=100, early_stopping=10,
                 validation_fraction=0.1, lr_schedule="onecycle", grad_clip=None, roles=None, device="auto",
                 precision="auto", random_state=None, verbose=0, callbacks=None):
        store_params(self, locals())


class LogisticNeuron(RecordClassifier, _ClassifierBase):
    __doc__ = """Logistic regression as the review paper draws it: one layer of sigmoid (softmax) neurons.

    Trained by gradient descent on the cross-entropy, it is the neural view of the classical
    logistic model; categorical columns enter through embeddings, so the model stays linear in them.

    Parameters
    ----------
    class_weight : None, "balanced" or dict
""" + TRAINING_PARAMS_DOC

    def __init__(self, class_weight=None, optimizer="adam", lr=1e-2, weight_decay=0.0, batch_size="auto",
                 max_epochs=100, early_stopping=10, validation_fraction=0.1, lr_schedule="onecycle",
                 grad_clip=None, roles=None, device="auto", precision="float32", random_state=None, verbose=0, callbacks=None):
        store_params(self, locals())

    def _build_module(self, n_numeric, cardinalities, n_out):
        return TabularNet(n_numeric, cardinalities, n_out, hidden=())
