"""The errors and warnings a user can cause, each saying what was wrong and what to do."""

from __future__ import annotations

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError


class DeepmineError(Exception):
    """Base class of every error deepmine raises for a problem in the user's input or use.

    The message is one sentence naming the problem followed by the fix; the CLI prints it on
    one line and exits with status 2.
    """


class DataError(DeepmineError, ValueError):
    """The data cannot be used as given (empty, not a table, wrong types, ...)."""


class FileFormatError(DataError):
    """A file could not be read as a table."""


class UnknownWordError(DataError, KeyError):
    """A word asked about is not in a model's vocabulary."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else ""


class UnknownNodeError(DataError, KeyError):
    """A node asked about is not in the graph a model was fitted on."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else ""


class ParameterError(DeepmineError, ValueError):
    """A parameter has a value the model cannot use (contamination 0.7, n_clusters=1, ...)."""


class ColumnError(DataError, KeyError):
    """A named column does not exist or cannot play the role asked of it."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else ""


class TargetError(DataError):
    """The target column cannot be learned (missing, one class, all empty, ...)."""


class NotFittedError(DeepmineError, _SklearnNotFittedError):
    """A model was used before `fit`."""


class TrainingError(DeepmineError, RuntimeError):
    """Training failed in a way the user can fix (diverged loss, out of memory, ...)."""


class ModelFormatError(DeepmineError):
    """A saved model folder is missing, incomplete or of an unknown kind."""


class OutputExistsError(DeepmineError, FileExistsError):
    """An output path exists already and would be overwritten."""


class MissingDependencyError(DeepmineError, ImportError):
    """An optional package is needed for this feature."""


class DataWarning(UserWarning):
    """A notice about something deepmine changed in the data (a dropped column, dropped rows)."""


def require(module: str, extra: str):
    """Import an optional module or raise a MissingDependencyError naming the extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"this feature needs the '{module}' package; install it with "
            f"`pip install 'deepmine[{extra}]'`"
        ) from exc


def check_positive_int(name: str, value, allow_none: bool = False):
    """``value`` as an int if it is a whole number of at least 1 (or None when ``allow_none``); else a ParameterError."""
    import numbers

    if allow_none and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        extra = " or None" if allow_none else ""
        raise ParameterError(f"{name} must be a positive whole number{extra}, got {value!r}")
    return int(value)


def check_class_labels(y, n: int, unit: str = "row"):
    """``y`` as a 1-D array of class labels, one per ``unit`` (``n`` of them), with at least two classes;
    otherwise a TargetError that names the problem. A one-column 2-D target is accepted."""
    import numpy as np
    import pandas as pd

    if y is None:
        raise TargetError(f"a classifier needs the labels y; pass one label per {unit}")
    y = np.asarray(y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != n:
        raise TargetError(f"expected one label per {unit} ({n}) but the target has shape {y.shape}")
    missing = int(pd.isna(pd.Series(y)).sum())
    if missing:
        raise TargetError(f"the target has {missing} missing values; drop those {unit}s first")
    if len(np.unique(y)) < 2:
        raise TargetError(f"the target has only one class ({y[0]}); a classifier needs at least two classes")
    return y


def check_fitted(estimator, attribute: str) -> None:
    """Raise :class:`NotFittedError` (with scikit-learn's wording) unless ``estimator`` has ``attribute``."""
    if not hasattr(estimator, attribute):
        raise NotFittedError(f"This {type(estimator).__name__} instance is not fitted yet; call 'fit' with appropriate "
                             f"arguments before using this estimator")
