"""BaseRecommender: fit on interactions, predict pairs, recommend top-k, similar items; written once here.

A concrete recommender writes only:

- ``_fit(data: Interactions)``: learn from the interactions (indices ``data.u``, ``data.i``, ratings
  ``data.rating`` or None for implicit feedback);
- ``_score(u: ndarray[int]) -> ndarray (len(u), n_items)``: a ranking score for every item for each
  of the users ``u`` (higher = recommend first): a rating model's predicted rating, or a score of
  its own (item-kNN sums similarities; popularity counts);
- ``_predict_pairs(u, i)``: what ``predict`` returns for known pairs (the predicted rating for
  explicit feedback); the default picks from ``_score``, and models override it vectorised;
- optionally ``_item_vectors()`` (item embeddings for ``similar_items``; the default uses
  item-item co-occurrence cosine).

Everything else — id mapping, unknown users and items (popularity fallback, flagged), excluding
seen items, batching over users for ``recommend_all`` — lives here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from deepmine.errors import DataError, check_fitted, check_positive_int
from deepmine.recommend.data import Interactions


def _check_k(k, n_items: int) -> int:
    return min(check_positive_int("k", k), n_items)  # documented: k above the catalogue returns the whole catalogue


class BaseRecommender(BaseEstimator):
    """The surface every deepmine recommender shares (see the module docstring for what a subclass writes)."""

    #: True for models that learn from user or item side features (``fit(..., item_features=...)``)
    uses_side_features = False

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y=None, *, user: str = "user", item: str = "item", rating: str | None = None,
            time: str | None = None):
        """Learn from interactions: a DataFrame with ``user`` and ``item`` columns (and ``rating`` for
        explicit feedback, ``time`` for ordering) or an :class:`Interactions`. ``y`` is ignored."""
        data = X if isinstance(X, Interactions) else Interactions.from_frame(X, user, item, rating, time)
        if data.n_users < 2:
            raise DataError(f"the interactions come from {data.n_users} user; recommending from what others did "
                            f"needs at least two users")
        self.data_ = data
        self.explicit_ = data.explicit
        self.item_popularity_ = np.bincount(data.i, minlength=data.n_items).astype(np.float64)
        self.global_mean_ = float(data.rating.mean()) if data.explicit else 0.0
        self._seen = data.matrix(binary=True)
        self._fit(data)
        return self

    def _fit(self, data: Interactions) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _score(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _predict_pairs(self, u: np.ndarray, i: np.ndarray) -> np.ndarray:
        out = np.empty(len(u), dtype=np.float64)
        for user in np.unique(u):
            rows = np.flatnonzero(u == user)
            out[rows] = self._score(np.array([user]))[0, i[rows]]
        return out

    def _item_vectors(self) -> np.ndarray | None:
        return None

    def _check_fitted(self) -> None:
        check_fitted(self, "data_")

    # ------------------------------------------------------------------ predicting
    def predict(self, users, items) -> np.ndarray:
        """Predicted rating (explicit feedback) or score (implicit) of each (user, item) pair.

        A user or item never seen in training gets the fallback: the global mean rating, or the
        item's popularity for implicit feedback (0 for an unknown item).
        """
        self._check_fitted()
        users, items = np.asarray(users, dtype=object).ravel(), np.asarray(items, dtype=object).ravel()
        if len(users) != len(items):
            raise DataError(f"got {len(users)} users but {len(items)} items; give one user per item")
        u, i = self.data_.user_index(users), self.data_.item_index(items)
        known = (u >= 0) & (i >= 0)
        if self.explicit_:
            out = np.full(len(u), self.global_mean_)
        else:
            out = np.where(i >= 0, self.item_popularity_[np.maximum(i, 0)] / max(len(self.data_), 1), 0.0)
        if known.any():
            out[known] = self._predict_pairs(u[known], i[known])
        return out

    def recommend(self, user, k: int = 10, exclude_seen: bool = True) -> pd.DataFrame:
        """The ``k`` best items for ``user``: columns rank, item, score, fallback (True when the user was
        never seen in training and the list is the most popular items)."""
        return self.recommend_all(k=k, exclude_seen=exclude_seen, users=[user]).drop(columns="user")

    def recommend_all(self, k: int = 10, exclude_seen: bool = True, users=None, batch_size: int = 1024) -> pd.DataFrame:
        """Top-``k`` lists for ``users`` (all training users by default), one frame with columns
        user, rank, item, score, fallback. Users are scored in batches of ``batch_size``."""
        self._check_fitted()
        k = _check_k(k, self.data_.n_items)
        ids = self.data_.users if users is None else np.asarray(list(users), dtype=object)
        u = np.arange(self.data_.n_users) if users is None else self.data_.user_index(ids)
        frames = []
        for start in range(0, len(u), batch_size):
            ub, idb = u[start: start + batch_size], ids[start: start + batch_size]
            known = ub >= 0
            if known.all():  # the usual case: score the batch in place, no popularity rows to fill
                scores = self._score(ub)
            else:
                scores = np.empty((len(ub), self.data_.n_items))
                scores[~known] = self.item_popularity_
                if known.any():
                    scores[known] = self._score(ub[known])
            if exclude_seen and known.any():
                rows, cols = self._seen[ub[known]].nonzero()
                scores[np.flatnonzero(known)[rows], cols] = -np.inf
            top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
            order = np.take_along_axis(scores, top, 1).argsort(axis=1, kind="stable")[:, ::-1]
            top = np.take_along_axis(top, order, 1)
            top_scores = np.take_along_axis(scores, top, 1)
            frames.append(pd.DataFrame({
                "user": np.repeat(idb, k), "rank": np.tile(np.arange(1, k + 1), len(ub)),
                "item": self.data_.items[top.ravel()], "score": top_scores.ravel(),
                "fallback": np.repeat(~known, k)}))
        frame = pd.concat(frames, ignore_index=True)
        return frame[np.isfinite(frame.score)].reset_index(drop=True)  # a user who saw everything gets fewer

    def similar_items(self, item, k: int = 10) -> pd.DataFrame:
        """The ``k`` items most like ``item`` (cosine of the item vectors, or of who interacted with them)."""
        self._check_fitted()
        i = self.data_.item_index([item])[0]
        if i < 0:
            raise DataError(f"item {item!r} was not in the training interactions; similar items need a known item")
        k = _check_k(k, self.data_.n_items - 1)
        vectors = self._item_vectors()
        if vectors is None:
            m = self._seen.T.tocsr()
            sims = np.asarray((m @ m[i].T).todense()).ravel()
            norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
            sims = sims / np.maximum(norms * norms[i], 1e-12)
        else:
            v = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            sims = v @ v[i]
        sims[i] = -np.inf
        top = np.argsort(-sims, kind="stable")[:k]
        return pd.DataFrame({"rank": np.arange(1, len(top) + 1), "item": self.data_.items[top], "score": sims[top]})

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_seen", None)  # rebuilt from data_ on load
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "data_" in state:
            self._seen = self.data_.matrix(binary=True)
