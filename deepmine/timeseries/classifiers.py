"""Deep time-series classifiers: FCN, ResNet, InceptionTime, a parallel CNN + RNN, and a (bi)LSTM.

Each takes series in any form :func:`deepmine.timeseries.data.series_list` accepts (a 3-D array
(cases, channels, length), a 2-D array of univariate series, a list of unequal-length series, a
wide DataFrame), z-normalises each series (``normalize="series"``), resamples them to the
training length and trains on the foundation's Trainer; ``save`` / ``deepmine.persist.load`` work
as for every deep model.

The published setups (Wang et al. 2017; Ismail Fawaz et al. 2019, 2020) train 1500-2000 epochs
with Adam and a plateau schedule. Here the default is ``max_epochs="auto"``: about 200 gradient
steps (20 to 100 epochs) under a one-cycle schedule peaking at lr=3e-3, which reaches the published accuracy on
the small UCR sets in tens of seconds on a CPU; nothing is held out (``early_stopping=None``) since
the UCR training sets are often only a few dozen series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from deepmine.base import DeepEstimator, auto_or_positive, store_params
from deepmine.errors import ParameterError, check_positive_int
from deepmine.tabular._params import training_params_doc
from deepmine.tabular.classifier import _ClassifierBase
from deepmine.timeseries.data import SeriesInput, SeriesPreprocessor, series_list
from deepmine.training import resolve_seed, seeded
from deepmine.training.device import choose_device

SERIES_PARAMS_DOC = """
    normalize : {"series", None}
        "series" z-normalises each series per channel, as the UCR archive does; None keeps the values.
    class_weight : None, "balanced" or dict
"""

SERIES_TRAINING_DOC = training_params_doc().replace("""    batch_size : int or "auto"
        Rows per mini-batch; "auto" gives about eight batches an epoch on small tables, up to 512 rows.
    max_epochs : int
        Passes over the training data at most.
""", """    batch_size : int or "auto"
        Series per mini-batch; "auto": a tenth of the training series, between 16 and 64.
    max_epochs : int or "auto"
        Passes over the training data at most; "auto": about 200 gradient steps, 20 to 100 epochs.
""").replace("""    roles : dict or None
        Column roles that override inference, e.g. ``{"zip": "categorical", "notes": "drop"}``.
""", "")

_STEP_BUDGET = 200


def auto_batch_size(n: int) -> int:
    """A tenth of the training series, between 16 and 64 (the published FCN/ResNet used n/10, at most 16)."""
    return int(np.clip(n // 10, 16, 64))


def auto_epochs(n: int, batch_size: int, budget: int = _STEP_BUDGET, most: int = 100) -> int:
    """Epochs for about ``budget`` gradient steps, between 20 and ``most``."""
    steps = max(1, int(np.ceil(n / max(1, min(batch_size, n)))))
    return int(np.clip(round(budget / steps), 20, most))


class SeriesDeepEstimator(SeriesInput, DeepEstimator):
    """A deep model over time series: a fitted :class:`SeriesPreprocessor` turns any accepted form into a panel.

    A subclass builds its network from ``self.preprocessor_.n_channels_`` and ``_n_outputs()``
    in ``_new_module``; the training template, seeding, devices and saving are the foundation's.
    """

    _predict_batch_size = 256
    _input_preprocessor = SeriesPreprocessor
    _step_budget, _most_auto_epochs = _STEP_BUDGET, 100  # what max_epochs="auto" aims at

    def _start_fit(self, X):
        if self.normalize not in ("series", None):
            raise ParameterError(f"normalize must be 'series' or None, got {self.normalize!r}")
        cases = series_list(X)
        if len(cases) == 0:
            from deepmine.errors import DataError

            raise DataError("there are no series; give at least one to fit on")
        self.n_features_in_ = int(cases[0].shape[0])
        return cases

    def _fit_preprocessor(self, X) -> np.ndarray:
        self.preprocessor_ = SeriesPreprocessor(normalize=self.normalize).fit(X)
        self.n_features_in_ = int(self.preprocessor_.n_channels_)
        Xt = self.preprocessor_.transform(X)
        self._n_train = len(Xt)
        return Xt

    def _training_settings(self) -> dict:
        n = getattr(self, "_n_train", 64)
        batch = auto_or_positive("batch_size", self.batch_size, lambda: auto_batch_size(n))
        epochs = auto_or_positive("max_epochs", self.max_epochs,
                                  lambda: auto_epochs(n, batch, self._step_budget, self._most_auto_epochs))
        return {"lr": self.lr, "max_epochs": epochs, "lr_schedule": self.lr_schedule, "batch_size": batch}


class _SeriesClassifier(_ClassifierBase, SeriesDeepEstimator):
    """Target encoding and probability outputs for the series networks."""


class FCNClassifier(_SeriesClassifier):
    __doc__ = """Wang et al.'s (2017) fully convolutional network: three conv blocks -> global average pooling -> linear.

    Blocks of 128, 256 and 128 filters with kernels 8, 5 and 3, each Conv1d ('same' padding) ->
    batch norm -> ReLU. Published test accuracy on GunPoint: 1.000.

    Parameters
    ----------
    filters : tuple of int
    kernels : tuple of int
    dropout : float
        Dropout before the output layer.
""" + SERIES_PARAMS_DOC + SERIES_TRAINING_DOC + """
    Attributes
    ----------
    classes_, module_, preprocessor_ (n_channels_, length_), history_, n_iter_, best_epoch_, n_features_in_ (channels).
    """

    def __init__(self, filters=(128, 256, 128), kernels=(8, 5, 3), dropout=0.0, normalize="series",
                 class_weight=None, optimizer="adam", lr=3e-3, weight_decay=0.0, batch_size="auto",
                 max_epochs="auto", early_stopping=None, validation_fraction=0.2, lr_schedule="onecycle",
                 grad_clip=1.0, device="auto", precision="float32", random_state=None, verbose=0,
                 callbacks=None):
        store_params(self, locals())

    def _new_module(self):
        from deepmine.nn.timeseries import FCNNet

        if len(self.filters) != len(self.kernels) or not len(self.filters):
            raise ParameterError(f"filters and kernels must be non-empty and of one length; got {self.filters} "
                                 f"and {self.kernels}")
        return FCNNet(self.preprocessor_.n_channels_, self._n_outputs(), tuple(self.filters), tuple(self.kernels),
                      self.dropout)


class ResNetClassifier(_SeriesClassifier):
    __doc__ = """Wang et al.'s (2017) ResNet: three residual blocks (64, 128, 128 filters) -> global average pooling -> linear.

    Each block holds three conv blocks (kernels 8, 5, 3) and a 1x1 conv + batch-norm shortcut.
    Published test accuracy on GunPoint: 0.991.

    Parameters
    ----------
    filters : tuple of int
        Filters of each residual block.
    kernels : tuple of int
        Kernel sizes of the convolutions inside every block.
    dropout : float
""" + SERIES_PARAMS_DOC + SERIES_TRAINING_DOC + """
    Attributes
    ----------
    classes_, module_, preprocessor_, history_, n_iter_, best_epoch_, n_features_in_ (channels).
    """

    def __init__(self, filters=(64, 128, 128), kernels=(8, 5, 3), dropout=0.0, normalize="series",
                 class_weight=None, optimizer="adam", lr=3e-3, weight_decay=0.0, batch_size="auto",
                 max_epochs="auto", early_stopping=None, validation_fraction=0.2, lr_schedule="onecycle",
                 grad_clip=1.0, device="auto", precision="float32", random_state=None, verbose=0,
                 callbacks=None):
        store_params(self, locals())

    def _new_module(self):
        from deepmine.nn.timeseries import ResNetNet

        if not len(self.filters) or not len(self.kernels):
            raise ParameterError("filters and kernels must be non-empty")
        return ResNetNet(self.preprocessor_.n_channels_, self._n_outputs(), tuple(self.filters),
                         tuple(self.kernels), self.dropout)


class InceptionTimeClassifier(_SeriesClassifier):
    __doc__ = """InceptionTime (Ismail Fawaz et al. 2020): inception modules with residual links, an ensemble of networks.

    Each module: a 32-filter bottleneck, parallel convolutions of kernels 39, 19 and 9 (odd, for
    'same' padding; the paper's 40, 20, 10) and a max-pool -> 1x1 branch, 32 filters each (128
    channels), batch norm, ReLU; ``depth`` modules with a residual link every three; global
    average pooling; linear. ``n_networks`` networks are trained apart (seeds ``random_state``,
    ``random_state + 1``, ...) and their probabilities averaged, as the paper's ensemble of 5.
    Published test accuracy on GunPoint: 1.000.

    Parameters
    ----------
    n_networks : int
    depth : int
    filters : int
        Filters per branch (the module outputs four times as many channels).
    bottleneck : int
    kernels : tuple of int
""" + SERIES_PARAMS_DOC + SERIES_TRAINING_DOC + """
    Attributes
    ----------
    classes_, module_ (an EnsembleNet), preprocessor_, history_ (a ``network`` column with more than one),
    n_iter_, best_epoch_, n_features_in_ (channels).
    """

    def __init__(self, n_networks=1, depth=6, filters=32, bottleneck=32, kernels=(39, 19, 9), normalize="series",
                 class_weight=None, optimizer="adam", lr=3e-3, weight_decay=0.0, batch_size="auto",
                 max_epochs="auto", early_stopping=None, validation_fraction=0.2, lr_schedule="onecycle",
                 grad_clip=1.0, device="auto", precision="float32", random_state=None, verbose=0,
                 callbacks=None):
        store_params(self, locals())

    def _member(self):
        from deepmine.nn.timeseries import InceptionNet

        return InceptionNet(self.preprocessor_.n_channels_, self._n_outputs(), int(self.depth), int(self.filters),
                            int(self.bottleneck), tuple(self.kernels))

    def _new_module(self):
        from deepmine.nn.timeseries import EnsembleNet

        check_positive_int("n_networks", self.n_networks)
        check_positive_int("depth", self.depth)
        return EnsembleNet([self._member() for _ in range(int(self.n_networks))])

    def fit(self, X, y):
        """Fit ``n_networks`` InceptionTime networks to the series ``X`` and labels ``y``."""
        from deepmine.errors import DataError
        from deepmine.nn.timeseries import EnsembleNet

        check_positive_int("n_networks", self.n_networks)
        check_positive_int("depth", self.depth)
        if int(self.n_networks) == 1:
            return super().fit(X, y)
        X = self._start_fit(X)
        y = self._check_y(y)
        if len(X) != len(y):
            raise DataError(f"X has {len(X)} series but y has {len(y)}; give one label per series")
        target = self._encode_target(y)
        seed = resolve_seed(self.random_state)
        Xt = self._fit_preprocessor(X)
        train, valid = self._validation_split(len(Xt), y, seed)
        device = choose_device(self.device)
        members, histories, trainer = [], [], None
        for k in range(int(self.n_networks)):
            trainer = self._make_trainer(len(train), device)
            with seeded(seed + k, device):
                member = self._member()
                if valid is None:
                    history = trainer.fit(member, Xt, target)
                else:
                    history = trainer.fit(member, Xt[train], target[train], Xt[valid], target[valid])
            members.append(member)
            histories.append(history.assign(network=k))
        self._finish_fit(EnsembleNet(members).to(device).eval(), device, pd.concat(histories, ignore_index=True),
                         trainer)
        return self


class CNNRNNClassifier(_SeriesClassifier):
    __doc__ = """A convolutional and a recurrent path in parallel, after Yang & Jiang (2019).

    The conv path is three conv blocks (``filters``, kernels 8, 5, 3) and global average pooling;
    the recurrent path a (bidirectional) LSTM or GRU over the raw (normalised) series, its last
    states (or max/mean over time). Both summaries are concatenated, then dropout and a linear layer.

    Parameters
    ----------
    filters : tuple of int
    kernels : tuple of int
    hidden : int
        Recurrent state width (per direction).
    cell : {"lstm", "gru"}
    bidirectional : bool
    pooling : {"last", "max", "mean"}
    dropout : float
""" + SERIES_PARAMS_DOC + SERIES_TRAINING_DOC + """
    Attributes
    ----------
    classes_, module_, preprocessor_, history_, n_iter_, best_epoch_, n_features_in_ (channels).
    """

    def __init__(self, filters=(64, 128, 64), kernels=(8, 5, 3), hidden=64, cell="lstm", bidirectional=True,
                 pooling="last", dropout=0.2, normalize="series", class_weight=None, optimizer="adam", lr=3e-3,
                 weight_decay=0.0, batch_size="auto", max_epochs="auto", early_stopping=None,
                 validation_fraction=0.2, lr_schedule="onecycle", grad_clip=1.0, device="auto", precision="float32",
                 random_state=None, verbose=0, callbacks=None):
        store_params(self, locals())

    def _new_module(self):
        from deepmine.nn.timeseries import CNNRNNNet

        _check_rnn(self.cell, self.pooling)
        if len(self.filters) != len(self.kernels) or not len(self.filters):
            raise ParameterError(f"filters and kernels must be non-empty and of one length; got {self.filters} "
                                 f"and {self.kernels}")
        return CNNRNNNet(self.preprocessor_.n_channels_, self._n_outputs(), tuple(self.filters), tuple(self.kernels),
                         int(self.hidden), self.cell, bool(self.bidirectional), self.pooling, self.dropout)


class LSTMClassifier(_SeriesClassifier):
    __doc__ = """A (bidirectional) LSTM or GRU over time, its states pooled over time, then a linear layer.

    Recurrent networks on raw series learn slowly and are a weak baseline on the UCR sets (Fawaz et al. 2019); they
    are here for comparison with the convolutional models.

    Parameters
    ----------
    hidden : int
    cell : {"lstm", "gru"}
    layers : int
    bidirectional : bool
    pooling : {"max", "mean", "last"}
    dropout : float
""" + SERIES_PARAMS_DOC + SERIES_TRAINING_DOC.replace("about 200 gradient steps, 20 to 100 epochs",
                                                      "about 600 gradient steps, 20 to 300 epochs") + """
    Attributes
    ----------
    classes_, module_, preprocessor_, history_, n_iter_, best_epoch_, n_features_in_ (channels).
    """

    _step_budget, _most_auto_epochs = 3 * _STEP_BUDGET, 300  # recurrent networks learn the UCR sets slowly

    def __init__(self, hidden=64, cell="lstm", layers=1, bidirectional=True, pooling="max", dropout=0.2,
                 normalize="series", class_weight=None, optimizer="adam", lr=3e-3, weight_decay=0.0,
                 batch_size="auto", max_epochs="auto", early_stopping=None, validation_fraction=0.2,
                 lr_schedule="onecycle", grad_clip=1.0, device="auto", precision="float32", random_state=None, verbose=0,
                 callbacks=None):
        store_params(self, locals())

    def _new_module(self):
        from deepmine.nn.timeseries import LSTMNet

        _check_rnn(self.cell, self.pooling)
        check_positive_int("layers", self.layers)
        return LSTMNet(self.preprocessor_.n_channels_, self._n_outputs(), int(self.hidden), self.cell,
                       int(self.layers), bool(self.bidirectional), self.pooling, self.dropout)


def _check_rnn(cell, pooling) -> None:
    if cell not in ("lstm", "gru") or pooling not in ("last", "max", "mean"):
        raise ParameterError(f"cell must be 'lstm' or 'gru' and pooling 'last', 'max' or 'mean'; "
                             f"got cell={cell!r}, pooling={pooling!r}")


__all__ = ["CNNRNNClassifier", "FCNClassifier", "InceptionTimeClassifier", "LSTMClassifier", "ResNetClassifier",
           "SeriesDeepEstimator"]
