"""Every family of deep networks takes ``precision``: series, image and text networks train under bf16 autocast
when asked (their weights and predictions stay float32), record what they trained in, and a comparison passes
the choice on and reports it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

import deepmine
import deepmine.datasets
from deepmine.anomaly.autoencoder import AutoencoderDetector
from deepmine.cluster.dec import DEC
from deepmine.text.classifiers import CNNTextClassifier, RNNTextClassifier
from deepmine.timeseries.classifiers import FCNClassifier, LSTMClassifier
from deepmine.vision.classifiers import CNNClassifier

def _italy():
    from aeon.datasets import load_classification

    X, y = load_classification("ItalyPowerDemand", split="train")
    return X, np.asarray(y)


def _digits():
    X, y = load_digits(return_X_y=True)
    return X[:300], y[:300]


def _reviews():
    frame = deepmine.datasets.load("amazon_reviews").frame
    train = frame[frame.split == "train"].sample(300, random_state=0)
    return train[["text"]], train.score


# tiny networks, one or two epochs: the point is what they compute in, not how well
FAMILIES = {
    "series_fcn": (lambda **kw: FCNClassifier(filters=(8, 8, 8), max_epochs=2, **kw), _italy),
    "series_lstm": (lambda **kw: LSTMClassifier(hidden=8, max_epochs=2, **kw), _italy),
    "image_cnn": (lambda **kw: CNNClassifier(architecture="lenet", max_epochs=2, augment=False, **kw), _digits),
    "text_cnn": (lambda **kw: CNNTextClassifier(embed_dim=16, filters=8, max_length=32, max_epochs=1,
                                                early_stopping=None, **kw), _reviews),
    "text_rnn": (lambda **kw: RNNTextClassifier(cell="gru", embed_dim=16, hidden=8, max_length=32, max_epochs=1,
                                                early_stopping=None, **kw), _reviews),
}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_each_family_trains_in_the_precision_asked(family, training_dtypes):
    make, data = FAMILIES[family]
    X, y = data()
    model = make(precision="bf16", random_state=0, device="cpu").fit(X, y)
    assert torch.bfloat16 in training_dtypes  # the LSTM's too: its head is a linear layer
    assert training_dtypes <= {torch.bfloat16, torch.float32}  # float32 only where autocast keeps it
    assert model.training_precision_ == "bf16"
    assert all(p.dtype == torch.float32 for p in model.module_.parameters())
    proba = model.predict_proba(X)
    assert proba.dtype in (np.float32, np.float64) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("family", ["series_fcn", "text_cnn"])
def test_float32_asked_trains_in_float32(family, training_dtypes):
    make, data = FAMILIES[family]
    X, y = data()
    model = make(precision="float32", random_state=0, device="cpu").fit(X, y)
    assert training_dtypes == {torch.float32}
    assert model.training_precision_ == "float32"


def test_compare_passes_the_precision_on_and_reports_it(churn_sample):
    board = deepmine.compare("classification", churn_sample, target="churn", models="deep_mlp,logistic_regression",
                             options={"precision": "bf16", "max_epochs": 2}, random_state=0)
    assert board.info["precision"] == {"deep_mlp": "bf16"}  # the traditional model has none
    assert board.models["deep_mlp"].training_precision_ == "bf16"
    assert board.to_dict()["info"]["precision"] == {"deep_mlp": "bf16"}  # what metrics.json holds


@pytest.mark.parametrize("make", [
    lambda **kw: AutoencoderDetector(code_dim=2, hidden=(16,), max_epochs=2, **kw),
    lambda **kw: DEC(n_clusters=3, code_dim=2, hidden=(16,), max_epochs=2, cluster_epochs=2, **kw),
], ids=["autoencoder_detector", "dec"])
def test_unsupervised_networks_train_in_the_precision_asked(make, training_dtypes, breast_cancer, monkeypatch):
    from deepmine.training.trainer import Trainer

    asked = []  # every Trainer of the fit: DEC has two, the autoencoder's pretraining and the clustering phase
    start = Trainer.start_precision
    monkeypatch.setattr(Trainer, "start_precision", lambda self, device: (asked.append(self.precision),
                                                                          start(self, device)))
    X = breast_cancer.frame.drop(columns=breast_cancer.target).iloc[:300]
    model = make(precision="bf16", random_state=0, device="cpu").fit(X)
    assert asked and set(asked) == {"bf16"}
    assert torch.bfloat16 in training_dtypes
    assert model.training_precision_ == "bf16"
    assert all(p.dtype == torch.float32 for p in model.module_.parameters())
    assert np.isfinite(model.transform(X)).all()
