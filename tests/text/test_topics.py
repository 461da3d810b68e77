"""TopicModel (lda, nmf, embedding) and the topic scores, on gensim's Lee news corpus."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from lee_corpus import N_ENCODED, lee_embeddings, lee_texts

from deepmine.errors import DataError, NotFittedError, ParameterError
from deepmine.text.topic_metrics import coherence_per_topic, npmi
from deepmine.text.topics import TopicModel, TopicWords, class_tfidf, evaluate_topics, topic_coherence, topic_diversity

FAST = {"lda": dict(max_iter=10), "nmf": dict(max_iter=100), "embedding": dict()}


def _fit(method, texts, embeddings=None, **params):
    model = TopicModel(method, n_topics=5, random_state=0, **{**FAST[method], **params})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NMF's ConvergenceWarning at few iterations
        return model.fit(texts, embeddings=embeddings)


@pytest.fixture(scope="module")
def texts():
    return list(lee_texts())


@pytest.fixture(scope="module")
def docs(texts):
    """The training texts of each method: all 300 articles, the first N_ENCODED for "embedding"."""
    return {"lda": texts, "nmf": texts, "embedding": texts[:N_ENCODED]}


@pytest.fixture(scope="module")
def models(docs):
    return {"lda": _fit("lda", docs["lda"]), "nmf": _fit("nmf", docs["nmf"]),
            "embedding": _fit("embedding", docs["embedding"], embeddings=lee_embeddings())}


@pytest.mark.parametrize("method", ["lda", "nmf", "embedding"])
def test_fitted_attributes_and_shapes(models, docs, method):
    model, texts = models[method], docs[method]
    assert len(model.topics_) == 5 and all(len(words) == 10 for words in model.topics_)
    assert model.components_.shape == (5, len(model.vocabulary_))
    assert model.labels_.shape == (len(texts),)
    assert model.topic_sizes_.sum() == len(texts) and len(model.topic_sizes_) == 5
    assert len(np.unique(model.labels_)) >= 3  # the articles spread over several topics
    assert np.allclose(model.doc_topic_.sum(axis=1), 1.0)
    # topic words are deepmine tokens without stop words, one-letter words or numbers
    words = {w for topic in model.topics_ for w in topic}
    assert not words & {"the", "and", "of"} and not any(w.isdigit() or len(w) < 2 for w in words)


@pytest.mark.parametrize("method", ["lda", "nmf", "embedding"])
def test_finds_the_middle_east_topic(models, method):
    # the corpus has ~30 articles on the Israeli-Palestinian conflict
    assert any({"palestinian", "israeli"} <= set(words) for words in models[method].topics_)


@pytest.mark.parametrize("method", ["lda", "nmf", "embedding"])
def test_transform_predict_and_tables(models, docs, method):
    model, texts = models[method], docs[method]
    emb = lee_embeddings()[:7] if method == "embedding" else None
    weights = model.transform(texts[:7], embeddings=emb)
    assert weights.shape == (7, 5) and np.allclose(weights.sum(axis=1), 1.0) and (weights >= 0).all()
    assert np.array_equal(model.predict(texts[:7], embeddings=emb), model.labels_[:7])
    assert np.array_equal(weights.argmax(axis=1), model.labels_[:7])
    table = model.topic_table()
    assert list(table.columns) == ["topic", "size", "share", "words"] and len(table) == 5
    assert table["size"].sum() == len(texts) and table["words"].iloc[0] == ", ".join(model.topics_[0])
    train = model.assignments()
    assert list(train.columns) == ["doc", "topic", "weight"] and len(train) == len(texts)
    assert np.array_equal(train["topic"], model.labels_)
    new = model.assignments(texts[:7], embeddings=emb)
    assert np.allclose(new["weight"], weights.max(axis=1))


@pytest.mark.parametrize("method", ["lda", "nmf", "embedding"])
def test_scores_are_in_range(models, docs, method):
    scores = evaluate_topics(models[method], docs[method])
    assert set(scores) == {"coherence", "diversity", "n_topics", "seconds"}
    assert -1 <= scores["coherence"] <= 1 and 0 < scores["diversity"] <= 1 and scores["n_topics"] == 5
    assert scores["seconds"] > 0


def test_reproducible_with_random_state(models, texts):
    again = _fit("lda", texts)
    assert again.topics_ == models["lda"].topics_ and np.allclose(again.components_, models["lda"].components_)
    again = _fit("embedding", texts[:N_ENCODED], embeddings=lee_embeddings())
    assert np.array_equal(again.labels_, models["embedding"].labels_) and again.topics_ == models["embedding"].topics_


def test_embedding_encodes_texts_itself(texts):
    # the one path that runs the encoder inside the model, on a few short texts
    docs = [t[:300] for t in texts[:24]]
    model = TopicModel("embedding", n_topics=3, min_df=1, random_state=0).fit(docs)
    assert model.cluster_centers_.shape == (3, 384) and len(model.topics_) == 3
    assert np.array_equal(model.predict(docs[:4]), model.labels_[:4])


def test_text_without_known_words_gets_no_topic(texts):
    docs = texts[:60] + ["the and of", ""]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = TopicModel("nmf", n_topics=3, max_iter=50, random_state=0).fit(docs)
    assert list(model.labels_[-2:]) == [-1, -1]
    assert np.allclose(model.doc_topic_[-1], 1 / 3)
    assert model.assignments()["weight"].iloc[-1] == 0.0
    assert model.topic_sizes_.sum() == 60


def test_class_tfidf_formula():
    counts = np.array([[2, 0, 1], [0, 3, 1], [1, 0, 0]])
    labels = np.array([0, 1, 0])
    weights = class_tfidf(counts, labels, 2)
    per_class = np.array([[3, 0, 1], [0, 3, 1]], dtype=float)
    tf = per_class / per_class.sum(axis=1, keepdims=True)
    expected = tf * np.log1p(per_class.sum() / 2 / per_class.sum(axis=0))
    assert np.allclose(weights, expected)


def test_topic_words_tokenizer():
    assert TopicWords()("The 2001 Bush-fires didn't reach Sydney's A-league") == [
        "bush-fires", "didn't", "reach", "sydney's", "a-league"]


# --------------------------------------------------------------------------- errors
def test_errors(texts):
    with pytest.raises(DataError, match="no texts"):
        TopicModel().fit([])
    with pytest.raises(DataError, match="no topic words are left"):
        TopicModel(n_topics=2, min_df=1).fit(["the and of", "it is what it is", "we are"])
    with pytest.raises(DataError, match="lower min_df"):
        TopicModel(n_topics=2, min_df=50).fit(texts[:20])
    with pytest.raises(DataError, match="n_topics=30 is more than the 20 texts"):
        TopicModel(n_topics=30).fit(texts[:20])
    with pytest.raises(ParameterError, match="method must be one of"):
        TopicModel(method="lsa").fit(texts[:20])
    with pytest.raises(ParameterError, match="n_topics"):
        TopicModel(n_topics=1).fit(texts[:20])
    with pytest.raises(ParameterError, match="min_df"):
        TopicModel(min_df=-1).fit(texts[:20])
    with pytest.raises(NotFittedError):
        TopicModel().transform(texts[:2])
    with pytest.raises(DataError, match="one row per text"):
        TopicModel("embedding", n_topics=2).fit(texts[:20], embeddings=np.zeros((3, 384)))


# --------------------------------------------------------------------------- coherence and diversity
def test_npmi_definition():
    assert npmi(10, 10, 0, 100) == -1.0  # never together
    assert npmi(100, 100, 100, 100) == 1.0  # always together
    assert math.isclose(npmi(10, 10, 10, 100), 1.0)  # always together when present
    p_i, p_j, p_ij = 0.2, 0.5, 0.1  # independent words
    assert math.isclose(npmi(20, 50, 10, 100), math.log(p_ij / (p_i * p_j)) / -math.log(p_ij), abs_tol=1e-12)
    assert math.isclose(npmi(20, 50, 10, 100), 0.0, abs_tol=1e-12)


def test_coherence_by_hand():
    docs = ["apple banana", "apple banana", "cherry", "cherry date"]
    # apple/banana always together: 1; apple/cherry never: -1
    assert topic_coherence([["apple", "banana"]], docs) == pytest.approx(1.0)
    assert topic_coherence([["apple", "cherry"]], docs) == pytest.approx(-1.0)
    assert topic_coherence([["apple", "banana"], ["apple", "cherry"]], docs) == pytest.approx(0.0)
    assert topic_coherence([["Apple", "BANANA"]], docs) == pytest.approx(1.0)  # words are lower-cased
    assert math.isnan(coherence_per_topic([["apple"]], docs)[0])
    with pytest.raises(DataError, match="two distinct words"):
        topic_coherence([["apple"]], docs)
    with pytest.raises(DataError, match="not a list of words"):
        topic_coherence(["apple banana"], docs)


def test_coherence_matches_gensim_c_npmi(models, texts):
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    from deepmine.text.prepare import Tokenizer

    topics = models["nmf"].topics_
    tokens = Tokenizer().tokenize(texts)
    # boolean document: gensim's sliding window with a window longer than every article
    gensim = CoherenceModel(topics=topics, texts=tokens, dictionary=Dictionary(tokens), coherence="c_npmi",
                            window_size=10**6, topn=10, processes=1).get_coherence_per_topic()
    assert np.allclose(coherence_per_topic(topics, texts), gensim, atol=1e-9)
    # sliding windows of 4 tokens, on texts without repeated words (where gensim's incremental
    # window update is exact) and topics whose pairs all co-occur (gensim's 1e-12 epsilon unused)
    docs = ["a b c d e f", "b c d g", "a c e g h", "c d e"]
    topics = [["c", "d", "e"], ["a", "c"]]
    tokens = Tokenizer().tokenize(docs)
    gensim = CoherenceModel(topics=topics, texts=tokens, dictionary=Dictionary(tokens), coherence="c_npmi",
                            window_size=4, topn=10, processes=1).get_coherence_per_topic()
    assert np.allclose(coherence_per_topic(topics, docs, window=4), gensim, atol=1e-9)


def test_diversity():
    assert topic_diversity([["a", "b"], ["a", "c"]]) == pytest.approx(0.75)
    assert topic_diversity([["a", "b"], ["c", "d"]]) == 1.0
    assert topic_diversity([["a", "b", "c"], ["a", "d", "e"]], top_n=1) == 0.5
    with pytest.raises(DataError):
        topic_diversity([])


def test_evaluate_fits_an_unfitted_model(texts):
    model = TopicModel("nmf", n_topics=3, max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = evaluate_topics(model, pd.Series(texts[:80]))
    assert hasattr(model, "topics_") and scores["n_topics"] == 3 and scores["seconds"] > 0
