"""Ensembles: greedy ensemble selection with replacement (Caruana et al., ICML 2004), the method behind
AutoGluon's weighted ensemble, over the candidates' predictions on the blend part: a fifth of the training
rows held out of tuning (the winning trial of each model predicts it; no trial was scored on it, so no
model's predictions there are flattered by having been chosen for them). Forecasting is the exception: a
series has too few points for another part, so its ensembles are weighted on the tuning backtest's origins,
where the trials were scored (the leaderboard's origins stay unseen).

Starting from the best single model, each of ``rounds`` steps adds (again, if it helps most) the model whose
addition most improves the blend score of the ensemble's average; a member's weight is the share of steps
that chose it. The selection is bagged (after the paper's section 4.3): 20 selections, each on a bootstrap
sample of the blend rows, their weights averaged, so that a small blend part does not hand the whole
ensemble to the one model that happens to fit it best. Classifiers are averaged by their class
probabilities and selected by log loss (a smooth, proper score: accuracy would leave most steps tied),
regressors by their predictions and RMSE.
The weights, found on the blend part, then average the predictions that the members, fitted on the
whole training part, make for the test part.

What is averaged, and by what it is selected, is the task's (:class:`~deepmine.evaluation.task.Task`'s
``ensemble_output``, ``ensemble_loss`` and ``score_ensemble``): class probabilities by log loss and
predictions by RMSE for tables, text, series and images; predicted ratings by RMSE for a recommender;
anomaly scores, each first turned into its rank among the detector's own training scores (their scales
differ), by ROC-AUC; forecasts (with their intervals) by MASE over the tuning backtest's origins.

Three ensembles join a leaderboard: of all candidates (kind "ensemble"), of the deep ones only (kind
"deep") and of the traditional ones only (kind "traditional"), so that the verdict's best deep and best
traditional rows include them, and the question a user really has gets an answer: does adding the deep
models to an ensemble of traditional ones help?
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

ROUNDS = 25
BAGS = 20


@dataclass
class Member:
    """One fitted candidate: its output on the blend part (what the selection scores: an array with one row
    per blend row) and on the test part (an array, or a mapping of arrays the ensemble averages key by key)."""

    name: str
    kind: str
    valid: Any  # e.g. predictions (regression) or class probabilities (classification)
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

    def combine(self, outputs: dict[str, Any]) -> Any:
        """The weighted average of the members' ``outputs`` (arrays, or mappings of arrays: key by key)."""
        first = outputs[next(iter(self.weights))]
        if isinstance(first, dict):
            return {key: sum(w * np.asarray(outputs[name][key], dtype=float) for name, w in self.weights.items())
                    for key in first}
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
    # in order of their own loss, so that a tie goes to the better single model (argmin keeps the first)
    names = sorted(outputs, key=lambda n: loss(outputs[n]))
    counts = dict.fromkeys(names, 0)
    total = None
    for step in range(rounds):
        scores = [loss(outputs[n] if total is None else (total * step + outputs[n]) / (step + 1)) for n in names]
        pick = names[int(np.argmin(scores))]  # ties: the first, i.e. the better single model
        counts[pick] += 1
        total = outputs[pick] if total is None else (total * step + outputs[pick]) / (step + 1)
    return counts


Loss = Callable[[np.ndarray], float]  # a loss_on(rows) may return None instead: no loss on those rows


def log_loss_on(y, classes) -> Callable[[np.ndarray], Loss]:
    """``loss_on(rows)`` for class probabilities (columns in the order of ``classes``): their log loss."""
    from sklearn.metrics import log_loss

    y = np.asarray(y)

    def loss_on(rows):
        yy = y[rows]

        def loss(output):
            clipped = np.clip(output, 1e-7, 1.0)
            return log_loss(yy, clipped / clipped.sum(axis=1, keepdims=True), labels=classes)

        return loss

    return loss_on


def rmse_on(y) -> Callable[[np.ndarray], Loss]:
    """``loss_on(rows)`` for predicted numbers: their root mean squared error."""
    y = np.asarray(y, dtype=float)

    def loss_on(rows):
        yy = y[rows]
        return lambda output: float(np.sqrt(np.mean((yy - output) ** 2)))

    return loss_on


def select(valid: dict[str, np.ndarray], loss_on: Callable[[np.ndarray], Loss], n_rows: int, rounds: int = ROUNDS,
           bags: int = BAGS, seed: int = 0) -> dict[str, float]:
    """The weights (summing to 1) of the models in ``valid``: bagged greedy selection with replacement.

    ``valid[name]`` has one row per blend row (``n_rows``); ``loss_on(rows)`` is the loss (lower is better)
    of an output restricted to those rows, or None where those rows cannot score one (a bag of normal rows
    only, for ROC-AUC): that bag is left out, and with no bag left every model gets the same weight. Each of
    ``bags`` selections runs on a bootstrap sample of the rows and the weights are averaged: one selection on a small part hands every step to whichever model
    happens to fit those rows best, while the bags see what holds across them (after Caruana et al. 2004,
    section 4.3, who bag over models; with the few models of one comparison, leaving half of them out of
    each bag would hand the weight to the weak ones, so the rows are bagged instead). ``bags=1``: one
    plain selection."""
    outputs = {n: np.asarray(v, dtype=float) for n, v in valid.items()}
    even = {n: 1 / len(outputs) for n in outputs}
    if bags <= 1:
        loss = loss_on(np.arange(n_rows))
        if loss is None:
            return even
        counts = _greedy(outputs, loss, rounds)
        return {n: c / rounds for n, c in counts.items() if c}
    rng = np.random.default_rng(seed)
    weights = dict.fromkeys(outputs, 0.0)
    for _ in range(bags):
        rows = rng.integers(0, n_rows, n_rows)
        loss = loss_on(rows)
        if loss is None:
            continue
        sample = {n: v[rows] for n, v in outputs.items()}
        for name, count in _greedy(sample, loss, rounds).items():
            weights[name] += count
    total = sum(weights.values())
    if total == 0:
        return even
    return {n: w / total for n, w in weights.items() if w > 0}


def build_ensembles(members: list[Member], loss_on: Callable[[np.ndarray], Loss], n_rows: int,
                    classes=None, seed: int = 0) -> list[Ensemble]:
    """The ensembles of all members, of the deep ones and of the traditional ones (each needing two or more
    members, and the all-member one both kinds), selected by ``loss_on`` over the ``n_rows`` blend rows."""
    groups = [("ensemble_all", "ensemble", members),
              ("ensemble_deep", "deep", [m for m in members if m.kind == "deep"]),
              ("ensemble_traditional", "traditional", [m for m in members if m.kind == "traditional"])]
    out = []
    for name, kind, group in groups:
        if len(group) < 2 or (kind == "ensemble" and len({m.kind for m in group}) < 2):
            continue
        weights = select({m.name: m.valid for m in group}, loss_on, n_rows, seed=seed)
        out.append(Ensemble(name, kind, weights, None if classes is None else np.asarray(classes)))
    return out


__all__ = ["BAGS", "Ensemble", "Member", "ROUNDS", "aligned_proba", "build_ensembles", "log_loss_on", "rmse_on",
           "select"]
