"""Interactions: (user, item[, rating][, time]) rows with ids of any type mapped to indices and back."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from deepmine.errors import ColumnError, DataError, DataWarning


@dataclass
class Interactions:
    """What users did: parallel arrays of user and item indices, optional ratings and times.

    ``users`` / ``items`` hold the original ids in index order (index -> id); ``rating`` is None
    for implicit feedback (a click, a purchase), where every row counts as a positive.
    """

    users: np.ndarray
    items: np.ndarray
    u: np.ndarray
    i: np.ndarray
    rating: np.ndarray | None = None
    time: np.ndarray | None = None

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def explicit(self) -> bool:
        return self.rating is not None

    def __len__(self) -> int:
        return len(self.u)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, user: str = "user", item: str = "item", rating: str | None = None,
                   time: str | None = None) -> "Interactions":
        """Read the named columns of ``frame``; ids are kept as given (strings, numbers, anything hashable)."""
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"interactions must be a table (DataFrame) with user and item columns, got "
                            f"{type(frame).__name__}")
        for role, col in (("user", user), ("item", item), ("rating", rating), ("time", time)):
            if col is not None and col not in frame.columns:
                raise ColumnError(f"{role} column {col!r} is not in the data; the columns are: "
                                  f"{', '.join(map(str, frame.columns))}")
        if len(frame) == 0:
            raise DataError("there are no interactions; give at least one (user, item) row")
        for role, col in (("user", user), ("item", item)):
            missing = int(frame[col].isna().sum())
            if missing:
                raise DataError(f"{role} column {col!r} has {missing} missing id(s); drop or fill those rows")
        repeated = frame.duplicated([user, item], keep="last")
        if repeated.any():
            warnings.warn(f"{int(repeated.sum())} repeated (user, item) pair(s) were dropped, keeping each pair's "
                          f"last row", DataWarning, stacklevel=2)
            frame = frame[~repeated]
        u_codes, users = pd.factorize(frame[user], sort=True)
        i_codes, items = pd.factorize(frame[item], sort=True)
        r = None
        if rating is not None:
            values = pd.to_numeric(frame[rating], errors="coerce")
            bad = values.isna() & frame[rating].notna()
            if bad.any():
                raise DataError(f"rating column {rating!r} holds values that are not numbers, e.g. "
                                f"{frame[rating][bad].iloc[0]!r}; give numeric ratings or leave --rating out "
                                f"for implicit feedback")
            if values.isna().any():
                raise DataError(f"rating column {rating!r} has {int(values.isna().sum())} missing rating(s); "
                                f"drop those rows")
            r = values.to_numpy(dtype=np.float32)
        t = None
        if time is not None:
            col = frame[time]
            t = (pd.to_datetime(col).astype("int64").to_numpy() if not pd.api.types.is_numeric_dtype(col)
                 else col.to_numpy(dtype=np.float64)).astype(np.float64)
        return cls(np.asarray(users, dtype=object), np.asarray(items, dtype=object),
                   u_codes.astype(np.int64), i_codes.astype(np.int64), r, t)

    def subset(self, rows) -> "Interactions":
        """The same users and items (same indices), with only ``rows`` of the interactions."""
        rows = np.asarray(rows)
        return Interactions(self.users, self.items, self.u[rows], self.i[rows],
                            None if self.rating is None else self.rating[rows],
                            None if self.time is None else self.time[rows])

    def matrix(self, binary: bool = False) -> sp.csr_matrix:
        """The n_users x n_items matrix of ratings, or of 1 for each interaction (implicit, or ``binary``)."""
        values = np.ones(len(self), dtype=np.float32) if binary or self.rating is None else self.rating
        return sp.csr_matrix((values, (self.u, self.i)), shape=(self.n_users, self.n_items), dtype=np.float32)

    def user_index(self, ids) -> np.ndarray:
        """Indices of user ``ids`` (-1 for users never seen)."""
        return pd.Index(self.users).get_indexer(pd.Index(np.asarray(ids, dtype=object)))

    def item_index(self, ids) -> np.ndarray:
        """Indices of item ``ids`` (-1 for items never seen)."""
        return pd.Index(self.items).get_indexer(pd.Index(np.asarray(ids, dtype=object)))
