"""PPMIEmbedding: the latent-semantic worked example, counts and PPMI by hand, queries, documents, errors."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from gensim.test.utils import common_texts
from sklearn.base import clone

from deepmine.datasets.corpora import DEERWESTER_STOP_WORDS, DEERWESTER_TITLES
from deepmine.errors import DataError, DataWarning, DeepmineError, NotFittedError, ParameterError
from deepmine.errors import UnknownWordError
from deepmine.text.ppmi import PPMIEmbedding, cooccurrence, ppmi


def test_human_and_user_never_cooccur_yet_their_rank_2_reconstruction_is_about_037():
    # gensim's nine-title corpus; whole-title windows (window=None), PPMI with the natural log,
    # reconstruction U_2 S_2 V_2^T. The issue quotes "about 0.37"; these standard choices give 0.383.
    model = PPMIEmbedding(n_components=2, window=None).fit(common_texts)
    assert model.ppmi_frame().loc["human", "user"] == 0.0
    assert model.cooccurrence_[model._word_index["human"], model._word_index["user"]] == 0
    low = model.low_rank_ppmi(2)
    assert low.loc["human", "user"] == pytest.approx(0.383, abs=0.005)
    assert low.loc["human", "user"] == pytest.approx(low.loc["user", "human"])  # PPMI is symmetric
    # they share neighbours (interface, computer, system...), so their vectors are close too
    assert model.similarity("human", "user") > 0.9


def test_machine_and_system_behave_the_same_in_the_full_deerwester_titles():
    model = PPMIEmbedding(n_components=2, window=None, stop_words=DEERWESTER_STOP_WORDS).fit(list(DEERWESTER_TITLES))
    assert "machine" in model and "system" in model and "for" not in model
    assert model.ppmi_frame().loc["machine", "system"] == 0.0  # never in one title
    assert model.low_rank_ppmi(2).loc["machine", "system"] == pytest.approx(0.444, abs=0.01)
    assert model.low_rank_ppmi(2).loc["human", "user"] > 0.4  # and the first pair still does


def test_counts_and_ppmi_match_the_definition_on_a_toy_corpus():
    docs = [[0, 1, 2, 1], [2, 3]]
    whole = cooccurrence(docs, 4, None).toarray()
    # ordered pairs of distinct positions in one document; word 1 twice in doc 0 pairs with itself twice
    expected = np.array([[0, 2, 1, 0], [2, 2, 2, 0], [1, 2, 0, 1], [0, 0, 1, 0]])
    np.testing.assert_array_equal(whole, expected)
    near = cooccurrence(docs, 4, 1).toarray()  # only neighbours, both directions
    np.testing.assert_array_equal(near, [[0, 1, 0, 0], [1, 0, 2, 0], [0, 2, 0, 1], [0, 0, 1, 0]])
    np.testing.assert_array_equal(cooccurrence(docs, 4, 3).toarray(), whole)  # a window wider than the documents

    counts = sp.csr_matrix(expected.astype(float))
    total, rows = expected.sum(), expected.sum(axis=1)
    with np.errstate(divide="ignore"):
        pmi = np.log(expected * total / np.outer(rows, rows))
    np.testing.assert_allclose(ppmi(counts).toarray(), np.where(expected > 0, np.maximum(pmi, 0), 0), atol=1e-12)
    shifted = ppmi(counts, shift=2.0).toarray()
    np.testing.assert_allclose(shifted, np.where(expected > 0, np.maximum(pmi - np.log(2), 0), 0), atol=1e-12)


def test_word_vectors_are_u_times_root_s_and_reconstruct_the_matrix():
    model = PPMIEmbedding(n_components=5, window=2).fit(common_texts)
    U, S, Vt = np.linalg.svd(model.ppmi_.toarray())
    np.testing.assert_allclose(model.singular_values_, S[:5])
    np.testing.assert_allclose(np.abs(model.word_vectors_), np.abs(U[:, :5] * np.sqrt(S[:5])), atol=1e-10)
    np.testing.assert_allclose(model.low_rank_ppmi(3).to_numpy(), (U[:, :3] * S[:3]) @ Vt[:3], atol=1e-10)
    # at rank n_words - 1 all but the smallest singular value are kept
    full = PPMIEmbedding(n_components=11, window=2).fit(common_texts)
    np.testing.assert_allclose(full.low_rank_ppmi().to_numpy(), full.ppmi_.toarray(), atol=0.02)
    assert list(full.low_rank_ppmi().index) == full.vocabulary_ == list(full.ppmi_frame().columns)


def test_the_sparse_solver_agrees_with_the_dense_one(monkeypatch):
    dense = PPMIEmbedding(n_components=4, window=None).fit(common_texts)
    monkeypatch.setattr("deepmine.text.ppmi._DENSE_SVD_MAX_WORDS", 0)
    sparse = PPMIEmbedding(n_components=4, window=None, random_state=0).fit(common_texts)
    np.testing.assert_allclose(sparse.singular_values_, dense.singular_values_, rtol=1e-8)
    np.testing.assert_allclose(sparse.low_rank_ppmi(4).to_numpy(), dense.low_rank_ppmi(4).to_numpy(), atol=1e-8)


def test_texts_and_token_lists_give_the_same_model():
    texts = [" ".join(doc).upper() for doc in common_texts]
    from_texts = PPMIEmbedding(n_components=3, window=None).fit(pd.Series(texts, name="title"))
    from_tokens = PPMIEmbedding(n_components=3, window=None).fit(common_texts)
    assert from_texts.vocabulary_ == from_tokens.vocabulary_
    np.testing.assert_allclose(from_texts.word_vectors_, from_tokens.word_vectors_)
    np.testing.assert_allclose(from_texts.transform(texts), from_tokens.transform(common_texts), atol=1e-6)


def test_queries():
    model = PPMIEmbedding(n_components=3, window=None).fit(common_texts)
    neighbours = model.most_similar("graph", topn=3)
    assert len(neighbours) == 3 and "graph" not in [w for w, _ in neighbours]
    assert neighbours[0][0] == "minors"  # "graph minors" twice
    assert "minors" in [w for w, _ in model.most_similar("trees", topn=2)]
    scores = [s for _, s in neighbours]
    assert scores == sorted(scores, reverse=True) and all(-1 <= s <= 1 for s in scores)
    assert model.similarity("graph", "minors") == pytest.approx(scores[0])
    assert model.similarity("Graph", "graph") == pytest.approx(1.0)  # looked up as the tokenizer would
    assert model.vector("graph").shape == (3,)
    assert len(model.most_similar("graph", topn=100)) == 11  # every other word, no more


def test_document_vectors_mean_and_tfidf():
    model = PPMIEmbedding(n_components=3, window=None).fit(common_texts)
    out = model.transform(["human interface", "no known words", "human human interface"])
    assert out.shape == (3, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out[0], (model.vector("human") + model.vector("interface")) / 2, rtol=1e-6)
    np.testing.assert_array_equal(out[1], 0)
    np.testing.assert_allclose(out[2], (2 * model.vector("human") + model.vector("interface")) / 3, rtol=1e-6)
    tfidf = clone(model).set_params(weighting="tfidf").fit(common_texts)
    idf = dict(zip(tfidf.vocabulary_, tfidf.idf_))
    w = np.array([idf["human"], idf["system"]])
    expected = (w[0] * tfidf.vector("human") + w[1] * tfidf.vector("system")) / w.sum()
    np.testing.assert_allclose(tfidf.transform(["human system"])[0], expected, rtol=1e-6)
    assert idf["human"] > idf["system"]  # system is in more titles
    assert list(model.get_feature_names_out()) == ["ppmiembedding0", "ppmiembedding1", "ppmiembedding2"]


@pytest.mark.filterwarnings("ignore::deepmine.errors.DataWarning")
def test_vectors_for_another_vocabulary():
    model = PPMIEmbedding(n_components=50, window=None).fit(common_texts)  # lowered to 11 (12 words)
    out = model.vectors_for(["<pad>", "human", "zebra", "graph"], 16)
    assert out.shape == (4, 16) and out.dtype == np.float32
    assert np.isnan(out[0]).all() and np.isnan(out[2]).all()
    np.testing.assert_allclose(out[1, :11], model.vector("human"), rtol=1e-6)
    np.testing.assert_array_equal(out[1, 11:], 0)
    np.testing.assert_allclose(model.vectors_for(["graph"], 3)[0], model.vector("graph")[:3], rtol=1e-6)
    assert model.vectors_for([]).shape == (0, 11)


def test_estimator_contract():
    model = PPMIEmbedding(n_components=4, window=None, stop_words=["the"])
    assert model.fit(common_texts) is model
    assert clone(model).get_params() == model.get_params()
    assert model.n_components_ == 4 and model.counts_[0] == 4  # "system", the most frequent word
    assert model.fit_transform(common_texts).shape == (9, 4)


def test_too_many_components_is_lowered_with_a_notice():
    with pytest.warns(DataWarning, match="n_components=50 is more than the vocabulary of 12 words"):
        model = PPMIEmbedding(n_components=50, window=None).fit(common_texts)
    assert model.n_components == 50  # the parameter stays as given
    assert model.n_components_ == 11 and model.word_vectors_.shape == (12, 11)


def test_clear_errors():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        PPMIEmbedding().vector("human")
    model = PPMIEmbedding(n_components=2, window=None).fit(common_texts)
    with pytest.raises(UnknownWordError, match="'humna' is not in the vocabulary of 12 words; similar words that "
                                               "are: 'human'") as info:
        model.vector("humna")
    assert isinstance(info.value, KeyError) and isinstance(info.value, DeepmineError)
    with pytest.raises(UnknownWordError, match="lower min_count"):
        model.most_similar("zebra")
    with pytest.raises(ParameterError, match="rank must be at most n_components_=2"):
        model.low_rank_ppmi(3)
    with pytest.raises(ParameterError, match="topn"):
        model.most_similar("human", topn=0)
    for params, match in [({"window": 0}, "window"), ({"n_components": 0}, "n_components"),
                          ({"weighting": "max"}, "weighting"), ({"shift": 0}, "shift"), ({"alpha": 2}, "alpha")]:
        with pytest.raises(ParameterError, match=match):
            PPMIEmbedding(**params).fit(common_texts)
    with pytest.raises(DataError, match="at least min_count=5"):
        PPMIEmbedding(min_count=5).fit(common_texts)
    with pytest.raises(DataError, match="at least two distinct words"):
        PPMIEmbedding().fit(["spam spam", "spam"])
    with pytest.raises(DataError, match="no two words of the vocabulary ever occur together"):
        PPMIEmbedding().fit(["spam", "eggs"])
    with pytest.raises(DataError, match="mix token lists"):
        PPMIEmbedding().fit([["a", "b"], "a b"])
    with pytest.raises(DataError, match="single string"):
        PPMIEmbedding().fit("human interface")
