"""Infer what each column of a table is: numeric, categorical, text, datetime or an identifier."""

from __future__ import annotations

import re
import warnings
from typing import Mapping

import numpy as np
import pandas as pd

from deepmine.errors import ColumnError, DataWarning

ROLES = ("numeric", "categorical", "text", "datetime", "id", "drop")

# Column names that announce an identifier, whatever the values look like.
_ID_NAME = re.compile(r"(^|[_\s.])(id|uuid|guid|key|rownames|index)$|^(id|uuid|guid|rownames|unnamed: ?0)$", re.I)


def _is_string_like(s: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)


def _looks_like_dates(s: pd.Series) -> bool:
    sample = s.dropna().astype(str).head(200)
    if sample.empty or not sample.str.contains(r"\d", regex=True).all():
        return False
    # Plain numbers ("12", "3.5") parse as dates too; they are not dates.
    if sample.str.fullmatch(r"[-+]?\d+(\.\d+)?").mean() > 0.5:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return parsed.notna().mean() >= 0.9


def infer_role(s: pd.Series) -> str:
    """The role of one column, judged from its dtype, its values and its name."""
    n = len(s)
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_float_dtype(s):
        # decided without counting distinct values or copying the column, which is slow on large tables; a value in
        # the first rows settles that the column is not empty
        return "numeric" if bool(s.iloc[:64].notna().any()) or bool(s.notna().any()) else "drop"
    values = s.dropna()
    if values.empty:
        return "drop"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime"
    n_unique = values.nunique()
    unique_per_row = n > 20 and n_unique == len(values) == n
    if pd.api.types.is_numeric_dtype(s):
        if unique_per_row and pd.api.types.is_integer_dtype(s):
            if _ID_NAME.search(str(s.name)):
                return "id"
            v = np.sort(values.to_numpy())
            if len(v) > 1 and np.all(np.diff(v) == 1):  # a row counter 0..n-1 or 1..n
                return "id"
        return "numeric"
    if isinstance(s.dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.infer_dtype(values, skipna=True) in ("floating", "integer", "mixed-integer-float", "decimal",
                                                          "boolean"):
        return "numeric"  # an object column holding Python numbers, e.g. from np.array(..., dtype=object)
    if _is_string_like(s):
        if _looks_like_dates(values):
            return "datetime"
        text = values.astype(str)
        if unique_per_row and (_ID_NAME.search(str(s.name)) or text.str.count(r"\s").mean() < 1):
            return "id"
        if n_unique > max(20, 0.5 * len(values)) and text.str.count(r"\s+").mean() >= 3:
            return "text"
        return "categorical"
    return "categorical"


# A constant column is dropped only in tables at least this long: in a handful of rows one value may be chance.
MIN_ROWS_CONSTANT = 10


_HEAD = 64


def _constant_value(s: pd.Series):
    """``(value,)`` when ``s`` holds one value in every row (none missing) of a table of at least
    MIN_ROWS_CONSTANT rows; else None."""
    if len(s) < MIN_ROWS_CONSTANT:
        return None
    first = s.iloc[0]
    try:
        # most columns differ within their first rows: answered without reading (and comparing) the whole column
        if len(s) > _HEAD and not bool((s.iloc[:_HEAD] == first).all()):
            return None
        if s.isna().any():
            return None
        same = bool((s == first).all())
    except (TypeError, ValueError):  # cells that do not compare (lists, arrays)
        return None
    if not same:
        return None
    value = first.item() if isinstance(first, np.generic) else first
    return (value if isinstance(value, (str, int, float, bool)) else str(value),)


def _text_among_numbers(s: pd.Series):
    """A text value of a string column whose other values are mostly numbers (say '?' or 'big' among
    '1', '2', ...), or None."""
    sample = s.dropna().head(5000).astype(str).str.strip()
    if sample.empty:
        return None
    numbers = pd.to_numeric(sample, errors="coerce")
    if numbers.notna().mean() < 0.5 or numbers.notna().all():
        return None
    return sample[numbers.isna()].iloc[0]


def infer_roles(df: pd.DataFrame, overrides: Mapping[str, str] | None = None, *,
                drop_constant: bool = True) -> dict[str, str]:
    """Roles of every column of ``df``; ``overrides`` (column -> role) win over inference.

    Identifier, all-missing, constant (one value in every row of at least MIN_ROWS_CONSTANT rows) and
    text columns are marked so that tabular models skip them, and a DataWarning names each skipped column
    so that nothing disappears silently. ``drop_constant=False`` keeps constant columns: for roles judged
    on a sample of a larger table, where a column may be constant in the sample only.
    """
    overrides = dict(overrides or {})
    for col, role in overrides.items():
        if col not in df.columns:
            raise ColumnError(
                f"a role was given for column '{col}', which the data does not have; "
                f"the columns are: {', '.join(map(str, df.columns))}"
            )
        if role not in ROLES:
            raise ColumnError(
                f"unknown role '{role}' for column '{col}'; use one of: {', '.join(ROLES)}"
            )
    roles: dict[str, str] = {}
    for col in df.columns:
        if col in overrides:
            roles[col] = overrides[col]
            if overrides[col] != "drop" and df[col].isna().all():
                raise ColumnError(f"column '{col}' is entirely missing, so it cannot be {overrides[col]}; drop it")
            continue
        role = infer_role(df[col])
        constant = drop_constant and role not in ("drop", "id") and _constant_value(df[col])
        if constant:
            role = "drop"
        roles[col] = role
        if constant:
            warnings.warn(
                f"column '{col}' has the same value ({constant[0]!r}) in every row, so it carries no information, "
                f"and was dropped; pass roles={{'{col}': 'numeric'}} (or 'categorical') to keep it",
                DataWarning,
                stacklevel=3,
            )
        elif role == "drop":
            warnings.warn(f"column '{col}' is entirely missing and was dropped", DataWarning, stacklevel=3)
        elif role == "categorical" and _is_string_like(df[col]):
            text_example = _text_among_numbers(df[col])
            if text_example is not None:
                warnings.warn(
                    f"column '{col}' is mostly numbers but holds text such as {text_example!r}, so it is treated "
                    f"as categorical; to use it as numbers, clean or empty those cells",
                    DataWarning,
                    stacklevel=3,
                )
        elif role == "id":
            warnings.warn(
                f"column '{col}' looks like an identifier (one distinct value per row) and was dropped; "
                f"pass roles={{'{col}': 'numeric'}} (or 'categorical') to keep it",
                DataWarning,
                stacklevel=3,
            )
        elif role == "text":
            warnings.warn(
                f"column '{col}' holds free text, which tabular models skip; use deepmine.text for it "
                f"or pass roles={{'{col}': 'categorical'}}",
                DataWarning,
                stacklevel=3,
            )
    return roles
