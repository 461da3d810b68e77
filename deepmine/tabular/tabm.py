"""TabMClassifier and TabMRegressor: TabM (Gorishniy et al., ICLR 2025) on deepmine's engine."""

from __future__ import annotations

from deepmine.base import store_params
from deepmine.nn.tabm import EnsembleLoss, TabMNet, quantile_bins
from deepmine.tabular._sizing import scaled_batch_size, scaled_epochs
from deepmine.tabular.records import RecordClassifier, RecordRegressor
from deepmine.tabular.classifier import _ClassifierBase
from deepmine.tabular.regressor import _RegressorBase

_DOC = """
    TabM (arXiv 2410.24210) is one network that holds ``k`` MLPs: they share every weight matrix and differ
    by rank-one scalings (BatchEnsemble), train together on the mean of their losses and predict with the
    mean of their {mean}. Numeric columns enter through piecewise-linear embeddings over 48 quantile bins
    (version "B" of ``rtdl_num_embeddings``: a linear embedding plus a piecewise-linear part that starts at
    zero), categorical columns one-hot. Training uses AdamW at a constant rate, keeps the epoch with the
    best validation {selection} and stops after ``early_stopping`` epochs without a better one.

    Defaults follow the paper's (k = 32, two blocks with embeddings, dropout 0.1, lr 2e-3, weight decay
    3e-4, batch 256, patience 16) except the block width: 256 rather than 512, which makes a fit about four
    times cheaper on a CPU; set ``d_block=512`` for the paper's network.

    Size rule (``batch_size="auto"``, ``max_epochs="auto"``): 256 rows a batch up to 25,600 training rows,
    then the power of two nearest rows / 100 (at most 2,048); at most 200 epochs up to 10,000 rows, then
    200 x sqrt(10,000 / rows), never below 30 (early stopping usually ends a fit well before).

    Parameters
    ----------
    k : int
        Members of the ensemble.
    n_blocks, d_block : int
        Depth and width of each member's MLP.
    dropout : float
    d_embedding : int
        Width of each numeric column's embedding.
    n_bins : int
        Quantile bins of each numeric column's piecewise-linear embedding.{params}
    optimizer, lr, weight_decay, lr_schedule : as for :class:`~deepmine.tabular.DeepClassifier`
        ("adamw", 2e-3, 3e-4 and "constant" by default).
    batch_size, max_epochs : int or "auto"
        See the size rule above.
    early_stopping : int or None
        Epochs without a better validation {selection} before training stops (16 as in the paper).
    validation_fraction, grad_clip, roles, device, precision, random_state, verbose, callbacks
        As for :class:`~deepmine.tabular.DeepClassifier`.
    """


class _TabMMixin:
    """What the two TabM estimators share: the network, its bins, the ensemble loss and the size rule."""

    # its inputs pass through per-column embeddings that integrated gradients does not trace back to the columns
    # yet: deepmine.explain.explain uses Kernel SHAP for it
    _gradients_traced_to_columns = False

    _predict_batch_size = 2048  # each row runs through k members

    def fit(self, X, y):
        self.__dict__.pop("bins_", None)  # a refit starts from the same placeholder bins as the first fit
        return super().fit(X, y)

    def fit_stream(self, *args, **kwargs):
        self.__dict__.pop("bins_", None)
        return super().fit_stream(*args, **kwargs)

    def _training_settings(self) -> dict:
        n = getattr(self, "_n_train", 10_000)
        return {"lr": self.lr, "lr_schedule": self.lr_schedule,
                "batch_size": scaled_batch_size(n) if self.batch_size == "auto" else self.batch_size,
                "max_epochs": scaled_epochs(n, 200, 10_000, 30) if self.max_epochs == "auto" else self.max_epochs}

    def _selection(self):
        if self._classifies:
            return "valid_accuracy", "max", self.early_stopping
        return "valid_loss", "min", self.early_stopping

    def _loss_module(self):
        return EnsembleLoss(super()._loss_module())

    def _head(self) -> str:
        if not self._classifies:
            return "regression"
        return "binary" if len(self.classes_) == 2 else "multiclass"

    def _build_module(self, n_numeric, cardinalities, n_out):
        return TabMNet(n_numeric, cardinalities, n_out, head=self._head(), bins=getattr(self, "bins_", None),
                       k=self.k, n_blocks=self.n_blocks, d_block=self.d_block, dropout=self.dropout,
                       d_embedding=self.d_embedding)

    def _init_module(self, module, X, y) -> None:
        n_numeric = self.preprocessor_.n_numeric_
        if n_numeric:
            self.bins_ = quantile_bins(X[:, :n_numeric], self.n_bins)
            module.set_bins(self.bins_)

    def _fitted_state(self) -> dict:
        state = super()._fitted_state()
        state["bins_"] = getattr(self, "bins_", None)
        return state

    def _restore_fitted_state(self, state: dict) -> None:
        super()._restore_fitted_state(state)
        if state.get("bins_") is not None:
            self.bins_ = state["bins_"]


class TabMClassifier(RecordClassifier, _TabMMixin, _ClassifierBase):
    __doc__ = "TabM for classification: an efficient ensemble of MLPs for tables.\n" + _DOC.format(
        mean="probabilities", selection="accuracy",
        params="\n    class_weight : None, \"balanced\" or dict")
    _classifies = True

    def __init__(self, k=32, n_blocks=2, d_block=256, dropout=0.1, d_embedding=16, n_bins=48, class_weight=None,
                 optimizer="adamw", lr=2e-3, weight_decay=3e-4, batch_size="auto", max_epochs="auto",
                 early_stopping=16, validation_fraction=0.2, lr_schedule="constant", grad_clip=None, roles=None,
                 device="auto", precision="auto", random_state=None, verbose=0, callbacks=None):
        store_params(self, locals())


class TabMRegressor(RecordRegressor, _TabMMixin, _RegressorBase):
    __doc__ = "TabM for regression: an efficient ensemble of MLPs for tables.\n" + _DOC.format(
        mean="predictions", selection="loss", params="\n    loss : {\"mse\", \"huber\"}")
    _classifies = False

    def __init__(self, k=32, n_blocks=2, d_block=256, dropout=0.1, d_embedding=16, n_bins=48, loss="mse",
                 optimizer="adamw", lr=2e-3, weight_decay=3e-4, batch_size="auto", max_epochs="auto",
                 early_stopping=16, validation_fraction=0.2, lr_schedule="constant", grad_clip=None, roles=None,
                 device="auto", precision="auto", random_state=None, verbose=0, callbacks=None):
        store_params(self, locals())
