"""The columns of a table task: the target (or an evaluation-only label) taken out and checked, and the
feature columns kept, by role."""

from __future__ import annotations

import warnings

import pandas as pd

from deepmine.data.roles import infer_roles
from deepmine.errors import ColumnError, DataWarning, TargetError

SKIPPED_ROLES = ("id", "drop", "text")


def _known_rows(df: pd.DataFrame, column: str, what: str) -> tuple[pd.DataFrame, pd.Series]:
    """``df`` and its ``column`` (the ``what``: target or label) on the rows where it is known: a clear error when
    the column is absent or entirely missing, a notice for the rows dropped."""
    if column not in df.columns:
        raise ColumnError(f"{what} column '{column}' is not in the data; the columns are: "
                          f"{', '.join(map(str, df.columns))}")
    y = df[column]
    missing = y.isna()
    if missing.all():
        raise TargetError(f"{what} column '{column}' is entirely missing; choose a column with values")
    if missing.any():
        warnings.warn(f"{int(missing.sum())} rows with a missing {what} '{column}' were dropped", DataWarning,
                      stacklevel=4)
        df, y = df[~missing], y[~missing]
    return df, y


def split_target(df: pd.DataFrame, target: str, task) -> tuple[pd.DataFrame, pd.Series]:
    """Separate and check the target column: present, not empty, learnable for the task."""
    if target is None:
        raise TargetError("no target column was named; pass target=COLUMN (the column to predict)")
    df, y = _known_rows(df, target, "target")
    if task.classifies:
        counts = y.astype(str).value_counts()
        if len(counts) < 2:
            raise TargetError(f"target column '{target}' has a single class ({counts.index[0]!r}); "
                              f"classification needs at least two classes")
        if pd.api.types.is_float_dtype(y) and y.nunique() > max(20, 0.2 * len(y)):
            raise TargetError(f"target column '{target}' looks continuous ({y.nunique()} distinct numbers); "
                              f"use the regression task (deepmine regress)")
    else:
        if not pd.api.types.is_numeric_dtype(y):
            converted = pd.to_numeric(y, errors="coerce")
            if converted.isna().any():
                raise TargetError(f"target column '{target}' is not numeric (e.g. {y[converted.isna()].iloc[0]!r}); "
                                  f"use the classification task (deepmine classify) for labels")
            y = converted
        if y.nunique() < 2:
            raise TargetError(f"target column '{target}' is constant; there is nothing to predict")
    return df.drop(columns=[target]).reset_index(drop=True), y.reset_index(drop=True)


def feature_columns(X: pd.DataFrame, roles, drop=()) -> tuple[dict, list, dict]:
    """Roles of all columns, the feature columns kept, and their roles.

    Roles are inferred once per comparison, so each skipped column is reported once rather than
    once per model.
    """
    resolved = infer_roles(X, {**{c: "drop" for c in drop}, **dict(roles or {})})
    keep = [c for c in X.columns if resolved[c] not in SKIPPED_ROLES]
    if not keep:
        raise ColumnError("no feature columns are left once identifier, text and empty columns are set aside; "
                          "pass roles to keep some")
    return resolved, keep, {c: resolved[c] for c in keep}


def label_column(df: pd.DataFrame, label: str | None) -> tuple[pd.DataFrame, pd.Series | None]:
    """The table without its evaluation-only ``label`` column, and that column (None without a label)."""
    if label is None:
        return df, None
    df, y = _known_rows(df, label, "label")
    return df.drop(columns=[label]).reset_index(drop=True), y.reset_index(drop=True)


def dataset_label(data, df: pd.DataFrame) -> str | None:
    """A bundled dataset's own target, used to evaluate (never to fit) clusters or anomalies when no
    label is named: left among the features it would leak the answer into the clustering."""
    if not (isinstance(data, str) and data.startswith("dataset:")):
        return None
    from deepmine.datasets.registry import ENTRIES

    entry = ENTRIES.get(data[len("dataset:"):].strip().lower())
    if entry is None or entry.target is None or entry.target not in df.columns:
        return None
    warnings.warn(f"the dataset's own '{entry.target}' column is used as the label, to evaluate only (pass label= "
                  f"to use another)", DataWarning, stacklevel=3)
    return entry.target


__all__ = ["SKIPPED_ROLES", "dataset_label", "feature_columns", "label_column", "split_target"]
