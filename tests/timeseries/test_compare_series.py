"""compare("series_classification", ...) on series already in memory: (cases, labels) pairs."""

import numpy as np
import pandas as pd
import pytest

from deepmine.errors import DeepmineError
from deepmine.evaluation.metrics import CLASSIFICATION_METRICS
from deepmine.evaluation import compare
from deepmine.evaluation.tasks import get_task


def _task():
    return get_task("series_classification")


def test_candidates_cover_deep_and_traditional_models():
    task = _task()
    assert {n: c.kind for n, c in task.candidates.items()} == {
        "fcn": "deep", "resnet": "deep", "inception_time": "deep", "cnn_rnn": "deep", "lstm": "deep",
        "knn_euclidean": "traditional", "knn_dtw": "traditional", "minirocket": "traditional",
        "summary_forest": "traditional"}
    for cand in task.candidates.values():
        model = cand.factory(3)
        assert hasattr(model, "fit") and hasattr(model, "predict_proba") and cand.description
        if "random_state" in model.get_params():
            assert model.get_params()["random_state"] == 3


def test_compare_ranks_fitted_models_on_the_test_series():
    from aeon.datasets import load_classification

    Xtr, ytr = load_classification("ItalyPowerDemand", split="train")
    Xte, yte = load_classification("ItalyPowerDemand", split="test")
    Xte, yte = Xte[:300], yte[:300]
    messages = []
    board = compare("series_classification", (Xtr, ytr), test=(Xte, yte), models="knn_euclidean,summary_forest,fcn",
                    random_state=0, options={"max_epochs": 3, "n_estimators": 20}, progress=messages.append)
    frame = board.frame
    assert list(frame["model"]) == sorted(frame["model"], key=lambda m: -frame.set_index("model").loc[m, "accuracy"])
    assert set(frame["model"]) == {"knn_euclidean", "summary_forest", "fcn"}
    for col in [*CLASSIFICATION_METRICS, "fit_s", "predict_s"]:
        assert frame[col].notna().all(), col
    assert board.task == "series_classification" and board.primary == "accuracy"
    # the options reached the models that have those parameters, and only those
    assert board.models["fcn"].n_iter_ == 3 and board.models["summary_forest"].n_estimators == 20
    assert list(board.histories) == ["fcn"]
    knn = board.models["knn_euclidean"]
    np.testing.assert_array_equal(board.predictions["knn_euclidean"], knn.predict(Xte))
    acc = frame.set_index("model").loc["knn_euclidean", "accuracy"]
    assert acc == pytest.approx((knn.predict(Xte) == yte).mean())
    assert isinstance(board.y_test, pd.Series) and len(board.y_test) == 300
    assert board.info["split"] == "given test set" and board.info["train_series"] == 67
    assert board.info["channels"] == 1 and board.info["train_length"] == (24, 24)
    assert len(messages) == 3 and "fcn" in messages[-1]


def test_unknown_model_is_named():
    X = np.random.default_rng(0).normal(size=(10, 1, 8))
    y = np.array([0, 1] * 5)
    with pytest.raises(DeepmineError, match="transformer"):
        compare("series_classification", (X, y), test=(X, y), models=["transformer"])
