"""Scores of a search: precision@k, recall@k, MRR and nDCG@k against the known relevant texts.

All use binary relevance (a text is relevant to a query or not) and are averaged over the queries:

- precision@k: the share of the k results that are relevant (k counts even when fewer came back);
- recall@k: the share of the query's relevant texts among the k results;
- mrr: the mean of 1 / rank of the first relevant result (0 when none is in the top k), i.e. MRR@k;
- ndcg@k: DCG of the ranking (gain 1 / log2(rank + 1) per relevant result) divided by the DCG of
  a perfect ranking of ``min(k, n_relevant)`` relevant texts.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from deepmine.errors import DataError, check_positive_int


def ranking_scores(ranked_ids, relevant, k: int = 10) -> pd.DataFrame:
    """The four scores for each query, one row per query, from ranked result ids.

    ``ranked_ids``: for each query the result ids, best first (only the first ``k`` count);
    ``relevant``: for each query the collection of relevant ids (at least one).
    """
    check_positive_int("k", k)
    ranked_ids, relevant = list(ranked_ids), list(relevant)
    if len(ranked_ids) != len(relevant):
        raise DataError(f"there are {len(ranked_ids)} rankings but {len(relevant)} sets of relevant ids; "
                        f"give one set of relevant ids per query")
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    rows = []
    for i, (ranking, rel) in enumerate(zip(ranked_ids, relevant)):
        if isinstance(rel, str) or not hasattr(rel, "__iter__"):
            raise DataError(f"the relevant ids of query {i} are {rel!r}, not a collection; give a set of ids "
                            f"per query, e.g. {{{rel!r}}}")
        rel = set(rel)
        if not rel:
            raise DataError(f"query {i} has no relevant ids, so recall and nDCG are undefined; give at least one "
                            f"relevant id per query or drop the query")
        hits = np.array([r in rel for r in list(ranking)[:k]], dtype=float)
        first = np.flatnonzero(hits)
        ideal = discounts[: min(k, len(rel))].sum()
        rows.append({
            f"precision@{k}": hits.sum() / k,
            f"recall@{k}": hits.sum() / len(rel),
            "mrr": 1.0 / (first[0] + 1) if len(first) else 0.0,
            f"ndcg@{k}": float((hits * discounts[: len(hits)]).sum() / ideal),
        })
    return pd.DataFrame(rows)


def retrieval_scores(index, queries, relevant, k: int = 10) -> dict:
    """Mean precision@k, recall@k, MRR and nDCG@k of ``index`` (a fitted SearchIndex) over ``queries``.

    ``relevant`` gives for each query the set of ids (as in ``index.ids_``) of the texts that answer
    it. Returns ``{"precision@k": ..., "recall@k": ..., "mrr": ..., "ndcg@k": ..., "n_queries": ...}``
    with the actual ``k`` in the names.
    """
    if isinstance(queries, str):
        raise DataError("queries must be a list of query strings; pass [query] for one query")
    queries, relevant = list(queries), list(relevant)
    if len(queries) != len(relevant):
        raise DataError(f"there are {len(queries)} queries but {len(relevant)} sets of relevant ids; "
                        f"give one set of relevant ids per query")
    if not queries:
        raise DataError("there are no queries; give at least one query with its relevant ids")
    index._check_fitted()
    known = set(index.ids_)
    for i, rel in enumerate(relevant):
        if not isinstance(rel, str) and hasattr(rel, "__iter__"):
            missing = [r for r in rel if r not in known]
            if missing:
                raise DataError(f"relevant id {missing[0]!r} of query {i} is not in the index; give ids from "
                                f"the ids the index was fitted with")
    results = index.search_many(queries, k=k)
    ranked = []
    start = 0
    for _ in queries:  # search_many returns min(k, n) rows per query, in query order
        n_rows = min(k, len(index))
        ranked.append(list(results["id"].iloc[start: start + n_rows]))
        start += n_rows
    per_query = ranking_scores(ranked, relevant, k)
    scores = {name: float(per_query[name].mean()) for name in per_query.columns}
    scores["n_queries"] = len(queries)
    return scores


__all__ = ["ranking_scores", "retrieval_scores"]
