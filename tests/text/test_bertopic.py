"""TopicModel("bertopic"): BERTopic's pipeline (MiniLM -> UMAP -> HDBSCAN -> class-based TF-IDF) on the Lee news corpus."""

import numpy as np
import pytest
from lee_corpus import N_ENCODED, lee_embeddings, lee_texts

import deepmine
from deepmine.errors import DataError, ParameterError
from deepmine.persist import save_model
from deepmine.text.topics import TopicModel, topic_coherence


@pytest.fixture(scope="module")
def texts():
    return list(lee_texts()[:N_ENCODED])


@pytest.fixture(scope="module")
def model(texts):
    return TopicModel("bertopic", n_topics=5, random_state=0).fit(texts, embeddings=lee_embeddings())


def test_topics_outliers_and_sizes(model, texts):
    assert 2 <= model.n_topics_ <= 5  # HDBSCAN finds the number; more than n_topics are merged down
    assert model.components_.shape == (model.n_topics_, len(model.vocabulary_))
    assert model.cluster_centers_.shape == (model.n_topics_, 384)
    labels = model.labels_
    assert labels.shape == (len(texts),) and set(np.unique(labels)) <= set(range(-1, model.n_topics_))
    # outliers are in no topic, and reported
    assert model.outlier_share_ == pytest.approx((labels == -1).mean())
    assert model.topic_sizes_.sum() + (labels == -1).sum() == len(texts)
    assert list(model.topic_sizes_) == sorted(model.topic_sizes_, reverse=True)  # topic 0 is the largest
    table = model.topic_table()
    assert len(table) == model.n_topics_ and table["size"].tolist() == model.topic_sizes_.tolist()
    # the corpus has ~30 articles on the Israeli-Palestinian conflict
    assert any({"palestinian", "israeli"} <= set(words) for words in model.topics_)


def test_new_texts_go_to_the_nearest_topic(model, texts):
    emb = lee_embeddings()
    weights = model.transform(texts, embeddings=emb)
    assert weights.shape == (len(texts), model.n_topics_) and np.allclose(weights.sum(axis=1), 1.0)
    predicted = model.predict(texts, embeddings=emb)
    assert (predicted >= 0).all()  # HDBSCAN's outliers too get their nearest topic
    inside = model.labels_ >= 0
    assert (predicted[inside] == model.labels_[inside]).mean() > 0.8


def test_words_are_more_coherent_than_kmeans_topics(model, texts):
    # the binary class-based TF-IDF and density clusters: measured on all 300 articles in benchmarks/bench_text.py
    kmeans = TopicModel("embedding", n_topics=model.n_topics_, random_state=0).fit(texts, embeddings=lee_embeddings())
    assert topic_coherence(model.topics_, texts) > topic_coherence(kmeans.topics_, texts)


def test_reproducible_and_saved_without_pickle(model, texts, tmp_path):
    again = TopicModel("bertopic", n_topics=5, random_state=0).fit(texts, embeddings=lee_embeddings())
    assert np.array_equal(again.labels_, model.labels_) and again.topics_ == model.topics_
    save_model(model, tmp_path / "topics")
    assert (tmp_path / "topics" / "model.skops").exists()
    back = deepmine.load(tmp_path / "topics")
    emb = lee_embeddings()[:10]
    np.testing.assert_allclose(back.transform(texts[:10], embeddings=emb), model.transform(texts[:10], embeddings=emb))


def test_bad_requests_are_explained(texts):
    with pytest.raises(ParameterError, match="min_cluster_size must be"):
        TopicModel("bertopic", min_cluster_size=1).fit(texts[:20], embeddings=lee_embeddings()[:20])
    with pytest.raises(DataError, match="at least 3 texts"):
        TopicModel("bertopic", n_topics=2, min_df=1).fit(texts[:2], embeddings=lee_embeddings()[:2])
