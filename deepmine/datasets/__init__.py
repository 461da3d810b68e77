"""Real datasets that ship inside installed packages, ready for classification or regression."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from deepmine.datasets.registry import ENTRIES
from deepmine.errors import DataError

__all__ = ["Dataset", "available", "load"]


# eq=False: comparing DataFrames with == is elementwise, so a generated __eq__ would not work
@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded dataset: the table with features and target together, and what it is."""

    name: str
    task: str
    target: str
    description: str
    source: str
    licence: str
    frame: pd.DataFrame = field(repr=False)

    @property
    def X(self) -> pd.DataFrame:  # noqa: N802 - the usual name in machine learning
        """The feature columns, without the target."""
        return self.frame.drop(columns=[self.target])

    @property
    def y(self) -> pd.Series:
        """The target column."""
        return self.frame[self.target]


def available() -> pd.DataFrame:
    """List the datasets `load` knows, one row each, without loading any of them."""
    return pd.DataFrame(
        [
            {
                "name": entry.name,
                "task": entry.task,
                "target": entry.target,
                "rows": entry.rows,
                "columns": entry.columns,
                "description": entry.description,
                "source": entry.source,
                "licence": entry.licence,
            }
            for entry in ENTRIES.values()
        ],
        columns=["name", "task", "target", "rows", "columns", "description", "source", "licence"],
    )


def load(name: str) -> Dataset:
    """Load a dataset by name (see `available()`); each call returns a fresh copy of the table."""
    entry = ENTRIES.get(name.strip().lower()) if isinstance(name, str) else None
    if entry is None:
        raise DataError(
            f"there is no dataset named {name!r}; use one of: {', '.join(sorted(ENTRIES))}"
        )
    return Dataset(
        name=entry.name,
        task=entry.task,
        target=entry.target,
        description=entry.description,
        source=entry.source,
        licence=entry.licence,
        frame=entry.loader(),
    )
