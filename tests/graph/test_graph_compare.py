"""compare("communities" | "link_prediction") and `deepmine graph communities|links` on real networks."""

import json

import networkx as nx
import pandas as pd
import pytest
from typer.testing import CliRunner

from deepmine import compare
from deepmine.cli.main import app
from deepmine.errors import DeepmineError, TargetError
from deepmine.persist import load

FAST = {"num_walks": 5, "walk_length": 20, "dimensions": 16}


def test_karate_leaderboard_sets_deep_beside_louvain_and_label_propagation():
    board = compare("communities", "dataset:karate", models="node2vec_kmeans,louvain,label_propagation",
                    options={"n_communities": 2})
    frame = board.frame.set_index("model")
    assert board.primary == "nmi" and board.info["truth_communities"] == 2
    assert set(frame.index) == {"node2vec_kmeans", "louvain", "label_propagation"}
    assert frame.loc["node2vec_kmeans", "n_communities"] == 2 and frame.nmi.min() > 0.3
    assert set(frame.kind) == {"deep", "traditional"} and "nmi=" in board.verdict()
    assert len(board.predictions["louvain"]) == 34 and len(board.data) == 34


def test_without_truth_modularity_ranks_and_weights_are_used():
    board = compare("communities", "dataset:les_miserables", models="louvain,spectral,deepwalk_kmeans")
    assert board.primary == "modularity" and "nmi" not in board.frame.columns
    assert board.info["graph"]["weighted"] and board.frame.modularity.iloc[0] > 0.4
    assert board.frame.modularity.is_monotonic_decreasing


def test_truth_from_a_networkx_attribute_and_a_bad_truth():
    G = nx.karate_club_graph()
    board = compare("communities", G, truth="club", weight=False, models="spectral", options={"n_communities": 2})
    assert board.frame.nmi.iloc[0] > 0.5
    with pytest.raises(TargetError, match="one community"):
        compare("communities", G, truth={v: "same" for v in G}, models="louvain")


def test_link_prediction_holds_out_edges_and_scores_every_method():
    board = compare("link_prediction", "dataset:les_miserables", options=FAST,
                    models="node2vec_cosine,node2vec_hadamard,common_neighbours,adamic_adar")
    frame = board.frame.set_index("model")
    assert board.info["held_out_edges"] == 25 and board.info["negative_pairs"] == 25
    assert frame.roc_auc.min() > 0.6 and set(frame.kind) == {"deep", "traditional"}
    assert list(board.data.columns) == ["source", "target"] and len(board.y_test) == 50


def test_cli_communities_writes_assignments_leaderboard_and_drawing(tmp_path):
    G = nx.karate_club_graph()
    edges = tmp_path / "friends.csv"
    pd.DataFrame([(f"m{u}", f"m{v}") for u, v in G.edges], columns=["a", "b"]).to_csv(edges, index=False)
    truth = tmp_path / "factions.csv"
    pd.DataFrame({"node": [f"m{v}" for v in G], "community": [G.nodes[v]["club"] for v in G]}).to_csv(truth,
                                                                                                        index=False)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["graph", "communities", str(edges), "--source", "a", "--target", "b", "--k", "2",
                                      "--truth", str(truth), "--models", "deepwalk_kmeans,louvain", "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "communities.csv")
    assert list(table.columns)[:1] == ["node"] and len(table) == 34 and "truth" in table.columns
    assert set(pd.read_csv(out / "leaderboard.csv").model) == {"deepwalk_kmeans", "louvain"}
    assert (out / "network.png").stat().st_size > 10_000
    assert json.loads((out / "metrics.json").read_text())["info"]["truth_communities"] == 2


def test_cli_links_writes_pair_scores(tmp_path):
    out = tmp_path / "links"
    result = CliRunner().invoke(app, ["graph", "links", "dataset:karate", "--models", "adamic_adar,jaccard",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out / "scores.csv")
    assert list(scores.columns) == ["source", "target", "edge", "adamic_adar", "jaccard"]
    assert scores.edge.sum() == 8 and len(scores) == 16
    best = load(out / "model")  # the best scorer, saved without pickle, scores the same pairs again
    assert type(best).__name__ in {"AdamicAdar", "JaccardCoefficient"}
    assert best.score_links(scores[["source", "target"]]) == pytest.approx(scores[best_name(out)].to_numpy())


def best_name(run) -> str:
    return json.loads((run / "metrics.json").read_text())["best"]


@pytest.mark.parametrize("rows, args, message", [
    ("source,target\n1,1\n2,2\n", [], "no edges"),
    ("source,target,weight\n1,2,1\n2,3,-1\n", [], "negative"),
    ("u,v,w,x\n1,2,3,4\n", [], "--source"),
    ("source,target\n1,2\n2,3\n", ["--source", "from"], "'from' is not in the edge table"),
])
def test_cli_bad_edge_lists_exit_2_with_one_line_and_no_run_folder(tmp_path, rows, args, message):
    edges = tmp_path / "edges.csv"
    edges.write_text(rows)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["graph", "communities", str(edges), "-o", str(out), *args])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_unknown_model_is_a_clear_error():
    with pytest.raises(DeepmineError, match="choose from"):
        compare("communities", "dataset:karate", models="dbscan")
