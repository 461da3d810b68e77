"""Tuning under a budget: Optuna's seeded TPE sampler picks each candidate's parameters from the search
space it declares, every trial scored on an inner validation part of the training rows (never the test part).

The budget is a number of trials per candidate (``budget=50``) or a wall-clock time for the whole
comparison (``budget="10m"``, ``"90s"``, ``"1h"``):

- trial 0 of every candidate is its default setting, so a tuned model is never worse on the inner
  validation part than the default one; the sampler's trials follow;
- a budget in trials gives the same trials, and so the same leaderboard, on every run with the same
  seed (the sampler is seeded; each trial's model takes the comparison's seed);
- a wall-clock budget is shared evenly by the candidates that have a search space, in the order they
  are fitted, each candidate's unused time passing to the next and each keeping back the time its final
  fit will take (its default trial's seconds, scaled by the rows of the whole training part). It gives up
  repeatability (how many trials fit in the time depends on the machine and its load) and stops a
  candidate after the trial that crosses its share; a network's training (in a trial or the final fit)
  stops after the epoch that crosses the time left to it (:func:`~deepmine.training.callbacks.time_limit`:
  the default trial by half the share, the others by the share's end, the final fit by the share's end or
  a quarter of the share from its start, whichever is later), keeping its best epoch, so a slow network
  is cut short rather than overrunning (models not trained by epochs, such as trees, are not cut);
  a model reached once the time is spent is fitted once at its defaults, within an even share of the
  budget, and joins no ensemble;
- candidates without a search space (a majority-class baseline, ridge's own cross-validated alpha)
  are fitted once, as without a budget.

The winning parameters are fitted on the whole training part and scored on the test part by the
comparison's loop, like any other model. :class:`Tuned` keeps every trial (for ``trials.csv``) and the
winning trial's predictions on the blend part: with ensembles, a fifth of the training rows is held out of
the trials altogether (they fit on three fifths and are scored on one), and the ensembles are weighted on
it, where no model was chosen for doing well.
"""

from __future__ import annotations

import math
import re
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from deepmine.errors import DataWarning, DeepmineError, ParameterError
from deepmine.evaluation.fitting import set_matching_params
from deepmine.evaluation.metrics import greater_is_better
from deepmine.evaluation.task import Fitting, Prepared, Task
from deepmine.training.callbacks import time_limit

DEFAULT_TRIAL_SHARE = 0.5  # under a wall-clock share, the default trial's networks stop by half of it
_TIME = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h)\s*$", re.IGNORECASE)
_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}


@dataclass(frozen=True)
class Budget:
    """``trials`` per candidate, or ``seconds`` for the whole comparison (one of the two)."""

    trials: int | None = None
    seconds: float | None = None

    @property
    def empty(self) -> bool:
        return not self.trials and not self.seconds

    def __str__(self) -> str:
        return f"{self.trials} trials per model" if self.trials else f"{self.seconds:g} s in all"


def parse_budget(budget) -> Budget:
    """``50`` or ``"50"``: trials per candidate; ``"90s"``, ``"10m"``, ``"1h"``: a wall-clock time; None or 0: none."""
    if budget is None or budget is False:
        return Budget()
    if isinstance(budget, Budget):
        return budget
    if isinstance(budget, (int, np.integer)) and not isinstance(budget, bool) and budget >= 0:
        return Budget(trials=int(budget))
    if isinstance(budget, str):
        text = budget.strip()
        if text.isdigit():
            return Budget(trials=int(text))
        match = _TIME.match(text)
        if match and float(match.group(1)) > 0:
            return Budget(seconds=float(match.group(1)) * _SECONDS[match.group(2).lower()])
    raise ParameterError(f"budget takes a number of trials per model (50) or a time for the whole comparison "
                         f"('90s', '10m', '1h'), got {budget!r}")


# -- search spaces ----------------------------------------------------------------------------------------
# A space maps a parameter name to one of:
#   ("float", low, high)  ("log", low, high)  ("int", low, high)  ("log_int", low, high)  ("choice", [values])
#   ("layers", (min_width, max_width), (min_depth, max_depth)): a tuple of equal hidden widths
# A name "a.b" sets key b of the dict parameter a (a booster's library ``params``). Each parameter is set on
# every parameter of the model with that name (a pipeline's steps included), as ``options`` are.

def suggest(trial, space: Mapping[str, tuple]) -> dict[str, Any]:
    """One trial's values for ``space`` (what trials.csv records)."""
    values = {}
    for name, spec in space.items():
        kind = spec[0]
        if kind == "float":
            values[name] = trial.suggest_float(name, spec[1], spec[2])
        elif kind == "log":
            values[name] = trial.suggest_float(name, spec[1], spec[2], log=True)
        elif kind == "int":
            values[name] = trial.suggest_int(name, spec[1], spec[2])
        elif kind == "log_int":
            values[name] = trial.suggest_int(name, spec[1], spec[2], log=True)
        elif kind == "choice":
            options = list(spec[1])
            index = trial.suggest_categorical(name, list(range(len(options))))
            values[name] = options[index]
        elif kind == "layers":
            width = trial.suggest_int(f"{name}.width", spec[1][0], spec[1][1], log=True)
            depth = trial.suggest_int(f"{name}.depth", spec[2][0], spec[2][1])
            values[name] = (width,) * depth
        else:
            raise ParameterError(f"unknown search-space entry {kind!r} for {name}")
    return values


def apply(model, values: Mapping[str, Any]):
    """Set a trial's ``values`` on ``model``: plain names as options are, "a.b" into the dict parameter a."""
    plain = {k: v for k, v in values.items() if "." not in k}
    nested: dict[str, dict] = {}
    for key, value in values.items():
        if "." in key:
            outer, inner = key.split(".", 1)
            nested.setdefault(outer, {})[inner] = value
    for outer, inner in nested.items():
        params = model.get_params()
        for name in [k for k in params if k == outer or k.endswith(f"__{outer}")]:
            model.set_params(**{name: {**dict(params[name] or {}), **inner}})
    return set_matching_params(model, plain)


# -- one candidate's study ---------------------------------------------------------------------------------
@dataclass
class Tuned:
    """What tuning one candidate found: the winning values ({} when the default won), every trial, and the
    winning trial (its model and predictions) on the part held out to weight the ensembles."""

    values: dict
    trials: list[dict] = field(default_factory=list)
    blend: Fitting | None = None  # the winning trial's model and predictions on the blend part
    seconds: float = 0.0


@dataclass(frozen=True)
class Sharing:
    """Where the trials live when several processes (``workers``) or machines run them: ``storage`` is a
    database URL (``postgresql+psycopg://user@host/db``, ``sqlite:///trials.db``) or a journal file's path
    (a local file, the default for several workers on one machine); each candidate's study is named
    ``"<study>-<model>"``, so the same ``study`` on several machines joins the same studies."""

    workers: int = 1
    storage: str | None = None
    study: str = "deepmine"


def open_storage(spec: str):
    """An Optuna storage: a database URL (with "://"), else a journal file at that path."""
    import optuna

    if "://" in spec:
        return optuna.storages.RDBStorage(spec, engine_kwargs={"pool_pre_ping": True})
    from optuna.storages.journal import JournalFileBackend

    return optuna.storages.JournalStorage(JournalFileBackend(spec))


def tune(task: Task, fitting: Fitting, prepared: Prepared, inner: Prepared, budget: Budget, seconds: float | None,
         random_state: int, options: Mapping[str, Any], progress=None, sharing: Sharing | None = None,
         keep_predictions: bool = True) -> Tuned:
    """Tune ``fitting.candidate`` on ``inner`` (a split of the training part) within ``budget`` (trials) or
    ``seconds`` (its share of a wall-clock budget); with ``sharing``, in its worker processes over a shared
    storage (``keep_predictions``: refit the winner once here for its validation predictions)."""
    cand = fitting.candidate
    start = time.perf_counter()
    if progress:
        progress(f"tuning {cand.name} ({cand.kind}): the default on {inner.size} {inner.unit}, "
                 f"{inner.info.get('valid_rows', '')} held for validation".rstrip(", "))
    if sharing is not None and cand.space:
        return _tune_shared(task, cand, inner, budget, seconds, random_state, options, sharing, progress,
                            keep_predictions, start)
    if seconds is not None:  # leave time for the final fit on the whole training part (more rows than a trial's)
        reserve = prepared.size / max(inner.size, 1)
        return _tune_here(task, cand, inner, budget, seconds, random_state, options, progress, start, reserve)
    return _tune_here(task, cand, inner, budget, seconds, random_state, options, progress, start)


def _evaluator(task: Task, cand, inner: Prepared, random_state: int, options):
    """``evaluate(values) -> (score, trial's Fitting, seconds)``: one trial fitted on the inner training rows
    and scored on the inner validation rows."""
    primary = inner.primary

    def evaluate(values: dict):
        model = apply(task.build(cand, inner, random_state, options), values)
        trial_fit = Fitting(cand, model, {}, remake=lambda: apply(task.build(cand, inner, random_state, options),
                                                                 values))
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            task.fit(trial_fit, inner)
            task.predict(trial_fit, inner)
            scores = task.evaluate(trial_fit, inner)
        score = float(scores.get(primary, trial_fit.row.get(primary, np.nan)))
        return score, trial_fit, time.perf_counter() - t0

    return evaluate


def _tune_here(task, cand, inner, budget, seconds, random_state, options, progress, start,
               reserve: float = 0.0) -> Tuned:
    import optuna

    space = cand.space
    sign = 1.0 if greater_is_better(inner.primary) else -1.0
    trials: list[dict] = []
    best: dict[str, Any] = {"score": -math.inf, "values": {}, "fit": None}
    run_one = _evaluator(task, cand, inner, random_state, options)

    def evaluate(values: dict) -> float:
        score, trial_fit, spent = run_one(values)
        trials.append({"model": cand.name, "trial": len(trials), "params": _jsonable(values), "score": score,
                       "seconds": spent, "state": "complete"})
        if np.isfinite(score) and sign * score > best["score"]:
            best.update(score=sign * score, values=dict(values), fit=trial_fit)
        return score

    # trial 0, the default setting: under a wall-clock share, its networks stop at half the share at the latest
    with time_limit(_trial_limit(seconds, start, True)):
        evaluate({})
    if seconds is not None:  # a wall-clock share: the final fit will take about trial 0's time, scaled by the rows
        seconds -= reserve * trials[0]["seconds"]
    n_more = None if budget.trials is None else max(budget.trials - 1, 0)
    if space and (n_more or (seconds is not None and seconds > time.perf_counter() - start)):
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(direction="maximize" if sign > 0 else "minimize",
                                    sampler=optuna.samplers.TPESampler(seed=random_state))

        def objective(trial):
            values = suggest(trial, space)
            if progress:
                progress(f"tuning {cand.name} ({cand.kind}): trial {len(trials)}"
                         + (f" of {budget.trials}" if budget.trials else ""))
            try:
                with time_limit(_trial_limit(seconds, start, False)):
                    return evaluate(values)
            except Exception as exc:  # noqa: BLE001 - one bad setting (a diverging network) fails its trial only
                trials.append({"model": cand.name, "trial": len(trials), "params": _jsonable(values),
                               "score": np.nan, "seconds": np.nan, "state": f"failed: {type(exc).__name__}: {exc}"})
                warnings.warn(f"{cand.name} trial {len(trials) - 1} failed ({exc}); the search goes on",
                              DataWarning, stacklevel=2)
                raise optuna.TrialPruned() from exc

        timeout = None if seconds is None else max(seconds - (time.perf_counter() - start), 0.0)
        study.optimize(objective, n_trials=n_more, timeout=timeout, show_progress_bar=False)
    return _tuned(task, inner, best["values"], trials, best["fit"], start)


def _tuned(task, inner, values, trials, trial_fit, start) -> Tuned:
    """The winner, with its predictions on the part that weights the ensembles (the blend part when there is
    one, else the validation part it won on): predicted once, by the winning trial's model, not by every trial."""
    if trial_fit is None:
        return Tuned(values, trials, seconds=time.perf_counter() - start)
    held = task.predict_blend(trial_fit, inner)  # the part that weights the ensembles: never scored
    return Tuned(values, trials, trial_fit if held is None else held, time.perf_counter() - start)


def _shares(total: int, workers: int) -> list[int]:
    return [total // workers + (1 if i < total % workers else 0) for i in range(workers)]


def _tune_shared(task, cand, inner, budget, seconds, random_state, options, sharing: Sharing, progress,
                 keep_predictions, start) -> Tuned:
    """The trials of one candidate in ``sharing.workers`` processes over one storage: every trial is asked for,
    run and told through the storage, so none is lost or run twice; the default is trial 0, queued once."""
    import multiprocessing

    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    direction = "maximize" if greater_is_better(inner.primary) else "minimize"
    name = f"{sharing.study}-{cand.name}"
    storage = open_storage(sharing.storage)
    study = optuna.create_study(storage=storage, study_name=name, direction=direction, load_if_exists=True)
    if not study.trials:
        study.enqueue_trial({}, user_attrs={"default": True})
    total = budget.trials if budget.trials else None
    space, workers = cand.space, max(int(sharing.workers), 1)
    shares = _shares(total, workers) if total else [None] * workers
    run_one = _evaluator(task, cand, inner, random_state, options)

    def work(index: int, n_trials: int | None) -> None:
        # A forked process must not enter the OpenMP thread pool its parent may have started (scikit-learn's
        # and LightGBM's trees hang or crash there): every worker runs its trials on one thread, and so do
        # the models' own thread settings. Workers = cores is the natural setting.
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(1)
        single = _evaluator(task, cand, inner, random_state, {**dict(options), "n_jobs": 1})
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        mine = optuna.load_study(study_name=name, storage=open_storage(sharing.storage),
                                 sampler=optuna.samplers.TPESampler(seed=random_state + index))
        if total and len(mine.trials) >= total:  # another machine (or an earlier run) has run them all
            return

        def objective(trial):
            default = bool(trial.user_attrs.get("default"))
            values = {} if default else suggest(trial, space)
            trial.set_user_attr("values", _jsonable(values))
            with time_limit(_trial_limit(seconds, start, default)):
                score, _, spent = single(values)
            trial.set_user_attr("seconds", spent)
            return score

        callbacks = [optuna.study.MaxTrialsCallback(total, states=None)] if total else []
        timeout = None if seconds is None else max(seconds - (time.perf_counter() - start), 1.0)
        with threadpool_limits(1):
            mine.optimize(objective, n_trials=n_trials, timeout=timeout, catch=(Exception,), callbacks=callbacks,
                          show_progress_bar=False)

    if progress:
        progress(f"tuning {cand.name} ({cand.kind}): {total or 'timed'} trials in {workers} worker processes")
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=work, args=(i, n), daemon=True)
                 for i, n in enumerate(shares) if n is None or n > 0]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    failed = [p.exitcode for p in processes if p.exitcode != 0]
    if failed:
        raise DeepmineError(f"{len(failed)} tuning worker(s) of {cand.name} stopped with exit code(s) "
                            f"{', '.join(map(str, failed))}; see the messages above")
    return _read_study(task, optuna.load_study(study_name=name, storage=storage), cand, inner, run_one,
                       keep_predictions, start, seconds)


def _trial_limit(seconds: float | None, start: float, default: bool) -> float | None:
    """The seconds one trial's networks may train within a wall-clock ``seconds`` share begun at ``start``:
    the default trial half the share at most, the others what is left of it (None: no share, no limit)."""
    if seconds is None:
        return None
    left = seconds - (time.perf_counter() - start)
    return min(left, DEFAULT_TRIAL_SHARE * seconds) if default else left


def _read_study(task, study, cand, inner, run_one, keep_predictions, start, seconds=None) -> Tuned:
    """The trials of a shared study as trials.csv rows, and its winner (the default on a tie)."""
    import optuna

    sign = 1.0 if greater_is_better(inner.primary) else -1.0
    trials, best_score, values = [], -math.inf, {}
    for t in sorted(study.trials, key=lambda t: t.number):
        score = np.nan if t.value is None else float(t.value)
        complete = t.state == optuna.trial.TrialState.COMPLETE
        trials.append({"model": cand.name, "trial": t.number, "params": t.user_attrs.get("values", {}),
                       "score": score, "seconds": t.user_attrs.get("seconds", np.nan),
                       "state": "complete" if complete else t.state.name.lower()})
        if complete and np.isfinite(score) and sign * score > best_score:
            best_score, values = sign * score, dict(t.user_attrs.get("values", {}))
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    trial_fit = None
    if keep_predictions:  # the winner again, here, for its blend predictions (within what is left of the share)
        with time_limit(_trial_limit(seconds, start, False)):
            trial_fit = run_one(values)[1]
    return _tuned(task, inner, values, trials, trial_fit, start)


def _jsonable(values: Mapping[str, Any]) -> dict:
    out = {}
    for k, v in values.items():
        if isinstance(v, (np.integer, np.floating)):
            v = v.item()
        out[k] = list(v) if isinstance(v, tuple) else v
    return out


def trials_frame(trials: list[dict]) -> pd.DataFrame:
    """Every trial of every candidate: model, trial, params (JSON), score, seconds, state, best_so_far."""
    import json

    frame = pd.DataFrame(trials, columns=["model", "trial", "params", "score", "seconds", "state"])
    frame["params"] = [json.dumps(p, sort_keys=True) for p in frame["params"]]
    return frame


__all__ = ["Budget", "Sharing", "Tuned", "apply", "open_storage", "parse_budget", "suggest", "trials_frame", "tune"]
