"""Side features of users or items: one table per id, built from a column of the interactions or given.

Both :class:`~deepmine.recommend.deep.HybridMF` and ``compare("recommendation", ...)`` read side
features through :func:`side_feature_table` and :func:`align_side_features`, so a column means the
same thing everywhere:

- a text column of tags separated by ``sep`` (MovieLens genres ``"Animation|Children|Drama"``, or a
  single category such as an occupation) becomes a multi-hot table, one column per tag;
- a numeric column (an age, a price) becomes one standardised column (mean 0, sd 1).

An id's first non-missing value is used; ids with none get zeros.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from deepmine.errors import ColumnError, DataError


def side_feature_table(frame: pd.DataFrame, id_column: str, column: str, sep: str = "|",
                       what: str = "item") -> pd.DataFrame:
    """A table indexed by the ids of ``id_column`` with the features held in ``column`` of ``frame``."""
    if not isinstance(frame, pd.DataFrame) or column not in frame.columns:
        cols = ", ".join(map(str, frame.columns)) if isinstance(frame, pd.DataFrame) else "none (not a table)"
        raise ColumnError(f"{what} feature column {column!r} is not in the data; the columns are: {cols}")
    per_id = frame[[id_column, column]].dropna(subset=[column]).drop_duplicates(id_column).set_index(id_column)[column]
    if pd.api.types.is_bool_dtype(per_id) or not pd.api.types.is_numeric_dtype(per_id):
        table = per_id.astype(str).str.get_dummies(sep=sep)
        return table.loc[:, [c for c in table.columns if c.strip() != ""]]
    values = per_id.astype(np.float64)
    sd = values.std(ddof=0)
    return ((values - values.mean()) / (sd if sd > 0 else 1.0)).to_frame(column)


def align_side_features(table: pd.DataFrame, ids: np.ndarray, what: str = "item") -> tuple[np.ndarray, np.ndarray]:
    """(feature names, float32 matrix with one row per id in ``ids``) from a table indexed by id."""
    if not isinstance(table, pd.DataFrame):
        raise DataError(f"{what} features must be a column name or a DataFrame indexed by {what} id, "
                        f"got {type(table).__name__}")
    numeric = table.select_dtypes(include=["number", "bool"])
    if numeric.shape[1] == 0:
        raise DataError(f"the {what} feature table has no numeric columns; give a multi-hot or numeric table "
                        f"indexed by {what} id")
    aligned = numeric[~numeric.index.duplicated()].reindex(pd.Index(ids, dtype=object))
    if not aligned.notna().all(axis=1).any():
        raise DataError(f"no {what} of the interactions is in the {what} feature table's index; index it by "
                        f"the {what} ids")
    names = np.asarray([str(c) for c in numeric.columns], dtype=object)
    return names, aligned.fillna(0).to_numpy(dtype=np.float32)


__all__ = ["align_side_features", "side_feature_table"]
