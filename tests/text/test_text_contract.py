"""The scikit-learn contract for estimators that take texts.

scikit-learn's ``parametrize_with_checks`` cannot test them: it feeds numeric arrays and skips any
estimator whose input tag says strings (sklearn.utils.estimator_checks._yield_all_checks). So the
parts of the contract that apply to texts are checked here, for every text estimator in one place:
default-constructible with parameters stored unchanged, clone, fit returns self, learned attributes
end in "_", not-fitted use raises NotFittedError, a pickle predicts the same, and a seed reproduces.
"""

import pickle

import numpy as np
import pytest
from contract import check_constructible_and_clone
from sklearn.base import clone

import deepmine.datasets
from deepmine.errors import NotFittedError
from deepmine.text import (CNNTextClassifier, LexiconSentimentClassifier, PPMIEmbedding, RNNTextClassifier,
                           TfidfClassifier, TopicModel, TransformerClassifier, Word2Vec)

_TINY = dict(embed_dim=8, max_epochs=2, max_length=16, random_state=0)
CLASSIFIERS = [RNNTextClassifier(hidden=8, **_TINY), CNNTextClassifier(filters=4, **_TINY),
               TransformerClassifier(hidden=(8,), max_epochs=2, random_state=0), TfidfClassifier(random_state=0),
               TfidfClassifier("linear_svm", random_state=0), TfidfClassifier("naive_bayes"),
               LexiconSentimentClassifier()]
TRANSFORMERS = [PPMIEmbedding(n_components=4, random_state=0), Word2Vec(vector_size=8, min_count=1, random_state=0),
                TopicModel("nmf", n_topics=2, min_df=1, random_state=0),
                TopicModel("bertopic", n_topics=2, min_df=1, random_state=0)]


@pytest.fixture(scope="module")
def sentences():
    frame = deepmine.datasets.load("polarity").frame.sample(60, random_state=0)
    return list(frame.text), list(frame.label)


def _ids(estimators):
    return [f"{type(e).__name__}-{i}" for i, e in enumerate(estimators)]


@pytest.mark.parametrize("estimator", CLASSIFIERS + TRANSFORMERS, ids=_ids(CLASSIFIERS + TRANSFORMERS))
def test_default_constructible_params_unchanged_and_clone(estimator):
    check_constructible_and_clone(estimator)


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=_ids(CLASSIFIERS))
def test_classifier_contract(estimator, sentences):
    texts, labels = sentences
    model = clone(estimator)
    with pytest.raises(NotFittedError):
        model.predict(texts[:2])
    assert model.fit(texts, labels) is model
    assert list(model.classes_) == ["neg", "pos"]
    proba = model.predict_proba(texts)
    assert proba.shape == (len(texts), 2) and np.allclose(proba.sum(1), 1)
    assert set(model.predict(texts)) <= {"neg", "pos"}
    np.testing.assert_allclose(pickle.loads(pickle.dumps(model)).predict_proba(texts), proba, atol=1e-6)
    np.testing.assert_allclose(clone(estimator).fit(texts, labels).predict_proba(texts), proba, atol=1e-6)


@pytest.mark.parametrize("estimator", TRANSFORMERS, ids=_ids(TRANSFORMERS))
def test_transformer_contract(estimator, sentences):
    texts, _ = sentences
    model = clone(estimator)
    with pytest.raises(NotFittedError):
        model.transform(texts[:2])
    assert model.fit(texts) is model
    out = model.transform(texts)
    assert out.shape[0] == len(texts) and np.isfinite(out).all()
    np.testing.assert_allclose(pickle.loads(pickle.dumps(model)).transform(texts), out, atol=1e-6)
    np.testing.assert_allclose(clone(estimator).fit(texts).transform(texts), out, atol=1e-5)
