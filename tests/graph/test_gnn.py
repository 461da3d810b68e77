"""Graph autoencoders (GAE, VGAE): node vectors from a graph convolutional network on the Trainer, as link
predictors and community detectors beside the random-walk embeddings and the graph algorithms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deepmine import compare
from deepmine.errors import DataError, ParameterError
from deepmine.evaluation.graph_metrics import link_scores
from deepmine.graph import GAE, VGAE, EmbeddingCommunities, EmbeddingLinkPredictor
from deepmine.graph.gnn import structural_features
from deepmine.persist import _looks_like_pickle, load, save_model
from deepmine.training.checkpoints import checkpointing
from interrupts import Interrupt

FAST = dict(max_epochs=60, random_state=0, device="cpu")


def _auc(model, split) -> float:
    return link_scores(split.labels, model.score_links(split.pairs, positions=True))["roc_auc"]


@pytest.mark.parametrize("model", [GAE, VGAE], ids=["gae", "vgae"])
def test_graph_autoencoders_find_held_out_edges(model, planted_split):
    predictor = EmbeddingLinkPredictor(model(**FAST), "dot", random_state=0).fit(planted_split.train)
    assert _auc(predictor, planted_split) > 0.78  # Adamic-Adar scores 0.83 on this split
    assert predictor.embedder_.embedding_.shape == (planted_split.train.n_nodes, 16)
    assert len(predictor.history_) == 60 and predictor.history_["train_loss"].iloc[-1] < predictor.history_[
        "train_loss"].iloc[0]


def test_gae_vectors_group_the_planted_communities(planted):
    found = EmbeddingCommunities(GAE(**FAST), "kmeans", n_communities=4, random_state=0).fit(planted)
    truth = [node // 25 for node in planted.nodes]
    from sklearn.metrics import normalized_mutual_info_score

    assert normalized_mutual_info_score(truth, found.labels_) > 0.8


def test_same_seed_same_vectors_and_the_callers_rng_is_untouched(planted):
    import torch

    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = GAE(**FAST).fit(planted).embedding_
    assert torch.rand(1) == before
    b = GAE(**FAST).fit(planted).embedding_
    assert np.array_equal(a, b)
    assert not np.array_equal(a, GAE(**{**FAST, "random_state": 1}).fit(planted).embedding_)


def test_node_features_given_structural_or_identity(planted):
    frame = pd.DataFrame({"community": [node // 25 for node in planted.nodes], "noise": np.arange(planted.n_nodes)},
                         index=list(planted.nodes))
    given = GAE(features=frame, **FAST).fit(planted)
    assert given.features_ == "given"
    assert GAE(features="structural", **FAST).fit(planted).features_ == "structural"
    assert GAE(**FAST).fit(planted).features_ == "identity"
    features = structural_features(planted)
    assert features.shape == (planted.n_nodes, 4) and np.isfinite(features).all()
    with pytest.raises(DataError, match="no row for 1 nodes"):
        GAE(features=frame.iloc[1:], **FAST).fit(planted)
    with pytest.raises(DataError, match="one row per node"):
        GAE(features=np.ones((3, 2)), **FAST).fit(planted)
    with pytest.raises(ParameterError, match="features must be"):
        GAE(features="degrees", **FAST).fit(planted)


def test_grad_clip_reaches_the_trainer(planted, monkeypatch):
    from deepmine.training.trainer import Trainer

    seen = []
    init = Trainer.__init__

    def record(self, *args, **kwargs):
        init(self, *args, **kwargs)
        seen.append(self.grad_clip)

    monkeypatch.setattr(Trainer, "__init__", record)
    GAE(grad_clip=0.25, **{**FAST, "max_epochs": 2}).fit(planted)
    assert seen == [0.25]


def test_too_few_edges_is_one_clear_error():
    with pytest.raises(DataError, match="a graph autoencoder learns from edges"):
        GAE(**FAST).fit(pd.DataFrame({"source": ["a"], "target": ["b"]}))


def test_saved_without_pickle_and_scores_the_same_after_loading(planted_split, tmp_path):
    predictor = EmbeddingLinkPredictor(VGAE(**FAST), "dot", random_state=0).fit(planted_split.train)
    folder = save_model(predictor, tmp_path / "model")
    assert not [p for p in folder.rglob("*") if p.is_file() and _looks_like_pickle(p)]
    again = load(folder)
    pairs = planted_split.pairs
    assert np.array_equal(again.score_links(pairs, positions=True), predictor.score_links(pairs, positions=True))
    assert again.history_.shape == predictor.history_.shape


def test_an_interrupted_fit_resumes_to_the_uninterrupted_vectors(planted, tmp_path):
    whole = GAE(**{**FAST, "max_epochs": 12}).fit(planted)
    with pytest.raises(KeyboardInterrupt), checkpointing(tmp_path):
        GAE(callbacks=[Interrupt(5)], **{**FAST, "max_epochs": 12}).fit(planted)
    with checkpointing(tmp_path, resume=True):
        resumed = GAE(**{**FAST, "max_epochs": 12}).fit(planted)
    assert resumed.n_iter_ == whole.n_iter_
    assert np.array_equal(resumed.embedding_, whole.embedding_)  # byte-identical on the CPU


def test_the_graph_tasks_compare_the_autoencoders_beside_the_others():
    board = compare("link_prediction", "dataset:karate", models="gae_dot,vgae_dot,adamic_adar",
                    options={"max_epochs": 40})
    frame = board.frame.set_index("model")
    assert set(frame.index) == {"gae_dot", "vgae_dot", "adamic_adar"}
    assert frame.loc["gae_dot", "kind"] == "deep" and frame["roc_auc"].min() > 0.5
    assert set(board.histories) == {"gae_dot", "vgae_dot"}  # their epochs reach history.csv and the report
    board = compare("communities", "dataset:karate", models="gae_kmeans,louvain", options={"max_epochs": 40})
    assert board.frame.set_index("model").loc["gae_kmeans", "nmi"] > 0.3
