"""The series an anomaly detector reads: channels on one time axis as a float array, its period, its windows.

A detector of anomalies in time series reads one series of ``n`` steps with ``c`` channels (sensors):
a 1-D array, an ``(n, c)`` array, a Series or a DataFrame whose columns are the channels.
:func:`channel_values` turns any of them into an ``(n, c)`` float array with one clear error for what
cannot be read. :func:`dominant_period` finds the length of the series' usual cycle (a heartbeat, a
stride, a day), which sets the windows the detectors look through; :func:`window_view` cuts the
windows and :func:`spread_to_steps` (one score per window) or :func:`add_window_points` (a score for each step of
each window) turn them back into one score per time step.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from deepmine.errors import DataError, DataWarning, ParameterError, check_positive_int

MIN_WINDOW, MAX_WINDOW, FALLBACK_WINDOW = 8, 256, 32
MIN_WINDOWS = 4  # windows a training part must hold, at the least


def _first_text(column: pd.Series):
    bad = pd.to_numeric(column, errors="coerce").isna() & column.notna()
    return column[bad].iloc[0] if bad.any() else None


def channel_values(X, what: str = "the series") -> np.ndarray:
    """``X`` as an ``(n, c)`` float64 array: a 1-D series is one channel; missing values are filled by linear
    interpolation along time (with a DataWarning); text, infinities or an empty series are errors."""
    if isinstance(X, pd.Series):
        X = X.to_frame()
    if isinstance(X, pd.DataFrame):
        for name in X.columns:
            column = X[name]
            if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
                text = _first_text(column)
                if text is not None:
                    raise DataError(f"channel {name!r} holds text (such as {text!r}); a series detector reads numbers: "
                                    f"leave the column out (channels=[...], --channels) or give it as numbers")
        values = X.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    else:
        try:
            values = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError):
            raise DataError(f"{what} holds values that are not numbers; give numbers, one column per channel") from None
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise DataError(f"{what} must be one series of shape (steps,) or (steps, channels), got shape {values.shape}")
    if len(values) == 0 or values.shape[1] == 0:
        raise DataError(f"{what} is empty; give at least a few windows of steps")
    if np.isinf(values).any():
        raise DataError(f"{what} holds infinite values; replace them with numbers or leave them missing (NaN)")
    missing = np.isnan(values)
    if missing.any():
        if missing.all(axis=0).any():
            raise DataError(f"{what} has a channel with no values at all; leave it out")
        values = pd.DataFrame(values).interpolate(limit_direction="both").to_numpy(dtype=np.float64)
        warnings.warn(f"{int(missing.sum())} missing values filled by linear interpolation along time", DataWarning,
                      stacklevel=3)
    return values


def dominant_period(values: np.ndarray, max_period: int | None = None) -> int | None:
    """The length of the series' usual cycle, or None when it has none: the highest peak of the autocorrelation
    (averaged over the channels) after its first fall below zero, if that peak is clearly positive (above 0.2)."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    n = len(values)
    max_period = min(max_period or n // 3, n // 3)
    if max_period < 4:
        return None
    centred = values - values.mean(axis=0)
    size = 1 << int(np.ceil(np.log2(2 * n)))
    spectrum = np.fft.rfft(centred, size, axis=0)
    acf = np.fft.irfft(spectrum * np.conj(spectrum), size, axis=0)[:max_period + 1]
    variance = acf[0]
    kept = variance > 0
    if not kept.any():
        return None
    acf = (acf[:, kept] / variance[kept]).mean(axis=1)
    below = np.flatnonzero(acf < 0)
    if not len(below):
        return None
    start = int(below[0])
    if start >= max_period:
        return None
    lag = start + int(np.argmax(acf[start:]))
    return lag if acf[lag] > 0.2 else None


def auto_window(values: np.ndarray) -> tuple[int, int | None]:
    """``(window, period)``: the dominant period (clipped to 8..256 steps) when there is one, else 32 steps (at
    most a tenth of the series)."""
    period = dominant_period(values, MAX_WINDOW * 2)
    if period is not None:
        return int(np.clip(period, MIN_WINDOW, MAX_WINDOW)), period
    return int(max(MIN_WINDOW, min(FALLBACK_WINDOW, len(values) // 10))), None


def check_window(window, n: int, what: str = "the training part") -> int:
    """``window`` as a whole number of steps that leaves ``MIN_WINDOWS`` windows in ``n`` steps; else a clear error."""
    if isinstance(window, str):
        raise ParameterError(f"window must be a whole number of steps or 'auto', got {window!r}")
    window = check_positive_int("window", window)
    if window < 2:
        raise ParameterError(f"window must be at least 2 steps, got {window}")
    if n < window + MIN_WINDOWS - 1:
        raise DataError(f"{what} has {n} steps, too short for windows of {window} steps (it needs at least "
                        f"{window + MIN_WINDOWS - 1}); give a longer series or a smaller window (window=, --window)")
    return window


def window_view(values: np.ndarray, window: int, stride: int = 1) -> np.ndarray:
    """``(n_windows, window, c)``: every window of ``window`` steps, ``stride`` apart (a view, not a copy)."""
    view = np.lib.stride_tricks.sliding_window_view(values, window, axis=0)  # (n - w + 1, c, w)
    return view.transpose(0, 2, 1)[::stride]


def spread_to_steps(window_scores: np.ndarray, n: int, window: int) -> np.ndarray:
    """One score per step from one per window (window ``i`` covers steps ``i .. i + window - 1``, stride 1): the
    mean score of the windows that cover the step."""
    scores = np.asarray(window_scores, dtype=np.float64)
    kernel = np.ones(window)
    total = np.convolve(scores, kernel)[:n]
    count = np.convolve(np.ones(len(scores)), kernel)[:n]
    return total / count


def add_window_points(total: np.ndarray, count: np.ndarray, point_scores: np.ndarray, start: int) -> None:
    """Add the ``(n_windows, window, ...)`` scores of each window's steps, for windows starting at steps ``start``,
    ``start + 1``, ... (stride 1), into ``total`` and ``count`` (one row per step): ``total / count`` is then each
    step's mean over the windows that hold it. Windows can come in chunks, so no more than one chunk is held."""
    n_windows, window = point_scores.shape[:2]
    for k in range(window):  # step k of window i is step start + i + k of the series
        total[start + k:start + k + n_windows] += point_scores[:, k]
        count[start + k:start + k + n_windows] += 1


def intervals(flags: np.ndarray) -> list[tuple[int, int]]:
    """The runs of consecutive flagged steps, as ``(first, last)`` positions (inclusive)."""
    flags = np.asarray(flags, dtype=bool).astype(np.int8)
    edges = np.diff(np.concatenate([[0], flags, [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return list(zip(starts.tolist(), ends.tolist()))


__all__ = ["auto_window", "channel_values", "check_window", "dominant_period", "intervals", "add_window_points",
           "spread_to_steps", "window_view"]
