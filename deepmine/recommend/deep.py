"""Deep recommenders trained with deepmine's Trainer: MatrixFactorization, HybridMF and NeuMF.

All three learn from explicit ratings (MSE, predictions are ratings) or implicit feedback (every
interaction a positive, against sampled negatives: BPR or BCE; predictions are ranking scores).
After training the weights are copied to numpy arrays and the torch network is dropped, so
scoring needs no torch, and a fitted model is plain data that ``deepmine.persist.save_model`` can
store with skops.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from deepmine.base import store_params
from deepmine.errors import DataError, ParameterError, check_positive_int
from deepmine.recommend.base import BaseRecommender
from deepmine.recommend.data import Interactions
from deepmine.recommend.features import align_side_features, side_feature_table
from deepmine.training import Trainer, resolve_seed, seeded
from deepmine.training.device import choose_device

_LOSSES = ("auto", "mse", "bpr", "bce")


def _sample_negatives(rng: np.random.RandomState, u: np.ndarray, n_items: int, k: int,
                      keys: np.ndarray) -> np.ndarray:
    """``k`` items per user in ``u`` drawn uniformly, redrawn (a few times) where they hit a positive."""
    j = rng.randint(0, n_items, size=(len(u), k))
    for _ in range(5):
        hit = np.isin(u[:, None] * n_items + j, keys)
        if not hit.any():
            break
        j[hit] = rng.randint(0, n_items, size=int(hit.sum()))
    return j


class _DeepRecommender(BaseRecommender):
    """The shared fit: split a validation part, build the network, train with the Trainer, export numpy."""

    _implicit_loss = "bpr"

    def _resolve_loss(self, data: Interactions) -> str:
        if self.loss not in _LOSSES:
            raise ParameterError(f"loss must be one of {', '.join(_LOSSES)}, got {self.loss!r}")
        if self.loss == "auto":
            return "mse" if data.explicit else self._implicit_loss
        if self.loss == "mse" and not data.explicit:
            raise ParameterError("loss='mse' needs ratings, but the interactions are implicit; name the rating "
                                 "column or use loss='bpr' or 'bce'")
        if self.loss != "mse" and data.explicit:
            raise ParameterError(f"loss={self.loss!r} learns from implicit feedback, but the interactions have "
                                 f"ratings; use loss='mse' or leave the rating column out")
        return self.loss

    def _check_params(self) -> None:
        check_positive_int("batch_size", self.batch_size)
        check_positive_int("max_epochs", self.max_epochs)
        if not (isinstance(self.lr, (int, float)) and self.lr > 0):
            raise ParameterError(f"lr must be a positive number, got {self.lr!r}")
        if not (isinstance(self.weight_decay, (int, float)) and self.weight_decay >= 0):
            raise ParameterError(f"weight_decay must be a number >= 0, got {self.weight_decay!r}")
        if not (isinstance(self.validation_fraction, (int, float)) and 0 <= self.validation_fraction < 1):
            raise ParameterError(f"validation_fraction must be in [0, 1), got {self.validation_fraction!r}")

    def _n_negatives(self, loss: str) -> int:
        return {"mse": 0, "bpr": 1}.get(loss, getattr(self, "n_negatives", 4))

    def _fit(self, data: Interactions) -> None:
        self._check_params()
        loss = self._resolve_loss(data)
        n_neg = self._n_negatives(loss)
        seed = resolve_seed(self.random_state)
        rng = np.random.RandomState(seed)
        X = np.stack([data.u, data.i], 1).astype(np.int64)
        y = data.rating.astype(np.float32) if data.explicit else np.zeros(len(X), dtype=np.float32)
        n_valid = int(round(self.validation_fraction * len(X))) if self.early_stopping else 0
        if n_valid >= 1 and len(X) - n_valid >= 2:
            perm = rng.permutation(len(X))
            train, valid = np.sort(perm[n_valid:]), np.sort(perm[:n_valid])
        else:
            train, valid = np.arange(len(X)), None
        keys = np.unique(data.u * data.n_items + data.i)
        X_valid = y_valid = None
        if valid is not None:
            X_valid, y_valid = X[valid], y[valid]
            if n_neg:  # fixed negatives, so the validation loss is comparable from epoch to epoch
                X_valid = np.hstack([X_valid, _sample_negatives(rng, X_valid[:, 0], data.n_items, n_neg, keys)])
        self.global_mean_ = float(data.rating[train].mean()) if data.explicit else 0.0
        device = choose_device(self.device)
        from deepmine.nn.recommend import RecommendLoss

        trainer = Trainer(loss=RecommendLoss(loss), optimizer="adam", lr=self.lr, weight_decay=0.0,
                          batch_size=int(self.batch_size), max_epochs=int(self.max_epochs),
                          lr_schedule=self.lr_schedule, early_stopping=self.early_stopping, device=device,
                          verbose=self.verbose, description=type(self).__name__,
                          grad_clip=getattr(self, "grad_clip", None))  # models saved before grad_clip lack it
        with seeded(seed, device):
            module = self._build_module(data, n_neg, torch.as_tensor(keys))
            history = trainer.fit(module, X[train], y[train], X_valid, y_valid)
        self.loss_ = loss
        self.history_ = history
        self.n_iter_ = len(history)
        self.best_epoch_ = trainer.best_epoch if trainer.best_epoch is not None else len(history)
        module = module.to("cpu").eval()
        self._export(module)  # numpy copies; the torch network is not kept

    def _build_module(self, data: Interactions, n_negatives: int, positives: torch.Tensor):  # pragma: no cover
        raise NotImplementedError

    def _export(self, module) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # history_ is a DataFrame while in memory; skops stores it as a dict of arrays
    def __getstate__(self):
        state = super().__getstate__()
        if isinstance(state.get("history_"), pd.DataFrame):
            state["history_"] = {str(c): state["history_"][c].to_numpy() for c in state["history_"].columns}
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if isinstance(self.__dict__.get("history_"), dict):
            self.history_ = pd.DataFrame(self.history_)


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().to("cpu").float().numpy().copy()


class MatrixFactorization(_DeepRecommender):
    """Matrix factorisation with biases, trained by mini-batch gradient descent (Adam).

    The prediction is ``mu + b_u + b_i + p_u . q_i``. With ratings it minimises the squared error
    (``loss="mse"``); for implicit feedback it learns a ranking with BPR (Rendle et al., 2009): each
    interaction against one item drawn uniformly from those the user has not interacted with, with
    fresh negatives in every batch.

    Parameters
    ----------
    factors : int, default=64
        Length of the user and item vectors.
    loss : {"auto", "mse", "bpr", "bce"}, default="auto"
        "auto" is "mse" for ratings and "bpr" for implicit feedback; "bce" scores each positive
        against ``n_negatives`` sampled negatives with binary cross-entropy.
    lr : float, default=0.005
        Adam's learning rate.
    weight_decay : float, default=0.1
        L2 penalty on the vectors and biases *each batch uses* (sum of squares averaged over the
        batch's rows), the regulariser of classic SGD matrix factorisation. Optimiser weight decay
        is not used: it would shrink every vector at every step, seen in the batch or not.
    batch_size : int, default=1024
    max_epochs : int, default=40
    lr_schedule : {"constant", "onecycle", "cosine", "plateau"}, default="constant"
    early_stopping : int or None, default=3
        Stop after this many epochs without a better validation loss (the MSE for ratings) and put
        the best weights back; None trains ``max_epochs`` on all the interactions.
    validation_fraction : float, default=0.1
        Share of the interactions held out (at random) for early stopping.
    n_negatives : int, default=4
        Sampled negatives per positive for ``loss="bce"`` (BPR uses one).
    random_state : int, RandomState or None
        Seeds the validation split, the initial weights, the batches and the negatives.
    device : str, default="auto"
    verbose : int, default=0
    grad_clip : float or None, default=None
        Clip the gradient norm to this value (try 1.0 if training diverges).

    Attributes
    ----------
    user_factors_, item_factors_ : ndarray (n_users | n_items, factors)
    user_bias_, item_bias_ : ndarray
    global_mean_ : float
        Mean training rating (0 for implicit feedback).
    history_ : DataFrame
        Losses per epoch; ``n_iter_`` epochs were run, ``best_epoch_`` was kept.
    """

    def __init__(self, factors: int = 64, loss: str = "auto", lr: float = 0.005, weight_decay: float = 0.1,
                 batch_size: int = 1024, max_epochs: int = 40, lr_schedule: str = "constant",
                 early_stopping: int | None = 3, validation_fraction: float = 0.1, n_negatives: int = 4,
                 random_state=None, device: str = "auto", verbose: int = 0, grad_clip: float | None = None):
        store_params(self, locals())

    def _module_kwargs(self, data: Interactions) -> dict:
        return {}

    def _build_module(self, data, n_negatives, positives):
        from deepmine.nn.recommend import MatrixFactorizationNet

        return MatrixFactorizationNet(data.n_users, data.n_items, check_positive_int("factors", self.factors),
                                      global_mean=self.global_mean_, n_negatives=n_negatives,
                                      penalty=float(self.weight_decay), positives=positives,
                                      **self._module_kwargs(data))

    def _export(self, module) -> None:
        with torch.no_grad():
            all_items = torch.arange(module.n_items)
            q, b = module.item_vectors(all_items)  # a hybrid's feature terms are folded in here
            p, bu = module.user_vectors(torch.arange(module.n_users))
            self.user_factors_ = _numpy(p)
            self.user_bias_ = _numpy(bu).ravel()
            self.item_factors_ = _numpy(q)
            self.item_bias_ = _numpy(b).ravel()

    def _score(self, u: np.ndarray) -> np.ndarray:
        return (self.global_mean_ + self.user_bias_[u][:, None] + self.item_bias_[None, :]
                + self.user_factors_[u] @ self.item_factors_.T).astype(np.float64)

    def _predict_pairs(self, u: np.ndarray, i: np.ndarray) -> np.ndarray:
        dots = np.einsum("ij,ij->i", self.user_factors_[u], self.item_factors_[i])
        return (self.global_mean_ + self.user_bias_[u] + self.item_bias_[i] + dots).astype(np.float64)

    def _item_vectors(self) -> np.ndarray:
        return self.item_factors_


class HybridMF(MatrixFactorization):
    """Matrix factorisation whose item (and user) vectors also learn from side features.

    Each item's vector is its id embedding plus a learned linear map of its features,
    ``q_i + W^T f_i`` (and its bias ``b_i + w^T f_i``), so items that share genres share part of
    their vector; a rarely rated item borrows strength from its genres. User features (an age,
    an occupation) enter the user's vector the same way.

    Side features are given one of two ways (see :mod:`deepmine.recommend.features`):

    - a column name (parameter, or ``fit(..., item_features="genres")``): a column of the
      interactions table; tags separated by ``feature_sep`` (MovieLens:
      ``"Animation|Children|Drama"``) or a single category become a multi-hot matrix, a numeric
      column one standardised feature. An id's first non-missing value is used.
    - a DataFrame indexed by item (user) id with numeric columns (a multi-hot or any dense
      features); ids missing from it get zeros.

    Parameters are those of :class:`MatrixFactorization`, plus ``item_features`` (default
    "genres"), ``user_features`` (default None) and ``feature_sep`` (default "|"). At least one of
    the two feature sources is needed.

    Attributes
    ----------
    feature_names_ : ndarray of str
        The item side features' names (tags, or the table's columns); empty without item features.
    user_feature_names_ : ndarray of str
        The same for the user side features.
    user_factors_, item_factors_, user_bias_, item_bias_ :
        The *combined* vectors and biases (feature terms included).
    """

    uses_side_features = True

    def __init__(self, factors: int = 64, item_features="genres", user_features=None, feature_sep: str = "|",
                 loss: str = "auto", lr: float = 0.005, weight_decay: float = 0.1, batch_size: int = 1024,
                 max_epochs: int = 40, lr_schedule: str = "constant", early_stopping: int | None = 3,
                 validation_fraction: float = 0.1, n_negatives: int = 4, random_state=None, device: str = "auto",
                 verbose: int = 0, grad_clip: float | None = None):
        store_params(self, locals())

    def fit(self, X, y=None, *, user: str = "user", item: str = "item", rating: str | None = None,
            time: str | None = None, item_features=None, user_features=None):
        """As :meth:`BaseRecommender.fit`; ``item_features`` / ``user_features`` (a column name or a
        DataFrame indexed by id) override the parameters of the same names for this fit."""
        sources = {"item": self.item_features if item_features is None else item_features,
                   "user": self.user_features if user_features is None else user_features}
        if sources["item"] is None and sources["user"] is None:
            raise ParameterError("HybridMF needs side features; pass item_features='genres' (a column) or a "
                                 "DataFrame indexed by item id (or user_features for the users)")
        tables = {}
        for what, source in sources.items():
            if source is None:
                continue
            if isinstance(source, str):
                tables[what] = side_feature_table(X, user if what == "user" else item, source, self.feature_sep,
                                                  what)
            elif isinstance(source, pd.DataFrame):
                tables[what] = source
            else:
                raise ParameterError(f"{what}_features must be a column name or a DataFrame indexed by {what} id, "
                                     f"got {type(source).__name__}")
        self._feature_tables = tables
        try:
            return super().fit(X, y, user=user, item=item, rating=rating, time=time)
        finally:
            del self._feature_tables

    def _module_kwargs(self, data):
        kwargs = {}
        self.feature_names_ = self.user_feature_names_ = np.asarray([], dtype=object)
        for what, ids in (("item", data.items), ("user", data.users)):
            if what in self._feature_tables:
                names, matrix = align_side_features(self._feature_tables[what], ids, what)
                if matrix.shape[1] == 0:
                    raise DataError(f"the {what} features hold no tags; check the column and feature_sep")
                setattr(self, "feature_names_" if what == "item" else "user_feature_names_", names)
                kwargs[f"{what}_features"] = torch.tensor(matrix)
        return kwargs

    def _export(self, module) -> None:
        super()._export(module)
        if module.item_features is not None:
            self.feature_factors_ = _numpy(module.feature_factors.weight).T  # (n_features, factors)
            self.feature_bias_ = _numpy(module.feature_bias.weight).ravel()
        if module.user_features is not None:
            self.user_feature_factors_ = _numpy(module.user_feature_factors.weight).T
            self.user_feature_bias_ = _numpy(module.user_feature_bias.weight).ravel()


class NeuMF(_DeepRecommender):
    """Neural matrix factorisation (He et al., 2017, "Neural Collaborative Filtering").

    A GMF tower (element-wise product of user and item vectors, length ``factors``) and an MLP tower
    (separate user and item embeddings of length ``mlp[0] // 2`` each, concatenated, then ReLU
    layers ``mlp[1:]``) are concatenated and fused by one linear layer.

    - Implicit feedback (the paper's setting): ``loss="bce"`` with ``n_negatives`` items (4, as in
      the paper) sampled per positive, fresh each batch; scores are logits, higher ranks first.
    - Explicit ratings: ``loss="mse"``; the output plus the global mean rating is the predicted
      rating (no per-user or per-item bias beyond what the towers learn).

    Parameters
    ----------
    factors : int, default=16
    mlp : tuple of int, default=(64, 32, 16)
    loss : {"auto", "mse", "bce", "bpr"}, default="auto"
        "auto" is "mse" for ratings, "bce" for implicit feedback.
    n_negatives : int, default=4
    lr : float, default=0.001
    weight_decay : float, default=1e-4
        L2 penalty on the embeddings each batch uses (as in :class:`MatrixFactorization`).
    dropout : float, default=0.0
        Dropout after each MLP layer.
    batch_size, max_epochs, lr_schedule, early_stopping, validation_fraction, random_state, device, verbose, grad_clip :
        As in :class:`MatrixFactorization`.
    """

    _implicit_loss = "bce"

    def __init__(self, factors: int = 16, mlp=(64, 32, 16), loss: str = "auto", n_negatives: int = 4,
                 lr: float = 0.001, weight_decay: float = 1e-4, dropout: float = 0.0, batch_size: int = 1024,
                 max_epochs: int = 20, lr_schedule: str = "constant", early_stopping: int | None = 3,
                 validation_fraction: float = 0.1, random_state=None, device: str = "auto", verbose: int = 0,
                 grad_clip: float | None = None):
        store_params(self, locals())

    def _build_module(self, data, n_negatives, positives):
        from deepmine.nn.recommend import NeuMFNet

        mlp = tuple(self.mlp)
        if not mlp or any(isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 2 for m in mlp):
            raise ParameterError(f"mlp must be a tuple of layer widths of at least 2, e.g. (64, 32, 16), got {self.mlp!r}")
        if n_negatives:
            check_positive_int("n_negatives", n_negatives)
        return NeuMFNet(data.n_users, data.n_items, check_positive_int("factors", self.factors), mlp,
                        offset=self.global_mean_, dropout=float(self.dropout), n_negatives=n_negatives,
                        penalty=float(self.weight_decay), positives=positives)

    def _export(self, module) -> None:
        self.weights_ = {k: _numpy(v) for k, v in module.state_dict().items() if k not in ("offset",)}
        self.n_layers_ = sum(1 for m in module.tower if isinstance(m, torch.nn.Linear))

    def _forward(self, pu: np.ndarray, pm: np.ndarray, qg: np.ndarray, qm_proj: np.ndarray) -> np.ndarray:
        """Scores for user rows (gmf ``pu``, mlp ``pm``) against item rows, broadcasting (a, 1) x (1, b)."""
        w = self.weights_
        half = pm.shape[-1]
        h = pm @ w["tower.0.weight"][:, :half].T + qm_proj + w["tower.0.bias"]
        h = np.maximum(h, 0)
        shape = h.shape[:-1]
        h = h.reshape(-1, h.shape[-1])  # one 2-D matrix product per layer: far faster than a batched 3-D one
        for layer in range(1, self.n_layers_):
            # dropout layers shift the indices of the Sequential; find the layer's weights by order
            key = self._linear_keys[layer]
            h = np.maximum(h @ w[f"{key}.weight"].T + w[f"{key}.bias"], 0)
        out_w = w["output.weight"].ravel()
        factors = pu.shape[-1]
        mlp = (h @ out_w[factors:]).reshape(shape)
        return (pu * qg) @ out_w[:factors] + mlp + w["output.bias"][0] + self.global_mean_

    @property
    def _linear_keys(self) -> list[str]:
        return sorted({k.rsplit(".", 1)[0] for k in self.weights_ if k.startswith("tower.")},
                      key=lambda k: int(k.split(".")[1]))

    def _predict_pairs(self, u: np.ndarray, i: np.ndarray) -> np.ndarray:
        w = self.weights_
        half = w["mlp_user.weight"].shape[1]
        out = np.empty(len(u), dtype=np.float64)
        for s in range(0, len(u), 65536):
            ub, ib = u[s: s + 65536], i[s: s + 65536]
            qm_proj = w["mlp_item.weight"][ib] @ w["tower.0.weight"][:, half:].T
            out[s: s + 65536] = self._forward(w["gmf_user.weight"][ub], w["mlp_user.weight"][ub],
                                              w["gmf_item.weight"][ib], qm_proj)
        return out

    def _score(self, u: np.ndarray) -> np.ndarray:
        """Every item's score for users ``u``: the GMF part as one matrix product, the MLP tower on
        (user, item) pairs in torch (its element-wise work runs on every core), users in chunks."""
        import torch

        w = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in self.weights_.items()}
        half = w["mlp_user.weight"].shape[1]
        out_w = w["output.weight"].ravel()
        factors = w["gmf_user.weight"].shape[1]
        layers = [(w[f"{k}.weight"], w[f"{k}.bias"]) for k in self._linear_keys[1: self.n_layers_]]
        with torch.inference_mode():
            qm_proj = w["mlp_item.weight"] @ w["tower.0.weight"][:, half:].T + w["tower.0.bias"]  # (n_items, h1)
            qg = w["gmf_item.weight"]
            n_items = qg.shape[0]
            out = np.empty((len(u), n_items), dtype=np.float64)
            step = max(1, 262_144 // max(n_items, 1))
            for s in range(0, len(u), step):
                ub = torch.from_numpy(np.asarray(u[s: s + step]))
                gmf = (w["gmf_user.weight"][ub] * out_w[:factors]) @ qg.T  # (users, items)
                pm_proj = w["mlp_user.weight"][ub] @ w["tower.0.weight"][:, :half].T
                h = torch.relu(pm_proj[:, None, :] + qm_proj[None, :, :]).reshape(-1, qm_proj.shape[1])
                for weight, bias in layers:
                    h = torch.relu(torch.addmm(bias, h, weight.T))
                mlp = (h @ out_w[factors:]).reshape(len(ub), n_items)
                out[s: s + step] = (gmf + mlp + w["output.bias"][0]).numpy() + self.global_mean_
        return out

    def _item_vectors(self) -> np.ndarray:
        return np.hstack([self.weights_["gmf_item.weight"], self.weights_["mlp_item.weight"]])
