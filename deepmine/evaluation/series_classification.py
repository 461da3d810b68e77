"""compare for time-series classification: every candidate fitted on the training series, scored on the test series."""

from __future__ import annotations

import time
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from deepmine.evaluation.leaderboard import Leaderboard, sort_frame
from deepmine.evaluation.metrics import classification_scores
from deepmine.evaluation.tasks import Candidate, Task
from deepmine.evaluation.unsupervised import _histories
from deepmine.timeseries.data import series_list


def series_classification_candidates() -> list[Candidate]:
    """The deep and traditional series classifiers that the "series_classification" task compares."""
    from deepmine.timeseries import baselines as B
    from deepmine.timeseries import classifiers as C

    return [
        Candidate("fcn", "deep", lambda s: C.FCNClassifier(random_state=s),
                  "fully convolutional network (Wang et al. 2017): conv blocks 128/256/128, global average pooling"),
        Candidate("resnet", "deep", lambda s: C.ResNetClassifier(random_state=s),
                  "ResNet (Wang et al. 2017): three residual blocks of 64/128/128 filters"),
        Candidate("inception_time", "deep", lambda s: C.InceptionTimeClassifier(random_state=s),
                  "InceptionTime (Ismail Fawaz et al. 2020): six inception modules, residual every three"),
        Candidate("cnn_rnn", "deep", lambda s: C.CNNRNNClassifier(random_state=s),
                  "conv path and bidirectional LSTM path in parallel, concatenated (after Yang & Jiang 2019)"),
        Candidate("lstm", "deep", lambda s: C.LSTMClassifier(random_state=s),
                  "bidirectional LSTM over time, max-pooled"),
        Candidate("knn_euclidean", "traditional", lambda s: B.KNeighborsSeriesClassifier("euclidean"),
                  "1-nearest neighbour, Euclidean distance"),
        Candidate("knn_dtw", "traditional", lambda s: B.KNeighborsSeriesClassifier("dtw", window=0.1),
                  "1-nearest neighbour, DTW with a 10% Sakoe-Chiba window"),
        Candidate("minirocket", "traditional", lambda s: B.RocketClassifier("minirocket", random_state=s),
                  "MiniROCKET features (10,000 kernels) + ridge classifier (Dempster et al. 2021)"),
        Candidate("summary_forest", "traditional", lambda s: B.SummaryForestClassifier(random_state=s),
                  "random forest (200 trees) on per-channel summary statistics"),
    ]


def _series_shape(X) -> dict:
    cases = series_list(X)
    lengths = [c.shape[1] for c in cases]
    return {"series": len(cases), "channels": int(cases[0].shape[0]), "min_length": int(min(lengths)),
            "max_length": int(max(lengths))}


def compare_series_classifiers(task: Task, X_train, y_train, X_test, y_test, models=None, random_state: int = 0,
                               options: Mapping[str, Any] | None = None,
                               progress: Callable[[str], None] | None = None,
                               info: dict | None = None) -> Leaderboard:
    """Fit every selected candidate of ``task`` on the training series and score it on the test series.

    ``options`` set every matching parameter of each model (``{"max_epochs": 20}``); the frame has
    accuracy, balanced accuracy, macro-F1, ROC-AUC and log loss on the test series, fit_s and
    predict_s, sorted by the task's primary metric.
    """
    from deepmine.evaluation.compare import set_matching_params

    y_train = np.asarray(y_train.to_numpy() if isinstance(y_train, (pd.Series, pd.DataFrame)) else y_train)
    y_test = np.asarray(y_test.to_numpy() if isinstance(y_test, (pd.Series, pd.DataFrame)) else y_test)
    if y_train.ndim == 2 and y_train.shape[1] == 1:
        y_train = y_train[:, 0]
    if y_test.ndim == 2 and y_test.shape[1] == 1:
        y_test = y_test[:, 0]
    train_shape, test_shape = _series_shape(X_train), _series_shape(X_test)
    rows, fitted, predictions = [], {}, {}
    for cand in task.select(models):
        model = set_matching_params(cand.factory(random_state), dict(options or {}))
        if progress:
            progress(f"fitting {cand.name} ({cand.kind}) on {train_shape['series']} series")
        start = time.perf_counter()
        model.fit(X_train, y_train)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        if hasattr(model, "predict_proba"):
            proba = model.predict_proba(X_test)
            pred = np.asarray(model.classes_)[np.argmax(proba, axis=1)]
        else:
            pred, proba = model.predict(X_test), None
        predict_s = time.perf_counter() - start
        scores = classification_scores(y_test, pred, proba, getattr(model, "classes_", None))
        rows.append({"model": cand.name, "kind": cand.kind, **scores, "fit_s": fit_s, "predict_s": predict_s})
        fitted[cand.name], predictions[cand.name] = model, pred
    frame = sort_frame(pd.DataFrame(rows), task.primary)
    info = dict(info or {})
    info.update({"train_series": train_shape["series"], "test_series": test_shape["series"],
                 "channels": train_shape["channels"],
                 "train_length": (train_shape["min_length"], train_shape["max_length"]),
                 "test_length": (test_shape["min_length"], test_shape["max_length"]),
                 "classes": int(len(np.unique(y_train))), "random_state": random_state,
                 "options": dict(options or {})})
    info.setdefault("split", "given train and test series")
    return Leaderboard(task.name, task.primary, frame, fitted, _histories(fitted), info, pd.Series(y_test),
                       predictions)


__all__ = ["compare_series_classifiers", "series_classification_candidates"]
