"""Ensembles: greedy ensemble selection with replacement (Caruana et al., ICML 2004), the method behind
AutoGluon's weighted ensemble, over the candidates' predictions on the blend part: a fifth of the training
rows held out of tuning (the winning trial of each model predicts it; no trial was scored on it, so no
model's predictions there are flattered by having been chosen for them).

Starting from the best single model, each of ``rounds`` steps adds (again, if it helps most) the model whose
addition most improves the blend score of the ensemble's average; a member's weight is the share of steps
that chose it. The selection is bagged (after the paper's section 4.3): 20 selections, each on a bootstrap
sample of the blend rows, their weights averaged, so that a small blend part does not hand the whole
ensemble to the one model that happens to fit it best. Classifiers are averaged by their class
probabilities and selected by log loss (a smooth, proper score: accuracy would leave most steps tied),
regressors by their predictions and RMSE.
The weights, found on the blend part, then average the predictions that the members, fitted on the
whole training part, make for the test part.

Three ensembles join a leaderboard: of all candidates (kind "ensemble"), of the deep ones only (kind
"deep") and of the traditional ones only (kind "traditional"), so that the verdict's best deep and best
traditional rows include them, and the question a user really has gets an answer: does adding the deep
models to an ensemble of traditional ones help?
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import log_loss, mean_squared_error

ROUNDS = 25
BAGS = 20


@dataclass
class Member:
    """One fitted candidate: its predictions on the blend part and on the test part."""

    name: str
    kind: str
    valid: Any  # predictions (regression) or class probabilities (classification)
    test: Any
    fit_s: float
    predict_s: float


@dataclass
class Ensemble:
    """A weighted average of members; ``weights`` by member name (summing to 1)."""

    name: str
    kind: str
    weights: dict[str, float]
    classes: np.ndarray | None = None

    @property
    def classes_(self):
        return self.classes

    def combine(self, outputs: dict[str, np.ndarray]) -> np.ndarray:
        return sum(w * np.asarray(outputs[name], dtype=float) for name, w in self.weights.items())


def aligned_proba(proba, classes, to) -> np.ndarray:
    """``proba`` (columns in the order of ``classes``) with its columns in the order of ``to``; a class the
    model never saw gets 0."""
    proba = np.asarray(proba, dtype=float)
    index = {c: i for i, c in enumerate(np.asarray(classes).tolist())}
    out = np.zeros((len(proba), len(to)))
    for j, c in enumerate(np.asarray(to).tolist()):
        if c in index:
            out[:, j] = proba[:, index[c]]
    return out


def _greedy(outputs: dict[str, np.ndarray], loss, rounds: int) -> dict[str, int]:
    """Greedy selection with replacement: how often each model was chosen in ``rounds`` steps."""
    names = list(outputs)
    counts = dict.fromkeys(names, 0)
    total = None
    for step in range(rounds):
        scores = [loss(outputs[n] if total is None else (total * step + outputs[n]) / (step + 1)) for n in names]
        pick = names[int(np.argmin(scores))]  # ties: the first, i.e. the better single model
        counts[pick] += 1
        total = outputs[pick] if total is None else (total * step + outputs[pick]) / (step + 1)
    return counts


def select(valid: dict[str, np.ndarray], y, classifies: bool, classes=None, rounds: int = ROUNDS,
           bags: int = BAGS, seed: int = 0) -> dict[str, float]:
    """The weights (summing to 1) of the models in ``valid``: bagged greedy selection with replacement.

    Each of ``bags`` selections runs on a bootstrap sample of the rows of ``valid`` and the weights are
    averaged: one selection on a small part hands every step to whichever model happens to fit
    those rows best, while the bags see what holds across them (after Caruana et al. 2004, section 4.3, who
    bag over models; with the few models of one comparison, leaving half of them out of each bag would
    hand the weight to the weak ones, so the rows are bagged instead). ``bags=1``: one plain selection."""
    y = np.asarray(y)
    outputs = {n: np.asarray(v, dtype=float) for n, v in valid.items()}

    def loss_on(rows):
        yy = y[rows]

        def loss(output):
            if classifies:
                clipped = np.clip(output, 1e-7, 1.0)
                return log_loss(yy, clipped / clipped.sum(axis=1, keepdims=True), labels=classes)
            return float(np.sqrt(mean_squared_error(yy.astype(float), output)))

        return loss

    if bags <= 1:
        counts = _greedy(outputs, loss_on(np.arange(len(y))), rounds)
        return {n: c / rounds for n, c in counts.items() if c}
    rng = np.random.default_rng(seed)
    weights = dict.fromkeys(outputs, 0.0)
    for _ in range(bags):
        rows = rng.integers(0, len(y), len(y))
        sample = {n: v[rows] for n, v in outputs.items()}
        for name, count in _greedy(sample, loss_on(rows), rounds).items():
            weights[name] += count
    total = sum(weights.values())
    return {n: w / total for n, w in weights.items() if w > 0}


def build_ensembles(members: list[Member], y_valid, classifies: bool, classes=None, seed: int = 0) -> list[Ensemble]:
    """The ensembles of all members, of the deep ones and of the traditional ones (each needing two or more
    members, and the all-member one both kinds)."""
    groups = [("ensemble_all", "ensemble", members),
              ("ensemble_deep", "deep", [m for m in members if m.kind == "deep"]),
              ("ensemble_traditional", "traditional", [m for m in members if m.kind == "traditional"])]
    out = []
    for name, kind, group in groups:
        if len(group) < 2 or (kind == "ensemble" and len({m.kind for m in group}) < 2):
            continue
        weights = select({m.name: m.valid for m in group}, y_valid, classifies, classes, seed=seed)
        out.append(Ensemble(name, kind, weights, None if classes is None else np.asarray(classes)))
    return out


__all__ = ["BAGS", "Ensemble", "Member", "ROUNDS", "aligned_proba", "build_ensembles", "select"]
