"""DeepEstimator: the fit template that every deep model shares (validate, preprocess, build, train)."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import _check_feature_names, _check_n_features

from deepmine.data.preprocess import TabularPreprocessor, check_features, fitted_columns
from deepmine.errors import DataError, TargetError, check_fitted
from deepmine.training import Trainer, predict_module, resolve_seed, seeded
from deepmine.training.device import choose_device


def store_params(estimator, params: dict) -> None:
    """Store ``__init__``'s arguments unchanged, and nothing else, as scikit-learn's contract asks.

    Call it as ``store_params(self, locals())`` first thing in ``__init__``; the signature stays
    explicit, so ``get_params`` / ``clone`` see every parameter.
    """
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


def class_codes(y) -> tuple[np.ndarray, np.ndarray]:
    """``(classes, codes)`` of a classification target, after the checks every classifier shares: no missing
    labels, labels rather than numbers, at least two classes."""
    from sklearn.utils.multiclass import type_of_target
    from sklearn.utils.validation import column_or_1d

    y = column_or_1d(y, warn=True)
    missing = int(pd.isna(pd.Series(y)).sum())
    if missing:
        raise TargetError(f"the target has {missing} missing values; drop those rows before fitting")
    kind = type_of_target(y)
    if kind not in ("binary", "multiclass"):
        raise TargetError(
            f"Unknown label type: {kind}; a classifier needs class labels - use a regressor for a numeric target"
        )
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise TargetError(f"the target has only one class ({classes[0]}); a classifier needs at least two classes")
    return classes, codes


def numeric_target(y) -> np.ndarray:
    """A regression target as float64, after the checks every regressor shares: numbers, and no gaps."""
    try:
        y = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TargetError(
            "the target is not numeric; use a classifier for class labels, or convert the column to numbers"
        ) from exc
    if not np.isfinite(y).all():
        raise TargetError(f"the target has {int((~np.isfinite(y)).sum())} missing or infinite values; drop those rows")
    return y


def restore_input_columns(estimator, state: dict) -> None:
    """Put back ``n_features_in_`` and, when saved, ``feature_names_in_`` from a saved model's fitted state."""
    estimator.n_features_in_ = state["n_features_in_"]
    if "feature_names_in_" in state:
        estimator.feature_names_in_ = np.asarray(state["feature_names_in_"], dtype=object)


def table_tags(estimator, tags):
    """scikit-learn tags of a deepmine table model: gaps are allowed, and without a seed it is not deterministic."""
    tags.input_tags.allow_nan = True
    tags.non_deterministic = estimator.random_state is None
    return tags


class ClassesState:
    """Saves and restores ``classes_`` with a classifier's other learned attributes (networks and boosters)."""

    def _fitted_state(self) -> dict:
        state = super()._fitted_state()
        state["classes_"] = self.classes_.tolist()
        return state

    def _restore_fitted_state(self, state: dict) -> None:
        super()._restore_fitted_state(state)
        self.classes_ = np.asarray(state["classes_"])


def resolve_batch_size(batch_size, n_rows: int) -> int:
    """``"auto"`` gives about eight batches an epoch on small tables and 512 rows a batch on large ones."""
    if batch_size == "auto":
        size = int(max(32, min(512, 2 ** int(np.log2(max(n_rows // 8, 1))))))
        # under torchrun "auto" is the effective batch, split over the processes (an explicit size is per process)
        from deepmine.training.distributed import is_distributed, world_size

        return max(1, size // world_size()) if is_distributed() else size
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer or 'auto', got {batch_size!r}")
    return int(batch_size)


def auto_or_positive(name: str, value, auto) -> int:
    """``auto()`` when ``value`` is "auto", else ``value`` checked as a positive whole number."""
    from deepmine.errors import check_positive_int

    return int(auto()) if isinstance(value, str) and value == "auto" else check_positive_int(name, value)


class DeepEstimator(BaseEstimator):
    """Base class of deepmine's neural estimators.

    ``fit`` is written once here: validate the input, fit the :class:`TabularPreprocessor`, encode
    the target, split off a validation part for early stopping, build the network and train it
    with the shared :class:`~deepmine.training.Trainer`. A concrete model writes only what differs:

    - ``_loss`` (and ``_loss_weight``): the loss name;
    - ``_encode_target(y)``: learned target state and the training tensor;
    - ``_n_outputs()``: the width of the output layer;
    - ``_build_module(n_numeric, cardinalities, n_out)`` if it is not the default TabularNet;
    - how raw outputs become predictions (``predict`` / ``predict_proba``).
    """

    _stratify_validation = False
    _predict_batch_size = 8192  # rows per forward pass at predict time; large networks lower it

    # ------------------------------------------------------------------ hooks for subclasses
    def _encode_target(self, y) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _n_outputs(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def _loss(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _loss_module(self):
        from deepmine.training.losses import make_loss

        return make_loss(self._loss())

    def _metric(self):
        """``(name, fn(y_true, output) -> float)`` to record on the validation part each epoch, or None."""
        return None

    def _build_module(self, n_numeric: int, cardinalities: list[int], n_out: int) -> torch.nn.Module:
        from deepmine.nn import TabularNet

        return TabularNet(n_numeric, cardinalities, n_out, hidden=tuple(self.hidden), activation_name=self.activation,
                          norm=self.norm, dropout=self.dropout)

    # ------------------------------------------------------------------ the template
    def _check_y(self, y) -> np.ndarray:
        if y is None:
            raise TargetError(
                f"{type(self).__name__} requires y to be passed, but the target y is None; pass the target column"
            )
        if sp.issparse(y):
            raise TargetError("a sparse target is not supported; convert it with y.toarray()")
        y = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else np.asarray(y)
        if np.iscomplexobj(y):
            raise DataError("Complex data not supported in the target")
        return y

    def fit(self, X, y):
        """Fit the network to ``X`` (array or DataFrame with mixed column types) and ``y``."""
        X = self._start_fit(X)
        y = self._check_y(y)
        if len(X) != len(y):
            raise DataError(f"X has {len(X)} rows but y has {len(y)}; give one target value per row")
        target = self._encode_target(y)
        seed = resolve_seed(self.random_state)
        Xt = self._fit_preprocessor(X)
        train, valid = self._validation_split(len(Xt), y, seed)
        device = choose_device(self.device)
        trainer = self._make_trainer(len(train), device)
        with seeded(seed, device):
            module = self._new_module()
            Xt = self._training_input(module, Xt, device)
            if valid is None:  # no copy of the whole table when nothing is held out
                self._init_module(module, Xt, target)
                history = trainer.fit(module, Xt, target)
            else:
                self._init_module(module, Xt[train], target[train])
                history = trainer.fit(module, Xt[train], target[train], Xt[valid], target[valid])
        self._finish_fit(module, device, history, trainer)
        return self

    # ---- streaming training (deepmine.training.streaming) --------------------------------------
    def fit_stream(self, source, target, table=None, query=None, batch_rows: int = 65_536,
                   buffer_rows: int = 262_144, valid_rows: int = 10_000):
        """Fit on a table read in batches, never whole: a Parquet file or folder, a large CSV, SQL, ...

        ``source`` is anything :func:`deepmine.data.stream.open_stream` reads (``table=`` / ``query=`` for
        SQL), or a TableStream; ``target`` names the column to predict. One pass gathers the preprocessing
        statistics; each epoch is a fresh pass whose rows go through a shuffle buffer of ``buffer_rows``
        rows. The first ``valid_rows`` rows (at most ``validation_fraction`` of the table) are held out for
        early stopping. Predicting, saving and loading work as after ``fit``.
        """
        from deepmine.training.streaming import fit_streaming

        return fit_streaming(self, source, target, table=table, query=query, batch_rows=batch_rows,
                             buffer_rows=buffer_rows, valid_rows=valid_rows)
    # ---- end streaming training -----------------------------------------------------------------

    # ------------------------------------------------------------------ pieces of the template
    def _fit_preprocessor(self, X) -> np.ndarray:
        """Fit ``preprocessor_`` on the training input and return the network's input array."""
        self.preprocessor_ = TabularPreprocessor(roles=self.roles).fit(X)
        return self.preprocessor_.transform(X)

    #: For a model whose input is not a table (series, images): the preprocessor class, which has a
    #: ``kind`` naming its saved state, ``from_state`` and ``transform``; ``_prepare`` and loading use it.
    _input_preprocessor = None

    @classmethod
    def _preprocessor_from_state(cls, state: dict):
        """Rebuild ``preprocessor_`` from its JSON state (when loading a saved model)."""
        kind = cls._input_preprocessor
        if kind is None:
            return TabularPreprocessor.from_state(state)
        if state.get("kind") != kind.kind:
            from deepmine.errors import ModelFormatError

            raise ModelFormatError(f"the saved preprocessing has kind {state.get('kind')!r}, not {kind.kind!r}; "
                                   f"the model folder does not belong to a {cls.__name__}")
        return kind.from_state(state)

    def _init_module(self, module: torch.nn.Module, X: np.ndarray, y: np.ndarray) -> None:
        """Fit what a new network learns from its training rows before training (RealMLP's robust scaling and
        data-dependent initialisation); nothing by default. Runs seeded, before the Trainer."""

    def _training_input(self, module: torch.nn.Module, Xt, device):
        """What the Trainer feeds ``module`` in place of ``Xt``: ``Xt`` itself by default. A network with a frozen
        part may compute that part's output once here (fine-tuned transformers), not once per epoch."""
        return Xt

    def _new_module(self) -> torch.nn.Module:
        """A fresh network for the fitted preprocessing (also used to load saved weights into)."""
        return self._build_module(self.preprocessor_.n_numeric_, list(self.preprocessor_.cardinalities_),
                                  self._n_outputs())

    def _start_fit(self, X):
        """Validate ``X`` and record ``n_features_in_`` / ``feature_names_in_``."""
        X = check_features(X)
        _check_feature_names(self, X, reset=True)
        _check_n_features(self, X, reset=True)
        if len(X) == 0:
            raise DataError("the table has no rows; give at least one row to fit on")
        return X

    def _training_settings(self) -> dict:
        """The Trainer settings that a model may resolve from "auto" values (say by mode)."""
        return {"lr": self.lr, "max_epochs": self.max_epochs, "lr_schedule": self.lr_schedule,
                "batch_size": self.batch_size}

    def _selection(self) -> tuple[str, str, int | None]:
        """``(monitor, mode, patience)`` of early stopping: what picks the epoch whose weights are kept."""
        return "valid_loss", "min", self.early_stopping

    def _row_lengths(self):
        """A function of the input rows giving their lengths, for models whose input is padded sequences; None."""
        return None

    def _make_trainer(self, n_train: int, device) -> Trainer:
        """The shared Trainer, configured from this estimator's parameters."""
        metric = self._metric()
        self._n_train = n_train  # the rows a size rule (RealMLP, TabM) reads in _training_settings
        settings = self._training_settings()
        monitor, mode, patience = self._selection()
        return Trainer(
            loss=self._loss_module(), optimizer=self.optimizer, lr=settings["lr"],
            weight_decay=self.weight_decay, beta2=settings.get("beta2", 0.999),
            batch_size=resolve_batch_size(settings["batch_size"], n_train), max_epochs=settings["max_epochs"],
            lr_schedule=settings["lr_schedule"], early_stopping=patience, monitor=monitor, mode=mode,
            grad_clip=self.grad_clip,
            metric=metric[1] if metric else None, metric_name=metric[0] if metric else "metric",
            callbacks=self.callbacks or (), device=device, verbose=self.verbose, description=type(self).__name__,
            predict_batch_size=self._predict_batch_size, group_by_length=self._row_lengths(),
            precision=getattr(self, "precision", "float32"),
        )

    def _finish_fit(self, module, device, history, trainer) -> None:
        self.module_ = module
        self.device_ = device
        self.history_ = history
        self.n_iter_ = len(history)
        self.best_epoch_ = trainer.best_epoch if trainer.best_epoch is not None else len(history)
        # what training ran in, once "auto" is resolved for this machine: "float32", "bf16" or "fp16"
        self.training_precision_ = trainer.precision_name

    def _validation_split(self, n: int, y: np.ndarray, seed: int):
        if not self._selection()[2] or not self.validation_fraction:
            return np.arange(n), None
        n_valid = int(round(self.validation_fraction * n))
        if n_valid < 1 or n - n_valid < 2:
            return np.arange(n), None
        from sklearn.model_selection import train_test_split

        stratify = None
        if self._stratify_validation:
            _, counts = np.unique(y.astype(str), return_counts=True)
            if counts.min() >= 2 and n_valid >= len(counts) and n - n_valid >= len(counts):
                stratify = y
        train, valid = train_test_split(np.arange(n), test_size=n_valid, random_state=seed, stratify=stratify)
        return np.sort(train), np.sort(valid)

    # ------------------------------------------------------------------ inference helpers
    def _check_fitted(self) -> None:
        check_fitted(self, "module_")

    def _prepare(self, X) -> np.ndarray:
        self._check_fitted()
        if self._input_preprocessor is not None:
            return self.preprocessor_.transform(X)
        if isinstance(X, pd.DataFrame) and len(X) == 1:
            one = self._one_row(X)
            if one is not None:
                return one
        return self.preprocessor_.transform(fitted_columns(self, X))

    def _one_row(self, X: pd.DataFrame) -> np.ndarray | None:
        """A one-row DataFrame (a prediction server's request) as a record, without the table machinery; None when
        the table path is needed: a column missing (its error names it), or a value only that path converts."""
        names = getattr(self, "feature_names_in_", None)
        record_array = getattr(self.preprocessor_, "record_array", None)
        if names is None or record_array is None or not X.columns.is_unique:
            return None
        record = dict(zip(X.columns.tolist(), X.to_numpy(dtype=object)[0]))
        if any(name not in record for name in names):
            return None
        return record_array(record)

    def _forward(self, X) -> np.ndarray:
        """Raw network outputs for ``X`` as a float array (logits, or scaled regression values)."""
        Xt = self._prepare(X)
        lengths = self._row_lengths()
        if lengths is None:
            return predict_module(self.module_, Xt, self.device_, self._predict_batch_size).float().cpu().numpy()
        # padded sequences: predict from the longest to the shortest, so each batch carries little padding
        order = np.argsort(-lengths(torch.as_tensor(Xt)).numpy(), kind="stable")
        out = predict_module(self.module_, Xt[order], self.device_, self._predict_batch_size).float().cpu().numpy()
        return out[np.argsort(order)]

    def lr_find(self, X, y, start_lr: float = 1e-7, end_lr: float = 10.0, num: int = 100):
        """Run a learning-rate range test on ``X, y`` without changing this estimator.

        Returns an object with ``.frame`` (lr, loss) and ``.suggestion``; pass the suggestion as ``lr``.
        """
        from sklearn.base import clone

        probe = clone(self).set_params(max_epochs=1, early_stopping=None, verbose=0)
        probe.fit(X, y)  # fits preprocessing and target encoding, builds the network
        Xt = probe._prepare(X)
        target = probe._encode_target(self._check_y(y))
        seed = resolve_seed(self.random_state)
        trainer = Trainer(loss=probe._loss_module(), optimizer=self.optimizer, weight_decay=self.weight_decay,
                          batch_size=resolve_batch_size(self.batch_size, len(Xt)), device=probe.device_)
        with seeded(seed, probe.device_):
            module = probe._new_module()
            return trainer.lr_find(module, Xt, target, start_lr, end_lr, num)

    # ------------------------------------------------------------------ persistence
    def save(self, path) -> None:
        """Save the fitted model as a folder (config.json, weights.safetensors, preprocessing.json)."""
        from deepmine.persist import save_model

        save_model(self, path)

    def _fitted_state(self) -> dict:
        """Learned attributes other than weights and preprocessing, as JSON types (for persistence)."""
        state = {"n_features_in_": int(self.n_features_in_), "n_iter_": int(self.n_iter_),
                 "best_epoch_": int(self.best_epoch_),
                 "training_precision_": getattr(self, "training_precision_", "float32")}
        if hasattr(self, "feature_names_in_"):
            state["feature_names_in_"] = [str(c) for c in self.feature_names_in_]
        return state

    def _restore_fitted_state(self, state: dict) -> None:
        self.n_iter_ = state["n_iter_"]
        self.best_epoch_ = state["best_epoch_"]
        self.training_precision_ = state.get("training_precision_", "float32")  # models saved before it: float32
        restore_input_columns(self, state)

    def __sklearn_tags__(self):
        return table_tags(self, super().__sklearn_tags__())

    # Pickle support: move the module to the CPU so a model pickled on a GPU loads on a laptop.
    def __getstate__(self):
        state = self.__dict__.copy()
        if "module_" in state and state["device_"].type != "cpu":
            state["module_"] = copy.deepcopy(state["module_"]).to("cpu")
            state["device_"] = torch.device("cpu")
        return state


class UnsupervisedDeepEstimator(DeepEstimator):
    """The fit template for networks that learn from ``X`` alone (autoencoders, deep clustering, detectors).

    Inputs are one-hot encoded, so the network sees one numeric matrix it can reconstruct. A
    concrete model writes ``_build_module(n_numeric, cardinalities, n_out)`` (the input width is
    ``self._input_width(...)``), and may override:

    - ``_loss_module()``: MSE on the reconstruction by default;
    - ``_training_rows(Xt, y)``: which rows to learn from (all by default);
    - ``_train(trainer, module, Xt, train, valid)``: the training itself (an autoencoder by default);
    - ``_after_fit(Xt)``: learned state computed from the trained network (scores, centroids, ...).
    """

    def _loss(self) -> str:
        return "mse"

    def _n_outputs(self) -> int:
        return self.preprocessor_.n_numeric_ + sum(self.preprocessor_.cardinalities_)

    @staticmethod
    def _input_width(n_numeric: int, cardinalities) -> int:
        return int(n_numeric + sum(cardinalities))

    def _training_rows(self, Xt: np.ndarray, y) -> np.ndarray:
        return Xt

    def _train(self, trainer, module, Xt, train, valid):
        if valid is None:
            return trainer.fit(module, Xt, Xt)
        return trainer.fit(module, Xt[train], Xt[train], Xt[valid], Xt[valid])

    def _after_fit(self, Xt: np.ndarray) -> None:
        pass

    def _fit_preprocessor(self, X) -> np.ndarray:
        # one-hot categories: an autoencoder reconstructs its input, which embeddings would make a moving target
        self.preprocessor_ = TabularPreprocessor(roles=self.roles, encoding="onehot").fit(X)
        return self.preprocessor_.transform(X)

    def fit(self, X, y=None):
        """Fit to the rows of ``X``; ``y`` is ignored unless the model says otherwise."""
        X = self._start_fit(X)
        seed = resolve_seed(self.random_state)
        Xt = self._training_rows(self._fit_preprocessor(X), y)
        train, valid = self._validation_split(len(Xt), np.zeros(len(Xt)), seed)
        device = choose_device(self.device)
        trainer = self._make_trainer(len(train), device)
        with seeded(seed, device):
            module = self._new_module()
            history = self._train(trainer, module, Xt, train, valid)
            self._finish_fit(module, device, history, trainer)
            self._after_fit(Xt)
        return self

    def transform(self, X) -> np.ndarray:
        """The learned code of each row (the encoder's output)."""
        Xt = self._prepare(X)
        module = self.module_
        module.eval()
        with torch.inference_mode():
            codes = [module.encode(torch.as_tensor(Xt[s: s + 8192], device=self.device_))
                     for s in range(0, len(Xt), 8192)]
        return torch.cat(codes).float().cpu().numpy() if codes else np.zeros((0, 0), dtype=np.float32)
