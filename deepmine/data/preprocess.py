"""TabularPreprocessor: turn a mixed-type table into the numeric matrix that models learn from."""

from __future__ import annotations

import os
from typing import Any, Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from deepmine.data.roles import infer_roles
from deepmine.errors import ColumnError, DataError

_MISSING = "<missing>"
_DATE_PARTS = ("year", "month", "day", "dayofweek", "dayofyear", "hour")
_DATE_ATTRS = {"dayofweek": "day_of_week", "dayofyear": "day_of_year"}  # pandas 3 deprecates the short names


def check_features(X: Any) -> Any:
    """Reject inputs that no tabular model can take, with a message that says what to do."""
    if sp.issparse(X):
        raise DataError("sparse input is not supported; convert it to a dense array with X.toarray()")
    if isinstance(X, pd.DataFrame) and not X.columns.is_unique:
        repeated = list(dict.fromkeys(X.columns[X.columns.duplicated()]))
        raise DataError(f"the table has more than one column named {', '.join(map(repr, repeated[:3]))}; give "
                        f"every column a unique name")
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return X
    try:
        arr = np.asarray(X)
    except Exception as exc:
        raise DataError(f"could not read the features as a table ({exc}); pass a DataFrame or a 2-D array") from exc
    if np.iscomplexobj(arr):
        raise DataError("Complex data not supported; pass the real and imaginary parts as separate columns")
    if arr.ndim != 2:
        raise DataError(
            f"expected a 2-D table of features but got an array with {arr.ndim} dimension(s); Reshape your data "
            f"either using X.reshape(-1, 1) if it has a single feature or X.reshape(1, -1) if it is a single sample"
        )
    if arr.shape[1] == 0:
        raise DataError(f"0 feature(s) (shape={arr.shape}) while a minimum of 1 is required; give at least one column")
    if arr.dtype == object:
        for value in arr.ravel()[:1000]:
            if isinstance(value, (dict, list, set, tuple)):
                raise TypeError(
                    f"argument must be a string or a real number, not {type(value).__name__!r}; "
                    f"each cell of X must hold one value"
                )
    return arr


def as_frame(X: Any) -> pd.DataFrame:
    """A DataFrame view of ``X`` after :func:`check_features`; arrays get the column names x0, x1, ... ."""
    X = check_features(X)
    if isinstance(X, pd.DataFrame):
        return X
    if isinstance(X, pd.Series):
        return X.to_frame()
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])], copy=False)


_FLOAT32_MAX = float(np.finfo(np.float32).max)
_STANDARD_MAX = 1e9  # standardised values are clipped to this many standard deviations from the training mean


def _float32_numeric(X, num: np.ndarray) -> bool:
    """Whether ``X`` is a float32 array whose columns are, in order, the numeric block ``num`` (same values)."""
    return isinstance(X, np.ndarray) and X.dtype == np.float32 and X.ndim == 2 and X.shape == num.shape


def _median_of_rows(rows: np.ndarray) -> np.ndarray:
    """``np.median(rows, axis=1)`` in float64, partitioning ``rows`` in place. For float32 rows the two middle values
    are averaged in float64, which gives numpy's float64 median of the same values exactly, from half the bytes."""
    n = rows.shape[1]
    if n == 0:
        return np.full(len(rows), np.nan)
    k = n // 2
    if n % 2:
        rows.partition(k, axis=1)
        return rows[:, k].astype(np.float64)
    rows.partition([k - 1, k], axis=1)
    return (rows[:, k - 1].astype(np.float64) + rows[:, k].astype(np.float64)) / 2.0


_PARALLEL_CELLS = 1_000_000  # below this many values a thread pool costs more than it saves


def map_in_threads(fn, items, cells: int) -> list:
    """``[fn(item) for item in items]``, shared among threads (at most the usable cores, at most 8) when the work
    touches at least a million values: numpy's partition and arithmetic release the GIL. Results, and the first
    error, come in the order of ``items``, as in the loop."""
    items = list(items)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    workers = min(cores, 8, len(items))
    if workers < 2 or cells < _PARALLEL_CELLS:
        return [fn(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))


def column_medians(values: np.ndarray) -> np.ndarray:
    """Exact column medians of a gap-free 2-D array (numpy's float64 median), eight columns at a time copied out
    contiguous (one cache line a row) and partitioned in place, the blocks in threads on a large table."""
    parts = map_in_threads(lambda j: _median_of_rows(values[:, j: j + 8].T.copy()), range(0, values.shape[1], 8),
                           values.size)
    return np.concatenate(parts) if parts else np.zeros(0)


def column_sizes(values: np.ndarray) -> np.ndarray:
    """Each column's largest magnitude, from its min and max: no |values| temporary, whose fresh memory pages cost
    more than the sums on a large table."""
    if not len(values):
        return np.zeros(values.shape[1])
    return np.maximum(np.abs(values.min(axis=0)), np.abs(values.max(axis=0)))


def mean_std(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and standard deviations that do not overflow for values as large as 1e300
    (their squares would): such columns are first divided by their largest magnitude. Columns of ordinary
    size (every value under 1e150 in magnitude) are summed as they are, which saves two passes and a copy."""
    with np.errstate(all="ignore"):
        if not len(values):
            return np.zeros(values.shape[1]), np.zeros(values.shape[1])
        size = column_sizes(values)
        size = np.where((size > 0) & np.isfinite(size), size, 1.0)
        if np.all(size < 1e150):
            mean = values.mean(axis=0, dtype=np.float64)
            # the squared deviations summed a block of rows at a time: a whole-table temporary costs more in fresh
            # memory pages (0.4 s for 200,000 x 50) than the arithmetic
            total = np.zeros(values.shape[1])
            for start in range(0, len(values), 8192):
                deviation = values[start: start + 8192] - mean
                total += np.einsum("ij,ij->j", deviation, deviation)
            return mean, np.sqrt(total / len(values))
        scaled = values / size
        return scaled.mean(axis=0) * size, scaled.std(axis=0) * size


def _labels(values: np.ndarray) -> np.ndarray:
    """Category labels as strings, with missing values as their own label."""
    missing = pd.isna(values)
    labels = values.astype(str).astype(object)
    labels[missing] = _MISSING
    return labels


def _category_names(col: pd.Series) -> np.ndarray:
    """The labels of a pandas category column's categories, from the categories' own values: converting the
    column to objects would turn integer (or integer-interval) categories into floats whenever the batch holds
    a missing value, so that ``1`` became ``"1.0"`` in one batch and ``"1"`` in another."""
    return _labels(np.asarray(col.cat.categories, dtype=object))


def _column_labels(col: pd.Series) -> np.ndarray:
    """Each value's category label (``str``, missing as ``<missing>``), whatever else the batch holds."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        names = np.append(_category_names(col), _MISSING).astype(object)
        return names[col.cat.codes.to_numpy()]  # code -1 (missing) takes the last entry
    return _labels(col.to_numpy(dtype=object))


def _distinct_by_value(dtype) -> bool:
    """Whether values of this dtype that pandas holds equal (``factorize``, ``value_counts``) always have the same
    label, so that each distinct value may be labelled once: strings, booleans and integers. Not floats (-0.0 and
    0.0 are equal, but print differently) and not object columns (1, 1.0 and True are equal)."""
    if dtype == object:
        return False
    return (pd.api.types.is_string_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
            or pd.api.types.is_integer_dtype(dtype))


def kept_levels(counts: dict, min_frequency: int, max_categories: int | None) -> list:
    """The levels a categorical column keeps, sorted: those seen at least ``min_frequency`` times, at most
    ``max_categories`` of the most frequent (ties in first-seen order). The rest share code 0 with unseen values."""
    series = pd.Series(counts, dtype=np.int64).sort_values(ascending=False, kind="stable")
    kept = series[series >= min_frequency]
    if max_categories is not None:
        kept = kept.head(max_categories)
    return sorted(kept.index.tolist())


def label_counts(col: pd.Series) -> dict:
    """How many rows hold each category label (as :func:`_column_labels` labels them), counted cheaply: per
    category code, or per distinct value where that is safe, else per labelled row."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        counts = np.bincount(col.cat.codes.to_numpy().astype(np.int64) + 1, minlength=len(col.cat.categories) + 1)
        names = np.append(_MISSING, _category_names(col))
        result: dict = {}
        for name, count in zip(names, counts):
            if count:
                result[name] = result.get(name, 0) + int(count)
        return result
    if _distinct_by_value(col.dtype):
        vc = col.value_counts(dropna=False, sort=False)
        labels = _labels(vc.index.to_numpy(dtype=object))
    else:
        vc = pd.Series(_column_labels(col)).value_counts(sort=False)
        labels = vc.index.to_numpy(dtype=object)
    result = {}
    for label, count in zip(labels, vc.to_numpy()):
        result[label] = result.get(label, 0) + int(count)
    return result


def _to_float(col: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isinf(values).any():
            raise DataError(
                f"column '{name}' holds infinite values; replace them with missing values (NaN) or finite numbers"
            )
        return values
    converted = pd.to_numeric(col, errors="coerce")
    bad = converted.isna() & col.notna()
    if bad.any():
        example = col[bad].iloc[0]
        raise DataError(
            f"column '{name}' should be numeric but holds values such as {example!r}; "
            f"clean it or give it the role 'categorical'"
        )
    return _to_float(converted, name)


class TabularPreprocessor(TransformerMixin, BaseEstimator):
    """Impute, standardise and encode a mixed-type table for neural networks and baselines.

    Numeric columns are median-imputed (with a 0/1 missing-indicator for every column that had
    gaps while fitting) and standardised; ``impute=False`` leaves missing values as NaN, without
    indicators, for models that route them themselves (gradient-boosted trees). Datetime columns
    are expanded into numeric parts.
    Categorical columns become integer codes for embedding layers (``encoding="codes"``) or
    one-hot columns for linear and kernel baselines (``encoding="onehot"``). Code 0 is reserved
    for levels seen fewer than ``min_frequency`` times and for levels never seen while fitting,
    so new categories at predict time are handled rather than failing.

    The output is one float32 matrix: numeric block, indicator block, then categorical block.
    """

    def __init__(self, roles: Mapping[str, str] | None = None, encoding: str = "codes",
                 min_frequency: int = 3, max_categories: int | None = 1000, scale: bool = True,
                 impute: bool = True):
        self.roles = roles
        self.encoding = encoding
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.scale = scale
        self.impute = impute

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y=None):
        if self.encoding not in ("codes", "onehot"):
            raise ValueError(f"encoding must be 'codes' or 'onehot', got {self.encoding!r}")
        df = as_frame(X)
        if df.shape[0] == 0:
            raise DataError("the table has no rows; give at least one row to fit on")
        if isinstance(X, pd.DataFrame) and all(isinstance(c, str) for c in X.columns):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.n_features_in_ = df.shape[1]
        self.columns_ = [str(c) for c in df.columns]
        self.roles_ = infer_roles(df, self.roles)
        by_role = lambda r: [c for c in df.columns if self.roles_[c] == r]  # noqa: E731
        self.numeric_ = [str(c) for c in by_role("numeric")]
        self.datetime_ = [str(c) for c in by_role("datetime")]
        self.categorical_ = [str(c) for c in by_role("categorical")]
        if not (self.numeric_ or self.datetime_ or self.categorical_):
            if len(df) > 1 and all(df[c].nunique(dropna=False) <= 1 for c in df.columns):
                raise DataError("every column is constant (one value in every row), so all rows look the same "
                                "and there is nothing to learn from; give columns whose values vary")
            raise DataError(
                "no usable feature columns are left (every column was an identifier, text, empty or constant); "
                "pass roles=... to keep a column"
            )
        index = {str(c): i for i, c in enumerate(df.columns)}
        num = self._numeric_block(df, index)
        gaps = np.flatnonzero(np.isnan(num).any(axis=0))
        with np.errstate(all="ignore"):
            if not num.shape[1]:
                med = np.zeros(0)
            elif len(gaps):
                med = np.nanmedian(num, axis=0)
            else:  # no gaps: from the float32 input itself when it is the numeric block (half the bytes)
                med = column_medians(X if _float32_numeric(X, num) else num)
        med = np.where(np.isnan(med), 0.0, med)
        self.medians_ = med
        self.indicators_ = [int(i) for i in gaps] if self.impute else []
        filled = np.where(np.isnan(num), med, num) if len(gaps) else num  # the scaling statistics ignore gaps
        if self.scale and filled.shape[1]:
            mean, std = mean_std(filled)
            # constant when the spread is (at most) rounding noise relative to the column's magnitude (not below an
            # absolute 1e-12, which would flatten a feature measured in tiny units such as 1e-13 m)
            size = column_sizes(filled)
            std = np.where(std > 1e-14 * size, std, 1.0)
        else:
            mean, std = np.zeros(filled.shape[1]), np.ones(filled.shape[1])
        self.means_, self.scales_ = mean, std

        self.categories_ = []
        for c in self.categorical_:
            self.categories_.append(kept_levels(label_counts(df.iloc[:, index[c]]), self.min_frequency,
                                                self.max_categories))
        self.cardinalities_ = [len(levels) + 1 for levels in self.categories_]
        self._level_index = None
        self.n_numeric_ = num.shape[1] + len(self.indicators_)
        return self

    def _numeric_block(self, df: pd.DataFrame, index: dict[str, int]) -> np.ndarray:
        positions = [index[c] for c in self.numeric_]
        dtypes = df.dtypes.iloc[positions] if positions else []
        if positions and all(pd.api.types.is_numeric_dtype(d) and not pd.api.types.is_bool_dtype(d) for d in dtypes):
            # One conversion for the whole block: per-column work dominates single-row predict latency.
            block = df.iloc[:, positions].to_numpy(dtype=np.float64, na_value=np.nan)
            if np.isinf(block).any():
                bad = self.numeric_[int(np.flatnonzero(np.isinf(block).any(axis=0))[0])]
                raise DataError(
                    f"column '{bad}' holds infinite values; replace them with missing values (NaN) or finite numbers"
                )
            parts = [block]
        else:
            parts = [_to_float(df.iloc[:, index[c]], c)[:, None] for c in self.numeric_]
        for c in self.datetime_:
            col = df.iloc[:, index[c]]
            dt = pd.to_datetime(col, errors="coerce", format="mixed") if not pd.api.types.is_datetime64_any_dtype(col) else col
            for part in _DATE_PARTS:
                parts.append(getattr(dt.dt, _DATE_ATTRS.get(part, part)).to_numpy(dtype=np.float64, na_value=np.nan)[:, None])
        if not parts:
            return np.zeros((len(df), 0))
        return parts[0] if len(parts) == 1 else np.hstack(parts)

    # ------------------------------------------------------------------ transforming
    def _check_columns(self, df: pd.DataFrame, from_array: bool) -> pd.DataFrame:
        if from_array:
            if df.shape[1] != self.n_features_in_:
                raise DataError(
                    f"X has {df.shape[1]} features, but {type(self).__name__} is expecting "
                    f"{self.n_features_in_} features as input"
                )
            df = df.set_axis(self.columns_, axis=1)
            return df
        needed = self.numeric_ + self.datetime_ + self.categorical_
        present = set(map(str, df.columns))
        missing = [c for c in needed if c not in present]
        if missing:
            raise ColumnError(
                f"the data lacks column(s) {', '.join(map(repr, missing))} that the model was fitted on; "
                f"add them (missing values are allowed)"
            )
        return df.rename(columns=str) if not all(isinstance(c, str) for c in df.columns) else df

    _CHUNK = 8192  # rows per step: bounds the float64 temporaries when transforming large tables
    _FEW_ROWS = 64  # up to this many rows, categories are looked up in a dict rather than a pandas Index

    def _category_codes(self, df: pd.DataFrame, index: dict[str, int]) -> list[np.ndarray]:
        """Each categorical column's codes: i + 1 for its i-th level, 0 for a value not seen in fitting."""
        levels = self._levels()
        n = len(df)
        codes = []
        for c, (level_index, lookup) in zip(self.categorical_, levels):
            column = df.iloc[:, index[c]]
            if n <= self._FEW_ROWS:  # a dict lookup per value: pandas' overhead per call dominates a few rows
                codes.append(np.fromiter((lookup.get(label, -1) + 1 for label in _column_labels(column)),
                                         dtype=np.int64, count=n))
            elif isinstance(column.dtype, pd.CategoricalDtype):  # each category looked up once
                table = level_index.get_indexer(np.append(_category_names(column), _MISSING).astype(object)) + 1
                codes.append(table[column.cat.codes.to_numpy()])  # code -1 (missing) takes the last entry
            elif _distinct_by_value(column.dtype):  # each distinct value labelled and looked up once
                found, uniques = pd.factorize(column, use_na_sentinel=True)
                table = level_index.get_indexer(np.append(_labels(np.asarray(uniques, dtype=object)), _MISSING)
                                                .astype(object)) + 1
                codes.append(table[found])  # a missing value (-1) takes the last entry
            else:
                codes.append(level_index.get_indexer(_column_labels(column)) + 1)
        return codes

    def _numeric_array(self, X) -> np.ndarray | None:
        """The numeric columns of a plain numeric array, without a DataFrame (the fast path)."""
        if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "fiub"):
            return None
        if self.datetime_ or self.categorical_:
            return None
        if X.shape[1] != self.n_features_in_:
            raise DataError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input"
            )
        if len(self.numeric_) == X.shape[1]:
            return X
        positions = {c: i for i, c in enumerate(self.columns_)}
        return X[:, [positions[c] for c in self.numeric_]]

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "roles_")
        X = check_features(X)
        num = self._numeric_array(X)
        category_codes = []
        if num is None:
            df = self._check_columns(as_frame(X), not isinstance(X, pd.DataFrame))
            index = {str(c): i for i, c in enumerate(df.columns)}
            num = self._numeric_block(df, index)
            if self.categorical_:
                category_codes = self._category_codes(df, index)
        return self._assemble(num, category_codes)

    def record_array(self, record) -> np.ndarray | None:
        """One record (a dict of column -> value, or a 1-D sequence in the fitted column order) as the (1, width)
        matrix that ``transform`` would compute from it as a one-row table, without pandas.

        None when the record holds a value whose conversion only the table path knows (a string in a numeric column,
        a boolean, a date): the caller then takes that path, so both give the same result.
        """
        if self.datetime_:
            return None
        if isinstance(record, Mapping):
            try:
                values = {c: record[c] for c in self.numeric_ + self.categorical_}
            except KeyError:
                return None  # the table path names the missing column
        else:
            if len(record) != self.n_features_in_:
                raise DataError(f"the record has {len(record)} values, but the model expects {self.n_features_in_} "
                                f"(one per column it was fitted on, in order: {', '.join(self.columns_[:5])}...)")
            values = dict(zip(self.columns_, record))
        num = np.empty((1, len(self.numeric_)), dtype=np.float64)
        for i, c in enumerate(self.numeric_):
            v = values[c]
            if v is None:
                num[0, i] = np.nan
            elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)):
                num[0, i] = v
            else:
                return None
        codes = []
        for c, (_, lookup) in zip(self.categorical_, self._levels()):
            v = values[c]
            if isinstance(v, str):
                label = v
            else:
                try:
                    label = _MISSING if pd.isna(v) else str(v)
                except (TypeError, ValueError):  # a list or an array in a cell: the table path explains it
                    return None
            codes.append(np.array([lookup.get(label, -1) + 1], dtype=np.int64))
        return self._assemble(num, codes)

    def transform_record(self, record) -> np.ndarray:
        """``transform`` of one record (see :meth:`record_array`), shape (1, width): the path of one-row predictions."""
        check_is_fitted(self, "roles_")
        out = self.record_array(record)
        if out is None:
            frame = pd.DataFrame([record] if isinstance(record, Mapping) else [list(record)],
                                 columns=None if isinstance(record, Mapping) else self.columns_)
            return self.transform(frame)
        return out

    def _assemble(self, num: np.ndarray, category_codes: list[np.ndarray]) -> np.ndarray:
        """The output matrix from the numeric block (imputed, standardised, clipped here) and the category codes."""
        if num.shape[1] != len(self.medians_):
            raise DataError(f"expected {len(self.medians_)} numeric inputs, got {num.shape[1]}")
        n, k, ind = len(num), num.shape[1], self.indicators_
        widths = [1 if self.encoding == "codes" else len(levels) + 1 for levels in self.categories_]
        out = np.zeros((n, k + len(ind) + sum(widths)), dtype=np.float32)
        for s in range(0, n, self._CHUNK):
            chunk = np.array(num[s: s + self._CHUNK], dtype=np.float64)  # a copy: edited in place below
            if np.isinf(chunk).any():
                bad = self.numeric_[int(np.flatnonzero(np.isinf(chunk).any(axis=0))[0])] if self.numeric_ else "?"
                raise DataError(
                    f"column '{bad}' holds infinite values; replace them with missing values (NaN) or finite numbers"
                )
            missing = np.isnan(chunk)
            if self.impute and missing.any():
                np.copyto(chunk, np.broadcast_to(self.medians_, chunk.shape), where=missing)
            with np.errstate(over="ignore", invalid="ignore"):
                chunk -= self.means_
                chunk /= self.scales_
            # values far outside the training range (1e300 where the scale is 1) stay finite, and small enough
            # that the models' sums of squares do not overflow: no training value is 1e9 deviations out
            bound = _STANDARD_MAX if self.scale else _FLOAT32_MAX
            np.clip(chunk, -bound, bound, out=chunk)
            out[s: s + self._CHUNK, :k] = chunk
            if ind:
                out[s: s + self._CHUNK, k: k + len(ind)] = missing[:, ind]
        col = k + len(ind)
        for codes, width in zip(category_codes, widths):
            if self.encoding == "codes":
                out[:, col] = codes
            else:
                out[np.arange(n), col + codes] = 1.0
            col += width
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "roles_")
        names = list(self.numeric_) + [f"{c}_{p}" for c in self.datetime_ for p in _DATE_PARTS]
        names += [f"{names[i]}_missing" for i in self.indicators_]
        for c, levels in zip(self.categorical_, self.categories_):
            if self.encoding == "codes":
                names.append(c)
            else:
                names += [f"{c}=<other>"] + [f"{c}={v}" for v in levels]
        return np.asarray(names, dtype=object)

    # ------------------------------------------------------------------ JSON state
    _STATE = ("n_features_in_", "columns_", "roles_", "numeric_", "datetime_", "categorical_",
              "medians_", "indicators_", "means_", "scales_", "categories_", "cardinalities_", "n_numeric_")

    def state_dict(self) -> dict:
        """Everything ``transform`` needs, as plain JSON types (no pickling)."""
        check_is_fitted(self, "roles_")
        state: dict[str, Any] = {"params": self.get_params()}
        for key in self._STATE:
            value = getattr(self, key)
            state[key] = value.tolist() if isinstance(value, np.ndarray) else value
        if hasattr(self, "feature_names_in_"):
            state["feature_names_in_"] = list(self.feature_names_in_)
        return state

    @classmethod
    def from_state(cls, state: dict) -> "TabularPreprocessor":
        params = dict(state["params"])
        pre = cls(**params)
        for key in cls._STATE:
            value = state[key]
            if key in ("medians_", "means_", "scales_"):
                value = np.asarray(value, dtype=np.float64)
            setattr(pre, key, value)
        if "feature_names_in_" in state:
            pre.feature_names_in_ = np.asarray(state["feature_names_in_"], dtype=object)
        return pre

    # The level lookup tables are a cache rebuilt from categories_, kept out of pickles and skops files.
    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_level_index", None)
        return state

    def _levels(self) -> list[tuple[pd.Index, dict]]:
        """Each categorical column's levels as a pandas Index (fast for many rows) and a dict (fast for a few:
        a one-row predict spends a third of its preprocessing in Index.get_indexer otherwise), built once."""
        cached = getattr(self, "_level_index", None)
        if cached is None:
            cached = [(pd.Index(levels, dtype=object), {level: i for i, level in enumerate(levels)})
                      for levels in self.categories_]
            self._level_index = cached
        return cached

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = []  # always float32, the dtype the networks train in
        return tags


def fitted_columns(estimator, X):
    """``X`` checked against the columns ``estimator`` was fitted on (``feature_names_in_`` /
    ``n_features_in_``): a missing column is a ColumnError naming it; extra columns (the target, an id) are
    ignored and the order does not matter. Used by every table model's predict."""
    from sklearn.utils.validation import _check_feature_names, _check_n_features

    X = check_features(X)
    if isinstance(X, pd.DataFrame) and hasattr(estimator, "feature_names_in_"):
        names = list(estimator.feature_names_in_)
        missing = [c for c in names if c not in X.columns]
        if missing:
            raise ColumnError(
                f"The feature names should match those that were passed during fit: the data lacks "
                f"{', '.join(map(repr, missing))}; add those columns (missing values are allowed)"
            )
        if X.columns.tolist() != names:  # selecting costs a copy, which a one-row request feels
            X = X[names]
    _check_feature_names(estimator, X, reset=False)
    _check_n_features(estimator, X, reset=False)
    return X
