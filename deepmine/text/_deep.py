"""What the deep text models share: texts in, a fitted text preprocessor, and its JSON state for saving."""

from __future__ import annotations

import numpy as np
import pandas as pd

from deepmine.base import DeepEstimator
from deepmine.errors import ModelFormatError
from deepmine.text.prepare import SequenceEncoder, Tokenizer, as_texts, text_column_of


class TransformerTokens:
    """Texts -> the pretrained encoder's WordPiece ids, padded to one length (0 is its padding id).

    ``max_length="auto"`` takes the 95th percentile of the training texts' token counts (at least
    16, at most ``limit``); longer texts keep their start.
    """

    def __init__(self, max_length: int | str = "auto", limit: int = 256):
        self.max_length, self.limit = max_length, limit

    @staticmethod
    def _tokenizer():
        from deepmine.text.encoder import load_sentence_encoder

        return load_sentence_encoder("cpu").tokenizer

    def fit(self, texts) -> "TransformerTokens":
        if self.max_length == "auto":
            counts = [len(ids) for ids in self._tokenizer()(list(texts), add_special_tokens=True)["input_ids"]]
            self.max_length_ = int(np.clip(np.percentile(counts, 95), 16, self.limit))
        else:
            self.max_length_ = int(self.max_length)
        return self

    def transform(self, texts) -> np.ndarray:
        enc = self._tokenizer()(list(texts), padding="max_length", truncation=True, max_length=self.max_length_,
                                return_tensors="np")
        ids = np.asarray(enc["input_ids"], dtype=np.int64)
        return ids * np.asarray(enc["attention_mask"], dtype=np.int64)  # padding as 0 whatever the tokenizer pads with

    def state_dict(self) -> dict:
        return {"kind": "transformer_tokens", "max_length": self.max_length, "limit": self.limit,
                "max_length_": self.max_length_}

    @classmethod
    def from_state(cls, state: dict) -> "TransformerTokens":
        obj = cls(state["max_length"], state["limit"])
        obj.max_length_ = state["max_length_"]
        return obj


class SentenceEmbeddings:
    """Texts -> frozen all-MiniLM-L6-v2 sentence embeddings (384 floats, unit length); nothing to fit."""

    def __init__(self, device="auto", batch_size: int = 64):
        self.device, self.batch_size = device, batch_size

    def fit(self, texts) -> "SentenceEmbeddings":
        return self

    def transform(self, texts) -> np.ndarray:
        from deepmine.text.encoder import encode_texts

        return encode_texts(list(texts), device=self.device, batch_size=self.batch_size)

    def state_dict(self) -> dict:
        from deepmine.text.encoder import ENCODER_NAME

        return {"kind": "sentence_embeddings", "encoder": ENCODER_NAME, "device": self.device,
                "batch_size": self.batch_size}

    @classmethod
    def from_state(cls, state: dict) -> "SentenceEmbeddings":
        return cls(state["device"], state["batch_size"])


_PREPROCESSORS = {"sequence": SequenceEncoder, "transformer_tokens": TransformerTokens,
                  "sentence_embeddings": SentenceEmbeddings}


def _token_counts(x):
    """Tokens before the padding in each row: of a padded id matrix (id 0), or of padded states (all-zero vectors)."""
    if x.dim() == 3:
        from deepmine.nn.text import state_mask

        return state_mask(x).sum(dim=1)
    return (x != 0).sum(dim=1)


class TextDeepEstimator(DeepEstimator):
    """A deep model over texts: ``X`` is a list/Series of strings or a DataFrame with the text column.

    A subclass says how texts become the network's input (``_make_preprocessor``) and builds its
    network from the fitted preprocessor (``_new_module``); the training template, early stopping,
    seeding, devices and saving are the foundation's.
    """

    _predict_batch_size = 1024

    def _make_preprocessor(self):
        return SequenceEncoder(Tokenizer(lowercase=self.lowercase, stop_words=self.stop_words),
                               min_count=self.min_count, max_size=self.max_vocab, max_length=self.max_length)

    def _start_fit(self, X):
        texts = as_texts(X, self.text_column)
        self.text_column_ = text_column_of(X, self.text_column) if isinstance(X, pd.DataFrame) else None
        self.n_features_in_ = 1
        return texts

    def _texts(self, X) -> list[str]:
        column = self.text_column if self.text_column is not None else getattr(self, "text_column_", None)
        if isinstance(X, pd.DataFrame) and column is not None and column in X.columns:
            return as_texts(X, column)
        return as_texts(X)

    def _row_lengths(self):
        if isinstance(self.preprocessor_, SentenceEmbeddings):
            return None
        return _token_counts

    def _fit_preprocessor(self, texts) -> np.ndarray:
        self.preprocessor_ = self._make_preprocessor().fit(texts)
        return self.preprocessor_.transform(texts)

    @staticmethod
    def _preprocessor_from_state(state: dict):
        kind = state.get("kind")
        if kind not in _PREPROCESSORS:
            raise ModelFormatError(f"the saved text preprocessing has an unknown kind {kind!r}; upgrade deepmine")
        return _PREPROCESSORS[kind].from_state(state)

    def _prepare(self, X) -> np.ndarray:
        self._check_fitted()
        return self.preprocessor_.transform(self._texts(X))

    def _fitted_state(self) -> dict:
        state = super()._fitted_state()
        state["text_column_"] = None if self.text_column_ is None else str(self.text_column_)
        return state

    def _restore_fitted_state(self, state: dict) -> None:
        super()._restore_fitted_state(state)
        self.text_column_ = state.get("text_column_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.input_tags.allow_nan = False
        return tags
