"""Attribution: the contributions of each feature to each explained prediction, whatever method made them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from deepmine.errors import ParameterError


@dataclass
class Attribution:
    """Per-row contributions of each feature to one output of a model.

    ``values``: tables (n_rows, n_features), one contribution per original column, in the order of
    ``features``; images (n_rows, height, width), per pixel summed over the channels; text: a 1-D
    object array holding one float array per row, one contribution per token of ``tokens[i]``.

    ``output`` is f(x) per row and ``baseline_output`` the output the contributions start from (f of
    the baseline for integrated gradients, the mean output over the background for Kernel SHAP); a
    row's ``values`` add up to their difference, exactly for Kernel SHAP and up to
    :meth:`completeness_gap` for integrated gradients. ``target`` says what f is; ``target_classes``
    is the class explained in each row (classifiers), ``method`` the method that made them.
    """

    values: np.ndarray
    features: list | None
    inputs: Any
    output: np.ndarray
    baseline_output: np.ndarray
    target: str
    tokens: list | None = None
    target_classes: np.ndarray | None = field(default=None)
    method: str = ""

    @property
    def base_value(self):
        """Where the contributions start: one number when it is the same for every row, else per row."""
        base = np.asarray(self.baseline_output, dtype=float)
        return float(base[0]) if base.size and np.allclose(base, base[0]) else base

    def _row_sums(self) -> np.ndarray:
        if self.tokens is not None:
            return np.array([float(np.sum(v)) for v in self.values])
        vals = np.asarray(self.values, dtype=np.float64)
        return vals.reshape(len(vals), -1).sum(axis=1)

    def completeness_gap(self) -> np.ndarray:
        """Per row, ``|sum(values) - (output - baseline_output)| / max(|output - baseline_output|, 1e-12)``."""
        diff = np.asarray(self.output, dtype=np.float64) - np.asarray(self.baseline_output, dtype=np.float64)
        return np.abs(self._row_sums() - diff) / np.maximum(np.abs(diff), 1e-12)

    def to_frame(self) -> pd.DataFrame:
        """A tidy table: ``row`` (position among the explained rows), ``feature``, ``value``, ``contribution``.

        Tables: one line per row and original column, ``value`` as the user gave it. Text: one line
        per token, ``feature`` is ``"position:token"`` and ``value`` the token. Images have no tidy form.
        """
        if self.tokens is not None:
            rows, feats, values, contribs = [], [], [], []
            for i, (toks, vals) in enumerate(zip(self.tokens, self.values)):
                for j, (tok, v) in enumerate(zip(toks, vals)):
                    rows.append(i)
                    feats.append(f"{j}:{tok}")
                    values.append(tok)
                    contribs.append(float(v))
            return pd.DataFrame({"row": np.asarray(rows, dtype=np.int64), "feature": feats, "value": values,
                                 "contribution": np.asarray(contribs, dtype=np.float64)})
        if self.features is None:
            raise ParameterError("image attributions have no tidy table (one value per pixel); use .values, "
                                 "shaped (n_images, height, width), or draw them with "
                                 "deepmine.vision.explain.save_heatmap")
        vals = np.asarray(self.values, dtype=np.float64)
        n, k = vals.shape
        raw = _raw_values(self.inputs, self.features, n)
        return pd.DataFrame({"row": np.repeat(np.arange(n), k), "feature": list(self.features) * n,
                             "value": raw.reshape(-1), "contribution": vals.reshape(-1)})

    @property
    def table(self) -> pd.DataFrame:
        """The tidy table (:meth:`to_frame`)."""
        return self.to_frame()

    def importance(self) -> pd.DataFrame:
        """Mean absolute contribution per feature over the explained rows (``feature``, ``importance``,
        ``std``), largest first. Text: per token, with its ``count``; images: per pixel, ``pixel_<i>`` in
        row-major order."""
        if self.tokens is not None:
            frame = self.to_frame()
            frame["value"] = frame["value"].astype(str)
            grouped = frame.assign(magnitude=frame["contribution"].abs()).groupby("value", sort=False)["magnitude"]
            out = pd.DataFrame({"feature": grouped.mean().index.astype(object), "importance": grouped.mean().to_numpy(),
                                "std": grouped.std(ddof=0).to_numpy(), "count": grouped.size().to_numpy()})
        else:
            vals = np.abs(np.asarray(self.values, dtype=np.float64))
            vals = vals.reshape(len(vals), -1)
            names = self.features if self.features is not None else [f"pixel_{i}" for i in range(vals.shape[1])]
            out = pd.DataFrame({"feature": list(names), "importance": vals.mean(axis=0), "std": vals.std(axis=0)})
        return out.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def _raw_values(inputs, features: list, n: int) -> np.ndarray:
    """The user's values of ``features`` for the ``n`` explained rows, as an (n, k) object array."""
    if isinstance(inputs, pd.DataFrame):
        return np.column_stack([inputs[f].to_numpy(dtype=object) for f in features]) if features else \
            np.empty((n, 0), dtype=object)
    arr = np.asarray(inputs, dtype=object)
    if arr.ndim == 2 and arr.shape[1] >= len(features):
        positions = [int(f[1:]) if isinstance(f, str) and f[:1] == "x" and f[1:].isdigit() else i
                     for i, f in enumerate(features)]
        return arr[:, positions]
    return np.full((n, len(features)), None, dtype=object)


__all__ = ["Attribution"]
