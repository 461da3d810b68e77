"""What every word-vector model shares: reading its input, looking words up, neighbours, document vectors.

:class:`WordVectorsMixin` is the base of :class:`~deepmine.text.PPMIEmbedding` and
:class:`~deepmine.text.Word2Vec`. A model that uses it sets, when fitted,

- ``vocabulary_``: the words, a list of str, most frequent first;
- ``counts_``: how often each word occurs in the training texts (int64 array);
- ``word_vectors_``: one row per word of ``vocabulary_`` (float array of shape (n_words, dim));
- ``idf_``: the inverse document frequency of each word (for ``weighting="tfidf"``);

by calling :meth:`WordVectorsMixin._set_words` and :meth:`WordVectorsMixin._set_vectors`, and has the
parameters ``lowercase``, ``stop_words`` and ``weighting``.
"""

from __future__ import annotations

import difflib
import unicodedata
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from deepmine.errors import DataError, ParameterError, UnknownWordError, check_fitted, check_positive_int
from deepmine.text.prepare import Tokenizer, as_texts

WEIGHTINGS = ("mean", "tfidf")


def token_lists(docs: Any, tokenizer: Tokenizer) -> list[list[str]]:
    """The documents as lists of tokens.

    ``docs`` is either texts (anything :func:`~deepmine.text.as_texts` reads: a list of strings, a
    Series, one DataFrame column), which ``tokenizer`` splits, or documents already split into tokens
    (a list whose items are lists or tuples of strings), which are used as they are: no lower-casing
    and no stop-word removal.
    """
    if isinstance(docs, (str, pd.DataFrame)):
        return tokenizer.tokenize(as_texts(docs))
    if isinstance(docs, pd.Series):
        items = docs.tolist()
    elif isinstance(docs, np.ndarray):
        items = list(docs) if docs.dtype == object and docs.ndim == 1 else None
    else:
        try:
            docs = items = list(docs)  # a generator is read once
        except TypeError:
            items = None
    if items is None or not any(isinstance(d, (list, tuple)) for d in items):
        return tokenizer.tokenize(as_texts(docs))
    out = []
    for i, doc in enumerate(items):
        if not isinstance(doc, (list, tuple)) or not all(isinstance(t, str) for t in doc):
            raise DataError(f"the documents mix token lists with other values: document {i} is {doc!r:.60}; give "
                            f"either texts (strings) or every document as a list of string tokens")
        out.append(list(doc))
    if not out:
        raise DataError("there are no texts; give at least one")
    return out


class WordVectorsMixin:
    """Looking up, comparing and averaging the word vectors of a fitted model (see the module docstring)."""

    # ------------------------------------------------------------------ set by fit
    def _tokenizer(self) -> Tokenizer:
        return Tokenizer(lowercase=self.lowercase, stop_words=self.stop_words)

    def _tokens(self, docs) -> list[list[str]]:
        return token_lists(docs, self._tokenizer())

    def _check_weighting(self) -> None:
        if self.weighting not in WEIGHTINGS:
            raise ParameterError(f"weighting must be 'mean' or 'tfidf', got {self.weighting!r}")

    def _set_words(self, words, counts, docs: list[list[str]]) -> None:
        """Record the vocabulary, the word counts and the idf of each word over ``docs``."""
        self.vocabulary_ = [str(w) for w in words]
        self.counts_ = np.asarray(counts, dtype=np.int64)
        self._word_index = {w: i for i, w in enumerate(self.vocabulary_)}
        df = np.asarray((self._count_matrix(docs) > 0).sum(axis=0)).ravel()
        # scikit-learn's smooth idf: log((1 + n) / (1 + df)) + 1
        self.idf_ = np.log((1.0 + len(docs)) / (1.0 + df)) + 1.0

    def _set_vectors(self, vectors: np.ndarray) -> None:
        self.word_vectors_ = vectors
        self.n_features_out_ = int(vectors.shape[1])

    def _count_matrix(self, docs: list[list[str]]) -> sp.csr_matrix:
        """(n_docs, n_words) counts of the known words in each document."""
        index = self._word_index
        rows, cols = [], []
        for r, doc in enumerate(docs):
            ids = [index[t] for t in doc if t in index]
            cols.extend(ids)
            rows.extend([r] * len(ids))
        data = np.ones(len(cols), dtype=np.float64)
        return sp.csr_matrix((data, (rows, cols)), shape=(len(docs), len(self._word_index)))

    # ------------------------------------------------------------------ lookup
    def _check_fitted(self) -> None:
        check_fitted(self, "word_vectors_")

    def _normalise_word(self, word: str) -> str:
        word = unicodedata.normalize("NFKC", word)
        return word.casefold() if self.lowercase else word

    def _id(self, word: str) -> int:
        self._check_fitted()
        if not isinstance(word, str):
            raise DataError(f"a word must be a string, got {word!r} ({type(word).__name__})")
        index = self._word_index
        if word in index:
            return index[word]
        normal = self._normalise_word(word)
        if normal in index:
            return index[normal]
        close = difflib.get_close_matches(normal, self.vocabulary_, n=3, cutoff=0.75)
        hint = (f"similar words that are: {', '.join(map(repr, close))}" if close
                else f"check the spelling, or refit with a lower min_count (now {self.min_count})")
        raise UnknownWordError(f"the word {word!r} is not in the vocabulary of {len(index)} words; {hint}")

    def __contains__(self, word) -> bool:
        self._check_fitted()
        return isinstance(word, str) and (word in self._word_index or self._normalise_word(word) in self._word_index)

    def vector(self, word: str) -> np.ndarray:
        """The vector of ``word`` (a copy); :class:`UnknownWordError` if it is not in the vocabulary."""
        i = self._id(word)
        return np.array(self.word_vectors_[i])

    def vectors_for(self, words, dim: int | None = None) -> np.ndarray:
        """The vectors of ``words`` as rows of a float32 array, a row of NaN for each word not in the vocabulary.

        For initialising another model's embedding layer from these vectors: ``dim`` gives the width
        wanted, padding with zeros (a PPMI model whose small vocabulary lowered ``n_components``) or
        keeping the first ``dim`` columns. Words are looked up exactly as given.
        """
        self._check_fitted()
        width = self.word_vectors_.shape[1]
        dim = width if dim is None else int(dim)
        out = np.full((len(words), dim), np.nan, dtype=np.float32)
        rows = [(r, self._word_index[w]) for r, w in enumerate(words) if w in self._word_index]
        if rows:
            at, ids = (np.asarray(x) for x in zip(*rows))
            out[at] = 0.0
            out[at, : min(dim, width)] = self.word_vectors_[ids, : min(dim, width)]
        return out

    def _unit_vectors(self) -> np.ndarray:
        vectors = np.asarray(self.word_vectors_, dtype=np.float64)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms > 0, norms, 1.0)  # a word with a zero vector stays zero

    def similarity(self, a: str, b: str) -> float:
        """The cosine similarity of the vectors of words ``a`` and ``b`` (0 when either vector is zero)."""
        va, vb = self.vector(a).astype(np.float64), self.vector(b).astype(np.float64)
        na, nb = np.linalg.norm(va), np.linalg.norm(vb)
        return float(va @ vb / (na * nb)) if na > 0 and nb > 0 else 0.0

    def most_similar(self, word: str, topn: int = 10) -> list[tuple[str, float]]:
        """The ``topn`` words whose vectors have the highest cosine with that of ``word``, best first."""
        check_positive_int("topn", topn)
        i = self._id(word)
        units = self._unit_vectors()
        scores = units @ units[i]
        scores[i] = -np.inf
        topn = min(int(topn), len(scores) - 1)
        best = np.argpartition(-scores, topn - 1)[:topn] if topn > 0 else np.array([], dtype=int)
        best = best[np.lexsort((best, -scores[best]))]  # by score, ties by frequency rank
        return [(self.vocabulary_[j], float(scores[j])) for j in best]

    # ------------------------------------------------------------------ documents
    def transform(self, docs) -> np.ndarray:
        """One vector per document: the mean of its words' vectors, or with ``weighting="tfidf"`` their
        mean weighted by term frequency times idf. Words outside the vocabulary are skipped; a document
        with no known word gets zeros. Returns a float array of shape (n_docs, n_features_out_)."""
        self._check_fitted()
        counts = self._count_matrix(self._tokens(docs))
        if self.weighting == "tfidf":
            counts = counts @ sp.diags(self.idf_)
        totals = np.asarray(counts.sum(axis=1)).ravel()
        weights = sp.diags(1.0 / np.where(totals > 0, totals, 1.0)) @ counts
        return np.asarray(weights @ np.asarray(self.word_vectors_, dtype=np.float64), dtype=np.float32)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``<classname>0``, ``<classname>1``, ...: the names of the columns of :meth:`transform`."""
        self._check_fitted()
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(self.n_features_out_)], dtype=object)
