"""Time series in, one float array out: panels shaped (cases, channels, length) for every classifier.

deepmine's series classifiers all take what :func:`to_panel` accepts:

- a 3-D array (cases, channels, length), as aeon and the UCR/UEA archive give them;
- a 2-D array (cases, length): univariate series;
- a list of 1-D (length,) or 2-D (channels, length) arrays of unequal lengths;
- a wide DataFrame: one row per case, the numeric columns its time steps in order;
- a long DataFrame (``id_column`` given): one row per (case, time), the value columns its channels,
  ordered by ``time_column`` when given, else by their order in the table.

Unequal lengths are **resampled** (linear interpolation) to one length — the longest training
series by default — rather than padded: every model (the networks, DTW, ROCKET, the
summary-feature forest) then sees the same complete series, and a fitted model resamples new
series to the length it was trained on. Missing values inside a series are filled by linear
interpolation along time (ends by the nearest value); a channel with no values at all is an error.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from deepmine.errors import ColumnError, DataError, ParameterError


def _resample(series: np.ndarray, length: int) -> np.ndarray:
    """(channels, n) -> (channels, length) by linear interpolation on a common [0, 1] time axis."""
    n = series.shape[1]
    if n == length:
        return series
    if n == 1:
        return np.repeat(series, length, axis=1)
    old, new = np.linspace(0.0, 1.0, n), np.linspace(0.0, 1.0, length)
    return np.stack([np.interp(new, old, channel) for channel in series])


def _fill_gaps(panel: np.ndarray) -> np.ndarray:
    """Linear interpolation of NaNs along time, per case and channel; an all-missing channel is an error."""
    missing = np.isnan(panel)
    if not missing.any():
        return panel
    panel = panel.copy()
    for case, channel in zip(*np.nonzero(missing.any(axis=2))):
        row = panel[case, channel]
        ok = ~np.isnan(row)
        if not ok.any():
            raise DataError(f"series {case} has no values in channel {channel}; drop that series or fill it")
        row[~ok] = np.interp(np.flatnonzero(~ok), np.flatnonzero(ok), row[ok])
    return panel


def _as_float(values, what: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what} holds values that are not numbers ({exc}); give numeric series") from None


def _from_long(frame: pd.DataFrame, id_column: str, time_column: str | None, value_columns) -> list[np.ndarray]:
    for col in [id_column, time_column]:
        if col is not None and col not in frame.columns:
            raise ColumnError(f"column {col!r} is not in the data; the columns are: "
                              f"{', '.join(map(str, frame.columns))}")
    if value_columns is None:
        value_columns = [c for c in frame.columns if c not in (id_column, time_column)
                         and pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]
    if not value_columns:
        raise DataError("the long table has no numeric value columns besides the id and time; name them")
    if time_column is not None:
        frame = frame.sort_values([id_column, time_column], kind="stable")
    groups = frame.groupby(id_column, sort=False)[list(value_columns)]
    return [_as_float(g.to_numpy().T, f"series {key!r}") for key, g in groups]


def series_list(X, id_column: str | None = None, time_column: str | None = None,
                value_columns=None) -> list[np.ndarray] | np.ndarray:
    """The cases of ``X`` as a 3-D array (equal lengths) or a list of (channels, length) arrays."""
    if isinstance(X, pd.DataFrame) and id_column is None and time_column is not None:
        raise ParameterError("time_column orders the rows of a long table; pass id_column too")
    if isinstance(X, pd.DataFrame) and id_column is not None:
        X = _from_long(X, id_column, time_column, value_columns)  # a list, stacked below if it can be
    if isinstance(X, pd.DataFrame):
        numeric = X.select_dtypes(include="number")
        if numeric.shape[1] == 0:
            raise DataError("the table has no numeric columns; a wide table needs one numeric column per time "
                            "step (or pass id_column for a long table)")
        return _as_float(numeric.to_numpy(), "the table")[:, None, :]
    if isinstance(X, pd.Series):
        X = X.to_numpy()
    if isinstance(X, (list, tuple)) or (isinstance(X, np.ndarray) and X.dtype == object):
        cases = []
        for k, case in enumerate(X):
            arr = _as_float(case.to_numpy() if isinstance(case, (pd.Series, pd.DataFrame)) else case, f"series {k}")
            if arr.ndim == 1:
                arr = arr[None, :]
            if arr.ndim != 2:
                raise DataError(f"series {k} has {arr.ndim} dimensions; give (length,) or (channels, length)")
            cases.append(arr)
        if not cases:
            raise DataError("there are no series; give at least one")
        if len({c.shape[1] for c in cases}) == 1 and len({c.shape[0] for c in cases}) == 1:
            return np.stack(cases)
        return cases
    arr = _as_float(X, "the series")
    if arr.ndim == 2:
        return arr[:, None, :]
    if arr.ndim != 3:
        raise DataError(f"series must be shaped (cases, length) or (cases, channels, length); got {arr.ndim} "
                        f"dimension(s) {arr.shape}")
    return arr


class SeriesInput:
    """Mixin for estimators whose X is a set of series: scikit-learn's tags say 3-D input, gaps allowed."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = True
        return tags


class SeriesPreprocessor:
    """Fit on training series: their channel count and common length; transform to float32 panels.

    Parameters
    ----------
    normalize : {"series", None}
        "series" z-normalises each series per channel (mean 0, sd 1), as the UCR archive does;
        None keeps the values.
    length : int or None
        The common length; None takes the longest training series.
    """

    kind = "series"  # names the saved state

    def __init__(self, normalize: str | None = "series", length: int | None = None):
        self.normalize, self.length = normalize, length

    def fit(self, X) -> "SeriesPreprocessor":
        if self.normalize not in ("series", None):
            raise ParameterError(f"normalize must be 'series' or None, got {self.normalize!r}")
        cases = series_list(X)
        channels = {c.shape[0] for c in cases}
        if len(channels) != 1:
            raise DataError(f"the series have different numbers of channels ({sorted(channels)}); give every case "
                            f"the same channels")
        self.n_channels_ = channels.pop()
        self.length_ = int(self.length) if self.length is not None else max(c.shape[1] for c in cases)
        if self.length_ < 1:
            raise ParameterError(f"length must be at least 1, got {self.length_}")
        return self

    def transform(self, X) -> np.ndarray:
        cases = series_list(X)
        if len(cases) == 0:
            raise DataError("there are no series; give at least one")
        channels = {c.shape[0] for c in cases}
        if channels != {self.n_channels_}:
            raise DataError(f"the model was fitted on series with {self.n_channels_} channel(s); these have "
                            f"{', '.join(map(str, sorted(channels)))}")
        if isinstance(cases, np.ndarray) and cases.shape[2] == self.length_:
            panel = _fill_gaps(cases)
        else:
            panel = np.stack([_resample(_fill_gaps(c[None])[0], self.length_) for c in cases])
        if self.normalize == "series":
            mean = panel.mean(axis=2, keepdims=True)
            sd = panel.std(axis=2, keepdims=True)
            panel = (panel - mean) / np.where(sd > 1e-8, sd, 1.0)
        return np.ascontiguousarray(panel, dtype=np.float32)

    def fit_transform(self, X) -> np.ndarray:
        return self.fit(X).transform(X)

    def state_dict(self) -> dict:
        return {"kind": self.kind, "normalize": self.normalize, "length": self.length,
                "n_channels_": int(self.n_channels_), "length_": int(self.length_)}

    @classmethod
    def from_state(cls, state: dict) -> "SeriesPreprocessor":
        obj = cls(state["normalize"], state["length"])
        obj.n_channels_, obj.length_ = state["n_channels_"], state["length_"]
        return obj


def to_panel(X, normalize: str | None = None, length: int | None = None) -> np.ndarray:
    """``X`` in any accepted form as one float32 array (cases, channels, length); see the module docstring."""
    return SeriesPreprocessor(normalize, length).fit_transform(X)


def load_ts(path) -> tuple[list[np.ndarray] | np.ndarray, np.ndarray]:
    """Series and labels from a UCR/UEA ``.ts`` file (aeon's reader; unequal lengths give a list)."""
    from aeon.datasets import load_from_ts_file

    path = Path(path)
    if not path.exists():
        raise DataError(f"no such file: {path}")
    try:
        X, y = load_from_ts_file(str(path))
    except (OSError, ValueError, IOError) as exc:
        raise DataError(f"could not read {path} as a .ts file ({exc})") from None
    return X, np.asarray(y)


__all__ = ["SeriesInput", "SeriesPreprocessor", "load_ts", "series_list", "to_panel"]
