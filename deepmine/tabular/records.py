"""One-record predictions for the table networks: the path a prediction server takes for every request.

``predict_proba_one(record)`` / ``predict_one(record)`` take a dict of column -> value, a 1-D sequence or
numpy row in the fitted column order, a pandas Series or a one-row DataFrame, and give the same numbers as
``predict_proba`` / ``predict`` on that row as a one-row table. A dict or a numpy row skips pandas altogether
(:meth:`~deepmine.data.preprocess.TabularPreprocessor.transform_record`) and calls the network once (``predict_module``); a value that only the table path knows how to convert (a string in a numeric column,
a date) sends the record down that path instead, so the result never differs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from deepmine.errors import DataError
from deepmine.training.trainer import predict_module


class _OneRecord:
    def _forward_record(self, record) -> np.ndarray:
        """The network's raw output for one record, shape (1, outputs)."""
        self._check_fitted()
        if isinstance(record, pd.DataFrame):
            if len(record) != 1:
                raise DataError(f"a record is one row, got a table of {len(record)} rows; use predict or "
                                f"predict_proba for several rows")
            return self._forward(record)
        if isinstance(record, pd.Series):
            record = record.to_dict()
        elif isinstance(record, np.ndarray) and record.ndim == 2:
            if len(record) != 1:
                raise DataError(f"a record is one row, got an array of {len(record)} rows; use predict or "
                                f"predict_proba for several rows")
            record = record[0]
        elif isinstance(record, (str, bytes)) or not hasattr(record, "__len__"):
            raise DataError(f"a record is a dict of column -> value or a sequence of values, got "
                            f"{type(record).__name__}")
        x = self.preprocessor_.transform_record(record)
        return predict_module(self.module_, x, self.device_).float().cpu().numpy()


class RecordClassifier(_OneRecord):
    """``predict_proba_one`` and ``predict_one`` for a table classifier (see the module notes)."""

    def predict_proba_one(self, record) -> dict:
        """Each class's probability for one record, as ``{class: probability}`` in the order of ``classes_``."""
        proba = self._probabilities(self._forward_record(record))[0]
        return {c.item() if isinstance(c, np.generic) else c: float(p) for c, p in zip(self.classes_, proba)}

    def predict_one(self, record):
        """The most probable class of one record."""
        label = self._labels_of(self._forward_record(record))[0]
        return label.item() if isinstance(label, np.generic) else label


class RecordRegressor(_OneRecord):
    """``predict_one`` for a table regressor (see the module notes)."""

    def predict_one(self, record):
        """The predicted value of one record (a float; an array of floats for several targets)."""
        value = self._values_of(self._forward_record(record))[0]
        return float(value) if np.ndim(value) == 0 else value
