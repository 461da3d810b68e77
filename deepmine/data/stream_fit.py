"""Fit the preprocessing of a table that is read in batches, never whole: one streaming pass.

:func:`fit_preprocessor_streaming` gathers, in one pass over :meth:`TableStream.batches`, what the
in-memory :class:`~deepmine.data.preprocess.TabularPreprocessor` learns from the whole table:

* roles, inferred from the first ``sample_rows`` rows (or given);
* per numeric input (numeric columns and datetime parts): count, mean and sum of squared deviations
  merged batch by batch (Chan et al.'s parallel update, so means and variances are exact up to
  rounding), the missing count, and a uniform sample of ``sample_rows`` rows (bottom-k random keys)
  for the median used to impute (exact when the table has at most ``sample_rows`` rows);
* per categorical column the count of each level, then the same rare-level folding, cap and code
  order as the in-memory fit;
* the target: each class and its count (classifiers) or count, mean and variance (regressors).

The fitted preprocessor is built through :meth:`TabularPreprocessor.from_state`, so ``transform``,
saving and loading behave as for one fitted in memory.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from deepmine.data.preprocess import TabularPreprocessor, kept_levels, label_counts
from deepmine.data.roles import infer_roles
from deepmine.errors import ColumnError, DataError, TargetError

__all__ = ["fit_preprocessor_streaming"]


class _Moments:
    """Count, mean and M2 (sum of squared deviations) per column, merged batch by batch."""

    def __init__(self, k: int):
        self.n = np.zeros(k)
        self.mean = np.zeros(k)
        self.m2 = np.zeros(k)

    def update(self, block: np.ndarray) -> None:
        """Add the rows of ``block`` (n x k float64; NaN = missing, skipped)."""
        observed = ~np.isnan(block)
        nb = observed.sum(axis=0).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            mb = np.where(nb > 0, np.nansum(block, axis=0) / np.maximum(nb, 1), 0.0)
            dev = np.where(observed, block - mb, 0.0)
        m2b = (dev * dev).sum(axis=0)
        self.merge(nb, mb, m2b)

    def merge(self, nb, mb, m2b) -> None:
        n = self.n + nb
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = mb - self.mean
            frac = np.where(n > 0, nb / np.maximum(n, 1), 0.0)
            self.mean = self.mean + delta * frac
            self.m2 = self.m2 + m2b + delta * delta * self.n * frac
        self.n = n


class _Reservoir:
    """A uniform sample of at most ``size`` rows of a stream: the rows with the smallest random keys, kept in
    one preallocated array (memory: ``size`` rows, whatever the table's length)."""

    def __init__(self, size: int, rng: np.random.Generator):
        self.size, self.rng = max(int(size), 1), rng
        self.rows: np.ndarray | None = None
        self.keys = np.full(self.size, np.inf)

    def update(self, block: np.ndarray) -> None:
        if self.rows is None:
            self.rows = np.empty((self.size, block.shape[1]), dtype=np.float64)
        keys = self.rng.random(len(block))
        chosen = np.flatnonzero(keys < self.keys.max())
        if not len(chosen):
            return
        keys = keys[chosen]
        both = np.concatenate([self.keys, keys])
        kept = np.zeros(len(both), dtype=bool)
        kept[np.argpartition(both, self.size - 1)[: self.size]] = True
        slots = np.flatnonzero(~kept[: self.size])  # evicted (or never filled) slots
        incoming = np.flatnonzero(kept[self.size:])  # as many new rows as slots
        self.rows[slots] = block[chosen[incoming]]
        self.keys[slots] = keys[incoming]

    def sample(self) -> np.ndarray | None:
        return None if self.rows is None else self.rows[np.isfinite(self.keys)]


def _target_kind(target_kind) -> str:
    if target_kind not in ("classification", "regression", None):
        raise ValueError(f"target_kind must be 'classification', 'regression' or None, got {target_kind!r}")
    return target_kind


def fit_preprocessor_streaming(stream, target: str | None, roles: Mapping[str, str] | None = None,
                               sample_rows: int = 100_000, target_kind: str | None = "classification",
                               keep_head: int = 0, seed: int = 0, encoding: str = "codes",
                               min_frequency: int = 3, max_categories: int | None = 1000, scale: bool = True):
    """Fit a :class:`TabularPreprocessor` on ``stream`` (a TableStream) in one pass over its batches.

    ``target`` (a column of the stream, or None) is left out of the features and summarised as
    ``target_kind`` asks. Returns ``(preprocessor, target_info)``; ``target_info`` holds ``n_rows``,
    ``features`` (the feature columns, in order), ``head`` (the first ``keep_head`` rows, raw, or None) and
    ``classes`` / ``class_counts`` (classification) or ``mean`` / ``std`` / ``n_missing`` (regression).
    """
    target_kind = _target_kind(target_kind)
    if encoding not in ("codes", "onehot"):
        raise ValueError(f"encoding must be 'codes' or 'onehot', got {encoding!r}")
    columns = [str(c) for c in stream.columns]
    if target is not None and target not in columns:
        shown = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
        raise ColumnError(f"the target column {target!r} is not in the data (its columns: {shown}); "
                          f"pass the name of the column to predict")
    features = [c for c in columns if c != target]
    if not features:
        raise DataError("the table has no feature columns besides the target")
    rng = np.random.default_rng(seed)

    pre = TabularPreprocessor(roles=roles, encoding=encoding, min_frequency=min_frequency,
                              max_categories=max_categories, scale=scale)
    held: list[pd.DataFrame] = []
    held_rows = 0
    state: dict = {}
    head_parts: list[pd.DataFrame] = []
    head_rows = 0
    n_rows = 0

    def start(sample: pd.DataFrame) -> None:
        role_of = infer_roles(sample[features], roles, drop_constant=False)  # constant in the sample only, maybe
        numeric = [c for c in features if role_of[c] == "numeric"]
        datetime = [c for c in features if role_of[c] == "datetime"]
        categorical = [c for c in features if role_of[c] == "categorical"]
        if not (numeric or datetime or categorical):
            raise DataError("no usable feature columns are left (every column was an identifier, text, empty or constant); "
                            "pass roles=... to keep a column")
        pre.numeric_, pre.datetime_, pre.categorical_ = numeric, datetime, categorical
        k = len(numeric) + 6 * len(datetime)
        state.update(roles=role_of, moments=_Moments(k), missing=np.zeros(k, dtype=np.int64),
                     reservoir=_Reservoir(sample_rows, rng), counts=[{} for _ in categorical],
                     target=({} if target_kind == "classification" else _Moments(1)), target_missing=0)

    def consume(frame: pd.DataFrame) -> None:
        index = {c: i for i, c in enumerate(frame.columns)}
        num = pre._numeric_block(frame, index)
        if num.shape[1]:
            state["moments"].update(num)
            state["missing"] += np.isnan(num).sum(axis=0)
            state["reservoir"].update(num)
        for counts, c in zip(state["counts"], pre.categorical_):
            for level, count in label_counts(frame[c]).items():  # labelled as transform labels them
                counts[level] = counts.get(level, 0) + count
        if target is not None and target_kind is not None:
            y = frame[target]
            missing = y.isna()
            state["target_missing"] += int(missing.sum())
            if target_kind == "classification":
                tc = state["target"]
                for level, count in y[~missing].value_counts(sort=False).items():
                    tc[level] = tc.get(level, 0) + int(count)
            else:
                try:
                    values = y.to_numpy(dtype=np.float64, na_value=np.nan)
                except (TypeError, ValueError) as exc:
                    raise TargetError("the target is not numeric; use a classifier for class labels, or "
                                      "convert the column to numbers") from exc
                if np.isinf(values).any():
                    raise TargetError("the target holds infinite values; drop those rows")
                state["target"].update(values[:, None])

    for frame in stream.batches():
        n_rows += len(frame)
        if head_rows < keep_head:
            part = frame.iloc[: keep_head - head_rows]
            head_parts.append(part.copy())
            head_rows += len(part)
        if not state:
            held.append(frame)
            held_rows += len(frame)
            if held_rows < sample_rows:
                continue
            sample = pd.concat(held) if len(held) > 1 else held[0]
            start(sample.iloc[:sample_rows])
            for part in held:
                consume(part)
            held = []
            continue
        consume(frame)
    if not state:
        if not held:
            raise DataError("the table has no rows; give at least one row to fit on")
        sample = pd.concat(held) if len(held) > 1 else held[0]
        start(sample)
        for part in held:
            consume(part)
        held = []

    # ---- numeric: medians from the sample; mean and scale of the median-filled values, exact
    moments, missing = state["moments"], state["missing"]
    k = len(missing)
    sample_block = state["reservoir"].sample()
    if k and sample_block is not None and len(sample_block):
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                med = np.nanmedian(sample_block, axis=0)
    else:
        med = np.full(k, np.nan)
    med = np.where(np.isnan(med), 0.0, med)
    indicators = [int(i) for i in np.flatnonzero(missing > 0)]
    filled = _Moments(k)
    filled.merge(moments.n, moments.mean, moments.m2)
    filled.merge(missing.astype(np.float64), med, np.zeros(k))
    if scale and k:
        mean = filled.mean
        std = np.sqrt(np.maximum(filled.m2 / np.maximum(filled.n, 1), 0.0))
        std = np.where(std > 1e-12, std, 1.0)
    else:
        mean, std = np.zeros(k), np.ones(k)

    # ---- categorical: the in-memory fit's folding (min_frequency), cap (max_categories) and order
    categories = []
    for counts in state["counts"]:
        categories.append(kept_levels(counts, min_frequency, max_categories))

    fitted = {
        "params": pre.get_params(),
        "n_features_in_": len(features),
        "columns_": list(features),
        "roles_": {c: state["roles"][c] for c in features},
        "numeric_": pre.numeric_, "datetime_": pre.datetime_, "categorical_": pre.categorical_,
        "medians_": med.tolist(), "indicators_": indicators, "means_": np.asarray(mean).tolist(),
        "scales_": np.asarray(std).tolist(), "categories_": categories,
        "cardinalities_": [len(levels) + 1 for levels in categories],
        "n_numeric_": k + len(indicators),
        "feature_names_in_": list(features),
    }
    fitted_pre = TabularPreprocessor.from_state(fitted)

    info: dict = {"n_rows": n_rows, "features": features,
                  "head": (pd.concat(head_parts) if head_parts else None) if keep_head else None,
                  "target_missing": state["target_missing"]}
    if target is not None and target_kind == "classification":
        counts = state["target"]
        levels = np.asarray(list(counts.keys()))
        try:
            order = np.argsort(levels, kind="stable")
        except TypeError:  # mixed types: as np.unique would fail too
            raise TargetError("the target mixes class labels of different types; make them one type")
        info["classes"] = levels[order]
        info["class_counts"] = np.asarray(list(counts.values()), dtype=np.int64)[order]
    elif target is not None and target_kind == "regression":
        tm = state["target"]
        info["count"] = int(tm.n[0])
        info["mean"] = float(tm.mean[0])
        info["std"] = float(np.sqrt(tm.m2[0] / max(tm.n[0], 1)))
    return fitted_pre, info
