"""Real datasets that ship inside installed packages: tables for classification, regression, clustering and
anomaly detection, and text corpora for text classification, topics and word vectors."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from deepmine.datasets.registry import ENTRIES, lookup
from deepmine.errors import DataError

__all__ = ["Dataset", "available", "load"]


# eq=False: comparing DataFrames with == is elementwise, so a generated __eq__ would not work
@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded dataset: the table with features and target together, and what it is.

    ``target`` is None for a dataset without one (a corpus for topics or word vectors): then ``X`` is
    the whole table and ``y`` raises :class:`~deepmine.errors.DataError`.
    """

    name: str
    task: str
    target: str | None
    description: str
    source: str
    licence: str
    frame: pd.DataFrame = field(repr=False)

    @property
    def X(self) -> pd.DataFrame:  # noqa: N802 - the usual name in machine learning
        """The feature columns, without the target (the whole table when there is no target)."""
        if self.target is None:
            return self.frame
        return self.frame.drop(columns=[self.target])

    @property
    def y(self) -> pd.Series:
        """The target column."""
        if self.target is None:
            raise DataError(f"the dataset {self.name!r} has no target ({self.task}); use .frame or .X, "
                            f"or a dataset with a target")
        return self.frame[self.target]


def available() -> pd.DataFrame:
    """List the datasets `load` knows, one row each, without loading any of them.

    ``target`` is None for a corpus without a target (an object column, so None stays None).
    """
    frame = pd.DataFrame(
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
    frame["target"] = pd.Series([entry.target for entry in ENTRIES.values()], dtype=object)
    return frame


def load(name: str) -> Dataset:
    """Load a dataset by name (see `available()`); each call returns a fresh copy of the table."""
    entry = lookup(name)
    return Dataset(
        name=entry.name,
        task=entry.task,
        target=entry.target,
        description=entry.description,
        source=entry.source,
        licence=entry.licence,
        frame=entry.loader(),
    )
