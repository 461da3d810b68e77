"""DeepRegressor and LinearNeuron: neural regressors for tables."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin

from deepmine.base import DeepEstimator, numeric_target, store_params
from deepmine.data.preprocess import mean_std
from deepmine.errors import TargetError
from deepmine.tabular.records import RecordRegressor
from deepmine.nn import TabularNet
from deepmine.tabular._params import TRAINING_PARAMS_DOC


class _RegressorBase(RegressorMixin, DeepEstimator):
    """Target scaling and multi-output handling shared by the neural regressors."""

    def _encode_target(self, y) -> np.ndarray:
        y = numeric_target(y)
        if y.ndim > 2:
            raise TargetError(f"the target must have 1 or 2 dimensions, got {y.ndim}")
        self._y_ndim = y.ndim
        y2 = y.reshape(len(y), -1)
        self.n_outputs_ = y2.shape[1]
        # Scaling the target keeps the loss near 1 whatever the unit, so one lr suits every table.
        self.y_mean_, scale = mean_std(y2)  # without overflow for targets as large as 1e300
        self.y_scale_ = np.where(scale > 1e-12, scale, 1.0)
        return ((y2 - self.y_mean_) / self.y_scale_).astype(np.float32)

    def _n_outputs(self) -> int:
        return self.n_outputs_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _loss(self) -> str:
        return self.loss

    def predict(self, X) -> np.ndarray:
        """Predicted target values, in the target's own units."""
        return self._values_of(self._forward(X))

    def _values_of(self, out: np.ndarray) -> np.ndarray:
        out = out.astype(np.float64) * self.y_scale_ + self.y_mean_
        return out.reshape(-1) if self._y_ndim == 1 else out

    def _fitted_state(self) -> dict:
        state = super()._fitted_state()
        state.update(y_mean_=self.y_mean_.tolist(), y_scale_=self.y_scale_.tolist(), n_outputs_=self.n_outputs_,
                     y_ndim=self._y_ndim)
        return state

    def _restore_fitted_state(self, state: dict) -> None:
        super()._restore_fitted_state(state)
        self.y_mean_ = np.asarray(state["y_mean_"])
        self.y_scale_ = np.asarray(state["y_scale_"])
        self.n_outputs_ = state["n_outputs_"]
        self._y_ndim = state["y_ndim"]


class DeepRegressor(RecordRegressor, _RegressorBase):
    __doc__ = """A multi-layer perceptron regressor for tables, with one or several targets.

    The target is standardised inside ``fit`` and predictions are returned in its own units.

    Parameters
    ----------
    hidden : tuple of int
    activation : {"relu", "leaky_relu", "swish", "gelu", "tanh", "sigmoid"}
    norm : {"none", "batch", "layer"}
    dropout : float
    loss : {"mse", "huber"}
        Huber is less swayed by outlying targets.
""" + TRAINING_PARAMS_DOC

    def __init__(self, hidden=(256, 128), activation="relu", norm="none", dropout=0.0, loss="mse",
                 optimizer="adam", lr=1e-3, weight_decay=1e-4, batch_size="auto", max_epochs=100, early_stopping=10,
                 validation_fraction=0.1, lr_schedule="onecycle", grad_clip=None, roles=None, device="auto",
                 precision="auto", random_state=None, verbose=0, callbacks=None):
        store_params(self, locals())


class LinearNeuron(RecordRegressor, _RegressorBase):
    __doc__ = """Linear regression as the review paper draws it: one neuron with no activation, trained on MSE.

    Parameters
    ----------
    loss : {"mse", "huber"}
""" + TRAINING_PARAMS_DOC

    def __init__(self, loss="mse", optimizer="adam", lr=1e-2, weight_decay=0.0, batch_size="auto", max_epochs=100,
                 early_stopping=10, validation_fraction=0.1, lr_schedule="onecycle", grad_clip=None, roles=None,
                 device="auto", precision="float32", random_state=None, verbose=0, callbacks=None):
        store_params(self, locals())

    def _build_module(self, n_numeric, cardinalities, n_out):
        return TabularNet(n_numeric, cardinalities, n_out, hidden=())
