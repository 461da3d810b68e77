"""SearchIndex: find the texts that best answer a query, by BM25, TF-IDF cosine or sentence embeddings.

- "bm25": Okapi BM25 (Lucene's variant) through the ``bm25s`` package, on deepmine's tokens.
- "tfidf": scikit-learn's ``TfidfVectorizer`` (on deepmine's tokens) and cosine similarity.
- "dense" (the deep one): all-MiniLM-L6-v2 sentence embeddings, cosine similarity (a dot product
  of unit vectors).

An index saves as a folder of JSON and ``.npy`` files and loads without unpickling anything. The
retrieval scores (:func:`retrieval_scores`) live in :mod:`deepmine.text.retrieval_metrics` and are
re-exported here.
"""

from __future__ import annotations

import json
from numbers import Real
from pathlib import Path

import numpy as np
import pandas as pd

from deepmine.base import store_params
from deepmine.errors import DataError, ModelFormatError, NotFittedError, OutputExistsError, ParameterError, check_positive_int, require
from deepmine.persist.atomic import atomic_folder
from deepmine.text.prepare import Tokenizer, as_texts
from deepmine.text.retrieval_metrics import retrieval_scores

METHODS = ("bm25", "tfidf", "dense")
FORMAT = "deepmine-search-index"
FORMAT_VERSION = 1


def _check_query(query) -> str:
    if not isinstance(query, str):
        raise DataError(f"a query must be a string, got {type(query).__name__} {query!r}; pass the query text")
    if not query.strip():
        raise DataError("the query is empty; give words to search for")
    return query


def _check_k(k) -> int:
    return check_positive_int("k", k)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _plain_id(value):
    return value.item() if isinstance(value, np.generic) else value


class SearchIndex:
    """An index of texts to search with a query: BM25, TF-IDF or sentence embeddings.

    Parameters
    ----------
    method : {"bm25", "tfidf", "dense"}
        "bm25": ``bm25s.BM25`` (method "lucene") on deepmine's tokens; "tfidf": TF-IDF vectors
        (scikit-learn's defaults: smooth idf, L2 norm) and cosine similarity; "dense": cosine
        similarity of all-MiniLM-L6-v2 sentence embeddings.
    stop_words : None, "english" or a list of words
        Words ignored in texts and queries ("bm25" and "tfidf"). The lexical methods read words
        with deepmine's :class:`~deepmine.text.prepare.Tokenizer` (lower-cased, no stemming), so
        results do not depend on bm25s' own stemmer or stop words.
    k1, b : float
        BM25's term-frequency saturation and length normalisation ("bm25" only).
    device : "auto", "cpu", "cuda", ...
        Where the sentence encoder runs ("dense" only).
    batch_size : int
        Texts per encoder batch ("dense" only).

    Attributes
    ----------
    ids_ : list
        The id of each indexed text (0..n-1 unless ``ids`` were given to ``fit``).
    texts_ : list of str
        The indexed texts.
    embeddings_ : ndarray (n_texts, 384)
        The texts' unit sentence embeddings ("dense" only).

    A search returns ``min(k, n_texts)`` rows, best first; equal scores keep the index order. With
    the lexical methods a text that shares no word with the query scores 0 and still fills the
    ranking after the matches. An empty (or blank) query and a query that is not a string are
    refused with a :class:`~deepmine.errors.DataError`.
    """

    def __init__(self, method="bm25", stop_words=None, k1=1.5, b=0.75, device="auto", batch_size=64):
        store_params(self, locals())

    # ------------------------------------------------------------------ checks
    def get_params(self, deep: bool = False) -> dict:
        return {name: getattr(self, name) for name in ("method", "stop_words", "k1", "b", "device", "batch_size")}

    def _check_params(self) -> None:
        if self.method not in METHODS:
            raise ParameterError(f"method must be one of {', '.join(map(repr, METHODS))}, got {self.method!r}")
        for name, low in (("k1", 0.0), ("b", 0.0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Real) or value < low:
                raise ParameterError(f"{name} must be a number of at least {low}, got {value!r}")
        if self.b > 1:
            raise ParameterError(f"b must be between 0 and 1, got {self.b!r}")
        check_positive_int("batch_size", self.batch_size)

    def _check_fitted(self) -> None:
        if not hasattr(self, "ids_"):
            raise NotFittedError(f"This {type(self).__name__} is empty: call 'fit' with the texts to search "
                                 f"(or SearchIndex.load a saved index) before searching")

    def _tokenizer(self) -> Tokenizer:
        return Tokenizer(stop_words=self.stop_words)

    # ------------------------------------------------------------------ building
    def fit(self, texts, ids=None, embeddings=None):
        """Index ``texts`` (a list, Series or one DataFrame column); ``ids`` name them in results (default 0..n-1).

        ``embeddings`` ("dense" only): the texts' unit sentence embeddings if already computed with
        :func:`~deepmine.text.encoder.encode_texts`, so they are not encoded again.
        """
        self._check_params()
        texts = as_texts(texts)
        if ids is None:
            ids = list(range(len(texts)))
        else:
            if isinstance(ids, str):
                raise DataError("ids must be a collection of ids, one per text, not a single string")
            ids = [_plain_id(i) for i in ids]
            if len(ids) != len(texts):
                raise DataError(f"there are {len(texts)} texts but {len(ids)} ids; give one id per text")
            try:
                seen = pd.Index(ids)
            except TypeError as exc:
                raise DataError(f"ids must be hashable values such as strings or numbers ({exc})") from None
            if seen.has_duplicates:
                dup = seen[seen.duplicated()][0]
                raise DataError(f"the id {dup!r} appears more than once; give every text its own id")
        if embeddings is not None:
            embeddings = np.asarray(embeddings, dtype=np.float32)
            if self.method != "dense":
                raise ParameterError(f"embeddings are used only by method='dense', not {self.method!r}; leave them out")
            if embeddings.ndim != 2 or len(embeddings) != len(texts):
                raise DataError(f"embeddings must hold one row per text ({len(texts)}), got shape {embeddings.shape}; "
                                f"pass encode_texts(texts) or leave embeddings out")
        self._build(texts, embeddings)
        self.ids_, self.texts_ = ids, texts
        return self

    def _build(self, texts: list[str], embeddings=None) -> None:
        if self.method == "bm25":
            bm25s = require("bm25s", "text")
            tokens = self._tokenizer().tokenize(texts)
            if not any(tokens):
                raise DataError(f"none of the {len(texts)} texts has a word to index once stop words are dropped "
                                f"(stop_words={self.stop_words!r}); give texts with words or set stop_words=None")
            self.retriever_ = bm25s.BM25(k1=float(self.k1), b=float(self.b))
            self.retriever_.index(tokens, show_progress=False)
        elif self.method == "tfidf":
            from sklearn.feature_extraction.text import TfidfVectorizer

            self.vectorizer_ = TfidfVectorizer(analyzer=self._tokenizer())
            try:
                self.matrix_ = self.vectorizer_.fit_transform(texts).tocsr()
            except ValueError:  # scikit-learn's "empty vocabulary"
                raise DataError(f"none of the {len(texts)} texts has a word to index once stop words are dropped "
                                f"(stop_words={self.stop_words!r}); give texts with words or set stop_words=None"
                                ) from None
        else:
            if embeddings is None:
                from deepmine.text.encoder import encode_texts

                embeddings = encode_texts(texts, device=self.device, batch_size=self.batch_size)
            self.embeddings_ = np.asarray(embeddings, dtype=np.float32)

    # ------------------------------------------------------------------ searching
    def _scores(self, queries: list[str]) -> np.ndarray:
        """(n_queries, n_texts) similarity of every query to every indexed text."""
        if self.method == "bm25":
            tokenizer = self._tokenizer()
            rows = []
            for query in queries:
                tokens = tokenizer(query)
                rows.append(self.retriever_.get_scores(tokens) if tokens else np.zeros(len(self.texts_)))
            return np.asarray(rows, dtype=np.float64)
        if self.method == "tfidf":
            return np.asarray((self.vectorizer_.transform(queries) @ self.matrix_.T).todense(), dtype=np.float64)
        from deepmine.text.encoder import encode_texts

        vectors = encode_texts(queries, device=self.device, batch_size=self.batch_size)
        return (vectors @ self.embeddings_.T).astype(np.float64)

    def _results(self, scores: np.ndarray, k: int) -> pd.DataFrame:
        n = len(scores)
        k = min(k, n)
        if k < n:  # the k best without sorting everything; a tie at the k-th score keeps the earliest texts
            kth = -np.partition(-scores, k - 1)[k - 1]
            better = np.flatnonzero(scores > kth)
            candidates = np.concatenate([better, np.flatnonzero(scores == kth)[: k - len(better)]])
        else:
            candidates = np.arange(n)
        top = candidates[np.lexsort((candidates, -scores[candidates]))]
        return pd.DataFrame({
            "rank": np.arange(1, k + 1),
            "id": pd.Series([self.ids_[i] for i in top], dtype=object),
            "score": scores[top],
            "text": [self.texts_[i] for i in top],
        })

    def search(self, query: str, k: int = 10) -> pd.DataFrame:
        """The ``k`` texts that best match ``query``: columns rank (1 = best), id, score, text."""
        self._check_fitted()
        query, k = _check_query(query), _check_k(k)
        return self._results(self._scores([query])[0], k)

    def search_many(self, queries, k: int = 10) -> pd.DataFrame:
        """:meth:`search` for each query, in one frame with a leading ``query`` column."""
        self._check_fitted()
        k = _check_k(k)
        if isinstance(queries, str):
            raise DataError("search_many takes a list of queries; use search() for one query or pass [query]")
        queries = [_check_query(q) for q in list(queries)]
        if not queries:
            raise DataError("there are no queries; give at least one")
        scores = self._scores(queries)
        frames = [self._results(row, k) for row in scores]
        for query, frame in zip(queries, frames):
            frame.insert(0, "query", query)
        return pd.concat(frames, ignore_index=True)

    def __len__(self) -> int:
        return len(self.ids_) if hasattr(self, "ids_") else 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(method={self.method!r}, {len(self)} texts)"

    # ------------------------------------------------------------------ persistence
    def save(self, path, overwrite: bool = False) -> Path:
        """Write the index as the folder ``path``: ``index.json`` (params, ids, texts) and, for "dense",
        ``embeddings.npy``. The lexical indexes are rebuilt from the texts on load (deterministic).

        The folder is written beside its destination and renamed into place; an existing ``path``
        is replaced only with ``overwrite=True``. Ids must be strings, whole numbers or floats.
        """
        self._check_fitted()
        path = Path(path)
        if path.exists() and not overwrite:
            raise OutputExistsError(f"'{path}' exists already; choose another path or pass overwrite=True")
        bad = [i for i in self.ids_ if isinstance(i, bool) or not isinstance(i, (str, int, float))]
        if bad:
            raise ParameterError(f"the id {bad[0]!r} ({type(bad[0]).__name__}) cannot be saved as JSON; "
                                 f"use string or number ids to save the index")
        params = self.get_params()
        if params["stop_words"] is not None and not isinstance(params["stop_words"], str):
            params["stop_words"] = sorted(str(w) for w in params["stop_words"])
        with atomic_folder(path, replace=overwrite) as tmp:
            config = {"format": FORMAT, "format_version": FORMAT_VERSION, "params": params,
                      "ids": list(self.ids_), "texts": list(self.texts_)}
            text = json.dumps(config, ensure_ascii=False, default=_json_default)
            (tmp / "index.json").write_text(text, encoding="utf-8")
            if self.method == "dense":
                np.save(tmp / "embeddings.npy", self.embeddings_, allow_pickle=False)
        return path

    @classmethod
    def load(cls, path) -> "SearchIndex":
        """Load an index written by :meth:`save`; nothing is unpickled."""
        path = Path(path)
        file = path / "index.json"
        if not path.is_dir() or not file.exists():
            raise ModelFormatError(f"'{path}' is not a saved search index (no index.json); give the folder that "
                                   f"SearchIndex.save() wrote")
        from deepmine.persist import refuse_unexpected_files

        refuse_unexpected_files(path, {"index.json", "embeddings.npy"}, writer="SearchIndex.save()")
        try:
            config = json.loads(file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ModelFormatError(f"'{file}' is not valid JSON ({exc}); the index folder is damaged") from exc
        if not isinstance(config, dict) or config.get("format") != FORMAT:
            raise ModelFormatError(f"'{path}' is not a deepmine search index; give the folder that "
                                   f"SearchIndex.save() wrote")
        if config.get("format_version", 0) > FORMAT_VERSION:
            raise ModelFormatError(f"'{path}' was saved by a newer deepmine (format {config['format_version']}); "
                                   f"upgrade deepmine to load it")
        try:
            index = cls(**config["params"])
            ids, texts = list(config["ids"]), list(config["texts"])
        except (KeyError, TypeError) as exc:
            raise ModelFormatError(f"'{file}' lacks or garbles {exc}; the index folder is damaged") from None
        if len(ids) != len(texts):
            raise ModelFormatError(f"'{file}' holds {len(ids)} ids but {len(texts)} texts; the index folder is damaged")
        index._check_params()
        if index.method != "dense" and (path / "embeddings.npy").exists():
            raise ModelFormatError(f"'{path / 'embeddings.npy'}' is not a file that SearchIndex.save() writes for a "
                                   f"{index.method!r} index; remove it to load the index")
        embeddings = None
        if index.method == "dense":
            array_file = path / "embeddings.npy"
            if not array_file.exists():
                raise ModelFormatError(f"'{path}' lacks embeddings.npy; the index folder is incomplete")
            try:
                embeddings = np.load(array_file, allow_pickle=False)
            except ValueError as exc:
                raise ModelFormatError(f"'{array_file}' is not a plain array ({exc}); the index folder is "
                                       f"damaged") from None
            if embeddings.ndim != 2 or len(embeddings) != len(texts):
                raise ModelFormatError(f"'{array_file}' has shape {embeddings.shape} for {len(texts)} texts; "
                                       f"the index folder is damaged")
        index._build(texts, embeddings)
        index.ids_, index.texts_ = ids, texts
        return index


__all__ = ["SearchIndex", "retrieval_scores"]
