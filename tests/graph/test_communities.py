"""Node embeddings and community detection on small real and planted networks."""

import networkx as nx
import numpy as np
import pytest

from deepmine.errors import NotFittedError, ParameterError, UnknownNodeError
from deepmine.evaluation.graph_metrics import community_scores, conductance, modularity
from deepmine.graph import (DeepWalk, EmbeddingCommunities, GreedyModularityCommunities, LabelPropagationCommunities,
                            LouvainCommunities, Node2Vec, SpectralCommunities, as_graph, node_labels)
from deepmine.persist import load, save_model
from contract import check_constructible_and_clone

SMALL = dict(dimensions=16, num_walks=5, walk_length=20)


@pytest.fixture(scope="module")
def planted_truth():
    """Four planted communities of 25 nodes (edges inside with probability 0.4, across 0.02) and each node's
    community; named apart from conftest's ``planted`` (inside 0.5, seed 0, without the truth), which it shadowed."""
    G = nx.planted_partition_graph(4, 25, 0.4, 0.02, seed=1)
    truth = np.repeat(np.arange(4), 25)
    return as_graph(G), truth


@pytest.fixture(scope="module")
def karate():
    G = nx.karate_club_graph()
    g = as_graph(G, weight=False)
    return g, node_labels("club", g, G)


ALL = [EmbeddingCommunities(Node2Vec(**SMALL)), EmbeddingCommunities(DeepWalk(**SMALL), method="gmm"),
       LouvainCommunities(), LabelPropagationCommunities(), GreedyModularityCommunities(), SpectralCommunities()]


@pytest.mark.parametrize("model", ALL + [DeepWalk(), Node2Vec()], ids=lambda m: type(m).__name__)
def test_contract(model):
    check_constructible_and_clone(model)


@pytest.mark.parametrize("model", ALL, ids=lambda m: f"{type(m).__name__}-{getattr(m, 'method', '')}")
def test_every_method_recovers_planted_communities(model, planted_truth):
    g, truth = planted_truth
    model.set_params(random_state=0) if "random_state" in model.get_params() else None
    labels = model.fit_predict(g)
    scores = community_scores(g.adjacency, labels, truth)
    assert scores["nmi"] > 0.9, scores
    assert len(model.communities()) == 100 and model.n_communities_ == scores["n_communities"]
    assert np.bincount(labels)[0] == np.bincount(labels).max()  # community 0 is the largest


def test_karate_factions_with_k_given_and_modularity_chosen(karate):
    g, truth = karate
    model = EmbeddingCommunities("node2vec", n_communities=2, random_state=0).fit(g)
    assert model.n_communities_ == 2
    assert community_scores(g.adjacency, model.labels_, truth)["nmi"] > 0.7
    # left to choose, modularity splits the club further (its best partition has 4 groups), each
    # group still inside one faction more often than not
    auto = EmbeddingCommunities("node2vec", random_state=0).fit(g)
    assert 3 <= auto.n_communities_ <= 5 and community_scores(g.adjacency, auto.labels_, truth)["nmi"] > 0.45
    near = model.embedder_.most_similar(33, topn=5)
    assert list(near.columns) == ["node", "similarity"] and len(near) == 5 and 33 not in set(near.node)


def test_embeddings_are_reproducible_and_close_for_neighbours(planted_truth):
    g, truth = planted_truth
    a = Node2Vec(**SMALL, random_state=3).fit(g)
    b = Node2Vec(**SMALL, random_state=3).fit(g)
    assert np.array_equal(a.embedding_, b.embedding_)
    assert a.embedding_.shape == (100, 16) and a.transform([0, 1]).shape == (2, 16)
    unit = a.embedding_ / np.linalg.norm(a.embedding_, axis=1, keepdims=True)
    sims = unit @ unit.T
    same = truth[:, None] == truth[None, :]
    np.fill_diagonal(same, False)
    assert sims[same].mean() > sims[~same & ~np.eye(100, dtype=bool)].mean() + 0.3
    assert a.similarity(0, 1) == pytest.approx(float(sims[0, 1]), abs=1e-5)


def test_embedding_errors():
    with pytest.raises(NotFittedError):
        DeepWalk().most_similar(0)
    model = DeepWalk(**SMALL, random_state=0).fit(nx.karate_club_graph())
    with pytest.raises(UnknownNodeError, match="node 99 is not in the graph"):
        model.vector(99)
    with pytest.raises(ParameterError, match="q must be a positive number"):
        Node2Vec(q=0).fit(nx.karate_club_graph())
    with pytest.raises(ParameterError, match="walk_length must be at least 2"):
        DeepWalk(walk_length=1).fit(nx.karate_club_graph())
    with pytest.raises(ParameterError, match="method must be"):
        EmbeddingCommunities(method="dbscan").fit(nx.karate_club_graph())
    with pytest.raises(ParameterError, match="n_communities must be at least 2"):
        SpectralCommunities(n_communities=1).fit(nx.karate_club_graph())


def test_given_number_of_communities_and_isolated_nodes(karate):
    g, _ = karate
    G = nx.karate_club_graph()
    G.add_nodes_from(["loner", "hermit"])
    for model in (SpectralCommunities(n_communities=3, random_state=0), LouvainCommunities(random_state=0),
                  EmbeddingCommunities(DeepWalk(**SMALL), n_communities=3, random_state=0)):
        with pytest.warns(UserWarning, match="isolated"):
            model.fit(G)
        table = model.communities().set_index("node")["community"]
        assert table["loner"] != table["hermit"]  # a node without edges is a community of its own
        assert (table == table["loner"]).sum() == 1
        if "n_communities" in model.get_params():
            assert model.n_communities_ == 3 + 2


def test_metrics_match_networkx(karate):
    g, truth = karate
    G = nx.karate_club_graph()
    parts = [set(np.flatnonzero(truth == k)) for k in range(2)]
    assert modularity(g.adjacency, truth) == pytest.approx(nx.community.modularity(G, parts, weight=None))
    expected = np.mean([nx.conductance(G, part) for part in parts])
    assert conductance(g.adjacency, truth) == pytest.approx(expected)


def test_fitted_detector_saves_and_loads(tmp_path, karate):
    g, _ = karate
    model = EmbeddingCommunities(DeepWalk(**SMALL), random_state=0).fit(g)
    save_model(model, tmp_path / "m")
    back = load(tmp_path / "m")
    assert np.array_equal(back.labels_, model.labels_) and back.nodes_ == model.nodes_
    assert back.embedder_.most_similar(0).equals(model.embedder_.most_similar(0))
