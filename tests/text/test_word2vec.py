"""Word2Vec on real news text, the analogy and similarity evaluations, saving, reproducibility, errors."""

import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from gensim.test.utils import common_texts
from sklearn.base import clone

import deepmine
from deepmine import datasets
from deepmine.errors import DataError, MissingDependencyError, NotFittedError, ParameterError
from deepmine.persist import save_model
from deepmine.errors import UnknownWordError
from deepmine.text.ppmi import PPMIEmbedding
from deepmine.text.vector_evaluation import evaluate_analogies, evaluate_similarity
from deepmine.text.word2vec import Word2Vec

# The Lee corpus is small (300 articles, 60,000 words), so: skip-gram, 20 epochs, words seen 3+ times.
# ~5 s on one core. Larger corpora give far higher analogy scores (see the benchmark).
_LEE = dict(vector_size=50, architecture="skipgram", min_count=3, epochs=20, random_state=0)
_FIRE = {"firefighters", "crews", "blaze", "bushfire", "bushfires", "fires", "burning", "rural", "flames"}


@pytest.fixture(scope="module")
def lee_texts():
    return datasets.load("lee").frame["text"]


@pytest.fixture(scope="module")
def lee_models(lee_texts):
    return {"word2vec": Word2Vec(**_LEE).fit(lee_texts),
            "ppmi": PPMIEmbedding(n_components=50, window=5, min_count=3).fit(lee_texts)}


@pytest.mark.parametrize("name", ["word2vec", "ppmi"])
def test_lee_vectors_answer_analogies_above_chance(lee_models, name):
    model = lee_models[name]
    result = evaluate_analogies(model)
    chance = 1 / len(model.vocabulary_)  # ~0.0004 with 2,859 words
    assert result["n_questions"] == 19544 and 0 < result["coverage"] < 0.1  # news text lacks most capitals
    assert result["n_covered"] == 395
    assert result["accuracy"] > 0.01 > 20 * chance  # word2vec 0.018 (7 right), PPMI 0.018
    assert result["n_correct"] >= 4
    sections = result["sections"]
    assert len(sections) == 14 and sections["n_questions"].sum() == 19544
    assert sections["n_correct"].sum() == result["n_correct"]


@pytest.mark.parametrize("name", ["word2vec", "ppmi"])
def test_lee_vectors_rank_wordsim_pairs_like_people(lee_models, name):
    result = evaluate_similarity(lee_models[name])
    assert result["n_pairs"] == 353 and result["n_covered"] == 102
    assert result["spearman"] > 0.1  # word2vec 0.19, PPMI 0.24
    assert -1 <= result["pearson"] <= 1


@pytest.mark.parametrize("name", ["word2vec", "ppmi"])
def test_fire_has_bushfire_neighbours(lee_models, name):
    neighbours = [w for w, _ in lee_models[name].most_similar("fire", topn=10)]
    assert len(_FIRE & set(neighbours)) >= 2, neighbours


def test_fitted_state_is_plain_arrays(lee_models):
    model = lee_models["word2vec"]
    assert model.word_vectors_.dtype == np.float32 and model.vectors_ is model.word_vectors_
    assert model.word_vectors_.shape == (len(model.vocabulary_), 50)
    assert model.counts_.dtype == np.int64 and np.all(np.diff(model.counts_) <= 0)  # most frequent first
    assert model.vocabulary_[0] == "the" and model.counts_.min() >= 3
    for name, value in vars(model).items():
        assert type(value).__module__ in ("builtins", "numpy"), (name, type(value))


def test_save_and_load_round_trip(tmp_path, lee_models, lee_texts):
    model = lee_models["word2vec"]
    save_model(model, tmp_path / "w2v")
    back = deepmine.load(tmp_path / "w2v")
    assert type(back) is Word2Vec and back.get_params() == model.get_params()
    assert back.most_similar("fire", topn=10) == model.most_similar("fire", topn=10)
    np.testing.assert_array_equal(back.transform(lee_texts[:5]), model.transform(lee_texts[:5]))


def test_same_seed_same_vectors_and_different_seed_different_vectors():
    kw = dict(vector_size=8, min_count=1, epochs=3)
    a = Word2Vec(random_state=1, **kw).fit(common_texts)
    b = Word2Vec(random_state=1, **kw).fit(common_texts)
    np.testing.assert_array_equal(a.word_vectors_, b.word_vectors_)
    c = Word2Vec(random_state=2, **kw).fit(common_texts)
    assert not np.array_equal(a.word_vectors_, c.word_vectors_)


def test_same_seed_same_vectors_whatever_the_python_hash_seed():
    kw = dict(vector_size=8, min_count=1, epochs=3, random_state=1)
    code = ("from gensim.test.utils import common_texts; from deepmine.text.word2vec import Word2Vec; "
            f"print(Word2Vec(**{kw!r}).fit(common_texts).word_vectors_.tobytes().hex())")
    seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"  # another seed than this process's
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip()
    assert other == Word2Vec(**kw).fit(common_texts).word_vectors_.tobytes().hex()


def test_texts_queries_and_documents():
    texts = [" ".join(doc) for doc in common_texts]
    model = Word2Vec(vector_size=8, min_count=1, epochs=3, random_state=0)
    assert model.fit(texts) is model and clone(model).get_params() == model.get_params()
    assert set(model.vocabulary_) == {w for doc in common_texts for w in doc}
    out = model.transform(["human interface", "unknown words only"])
    np.testing.assert_allclose(out[0], (model.vector("human") + model.vector("interface")) / 2, rtol=1e-5)
    np.testing.assert_array_equal(out[1], 0)
    assert model.similarity("HUMAN", "human") == pytest.approx(1.0)
    assert len(model.most_similar("human", topn=3)) == 3
    assert model.fit_transform(texts).shape == (9, 8)
    cbow = Word2Vec(vector_size=8, min_count=1, epochs=1, weighting="tfidf", random_state=0).fit(common_texts)
    assert cbow.transform(texts).shape == (9, 8)


def test_3cosadd_excludes_the_question_words(tmp_path):
    # b - a + c lands exactly on c, so the answer is the best word other than a, b and c
    vectors = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0.1, 1, 1], [-1, 0, 0]], dtype=np.float32)
    model = SimpleNamespace(vocabulary_=["a", "b", "c", "d", "e"], word_vectors_=vectors, lowercase=True)
    questions = tmp_path / "q.txt"
    questions.write_text(": first\nA B C D\na b c e\n: gram-second\na b c zebra\n", encoding="utf-8")
    result = evaluate_analogies(model, questions)
    assert result["accuracy"] == 0.5 and result["coverage"] == pytest.approx(2 / 3)
    assert result["semantic_accuracy"] == 0.5 and np.isnan(result["syntactic_accuracy"])
    assert list(result["sections"]["section"]) == ["first", "gram-second"]
    assert np.isnan(evaluate_analogies(model, questions, restrict_vocab=3)["accuracy"])  # d, e left out

    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("# comment\na\tb\t9\na\tc\t1\nb\td\t5\na\tzebra\t3\n", encoding="utf-8")
    result = evaluate_similarity(model, pairs)
    assert result["spearman"] == pytest.approx(1.0) and result["coverage"] == 0.75


def test_clear_errors(tmp_path, monkeypatch):
    with pytest.raises(NotFittedError):
        Word2Vec().most_similar("human")
    with pytest.raises(ParameterError, match="architecture must be 'cbow' or 'skipgram'"):
        Word2Vec(architecture="glove").fit(common_texts)
    with pytest.raises(ParameterError, match="vector_size"):
        Word2Vec(vector_size=0).fit(common_texts)
    with pytest.raises(DataError, match="at least min_count=5"):
        Word2Vec().fit(common_texts)  # gensim's default min_count=5 is too high for nine titles
    model = Word2Vec(vector_size=4, min_count=1, epochs=1, random_state=0).fit(common_texts)
    with pytest.raises(UnknownWordError, match="'grpah' is not in the vocabulary.*'graph'"):
        model.vector("grpah")
    with pytest.raises(DataError, match="does not exist"):
        evaluate_analogies(model, tmp_path / "nope.txt")
    bad = tmp_path / "bad.txt"
    bad.write_text("a b c\n", encoding="utf-8")
    with pytest.raises(DataError, match="does not hold four words"):
        evaluate_analogies(model, bad)
    with pytest.raises(ParameterError, match="no fitted word vectors"):
        evaluate_similarity(Word2Vec())
    monkeypatch.setitem(sys.modules, "gensim.models", None)
    with pytest.raises(MissingDependencyError, match=r"deepmine\[text\]"):
        Word2Vec(min_count=1).fit(common_texts)
