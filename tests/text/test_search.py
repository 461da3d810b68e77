"""SearchIndex (bm25, tfidf, dense), its saved folders and the retrieval scores, on gensim's Lee news corpus."""

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from lee_corpus import N_ENCODED, lee_embeddings, lee_texts

from deepmine.errors import DataError, ModelFormatError, NotFittedError, OutputExistsError, ParameterError
from deepmine.text.retrieval_metrics import ranking_scores
from deepmine.text.search import SearchIndex, retrieval_scores

SMALL = ["The cat sat on the mat.", "A dog chased the cat.", "Stocks fell sharply in Sydney today.",
         "The dog slept.", "Bushfires burned near Sydney."]


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]


@pytest.fixture(scope="module")
def texts():
    return list(lee_texts())


@pytest.fixture(scope="module")
def indexes(texts):
    return {"bm25": SearchIndex("bm25").fit(texts), "tfidf": SearchIndex("tfidf").fit(texts),
            "dense": SearchIndex("dense").fit(texts[:N_ENCODED], embeddings=lee_embeddings())}


@pytest.mark.parametrize("method", ["bm25", "tfidf"])
def test_first_sentence_finds_its_article_lexical(indexes, texts, method):
    queries = [first_sentence(t) for t in texts]
    scores = retrieval_scores(indexes[method], queries, [{i} for i in range(len(texts))], k=10)
    assert scores["n_queries"] == 300
    assert scores["mrr"] >= 0.9 and scores["recall@10"] >= 0.95
    assert scores["precision@10"] == pytest.approx(scores["recall@10"] / 10)
    top = indexes[method].search(queries[0], k=3)
    assert top["rank"].tolist() == [1, 2, 3] and top["score"].is_monotonic_decreasing


def test_first_sentence_finds_its_article_dense(indexes, texts):
    picked = list(range(0, N_ENCODED, 8))  # 19 queries: encoding queries is the slow part
    queries = [first_sentence(texts[i]) for i in picked]
    scores = retrieval_scores(indexes["dense"], queries, [{i} for i in picked], k=10)
    assert scores["mrr"] >= 0.8 and scores["recall@10"] >= 0.9


@pytest.mark.parametrize("method", ["bm25", "tfidf"])
def test_result_frame(method):
    index = SearchIndex(method).fit(SMALL, ids=["a", "b", "c", "d", "e"])
    hits = index.search("cat", k=2)
    assert list(hits.columns) == ["rank", "id", "score", "text"]
    assert set(hits["id"]) == {"a", "b"} and (hits["score"] > 0).all()
    assert hits["text"].tolist() == [SMALL[["a", "b", "c", "d", "e"].index(i)] for i in hits["id"]]
    everything = index.search("sydney", k=50)  # k beyond the index: every text, matches first
    assert len(everything) == 5 and set(everything["id"][:2]) == {"c", "e"}
    assert everything["score"].is_monotonic_decreasing and (everything["score"][2:] == 0).all()
    assert everything["id"][2:].tolist() == ["a", "b", "d"]  # ties keep the index order
    unknown = index.search("zebra", k=3)
    assert (unknown["score"] == 0).all() and unknown["id"].tolist() == ["a", "b", "c"]
    many = index.search_many(["cat", "dog", "sydney"], k=2)
    assert list(many.columns) == ["query", "rank", "id", "score", "text"] and len(many) == 6
    assert many["query"].tolist() == ["cat", "cat", "dog", "dog", "sydney", "sydney"]
    assert many[many["query"] == "dog"].reset_index(drop=True).drop(columns="query").equals(index.search("dog", 2))


def test_stop_words_are_deepmines():
    index = SearchIndex("bm25", stop_words="english").fit(SMALL)
    assert (index.search("the", k=5)["score"] == 0).all()
    assert (SearchIndex("bm25").fit(SMALL).search("the", k=5)["score"] > 0).sum() == 3


def test_errors():
    with pytest.raises(NotFittedError, match="call 'fit'"):
        SearchIndex().search("cat")
    with pytest.raises(DataError, match="no texts"):
        SearchIndex().fit([])
    with pytest.raises(ParameterError, match="method must be one of"):
        SearchIndex("lsi").fit(SMALL)
    with pytest.raises(DataError, match="more than once"):
        SearchIndex().fit(SMALL, ids=[1, 2, 3, 1, 5])
    with pytest.raises(DataError, match="5 texts but 2 ids"):
        SearchIndex().fit(SMALL, ids=[1, 2])
    with pytest.raises(DataError, match="has a word to index"):
        SearchIndex("tfidf", stop_words="english").fit(["the and", "of it"])
    with pytest.raises(DataError, match="has a word to index"):
        SearchIndex("bm25", stop_words="english").fit(["the and", "of it"])
    with pytest.raises(ParameterError, match="only by method='dense'"):
        SearchIndex("bm25").fit(SMALL, embeddings=np.zeros((5, 384)))
    index = SearchIndex().fit(SMALL)
    with pytest.raises(DataError, match="query is empty"):
        index.search("   ")
    with pytest.raises(DataError, match="must be a string"):
        index.search(42)
    with pytest.raises(DataError, match="list of queries"):
        index.search_many("cat")
    with pytest.raises(ParameterError, match="k must be"):
        index.search("cat", k=0)


# --------------------------------------------------------------------------- saving
@pytest.mark.parametrize("method", ["bm25", "tfidf", "dense"])
def test_save_and_load_give_the_same_results(indexes, texts, tmp_path, method):
    if method == "dense":
        index = SearchIndex("dense").fit(texts[:40], ids=[f"doc{i}" for i in range(40)],
                                         embeddings=lee_embeddings()[:40])
    else:
        index = SearchIndex(method, stop_words="english", k1=1.2).fit(texts[:40], ids=[f"doc{i}" for i in range(40)])
    queries = [first_sentence(texts[3]), "fire near Sydney"]
    folder = index.save(tmp_path / "index")
    loaded = SearchIndex.load(folder)
    assert loaded.get_params() == index.get_params() and loaded.ids_ == index.ids_
    pd.testing.assert_frame_equal(loaded.search_many(queries, k=5), index.search_many(queries, k=5))
    with pytest.raises(OutputExistsError, match="overwrite=True"):
        index.save(folder)
    index.save(folder, overwrite=True)
    assert sorted(p.name for p in folder.iterdir()) == (["embeddings.npy", "index.json"] if method == "dense"
                                                         else ["index.json"])


def test_load_refuses_pickles_and_damaged_folders(tmp_path):
    index = SearchIndex("dense").fit(SMALL, embeddings=np.eye(5, 384, dtype=np.float32))
    folder = index.save(tmp_path / "dense")
    np.save(folder / "embeddings.npy", np.array([{"not": "an array"}] * 5, dtype=object), allow_pickle=True)
    with pytest.raises(ModelFormatError, match="not a plain array"):
        SearchIndex.load(folder)
    with pytest.raises(ModelFormatError, match="no index.json"):
        SearchIndex.load(tmp_path / "nowhere")
    (folder / "index.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ModelFormatError, match="not a deepmine search index"):
        SearchIndex.load(folder)
    with pytest.raises(ParameterError, match="cannot be saved as JSON"):
        SearchIndex().fit(SMALL, ids=[(1, 2), 2, 3, 4, 5]).save(tmp_path / "tuples")


# --------------------------------------------------------------------------- retrieval scores
def test_ranking_scores_by_hand():
    frame = ranking_scores([[3, 1, 2]], [{1, 2}], k=3)
    row = frame.iloc[0]
    assert row["precision@3"] == pytest.approx(2 / 3) and row["recall@3"] == 1.0 and row["mrr"] == 0.5
    ideal = 1 + 1 / math.log2(3)
    assert row["ndcg@3"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(4)) / ideal)
    miss = ranking_scores([[5, 6]], [{1}], k=2).iloc[0]
    assert miss["mrr"] == 0 and miss["ndcg@2"] == 0 and miss["recall@2"] == 0


def test_retrieval_scores_errors(indexes):
    with pytest.raises(DataError, match="not in the index"):
        retrieval_scores(indexes["bm25"], ["fire"], [{"nope"}])
    with pytest.raises(DataError, match="no relevant ids"):
        retrieval_scores(indexes["bm25"], ["fire"], [set()])
    with pytest.raises(DataError, match="1 queries but 2"):
        retrieval_scores(indexes["bm25"], ["fire"], [{1}, {2}])
