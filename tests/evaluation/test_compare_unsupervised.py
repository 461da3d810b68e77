"""compare() for clustering and anomaly detection: labels evaluate, never fit; one leaderboard for both kinds."""

import numpy as np
import pytest

from deepmine import compare
from deepmine.errors import ColumnError, TargetError

# Small networks: the defaults are sized for MNIST and shuttle (see benchmarks/).
SMALL = {"hidden": (16,), "max_epochs": 8}


@pytest.fixture(scope="module")
def shuttle_sample():
    from deepmine.datasets import load

    frame = load("shuttle").frame
    return frame.groupby("anomaly", group_keys=False).sample(frac=0.04, random_state=0).reset_index(drop=True)


def test_clustering_leaderboard_scores_against_the_label(penguins):
    df = penguins.frame.dropna()
    board = compare("clustering", df, label="species", models="autoencoder_kmeans,kmeans,gmm,agglomerative",
                    options={"n_clusters": 3, **SMALL, "code_dim": 4})
    frame = board.frame.set_index("model")
    assert board.primary == "nmi" and board.frame.nmi.is_monotonic_decreasing
    assert set(frame.kind) == {"deep", "traditional"} and (frame.n_clusters == 3).all()
    assert {"nmi", "ari", "accuracy", "silhouette", "davies_bouldin", "calinski_harabasz"} <= set(frame.columns)
    assert frame.loc["kmeans", "nmi"] > 0.5  # penguin species separate well on these measurements
    assert "species" not in board.data.columns and len(board.predictions["kmeans"]) == len(df)


def test_clustering_without_a_label_ranks_by_silhouette(penguins):
    board = compare("clustering", penguins.frame.drop(columns="species"), models="kmeans,gmm",
                    options={"n_clusters": 3})
    assert board.primary == "silhouette" and "nmi" not in board.frame.columns


def test_clustering_refuses_a_target_and_a_one_group_label(penguins):
    with pytest.raises(ColumnError, match="label="):
        compare("clustering", penguins.frame, target="species")
    with pytest.raises(TargetError, match="single group"):
        compare("clustering", penguins.frame.assign(one="a"), label="one", models="kmeans")


def test_anomaly_leaderboard_on_shuttle(shuttle_sample):
    board = compare("anomaly", shuttle_sample, label="anomaly",
                    models="autoencoder,isolation_forest,robust_covariance",
                    options={"contamination": 0.07, **SMALL})
    frame = board.frame.set_index("model")
    assert board.primary == "roc_auc" and board.frame.roc_auc.is_monotonic_decreasing
    assert frame.loc["isolation_forest", "roc_auc"] > 0.9
    assert frame.loc["autoencoder", "roc_auc"] > 0.8
    assert ((frame.flagged > 0) & (frame.flagged < 0.3)).all()
    assert board.info["train_rows"] + board.info["test_rows"] == len(shuttle_sample)


def test_anomaly_without_a_label_flags_every_row(shuttle_sample):
    board = compare("anomaly", shuttle_sample.drop(columns="anomaly"), models="isolation_forest",
                    options={"contamination": 0.05})
    assert board.primary is None and "roc_auc" not in board.frame.columns
    assert board.frame.flagged.iloc[0] == pytest.approx(0.05, abs=0.01)
    assert "no label" in board.verdict()


@pytest.mark.parametrize("labels, message", [
    (lambda n: np.zeros(n, dtype=int), "all normal"),
    (lambda n: np.where(np.arange(n) % 2, "bad", "good"), "1 and normal rows with 0"),
])
def test_anomaly_labels_must_be_usable(shuttle_sample, labels, message):
    df = shuttle_sample.assign(anomaly=labels(len(shuttle_sample)))
    with pytest.raises(TargetError, match=message):
        compare("anomaly", df, label="anomaly", models="isolation_forest")


def test_semi_supervised_training_needs_a_label(shuttle_sample):
    with pytest.raises(TargetError, match="label"):
        compare("anomaly", shuttle_sample.drop(columns="anomaly"), models="isolation_forest",
                options={"train_on": "normal"})


def test_a_bundled_datasets_target_is_the_label_not_a_feature():
    from deepmine.errors import DataWarning

    with pytest.warns(DataWarning, match="own 'species' column is used as the label"):
        board = compare("clustering", "dataset:iris", models="kmeans", options={"n_clusters": 3})
    assert "species" not in board.data.columns and board.frame.nmi.iloc[0] > 0.6
