"""The Lee news corpus that ships with gensim (300 Australian news articles), read and encoded once per run.

Shared by test_topics.py and test_search.py. Encoding all 300 articles with MiniLM takes ~40 s on
a small shared CPU, so the tests of the embedding models use the first ``N_ENCODED`` articles,
encoded once per test session, whichever module asks first.
"""

from functools import lru_cache

N_ENCODED = 150


@lru_cache(maxsize=1)
def lee_texts() -> tuple[str, ...]:
    from gensim.test.utils import datapath

    with open(datapath("lee_background.cor"), encoding="latin-1") as fh:
        return tuple(line.strip() for line in fh if line.strip())


@lru_cache(maxsize=1)
def lee_embeddings():
    """Unit MiniLM embeddings of the first ``N_ENCODED`` articles."""
    from deepmine.text.encoder import encode_texts

    embeddings = encode_texts(list(lee_texts()[:N_ENCODED]), device="cpu", batch_size=64)
    embeddings.setflags(write=False)
    return embeddings
