"""Torch modules for recommendation: matrix factorisation (with optional item side features) and NeuMF.

Every module scores (user, item) rows of an int64 tensor ``x``:

- ``x`` of shape (n, 2): one score per row, shape (n,);
- ``x`` of shape (n, 2 + k): columns 2.. are given negative items; the output is (n, 1 + k), the
  positive's score first (used for a fixed validation set);
- in training mode with ``n_negatives > 0`` and ``x`` of shape (n, 2), ``n_negatives`` negatives per
  row are drawn uniformly from the catalogue with torch's generator, so every batch sees fresh ones;
  a draw that hits a known positive of the user is redrawn (twice; what is left is rare and harmless).

In training mode with ``penalty > 0`` the output is a tuple ``(scores, penalty_term)``: the L2 norm of
the embeddings *used by the batch*, times ``penalty``, averaged over the batch's rows. Penalising only
the rows a batch touches is the classic SGD matrix-factorisation regulariser; optimiser weight decay
would shrink every user's and item's vector at every step, including the ones the batch never saw.
:class:`RecommendLoss` adds the term to the loss; in evaluation mode the output is the scores alone,
so the validation loss is the plain MSE / BPR / BCE.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class PairScorer(nn.Module):
    """The base: negative sampling and the penalty; a subclass writes ``score(u, i) -> (scores, sq_norms)``."""

    def __init__(self, n_users: int, n_items: int, n_negatives: int = 0, penalty: float = 0.0,
                 positives: torch.Tensor | None = None):
        super().__init__()
        self.n_users, self.n_items = int(n_users), int(n_items)
        self.n_negatives, self.penalty = int(n_negatives), float(penalty)
        # sorted keys user * n_items + item of the known positives, to redraw negatives that hit one
        keys = torch.zeros(0, dtype=torch.int64) if positives is None else torch.sort(positives)[0]
        self.register_buffer("positive_keys", keys, persistent=False)

    def score(self, u: torch.Tensor, i: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # pragma: no cover
        raise NotImplementedError

    def sample_negatives(self, u: torch.Tensor, k: int) -> torch.Tensor:
        j = torch.randint(0, self.n_items, (len(u), k), device=u.device)
        keys_sorted = self.positive_keys
        if len(keys_sorted):
            for _ in range(2):
                keys = u[:, None] * self.n_items + j
                pos = torch.searchsorted(keys_sorted, keys).clamp_(max=len(keys_sorted) - 1)
                hit = keys_sorted[pos] == keys
                j = torch.where(hit, torch.randint(0, self.n_items, j.shape, device=u.device), j)
        return j

    def forward(self, x: torch.Tensor):
        u, i = x[:, 0], x[:, 1]
        negatives = None
        if x.shape[1] > 2:
            negatives = x[:, 2:]
        elif self.training and self.n_negatives:
            negatives = self.sample_negatives(u, self.n_negatives)
        if negatives is None:
            out, sq = self.score(u, i)
        else:
            items = torch.cat([i[:, None], negatives], 1)
            out, sq = self.score(u[:, None].expand_as(items).reshape(-1), items.reshape(-1))
            out = out.view(items.shape)
        if self.training and self.penalty:
            return out, self.penalty * sq.sum() / len(x)
        return out


class MatrixFactorizationNet(PairScorer):
    """mu + b_u + b_i + p_u . q_i; with ``item_features`` (n_items, f) the item's vector and bias gain
    a linear map of its features, q_i + W^T f_i and b_i + w^T f_i, and likewise with ``user_features``
    (n_users, g) for the user's (a hybrid model)."""

    def __init__(self, n_users: int, n_items: int, factors: int = 64, global_mean: float = 0.0,
                 item_features: torch.Tensor | None = None, user_features: torch.Tensor | None = None,
                 init_std: float = 0.05, **kwargs):
        super().__init__(n_users, n_items, **kwargs)
        self.user_factors = nn.Embedding(n_users, factors)
        self.item_factors = nn.Embedding(n_items, factors)
        self.user_bias = nn.Embedding(n_users, 1)
        self.item_bias = nn.Embedding(n_items, 1)
        for emb in (self.user_factors, self.item_factors):
            nn.init.normal_(emb.weight, std=init_std)
        for emb in (self.user_bias, self.item_bias):
            nn.init.zeros_(emb.weight)
        self.register_buffer("global_mean", torch.tensor(float(global_mean)))
        for side, features in (("item", item_features), ("user", user_features)):
            prefix = "" if side == "item" else "user_"  # item maps keep their first names (feature_factors)
            if features is None:
                setattr(self, f"{side}_features", None)
                continue
            self.register_buffer(f"{side}_features", features.float(), persistent=False)
            factor_map = nn.Linear(features.shape[1], factors, bias=False)
            bias_map = nn.Linear(features.shape[1], 1, bias=False)
            nn.init.normal_(factor_map.weight, std=init_std)
            nn.init.zeros_(bias_map.weight)
            setattr(self, f"{prefix}feature_factors", factor_map)
            setattr(self, f"{prefix}feature_bias", bias_map)

    def item_vectors(self, i: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        q, b = self.item_factors(i), self.item_bias(i).squeeze(-1)
        if self.item_features is not None:
            f = self.item_features[i]
            q = q + self.feature_factors(f)
            b = b + self.feature_bias(f).squeeze(-1)
        return q, b

    def user_vectors(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        p, b = self.user_factors(u), self.user_bias(u).squeeze(-1)
        if self.user_features is not None:
            g = self.user_features[u]
            p = p + self.user_feature_factors(g)
            b = b + self.user_feature_bias(g).squeeze(-1)
        return p, b

    def score(self, u, i):
        p, bu = self.user_vectors(u)
        q, bi = self.item_vectors(i)
        out = self.global_mean + bu + bi + (p * q).sum(-1)
        sq = (p * p).sum(-1) + (q * q).sum(-1) + bu * bu + bi * bi
        return out, sq


class NeuMFNet(PairScorer):
    """Neural matrix factorisation (He et al., 2017): a GMF tower (p_u * q_i) beside an MLP on the
    concatenated [p_u; q_i] of separate embeddings, fused by one linear layer; plus ``offset``
    (the global mean for ratings, 0 for implicit logits)."""

    def __init__(self, n_users: int, n_items: int, factors: int = 16, mlp=(64, 32, 16), offset: float = 0.0,
                 dropout: float = 0.0, init_std: float = 0.01, **kwargs):
        super().__init__(n_users, n_items, **kwargs)
        mlp = tuple(int(m) for m in mlp)
        half = max(1, mlp[0] // 2)
        self.gmf_user, self.gmf_item = nn.Embedding(n_users, factors), nn.Embedding(n_items, factors)
        self.mlp_user, self.mlp_item = nn.Embedding(n_users, half), nn.Embedding(n_items, half)
        for emb in (self.gmf_user, self.gmf_item, self.mlp_user, self.mlp_item):
            nn.init.normal_(emb.weight, std=init_std)
        layers, width = [], 2 * half
        for h in mlp[1:]:
            layers += [nn.Linear(width, h), nn.ReLU()] + ([nn.Dropout(dropout)] if dropout else [])
            width = h
        self.tower = nn.Sequential(*layers)
        self.output = nn.Linear(factors + width, 1)
        self.register_buffer("offset", torch.tensor(float(offset)))

    def score(self, u, i):
        pg, qg, pm, qm = self.gmf_user(u), self.gmf_item(i), self.mlp_user(u), self.mlp_item(i)
        h = torch.cat([pg * qg, self.tower(torch.cat([pm, qm], -1))], -1)
        out = self.output(h).squeeze(-1) + self.offset
        sq = (pg * pg).sum(-1) + (qg * qg).sum(-1) + (pm * pm).sum(-1) + (qm * qm).sum(-1)
        return out, sq


class RecommendLoss(nn.Module):
    """``"mse"`` on ratings, ``"bpr"`` (-log sigmoid(s_pos - s_neg)) or ``"bce"`` (positive = 1, sampled
    negatives = 0, on logits) on (n, 1 + k) outputs; adds the module's penalty when it returns one."""

    def __init__(self, kind: str = "mse"):
        super().__init__()
        self.kind = kind

    def forward(self, output, target):
        penalty = 0.0
        if isinstance(output, tuple):
            output, penalty = output
        if self.kind == "mse":
            loss = F.mse_loss(output.reshape(target.shape), target)
        elif self.kind == "bpr":
            loss = -F.logsigmoid(output[:, :1] - output[:, 1:]).mean()
        else:
            labels = torch.zeros_like(output)
            labels[:, 0] = 1.0
            loss = F.binary_cross_entropy_with_logits(output, labels)
        return loss + penalty
