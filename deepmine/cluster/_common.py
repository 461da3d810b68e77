"""What every deepmine clusterer shares: checking n_clusters, input scaling and choosing k by silhouette or BIC."""

from __future__ import annotations

import numbers
from typing import Callable

import numpy as np

from deepmine.errors import DataError, ParameterError

SCALINGS = ("auto", "standard", "global")


def candidate_ks(n_clusters, k_range, n_rows: int) -> list[int]:
    """The numbers of clusters to try: one for an integer ``n_clusters``, a range for ``"auto"``."""
    if isinstance(n_clusters, str):
        if n_clusters != "auto":
            raise ParameterError(f"n_clusters must be an integer of at least 2 or 'auto', got {n_clusters!r}; "
                                 f"pass e.g. n_clusters=5, or 'auto' to choose it from the data")
        if (not isinstance(k_range, (tuple, list)) or len(k_range) != 2
                or not all(isinstance(k, numbers.Integral) and not isinstance(k, bool) for k in k_range)
                or not 2 <= k_range[0] <= k_range[1]):
            raise ParameterError(f"k_range must be two integers (low, high) with 2 <= low <= high, got {k_range!r}; "
                                 f"pass e.g. k_range=(2, 10)")
        high = min(int(k_range[1]), n_rows - 1)  # silhouette needs fewer clusters than rows
        if high < k_range[0]:
            raise DataError(f"choosing n_clusters='auto' from k_range={tuple(k_range)} needs at least "
                            f"{k_range[0] + 1} rows but the table has {n_rows} (n_samples={n_rows}); "
                            f"give more rows or a fixed n_clusters")
        return list(range(int(k_range[0]), high + 1))
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, numbers.Integral):
        raise ParameterError(f"n_clusters must be a whole number of clusters or 'auto', got {n_clusters!r}; "
                             f"pass e.g. n_clusters=5, or 'auto' to choose it from the data")
    # n_clusters=1 is allowed, as in scikit-learn's KMeans (one cluster of everything; its contract checks use it)
    if n_clusters < 1:
        raise ParameterError(f"n_clusters={n_clusters} is not a number of clusters; use 2 or more, or 'auto'")
    if n_rows < n_clusters:
        raise DataError(f"cannot form {n_clusters} clusters from {n_rows} row(s) (n_samples={n_rows}); "
                        f"give at least {n_clusters} rows or lower n_clusters")
    return [int(n_clusters)]


def check_not_constant(Xt: np.ndarray) -> None:
    """Refuse a table whose rows are all alike; a constant column among others is kept (it adds nothing)."""
    if len(Xt) > 1 and not (Xt.max(axis=0) > Xt.min(axis=0)).any():
        raise DataError("every column is constant, so all rows look the same and there is nothing to cluster; "
                        "give columns whose values vary")


def fit_scaling(scaling: str, pre, Xt: np.ndarray) -> tuple[str, float]:
    """Resolve ``scaling`` for the preprocessed rows ``Xt``: the mode and the one scale of "global".

    "standard" keeps the preprocessor's per-column standardisation. "global" centres each numeric
    column but divides all of them by one common scale (the root mean square of their standard
    deviations), so columns in one unit keep their relative spread: on images a border pixel that is
    almost always blank is not blown up to the weight of a stroke pixel. "auto" picks "global" for
    tables that look like one measurement repeated (at least 16 columns, all numeric, no gaps, one
    shared minimum, as pixels, spectra or counts have) and "standard" otherwise.
    """
    if scaling not in SCALINGS:
        raise ParameterError(f"scaling must be one of {', '.join(map(repr, SCALINGS))}, got {scaling!r}")
    n_num = len(pre.scales_)
    if scaling == "auto":
        scaling = "standard"
        if n_num >= 16 and not (pre.categorical_ or pre.datetime_ or pre.indicators_):
            minima = Xt[:, :n_num].min(axis=0) * pre.scales_ + pre.means_
            if np.allclose(minima, minima[0], rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(pre.means_).max()))):
                scaling = "global"
    if scaling == "standard" or n_num == 0:
        return "standard", 1.0
    return "global", float(np.sqrt(np.mean(np.square(pre.scales_))))


def apply_scaling(Xt: np.ndarray, pre, mode: str, scale: float) -> np.ndarray:
    """Rescale preprocessed rows in place as :func:`fit_scaling` decided."""
    if mode == "global":
        Xt[:, : len(pre.scales_)] *= (np.asarray(pre.scales_) / scale).astype(Xt.dtype)
    return Xt


def choose_k(Z: np.ndarray, ks: list[int], cluster: Callable[[int], tuple[object, np.ndarray]],
             criterion: str = "silhouette", random_state: int = 0):
    """Fit ``cluster(k) -> (model, labels)`` for each k and keep the best by silhouette (max) or BIC (min).

    Returns ``(k, {k: score}, model, labels)``; with a single k nothing is scored.
    """
    from deepmine.evaluation.cluster_metrics import silhouette

    if len(ks) == 1:
        model, labels = cluster(ks[0])
        return ks[0], {}, model, labels
    scores, best = {}, None
    for k in ks:
        model, labels = cluster(k)
        score = float(model.bic(Z)) if criterion == "bic" else silhouette(Z, labels, random_state=random_state)
        scores[k] = score
        if best is None or (np.isfinite(score) and not np.isfinite(best[0])) or (
                score < best[0] if criterion == "bic" else score > best[0]):
            best = (score, k, model, labels)
    return best[1], scores, best[2], best[3]


def nearest(Z: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for each row (Euclidean), as int64 labels."""
    d2 = (Z**2).sum(1)[:, None] - 2 * Z @ centers.T + (centers**2).sum(1)[None, :]
    return np.asarray(d2.argmin(axis=1), dtype=np.int64)
