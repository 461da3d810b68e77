"""Task: what the user wants done, and everything that is particular to it.

A task knows its metrics and its candidate models, the options it takes, how to read and split its
data (:meth:`Task.prepare`, once per comparison), and how to fit one candidate, predict with it and
score it (:meth:`Task.fit`, :meth:`Task.predict`, :meth:`Task.evaluate`). The one loop in
:mod:`deepmine.evaluation.loop` runs every task's candidates through these steps, and is where timing,
checkpoints and progress are written once.

Every task family subclasses :class:`Task` in its own module (``table``, ``unsupervised``,
``recommendation``, ``series``, ``forecasting``, ``series_anomaly``, ``images``, ``graph``);
:mod:`~deepmine.evaluation.registry` holds the built-in tasks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

import numpy as np
import pandas as pd

from deepmine.errors import DeepmineError, ParameterError
from deepmine.evaluation.candidates import Candidate
from deepmine.evaluation.fitting import predict_with_proba, set_matching_params


def _neutral(key: str, value) -> bool:
    """Whether ``value`` asks nothing of a task that does not take ``key``: None, False, "auto" for stream,
    an empty mapping or list."""
    if value is None or value is False or (key == "stream" and value == "auto"):
        return True
    return isinstance(value, (dict, list, tuple)) and len(value) == 0


@dataclass
class Prepared:
    """A task's data, read and split once: what every candidate is fitted on and scored against.

    ``train``/``y_train`` are what :meth:`Task.fit` reads, ``test``/``y_test`` what :meth:`Task.predict`
    and :meth:`Task.evaluate` read (``y_test`` is kept by the leaderboard); ``shown`` is the
    leaderboard's ``data`` (the held-out inputs, or all the rows of an unsupervised task); ``primary``
    is the metric that ranks the models on this data (None: nothing ranks them); ``extra`` holds
    what a task keeps for its own steps.
    """

    train: Any
    test: Any = None
    y_train: Any = None
    y_test: Any = None
    info: dict = field(default_factory=dict)
    primary: str | None = None
    shown: Any = None
    graph: Any = None
    size: int = 0
    unit: str = "rows"
    extra: dict = field(default_factory=dict)


@dataclass
class Fitting:
    """One candidate's pass through the loop: the model, its leaderboard row as it fills, its predictions."""

    candidate: Candidate
    model: Any
    row: dict
    prediction: Any = None
    proba: Any = None
    keep: bool = True  # whether the fitted model joins the leaderboard's models
    artefacts: dict = field(default_factory=dict)  # info[key][model name] = value (a forecaster's backtest)
    extra: dict = field(default_factory=dict)  # what a task's steps pass each other
    remake: Any = None  # makes a fresh, unfitted model of the same candidate (a task that fits twice)


@dataclass
class Task:
    """One data-mining task; ``compare``, the loop and the CLI learn everything task-specific from here."""

    name: str
    metrics: tuple[str, ...]
    primary: str
    stratify: bool
    candidates: dict[str, Candidate] = field(default_factory=dict)
    unsupervised: bool = False
    # what the target is ("classification": labels, "regression": numbers; unsupervised tasks have none)
    target_kind: str | None = None
    # "table": features are the table's columns; "text": one text column is the input;
    # "interactions": (user, item[, rating][, time]) rows; "series": time series (cases to classify,
    # or one series to forecast); "images": image files, arrays or pixel tables; "graph": a network
    input: str = "table"

    #: the keywords of :func:`~deepmine.evaluation.compare.compare` this task takes, with their defaults
    OPTIONS: ClassVar[dict[str, Any]] = {}
    #: a keyword the task does not take, with the hint its error gives (``{"target": "pass it as label"}``),
    #: or (the error's class, the hint)
    HINTS: ClassVar[dict[str, str]] = {
        "stream": "streaming compares classification and regression tables; {name} reads its data in memory, so "
                  "leave out --stream (stream=False)",
        "calibrate": "calibrate applies to classifiers' probabilities (classification, text_classification), "
                     "not to {name}"}
    #: the timing columns of the leaderboard, in order
    TIMINGS: ClassVar[tuple[str, ...]] = ("fit_s", "predict_s")

    @property
    def classifies(self) -> bool:
        return self.target_kind == "classification"

    def register(self, candidate: Candidate) -> Candidate:
        self.candidates[candidate.name] = candidate
        return candidate

    def select(self, names) -> list[Candidate]:
        """The candidates to fit: the defaults for None, every one for "all", else those named (a list or a
        comma-separated string, in which "default" and "all" stand for those sets)."""
        if names is None:
            names = ["default"]
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",") if n.strip()]
        sets = {"default": [n for n, c in self.candidates.items() if c.default], "all": list(self.candidates)}
        names = list(dict.fromkeys(m for n in names for m in sets.get(n, [n])))
        unknown = [n for n in names if n not in self.candidates]
        if unknown:
            raise DeepmineError(
                f"unknown model(s) {', '.join(map(repr, unknown))} for {self.name}; "
                f"choose from: {', '.join(self.candidates)}"
            )
        return [self.candidates[n] for n in names]

    # -- options ---------------------------------------------------------------------------------------
    def check_options(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The task's options: its defaults updated with ``given``; a keyword it does not take is an error
        naming the ones it does. A keyword given as None counts as not given, and so does a keyword the task
        does not take given at its neutral value (``calibrate=False``, ``stream="auto"``, ``roles={}``)."""
        unknown = [k for k, v in given.items() if k not in self.OPTIONS and not _neutral(k, v)]
        for key in unknown:
            if key in self.HINTS:
                hint = self.HINTS[key]
                error, hint = hint if isinstance(hint, tuple) else (ParameterError, hint)
                raise error(hint.format(name=self.name, value=given[key]))
        if unknown:
            takes = ", ".join(self.OPTIONS) or "none"
            raise ParameterError(f"{self.name} does not take {', '.join(unknown)}; its options are: {takes}")
        return {**self.OPTIONS, **{k: v for k, v in given.items() if k in self.OPTIONS and v is not None}}

    # -- the steps the loop runs -----------------------------------------------------------------------
    def prepare(self, data, *, random_state: int, progress=None, options=None, **task_options) -> Prepared:
        """Read ``data`` and split it: once per comparison. ``options`` are the models' (for a task whose
        split depends on one, such as anomaly detection's ``train_on``); ``task_options`` the task's own."""
        raise NotImplementedError(f"{type(self).__name__} does not say how to read its data")

    def inner(self, prepared: Prepared, random_state: int, valid_size: float = 0.2,
              blend_size: float = 0.0) -> Prepared:
        """A split of the training part, for tuning and ensembles: ``valid_size`` of it held out to score the
        trials and, with ``blend_size``, another part held out to weight the ensembles (in ``extra["blend"]``:
        the winning trial's predictions there are not flattered by having been chosen on them); never the
        test part. Drawn by time or by group when the test part was (``extra["inner_split"]``), else
        stratified for a classifier and at random otherwise. The tasks that fit on cases with labels share
        this one."""
        from deepmine.evaluation.prepared import take

        if prepared.y_train is None or prepared.y_test is None or prepared.extra.get("streamed"):
            raise ParameterError(f"{self.name} cannot be tuned or ensembled yet: it needs a training part with "
                                 f"known answers to hold a validation part out of; leave out budget (--budget)")
        y = pd.Series(np.asarray(prepared.y_train))
        how = prepared.extra.get("inner_split")  # ("time", values) or ("group", values): as the test part was
        rest = np.arange(len(y))
        blend = None
        if blend_size:
            rest, blend = self._split_rows(rest, y, how, blend_size, random_state)
        train, valid = self._split_rows(rest, y, how, valid_size / (1 - blend_size), random_state)

        def labels(rows):
            part = y.iloc[rows].reset_index(drop=True)
            return part.to_numpy() if isinstance(prepared.y_train, np.ndarray) else part

        extra = {**prepared.extra, "cv": None}
        info = {"train_rows": int(len(train)), "valid_rows": int(len(valid))}
        if blend is not None:
            extra["blend"] = (take(prepared.train, blend), y.iloc[blend].reset_index(drop=True))
            info["blend_rows"] = int(len(blend))
        return Prepared(take(prepared.train, train), take(prepared.train, valid), labels(train),
                        y.iloc[valid].reset_index(drop=True), info, prepared.primary, size=len(train),
                        unit=prepared.unit, extra=extra)

    def _split_rows(self, rows: np.ndarray, y: pd.Series, how, share: float, random_state: int):
        """``rows`` (positions in the training part) split in two, the second ``share`` of them."""
        from deepmine.data.split import group_split, random_split, stratified_split, time_split

        if how is not None and how[0] == "time":
            a, b = time_split(how[1].iloc[rows].reset_index(drop=True), share)
        elif how is not None and how[0] == "group":
            a, b = group_split(how[1].iloc[rows].reset_index(drop=True), share, random_state)
        elif self.classifies:
            a, b = stratified_split(y.iloc[rows].astype(str).reset_index(drop=True), share, random_state)
        else:
            a, b = random_split(len(rows), share, random_state)
        return rows[np.asarray(a)], rows[np.asarray(b)]

    def build(self, candidate: Candidate, prepared: Prepared, random_state: int, options: Mapping[str, Any]):
        """The candidate's model, with ``options`` set on every parameter of that name; None skips it."""
        return set_matching_params(candidate.factory(random_state), dict(options))

    def describe(self, fitting: Fitting, prepared: Prepared) -> str:
        """The progress line before a candidate is fitted."""
        c = fitting.candidate
        return f"fitting {c.name} ({c.kind}) on {prepared.size} {prepared.unit}"

    def cross_validate(self, fitting: Fitting, prepared: Prepared, random_state: int) -> dict[str, float]:
        """Extra scores from folds of the training part, before the fit (none by default)."""
        return {}

    def fit(self, fitting: Fitting, prepared: Prepared) -> None:
        fitting.model.fit(prepared.train, prepared.y_train)

    def predict(self, fitting: Fitting, prepared: Prepared) -> None:
        """Set ``fitting.prediction`` (and ``proba`` for a classifier) for the held-out inputs."""
        if self.classifies:
            fitting.prediction, fitting.proba = predict_with_proba(fitting.model, prepared.test)
        else:
            fitting.prediction = np.asarray(fitting.model.predict(prepared.test))

    def evaluate(self, fitting: Fitting, prepared: Prepared) -> dict[str, float]:
        """The task's metrics of ``fitting.prediction`` on the held-out truth."""
        from deepmine.evaluation.metrics import classification_scores, regression_scores

        if self.classifies:
            return classification_scores(np.asarray(prepared.y_test), fitting.prediction, fitting.proba,
                                         getattr(fitting.model, "classes_", None))
        return regression_scores(np.asarray(prepared.y_test, dtype=float), fitting.prediction)

    # -- ensembles (see deepmine.evaluation.ensembles; the loop calls these) -------------------------------
    def ensembles(self, prepared: Prepared) -> bool:
        """Whether the candidates' predictions on this data can be averaged into ensembles."""
        return self.target_kind in ("classification", "regression")

    def predict_blend(self, trial: Fitting, inner: Prepared) -> Fitting | None:
        """A tuning trial's predictions on the part that weights the ensembles (``inner.extra["blend"]``,
        which no trial is scored on), or None when there is no such part (a task may return the trial
        itself: its predictions where it was scored, as forecasting does)."""
        blend = inner.extra.get("blend")
        if blend is None:
            return None
        held = Fitting(trial.candidate, trial.model, {})
        self.predict(held, Prepared(inner.train, blend[0], inner.y_train, blend[1], extra=inner.extra))
        return held

    def blend_truth(self, inner: Prepared):
        """The truth on the blend part, as :meth:`ensemble_loss` reads it."""
        return inner.extra["blend"][1]

    def ensemble_output(self, fitting: Fitting, classes) -> Any:
        """What an ensemble averages of one fitted model's predictions (None: it cannot join): a classifier's
        probabilities with their columns in the order of ``classes``, else its predictions. An array, or a
        mapping of arrays averaged key by key."""
        from deepmine.evaluation.ensembles import aligned_proba

        if self.classifies:
            if fitting.proba is None:
                return None
            return aligned_proba(fitting.proba, fitting.model.classes_, classes)
        return None if fitting.prediction is None else np.asarray(fitting.prediction, dtype=float)

    def selected_part(self, output) -> np.ndarray:
        """The part of an :meth:`ensemble_output` that the selection scores (one row per blend row)."""
        return output

    def ensemble_loss(self, truth, classes):
        """``loss_on(rows) -> loss(output) -> float`` (lower is better) on the blend part: log loss of
        probabilities for a classifier, RMSE of predictions otherwise."""
        from deepmine.evaluation.ensembles import log_loss_on, rmse_on

        return log_loss_on(truth, classes) if self.classifies else rmse_on(truth)

    def score_ensemble(self, ensemble, output, prepared: Prepared, classes, predictions: dict) -> Fitting:
        """The ensemble's held-out predictions from its averaged ``output``, with its leaderboard scores in
        ``row`` (the members' test predictions are in ``predictions``, for a task that needs their shape)."""
        fitting = Fitting(None, ensemble, {})
        if self.classifies:
            fitting.proba = output
            fitting.prediction = np.asarray(classes)[np.argmax(output, axis=1)]
        else:
            fitting.prediction = output
        fitting.row = self.evaluate(fitting, prepared)
        return fitting

    def columns_as_scored(self, names: list[str]) -> list[str]:
        """The leaderboard's columns in the order the scores came: model, kind, every score, the timings."""
        timings = [c for c in self.TIMINGS if c in names]
        trailing = [c for c in names if c.startswith("cv_") or c in ("train_rows", "trials")]
        seconds = [c for c in names if c.endswith("_s") and c not in timings]
        scores = [c for c in names if c not in ("model", "kind", *timings, *seconds, *trailing)]
        return ["model", "kind", *scores, *timings, *seconds, *trailing]

    def columns(self, names: list[str]) -> list[str]:
        """The leaderboard's columns in order: model, kind, the task's metrics, any other score, the
        timings, then cross-validation and row counts."""
        trailing = [c for c in names if c.startswith("cv_") or c in ("train_rows", "trials")]
        timings = [c for c in self.TIMINGS if c in names]
        metrics = [m for m in self.metrics if m in names]
        others = [c for c in names if c not in ("model", "kind", *metrics, *timings, *trailing)
                  and not c.endswith("_s")]
        seconds = [c for c in names if c.endswith("_s") and c not in timings and c not in self.TIMINGS]
        return ["model", "kind", *metrics, *others, *timings, *seconds, *trailing]


__all__ = ["Fitting", "Prepared", "Task"]
