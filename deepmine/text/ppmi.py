"""PPMIEmbedding: word vectors from counting, the traditional baseline beside word2vec.

Count how often each pair of words occurs near each other, weigh the counts by positive pointwise
mutual information (PPMI), and factor the PPMI matrix with a truncated SVD (Levy, Goldberg and Dagan
2015, "Improving distributional similarity with lessons learned from word embeddings"). Words that
never occur together but share neighbours get similar vectors, and a positive entry in the low-rank
reconstruction of the PPMI matrix (the effect latent semantic analysis is known for, Deerwester et
al. 1990).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.extmath import svd_flip

from deepmine.base import store_params
from deepmine.errors import DataError, DataWarning, ParameterError, check_positive_int
from deepmine.text._wordvectors import WordVectorsMixin
from deepmine.text.prepare import Vocabulary

# up to this many words the SVD is computed exactly (LAPACK); above, with ARPACK's truncated solver
_DENSE_SVD_MAX_WORDS = 2000


def cooccurrence(docs: list[list[int]], n_words: int, window: int | None) -> sp.csr_matrix:
    """Symmetric (n_words, n_words) counts of word pairs at most ``window`` tokens apart in one document.

    ``docs`` holds word ids (0 .. n_words-1). ``window=None`` counts every pair of positions in the same
    document, whatever their distance. A token is never paired with itself; a word that occurs twice in
    a document is paired with its other occurrence (a diagonal count).
    """
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    ids = np.fromiter((i for d in docs for i in d), dtype=np.int64, count=int(lengths.sum()))
    if window is None:
        # pairs of distinct positions in a document: D^T D minus each position paired with itself
        doc_of = np.repeat(np.arange(len(docs)), lengths)
        D = sp.csr_matrix((np.ones(len(ids)), (doc_of, ids)), shape=(len(docs), n_words))
        return (D.T @ D - sp.diags(np.asarray(D.sum(axis=0)).ravel())).tocsr()
    doc_of = np.repeat(np.arange(len(docs)), lengths)
    rows, cols = [], []
    for offset in range(1, window + 1):
        same = doc_of[:-offset] == doc_of[offset:]
        if not same.any():
            break
        rows.append(ids[:-offset][same])
        cols.append(ids[offset:][same])
    if not rows:
        return sp.csr_matrix((n_words, n_words))
    r, c = np.concatenate(rows), np.concatenate(cols)
    counts = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n_words, n_words))
    return (counts + counts.T).tocsr()


def ppmi(counts: sp.spmatrix, shift: float = 1.0, alpha: float = 1.0) -> sp.csr_matrix:
    """max(0, log(p(w, c) / (p(w) p(c))) - log(shift)) of a co-occurrence count matrix, natural log.

    ``alpha`` < 1 smooths the context distribution (p(c) proportional to count(c) ** alpha), which
    lowers the PMI of rare contexts; 1 gives plain PPMI.
    """
    counts = sp.coo_matrix(counts)
    total = counts.sum()
    if total <= 0:
        return sp.csr_matrix(counts.shape)
    row = np.asarray(counts.sum(axis=1)).ravel() / total
    col = np.asarray(counts.sum(axis=0)).ravel() ** alpha
    col = col / col.sum()
    keep = counts.data > 0
    r, c, n = counts.row[keep], counts.col[keep], counts.data[keep]
    values = np.log(n / total) - np.log(row[r]) - np.log(col[c]) - np.log(shift)
    positive = values > 0
    return sp.csr_matrix((values[positive], (r[positive], c[positive])), shape=counts.shape)


class PPMIEmbedding(WordVectorsMixin, TransformerMixin, BaseEstimator):
    """Word vectors from a truncated SVD of the positive PMI matrix of word co-occurrences.

    The word vectors are ``U_k * sqrt(S_k)`` where ``PPMI ~ U_k S_k V_k^T`` is the rank-``k`` SVD
    (Levy et al. 2015's symmetric weighting, better than ``U_k S_k`` on similarity and analogy tasks).

    Parameters
    ----------
    n_components : int
        The dimension ``k`` of the word vectors; at most the vocabulary size minus one (larger values
        are lowered, with a :class:`~deepmine.errors.DataWarning`).
    window : int or None
        Count pairs of words at most this many tokens apart (on either side); None counts every pair of
        tokens in the same document (whole-document windows, as latent semantic analysis does). Words
        outside the vocabulary are removed before windowing.
    min_count : int
        Keep words that occur at least this many times.
    max_size : int or None
        Keep at most this many words, the most frequent.
    shift : float
        Subtract ``log(shift)`` from the PMI before clipping at 0 (shifted PPMI; 1 = plain PPMI).
    alpha : float
        Context-distribution smoothing exponent (0.75 in Levy et al. 2015; 1 = none).
    weighting : {"mean", "tfidf"}
        How :meth:`transform` averages word vectors into a document vector.
    stop_words : None, "english" or a collection of words
        Words to drop when splitting texts (see :class:`~deepmine.text.Tokenizer`).
    lowercase : bool
        Lower-case texts before splitting them.
    random_state : int, RandomState or None
        Seeds the starting vector of the truncated SVD (used above 2,000 words).

    Attributes
    ----------
    vocabulary_ : list of str
        The words, most frequent first; row ``i`` of ``word_vectors_`` belongs to ``vocabulary_[i]``.
    counts_ : ndarray of int64
        How often each word occurs.
    cooccurrence_ : scipy.sparse.csr_matrix
        The symmetric co-occurrence counts.
    ppmi_ : scipy.sparse.csr_matrix
        The (shifted) PPMI matrix, natural log.
    word_vectors_ : ndarray of shape (n_words, n_components_)
        ``U_k * sqrt(S_k)``.
    components_ : ndarray of shape (n_components_, n_words)
        ``V_k^T``, the right singular vectors.
    singular_values_ : ndarray of shape (n_components_,)
        ``S_k``, largest first.
    n_components_ : int
        The dimension used (``n_components`` or less).
    idf_ : ndarray
        Inverse document frequency of each word (for ``weighting="tfidf"``).

    Examples
    --------
    >>> from gensim.test.utils import common_texts
    >>> model = PPMIEmbedding(n_components=2, window=None).fit(common_texts)
    >>> float(model.ppmi_frame().loc["human", "user"]), round(float(model.low_rank_ppmi(2).loc["human", "user"]), 2)
    (0.0, 0.38)
    """

    def __init__(self, n_components: int = 100, window: int | None = 5, min_count: int = 1, max_size: int | None = None,
                 shift: float = 1.0, alpha: float = 1.0, weighting: str = "mean", stop_words=None,
                 lowercase: bool = True, random_state=None):
        store_params(self, locals())

    def _check_params(self) -> None:
        check_positive_int("n_components", self.n_components)
        check_positive_int("window", self.window, allow_none=True)
        check_positive_int("min_count", self.min_count)
        check_positive_int("max_size", self.max_size, allow_none=True)
        if not isinstance(self.shift, (int, float, np.number)) or not self.shift > 0:
            raise ParameterError(f"shift must be a positive number (1 for plain PPMI), got {self.shift!r}")
        if not isinstance(self.alpha, (int, float, np.number)) or not 0 < self.alpha <= 1:
            raise ParameterError(f"alpha must be in (0, 1] (1 for no smoothing, 0.75 is usual), got {self.alpha!r}")
        self._check_weighting()

    def fit(self, X, y=None):
        """Learn the vocabulary, the PPMI matrix and the word vectors from the documents ``X``.

        ``X`` holds texts (a list of strings, a Series or one DataFrame column) or documents already
        split into tokens (a list of lists of strings, used as they are). ``y`` is ignored.
        """
        self._check_params()
        docs = self._tokens(X)
        vocab = Vocabulary.build(docs, self.min_count, self.max_size)
        words = vocab.itos[2:]
        if len(words) < 2:
            raise DataError(f"the vocabulary has only {len(words)} word ({words[0]!r}); word vectors need at least "
                            f"two distinct words, so give more text or lower min_count")
        self._set_words(words, vocab.counts, docs)
        ids = [[self._word_index[t] for t in doc if t in self._word_index] for doc in docs]
        self.cooccurrence_ = cooccurrence(ids, len(words), self.window)
        self.ppmi_ = ppmi(self.cooccurrence_, float(self.shift), float(self.alpha))
        if self.ppmi_.nnz == 0:
            raise DataError("no two words of the vocabulary ever occur together within the window, so the PPMI "
                            "matrix is empty; give longer texts or a wider window (window=None: whole documents)")
        k = int(self.n_components)
        if k > len(words) - 1:
            warnings.warn(f"n_components={k} is more than the vocabulary of {len(words)} words allows; using "
                          f"{len(words) - 1}", DataWarning, stacklevel=2)
            k = len(words) - 1
        U, S, Vt = self._svd(k)
        self.n_components_ = k
        self.singular_values_ = S
        self.components_ = Vt
        self._set_vectors(U * np.sqrt(S))
        return self

    def _svd(self, k: int):
        if self.ppmi_.shape[0] <= _DENSE_SVD_MAX_WORDS:
            U, S, Vt = np.linalg.svd(self.ppmi_.toarray(), full_matrices=False)
            U, S, Vt = U[:, :k], S[:k], Vt[:k]
        else:
            from scipy.sparse.linalg import svds

            rng = check_random_state(self.random_state)
            v0 = rng.uniform(-1, 1, self.ppmi_.shape[0])
            U, S, Vt = svds(self.ppmi_.astype(np.float64), k=k, solver="arpack", v0=v0)
            order = np.argsort(-S)
            U, S, Vt = U[:, order], S[order], Vt[order]
        U, Vt = svd_flip(U, Vt)  # a deterministic sign for each dimension
        return U, S, Vt

    # ------------------------------------------------------------------ the matrices, by word
    def ppmi_frame(self) -> pd.DataFrame:
        """The PPMI matrix as a dense DataFrame indexed by word on both axes (small vocabularies only)."""
        self._check_fitted()
        return pd.DataFrame(self.ppmi_.toarray(), index=self.vocabulary_, columns=self.vocabulary_)

    def low_rank_ppmi(self, rank: int | None = None) -> pd.DataFrame:
        """The rank-``rank`` reconstruction ``U_r S_r V_r^T`` of the PPMI matrix, indexed by word on both axes.

        ``rank`` is at most ``n_components_`` (None: all of them). Entries that are 0 in the PPMI
        matrix (words never seen together) can be positive here: the words share neighbours.
        """
        self._check_fitted()
        rank = self.n_components_ if rank is None else rank
        check_positive_int("rank", rank)
        if rank > self.n_components_:
            raise ParameterError(f"rank must be at most n_components_={self.n_components_}, got {rank}; refit with a "
                                 f"larger n_components")
        S = self.singular_values_[:rank]
        U = self.word_vectors_[:, :rank] / np.sqrt(np.where(S > 0, S, 1.0))
        matrix = (U * S) @ self.components_[:rank]
        return pd.DataFrame(matrix, index=self.vocabulary_, columns=self.vocabulary_)
