"""The one loop every comparison runs through: for each candidate, build, (tune,) fit, predict, score and time it.

Whatever the task, its :class:`~deepmine.evaluation.task.Task` says how to read and split the data
(once) and how to fit, predict and score one candidate; this loop adds what is the same for all of
them: the progress line, each model's checkpoint folder (named after it), the seconds to fit and to
predict, the notices set aside while models train, tuning under a budget
(:mod:`~deepmine.evaluation.tuning`), the ensembles (:mod:`~deepmine.evaluation.ensembles`) and the
:class:`Leaderboard` at the end.
"""

from __future__ import annotations

import tempfile
import time
import uuid
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import numpy as np
import pandas as pd

from deepmine.errors import DataWarning, DeepmineError, ParameterError
from deepmine.evaluation.ensembles import Member, build_ensembles
from deepmine.evaluation.fitting import history_of
from deepmine.evaluation.leaderboard import Leaderboard, sort_frame
from deepmine.evaluation.task import Fitting, Prepared, Task
from deepmine.evaluation.tuning import Budget, Sharing, apply, parse_budget, trials_frame, tune
from deepmine.training.callbacks import time_limit
from deepmine.training.checkpoints import checkpoint_scope

BLEND = 0.2  # the share of the training rows that weights the ensembles


def run(task: Task, prepared: Prepared, models=None, random_state: int = 0,
        options: Mapping[str, Any] | None = None, progress: Callable[[str], None] | None = None,
        budget=None, ensemble: bool | None = None, workers: int = 1, storage: str | None = None,
        study: str | None = None) -> Leaderboard:
    """Fit every selected candidate of ``task`` on ``prepared`` and rank them on its held-out part.

    ``budget`` (trials per model, or a time such as "10m") tunes each candidate that declares a search
    space on an inner validation part of the training rows first; ``ensemble`` (by default: when there
    is a budget) adds the three ensembles of :mod:`~deepmine.evaluation.ensembles`, weighted on another
    part of the training rows that no trial was scored on (a forecaster's: on the tuning backtest).
    ``workers`` processes run each candidate's trials over one shared Optuna ``storage`` (a database URL; a
    journal file in a temporary folder by default), whose studies are named after ``study`` (give the same
    name and storage on several machines to share the trials; see :class:`~deepmine.evaluation.tuning.Sharing`).
    """
    options = dict(options or {})
    budget = parse_budget(budget)
    asked = ensemble
    ensemble = (not budget.empty) if ensemble is None else bool(ensemble)
    if ensemble and not task.ensembles(prepared):
        if asked:
            raise ParameterError(f"{task.name} has no predictions to average into ensembles on this data "
                                 f"(they average class probabilities, predictions, ratings, anomaly scores and "
                                 f"forecasts); leave out ensemble (--no-ensemble)")
        ensemble = False
    candidates = task.select(models)
    # with ensembles a fifth of the training rows weights them, held out of the trials (see tuning.py)
    inner = (task.inner(prepared, random_state, blend_size=BLEND if ensemble else 0.0)
             if (not budget.empty or ensemble) else None)
    with _sharing(budget, workers, storage, study) as sharing:
        return _run(task, prepared, candidates, inner, random_state, options, progress, budget, ensemble, sharing)


@contextmanager
def _sharing(budget: Budget, workers, storage, study) -> Iterator[Sharing | None]:
    """How the trials are shared: None (in this process), or the workers and storage (a temporary journal file
    when none is given, removed afterwards)."""
    workers = 1 if workers is None else workers
    if not isinstance(workers, (int, np.integer)) or isinstance(workers, bool) or workers < 1:
        raise ParameterError(f"workers must be a whole number of processes, 1 or more, got {workers!r}")
    if budget.empty and (storage is not None or study is not None or workers > 1):
        raise ParameterError("workers, storage and study share tuning trials; give a budget (--budget) too")
    if budget.empty or (workers == 1 and storage is None):
        yield None
        return
    name = study or f"deepmine-{uuid.uuid4().hex[:12]}"
    if storage is not None:
        yield Sharing(int(workers), str(storage), name)
        return
    with tempfile.TemporaryDirectory(prefix="deepmine-trials-") as folder:
        yield Sharing(int(workers), str(Path(folder) / "trials.journal"), name)


def _run(task, prepared, candidates, inner, random_state, options, progress, budget, ensemble, sharing):
    tunable_left = sum(1 for c in candidates if c.space)
    started = time.perf_counter()
    rows, fitted, histories, predictions, probabilities, artefacts = [], {}, {}, {}, {}, {}
    resampled = {}  # per-row outputs a task keeps beside predictions of another shape (Fitting.extra["resample"])
    trials, tuned_values, members, cut = [], {}, [], {}
    classes = _classes(task, prepared) if ensemble else None
    for cand in candidates:
        model = task.build(cand, prepared, random_state, options)
        if model is None:
            continue
        fitting = Fitting(cand, model, {"model": cand.name, "kind": cand.kind},
                          remake=lambda c=cand: task.build(c, prepared, random_state, options))
        with checkpoint_scope(cand.name):  # names this model's training checkpoints, when they are on
            tuned, share, cand_start = None, None, time.perf_counter()
            spent = budget.seconds is not None and time.perf_counter() - started >= budget.seconds
            if spent and cand.space:
                tunable_left -= 1
            # a model reached once a wall-clock budget is spent is fitted once, at its defaults, outside the ensembles
            if inner is not None and (cand.space or ensemble) and not spent:
                if budget.seconds is not None and cand.space:
                    share = max(budget.seconds - (time.perf_counter() - started), 0.0) / max(tunable_left, 1)
                    tunable_left -= 1
                tuned = tune(task, fitting, prepared, inner, budget, share, random_state, options, progress,
                             sharing, keep_predictions=ensemble)
                trials.extend(tuned.trials)
                if tuned.values:
                    tuned_values[cand.name] = tuned.values
                    values = dict(tuned.values)
                    fitting.model = apply(task.build(cand, prepared, random_state, options), values)
                    fitting.remake = lambda c=cand, v=values: apply(task.build(c, prepared, random_state, options), v)
                if not budget.empty:
                    fitting.row.update(trials=len(tuned.trials), tune_s=tuned.seconds)
            if progress:
                progress(task.describe(fitting, prepared))
            fitting.row.update(task.cross_validate(fitting, prepared, random_state))
            with warnings.catch_warnings(), time_limit(_final_fit_limit(budget, spent, share, cand_start,
                                                                        len(candidates))) as limit:
                warnings.simplefilter("ignore", DataWarning)
                start = time.perf_counter()
                task.fit(fitting, prepared)
                fit_s = time.perf_counter() - start
                start = time.perf_counter()
                task.predict(fitting, prepared)
                predict_s = time.perf_counter() - start
                fitting.row.update(task.evaluate(fitting, prepared))
        if limit.stopped:  # the time budget cut its final fit short (after these epochs)
            cut[cand.name] = limit.stopped
        if fitting.keep:  # a model that could not be fitted (a rating-only recommender ranking) has no seconds
            fitting.row.setdefault("fit_s", fit_s)
            if "predict_s" in task.TIMINGS:
                fitting.row.setdefault("predict_s", predict_s)
        rows.append(fitting.row)
        for key, value in fitting.artefacts.items():
            artefacts.setdefault(key, {})[cand.name] = value
        if fitting.extra.get("resample") is not None:
            resampled[cand.name] = fitting.extra["resample"]
        # a member needs only its outputs: a rating-only recommender (not kept, as it ranks nothing) still averages
        if ensemble and tuned is not None and tuned.blend is not None:
            member = _member(task, cand, tuned, fitting, classes)
            if member is not None:
                members.append(member)
        if not fitting.keep:
            continue
        fitted[cand.name], predictions[cand.name] = fitting.model, fitting.prediction
        if fitting.proba is not None:
            probabilities[cand.name] = np.asarray(fitting.proba)
        history = history_of(fitting.model)
        if history is not None:
            histories[cand.name] = history
    if not rows:
        raise DeepmineError(f"no model of {task.name} could be fitted on this data; see the notices above")
    if ensemble and len(members) >= 2:
        ensembles = _ensemble_rows(task, prepared, inner, members, rows, predictions, probabilities, artefacts,
                                   resampled, classes, random_state)
    else:
        ensembles = []
    info = {**prepared.info, "random_state": random_state, "options": options, **artefacts}
    # what each deep model trained in, "auto" resolved for this machine (float32, bf16 or fp16): metrics.json has it
    precision = {name: model.training_precision_ for name, model in fitted.items()
                 if isinstance(getattr(model, "training_precision_", None), str)}
    if precision:
        info["precision"] = precision
    if not budget.empty:
        info.update(budget=str(budget), tuned=tuned_values, trials=trials_frame(trials),
                    tuning_rows=inner.info["train_rows"], valid_rows=inner.info["valid_rows"])
    if cut:
        info["time_limited"] = cut  # model -> the epochs after which the budget stopped its final fit(s)
    if inner is not None and "blend_rows" in inner.info:
        info["blend_rows"] = inner.info["blend_rows"]
    if ensembles:
        info["ensembles"] = {e.name: {"kind": e.kind, "weights": e.weights,
                                      **({"classes": e.classes.tolist()} if e.classes is not None else {})}
                             for e in ensembles}
    frame = pd.DataFrame(rows)
    frame = frame[task.columns(list(frame.columns))]
    if prepared.primary is not None:
        frame = sort_frame(frame, prepared.primary)
    resample = ({"truth": prepared.extra["resample_truth"], "outputs": resampled}
                if resampled and prepared.extra.get("resample_truth") is not None else {})
    return Leaderboard(task.name, prepared.primary, frame, fitted, histories, info, prepared.y_test, predictions,
                       data=prepared.shown, probabilities=probabilities, graph=prepared.graph, resample=resample)


FINAL_FIT_FLOOR = 0.25  # of a candidate's share: the least time its final fit gets under a wall-clock budget


def _final_fit_limit(budget: Budget, spent: bool, share: float | None, cand_start: float,
                     n_candidates: int) -> float | None:
    """The seconds a candidate's final fit may train under a wall-clock budget (None: no limit): what is left
    of its share, or a quarter of the share if that is more; an even share of the budget for a model reached
    once the budget was spent; no limit without a wall-clock budget or for a model with nothing to tune."""
    if budget.seconds is None:
        return None
    if spent:
        return budget.seconds / max(n_candidates, 1)
    if share is None:
        return None
    return max(share - (time.perf_counter() - cand_start), FINAL_FIT_FLOOR * share)


def _classes(task: Task, prepared: Prepared) -> np.ndarray | None:
    """The classes of the whole training part, sorted: the columns of every ensemble member's probabilities (a
    class missing from one model's training rows gets 0 there)."""
    if not task.classifies:
        return None
    return np.sort(pd.unique(pd.Series(np.asarray(prepared.y_train))))


def _member(task: Task, cand, tuned, fitting: Fitting, classes) -> Member | None:
    """A fitted candidate as an ensemble member: its blend output (from its best trial) and test output; None
    when the task cannot average its predictions (a classifier without probabilities)."""
    valid, test = task.ensemble_output(tuned.blend, classes), task.ensemble_output(fitting, classes)
    if valid is None or test is None:
        return None
    return Member(cand.name, cand.kind, np.asarray(task.selected_part(valid), dtype=float), test,
                  float(fitting.row.get("fit_s", 0.0)), float(fitting.row.get("predict_s", 0.0)))


def _ensemble_rows(task, prepared, inner, members, rows, predictions, probabilities, artefacts, resampled,
                   classes, random_state=0):
    """The ensembles' leaderboard rows (scored on the test part like every model), their predictions too."""
    truth = task.blend_truth(inner)
    ensembles = build_ensembles(members, task.ensemble_loss(truth, classes), len(members[0].valid), classes,
                                seed=random_state)
    by_name = {m.name: m for m in members}
    for ens in ensembles:
        fitting = task.score_ensemble(ens, ens.combine({n: by_name[n].test for n in ens.weights}), prepared,
                                      classes, predictions)
        if fitting.proba is not None:
            probabilities[ens.name] = fitting.proba
        if fitting.prediction is not None:
            predictions[ens.name] = fitting.prediction
        for key, value in fitting.artefacts.items():
            artefacts.setdefault(key, {})[ens.name] = value
        if fitting.extra.get("resample") is not None:
            resampled[ens.name] = fitting.extra["resample"]
        timings = {t: sum(float(getattr(by_name[n], t, 0.0)) for n in ens.weights) for t in ("fit_s", "predict_s")
                   if t in task.TIMINGS}
        rows.append({"model": ens.name, "kind": ens.kind, **fitting.row, **timings})
    return ensembles


__all__ = ["Budget", "run"]
