"""What a saved model predicts for new data, and what it is: one path for `deepmine predict`, `deepmine serve` and the
app, so that the three give the same numbers.

- :func:`predict_table` turns a table of rows into a table of predictions: ``prediction`` per row and, for a
  classifier, ``proba_<class>`` per class; an anomaly detector adds its ``score`` (the prediction is its 0/1 flag);
  a series detector reads the rows as one series, in order.
- :func:`forecast` is a forecaster's prediction: the ``horizon`` steps after its series, with the interval.
- :func:`describe` says what a model is: its kind, its class, the columns it reads with their roles, its classes,
  and, when the model folder sits in a run folder, the task, the data, its scores in that run and the verdict.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from deepmine.errors import DataError, ParameterError, check_positive_int
from deepmine.evaluation.fitting import predict_with_proba


def _final(model):
    return model.steps[-1][1] if hasattr(model, "steps") else model


def model_kind(model) -> str:
    """"forecaster", "series_detector", "detector", "classifier", "regressor" or "clusterer"."""
    from deepmine.anomaly.base import BaseDetector
    from deepmine.timeseries.anomaly_detectors import SeriesDetector
    from deepmine.timeseries.forecasters import BaseForecaster

    final = _final(model)
    if isinstance(final, BaseForecaster):
        return "forecaster"
    if isinstance(final, SeriesDetector):
        return "series_detector"
    if isinstance(final, BaseDetector):
        return "detector"
    if hasattr(model, "classes_"):
        return "classifier"
    if getattr(final, "_estimator_type", None) == "clusterer" or hasattr(final, "n_clusters"):
        return "clusterer"
    return "regressor"


def predict_table(model, frame: pd.DataFrame) -> pd.DataFrame:
    """One row of predictions per row of ``frame`` (see the module); a forecaster takes :func:`forecast` instead."""
    kind = model_kind(model)
    if kind == "forecaster":
        raise ParameterError("a forecaster predicts the steps after its own series, not rows of a table; ask it for "
                             "a horizon (--horizon H, or {\"horizon\": H})")
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise DataError("there are no rows to predict; give at least one row")
    X = frame.reset_index(drop=True)  # the model sees an ordinary 0..n-1 frame, as read_table gives
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        if kind in ("detector", "series_detector"):
            scores = np.asarray(model.decision_function(X), dtype=float)
            return pd.DataFrame({"prediction": (scores > _final(model).threshold_).astype(np.int64),
                                 "score": scores})
        prediction, proba = predict_with_proba(model, X)  # one pass through the model, not two
    result = pd.DataFrame({"prediction": prediction})
    if proba is not None:
        for i, cls in enumerate(model.classes_):
            result[f"proba_{cls}"] = proba[:, i]
    return result


def forecast(model, horizon) -> pd.DataFrame:
    """The ``horizon`` steps after the forecaster's series: time, forecast, lower, upper."""
    if model_kind(model) != "forecaster":
        raise ParameterError("only a forecaster takes a horizon; give this model rows to predict")
    horizon = check_positive_int("horizon", horizon)
    frame = model.predict(horizon)
    frame.index.name = "time"
    return frame.reset_index()


def _json_safe(value):
    """``value`` with numpy scalars and arrays made plain, and non-finite floats as None (JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def describe(model, model_dir: Path, run_dir: Path | None = None) -> dict:
    """What the model is and, from its run folder when there is one, what it was trained for and how it scored."""
    from deepmine import __version__

    final = _final(model)
    kind = model_kind(model)
    info = {"kind": kind, "class": type(final).__name__, "deepmine": __version__, "folder": Path(model_dir).name}
    config_file = Path(model_dir) / "config.json"
    if config_file.exists():
        config = json.loads(config_file.read_text(encoding="utf-8"))
        info["saved_with"] = config.get("versions", {}).get("deepmine")
    if hasattr(model, "classes_"):
        info["classes"] = list(np.asarray(model.classes_).tolist())
    columns = getattr(model, "feature_names_in_", None)
    if columns is None and hasattr(model, "steps"):
        columns = getattr(model.steps[0][1], "feature_names_in_", None)
    if kind == "series_detector":
        columns = getattr(final, "channels_", None)
    if columns is not None:
        info["columns"] = [str(c) for c in columns]
    if kind == "forecaster":
        series = final.y_
        info.update(series_end=str(series.index[-1]), steps=int(len(series)), horizon=int(final.horizon_),
                    freq=getattr(final, "freq_", None))
    metrics_file = Path(run_dir) / "metrics.json" if run_dir is not None else None
    if metrics_file is not None and metrics_file.exists():
        run = json.loads(metrics_file.read_text(encoding="utf-8"))
        run_info = run.get("info") or {}
        command = run.get("command") or {}
        rows = [r for r in run.get("models") or [] if isinstance(r, dict)]
        # the saved model is the best that was kept: an ensemble has no model of its own to save
        saved = next((r for r in rows if not str(r.get("model", "")).startswith("ensemble")), None)
        info.update(task=run.get("task"), data=command.get("data"), primary=run.get("primary"),
                    verdict=run.get("verdict"))
        if saved is not None:
            info.update(model=saved.get("model"), model_kind=saved.get("kind"),
                        scores={k: v for k, v in saved.items() if k not in ("model", "kind")})
        if "columns" not in info and run_info.get("features"):
            info["columns"] = list(run_info["features"])
        if run_info.get("roles"):
            info["roles"] = run_info["roles"]
        for key in ("target", "label"):
            if run_info.get(key):
                info[key] = run_info[key]
    return _json_safe(info)


__all__ = ["describe", "forecast", "model_kind", "predict_table"]
