"""Text preparation shared by every text model: reading texts, tokenizing, a vocabulary, padding.

- :func:`as_texts` turns a list, Series, array or one DataFrame column into a list of strings, with
  a clear error for numbers, non-string values and collections of empty strings.
- :class:`Tokenizer` lower-cases (optionally), normalises unicode (NFKC) and splits into words made
  of letters and digits in any script, keeping inner apostrophes and hyphens ("don't", "e-mail");
  optional stop words (scikit-learn's English list, or your own).
- :class:`Vocabulary` maps tokens to ids with a minimum count and a maximum size; id 0 pads, id 1
  stands for any word outside the vocabulary.
- :class:`SequenceEncoder` is the fitted preprocessing of the sequence models (tokenizer +
  vocabulary + padding/truncation to one length), stored as JSON with the model.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections import Counter
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from deepmine.errors import ColumnError, DataError, DataWarning, ParameterError

PAD, UNK = "<pad>", "<unk>"
# a word: letters/digits/underscore in any script, with inner apostrophes or hyphens (don't, e-mail)
TOKEN_PATTERN = r"\w+(?:['’\-]\w+)*"


# --------------------------------------------------------------------------- reading texts
def text_column_of(frame: pd.DataFrame, text_column=None):
    """The name of the column of ``frame`` that holds the text: ``text_column`` if given, else the only
    column, else the only column that plainly holds prose (strings averaging 20+ characters or 2+ spaces)."""
    if text_column is not None:
        if text_column not in frame.columns:
            raise ColumnError(f"text column {text_column!r} is not in the data; the columns are: "
                              f"{', '.join(map(str, frame.columns))}")
        return text_column
    if frame.shape[1] == 1:
        return frame.columns[0]
    texty = [c for c in frame.columns if _looks_like_text(frame[c])]
    if len(texty) == 1:
        return texty[0]
    raise ColumnError(f"the table has {frame.shape[1]} columns and it is not clear which holds the text "
                      f"({', '.join(map(str, frame.columns))}); name it with text_column= (--text on the command line)")


def _looks_like_text(column: pd.Series) -> bool:
    values = column.dropna()
    if values.empty or not values.map(lambda v: isinstance(v, str)).all():
        return False
    return float(values.str.len().mean()) >= 20 or float(values.str.count(r"\s").mean()) >= 2


def as_texts(X: Any, text_column=None, allow_missing: bool = True) -> list[str]:
    """The texts in ``X`` as a list of strings.

    ``X`` may be a list/tuple of strings, a Series, a 1-D array, a 2-D array or DataFrame with one
    column, or a DataFrame with ``text_column`` naming the column (or one column that plainly holds
    text). Missing values become empty texts with a :class:`DataWarning` (``allow_missing=False``
    refuses them). Numbers are refused: a numeric column is not text, and a number among strings
    usually means a shifted or mixed-up column.
    """
    name = "the text"
    if isinstance(X, str):
        raise DataError("got a single string where a collection of texts was expected; pass a list, e.g. [text]")
    if isinstance(X, pd.DataFrame):
        series = X[text_column_of(X, text_column)]
        name = f"text column {series.name!r}"
    elif isinstance(X, pd.Series):
        series = X
        if X.name is not None:
            name = f"text column {X.name!r}"
    else:
        try:
            arr = np.asarray(X, dtype=object) if not isinstance(X, np.ndarray) else X
        except Exception as exc:  # ragged nested input
            raise DataError(f"could not read the texts ({exc}); pass a list of strings") from exc
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise DataError(f"expected one text per row but got an array of shape {arr.shape}; pass a list of "
                            f"strings or one DataFrame column")
        series = pd.Series(arr, dtype=object)
    if len(series) == 0:
        raise DataError("there are no texts; give at least one")
    if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        raise DataError(f"{name} holds numbers ({series.dtype}), not text; name the column that holds the "
                        f"text (text_column= / --text)")
    values = series.to_numpy(dtype=object)
    missing = pd.isna(values)
    bad = [(i, v) for i, v in enumerate(values) if not missing[i] and not isinstance(v, str)]
    if bad:
        i, v = bad[0]
        raise DataError(f"{name} holds {len(bad)} value(s) that are not text, the first at row {i}: {v!r} "
                        f"({type(v).__name__}); convert them to strings or fix those rows")
    if missing.any():
        if not allow_missing:
            raise DataError(f"{name} has {int(missing.sum())} missing value(s); fill or drop those rows")
        warnings.warn(f"{name} has {int(missing.sum())} missing value(s); they are treated as empty texts",
                      DataWarning, stacklevel=2)
    texts = ["" if m else v for v, m in zip(values, missing)]
    if not any(t.strip() for t in texts):
        raise DataError(f"every one of the {len(texts)} texts in {name} is empty; give texts with words in them")
    return texts


# --------------------------------------------------------------------------- tokenizing
class Tokenizer:
    """Split texts into word tokens.

    Parameters
    ----------
    lowercase : bool
        Lower-case before splitting (with ``str.casefold``, which handles e.g. German ß).
    stop_words : None, "english" or a collection of words
        Words to drop; "english" is scikit-learn's list of 318 English stop words.
    min_length : int
        Drop tokens shorter than this many characters.
    pattern : str
        The regular expression of one token.
    """

    def __init__(self, lowercase: bool = True, stop_words=None, min_length: int = 1, pattern: str = TOKEN_PATTERN):
        self.lowercase, self.min_length, self.pattern = bool(lowercase), int(min_length), pattern
        if stop_words is None:
            self.stop_words = frozenset()
        elif isinstance(stop_words, str):
            if stop_words != "english":
                raise ParameterError(f"stop_words must be None, 'english' or a list of words, got {stop_words!r}")
            from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

            self.stop_words = frozenset(ENGLISH_STOP_WORDS)
        else:
            self.stop_words = frozenset(str(w).casefold() if lowercase else str(w) for w in stop_words)
        self._regex = re.compile(pattern, re.UNICODE)

    def __call__(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFKC", text)
        if self.lowercase:
            text = text.casefold()
        return [t for t in self._regex.findall(text) if len(t) >= self.min_length and t not in self.stop_words]

    def tokenize(self, texts: Iterable[str]) -> list[list[str]]:
        return [self(t) for t in texts]

    def state_dict(self) -> dict:
        return {"lowercase": self.lowercase, "stop_words": sorted(self.stop_words), "min_length": self.min_length,
                "pattern": self.pattern}

    @classmethod
    def from_state(cls, state: dict) -> "Tokenizer":
        tok = cls(state["lowercase"], None, state["min_length"], state["pattern"])
        tok.stop_words = frozenset(state["stop_words"])
        return tok

    def __getstate__(self):  # the compiled regex pickles, but keep pickles plain
        state = self.__dict__.copy()
        state.pop("_regex", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._regex = re.compile(self.pattern, re.UNICODE)


# --------------------------------------------------------------------------- vocabulary
class Vocabulary:
    """Token <-> id, most frequent first; id 0 is padding and id 1 any unknown word."""

    def __init__(self, tokens: Sequence[str], counts: Sequence[int] | None = None):
        self.itos = [PAD, UNK, *tokens]
        self.stoi = {t: i for i, t in enumerate(self.itos)}
        self.counts = list(counts) if counts is not None else [0] * len(tokens)

    @classmethod
    def build(cls, token_lists: Iterable[Sequence[str]], min_count: int = 1, max_size: int | None = None) -> "Vocabulary":
        """The tokens seen at least ``min_count`` times, the ``max_size`` most frequent (ties by first sight)."""
        if int(min_count) < 1:
            raise ParameterError(f"min_count must be at least 1, got {min_count}")
        if max_size is not None and int(max_size) < 1:
            raise ParameterError(f"max_size must be at least 1 or None, got {max_size}")
        counter: Counter = Counter()
        n_docs = 0
        for tokens in token_lists:
            counter.update(tokens)
            n_docs += 1
        kept = [(t, c) for t, c in counter.most_common() if c >= min_count]
        if max_size is not None:
            kept = kept[: int(max_size)]
        if not kept:
            raise DataError(f"the vocabulary is empty: no word appears at least min_count={min_count} time(s) in the "
                            f"{n_docs} text(s) ({len(counter)} distinct words in all); lower min_count or give more text")
        return cls([t for t, _ in kept], [c for _, c in kept])

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi and self.stoi[token] > 1

    def ids(self, tokens: Sequence[str]) -> list[int]:
        return [self.stoi.get(t, 1) for t in tokens]

    def state_dict(self) -> dict:
        return {"tokens": self.itos[2:], "counts": self.counts}

    @classmethod
    def from_state(cls, state: dict) -> "Vocabulary":
        return cls(state["tokens"], state["counts"])


def pad(sequences: Sequence[Sequence[int]], max_length: int, pad_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad (or truncate, keeping the start) to ``max_length``; returns ``(ids, lengths)``.

    Lengths are at least 1: an empty text becomes a single unknown-word id, so pooling and
    recurrent layers always see one step.
    """
    out = np.full((len(sequences), max_length), pad_id, dtype=np.int64)
    lengths = np.empty(len(sequences), dtype=np.int64)
    for i, seq in enumerate(sequences):
        seq = list(seq[:max_length]) or [1]
        out[i, : len(seq)] = seq
        lengths[i] = len(seq)
    return out, lengths


class SequenceEncoder:
    """Texts -> padded id matrices: the fitted preprocessing of the sequence models.

    ``max_length="auto"`` takes the 95th percentile of the training texts' token counts (at least 8,
    at most 512), so a few very long texts do not pad every batch.
    """

    def __init__(self, tokenizer: Tokenizer | None = None, min_count: int = 1, max_size: int | None = 30000,
                 max_length: int | str = "auto"):
        self.tokenizer = tokenizer or Tokenizer()
        self.min_count, self.max_size, self.max_length = min_count, max_size, max_length

    def fit(self, texts: Sequence[str]) -> "SequenceEncoder":
        tokens = self.tokenizer.tokenize(texts)
        self.vocabulary_ = Vocabulary.build(tokens, self.min_count, self.max_size)
        if self.max_length == "auto":
            counts = np.array([len(t) for t in tokens]) if tokens else np.array([1])
            self.max_length_ = int(np.clip(np.percentile(counts, 95), 8, 512))
        elif isinstance(self.max_length, (int, np.integer)) and not isinstance(self.max_length, bool) and self.max_length >= 1:
            self.max_length_ = int(self.max_length)
        else:
            raise ParameterError(f"max_length must be a positive whole number or 'auto', got {self.max_length!r}")
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """A (n_texts, max_length) int64 matrix of token ids, 0 for padding."""
        ids = [self.vocabulary_.ids(toks) for toks in self.tokenizer.tokenize(texts)]
        return pad(ids, self.max_length_)[0]

    def state_dict(self) -> dict:
        return {"kind": "sequence", "tokenizer": self.tokenizer.state_dict(), "vocabulary": self.vocabulary_.state_dict(),
                "min_count": self.min_count, "max_size": self.max_size, "max_length": self.max_length,
                "max_length_": self.max_length_}

    @classmethod
    def from_state(cls, state: dict) -> "SequenceEncoder":
        enc = cls(Tokenizer.from_state(state["tokenizer"]), state["min_count"], state["max_size"], state["max_length"])
        enc.vocabulary_ = Vocabulary.from_state(state["vocabulary"])
        enc.max_length_ = state["max_length_"]
        return enc
