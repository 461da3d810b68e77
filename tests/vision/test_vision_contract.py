"""The scikit-learn contract for the image estimators (see tests/text/test_text_contract.py for why here)."""

import pickle

import numpy as np
import pytest
from contract import check_constructible_and_clone
from sklearn.base import clone

import deepmine.datasets
from deepmine.errors import NotFittedError
from deepmine.vision.classifiers import CNNClassifier, PixelClassifier
from deepmine.vision.segmentation import UNetSegmenter, make_shapes

CLASSIFIERS = [CNNClassifier(architecture="lenet", max_epochs=2, random_state=0),
               CNNClassifier(widths=(8, 16), max_epochs=2, random_state=0), PixelClassifier("logistic"),
               PixelClassifier("svm"), PixelClassifier("knn")]
IDS = ["cnn_lenet", "cnn_resnet", "logistic", "svm", "knn"]


@pytest.fixture(scope="module")
def digits():
    data = deepmine.datasets.load("digits")
    return data.X.iloc[:300], data.y.iloc[:300], data.X.iloc[300:360]


@pytest.mark.parametrize("estimator", CLASSIFIERS + [UNetSegmenter()], ids=IDS + ["unet"])
def test_default_constructible_params_unchanged_and_clone(estimator):
    check_constructible_and_clone(estimator)


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=IDS)
def test_classifier_contract(estimator, digits):
    X, y, X_new = digits
    model = clone(estimator)
    with pytest.raises(NotFittedError):
        model.predict(X_new)
    assert model.fit(X, y) is model and model.get_params() == estimator.get_params()
    assert list(model.classes_) == list(range(10))
    proba = model.predict_proba(X_new)
    assert proba.shape == (60, 10) and np.allclose(proba.sum(1), 1)
    np.testing.assert_array_equal(model.predict(X_new), model.classes_[proba.argmax(1)])
    np.testing.assert_allclose(pickle.loads(pickle.dumps(model)).predict_proba(X_new), proba, atol=1e-6)
    np.testing.assert_allclose(clone(estimator).fit(X, y).predict_proba(X_new), proba, atol=1e-6)


def test_segmenter_contract():
    images, masks = make_shapes(16, size=16, random_state=0)
    estimator = UNetSegmenter(widths=(4, 8), max_epochs=1, random_state=0)
    model = clone(estimator)
    with pytest.raises(NotFittedError):
        model.predict(images)
    assert model.fit(images, masks) is model
    proba = model.predict_proba(images)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(model)).predict_proba(images), proba, atol=1e-6)
    np.testing.assert_allclose(clone(estimator).fit(images, masks).predict_proba(images), proba, atol=1e-6)
