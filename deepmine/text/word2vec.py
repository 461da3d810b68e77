"""Word2Vec: gensim's word2vec (Mikolov et al. 2013) behind deepmine's API, stored as plain arrays.

The network is trained by gensim; once fitted the model keeps only the vocabulary, the counts and
the word vectors (numpy), so it saves with deepmine's safe format and needs no gensim to be loaded
and queried.
"""

from __future__ import annotations

import zlib

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state

from deepmine.base import store_params
from deepmine.errors import DataError, ParameterError, check_positive_int, require
from deepmine.text._wordvectors import WordVectorsMixin


ARCHITECTURES = ("cbow", "skipgram")
# gensim cuts longer sentences at this many tokens; longer documents are fed in pieces of this size
_MAX_TOKENS = 10000


def _stable_hash(text: str) -> int:
    """A hash of a string that, unlike Python's ``hash``, does not change with PYTHONHASHSEED."""
    return zlib.crc32(text.encode("utf-8"))


class Word2Vec(WordVectorsMixin, TransformerMixin, BaseEstimator):
    """Word vectors learned by a shallow network predicting words from their neighbours (word2vec).

    Training uses gensim's ``Word2Vec`` with negative sampling. With ``workers=1`` and a
    ``random_state`` the vectors are the same on every run (deepmine passes gensim a seed and a string
    hash that does not depend on PYTHONHASHSEED); more workers train faster but not reproducibly.

    Parameters
    ----------
    vector_size : int
        The dimension of the word vectors.
    window : int
        The largest distance between a word and the neighbours it predicts (or is predicted from);
        gensim samples a smaller window for each word, so near neighbours count more.
    min_count : int
        Ignore words that occur fewer times than this (gensim's default, 5; use 1 for tiny corpora).
    max_size : int or None
        Keep at most this many words, the most frequent.
    architecture : {"cbow", "skipgram"}
        Continuous bag of words (predict a word from the mean of its neighbours; fast) or skip-gram
        (predict each neighbour from the word; better for rare words).
    negative : int
        Noise words drawn for each positive example (negative sampling).
    epochs : int
        Passes over the corpus.
    sample : float
        Down-sample words more frequent than this fraction of the corpus (0: no down-sampling).
    learning_rate : float
        The initial learning rate, decayed linearly to 0.0001 (gensim's ``alpha``).
    workers : int
        Training threads; only ``workers=1`` is reproducible.
    weighting : {"mean", "tfidf"}
        How :meth:`transform` averages word vectors into a document vector.
    stop_words : None, "english" or a collection of words
        Words to drop when splitting texts (see :class:`~deepmine.text.Tokenizer`).
    lowercase : bool
        Lower-case texts before splitting them.
    random_state : int, RandomState or None
        Seed of the initial vectors and of the sampling.

    Attributes
    ----------
    vocabulary_ : list of str
        The words, most frequent first; row ``i`` of ``word_vectors_`` belongs to ``vocabulary_[i]``.
    counts_ : ndarray of int64
        How often each word occurs.
    word_vectors_ : ndarray of float32, shape (n_words, vector_size)
        The learned input vectors (gensim's ``wv.vectors``); ``vectors_`` is the same array.
    idf_ : ndarray
        Inverse document frequency of each word (for ``weighting="tfidf"``).
    """

    def __init__(self, vector_size: int = 100, window: int = 5, min_count: int = 5, max_size: int | None = None,
                 architecture: str = "cbow", negative: int = 5, epochs: int = 5, sample: float = 1e-3,
                 learning_rate: float = 0.025, workers: int = 1, weighting: str = "mean", stop_words=None,
                 lowercase: bool = True, random_state=None):
        store_params(self, locals())

    @property
    def vectors_(self) -> np.ndarray:
        """The word vectors (the same array as ``word_vectors_``)."""
        return self.word_vectors_

    def _check_params(self) -> None:
        for name in ("vector_size", "window", "min_count", "negative", "epochs", "workers"):
            check_positive_int(name, getattr(self, name))
        check_positive_int("max_size", self.max_size, allow_none=True)
        if self.architecture not in ARCHITECTURES:
            raise ParameterError(f"architecture must be 'cbow' or 'skipgram', got {self.architecture!r}")
        if not isinstance(self.sample, (int, float, np.number)) or not 0 <= self.sample < 1:
            raise ParameterError(f"sample must be a number in [0, 1) (1e-3 is usual, 0 turns it off), "
                                 f"got {self.sample!r}")
        if not isinstance(self.learning_rate, (int, float, np.number)) or not self.learning_rate > 0:
            raise ParameterError(f"learning_rate must be a positive number (0.025 is usual), "
                                 f"got {self.learning_rate!r}")
        self._check_weighting()

    def fit(self, X, y=None):
        """Train word vectors on the documents ``X``.

        ``X`` holds texts (a list of strings, a Series or one DataFrame column) or documents already
        split into tokens (a list of lists of strings, used as they are). ``y`` is ignored.
        """
        self._check_params()
        gensim_models = require("gensim.models", "text")
        docs = self._tokens(X)
        sentences = [doc[i: i + _MAX_TOKENS] for doc in docs for i in range(0, len(doc), _MAX_TOKENS)] or [[]]
        counts: dict[str, int] = {}
        for doc in docs:
            for token in doc:
                counts[token] = counts.get(token, 0) + 1
        if not any(c >= self.min_count for c in counts.values()):
            raise DataError(f"the vocabulary is empty: no word appears at least min_count={self.min_count} time(s) in "
                            f"the {len(docs)} text(s) ({len(counts)} distinct words in all); lower min_count or give "
                            f"more text")
        seed = int(check_random_state(self.random_state).randint(0, 2**31 - 1))
        model = gensim_models.Word2Vec(
            sentences=sentences, vector_size=int(self.vector_size), window=int(self.window),
            min_count=int(self.min_count), max_final_vocab=self.max_size, sg=int(self.architecture == "skipgram"),
            hs=0, negative=int(self.negative), epochs=int(self.epochs), sample=float(self.sample),
            alpha=float(self.learning_rate), workers=int(self.workers), seed=seed, hashfxn=_stable_hash,
        )
        words = list(model.wv.index_to_key)
        self._set_words(words, [model.wv.get_vecattr(w, "count") for w in words], docs)
        self._set_vectors(np.array(model.wv.vectors, dtype=np.float32))
        return self
