"""Link prediction on real small graphs: the edge split, the neighbourhood scores against networkx, and
embedding scores that find held-out edges of a graph with communities."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from deepmine.errors import DeepmineError, NotFittedError, ParameterError, UnknownNodeError
from deepmine.evaluation.graph_metrics import link_scores
from deepmine.graph.data import as_graph
from deepmine.graph.embedding import Node2Vec
from deepmine.graph.links import (AdamicAdar, CommonNeighbours, EmbeddingLinkPredictor, JaccardCoefficient,
                                  PreferentialAttachment, split_edges)

NEIGHBOURHOOD = [CommonNeighbours, AdamicAdar, JaccardCoefficient, PreferentialAttachment]


def small_node2vec():
    return Node2Vec(dimensions=16, num_walks=5, walk_length=20)


@pytest.fixture(scope="module")
def karate():
    return as_graph(nx.karate_club_graph(), weight=False)


@pytest.fixture(scope="module")
def lesmis():
    return as_graph(nx.les_miserables_graph(), weight=False)


def _edge_set(graph):
    u, v, _ = graph.edges()
    return set(zip(u.tolist(), v.tolist()))


def _auc(model, split):
    return link_scores(split.labels, model.fit(split.train).score_links(split.pairs, positions=True))["roc_auc"]


# ----------------------------------------------------------------------------- split_edges
def test_split_keeps_nodes_and_holds_out_the_share(lesmis):
    split = split_edges(lesmis, test_size=0.2, random_state=1)
    k = round(0.2 * lesmis.n_edges)
    assert split.train.nodes == lesmis.nodes
    assert split.train.n_nodes == lesmis.n_nodes
    assert split.pairs.shape == (2 * k, 2) and split.pairs.dtype == np.int64
    assert split.labels.sum() == k and len(split.labels) == 2 * k
    assert split.train.n_edges == lesmis.n_edges - k
    # shuffled: the held-out edges are not all in front
    assert 0 < split.labels[:k].sum() < k


def test_split_positives_are_removed_edges_and_negatives_are_non_edges(lesmis):
    split = split_edges(lesmis, test_size=0.2, random_state=1)
    full, train = _edge_set(lesmis), _edge_set(split.train)
    pairs = [tuple(sorted(p)) for p in split.pairs.tolist()]
    positives = [p for p, y in zip(pairs, split.labels) if y == 1]
    negatives = [p for p, y in zip(pairs, split.labels) if y == 0]
    assert all(p in full and p not in train for p in positives)
    assert train | set(positives) == full
    assert all(p[0] != p[1] and p not in full for p in negatives)
    assert len(set(pairs)) == len(pairs)


def test_split_leaves_every_linked_node_an_edge(karate, lesmis):
    for graph in (karate, lesmis):
        split = split_edges(graph, test_size=0.3, random_state=0)
        assert np.all(split.train.degrees[graph.degrees > 0] >= 1)


def test_split_is_reproducible(planted):
    a, b = split_edges(planted, 0.1, random_state=3), split_edges(planted, 0.1, random_state=3)
    np.testing.assert_array_equal(a.pairs, b.pairs)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert _edge_set(a.train) == _edge_set(b.train)
    assert not np.array_equal(a.pairs, split_edges(planted, 0.1, random_state=4).pairs)


def test_split_of_a_large_sparse_graph_is_fast_and_valid():
    # 3,000 nodes: too many pairs to list, so the negatives are drawn by rejection
    rng = np.random.default_rng(0)
    ends = rng.integers(0, 3000, size=(12_000, 2))
    ends = np.unique(np.sort(ends[ends[:, 0] != ends[:, 1]], axis=1), axis=0)
    graph = as_graph(pd.DataFrame(ends, columns=["source", "target"]).astype(str))
    split = split_edges(graph, test_size=0.1, random_state=0)
    negatives = split.pairs[split.labels == 0]
    codes = np.sort(negatives, axis=1) @ [graph.n_nodes, 1]
    assert len(np.unique(codes)) == len(codes) == split.labels.sum()
    assert not graph.adjacency[negatives[:, 0], negatives[:, 1]].any()
    assert np.all(split.train.degrees[graph.degrees > 0] >= 1)


@pytest.mark.parametrize("test_size", [0, 1, -0.1, 1.5, "0.1", None])
def test_split_rejects_a_bad_test_size(karate, test_size):
    with pytest.raises(DeepmineError, match="test_size"):
        split_edges(karate, test_size=test_size)


def test_split_of_a_single_edge_says_the_graph_is_too_small():
    tiny = as_graph(pd.DataFrame({"source": ["a"], "target": ["b"]}))
    with pytest.raises(DeepmineError, match="1 edge"):
        split_edges(tiny, test_size=0.1)
    with pytest.raises(DeepmineError, match="edge"):
        split_edges(tiny, test_size=0.9)  # the only edge cannot go: it would cut both nodes off


def test_split_of_a_complete_graph_says_there_are_no_non_edges():
    with pytest.raises(DeepmineError, match="not edges"):
        split_edges(as_graph(nx.complete_graph(6)), test_size=0.2)


# ----------------------------------------------------------------------------- scores
def test_neighbourhood_scores_agree_with_networkx(karate):
    G = nx.karate_club_graph()
    pairs = [(0, 33), (0, 1), (5, 16), (2, 32), (9, 25), (11, 12)]
    cn = CommonNeighbours().fit(karate).score_links(pairs)
    aa = AdamicAdar().fit(karate).score_links(pairs)
    jc = JaccardCoefficient().fit(karate).score_links(pairs)
    pa = PreferentialAttachment().fit(karate).score_links(pairs)
    np.testing.assert_array_equal(cn, [len(list(nx.common_neighbors(G, u, v))) for u, v in pairs])
    np.testing.assert_allclose(aa, [s for _, _, s in nx.adamic_adar_index(G, pairs)])
    np.testing.assert_allclose(jc, [s for _, _, s in nx.jaccard_coefficient(G, pairs)])
    np.testing.assert_allclose(pa, [s for _, _, s in nx.preferential_attachment(G, pairs)])
    assert cn.dtype == np.float64


@pytest.mark.parametrize("model", [CommonNeighbours, AdamicAdar, JaccardCoefficient])
def test_neighbourhood_scores_find_held_out_edges(model, planted_split):
    assert _auc(model(), planted_split) > 0.75


def test_preferential_attachment_finds_held_out_edges_where_degrees_differ(lesmis, planted_split):
    # On the planted partition graph every node has about the same degree, so the product of degrees
    # carries no signal there (and holding edges out lowers their endpoints' degrees); Les Miserables
    # has hubs, and its edges gather at them.
    assert _auc(PreferentialAttachment(), split_edges(lesmis, 0.1, random_state=0)) > 0.6
    assert _auc(PreferentialAttachment(), planted_split) < _auc(CommonNeighbours(), planted_split)


@pytest.mark.parametrize("scoring", ["cosine", "hadamard"])
def test_embedding_predictor_finds_held_out_edges(scoring, planted_split):
    model = EmbeddingLinkPredictor(small_node2vec(), scoring=scoring, random_state=0)
    assert _auc(model, planted_split) > 0.75
    assert model.embedder_.embedding_.shape == (100, 16)
    assert hasattr(model, "classifier_") == (scoring == "hadamard")
    scores = model.score_links(planted_split.pairs, positions=True)
    if scoring == "hadamard":
        assert np.all((scores >= 0) & (scores <= 1))


def test_embedding_predictor_is_reproducible(karate):
    pairs = [(0, 33), (1, 2), (5, 30)]
    for scoring in ("cosine", "hadamard"):
        a = EmbeddingLinkPredictor(small_node2vec(), scoring=scoring, random_state=7).fit(karate).score_links(pairs)
        b = EmbeddingLinkPredictor(small_node2vec(), scoring=scoring, random_state=7).fit(karate).score_links(pairs)
        np.testing.assert_array_equal(a, b)


def test_embedding_predictor_rejects_unknown_choices(karate):
    with pytest.raises(ParameterError, match="scoring"):
        EmbeddingLinkPredictor(scoring="euclid").fit(karate)
    with pytest.raises(ParameterError, match="embedding"):
        EmbeddingLinkPredictor(embedding="line").fit(karate)


# ----------------------------------------------------------------------------- how pairs are given
def test_score_links_accepts_labels_tables_and_positions(lesmis):
    model = AdamicAdar().fit(lesmis)
    labels = [("Valjean", "Javert"), ("Myriel", "Napoleon"), ("Cosette", "Marius")]
    from_list = model.score_links(labels)
    from_array = model.score_links(np.array(labels, dtype=object))
    from_frame = model.score_links(pd.DataFrame(labels, columns=["a", "b"]))
    positions = np.array([[model.nodes_.index(a), model.nodes_.index(b)] for a, b in labels])
    from_positions = model.score_links(positions, positions=True)
    for other in (from_array, from_frame, from_positions):
        np.testing.assert_array_equal(from_list, other)
    assert from_list[0] > 0 and len(model.score_links([])) == 0


def test_unknown_node_is_named(lesmis):
    model = CommonNeighbours().fit(lesmis)
    with pytest.raises(UnknownNodeError, match="Gandalf"):
        model.score_links([("Valjean", "Gandalf")])
    with pytest.raises(DeepmineError, match="out of range"):
        model.score_links([(0, 10_000)], positions=True)


@pytest.mark.parametrize("model", NEIGHBOURHOOD + [EmbeddingLinkPredictor])
def test_unfitted_predictor_says_so(model):
    with pytest.raises(NotFittedError):
        model().score_links([(0, 1)])
    with pytest.raises(NotFittedError):
        model().suggest_links(0)


def test_suggest_links_gives_non_neighbours_best_first(karate):
    model = AdamicAdar().fit(karate)
    top = model.suggest_links(0, topn=5)
    assert list(top.columns) == ["node", "score"] and len(top) == 5
    assert not set(top["node"]) & (set(nx.karate_club_graph()[0]) | {0})
    assert top["score"].is_monotonic_decreasing
    np.testing.assert_allclose(top["score"], model.score_links([(0, v) for v in top["node"]]))
