"""Reading networks: edge tables and networkx graphs become one undirected Graph, bad input a clear error."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from deepmine.errors import ColumnError, DataError, DataWarning, UnknownNodeError
from deepmine.graph import as_graph, node_labels
from deepmine.graph.walks import random_walks


def test_karate_from_networkx_and_from_its_edge_table_agree():
    G = nx.karate_club_graph()
    g = as_graph(G, weight=False)
    assert g.n_nodes == 34 and g.n_edges == 78 and not g.weighted
    assert (g.adjacency != g.adjacency.T).nnz == 0 and g.adjacency.diagonal().sum() == 0
    table = as_graph(pd.DataFrame(list(G.edges), columns=["a", "b"]))  # two columns: the endpoints
    assert table.n_edges == 78 and sorted(table.nodes) == list(range(34))
    weighted = as_graph(G)  # networkx's karate has edge weights, used by default
    assert weighted.weighted and weighted.strengths.sum() == 2 * sum(d["weight"] for *_, d in G.edges(data=True))


def test_directed_repeated_self_loops_and_isolated_nodes_are_handled_with_notices():
    edges = pd.DataFrame({"from": ["a", "b", "a", "c", "c", "d"], "to": ["b", "a", "b", "c", "a", "e"],
                          "w": [1.0, 2.0, 3.0, 5.0, 1.0, 1.0]})
    with pytest.warns(DataWarning) as notes:
        g = as_graph(edges, source="from", target="to", weight="w", nodes=["z"])
    text = " ".join(str(n.message) for n in notes)
    assert "undirected" in text and "self-loop" in text and "isolated" in text
    assert g.n_edges == 3 and g.info["self_loops_dropped"] == 1
    a, b = g.positions(["a", "b"])
    assert g.adjacency[a, b] == 6.0  # a->b, b->a and a->b again: weights summed
    assert set(g.isolated) == {"z"}
    digraph = nx.DiGraph([(1, 2), (2, 3)])
    with pytest.warns(DataWarning, match="undirected"):
        assert as_graph(digraph).n_edges == 2


@pytest.mark.parametrize("frame, kwargs, error, match", [
    (pd.DataFrame({"source": [1, 2], "target": [1, 2]}), {}, DataError, "no edges"),
    (pd.DataFrame({"source": [1, 2], "target": [2, 3], "weight": [1.0, -2.0]}), {}, DataError, "negative"),
    (pd.DataFrame({"source": [1, 2], "target": [2, 3], "weight": ["x", 1]}), {}, DataError, "not numbers"),
    (pd.DataFrame({"source": [1, 2], "target": [2, 3]}), {"target": "dst"}, ColumnError, "'dst' is not"),
    (pd.DataFrame({"a": [1], "b": [2], "c": [3], "d": [4]}), {}, ColumnError, "--source"),
    (pd.DataFrame({"source": [1, "1"], "target": [2, 3]}), {}, DataError, "only in type"),
])
def test_bad_edge_lists_raise_one_clear_error(frame, kwargs, error, match):
    with pytest.raises(error, match=match):
        as_graph(frame, **kwargs)


def test_edges_from_a_csv_file_and_truth_from_a_table(tmp_path):
    G = nx.karate_club_graph()
    path = tmp_path / "edges.csv"
    pd.DataFrame(list(G.edges), columns=["source", "target"]).to_csv(path, index=False)
    g = as_graph(str(path))
    truth = pd.DataFrame({"member": list(G.nodes), "club": [G.nodes[v]["club"] for v in G]})
    codes = node_labels(truth, g)
    assert sorted(np.bincount(codes)) == [17, 17]
    assert (node_labels("club", as_graph(G), G) >= 0).all()
    with pytest.warns(DataWarning, match="no ground-truth community"):
        partial = node_labels({0: "x", 33: "y"}, g)
    assert (partial >= 0).sum() == 2
    with pytest.raises(DataError, match="none of the"):
        node_labels({"nobody": 1}, g)
    with pytest.raises(UnknownNodeError, match="'35' is not in the graph"):
        g.positions(["35"])


def test_walks_follow_edges_and_stay_on_isolated_nodes():
    g = as_graph(pd.DataFrame({"source": [0, 1, 2], "target": [1, 2, 0]}), nodes=[9])
    for p, q in ((1, 1), (4, 0.25)):
        walks = random_walks(g, 3, 6, p=p, q=q, random_state=0)
        assert walks.shape == (12, 6)
        dense = g.adjacency.toarray()
        iso = g.positions([9])[0]
        for walk in walks:
            if walk[0] == iso:
                assert (walk == iso).all()
            else:
                assert all(dense[a, b] > 0 for a, b in zip(walk[:-1], walk[1:]))
    assert (random_walks(g, 2, 5, random_state=1) == random_walks(g, 2, 5, random_state=1)).all()


def test_node2vec_bias_changes_how_often_walks_return():
    g = as_graph(nx.les_miserables_graph(), weight=False)
    back = {}
    for p in (0.25, 4.0):
        walks = random_walks(g, 5, 20, p=p, q=1.0, random_state=0)
        back[p] = np.mean(walks[:, 2:] == walks[:, :-2])
    assert back[0.25] > 2 * back[4.0]


def test_weighted_walks_prefer_heavy_edges():
    g = as_graph(pd.DataFrame({"source": [0, 0], "target": [1, 2], "weight": [9.0, 1.0]}))
    walks = random_walks(g, 400, 2, random_state=0)
    first = walks[walks[:, 0] == g.positions([0])[0], 1]
    share = np.mean(first == g.positions([1])[0])
    assert 0.85 < share < 0.95
