"""Leaderboard: every model of one comparison with its scores and timings, best first."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from deepmine.evaluation.metrics import greater_is_better
from deepmine.persist.atomic import atomic_write_text


@dataclass
class Leaderboard:
    """The result of :func:`deepmine.compare`.

    ``frame`` has one row per model: model, kind ("deep"/"traditional"), each metric on the
    held-out rows, fit_s and predict_s (seconds), and under cross-validation ``cv_<metric>`` and
    ``cv_<metric>_std``; rows are sorted by the primary metric.
    ``models`` holds the fitted estimators (fitted on the training part), ``histories`` the
    per-epoch training history of each deep model, ``y_test`` the held-out target and
    ``predictions`` each model's predictions for it (cluster labels, or anomaly scores of the
    scored rows); for clustering and anomaly detection ``data`` holds the feature columns used, for
    the supervised tasks the held-out inputs (a table, texts, series or images). For classifiers
    ``probabilities`` holds each model's class probabilities for the held-out rows (columns in the
    order of its ``classes_``). For the network tasks ``graph`` is the
    :class:`~deepmine.graph.data.Graph` that was compared on (read once, for the run folder's drawing too).
    ``primary`` is None when nothing ranks the models (anomaly detection without a label).
    ``resample`` holds per-row outputs where ``predictions`` are not per held-out row (a recommender's
    predicted ratings beside its top-k lists): ``{"truth": array, "outputs": {name: array}}``, which the
    verdict's paired interval resamples.
    """

    task: str
    primary: str | None
    frame: pd.DataFrame
    models: dict[str, Any] = field(default_factory=dict, repr=False)
    histories: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    info: dict[str, Any] = field(default_factory=dict)
    y_test: pd.Series | None = field(default=None, repr=False)
    predictions: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    data: pd.DataFrame | None = field(default=None, repr=False)
    probabilities: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    graph: Any = field(default=None, repr=False)
    resample: dict = field(default_factory=dict, repr=False)

    @property
    def best(self) -> str:
        """The name of the model with the best primary metric."""
        return str(self.frame.iloc[0]["model"])

    @property
    def best_model(self):
        return self.models.get(self.best)

    @property
    def best_kept(self) -> str | None:
        """The best model that was kept (recommendation keeps only the ranking models, so the best by
        RMSE may have none), or None when no model was kept."""
        return next((str(m) for m in self.frame["model"] if m in self.models), None)

    def best_of(self, kind: str) -> pd.Series:
        """The best row of one kind, "deep" or "traditional"."""
        rows = self.frame[self.frame["kind"] == kind]
        return rows.iloc[0]

    def verdict(self) -> str:
        """One sentence: did the best deep model beat the best traditional one on the primary metric?

        Where the metric can be recomputed on resampled held-out rows, the difference gets a paired
        bootstrap interval (:mod:`~deepmine.evaluation.bootstrap`) and an interval that spans zero is a
        tie; elsewhere the sentence says the difference is from one run. With ensembles it also says
        whether adding the deep models to the traditional ensemble helped."""
        deep, trad = self.frame[self.frame.kind == "deep"], self.frame[self.frame.kind == "traditional"]
        if self.primary is None:
            return "no label was given, so nothing ranks the models; pass a label column to compare them"
        if deep.empty or trad.empty:
            return "only one kind of model was compared"
        d, t = deep.iloc[0], trad.iloc[0]
        m = self.primary
        sign = 1 if greater_is_better(m) else -1
        diff = sign * (d[m] - t[m])
        interval = self.paired()
        if interval is not None and interval.spans_zero:
            who = "a tie"
        else:
            who = "deep learning wins" if diff > 0 else ("a tie" if diff == 0 else "the traditional method wins")
        text = (f"{who}: best deep model {d['model']} {m}={d[m]:.4f} ({d['fit_s']:.1f}s to fit) vs best "
                f"traditional {t['model']} {m}={t[m]:.4f} ({t['fit_s']:.1f}s)")
        if interval is not None:
            text += (f"; deep minus traditional {interval.difference:+.4f}, {interval.level:.0%} paired bootstrap "
                     f"interval {interval.low:+.4f} to {interval.high:+.4f} over {interval.rows} held-out rows")
        elif d[m] != t[m]:
            text += f"; the difference is from one run (no held-out rows to resample {m} over)"
        gain = self.ensemble_gain()
        if gain is not None:
            helped = ("helped" if not gain.spans_zero and sign * gain.difference > 0 else
                      "hurt" if not gain.spans_zero else "made no clear difference")
            text += (f". Adding the deep models to the traditional ensemble {helped}: {m} {gain.difference:+.4f} "
                     f"({gain.low:+.4f} to {gain.high:+.4f})")
        return text

    def _interval(self, a: str, b: str):
        from deepmine.evaluation.bootstrap import paired_interval

        if self.primary is None:
            return None
        outputs = self.resample.get("outputs", {})
        if a in outputs and b in outputs:  # per-row outputs kept beside predictions of another shape
            return paired_interval(self.primary, np.asarray(self.resample["truth"]), outputs[a], outputs[b],
                                   seed=int(self.info.get("random_state") or 0))
        if self.y_test is None or a not in self.predictions or b not in self.predictions:
            return None
        classes = None
        if a in self.probabilities and b in self.probabilities:
            classes, other = self.classes_of(a), self.classes_of(b)
            if classes is None or other is None or list(np.asarray(other)) != list(np.asarray(classes)):
                return None
        return paired_interval(self.primary, np.asarray(self.y_test), self.predictions[a], self.predictions[b],
                               self.probabilities.get(a), self.probabilities.get(b), classes,
                               seed=int(self.info.get("random_state") or 0))

    def classes_of(self, name: str):
        """The order of the columns of ``probabilities[name]``: the model's classes_, or an ensemble's classes."""
        classes = getattr(self.models.get(name), "classes_", None)
        if classes is None:
            classes = (self.info.get("ensembles") or {}).get(name, {}).get("classes")
        return None if classes is None else np.asarray(classes)

    def paired(self):
        """The paired bootstrap :class:`~deepmine.evaluation.bootstrap.Interval` of best deep minus best
        traditional on the primary metric, or None where it cannot be drawn."""
        if "_paired" not in self.__dict__:
            deep, trad = self.frame[self.frame.kind == "deep"], self.frame[self.frame.kind == "traditional"]
            self.__dict__["_paired"] = (None if deep.empty or trad.empty else
                                        self._interval(str(deep.iloc[0]["model"]), str(trad.iloc[0]["model"])))
        return self.__dict__["_paired"]

    def ensemble_gain(self):
        """The ensemble of all models minus the traditional ensemble (an Interval), or None without both."""
        if "_gain" not in self.__dict__:
            names = set(self.frame["model"])
            self.__dict__["_gain"] = (self._interval("ensemble_all", "ensemble_traditional")
                                      if {"ensemble_all", "ensemble_traditional"} <= names else None)
        return self.__dict__["_gain"]

    def table(self, digits: int = 4) -> pd.DataFrame:
        return self.frame.round(digits)

    def to_markdown(self, digits: int = 4) -> str:
        return self.frame.to_markdown(index=False, floatfmt=f".{digits}f")

    def to_csv(self, path) -> None:
        atomic_write_text(path, self.frame.to_csv(index=False))

    def to_dict(self) -> dict:
        rows = json.loads(self.frame.to_json(orient="records"))
        # tables kept in info for the run's files (a forecaster's backtest) are not metrics.json material
        info = {k: v for k, v in self.info.items() if not _holds_tables(v)}
        paired, gain = self.paired(), self.ensemble_gain()
        return {"task": self.task, "primary": self.primary, "best": self.best, "verdict": self.verdict(),
                "paired": None if paired is None else paired.to_dict(),
                "ensemble_gain": None if gain is None else gain.to_dict(), "info": info, "models": rows}

    def __repr__(self) -> str:
        return f"Leaderboard({self.task}, best={self.best!r})\n{self.to_markdown()}"

    def _repr_html_(self) -> str:
        return self.frame.to_html(index=False, float_format=lambda v: f"{v:.4f}")

    def to_html(self, path=None) -> str:
        """The report page of this comparison (one self-contained HTML file: leaderboard, figures, the
        task's views); with ``path``, also write it there (atomically)."""
        from deepmine.report.build import report_html

        text = report_html(self)
        if path is not None:
            atomic_write_text(path, text)
        return text


def _holds_tables(value) -> bool:
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return True
    return isinstance(value, dict) and any(isinstance(v, (pd.DataFrame, pd.Series)) for v in value.values())


def sort_frame(frame: pd.DataFrame, primary: str) -> pd.DataFrame:
    ascending = not greater_is_better(primary)
    return frame.sort_values(primary, ascending=ascending, na_position="last", kind="stable").reset_index(drop=True)


def is_finite_number(v) -> bool:
    return isinstance(v, (int, float, np.floating)) and np.isfinite(v)
