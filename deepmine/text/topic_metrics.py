"""Scores of a topic model: NPMI coherence, topic diversity, and both at once for a leaderboard.

- :func:`topic_coherence`: mean normalised pointwise mutual information (NPMI) of the pairs of each
  topic's top words, counted in a reference corpus (higher is better, -1..1).
- :func:`topic_diversity`: the share of distinct words among all topics' top words (Dieng et al.
  2020; 1 means no two topics share a word).
- :func:`evaluate_topics`: both, plus the number of topics and the fitting time.
"""

from __future__ import annotations

import math
import time
import unicodedata
from itertools import combinations
from numbers import Integral

import numpy as np
import scipy.sparse as sp

from deepmine.errors import DataError, ParameterError
from deepmine.text.prepare import Tokenizer, as_texts


def _check_n(name: str, value, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise ParameterError(f"{name} must be a whole number of at least {low}, got {value!r}")
    return int(value)


def _as_topics(topics, top_n: int) -> list[list[str]]:
    if isinstance(topics, str) or not hasattr(topics, "__iter__"):
        raise DataError("topics must be a list of topics, each a list of words, e.g. model.topics_")
    out = []
    for i, topic in enumerate(topics):
        if isinstance(topic, str) or not hasattr(topic, "__iter__"):
            raise DataError(f"topic {i} is {topic!r}, not a list of words; give each topic as a list of words")
        words = list(topic)[:top_n]
        bad = [w for w in words if not isinstance(w, str)]
        if bad:
            raise DataError(f"topic {i} holds {bad[0]!r}, which is not a word; give topics as lists of strings")
        out.append([unicodedata.normalize("NFKC", w).casefold() for w in words])
    if not out:
        raise DataError("there are no topics to score; give at least one topic")
    return out


def _occurrences(token_lists: list[list[str]], index: dict[str, int], window: int | None):
    """(number of windows, per-word window counts, word-pair window counts) for the words in ``index``.

    With ``window=None`` a window is a whole document (boolean document); otherwise the windows are
    every run of ``window`` consecutive tokens, and a shorter document is one window, as in gensim.
    """
    n_words = len(index)
    co = np.zeros((n_words, n_words), dtype=np.int64)
    n_windows = 0
    for tokens in token_lists:
        ids = np.fromiter((index.get(t, -1) for t in tokens), dtype=np.int64, count=len(tokens))
        if window is None or len(ids) <= window:
            present = np.unique(ids[ids >= 0])
            n_windows += 1
            if len(present):
                co[np.ix_(present, present)] += 1
            continue
        views = np.lib.stride_tricks.sliding_window_view(ids, window)
        rows = np.repeat(np.arange(len(views)), window)
        cols = views.ravel()
        keep = cols >= 0
        n_windows += len(views)
        if keep.any():
            B = sp.csr_matrix((np.ones(int(keep.sum())), (rows[keep], cols[keep])), shape=(len(views), n_words))
            B.data[:] = 1.0  # a word several times in one window counts once
            co += np.asarray((B.T @ B).todense(), dtype=np.int64)
    return n_windows, np.diag(co).copy(), co


def npmi(n_i: int, n_j: int, n_ij: int, n: int) -> float:
    """NPMI of two words seen in ``n_i`` and ``n_j`` of ``n`` windows, together in ``n_ij``.

    ``log(p_ij / (p_i p_j)) / -log(p_ij)``; -1 when they never occur together (including a word that
    never occurs), +1 when both occur in every window.
    """
    if n_ij == 0:
        return -1.0
    if n_ij == n:
        return 1.0
    p_i, p_j, p_ij = n_i / n, n_j / n, n_ij / n
    return math.log(p_ij / (p_i * p_j)) / -math.log(p_ij)


def coherence_per_topic(topics, texts, top_n: int = 10, window: int | None = None) -> np.ndarray:
    """The NPMI coherence of each topic (NaN for a topic of fewer than two words); see :func:`topic_coherence`."""
    top_n = _check_n("top_n", top_n)
    if window is not None:
        window = _check_n("window", window, 2)
    topics = _as_topics(topics, top_n)
    texts = as_texts(texts)
    words = sorted({w for topic in topics for w in topic})
    index = {w: i for i, w in enumerate(words)}
    n, counts, co = _occurrences(Tokenizer().tokenize(texts), index, window)
    scores = []
    for topic in topics:
        ids = [index[w] for w in dict.fromkeys(topic)]
        pairs = [npmi(counts[a], counts[b], co[a, b], n) for a, b in combinations(ids, 2)]
        scores.append(float(np.mean(pairs)) if pairs else float("nan"))
    return np.array(scores)


def topic_coherence(topics, texts, top_n: int = 10, window: int | None = None) -> float:
    """Mean NPMI coherence of ``topics`` in the reference corpus ``texts`` (-1..1, higher is better).

    For every topic, the NPMI of each pair of its first ``top_n`` words is averaged; the result is
    the mean over topics (topics of fewer than two distinct words are left out). Probabilities are
    the shares of windows holding the word(s): with ``window=None`` a window is a whole document
    (boolean document), with ``window=w`` every run of ``w`` consecutive tokens (a shorter document
    is one window). The texts are read with deepmine's Tokenizer (no stop words dropped), and the
    topic words are lower-cased the same way.

    This is gensim's ``CoherenceModel(coherence="c_npmi")`` definition (per-pair NPMI, arithmetic
    mean per topic, then over topics): ``window=10`` matches gensim's default ``window_size=10``
    and ``window=None`` matches gensim with a window longer than every document. One difference:
    a pair that never co-occurs scores exactly -1 here, while gensim adds ``1e-12`` inside the logs,
    which gives a value a little above -1 (e.g. -0.83 for two words each in 10% of the windows).
    """
    scores = coherence_per_topic(topics, texts, top_n, window)
    if np.isnan(scores).all():
        raise DataError("no topic has two distinct words, so coherence is undefined; give topics of at least two words")
    return float(np.nanmean(scores))


def topic_diversity(topics, top_n: int = 25) -> float:
    """Share of distinct words among the first ``top_n`` words of all topics (Dieng et al. 2020), in (0, 1].

    1 means no word is shared between topics; values near 1/n_topics mean the topics repeat each
    other. Topics with fewer than ``top_n`` words count the words they have.
    """
    top_n = _check_n("top_n", top_n)
    topics = _as_topics(topics, top_n)
    words = [w for topic in topics for w in topic]
    if not words:
        raise DataError("the topics hold no words, so diversity is undefined; give topics with words")
    return len(set(words)) / len(words)


def evaluate_topics(model, texts, window: int | None = None, diversity_top_n: int = 25) -> dict:
    """Scores of a topic model on the reference corpus ``texts``, for a leaderboard.

    An unfitted ``model`` is fitted on ``texts`` first. Returns ``coherence`` (NPMI of the
    ``model.top_n`` top words, see :func:`topic_coherence`), ``diversity`` (of the top
    ``diversity_top_n`` words, see :func:`topic_diversity`), ``n_topics`` and ``seconds`` (the
    model's ``fit_seconds_``).
    """
    texts = as_texts(texts)
    if not hasattr(model, "components_"):
        start = time.perf_counter()
        model.fit(texts)
        seconds = getattr(model, "fit_seconds_", time.perf_counter() - start)
    else:
        seconds = getattr(model, "fit_seconds_", float("nan"))
    return {
        "coherence": topic_coherence(model.topics_, texts, top_n=model.top_n, window=window),
        "diversity": topic_diversity(model.top_words(diversity_top_n), top_n=diversity_top_n),
        "n_topics": int(len(model.topics_)),
        "seconds": float(seconds),
    }


__all__ = ["coherence_per_topic", "evaluate_topics", "npmi", "topic_coherence", "topic_diversity"]
