"""TopicModel: LDA and NMF beside two embedding topic models (BERTopic's pipeline, and MiniLM + k-means).

- "lda": word counts -> scikit-learn's ``LatentDirichletAllocation`` (batch variational Bayes).
- "nmf": TF-IDF -> scikit-learn's ``NMF``.
- "bertopic" (the deep one, BERTopic's pipeline, Grootendorst 2022): all-MiniLM-L6-v2 sentence embeddings
  -> UMAP to 5 dimensions -> HDBSCAN, which finds the number of topics itself and leaves outliers out
  of every topic -> class-based TF-IDF over each topic's documents -> top words; when HDBSCAN finds more
  than ``n_topics`` topics, the most similar ones are merged (agglomerative clustering of their word
  weights) down to ``n_topics``. Built from umap-learn and scikit-learn's HDBSCAN, not the bertopic package.
- "embedding": all-MiniLM-L6-v2 sentence embeddings -> k-means with ``n_topics`` clusters -> class-based
  TF-IDF over the words of each cluster's documents -> top words.

All three read words with deepmine's :class:`~deepmine.text.prepare.Tokenizer` (see :class:`TopicWords`),
so a topic word is the same token everywhere in deepmine. The scores of a topic model
(:func:`topic_coherence`, :func:`topic_diversity`, :func:`evaluate_topics`) live in
:mod:`deepmine.text.topic_metrics` and are re-exported here.
"""

from __future__ import annotations

import time
from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from deepmine.base import store_params
from deepmine.errors import DataError, ParameterError, check_fitted, check_positive_int, require
from deepmine.text.prepare import Tokenizer, as_texts
from deepmine.text.topic_metrics import evaluate_topics, topic_coherence, topic_diversity

METHODS = ("lda", "nmf", "bertopic", "embedding")
EMBEDDED = ("bertopic", "embedding")
# "embedding" weights: softmax((x . c - |c|^2 / 2) / TEMPERATURE) over the k-means centres c, i.e. a
# softmax of minus half the squared distance, so the largest weight is always the k-means cluster.
TEMPERATURE = 0.05


class TopicWords:
    """The analyzer of the topic models' vectorizers: deepmine's Tokenizer, less one-letter words and numbers.

    Topic words are deepmine tokens (lower-cased, NFKC, inner apostrophes and hyphens kept, optional
    stop words); tokens shorter than two characters and tokens made only of digits ("2001") are
    dropped, as they name no topic (scikit-learn's own token pattern drops one-letter words too).
    """

    def __init__(self, stop_words="english"):
        self.stop_words = stop_words
        self.tokenizer = Tokenizer(stop_words=stop_words, min_length=2)

    def __call__(self, text: str) -> list[str]:
        return [t for t in self.tokenizer(text) if not t.isdigit()]


def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max(axis=1, keepdims=True)
    out = np.exp(scores)
    return out / out.sum(axis=1, keepdims=True)


def class_tfidf(counts, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """BERTopic's class-based TF-IDF: one row of word weights per class (cluster).

    The counts of each class's documents are summed and L1-normalised per class (tf), then weighted
    by ``log(1 + A / f_t)`` with ``A`` the mean number of words per class and ``f_t`` the word's
    count over all classes. Documents labelled -1 are left out.
    """
    labels = np.asarray(labels)
    keep = labels >= 0
    member = sp.csr_matrix((np.ones(int(keep.sum())), (labels[keep], np.flatnonzero(keep))),
                           shape=(n_classes, counts.shape[0]))
    per_class = np.asarray((member @ sp.csr_matrix(counts)).todense(), dtype=np.float64)
    totals = per_class.sum(axis=1, keepdims=True)
    tf = per_class / np.where(totals > 0, totals, 1.0)
    f_t = per_class.sum(axis=0)
    mean_words = per_class.sum() / max(n_classes, 1)
    idf = np.log1p(mean_words / np.where(f_t > 0, f_t, np.inf))
    return tf * idf


_REMEMBER_TEXTS = 20_000


class TopicModel(TransformerMixin, BaseEstimator):
    """Topics of a collection of texts: LDA, NMF, BERTopic's pipeline, or sentence embeddings + k-means.

    Parameters
    ----------
    method : {"lda", "nmf", "bertopic", "embedding"}
        "lda": counts + ``LatentDirichletAllocation`` (learning_method="batch"); "nmf": TF-IDF +
        ``NMF`` (init="nndsvda"); "bertopic": MiniLM sentence embeddings reduced by UMAP (``umap_neighbors``
        neighbours, ``umap_components`` dimensions, cosine, min_dist 0) and clustered by HDBSCAN
        (``min_cluster_size``), outliers left out of every topic, each topic described by the class-based
        TF-IDF of the number of its texts holding each word (:func:`class_tfidf`, with binary counts); "embedding":
        MiniLM sentence embeddings clustered by ``KMeans`` (n_init=10), each cluster described by its
        class-based TF-IDF top words.
    n_topics : int >= 2
        The number of topics (clusters for "embedding"); at most the number of texts. For "bertopic", the
        most topics kept: HDBSCAN finds the number itself, and more than ``n_topics`` are merged down to it
        (``n_topics_`` says how many there are).
    top_n : int
        How many top words ``topics_`` keeps per topic.
    stop_words : "english", None or a list of words
        Words never used as topic words ("english": scikit-learn's list).
    min_df, max_df : int or float
        Keep words in at least ``min_df`` and at most ``max_df`` of the texts (an int counts texts,
        a float is a share), as in scikit-learn's vectorizers.
    max_features : int or None
        Keep only the most frequent words.
    max_iter : int or None
        Iterations of LDA (passes), NMF or k-means; None keeps scikit-learn's defaults (10, 200, 300).
    random_state : int, RandomState or None
        Seed of LDA, NMF's initialisation and k-means.
    device : "auto", "cpu", "cuda", ...
        Where the sentence encoder runs ("embedding" only).
    batch_size : int
        Texts per encoder batch ("bertopic" and "embedding").
    min_cluster_size : int or "auto"
        HDBSCAN's smallest topic ("bertopic" only); "auto": 10 (BERTopic's default), less for small
        collections (a fifteenth of the texts, at least 2).
    umap_neighbors, umap_components : int
        UMAP's neighbourhood size and output dimensions ("bertopic" only; BERTopic's 15 and 5).

    Attributes
    ----------
    topics_ : list of list of str
        The ``top_n`` words of each topic, strongest first (words of zero weight are left out).
    components_ : ndarray (n_topics, n_words)
        The weight of each word in each topic: LDA's topic-word pseudo-counts, NMF's H, or the
        class-based TF-IDF of each cluster.
    vocabulary_ : ndarray of str
        The words, in the column order of ``components_``.
    labels_ : ndarray of int
        Each training text's main topic; -1 for a text with no word of the vocabulary ("lda",
        "nmf"), with no text at all ("bertopic", "embedding"), or an HDBSCAN outlier ("bertopic").
    n_topics_ : int
        The number of topics found (``n_topics`` except for "bertopic").
    outlier_share_ : float
        The share of training texts in no topic (HDBSCAN's outliers for "bertopic", texts with no
        known word otherwise).
    topic_sizes_ : ndarray of int
        How many training texts have each topic as their main topic.
    doc_topic_ : ndarray (n_texts, n_topics)
        ``transform`` of the training texts.
    cluster_centers_ : ndarray (n_topics, 384)
        The k-means centres ("embedding"), or the mean unit embedding of each topic's texts ("bertopic").
    fit_seconds_ : float
        How long ``fit`` took (for "embedding" this includes the encoding unless ``embeddings`` were given).

    ``transform`` gives weights that sum to 1 per text. "lda": the topic proportions; "nmf": NMF's
    W normalised per row; "embedding": a softmax over the clusters of ``(x . c - |c|^2 / 2) / 0.05``
    (``TEMPERATURE``) with ``x`` the unit sentence embedding and ``c`` a k-means centre, which is a
    softmax of minus half the squared distance, so the main topic is the nearest centre exactly as
    k-means assigns it. "bertopic" weighs the topics' mean embeddings in the same way, so ``predict``
    gives every text (HDBSCAN's outliers too) its nearest topic, as BERTopic's ``reduce_outliers`` with
    embeddings does, while ``labels_`` keeps the outliers at -1. A text with no word of the vocabulary (or,
    for the embedding methods, no text) gets equal weights and topic -1.
    """

    def __init__(self, method="lda", n_topics=10, top_n=10, stop_words="english", min_df=2, max_df=0.95,
                 max_features=20000, max_iter=None, random_state=None, device="auto", batch_size=64,
                 min_cluster_size="auto", umap_neighbors=15, umap_components=5):
        store_params(self, locals())

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        if self.method not in METHODS:
            raise ParameterError(f"method must be one of {', '.join(map(repr, METHODS))}, got {self.method!r}")
        for name, low in (("n_topics", 2), ("top_n", 1), ("batch_size", 1), ("umap_neighbors", 2),
                          ("umap_components", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
                raise ParameterError(f"{name} must be a whole number of at least {low}, got {value!r}")
        check_positive_int("max_iter", self.max_iter, allow_none=True)
        if self.min_cluster_size != "auto" and (isinstance(self.min_cluster_size, bool) or not isinstance(
                self.min_cluster_size, Integral) or self.min_cluster_size < 2):
            raise ParameterError(f"min_cluster_size must be 'auto' or a whole number of at least 2, "
                                 f"got {self.min_cluster_size!r}")
        for name in ("min_df", "max_df"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Real) or value < 0 or (
                    isinstance(value, float) and value > 1):
                raise ParameterError(f"{name} must be a count of texts (int) or a share in [0, 1] (float), "
                                     f"got {value!r}")

    def __getstate__(self):
        # the training texts and their embeddings are a shortcut for this process only: never saved
        state = super().__getstate__()
        state.pop("_fitted_texts", None)
        state.pop("_fitted_vectors", None)
        return state

    def _check_fitted(self) -> None:
        check_fitted(self, "components_")

    def _embeddings(self, texts: list[str], embeddings) -> np.ndarray:
        if embeddings is None:
            from deepmine.text.encoder import encode_texts

            return encode_texts(texts, device=self.device, batch_size=self.batch_size)
        embeddings = np.asarray(embeddings, dtype=np.float32)
        if embeddings.ndim != 2 or len(embeddings) != len(texts):
            raise DataError(f"embeddings must hold one row per text ({len(texts)}), got shape {embeddings.shape}; "
                            f"pass encode_texts(texts) or leave embeddings out")
        if hasattr(self, "cluster_centers_") and embeddings.shape[1] != self.cluster_centers_.shape[1]:
            raise DataError(f"embeddings have {embeddings.shape[1]} columns but the model was fitted on "
                            f"{self.cluster_centers_.shape[1]}; use the same encoder as in fit")
        return embeddings

    def _vectorize(self, texts: list[str]):
        from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
        from sklearn.utils._param_validation import InvalidParameterError

        kind = TfidfVectorizer if self.method == "nmf" else CountVectorizer
        vectorizer = kind(analyzer=TopicWords(self.stop_words), min_df=self.min_df, max_df=self.max_df,
                          max_features=self.max_features)
        try:
            matrix = vectorizer.fit_transform(texts)
        except InvalidParameterError as exc:
            raise ParameterError(f"{exc}; fix min_df, max_df or max_features") from None
        except ValueError as exc:  # scikit-learn's "empty vocabulary" / "no terms remain" / "max_df < min_df"
            raise DataError(
                f"no topic words are left in the {len(texts)} texts after dropping stop words "
                f"(stop_words={self.stop_words!r}), numbers and words in fewer than min_df={self.min_df!r} or more "
                f"than max_df={self.max_df!r} of the texts ({exc}); lower min_df, raise max_df or give more text"
            ) from None
        return vectorizer, matrix

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y=None, embeddings=None):
        """Learn ``n_topics`` topics from the texts in ``X``; ``y`` is ignored.

        ``embeddings`` ("embedding" only): the texts' sentence embeddings if already computed (say by
        :func:`~deepmine.text.encoder.encode_texts`), so they are not encoded again.
        """
        self._check_params()
        texts = as_texts(X)
        if self.n_topics > len(texts):
            raise DataError(f"n_topics={self.n_topics} is more than the {len(texts)} texts; ask for at most "
                            f"{len(texts)} topics or give more texts")
        start = time.perf_counter()
        vectorizer, matrix = self._vectorize(texts)
        max_iter = {} if self.max_iter is None else {"max_iter": int(self.max_iter)}
        if self.method == "lda":
            from sklearn.decomposition import LatentDirichletAllocation

            model = LatentDirichletAllocation(n_components=self.n_topics, learning_method="batch",
                                              random_state=self.random_state, **max_iter).fit(matrix)
            self.components_ = model.components_
        elif self.method == "nmf":
            from sklearn.decomposition import NMF

            model = NMF(n_components=self.n_topics, init="nndsvda", random_state=self.random_state,
                        **max_iter).fit(matrix)
            self.components_ = model.components_
        else:
            vectors = self._embeddings(texts, embeddings)
            # kept (for corpora up to _REMEMBER_TEXTS texts) so that transforming the training texts, as
            # compare and topic coherence do, does not encode them a second time
            kept = len(texts) <= _REMEMBER_TEXTS
            self._fitted_texts, self._fitted_vectors = (list(texts), vectors) if kept else (None, None)
        self.n_topics_ = int(self.n_topics)
        if self.method == "embedding":
            from sklearn.cluster import KMeans

            model = KMeans(n_clusters=self.n_topics, n_init=10, random_state=self.random_state,
                           **max_iter).fit(vectors)
            self.cluster_centers_ = model.cluster_centers_.astype(np.float64)
        if self.method == "bertopic":
            model = None  # UMAP and HDBSCAN serve the fit only; new texts go to the nearest topic centre
        self.vectorizer_, self.estimator_ = vectorizer, model
        self.vocabulary_ = vectorizer.get_feature_names_out()
        if self.method == "bertopic":
            self.labels_ = self._density_topics(texts, matrix, vectors)
            self.doc_topic_ = self._weights(texts, matrix, vectors)
        elif self.method == "embedding":
            self.doc_topic_ = self._weights(texts, matrix, vectors)
            self.labels_ = self._main_topic(self.doc_topic_, texts, matrix)
            self.components_ = class_tfidf(matrix, self.labels_, self.n_topics)
        else:
            self.doc_topic_ = self._weights(texts, matrix, None)
            self.labels_ = self._main_topic(self.doc_topic_, texts, matrix)
        self.topics_ = self.top_words(self.top_n)
        self.topic_sizes_ = np.bincount(self.labels_[self.labels_ >= 0], minlength=self.n_topics_)
        self.outlier_share_ = float((self.labels_ < 0).mean()) if len(self.labels_) else 0.0
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def _density_topics(self, texts: list[str], matrix, vectors: np.ndarray) -> np.ndarray:
        """BERTopic's steps: UMAP, HDBSCAN, class-based TF-IDF, merging down to ``n_topics``; the labels (-1: outlier).

        Sets ``n_topics_``, ``components_`` and ``cluster_centers_``; topics are numbered from the largest.
        """
        import warnings

        from sklearn.cluster import HDBSCAN

        umap = require("umap", "text")
        n = len(texts)
        empty = self._empty_rows(texts, matrix)
        if n - int(empty.sum()) < 3:
            raise DataError(f"'bertopic' needs at least 3 texts with words to find topics, got {n - int(empty.sum())}; "
                            f"give more texts or use method='nmf'")
        if self.min_cluster_size == "auto":
            min_size = int(np.clip(n // 15, 2, 10))
        else:
            min_size = int(self.min_cluster_size)
        keep = np.flatnonzero(~empty)
        reducer = umap.UMAP(n_neighbors=int(min(self.umap_neighbors, len(keep) - 1)),
                            n_components=int(min(self.umap_components, len(keep) - 2)), min_dist=0.0,
                            metric="cosine", random_state=self.random_state)
        with warnings.catch_warnings():  # "n_jobs overridden to 1 by setting random_state": the price of a seed
            warnings.simplefilter("ignore", UserWarning)
            reduced = reducer.fit_transform(vectors[keep])
        found = HDBSCAN(min_cluster_size=min(min_size, len(keep)), metric="euclidean",
                        cluster_selection_method="eom", copy=True).fit_predict(reduced)
        labels = np.full(n, -1, dtype=np.int64)
        labels[keep] = found
        if labels.max() < 0:  # HDBSCAN saw one dense blob or none: one topic of every text
            labels[keep] = 0
        binary = matrix.copy()
        binary.data[:] = 1.0  # the number of a topic's texts holding a word: favours words spread over the topic
        n_found = int(labels.max()) + 1
        weights = class_tfidf(binary, labels, n_found)
        if n_found > self.n_topics:
            from sklearn.cluster import AgglomerativeClustering

            unit = weights / np.maximum(np.linalg.norm(weights, axis=1, keepdims=True), 1e-12)
            merged = AgglomerativeClustering(n_clusters=int(self.n_topics), metric="cosine",
                                             linkage="average").fit_predict(unit)
            labels = np.where(labels >= 0, merged[np.maximum(labels, 0)], -1)
        sizes = np.bincount(labels[labels >= 0])
        order = np.argsort(-sizes, kind="stable")  # topic 0 is the largest, as in BERTopic
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        labels = np.where(labels >= 0, rank[np.maximum(labels, 0)], -1)
        self.n_topics_ = int(labels.max()) + 1
        self.components_ = class_tfidf(binary, labels, self.n_topics_)
        unit = np.asarray(vectors, dtype=np.float64)
        centers = np.stack([unit[labels == t].mean(axis=0) for t in range(self.n_topics_)])
        self.cluster_centers_ = centers / np.maximum(np.linalg.norm(centers, axis=1, keepdims=True), 1e-12)
        return labels

    # ------------------------------------------------------------------ weights and topics
    def _empty_rows(self, texts: list[str], matrix) -> np.ndarray:
        if self.method in EMBEDDED:
            return np.array([not t.strip() for t in texts], dtype=bool)
        return np.asarray(matrix.getnnz(axis=1) == 0)

    def _weights(self, texts: list[str], matrix, vectors) -> np.ndarray:
        if self.method in EMBEDDED:
            centers = self.cluster_centers_
            vectors = np.asarray(vectors, dtype=np.float64)
            scores = (vectors @ centers.T - 0.5 * (centers ** 2).sum(axis=1)) / TEMPERATURE
            weights = _softmax(scores)
        else:
            weights = np.asarray(self.estimator_.transform(matrix), dtype=np.float64)
            totals = weights.sum(axis=1, keepdims=True)
            weights = weights / np.where(totals > 0, totals, 1.0)
        weights[self._empty_rows(texts, matrix)] = 1.0 / self.n_topics_
        return weights

    def _main_topic(self, weights: np.ndarray, texts: list[str], matrix) -> np.ndarray:
        labels = weights.argmax(axis=1).astype(np.int64)
        labels[self._empty_rows(texts, matrix)] = -1
        return labels

    def top_words(self, n: int = 10) -> list[list[str]]:
        """The ``n`` strongest words of each topic (fewer when fewer words have any weight)."""
        self._check_fitted()
        if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
            raise ParameterError(f"n must be a positive whole number, got {n!r}")
        topics = []
        for row in self.components_:
            order = np.argsort(-row, kind="stable")[:n]
            topics.append([str(self.vocabulary_[i]) for i in order if row[i] > 0])
        return topics

    def _prepare(self, X, embeddings):
        self._check_fitted()
        texts = as_texts(X)
        matrix = self.vectorizer_.transform(texts)
        vectors = None
        if self.method in EMBEDDED:
            if embeddings is None and getattr(self, "_fitted_texts", None) == texts:
                vectors = self._fitted_vectors  # the training texts again: encoded once, in fit
            else:
                vectors = self._embeddings(texts, embeddings)
        return texts, matrix, vectors

    def transform(self, X, embeddings=None) -> np.ndarray:
        """Topic weights of each text, shape (n_texts, n_topics), each row summing to 1 (see the class notes)."""
        texts, matrix, vectors = self._prepare(X, embeddings)
        return self._weights(texts, matrix, vectors)

    def fit_transform(self, X, y=None, embeddings=None) -> np.ndarray:
        """Fit, then the topic weights of the training texts (``doc_topic_``)."""
        return self.fit(X, embeddings=embeddings).doc_topic_

    def predict(self, X, embeddings=None) -> np.ndarray:
        """The main topic of each text (the largest weight); -1 for a text with no known word."""
        texts, matrix, vectors = self._prepare(X, embeddings)
        return self._main_topic(self._weights(texts, matrix, vectors), texts, matrix)

    # ------------------------------------------------------------------ tables
    def topic_table(self) -> pd.DataFrame:
        """One row per topic: topic, size (training texts whose main topic it is), share and its top words."""
        self._check_fitted()
        n = max(len(self.labels_), 1)
        return pd.DataFrame({
            "topic": np.arange(self.n_topics_),
            "size": self.topic_sizes_.astype(np.int64),
            "share": self.topic_sizes_ / n,
            "words": [", ".join(words) for words in self.topics_],
        })

    def assignments(self, texts=None, embeddings=None) -> pd.DataFrame:
        """Each text's main topic and its weight: columns doc (position), topic, weight.

        Without ``texts``, the training texts (from ``labels_`` and ``doc_topic_``).
        """
        self._check_fitted()
        if texts is None:
            weights, labels = self.doc_topic_, self.labels_
        else:
            texts, matrix, vectors = self._prepare(texts, embeddings)
            weights = self._weights(texts, matrix, vectors)
            labels = self._main_topic(weights, texts, matrix)
        weight = np.where(labels >= 0, weights[np.arange(len(labels)), np.maximum(labels, 0)], 0.0)
        return pd.DataFrame({"doc": np.arange(len(labels)), "topic": labels, "weight": weight})

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.non_deterministic = self.random_state is None
        return tags


__all__ = ["TopicModel", "TopicWords", "class_tfidf", "evaluate_topics", "topic_coherence", "topic_diversity"]
