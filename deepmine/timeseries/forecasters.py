"""Forecasters: the shared interface and the deep ones (MLP, LSTM, N-BEATS, a sequence-to-sequence network
with attention).

Every forecaster follows one contract:

- ``fit(y, horizon=None, time=None, target=None)``: ``y`` is anything
  :func:`~deepmine.timeseries.forecast_data.as_regular_series` accepts. ``horizon`` is the number of
  steps the model is fitted to forecast. The deep models learn all ``horizon`` steps at once (the
  direct multi-output strategy), so it is fixed at fit time; it defaults to one season (or 1).
  The statistical models forecast any number of steps and only keep it as ``predict``'s default.
- ``predict(horizon=None) -> pd.DataFrame`` indexed by the future timestamps (positions for plain
  arrays) with columns ``forecast``, ``lower`` and ``upper``: the point forecast and a prediction
  interval of level ``interval`` (0.9 by default). Deep models accept ``horizon <= `` the fitted one.

The deep models see windows of the last ``window`` values (``"auto"``: two seasons or two horizons,
whichever is longer, shortened on short series) and each window is standardised by its own mean and
standard deviation (the outputs are mapped back with the same two numbers): a trend or a growing
level (the airline passengers) then changes nothing the network sees, as in RevIN (Kim et al., 2022).
The last windows are held out for early stopping and **split-conformal** intervals: the absolute
errors on those windows, divided by each window's scale, give one quantile per horizon step
(made non-decreasing along the horizon); the network is then refitted on every window for the
best number of epochs (``refit=True``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from torch import nn

from deepmine.base import store_params
from deepmine.errors import DataError, DataWarning, ParameterError, check_fitted, check_positive_int
from deepmine.timeseries.forecast_data import (as_regular_series, future_index, infer_season, series_from_state,
                                               series_state)


class BaseForecaster(BaseEstimator):
    """The forecaster interface; subclasses write ``_fit(series)`` and ``_predict(h) -> (mean, lower, upper)``."""

    _seasonal = False  # whether the model needs two full seasons of history

    # ------------------------------------------------------------------ helpers
    def _check_interval(self) -> float:
        level = getattr(self, "interval", 0.9)
        if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
            raise ParameterError(f"interval must be a level between 0 and 1 such as 0.9, got {level!r}")
        return float(level)

    def _resolve_season(self, series: pd.Series) -> int:
        season = getattr(self, "season", "auto")
        season = infer_season(series) if season == "auto" else check_positive_int("season", season)
        n = len(series)
        if season > n:
            raise DataError(f"season={season} is longer than the history ({n} points); give a shorter season "
                            f"(season=1 for none) or a longer series")
        if self._seasonal and season > 1 and n < 2 * season:
            raise DataError(f"{type(self).__name__} needs at least two seasons of history ({2 * season} points "
                            f"for season={season}), got {n}; give a longer series or a shorter season")
        return season

    # ------------------------------------------------------------------ the contract
    def fit(self, y, horizon=None, *, time=None, target=None):
        """Fit on the series ``y``; ``horizon`` (steps ahead) defaults to one season."""
        series = as_regular_series(y, time=time, target=target)
        self._check_interval()
        season = self._resolve_season(series)
        horizon = check_positive_int("horizon", horizon if horizon is not None else season)
        self.season_, self.horizon_ = season, horizon
        self.freq_ = getattr(series.index, "freqstr", None)
        self._fit(series)
        self.y_ = series
        return self

    def predict(self, horizon=None) -> pd.DataFrame:
        """``horizon`` steps past the end of the series: forecast, lower and upper, indexed by time."""
        check_fitted(self, "y_")
        horizon = self.horizon_ if horizon is None else horizon
        if isinstance(horizon, (int, np.integer)) and not isinstance(horizon, bool) and horizon < 1:
            raise ParameterError(f"horizon must be at least 1, got {horizon}")
        horizon = check_positive_int("horizon", horizon)
        mean, lower, upper = self._predict(horizon)
        mean = np.asarray(mean, dtype=float)
        lower = np.minimum(np.asarray(lower, dtype=float), mean)
        upper = np.maximum(np.asarray(upper, dtype=float), mean)
        return pd.DataFrame({"forecast": mean, "lower": lower, "upper": upper},
                            index=future_index(self.y_, horizon))

    def _fit(self, series: pd.Series) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _predict(self, horizon: int):  # pragma: no cover - abstract
        raise NotImplementedError

    # ------------------------------------------------------------------ persistence
    # A fitted forecaster is saved with skops (deepmine.persist.save_model), which stores plain
    # arrays, numbers and strings only: the series is kept as arrays, and what cannot be stored
    # (a statsmodels result, a torch network) is dropped and rebuilt on load by ``_rebuild``
    # from stored parameters, so a loaded model forecasts exactly what the saved one did.
    _rebuilt: tuple[str, ...] = ()

    def __getstate__(self):
        state = {k: v for k, v in self.__dict__.items() if k not in self._rebuilt}
        if isinstance(state.get("y_"), pd.Series):
            state["y_"] = series_state(state["y_"])
        return state

    def __setstate__(self, state):
        if isinstance(state.get("y_"), dict):
            state = {**state, "y_": series_from_state(state["y_"])}
        self.__dict__.update(state)
        if "y_" in state:
            self._rebuild()

    def _rebuild(self) -> None:
        pass


# ---------------------------------------------------------------------------------------------- networks
class _MLPNet(nn.Module):
    def __init__(self, window: int, horizon: int, hidden=(256, 256), dropout: float = 0.1):
        super().__init__()
        layers, width = [], window
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
            width = h
        layers.append(nn.Linear(width, horizon))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class _LSTMNet(nn.Module):
    """An LSTM over the window cut into patches of ``patch`` steps, then a linear map to the horizon,
    plus a linear "highway" from the window to the horizon (LSTNet, Lai et al. 2018)."""

    def __init__(self, window: int, horizon: int, hidden: int = 64, num_layers: int = 1, patch: int = 1,
                 dropout: float = 0.0):
        super().__init__()
        self.patch, self.steps = patch, window // patch
        self.lstm = nn.LSTM(patch, hidden, num_layers=num_layers, batch_first=True,
                            dropout=dropout if num_layers > 1 else 0.0)
        self.head = nn.Linear(hidden, horizon)
        self.highway = nn.Linear(window, horizon)

    def forward(self, x):
        seq = x[:, -self.steps * self.patch:].reshape(len(x), self.steps, self.patch)
        out, _ = self.lstm(seq)
        return self.head(out[:, -1]) + self.highway(x)


class _NBeatsBlock(nn.Module):
    def __init__(self, window: int, horizon: int, width: int, layers: int):
        super().__init__()
        fc, d = [], window
        for _ in range(layers):
            fc += [nn.Linear(d, width), nn.ReLU()]
            d = width
        self.fc = nn.Sequential(*fc)
        self.backcast = nn.Linear(width, window)
        self.forecast = nn.Linear(width, horizon)

    def forward(self, x):
        h = self.fc(x)
        return self.backcast(h), self.forecast(h)


class _NBeatsNet(nn.Module):
    """N-BEATS, generic architecture (Oreshkin et al., 2020): blocks of fully connected layers whose
    backcast is taken from the block's input (the residual passed on) and whose forecasts are summed."""

    def __init__(self, window: int, horizon: int, n_blocks: int = 6, width: int = 256, layers: int = 4):
        super().__init__()
        self.blocks = nn.ModuleList(_NBeatsBlock(window, horizon, width, layers) for _ in range(n_blocks))

    def forward(self, x):
        residual, forecast = x, 0.0
        for block in self.blocks:
            back, fore = block(residual)
            residual = residual - back
            forecast = forecast + fore
        return forecast


class _Seq2SeqNet(nn.Module):
    """An encoder-decoder with additive attention (Bahdanau et al., 2015) over the (patched) window.

    The encoder, an LSTM, reads the window; the decoder, an LSTM cell started from the encoder's last
    state, emits the horizon one step at a time: each step attends over every encoder output (scores
    ``v . tanh(W_e e_i + W_d h)``, softmaxed over the window), feeds on its own previous forecast (the
    window's last value at first) and the attended context, and maps its state and the context to the
    next value. It decodes its own forecasts in training too, so it learns to live with its errors
    rather than with the truth it will not have (no teacher forcing). A linear highway from the window to
    the horizon carries the plain seasonal part, as in the LSTM forecaster. ``attention_`` of a forward
    pass (batch, horizon, encoder steps) holds the weights, for a reader who wants to see where each
    step looked.
    """

    def __init__(self, window: int, horizon: int, hidden: int = 64, patch: int = 1, attention: int = 32):
        super().__init__()
        self.patch, self.steps, self.horizon = patch, window // patch, horizon
        self.encoder = nn.LSTM(patch, hidden, batch_first=True)
        self.decoder = nn.LSTMCell(1 + hidden, hidden)
        self.w_enc = nn.Linear(hidden, attention, bias=False)
        self.w_dec = nn.Linear(hidden, attention)
        self.v = nn.Linear(attention, 1, bias=False)
        self.out = nn.Linear(2 * hidden, 1)
        self.highway = nn.Linear(window, horizon)
        self.attention_ = None

    def forward(self, x):
        import torch

        seq = x[:, -self.steps * self.patch:].reshape(len(x), self.steps, self.patch)
        enc, (h, c) = self.encoder(seq)
        keys = self.w_enc(enc)  # (batch, steps, attention), the same for every decoding step
        h, c, prev = h[-1], c[-1], x[:, -1:]
        outputs, weights = [], []
        for _ in range(self.horizon):
            scores = self.v(torch.tanh(keys + self.w_dec(h)[:, None, :])).squeeze(-1)
            alpha = torch.softmax(scores, dim=1)
            context = torch.bmm(alpha[:, None, :], enc).squeeze(1)
            h, c = self.decoder(torch.cat([prev, context], dim=1), (h, c))
            prev = self.out(torch.cat([h, context], dim=1))
            outputs.append(prev)
            weights.append(alpha)
        self.attention_ = torch.stack(weights, dim=1).detach()
        return torch.cat(outputs, dim=1) + self.highway(x)


# ---------------------------------------------------------------------------------------------- deep base
MIN_WINDOWS = 8  # training windows a deep forecaster needs at the least
_LOSSES = {"mae": nn.L1Loss, "mse": nn.MSELoss, "huber": nn.HuberLoss}


class DeepForecaster(BaseForecaster):
    """The windowing, scaling, training and conformal intervals the deep forecasters share."""

    # ------------------------------------------------------------------ windows
    def _auto_window(self, n: int, horizon: int, season: int) -> int:
        if self.window != "auto":
            return check_positive_int("window", self.window)
        wanted = max(2 * season, 2 * horizon, 8) if season > 1 else max(2 * horizon, 8)
        low = max(season, horizon, 4) if season > 1 else max(horizon, 4)
        room = n - horizon + 1 - 2 * MIN_WINDOWS  # leave enough windows to learn from and to validate on
        return int(max(low, min(wanted, room)))

    @staticmethod
    def _windows(values: np.ndarray, window: int, horizon: int):
        """All (input, target) pairs: inputs values[t-window:t], targets values[t:t+horizon]."""
        starts = np.arange(window, len(values) - horizon + 1)
        idx_in = starts[:, None] + np.arange(-window, 0)[None, :]
        idx_out = starts[:, None] + np.arange(horizon)[None, :]
        return values[idx_in], values[idx_out]

    def _scale(self, X: np.ndarray):
        mu = X.mean(axis=1, keepdims=True)
        sd = X.std(axis=1, keepdims=True) + self.eps_
        return mu, sd

    def _valid_count(self, n_windows: int, horizon: int) -> int:
        """How many of the last windows are held out (their targets not seen by the training windows)."""
        if self.valid_size == 0:
            return 0
        if self.valid_size == "auto":
            n_val = max(10, int(round(0.15 * n_windows)))
        else:
            vs = self.valid_size
            n_val = int(round(vs * n_windows)) if isinstance(vs, float) and vs < 1 else int(vs)
        # the training windows end horizon-1 windows before the first held-out one
        if n_windows - n_val - (horizon - 1) < MIN_WINDOWS:
            return 0
        return n_val

    def _build(self, window: int, horizon: int) -> nn.Module:  # pragma: no cover - abstract
        raise NotImplementedError

    def _patch(self, window: int) -> int:
        """The steps per patch of a recurrent forecaster's input (``patch="auto"``: about 32 patches)."""
        patch = max(1, window // 32) if self.patch == "auto" else check_positive_int("patch", self.patch)
        if patch > window:
            raise ParameterError(f"patch={patch} is longer than the window ({window}); give a smaller patch")
        return patch

    def _trainer(self, epochs: int, early_stopping, n_rows: int):
        from deepmine.base import resolve_batch_size
        from deepmine.training import Trainer

        if self.loss not in _LOSSES:
            raise ParameterError(f"loss must be one of {', '.join(_LOSSES)}, got {self.loss!r}")
        return Trainer(loss=_LOSSES[self.loss](), optimizer="adam", lr=self.lr,
                       batch_size=resolve_batch_size(self.batch_size, n_rows), max_epochs=epochs,
                       lr_schedule="onecycle", early_stopping=early_stopping, device=self.device,
                       verbose=self.verbose, description=type(self).__name__,
                       grad_clip=getattr(self, "grad_clip", 1.0))  # models saved before grad_clip lack it

    # ------------------------------------------------------------------ fit / predict
    def _fit(self, series: pd.Series) -> None:
        from deepmine.training import resolve_seed, seeded
        from deepmine.training.device import choose_device

        values = series.to_numpy(dtype=float)
        n, h, m = len(values), self.horizon_, self.season_
        check_positive_int("max_epochs", self.max_epochs)
        window = self._auto_window(n, h, m)
        need = window + h + MIN_WINDOWS - 1
        if n < need:
            raise DataError(f"{type(self).__name__} needs at least {need} points (window {window} + horizon {h} "
                            f"+ {MIN_WINDOWS - 1} more to make {MIN_WINDOWS} training windows), got {n}; give a "
                            f"longer series, a shorter horizon or a smaller window")
        self.window_ = window
        self.eps_ = 1e-3 * (float(np.std(values)) or 1.0)
        X, Y = self._windows(values, window, h)
        mu, sd = self._scale(X)
        Xn, Yn = ((X - mu) / sd).astype(np.float32), ((Y - mu) / sd).astype(np.float32)
        n_win = len(X)
        n_val = self._valid_count(n_win, h)
        seed = resolve_seed(self.random_state)
        device = choose_device(self.device)
        self.history_ = None
        with seeded(seed, device):
            module = self._build(window, h)
            if n_val:
                n_train = n_win - n_val - (h - 1)
                trainer = self._trainer(self.max_epochs, self.early_stopping, n_train)
                history = trainer.fit(module, Xn[:n_train], Yn[:n_train], Xn[-n_val:], Yn[-n_val:])
                pred = trainer.predict(module, Xn[-n_val:]).cpu().numpy()
                scores = np.abs(pred - Yn[-n_val:])  # in units of each window's scale
                best = int(trainer.best_epoch or len(history))
                self.history_ = history
                if self.refit:
                    module = self._build(window, h)
                    trainer = self._trainer(max(best, 1), None, n_win)
                    self.history_ = trainer.fit(module, Xn, Yn)
            else:  # too few windows to hold some out: in-sample residuals (intervals too narrow, say so)
                warnings.warn(f"{type(self).__name__}: too few windows to hold some out for early stopping and "
                              f"intervals; the intervals come from in-sample errors and are likely too narrow",
                              DataWarning, stacklevel=3)
                trainer = self._trainer(self.max_epochs, None, n_win)
                self.history_ = trainer.fit(module, Xn, Yn)
                scores = np.abs(trainer.predict(module, Xn).cpu().numpy() - Yn)
        self.module_, self.device_ = module, device
        self.weights_ = {name: t.detach().cpu().numpy().copy() for name, t in module.state_dict().items()}
        k = len(scores)
        level = min(1.0, math.ceil((k + 1) * self.interval) / k)
        q = np.quantile(scores, level, axis=0, method="higher")
        self.conformal_ = np.maximum.accumulate(q)  # uncertainty does not shrink with the horizon

    _rebuilt = ("module_", "device_")

    def __getstate__(self):
        state = super().__getstate__()
        if isinstance(state.get("history_"), pd.DataFrame):
            state["history_"] = {str(c): state["history_"][c].to_numpy() for c in state["history_"].columns}
        return state

    def _rebuild(self) -> None:
        import torch

        if isinstance(self.__dict__.get("history_"), dict):
            self.history_ = pd.DataFrame(self.history_)
        module = self._build(self.window_, self.horizon_)
        module.load_state_dict({k: torch.as_tensor(v) for k, v in self.weights_.items()})
        self.module_, self.device_ = module.eval(), torch.device("cpu")

    def _predict(self, horizon: int):
        from deepmine.training import predict_module

        if horizon > self.horizon_:
            raise ParameterError(f"{type(self).__name__} was fitted for horizon {self.horizon_} and cannot forecast "
                                 f"{horizon} steps; fit it again with fit(y, horizon={horizon})")
        x = self.y_.to_numpy(dtype=float)[-self.window_:][None, :]
        mu, sd = self._scale(x)
        out = predict_module(self.module_, ((x - mu) / sd).astype(np.float32), self.device_).cpu().numpy()
        mean = (out * sd + mu)[0, :horizon]
        half = (self.conformal_ * sd[0])[:horizon]
        return mean, mean - half, mean + half


class MLPForecaster(DeepForecaster):
    """A multi-layer perceptron from the last ``window`` values to all ``horizon`` next values at once."""

    def __init__(self, season="auto", window="auto", hidden=(256, 256), dropout: float = 0.1, interval: float = 0.9,
                 loss: str = "mae", lr: float = 1e-3, batch_size="auto", max_epochs: int = 200,
                 early_stopping: int | None = 20, valid_size="auto", refit: bool = True, device="auto",
                 random_state=None, verbose: int = 0, grad_clip: float | None = 1.0):
        store_params(self, locals())

    def _build(self, window, horizon):
        return _MLPNet(window, horizon, tuple(self.hidden), self.dropout)


class LSTMForecaster(DeepForecaster):
    """An LSTM over the window, its last state mapped linearly to all ``horizon`` next values, plus a
    linear highway from the window to the outputs (as in LSTNet) that carries the plain seasonal part.

    Long windows are cut into patches (``patch="auto"``: about 32 steps through the LSTM), each
    patch one input vector, which keeps weekly data with 2-year windows fast.
    """

    def __init__(self, season="auto", window="auto", hidden: int = 64, num_layers: int = 1, patch="auto",
                 interval: float = 0.9, loss: str = "mae", lr: float = 3e-3, batch_size="auto", max_epochs: int = 200,
                 early_stopping: int | None = 20, valid_size="auto", refit: bool = True, device="auto",
                 random_state=None, verbose: int = 0, grad_clip: float | None = 1.0):
        store_params(self, locals())

    def _build(self, window, horizon):
        return _LSTMNet(window, horizon, self.hidden, self.num_layers, self._patch(window))


class NBEATSForecaster(DeepForecaster):
    """N-BEATS, generic architecture (Oreshkin et al., 2020): ``n_blocks`` blocks of ``layers`` fully
    connected layers of ``width`` units, with backcast residual links between blocks and summed forecasts."""

    def __init__(self, season="auto", window="auto", n_blocks: int = 3, width: int = 256, layers: int = 4,
                 interval: float = 0.9, loss: str = "mae", lr: float = 1e-3, batch_size="auto", max_epochs: int = 100,
                 early_stopping: int | None = 20, valid_size="auto", refit: bool = True, device="auto",
                 random_state=None, verbose: int = 0, grad_clip: float | None = 1.0):
        store_params(self, locals())

    def _build(self, window, horizon):
        return _NBeatsNet(window, horizon, check_positive_int("n_blocks", self.n_blocks),
                          check_positive_int("width", self.width), check_positive_int("layers", self.layers))


class Seq2SeqForecaster(DeepForecaster):
    """A sequence-to-sequence network with attention: an LSTM encoder reads the window, an LSTM decoder
    attends over it (additive attention, Bahdanau et al. 2015) and emits the horizon one step at a time,
    each step fed the previous forecast. Long windows are cut into patches (``patch="auto"``: about 32
    encoder steps), as for the LSTM forecaster."""

    def __init__(self, season="auto", window="auto", hidden: int = 64, attention: int = 32, patch="auto",
                 interval: float = 0.9, loss: str = "mae", lr: float = 3e-3, batch_size="auto", max_epochs: int = 200,
                 early_stopping: int | None = 20, valid_size="auto", refit: bool = True, device="auto",
                 random_state=None, verbose: int = 0, grad_clip: float | None = 1.0):
        store_params(self, locals())

    def _build(self, window, horizon):
        return _Seq2SeqNet(window, horizon, check_positive_int("hidden", self.hidden), self._patch(window),
                           check_positive_int("attention", self.attention))


__all__ = ["BaseForecaster", "DeepForecaster", "LSTMForecaster", "MLPForecaster", "NBEATSForecaster",
           "Seq2SeqForecaster"]
