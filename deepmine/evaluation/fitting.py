"""What every task does to a model the same way: set parameters by name, predict with probabilities."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np


def set_matching_params(model, values: Mapping[str, Any]):
    """Set each value on every parameter of ``model`` (or its pipeline steps) with that name."""
    params = model.get_params()
    update = {}
    for name, value in values.items():
        update.update({k: value for k in params if k == name or k.endswith(f"__{name}")})
    return model.set_params(**update) if update else model


def predict_with_proba(model, X) -> tuple[np.ndarray, np.ndarray | None]:
    """``(predictions, class probabilities or None)`` in one pass: for a model with ``predict_proba`` the most
    probable class, since predicting and then asking for probabilities would run a large network twice."""
    if hasattr(model, "predict_proba") and hasattr(model, "classes_"):
        proba = np.asarray(model.predict_proba(X))
        return np.asarray(model.classes_)[np.argmax(proba, axis=1)], proba
    return np.asarray(model.predict(X)), None


def history_of(model):
    """The per-epoch history of a deep model (the last step of a pipeline), or None."""
    est = model.steps[-1][1] if hasattr(model, "steps") else model
    return getattr(est, "history_", None)


__all__ = ["history_of", "predict_with_proba", "set_matching_params"]
