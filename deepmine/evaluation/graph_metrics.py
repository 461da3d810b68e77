"""Metrics of a partition of a graph into communities, and of link-prediction scores.

- modularity (Newman 2006): the share of edge weight inside communities minus its expectation under
  random rewiring that keeps every node's degree; higher is better, up to 1.
- conductance of a community S: the weight of edges leaving S over the smaller of the volumes of S
  and of the rest; reported as the mean over communities (isolated nodes excluded); lower is better.
- NMI and ARI against ground-truth communities, on the nodes that have one.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import adjusted_rand_score, average_precision_score, normalized_mutual_info_score, roc_auc_score


def _membership(labels: np.ndarray) -> sp.csr_matrix:
    codes = np.unique(np.asarray(labels), return_inverse=True)[1].ravel()
    return sp.csr_matrix((np.ones(len(codes)), (np.arange(len(codes)), codes)), shape=(len(codes), codes.max() + 1))


def _community_weights(adjacency: sp.spmatrix, labels) -> tuple[np.ndarray, np.ndarray]:
    """Per community: twice the weight of its inner edges, and its volume (sum of its nodes' strengths)."""
    member = _membership(labels)
    inner = np.asarray((member.T @ adjacency @ member).diagonal()).ravel()
    volume = np.asarray(member.T @ np.asarray(adjacency.sum(axis=1)).ravel()).ravel()
    return inner, volume


def modularity(adjacency: sp.spmatrix, labels, resolution: float = 1.0) -> float:
    """Newman's modularity Q of the partition ``labels`` of the weighted undirected ``adjacency``."""
    total = float(adjacency.sum())  # 2m
    if total == 0:
        return float("nan")
    inner, volume = _community_weights(adjacency, labels)
    return float(np.sum(inner / total - resolution * (volume / total) ** 2))


def conductance(adjacency: sp.spmatrix, labels) -> float:
    """Mean conductance of the communities with edges (cut weight over the smaller volume); 0 is best."""
    total = float(adjacency.sum())
    inner, volume = _community_weights(adjacency, labels)
    cut = volume - inner
    denominator = np.minimum(volume, total - volume)
    ok = denominator > 0
    return float(np.mean(cut[ok] / denominator[ok])) if ok.any() else float("nan")


def community_scores(adjacency: sp.spmatrix, labels, truth=None) -> dict[str, float]:
    """modularity, conductance and the number of communities; NMI and ARI where ``truth`` (-1: unknown) is given."""
    labels = np.asarray(labels)
    scores = {"modularity": modularity(adjacency, labels), "conductance": conductance(adjacency, labels)}
    if truth is not None:
        truth = np.asarray(truth)
        known = truth >= 0
        scores["nmi"] = float(normalized_mutual_info_score(truth[known], labels[known]))
        scores["ari"] = float(adjusted_rand_score(truth[known], labels[known]))
    scores["n_communities"] = int(len(np.unique(labels)))
    return scores


def link_scores(y_true, scores) -> dict[str, float]:
    """ROC-AUC and average precision of link scores against the held-out edges (1) and non-edges (0)."""
    return {"roc_auc": float(roc_auc_score(y_true, scores)),
            "average_precision": float(average_precision_score(y_true, scores))}


__all__ = ["community_scores", "conductance", "link_scores", "modularity"]
