"""compare for time-series classification: every candidate fitted on the training series, scored on the test series."""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from deepmine.evaluation.leaderboard import Leaderboard
from deepmine.evaluation.prepared import compare_prepared
from deepmine.evaluation.tasks import Candidate, Task
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
    """Fit every selected candidate of ``task`` on the training series and score it on the test series
    (accuracy, balanced accuracy, macro-F1, ROC-AUC, log loss, fit_s, predict_s); ``info`` gains the
    series counts, channels, length ranges and number of classes."""
    train_shape, test_shape = _series_shape(X_train), _series_shape(X_test)
    info = {"split": "given train and test series", **dict(info or {}),
            "train_series": train_shape["series"], "test_series": test_shape["series"],
            "channels": train_shape["channels"],
            "train_length": (train_shape["min_length"], train_shape["max_length"]),
            "test_length": (test_shape["min_length"], test_shape["max_length"]),
            "classes": int(len(np.unique(np.asarray(y_train))))}
    return compare_prepared(task, X_train, y_train, X_test, y_test, models, random_state, options, progress,
                            info, unit="series")


__all__ = ["compare_series_classifiers", "series_classification_candidates"]
