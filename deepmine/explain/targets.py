"""Which class an explanation explains: one rule for both per-row methods (integrated gradients, Kernel SHAP), so
that ``explain(model, rows)`` means the same whichever method ``"auto"`` picks, and one way of naming a class
(partial dependence too)."""

from __future__ import annotations

from typing import Callable

import numpy as np

from deepmine.errors import ParameterError


def class_index(classes, value) -> int:
    """The position of ``value`` in ``classes``; ``"1"`` also finds the class ``1`` and ``1`` the class
    ``"1"`` (a class typed on the command line, or read from a CSV)."""
    classes = np.asarray(classes, dtype=object)
    hits = np.flatnonzero(classes == value)
    if not len(hits):
        hits = np.flatnonzero(np.asarray([str(c) for c in classes], dtype=object) == str(value))
    if not len(hits):
        raise ParameterError(f"target {value!r} is not one of the model's classes "
                             f"({', '.join(map(repr, classes.tolist()))}); pass one of those")
    return int(hits[0])


def class_label(value) -> str:
    """A class as the user wrote it, for messages: ``'yes'``, not numpy 2's ``np.str_('yes')``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def explained_classes(classes, target, n: int, predicted: Callable[[], np.ndarray]) -> tuple[np.ndarray, str]:
    """The class explained in each of ``n`` rows, as indices into ``classes``, and a description of f.

    ``target=None``: of two classes the second (the "positive" one, as ``predict_proba[:, 1]``); of more,
    each row's predicted class (``predicted()`` gives those indices; it is called only then). One class
    explains it in every row; a list of ``n`` classes gives each row its own."""
    classes = np.asarray(classes)
    if target is None:
        if len(classes) == 2:
            return np.ones(n, dtype=np.int64), f"probability of class {class_label(classes[1])}"
        return np.asarray(predicted(), dtype=np.int64), "probability of each row's predicted class"
    values = [target] if np.ndim(target) == 0 else list(target)
    if len(values) not in (1, n):
        raise ParameterError(f"target must be one class or one class per row ({n}); got {len(values)} values")
    idx = np.array([class_index(classes, v) for v in values], dtype=np.int64)
    if len(idx) == 1:
        return np.repeat(idx, n), f"probability of class {class_label(classes[idx[0]])}"
    return idx, "probability of each row's given class"


__all__ = ["class_index", "class_label", "explained_classes"]
