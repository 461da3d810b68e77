"""Detectors of anomalies in time series: the shared interface and the deep ones (EncDec-AD, a forecasting-error
detector).

Every series detector follows PyOD's surface (:class:`~deepmine.anomaly.base.BaseDetector`), with time
steps for rows:

- ``fit(X)``: ``X`` is one series, ``(steps,)`` or ``(steps, channels)`` (an array, a Series or a
  DataFrame of channels; see :func:`~deepmine.timeseries.anomaly_data.channel_values`), best a part
  known to be normal. It sets ``decision_scores_`` (one score per step of ``X``) and ``threshold_``
  from ``contamination``.
- ``decision_function(X) -> (steps,)``: one anomaly score per time step of the series ``X`` (higher
  is more anomalous); ``predict(X)`` flags the steps above ``threshold_`` (1) and ``predict_proba``
  rescales the scores, as for the table detectors.

The detectors look at the series through windows of ``window`` steps (``"auto"``: the series' dominant
period, from its autocorrelation, clipped to 8..256 steps; else 32). Every channel is standardised by
the mean and standard deviation of the training series.

The deep detectors learn what normal windows look like and score a step by how badly the network
explains it: its squared error in each channel, divided by that channel's mean squared error on the
training series (so that every channel weighs alike), averaged over the channels.

- :class:`EncDecADDetector` (Malhotra et al. 2016, "LSTM-based Encoder-Decoder for Multi-sensor Anomaly
  Detection"): an LSTM encoder reads a window, an LSTM decoder started from its last state rebuilds the
  window backwards from it; a step's error is averaged over the windows that hold it.
- :class:`ForecastErrorDetector` (Malhotra et al. 2015, "LSTM-AD"): an LSTM reads the window before a
  step and forecasts it; the forecast's error is the step's score (the first window's steps, which have
  no history to be forecast from, get the median score, which is never flagged).

Both train on deepmine's Trainer (early stopping on the last windows of the training series, checkpoints
under ``deepmine.training.checkpointing``, the wall-clock ``time_limit``) and save as plain arrays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from torch import nn

from deepmine.anomaly.base import DETECTOR_ATTRIBUTES_DOC, BaseDetector, check_contamination
from deepmine.base import store_params
from deepmine.errors import DataError, check_fitted, check_positive_int
from deepmine.timeseries.anomaly_data import (add_window_points, auto_window, channel_values, check_window,
                                               window_view)

PATCHES = 32  # the most steps an LSTM of these detectors runs over; longer windows are cut into patches


class SeriesDetector(BaseDetector, BaseEstimator):
    """The fit template of the series detectors: subclasses write ``_fit(values)`` and ``_score(values)``,
    both on the standardised ``(steps, channels)`` array, ``_score`` giving one score per step."""

    def fit(self, X, y=None):
        """Learn what the series ``X`` looks like (best a part known to be normal) and set ``threshold_`` from the
        scores of its own steps. ``y`` is ignored (it is there for scikit-learn's fit signature)."""
        check_contamination(self.contamination)
        self.channels_ = [str(c) for c in X.columns] if isinstance(X, pd.DataFrame) else None
        values = channel_values(X, "the training series")
        window = getattr(self, "window", None)
        if window == "auto":
            window, self.period_ = auto_window(values)
        self.window_ = check_window(window, len(values)) if window is not None else None
        self.n_channels_ = values.shape[1]
        self.center_ = values.mean(axis=0)
        scale = values.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        standard = self._standardise(values)
        scores = self._fit(standard)  # a detector that scored its training steps while fitting returns them
        self._set_threshold(self._score(standard) if scores is None else scores)
        return self

    def decision_function(self, X) -> np.ndarray:
        """One anomaly score per time step of the series ``X`` (higher is more anomalous)."""
        check_fitted(self, "threshold_")
        channels = getattr(self, "channels_", None)
        if isinstance(X, pd.DataFrame) and channels and list(map(str, X.columns)) != channels:
            missing = [c for c in channels if c not in set(map(str, X.columns))]
            if missing:
                raise DataError(f"the series lacks the channel(s) {', '.join(map(repr, missing))} the detector was "
                                f"fitted on; give columns {', '.join(channels)}")
            X = X.rename(columns=str)[channels]  # the fitted channels, in their order; other columns left out
        values = channel_values(X)
        if values.shape[1] != self.n_channels_:
            raise DataError(f"the series has {values.shape[1]} channel(s) but the detector was fitted on "
                            f"{self.n_channels_}; give the same channels in the same order")
        if self.window_ is not None:
            check_window(self.window_, len(values), "the series")
        return self._score(self._standardise(values))

    def _standardise(self, values: np.ndarray) -> np.ndarray:
        return (values - self.center_) / self.scale_

    def _fit(self, values: np.ndarray) -> np.ndarray | None:  # pragma: no cover - abstract
        """Learn from the training steps; return their scores when fitting computed them (else None)."""
        raise NotImplementedError

    def _score(self, values: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------- networks
def _patched(x, patch: int):
    """``(batch, window, c)`` as ``(batch, window / patch, patch * c)``: each patch of steps one input vector."""
    return x.reshape(len(x), x.shape[1] // patch, patch * x.shape[2])


class _EncDecNet(nn.Module):
    """EncDec-AD's network: the encoder's last state starts the decoder, which rebuilds the window backwards, fed
    the true previous value in training (teacher forcing, as in the paper) and its own reconstruction when scoring."""

    def __init__(self, channels: int, hidden: int, patch: int):
        super().__init__()
        self.patch, width = patch, patch * channels
        self.encoder = nn.LSTM(width, hidden, batch_first=True)
        self.decoder = nn.LSTM(width, hidden, batch_first=True)
        self.out = nn.Linear(hidden, width)

    def forward(self, x):
        import torch

        seq = _patched(x, self.patch)
        _, state = self.encoder(seq)
        target = seq.flip(1)
        if self.training:
            inputs = torch.cat([torch.zeros_like(target[:, :1]), target[:, :-1]], dim=1)
            out = self.out(self.decoder(inputs, state)[0])
        else:
            prev, outs = torch.zeros_like(target[:, :1]), []
            for _ in range(target.shape[1]):
                hidden, state = self.decoder(prev, state)
                prev = self.out(hidden)
                outs.append(prev)
            out = torch.cat(outs, dim=1)
        return out.flip(1).reshape(x.shape)


class _NextStepNet(nn.Module):
    """An LSTM over the (patched) window, its last state mapped to the next step of every channel, plus a linear
    highway from the window (as the LSTM forecaster has)."""

    def __init__(self, window: int, channels: int, hidden: int, patch: int):
        super().__init__()
        self.patch = patch
        self.lstm = nn.LSTM(patch * channels, hidden, batch_first=True)
        self.head = nn.Linear(hidden, channels)
        self.highway = nn.Linear(window * channels, channels)

    def forward(self, x):
        out, _ = self.lstm(_patched(x, self.patch))
        return self.head(out[:, -1]) + self.highway(x.reshape(len(x), -1))


# ---------------------------------------------------------------------------------------------- deep base
class DeepSeriesDetector(SeriesDetector):
    """Training, scoring and persistence of the deep series detectors; subclasses write ``_build(channels)``,
    ``_pairs(values)`` (inputs and targets of the training windows) and ``_errors(values)`` (squared errors per
    step and channel, NaN where a step is not scored)."""

    _MAX_WINDOWS = 20_000  # training windows, at the most (evenly spaced over the series)

    def __init__(self, window="auto", hidden: int = 64, lr: float = 3e-3, batch_size="auto", max_epochs: int = 50,
                 early_stopping: int | None = 10, contamination="auto", device="auto", random_state=None,
                 verbose: int = 0, grad_clip: float | None = 1.0):
        store_params(self, locals())

    def _patch(self) -> int:
        return -(-self.window_ // PATCHES)

    def _fit(self, values: np.ndarray) -> np.ndarray:
        from deepmine.base import resolve_batch_size
        from deepmine.training import Trainer, resolve_seed, seeded
        from deepmine.training.device import choose_device

        check_positive_int("max_epochs", self.max_epochs)
        check_positive_int("hidden", self.hidden)
        patch = self._patch()
        self.window_ = max(patch, self.window_ // patch * patch)  # a whole number of patches
        X, Y = self._pairs(values)
        stride = max(1, -(-len(X) // self._MAX_WINDOWS))
        X, Y = X[::stride], Y[::stride]
        n_val = max(4, int(round(0.15 * len(X)))) if self.early_stopping else 0
        gap = -(-self.window_ // stride)  # the validation windows share no step with the training ones
        if len(X) - n_val - gap < 8:
            n_val = gap = 0
        seed, device = resolve_seed(self.random_state), choose_device(self.device)
        with seeded(seed, device):
            module = self._build(values.shape[1])
            n_train = len(X) - n_val - gap
            trainer = Trainer(loss="mse", optimizer="adam", lr=self.lr,
                              batch_size=resolve_batch_size(self.batch_size, n_train), max_epochs=self.max_epochs,
                              early_stopping=self.early_stopping if n_val else None, device=device,
                              verbose=self.verbose, description=type(self).__name__, grad_clip=self.grad_clip)
            valid = (X[-n_val:], Y[-n_val:]) if n_val else (None, None)
            self.history_ = trainer.fit(module, X[:n_train], Y[:n_train], *valid)
        self.module_, self.device_ = module.eval(), device
        self.weights_ = {k: t.detach().cpu().numpy().copy() for k, t in module.state_dict().items()}
        errors = self._errors(values)
        self.error_scale_ = np.maximum(np.nanmean(errors, axis=0), 1e-8)
        return self._per_step(errors)  # the training scores, without running the network over them again

    def _score(self, values: np.ndarray) -> np.ndarray:
        return self._per_step(self._errors(values))

    def _per_step(self, errors: np.ndarray) -> np.ndarray:
        """One score per step from the squared errors per step and channel (NaN where a step is not scored)."""
        errors = errors / self.error_scale_
        missing = np.isnan(errors).all(axis=1)  # steps no window scores (a forecast needs the window before)
        per_step = np.empty(len(errors))
        per_step[~missing] = np.nanmean(errors[~missing], axis=1)
        per_step[missing] = np.median(per_step[~missing])
        return per_step

    def _predict(self, windows: np.ndarray) -> np.ndarray:
        from deepmine.training import predict_module

        return predict_module(self.module_, windows.astype(np.float32), self.device_).cpu().numpy()

    # ------------------------------------------------------------------ persistence: arrays, never code
    def __getstate__(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ("module_", "device_")}
        if isinstance(state.get("history_"), pd.DataFrame):
            state["history_"] = {str(c): state["history_"][c].to_numpy() for c in state["history_"].columns}
        return state

    def __setstate__(self, state):
        import torch

        self.__dict__.update(state)
        if isinstance(self.__dict__.get("history_"), dict):
            self.history_ = pd.DataFrame(self.history_)
        if "weights_" in state:
            module = self._build(self.n_channels_)
            module.load_state_dict({k: torch.as_tensor(v) for k, v in self.weights_.items()})
            self.module_, self.device_ = module.eval(), torch.device("cpu")


_DEEP_PARAMS = """
    window : int or "auto"
        Steps per window ("auto": the dominant period, 8 to 256 steps). Windows longer than 32 steps are cut into
        32 patches for the LSTMs (and the window rounded down to a whole number of patches).
    hidden : LSTM units.
    lr, batch_size, max_epochs, early_stopping : the training (Adam, one-cycle schedule, early stopping on the
        last 15% of the training windows).
    grad_clip : the largest gradient norm of a step (None: no clipping).
""" + """
    contamination : float in (0, 0.5] or "auto"
        The share of the training steps flagged (their highest scores); "auto" flags the steps whose robust
        z-score of log(score) exceeds 3.
"""


class EncDecADDetector(DeepSeriesDetector):
    __doc__ = ("EncDec-AD (Malhotra et al. 2016): an LSTM encoder-decoder rebuilds each window from the encoder's "
               "last state; a step's anomaly score is its reconstruction error (each channel in units of its "
               "training error, averaged over the channels and the windows that hold the step).\n\n"
               "    Parameters\n    ----------" + _DEEP_PARAMS + DETECTOR_ATTRIBUTES_DOC)

    def _build(self, channels: int) -> nn.Module:
        return _EncDecNet(channels, self.hidden, self._patch())

    def _pairs(self, values):
        windows = np.ascontiguousarray(window_view(values, self.window_), dtype=np.float32)
        return windows, windows

    def _errors(self, values: np.ndarray) -> np.ndarray:
        n, w = len(values), self.window_
        total, count = np.zeros(values.shape), np.zeros((n, 1))
        view = window_view(values, w)
        for start in range(0, len(view), 4096):
            chunk = np.ascontiguousarray(view[start:start + 4096])
            add_window_points(total, count, (self._predict(chunk) - chunk) ** 2, start)  # (windows, w, c)
        return total / count


class ForecastErrorDetector(DeepSeriesDetector):
    __doc__ = ("A forecasting-error detector (LSTM-AD, Malhotra et al. 2015): an LSTM reads the window before each "
               "step and forecasts the step in every channel; the step's anomaly score is the forecast's error (each "
               "channel in units of its training error, averaged over the channels).\n\n"
               "    Parameters\n    ----------" + _DEEP_PARAMS + DETECTOR_ATTRIBUTES_DOC)

    def _build(self, channels: int) -> nn.Module:
        return _NextStepNet(self.window_, channels, self.hidden, self._patch())

    def _pairs(self, values):
        windows = window_view(values[:-1], self.window_)
        return (np.ascontiguousarray(windows, dtype=np.float32),
                np.ascontiguousarray(values[self.window_:], dtype=np.float32))

    def _errors(self, values: np.ndarray) -> np.ndarray:
        errors = np.full(values.shape, np.nan)
        view = window_view(values[:-1], self.window_)
        for start in range(0, len(view), 8192):
            chunk = np.ascontiguousarray(view[start:start + 8192])
            truth = values[self.window_ + start:self.window_ + start + len(chunk)]
            errors[self.window_ + start:self.window_ + start + len(chunk)] = (self._predict(chunk) - truth) ** 2
        return errors


__all__ = ["DeepSeriesDetector", "EncDecADDetector", "ForecastErrorDetector", "SeriesDetector"]
