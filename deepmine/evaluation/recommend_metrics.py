"""Evaluating recommenders: rating error, splits, and top-k ranking metrics over the honest protocol.

- :func:`random_split` and :func:`rating_scores` for rating prediction (RMSE, MAE);
- :func:`leave_last_out` and :func:`ranking_scores` for top-k recommendation (HR, NDCG, precision,
  recall, MAP at k, catalogue coverage), ranked against the full catalogue or against sampled negatives.

Splits return row indices; ``data.subset(rows)`` keeps the user and item indices, so a model
fitted on the training part scores the test part's users and items directly.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from deepmine.errors import DataError, ParameterError, check_positive_int
from deepmine.recommend.data import Interactions

__all__ = ["rating_scores", "random_split", "leave_last_out", "ranking_scores"]


def rating_scores(y_true, y_pred) -> dict:
    """Root mean squared error and mean absolute error of predicted ratings.

    Returns
    -------
    dict
        ``{"rmse": float, "mae": float}``.
    """
    y_true = np.asarray(y_true, dtype=np.float64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.float64).ravel()
    if len(y_true) != len(y_pred):
        raise DataError(f"got {len(y_true)} true ratings but {len(y_pred)} predictions; give one prediction each")
    if len(y_true) == 0:
        raise DataError("there are no ratings to score; give at least one")
    if not (np.isfinite(y_true).all() and np.isfinite(y_pred).all()):
        raise DataError("ratings and predictions must be finite numbers; drop missing ones first")
    err = y_pred - y_true
    return {"rmse": float(np.sqrt(np.mean(err ** 2))), "mae": float(np.mean(np.abs(err)))}


def random_split(data: Interactions, test_size: float = 0.2, random_state=0):
    """Hold out a random ``test_size`` share of the interactions (rating prediction).

    A user or item whose every interaction landed in the test part has no training data; models
    then predict their fallback (the global mean and whatever biases they learned).

    Returns
    -------
    train_rows, test_rows : ndarray of int
        Row indices into ``data``, sorted.
    """
    if isinstance(test_size, bool) or not isinstance(test_size, (float, int)) or not 0 < test_size < 1:
        raise ParameterError(f"test_size must be a share between 0 and 1, got {test_size!r}")
    n = len(data)
    n_test = int(round(n * test_size))
    if n_test < 1 or n_test >= n:
        raise DataError(f"{n} interaction(s) cannot be split into a training and a test part with "
                        f"test_size={test_size}; give more interactions")
    order = check_random_state(random_state).permutation(n)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def leave_last_out(data: Interactions, random_state=0):
    """Hold out each user's latest interaction (by ``data.time``; a seeded random one without times).

    Users with a single interaction keep it in training. Ties in time go to the later row.

    Returns
    -------
    train_rows, test_rows : ndarray of int
        Row indices into ``data``, sorted; one test row per user with two or more interactions.
    """
    n = len(data)
    rows = np.arange(n)
    key = data.time if data.time is not None else check_random_state(random_state).random_sample(n)
    order = np.lexsort((rows, key, data.u))  # by user, then time, then row
    u_sorted = data.u[order]
    last = np.r_[u_sorted[1:] != u_sorted[:-1], True]
    counts = np.bincount(data.u, minlength=data.n_users)
    test = order[last & (counts[u_sorted] >= 2)]
    if len(test) == 0:
        raise DataError("no user has two or more interactions, so none can be held out; give more interactions "
                        "per user")
    mask = np.zeros(n, dtype=bool)
    mask[test] = True
    return rows[~mask], np.sort(test)


def _check_same_index(model, train: Interactions, test: Interactions) -> None:
    data = getattr(model, "data_", None)
    if data is None:
        raise DataError("the model is not fitted; fit it on the training interactions first")
    if (test.n_users, test.n_items) != (data.n_users, data.n_items) or train.n_items != data.n_items:
        raise DataError("the model, training and test interactions must share one user and item index; build "
                        "them with data.subset(rows) from the same Interactions")


def ranking_scores(model, train: Interactions, test: Interactions, k: int = 10, protocol: str = "full",
                   n_negatives: int = 99, random_state=0, batch_size: int = 1024) -> dict:
    """Top-``k`` ranking quality of a fitted recommender on held-out interactions.

    ``protocol="full"`` (the honest one) ranks every catalogue item the user did not interact with
    in ``train``; the relevant items are the user's ``test`` items. ``protocol="sampled"`` ranks each
    held-out item against ``n_negatives`` items drawn at random from those the user never
    interacted with (train or test); ties count against the held-out item. Sampled metrics are
    far higher than full ones and can order models differently (Krichene and Rendle 2020).

    Parameters
    ----------
    model : BaseRecommender
        Fitted on ``train`` (same user and item index as ``test``).
    train, test : Interactions
        ``data.subset(train_rows)`` and ``data.subset(test_rows)``.
    k : int, default=10
        List length; above the number of candidate items, the whole candidate list counts.
    protocol : {"full", "sampled"}, default="full"
    n_negatives : int, default=99
        Negatives per held-out item (sampled protocol).
    random_state : int, RandomState instance or None, default=0
        Seed of the sampled negatives.
    batch_size : int, default=1024
        Users scored at once.

    Returns
    -------
    dict
        ``hr@k`` (share of users, or held-out items when sampled, with a hit in the top k),
        ``ndcg@k``, ``precision@k``, ``recall@k``, ``map@k``, ``coverage`` (share of the catalogue in
        anyone's top k) and ``n_users`` evaluated.
    """
    check_positive_int("k", k)
    if protocol not in ("full", "sampled"):
        raise ParameterError(f"protocol must be 'full' or 'sampled', got {protocol!r}")
    check_positive_int("n_negatives", n_negatives)
    _check_same_index(model, train, test)
    if len(test) == 0:
        raise DataError("the test interactions are empty; hold some out with leave_last_out or random_split")
    seen = train.matrix(binary=True).tocsr()
    relevant = test.matrix(binary=True).tocsr()
    users = np.unique(test.u)
    if protocol == "full":
        return _full(model, seen, relevant, users, int(k), batch_size)
    return _sampled(model, seen, relevant, users, int(k), int(n_negatives), check_random_state(random_state),
                    batch_size)


def _label(k: int, values: dict) -> dict:
    return {(f"{name}@{k}" if name not in ("coverage", "n_users") else name): value for name, value in values.items()}


def _full(model, seen, relevant, users, k, batch_size) -> dict:
    n_items = seen.shape[1]
    k_eff = min(k, n_items)
    discounts = 1.0 / np.log2(np.arange(2, k_eff + 2))
    sums = dict(hr=0.0, ndcg=0.0, precision=0.0, recall=0.0, map=0.0)
    recommended = np.zeros(n_items, dtype=bool)
    for start in range(0, len(users), batch_size):
        ub = users[start: start + batch_size]
        scores = np.asarray(model._score(ub), dtype=np.float64)
        scores[seen[ub].nonzero()] = -np.inf
        top = np.argpartition(-scores, k_eff - 1, axis=1)[:, :k_eff]
        order = np.take_along_axis(scores, top, 1).argsort(axis=1, kind="stable")[:, ::-1]
        top = np.take_along_axis(top, order, 1)
        valid = np.isfinite(np.take_along_axis(scores, top, 1))  # a user with fewer candidates than k
        rel = relevant[ub]
        hit = (np.take_along_axis(rel.toarray(), top, 1) > 0) & valid
        recommended[top[valid]] = True
        n_rel = np.asarray(rel.sum(axis=1)).ravel().astype(np.int64)
        n_hit = hit.sum(axis=1)
        ideal = np.cumsum(discounts)[np.minimum(n_rel, k_eff) - 1]
        precision_at = np.cumsum(hit, axis=1) / np.arange(1, k_eff + 1)
        sums["hr"] += float((n_hit > 0).sum())
        sums["ndcg"] += float(((hit * discounts).sum(axis=1) / ideal).sum())
        sums["precision"] += float((n_hit / k_eff).sum())
        sums["recall"] += float((n_hit / n_rel).sum())
        sums["map"] += float(((precision_at * hit).sum(axis=1) / np.minimum(n_rel, k_eff)).sum())
    out = {name: value / len(users) for name, value in sums.items()}
    out.update(coverage=float(recommended.mean()), n_users=int(len(users)))
    return _label(k, out)


def _sampled(model, seen, relevant, users, k, n_negatives, rng, batch_size) -> dict:
    n_items = seen.shape[1]
    interacted = (seen + relevant).tocsr()
    ranks, recommended = [], np.zeros(n_items, dtype=bool)
    for start in range(0, len(users), batch_size):
        ub = users[start: start + batch_size]
        scores = np.asarray(model._score(ub), dtype=np.float64)
        for row, user in enumerate(ub):
            taken = interacted.indices[interacted.indptr[user]: interacted.indptr[user + 1]]
            unseen = np.setdiff1d(np.arange(n_items), taken, assume_unique=True)
            negatives = rng.choice(unseen, size=min(n_negatives, len(unseen)), replace=False)
            neg_scores = scores[row, negatives]
            for item in relevant.indices[relevant.indptr[user]: relevant.indptr[user + 1]]:
                pos = scores[row, item]
                ranks.append(1 + int((neg_scores >= pos).sum()))
                candidates = np.r_[item, negatives]
                cand_scores = np.r_[pos, neg_scores]
                order = np.argsort(-cand_scores, kind="stable")[:k]
                recommended[candidates[order]] = True
    ranks = np.asarray(ranks)
    hit = ranks <= k
    out = dict(hr=float(hit.mean()), ndcg=float(np.where(hit, 1.0 / np.log2(ranks + 1), 0.0).mean()),
               precision=float(hit.mean() / k), recall=float(hit.mean()),
               map=float(np.where(hit, 1.0 / ranks, 0.0).mean()),
               coverage=float(recommended.mean()), n_users=int(len(users)))
    return _label(k, out)
