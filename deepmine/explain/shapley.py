"""Model-agnostic per-prediction explanations: Kernel SHAP (Lundberg & Lee 2017) through the shap package.

Kernel SHAP estimates each column's Shapley value by predicting on coalitions of the row's own
values and values from a background sample, weighting them so that the contributions add up
exactly to the prediction minus the mean prediction over the background. It calls only the model's
``predict`` / ``predict_proba`` on tables with the user's columns, so it explains any model —
gradient boosting, a pipeline, a deep network — in terms of the original columns.
"""

from __future__ import annotations

import contextlib
import numbers
import threading
import warnings

import numpy as np
import pandas as pd
from sklearn.base import is_classifier

from deepmine.errors import check_positive_int, require
from deepmine.explain.columns import rows_for
from deepmine.explain.targets import explained_classes


def _as_table(values, columns: list, dtypes: pd.Series) -> pd.DataFrame:
    """shap hands the model numpy arrays (object dtype when columns mix numbers and text): give it the
    table back with the user's column names and types."""
    frame = pd.DataFrame(np.asarray(values, dtype=object).reshape(-1, len(columns)), columns=columns)
    for column in columns:
        dtype = dtypes[column]
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
        else:
            frame[column] = pd.Series(frame[column].to_numpy(), dtype=dtype if dtype != object else object)
    return frame


_GLOBAL_RNG = threading.Lock()


@contextlib.contextmanager
def _seeded_numpy(random_state):
    """shap draws its coalitions from numpy's global generator: seed it for the block (an integer
    ``random_state``), so that the same call gives the same contributions, and put the caller's state back.
    Seeded blocks run one at a time (a lock); other code drawing from ``np.random`` in another thread at the
    same moment would still draw from the seeded stream, as with any use of numpy's global generator."""
    if not isinstance(random_state, numbers.Integral):
        yield
        return
    with _GLOBAL_RNG:
        state = np.random.get_state()
        np.random.seed(int(random_state) % 2**32)
        try:
            yield
        finally:
            np.random.set_state(state)


def kernel_shap(model, X, background=None, target=None, nsamples="auto", background_size: int = 50,
                random_state=0):
    """Kernel SHAP contributions of each column to each row's prediction.

    Parameters
    ----------
    model : any fitted estimator that takes the table
    X : the rows to explain (a DataFrame with the model's columns)
    background : rows standing for "a typical input" (default: ``X`` itself); a random sample of
        ``background_size`` of them is used, since the cost grows with it
    target : for classifiers the class whose probability is explained: one class, or one per row
        (default: the second of two, else each row's predicted class, as integrated gradients);
        regressors explain the prediction
    nsamples : coalitions evaluated per row; "auto" is shap's 2 x columns + 2048
    random_state : seeds the background sample and shap's choice of coalitions (an integer gives the
        same contributions on every call; None leaves numpy's global generator as it is)

    Returns an :class:`~deepmine.explain.Attribution` whose contributions add up to the output
    minus the base value (the mean output over the background) for every row.
    """
    from deepmine.explain.attribution import Attribution

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shap's import warns about matplotlib colour-map calls it makes
        shap = require("shap", "explain")
    check_positive_int("background_size", background_size)
    if nsamples != "auto":
        check_positive_int("nsamples", nsamples)
    rows = rows_for(model, X)
    back = rows if background is None else rows_for(model, background, "background rows")
    if len(back) > background_size:
        back = back.sample(int(background_size), random_state=random_state)
    columns, dtypes = list(rows.columns), rows.dtypes
    background_values = back.astype(object).to_numpy()
    row_values = rows.astype(object).to_numpy()

    def shapley(predict, which):
        """Kernel SHAP of ``predict`` for the rows ``which``: (values, base value)."""
        def f(values):
            return predict(_as_table(values, columns, dtypes))

        with warnings.catch_warnings(), _seeded_numpy(random_state):
            warnings.simplefilter("ignore")
            explainer = shap.KernelExplainer(f, background_values, link="identity")
            values = explainer.shap_values(row_values[which], silent=True, nsamples=nsamples)
        return np.asarray(values, dtype=float).reshape(len(which), len(columns)), float(
            np.ravel(explainer.expected_value)[0])

    values = np.zeros((len(rows), len(columns)))
    base = np.zeros(len(rows))
    output = np.zeros(len(rows))
    if not is_classifier(model):
        predict = lambda frame: np.asarray(model.predict(frame), dtype=float)  # noqa: E731
        values[:], base[:] = shapley(predict, np.arange(len(rows)))
        output[:] = predict(rows)
        what, explained = "prediction", None
    else:
        classes = np.asarray(model.classes_)
        proba = np.asarray(model.predict_proba(rows))
        idx, what = explained_classes(classes, target, len(rows), lambda: proba.argmax(axis=1))
        for k in np.unique(idx):  # one explainer per explained class, on the rows that explain it
            which = np.flatnonzero(idx == k)
            values[which], base[which] = shapley(lambda frame, k=k: np.asarray(model.predict_proba(frame))[:, k],
                                                 which)
            output[which] = proba[which, k]
        explained = classes[idx]
    return Attribution(values=values, features=[str(c) for c in columns], inputs=rows, output=output,
                       baseline_output=base, target=what, target_classes=explained, method="kernel_shap")


__all__ = ["kernel_shap"]
