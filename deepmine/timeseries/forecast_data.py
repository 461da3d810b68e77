"""One regular series from what a user has: a Series, a 1-D array, or a table with a time and a target column.

Every forecaster takes what :func:`as_regular_series` accepts. The result is a float ``pd.Series``
on a regular index: a ``DatetimeIndex`` with a frequency (given, or inferred) for dated data, a
``RangeIndex`` for plain arrays. Missing steps (timestamps absent from an index whose steps are
multiples of one step) and missing values are filled by linear interpolation along time, with a
:class:`~deepmine.errors.DataWarning` saying how many were filled.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from deepmine.errors import ColumnError, DataError, DataWarning

MIN_POINTS = 3


def _first_unreadable(column: pd.Series) -> str:
    """' (such as 'soon' in row 7)' naming the first value that is no date, or '' when none is found."""
    import warnings as _warnings

    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(column, errors="coerce", format="mixed")
        except (ValueError, TypeError, OverflowError):
            return ""
    bad = np.flatnonzero((parsed.isna() & column.notna()).to_numpy())
    return f" (such as {column.iloc[bad[0]]!r} in row {int(bad[0])})" if len(bad) else ""


def _from_frame(data: pd.DataFrame, time, target) -> pd.Series:
    if target is None:
        numeric = [c for c in data.columns if c != time and pd.api.types.is_numeric_dtype(data[c])]
        if len(numeric) != 1:
            raise ColumnError(f"the table has {len(numeric)} numeric columns besides the time; pass target=COLUMN "
                              f"to say which one to forecast")
        target = numeric[0]
    for role, col in (("time", time), ("target", target)):
        if col is not None and col not in data.columns:
            raise ColumnError(f"{role} column {col!r} is not in the table; choose from: "
                              f"{', '.join(map(str, data.columns))}")
    if time is None:
        return data[target].rename(target)
    try:
        stamps = pd.to_datetime(data[time])
    except (ValueError, TypeError, OverflowError) as exc:
        raise DataError(f"time column {time!r} cannot be read as dates{_first_unreadable(data[time])}; give dates "
                        f"such as 2020-01-31") from exc
    series = pd.Series(data[target].to_numpy(), index=pd.DatetimeIndex(stamps), name=target)
    return series.sort_index()


def _numeric(series: pd.Series) -> pd.Series:
    try:
        return pd.to_numeric(series, errors="raise").astype(float)
    except (ValueError, TypeError) as exc:
        raise DataError(f"the series has non-numeric values such as {series.iloc[0]!r}; give numbers "
                        f"(pass target=COLUMN to pick a numeric column)") from exc


def _common_step(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The most common step, if every step is a whole multiple of it; else a DataError."""
    steps = pd.Series(index[1:] - index[:-1])
    step = steps.mode().iloc[0]
    ratio = steps / step
    if step <= pd.Timedelta(0) or not np.allclose(ratio, np.round(ratio)):
        raise DataError(f"the timestamps have no common step (the most common is {step}, but others are not "
                        f"multiples of it); resample the series to a regular frequency first, e.g. "
                        f"series.resample('D').mean(), or pass freq=")
    return step


def as_regular_series(data, time=None, target=None, freq=None) -> pd.Series:
    """``data`` as a float Series on a regular index, gaps filled by linear interpolation.

    ``data`` is a ``pd.Series`` (its index gives the dates, if it is a DatetimeIndex), a 1-D array
    or list (index 0..n-1), or a DataFrame with a ``time`` column (dates) and a ``target`` column
    (the values; the only numeric column when not named). ``freq`` (a pandas alias such as "MS" or
    "W-SAT") is inferred when not given: ``pd.infer_freq``, else the most common step.
    """
    if isinstance(data, pd.DataFrame):
        if data.shape[1] == 1 and time is None and target is None:
            series = data.iloc[:, 0]
        else:
            series = _from_frame(data, time, target)
    elif isinstance(data, pd.Series):
        series = data.copy()
    else:
        arr = np.asarray(data)
        if arr.ndim == 2 and 1 in arr.shape:
            arr = arr.ravel()
        if arr.ndim != 1:
            raise DataError(f"a series must be one-dimensional, got an array of shape {arr.shape}; pass one "
                            f"column, or a DataFrame with target=COLUMN")
        series = pd.Series(arr)
    series = _numeric(series)
    if isinstance(series.index, pd.PeriodIndex):
        series.index = series.index.to_timestamp()
    if not isinstance(series.index, pd.DatetimeIndex):
        if not (isinstance(series.index, pd.RangeIndex) or pd.api.types.is_integer_dtype(series.index)):
            try:
                series.index = pd.DatetimeIndex(pd.to_datetime(series.index))
            except (ValueError, TypeError) as exc:
                raise DataError("the series' index is neither dates nor positions; give a DatetimeIndex or "
                                "pass a table with time=COLUMN") from exc
    if isinstance(series.index, pd.DatetimeIndex):
        series = series.sort_index()
        dup = series.index.duplicated()
        if dup.any():
            raise DataError(f"{int(dup.sum())} timestamps occur more than once (first {series.index[dup][0]}); "
                            f"aggregate them first, e.g. series.groupby(level=0).mean()")
    if len(series) < MIN_POINTS:
        raise DataError(f"the series has {len(series)} points; a forecast needs at least {MIN_POINTS} "
                        f"(and most models a few seasons)")
    n_missing_steps = 0
    if isinstance(series.index, pd.DatetimeIndex):
        if freq is None:
            freq = series.index.freq or (pd.infer_freq(series.index) if len(series) >= 3 else None)
        if freq is None:
            step = _common_step(series.index)
            full = pd.date_range(series.index[0], series.index[-1], freq=step)
            # a calendar alias ("W-SAT", "MS") where one fits the filled index; else the fixed step
            alias = pd.infer_freq(full) if len(full) >= 3 else None
            if alias is not None:
                full = pd.date_range(series.index[0], series.index[-1], freq=alias)
        else:
            full = pd.date_range(series.index[0], series.index[-1], freq=freq)
            if not series.index.isin(full).all():
                raise DataError(f"some timestamps do not fall on the frequency {freq!r}; pass the right freq= "
                                f"or resample the series first")
        n_missing_steps = len(full) - len(series)
        series = series.reindex(full)
    else:
        series = series.reset_index(drop=True)
    n_nan = int(series.isna().sum())
    if n_nan:
        if series.notna().sum() < MIN_POINTS:
            raise DataError(f"the series has only {int(series.notna().sum())} values that are not missing; "
                            f"a forecast needs at least {MIN_POINTS}")
        series = series.interpolate(method="linear", limit_direction="both")
        what = (f"{n_missing_steps} missing time steps and {n_nan - n_missing_steps} missing values"
                if n_missing_steps else f"{n_nan} missing values")
        warnings.warn(f"{what} filled by linear interpolation", DataWarning, stacklevel=2)
    if not np.isfinite(series.to_numpy()).all():
        raise DataError("the series has infinite values; replace them with numbers or NaN")
    return series


_SEASONS = {"M": 12, "ME": 12, "MS": 12, "BM": 12, "BME": 12, "BMS": 12, "SM": 24, "SMS": 24,
            "W": 52, "D": 7, "B": 5, "h": 24, "H": 24, "Q": 4, "QE": 4, "QS": 4, "BQ": 4, "BQE": 4, "BQS": 4,
            "min": 60, "T": 60}


def infer_season(series: pd.Series) -> int:
    """The usual season of the series' frequency: 12 monthly, 52 weekly, 7 daily, 24 hourly, 4 quarterly, else 1."""
    index = getattr(series, "index", None)
    freq = getattr(index, "freqstr", None) or (pd.infer_freq(index) if isinstance(index, pd.DatetimeIndex)
                                                and len(index) >= 3 else None)
    if not freq:
        return 1
    base = pd.tseries.frequencies.to_offset(freq)
    if getattr(base, "n", 1) != 1:
        return 1
    name = base.name.split("-")[0]
    return _SEASONS.get(name, 1)


def future_index(series: pd.Series, horizon: int) -> pd.Index:
    """The ``horizon`` time stamps (or positions) that follow the series."""
    index = series.index
    if isinstance(index, pd.DatetimeIndex):
        freq = index.freq or pd.infer_freq(index)
        return pd.date_range(index[-1], periods=horizon + 1, freq=freq)[1:]
    start = int(index[-1]) + 1
    return pd.RangeIndex(start, start + horizon)



def series_state(series: pd.Series) -> dict:
    """A regular series as plain arrays and strings (what skops stores); :func:`series_from_state` reverses it."""
    index = series.index
    dated = isinstance(index, pd.DatetimeIndex)
    return {"values": series.to_numpy(dtype=np.float64),
            "index": index.asi8.copy() if dated else np.asarray(index, dtype=np.int64),
            "dated": dated, "unit": index.unit if dated else None, "freq": getattr(index, "freqstr", None),
            "name": None if series.name is None else str(series.name)}


def series_from_state(state: dict) -> pd.Series:
    if state["dated"]:
        values = np.asarray(state["index"]).astype(f"datetime64[{state['unit']}]")
        index = pd.DatetimeIndex(values, freq=state["freq"])
    else:
        index = pd.Index(np.asarray(state["index"]))
        if len(index) and (np.diff(index) == 1).all():
            index = pd.RangeIndex(int(index[0]), int(index[-1]) + 1)
    return pd.Series(np.asarray(state["values"], dtype=np.float64), index=index, name=state["name"])


__all__ = ["as_regular_series", "future_index", "infer_season", "series_from_state", "series_state"]
