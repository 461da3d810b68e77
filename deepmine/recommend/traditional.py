"""Traditional recommenders, the baselines deep models must beat: popularity, biases, item-kNN, ALS.

All are written on numpy / scipy sparse and vectorised over users; each overrides
``_predict_pairs`` so predicting many (user, item) pairs never scores the whole catalogue.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from deepmine.base import store_params
from deepmine.errors import DataError, ParameterError
from deepmine.recommend.base import BaseRecommender
from deepmine.recommend.data import Interactions


def _check_nonnegative(name: str, value, *, positive: bool = False, integer: bool = False):
    kind = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    bad = isinstance(value, bool) or not isinstance(value, kind) or value < 0 or (positive and value == 0)
    if bad:
        what = ("a positive" if positive else "a non-negative") + (" whole number" if integer else " number")
        raise ParameterError(f"{name} must be {what}, got {value!r}")


def _fit_biases(data: Interactions, mu: float, reg_user: float, reg_item: float, n_iter: int):
    """Koren's baseline predictors: regularised user and item biases fitted by alternating least squares."""
    r = data.rating.astype(np.float64) - mu
    n_u = np.bincount(data.u, minlength=data.n_users)
    n_i = np.bincount(data.i, minlength=data.n_items)
    b_u = np.zeros(data.n_users)
    b_i = np.zeros(data.n_items)
    for _ in range(n_iter):
        b_i = np.bincount(data.i, weights=r - b_u[data.u], minlength=data.n_items) / (reg_item + n_i)
        b_u = np.bincount(data.u, weights=r - b_i[data.i], minlength=data.n_users) / (reg_user + n_u)
    return b_u, b_i


def _need_ratings(model) -> None:
    raise DataError(f"{type(model).__name__} predicts ratings and needs explicit feedback; give a rating column, "
                    f"or use Popularity, ItemKNN or ALSMatrixFactorization for implicit feedback")


class Popularity(BaseRecommender):
    """Recommend what most people interacted with; the same list for everyone (except what they saw).

    Parameters
    ----------
    shrink : float, default=10
        For explicit ratings, ``predict`` gives each item's mean rating shrunk towards the global
        mean as if ``shrink`` extra ratings at the global mean had been given (a rarely rated item
        is not trusted with its few ratings).

    Notes
    -----
    The ranking score (``recommend``) is always the share of interactions on the item, also for
    explicit ratings: how many people rated a movie ranks better than how well.
    """

    def __init__(self, shrink: float = 10.0):
        store_params(self, locals())

    def _fit(self, data: Interactions) -> None:
        _check_nonnegative("shrink", self.shrink)
        self.scores_ = self.item_popularity_ / len(data)
        if data.explicit:
            sums = np.bincount(data.i, weights=data.rating.astype(np.float64), minlength=data.n_items)
            self.item_mean_ = (sums + self.shrink * self.global_mean_) / (self.item_popularity_ + self.shrink)
            # an item with no training rating and shrink=0 still gets the global mean
            self.item_mean_[self.item_popularity_ == 0] = self.global_mean_

    def _score(self, u: np.ndarray) -> np.ndarray:
        return np.tile(self.scores_, (len(u), 1))

    def _predict_pairs(self, u: np.ndarray, i: np.ndarray) -> np.ndarray:
        return (self.item_mean_ if self.explicit_ else self.scores_)[i].astype(np.float64)


class BiasBaseline(BaseRecommender):
    """Global mean plus a regularised bias per user and per item (Koren's baseline predictors).

    ``rating(u, i) = mu + b_u + b_i``; the biases are fitted by alternating least squares, each
    shrunk towards 0 by its regulariser (as if ``reg`` ratings at the mean had been seen).

    Parameters
    ----------
    reg_user : float, default=15
        Regularisation of the user biases.
    reg_item : float, default=10
        Regularisation of the item biases.
    n_iter : int, default=10
        Alternating passes (item biases, then user biases).
    """

    def __init__(self, reg_user: float = 15.0, reg_item: float = 10.0, n_iter: int = 10):
        store_params(self, locals())

    def _fit(self, data: Interactions) -> None:
        _check_nonnegative("reg_user", self.reg_user)
        _check_nonnegative("reg_item", self.reg_item)
        _check_nonnegative("n_iter", self.n_iter, positive=True, integer=True)
        if not data.explicit:
            _need_ratings(self)
        self.user_bias_, self.item_bias_ = _fit_biases(data, self.global_mean_, self.reg_user, self.reg_item,
                                                       self.n_iter)

    def _score(self, u: np.ndarray) -> np.ndarray:
        return self.global_mean_ + self.user_bias_[u][:, None] + self.item_bias_[None, :]

    def _predict_pairs(self, u: np.ndarray, i: np.ndarray) -> np.ndarray:
        return self.global_mean_ + self.user_bias_[u] + self.item_bias_[i]


class ItemKNN(BaseRecommender):
    """Item-based nearest neighbours: items like the ones a user interacted with.

    Each item keeps its ``k`` most similar items. The ranking score (``recommend``) of an item for
    a user is the sum of its similarities to the user's items. For explicit ratings ``predict``
    gives the baseline (mean plus biases) plus the similarity-weighted mean of the user's residuals
    on the item's neighbours: ``b_ui + sum_j s_ij (r_uj - b_uj) / sum_j |s_ij|``.

    Parameters
    ----------
    k : int, default=50
        Neighbours kept per item.
    similarity : {"cosine", "adjusted_cosine"}, default="cosine"
        ``"cosine"``: cosine of who interacted with the two items (0/1); ``"adjusted_cosine"``:
        cosine of the ratings centred on each user's mean (explicit ratings only).
    shrink : float, default=10
        Added to the denominator of the similarity, so pairs of rarely seen items count less.
    reg_user, reg_item : float, default=15, 10
        Regularisation of the baseline biases (explicit ratings).
    batch_size : int, default=2048
        Items per block when computing similarities (memory: about batch_size x n_items floats).
    """

    def __init__(self, k: int = 50, similarity: str = "cosine", shrink: float = 10.0, reg_user: float = 15.0,
                 reg_item: float = 10.0, batch_size: int = 2048):
        store_params(self, locals())

    def _fit(self, data: Interactions) -> None:
        _check_nonnegative("k", self.k, positive=True, integer=True)
        _check_nonnegative("shrink", self.shrink)
        _check_nonnegative("batch_size", self.batch_size, positive=True, integer=True)
        if self.similarity not in ("cosine", "adjusted_cosine"):
            raise ParameterError(f"similarity must be 'cosine' or 'adjusted_cosine', got {self.similarity!r}")
        if self.similarity == "adjusted_cosine" and not data.explicit:
            raise ParameterError("similarity='adjusted_cosine' needs explicit ratings; use similarity='cosine' "
                                 "for implicit feedback")
        binary = data.matrix(binary=True)
        if self.similarity == "adjusted_cosine":
            n_u = np.maximum(np.bincount(data.u, minlength=data.n_users), 1)
            user_mean = np.bincount(data.u, weights=data.rating, minlength=data.n_users) / n_u
            values = data.rating - user_mean[data.u]
            m = sp.csr_matrix((values, (data.u, data.i)), shape=binary.shape, dtype=np.float64)
        else:
            m = binary.astype(np.float64)
        self.similarities_ = self._top_k_similarities(m.tocsc())
        if data.explicit:
            self.user_bias_, self.item_bias_ = _fit_biases(data, self.global_mean_, self.reg_user, self.reg_item, 10)
            residual = data.rating - (self.global_mean_ + self.user_bias_[data.u] + self.item_bias_[data.i])
            self._residuals = sp.csr_matrix((residual, (data.u, data.i)), shape=binary.shape, dtype=np.float64)
            self._abs_similarities = abs(self.similarities_).tocsc()

    def _top_k_similarities(self, m: sp.csc_matrix) -> sp.csc_matrix:
        """Column i holds item i's ``k`` most similar items (rows j): ``S[j, i] = sim(j, i)``."""
        n_items = m.shape[1]
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=0)).ravel())
        mt = m.T.tocsr()
        k = min(self.k, n_items - 1)
        rows, cols, vals = [], [], []
        for start in range(0, n_items, self.batch_size):
            stop = min(start + self.batch_size, n_items)
            block = (mt[start:stop] @ m).toarray()  # items start:stop against every item
            block /= norms[start:stop, None] * norms[None, :] + self.shrink + 1e-12
            block[np.arange(stop - start), np.arange(start, stop)] = 0.0  # an item is not its own neighbour
            if k < 1:
                continue
            top = np.argpartition(-np.abs(block), k - 1, axis=1)[:, :k]
            v = np.take_along_axis(block, top, 1)
            keep = v != 0
            rows.append(np.repeat(np.arange(start, stop), k)[keep.ravel()])
            cols.append(top[keep])
            vals.append(v[keep])
        if not rows:
            return sp.csc_matrix((n_items, n_items))
        # row = target item, col = neighbour; transpose so a user's row times S scores the targets
        sims = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                             shape=(n_items, n_items))
        return sims.T.tocsc()

    def _score(self, u: np.ndarray) -> np.ndarray:
        return np.asarray((self._seen[u] @ self.similarities_).todense(), dtype=np.float64)

    def _predict_pairs(self, u: np.ndarray, i: np.ndarray) -> np.ndarray:
        if not self.explicit_:
            return np.asarray(self._seen[u].multiply(self.similarities_[:, i].T).sum(axis=1)).ravel()
        num = np.asarray(self._residuals[u].multiply(self.similarities_[:, i].T).sum(axis=1)).ravel()
        den = np.asarray(self._seen[u].multiply(self._abs_similarities[:, i].T).sum(axis=1)).ravel()
        base = self.global_mean_ + self.user_bias_[u] + self.item_bias_[i]
        return base + np.divide(num, den, out=np.zeros_like(num), where=den > 0)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_abs_similarities", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "similarities_" in state and getattr(self, "explicit_", False):
            self._abs_similarities = abs(self.similarities_).tocsc()


def _als_half_step(weights: sp.csr_matrix, targets: sp.csr_matrix, fixed: np.ndarray, reg: np.ndarray,
                   gram: np.ndarray | None, chunk: int = 2048) -> np.ndarray:
    """Solve every row's ridge problem at once: ``(gram + sum_j w_j f_j f_j^T + reg I) x = sum_j t_j f_j``."""
    f = fixed.shape[1]
    n = weights.shape[0]
    a = np.zeros((n, f * f)) if gram is None else np.tile(gram.ravel(), (n, 1))
    weights = weights.tocsc()
    for start in range(0, fixed.shape[0], chunk):
        part = fixed[start: start + chunk]
        outer = np.einsum("mi,mj->mij", part, part).reshape(len(part), f * f)
        a += weights[:, start: start + chunk] @ outer
    a = a.reshape(n, f, f)
    a[:, np.arange(f), np.arange(f)] += reg[:, None]
    b = np.asarray(targets @ fixed)
    return np.linalg.solve(a, b[:, :, None])[:, :, 0]


class ALSMatrixFactorization(BaseRecommender):
    """Matrix factorisation fitted by alternating least squares (every user's and item's factors
    solved exactly in turn, all at once with batched linear algebra).

    Explicit ratings: ``rating(u, i) = mu + b_u + b_i + p_u . q_i``, the biases fitted first
    (:class:`BiasBaseline`), the factors on the residuals with weighted-lambda regularisation
    (``reg`` times the number of ratings of the user or item; Zhou et al. 2008).
    Implicit feedback: Hu, Koren and Volinsky (2008): every (user, item) cell is fitted towards 1
    (interacted) or 0, with confidence ``1 + alpha`` on the interactions and 1 elsewhere, and
    ridge penalty ``reg``.

    Parameters
    ----------
    factors : int, default=50
        Length of the user and item vectors.
    reg : float, default=0.1
        Regularisation (see above for its scale in each mode).
    iterations : int, default=15
        Alternating passes (users, then items).
    alpha : float, default=20
        Confidence of an observed interaction (implicit feedback only).
    reg_user, reg_item : float, default=15, 10
        Regularisation of the biases (explicit ratings only).
    random_state : int, RandomState instance or None, default=None
        Seed of the initial factors.
    """

    def __init__(self, factors: int = 50, reg: float = 0.1, iterations: int = 15, alpha: float = 20.0,
                 reg_user: float = 15.0, reg_item: float = 10.0, random_state=None):
        store_params(self, locals())

    def _fit(self, data: Interactions) -> None:
        _check_nonnegative("factors", self.factors, positive=True, integer=True)
        _check_nonnegative("reg", self.reg, positive=True)
        _check_nonnegative("iterations", self.iterations, positive=True, integer=True)
        _check_nonnegative("alpha", self.alpha)
        from sklearn.utils import check_random_state

        rng = check_random_state(self.random_state)
        f = self.factors
        scale = 0.1 if data.explicit else 0.01
        p = rng.normal(0.0, scale, (data.n_users, f))
        q = rng.normal(0.0, scale, (data.n_items, f))
        binary = data.matrix(binary=True).astype(np.float64)
        if data.explicit:
            self.user_bias_, self.item_bias_ = _fit_biases(data, self.global_mean_, self.reg_user, self.reg_item, 10)
            residual = data.rating - (self.global_mean_ + self.user_bias_[data.u] + self.item_bias_[data.i])
            targets = sp.csr_matrix((residual, (data.u, data.i)), shape=binary.shape, dtype=np.float64)
            weights = binary
            reg_u = self.reg * np.maximum(np.asarray(binary.sum(axis=1)).ravel(), 1.0)
            reg_i = self.reg * np.maximum(np.asarray(binary.sum(axis=0)).ravel(), 1.0)
        else:
            weights = binary * self.alpha  # confidence minus the 1 every cell has
            targets = binary * (1.0 + self.alpha)
            reg_u = np.full(data.n_users, float(self.reg))
            reg_i = np.full(data.n_items, float(self.reg))
        weights_t, targets_t = weights.T.tocsr(), targets.T.tocsr()
        for _ in range(self.iterations):
            p = _als_half_step(weights, targets, q, reg_u, None if data.explicit else q.T @ q)
            q = _als_half_step(weights_t, targets_t, p, reg_i, None if data.explicit else p.T @ p)
        if not (np.isfinite(p).all() and np.isfinite(q).all()):  # pragma: no cover - ridge keeps it finite
            raise DataError("ALS produced non-finite factors; raise reg")
        self.user_factors_, self.item_factors_ = p, q

    def _score(self, u: np.ndarray) -> np.ndarray:
        scores = self.user_factors_[u] @ self.item_factors_.T
        if self.explicit_:
            scores += self.global_mean_ + self.user_bias_[u][:, None] + self.item_bias_[None, :]
        return scores

    def _predict_pairs(self, u: np.ndarray, i: np.ndarray) -> np.ndarray:
        out = np.einsum("nf,nf->n", self.user_factors_[u], self.item_factors_[i])
        if self.explicit_:
            out += self.global_mean_ + self.user_bias_[u] + self.item_bias_[i]
        return out

    def _item_vectors(self) -> np.ndarray:
        return self.item_factors_
