"""Intrinsic evaluation of word vectors: the Google analogy questions and WordSim-353 similarity.

Both work on any fitted deepmine word-vector model (:class:`~deepmine.text.Word2Vec`,
:class:`~deepmine.text.PPMIEmbedding`): they read only ``vocabulary_`` and ``word_vectors_``. The
test files ship with gensim (``questions-words.txt``, Mikolov et al. 2013; ``wordsim353.tsv``,
Finkelstein et al. 2002).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from deepmine.errors import DataError, ParameterError, require


def _default_file(name: str) -> Path:
    require("gensim", "text")
    from gensim.test.utils import datapath

    return Path(datapath(name))


def _read_lines(path) -> list[str]:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"the evaluation file '{path}' does not exist; give the path of an existing file")
    return path.read_text(encoding="utf-8", errors="replace").splitlines()


def _vectors(model, restrict_vocab: int | None):
    """The model's unit word vectors and a word -> row index, for its ``restrict_vocab`` most frequent words."""
    if not hasattr(model, "word_vectors_") or not hasattr(model, "vocabulary_"):
        raise ParameterError(f"{type(model).__name__} has no fitted word vectors; give a fitted Word2Vec or "
                             f"PPMIEmbedding")
    words = list(model.vocabulary_)
    vectors = np.asarray(model.word_vectors_, dtype=np.float32)
    if restrict_vocab is not None:
        if not isinstance(restrict_vocab, (int, np.integer)) or isinstance(restrict_vocab, bool) or restrict_vocab < 1:
            raise ParameterError(f"restrict_vocab must be a positive whole number or None, got {restrict_vocab!r}")
        words, vectors = words[: int(restrict_vocab)], vectors[: int(restrict_vocab)]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1), {w: i for i, w in enumerate(words)}


def _fold(model):
    lowercase = getattr(model, "lowercase", True)
    return (lambda w: w.casefold()) if lowercase else (lambda w: w)


def evaluate_analogies(model, path=None, restrict_vocab: int | None = 30000, batch_size: int = 512) -> dict:
    """Accuracy on analogy questions "a is to b as c is to d", answered by 3CosAdd.

    The answer is the word whose unit vector has the largest cosine with ``b - a + c`` (of unit
    vectors), the three question words excluded (Mikolov et al. 2013; gensim's
    ``evaluate_word_analogies`` does the same). Only the questions whose four words are all among the
    ``restrict_vocab`` most frequent words are asked; the others count towards ``coverage``.

    Parameters
    ----------
    model : fitted Word2Vec or PPMIEmbedding
    path : path or None
        A file in the format of ``questions-words.txt`` (``: section`` lines, then ``a b c d`` lines);
        None takes gensim's copy of Mikolov et al.'s 19,544 questions.
    restrict_vocab : int or None
        Answer among this many of the most frequent words (None: all).

    Returns
    -------
    dict
        ``accuracy`` (on the covered questions; NaN if none), ``coverage`` (covered / all questions),
        ``n_questions``, ``n_covered``, ``n_correct``, ``semantic_accuracy`` and ``syntactic_accuracy``
        (sections named ``gram*`` are syntactic), and ``sections``: a DataFrame with one row per section
        (section, n_questions, n_covered, n_correct, accuracy).
    """
    units, index = _vectors(model, restrict_vocab)
    fold = _fold(model)
    sections: list[dict] = []
    asked: list[tuple[int, int, int, int, int]] = []  # (section, a, b, c, d)
    for line in _read_lines(path if path is not None else _default_file("questions-words.txt")):
        line = line.strip()
        if not line:
            continue
        if line.startswith(":"):
            sections.append({"section": line[1:].strip(), "n_questions": 0, "n_covered": 0, "n_correct": 0})
            continue
        parts = [fold(w) for w in line.split()]
        if len(parts) != 4:
            raise DataError(f"the analogy line {line!r} does not hold four words; each question line is 'a b c d'")
        if not sections:
            sections.append({"section": "questions", "n_questions": 0, "n_covered": 0, "n_correct": 0})
        sections[-1]["n_questions"] += 1
        if all(w in index for w in parts):
            sections[-1]["n_covered"] += 1
            asked.append((len(sections) - 1, *(index[w] for w in parts)))
    if not sections:
        raise DataError("the analogy file holds no questions; give a file in the format of questions-words.txt")
    if asked:
        q = np.asarray(asked, dtype=np.int64)
        correct = np.zeros(len(q), dtype=bool)
        for start in range(0, len(q), batch_size):
            part = q[start: start + batch_size]
            target = units[part[:, 2]] - units[part[:, 1]] + units[part[:, 3]]
            scores = target @ units.T
            rows = np.arange(len(part))
            for col in (1, 2, 3):
                scores[rows, part[:, col]] = -np.inf
            correct[start: start + len(part)] = scores.argmax(axis=1) == part[:, 4]
        per_section = np.bincount(q[:, 0], weights=correct, minlength=len(sections))
        for i, section in enumerate(sections):
            section["n_correct"] = int(per_section[i])
    table = pd.DataFrame(sections, columns=["section", "n_questions", "n_covered", "n_correct"])
    with np.errstate(invalid="ignore", divide="ignore"):
        table["accuracy"] = table["n_correct"] / table["n_covered"].where(table["n_covered"] > 0)
    syntactic = table["section"].str.startswith("gram")

    def _accuracy(rows) -> float:
        covered = int(table.loc[rows, "n_covered"].sum())
        return float(table.loc[rows, "n_correct"].sum() / covered) if covered else float("nan")

    n_questions, n_covered = int(table["n_questions"].sum()), int(table["n_covered"].sum())
    return {"accuracy": _accuracy(table.index), "coverage": n_covered / n_questions if n_questions else 0.0,
            "n_questions": n_questions, "n_covered": n_covered, "n_correct": int(table["n_correct"].sum()),
            "semantic_accuracy": _accuracy(~syntactic), "syntactic_accuracy": _accuracy(syntactic),
            "sections": table}


def evaluate_similarity(model, path=None) -> dict:
    """How well the cosine of word vectors ranks word pairs as people rated their similarity.

    Parameters
    ----------
    model : fitted Word2Vec or PPMIEmbedding
    path : path or None
        A tab-separated file of ``word1 word2 score`` lines (``#`` starts a comment); None takes
        gensim's copy of WordSim-353 (Finkelstein et al. 2002). gensim's ``simlex999.txt`` has the
        same format.

    Returns
    -------
    dict
        ``spearman`` and ``pearson`` correlations between the human scores and the cosines on the
        pairs whose two words are known (NaN with fewer than 3 such pairs), ``coverage`` (their share
        of all pairs), ``n_pairs`` and ``n_covered``.
    """
    from scipy.stats import pearsonr, spearmanr

    units, index = _vectors(model, None)
    fold = _fold(model)
    human, cosine, n_pairs = [], [], 0
    for line in _read_lines(path if path is not None else _default_file("wordsim353.tsv")):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 3:
            raise DataError(f"the similarity line {line!r} does not hold 'word1<TAB>word2<TAB>score'; fix the file")
        a, b = fold(parts[0].strip()), fold(parts[1].strip())
        try:
            score = float(parts[2])
        except ValueError:
            raise DataError(f"the similarity line {line!r} has a score that is not a number; fix the file") from None
        n_pairs += 1
        if a in index and b in index:
            human.append(score)
            cosine.append(float(units[index[a]] @ units[index[b]]))
    if n_pairs == 0:
        raise DataError("the similarity file holds no word pairs; give a file of 'word1<TAB>word2<TAB>score' lines")
    enough = len(human) >= 3
    return {"spearman": float(spearmanr(human, cosine).statistic) if enough else float("nan"),
            "pearson": float(pearsonr(human, cosine).statistic) if enough else float("nan"),
            "coverage": len(human) / n_pairs, "n_pairs": n_pairs, "n_covered": len(human)}
