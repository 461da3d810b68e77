"""The UCR/UEA sets the time-series tests read, loaded once per session (aeon's bundled copies)."""

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=None)
def load_ucr(name):
    """(X_train, y_train, X_test, y_test) of ``name`` on its official split."""
    from aeon.datasets import load_classification

    Xtr, ytr = load_classification(name, split="train")
    Xte, yte = load_classification(name, split="test")
    return Xtr, np.asarray(ytr), Xte, np.asarray(yte)
