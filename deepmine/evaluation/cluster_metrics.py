"""Clustering metrics (internal and against labels), cluster profiles and 2-D coordinates for plotting."""

from __future__ import annotations

import numpy as np
import pandas as pd

from deepmine.errors import DataError

SILHOUETTE_MAX_ROWS = 5000  # silhouette is quadratic in rows; above this it is estimated on a fixed sample


def _labels(labels) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise DataError(f"labels must be one label per row, got an array of shape {labels.shape}; pass a 1-D array")
    return labels


def silhouette(X_space, labels, max_rows: int = SILHOUETTE_MAX_ROWS, random_state: int = 0) -> float:
    """Mean silhouette on ``X_space``, on a fixed random sample of ``max_rows`` rows when there are more.

    NaN when it is undefined (one cluster, or every row its own cluster).
    """
    from sklearn.metrics import silhouette_score

    X_space, labels = np.asarray(X_space), _labels(labels)
    if len(labels) > max_rows:
        keep = np.random.RandomState(random_state).permutation(len(labels))[:max_rows]
        X_space, labels = X_space[keep], labels[keep]
    if not 2 <= len(np.unique(labels)) <= len(labels) - 1:
        return float("nan")
    return float(silhouette_score(X_space, labels))


def clustering_accuracy(y_true, labels) -> float:
    """Share of rows whose cluster maps to their class under the best one-to-one matching (Hungarian)."""
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics.cluster import contingency_matrix

    counts = contingency_matrix(np.asarray(y_true), _labels(labels))
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return float(counts[rows, cols].sum() / counts.sum())


def cluster_scores(X_space, labels, y_true=None, max_rows: int = SILHOUETTE_MAX_ROWS, random_state: int = 0) -> dict:
    """Scores of a clustering: internal ones on ``X_space``, and against ``y_true`` when labels are given.

    - silhouette (higher is better, -1..1; on a fixed sample above ``max_rows`` rows),
      davies_bouldin (lower is better), calinski_harabasz (higher is better): how compact and
      separated the clusters are in ``X_space``. They depend on the space, so compare models on
      one shared space (say the standardised features) rather than each model's own code.
    - nmi, ari and accuracy (Hungarian matching of clusters to classes): agreement with known
      classes, for evaluation only; a clustering never sees them.

    Internal scores are NaN when undefined (a single cluster). ``n_clusters`` counts the labels.
    """
    from sklearn.metrics import (adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score,
                                 normalized_mutual_info_score)

    labels = _labels(labels)
    X_space = np.asarray(X_space, dtype=np.float64)
    if X_space.ndim == 1:
        X_space = X_space.reshape(-1, 1)
    if len(X_space) != len(labels):
        raise DataError(f"X_space has {len(X_space)} rows but labels has {len(labels)}; give one label per row")
    n_labels = len(np.unique(labels))
    defined = 2 <= n_labels <= len(labels) - 1
    scores = {
        "n_clusters": n_labels,
        "silhouette": silhouette(X_space, labels, max_rows, random_state),
        "davies_bouldin": float(davies_bouldin_score(X_space, labels)) if defined else float("nan"),
        "calinski_harabasz": float(calinski_harabasz_score(X_space, labels)) if defined else float("nan"),
    }
    if y_true is not None:
        y_true = np.asarray(y_true)
        if len(y_true) != len(labels):
            raise DataError(f"y_true has {len(y_true)} rows but labels has {len(labels)}; give one class per row")
        known = ~pd.isna(pd.Series(y_true)).to_numpy()  # rows without a class are left out of these three
        y_known, l_known = y_true[known].astype(str), labels[known]
        scores["nmi"] = float(normalized_mutual_info_score(y_known, l_known))
        scores["ari"] = float(adjusted_rand_score(y_known, l_known))
        scores["accuracy"] = clustering_accuracy(y_known, l_known)
    return scores


def cluster_profiles(frame: pd.DataFrame, labels, top: int = 3) -> pd.DataFrame:
    """What sets each cluster apart, one row per cluster: size, share and the ``top`` distinctive features.

    Every feature is scored in standard deviations from the overall mean: a numeric column by
    (cluster mean - overall mean) / overall sd, a categorical level as a 0/1 indicator the same
    way, so both kinds rank on one scale. Numeric features count in both directions, levels only
    when over-represented. ``distinctive`` lists them as text ("age +1.3 sd", "plan=pro 62% vs
    20%"); ``features`` holds the same as ``(feature, score)`` pairs.
    """
    from deepmine.data.preprocess import as_frame
    from deepmine.data.roles import infer_roles

    frame = as_frame(frame)
    labels = _labels(labels)
    if len(frame) != len(labels):
        raise DataError(f"the frame has {len(frame)} rows but labels has {len(labels)}; give one label per row")
    roles = infer_roles(frame)
    numeric = [c for c in frame.columns if roles[c] == "numeric"]
    categorical = [c for c in frame.columns if roles[c] == "categorical"]
    columns: dict[str, pd.Series] = {}  # one score column per numeric feature / categorical level
    texts: dict[str, tuple[str, bool]] = {}  # label -> (how to print, is a level)
    for c in numeric:
        values = pd.to_numeric(frame[c], errors="coerce").astype(float)
        columns[str(c)] = values
        texts[str(c)] = (str(c), False)
    for c in categorical:
        levels = frame[c].astype(object).where(frame[c].notna(), "<missing>").astype(str)
        for level in levels.unique():
            name = f"{c}={level}"
            columns[name] = (levels == level).astype(float)
            texts[name] = (name, True)
    table = pd.DataFrame(columns, index=frame.index) if columns else pd.DataFrame(index=frame.index)
    mean, sd = table.mean(), table.std(ddof=0).replace(0.0, np.nan)
    rows = []
    for label in np.unique(labels):
        inside = table[labels == label]
        z = ((inside.mean() - mean) / sd).dropna()
        is_level = pd.Series({k: texts[k][1] for k in z.index}, dtype=bool)
        z = z[~is_level | (z > 0)] if len(z) else z
        z = z.reindex(z.abs().sort_values(ascending=False).index)[:top]
        parts = []
        for name, score in z.items():
            if texts[name][1]:
                parts.append(f"{name} {inside[name].mean():.0%} vs {mean[name]:.0%}")
            else:
                parts.append(f"{name} {score:+.1f} sd")
        rows.append({"cluster": label, "size": int(len(inside)), "share": len(inside) / len(labels),
                     "distinctive": ", ".join(parts), "features": [(n, float(s)) for n, s in z.items()]})
    return pd.DataFrame(rows).set_index("cluster")


def embed_2d(code, method: str = "pca", random_state: int = 0) -> np.ndarray:
    """Two coordinates per row for a scatter plot of ``code`` (a model's code or any feature matrix).

    "pca" (default) is linear, fast and deterministic; "tsne" (scikit-learn's t-SNE) keeps local
    neighbourhoods and shows clusters more clearly but is slow above a few thousand rows.
    """
    code = np.asarray(code, dtype=np.float64)
    if code.ndim != 2:
        raise DataError(f"code must be a 2-D array (rows x dimensions), got shape {code.shape}; reshape it")
    n, d = code.shape
    if method not in ("pca", "tsne"):
        raise DataError(f"method must be 'pca' or 'tsne', got {method!r}")
    if d < 2 or n < 3:
        out = np.zeros((n, 2))
        out[:, : min(d, 2)] = (code - code.mean(axis=0))[:, :2]
        return out
    if method == "tsne":
        from sklearn.manifold import TSNE

        return TSNE(n_components=2, perplexity=float(min(30, n - 1)), init="pca",
                    random_state=random_state).fit_transform(code)
    from sklearn.decomposition import PCA

    return PCA(n_components=2, random_state=random_state).fit_transform(code)


__all__ = ["cluster_profiles", "cluster_scores", "clustering_accuracy", "embed_2d", "silhouette"]
