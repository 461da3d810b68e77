"""cluster_scores, cluster_profiles and embed_2d."""

import numpy as np
import pandas as pd
import pytest

from deepmine.evaluation.cluster_metrics import (cluster_profiles, cluster_scores, clustering_accuracy, embed_2d,
                                                 silhouette)


def test_a_permuted_perfect_labelling_scores_one():
    y = np.repeat(["a", "b", "c"], [5, 7, 3])
    labels = np.repeat([2, 0, 1], [5, 7, 3])
    assert clustering_accuracy(y, labels) == 1.0
    X = np.repeat([[0.0, 0.0], [5.0, 5.0], [0.0, 9.0]], [5, 7, 3], axis=0) + np.random.RandomState(0).normal(0, .1, (15, 2))
    scores = cluster_scores(X, labels, y)
    assert scores["nmi"] == pytest.approx(1.0) and scores["ari"] == pytest.approx(1.0) and scores["accuracy"] == 1.0
    assert scores["silhouette"] > 0.9 and scores["davies_bouldin"] < 0.1 and scores["n_clusters"] == 3


def test_accuracy_of_a_half_right_labelling():
    assert clustering_accuracy([0, 0, 1, 1], [0, 1, 0, 1]) == 0.5


def test_undefined_internal_scores_are_nan_and_silhouette_is_sampled_with_a_fixed_seed():
    scores = cluster_scores(np.random.rand(10, 2), np.zeros(10))
    assert np.isnan(scores["silhouette"]) and np.isnan(scores["davies_bouldin"]) and "nmi" not in scores
    rng = np.random.RandomState(0)
    X, labels = rng.normal(size=(6000, 3)), rng.randint(0, 3, 6000)
    assert silhouette(X, labels) == silhouette(X, labels)


def test_profiles_name_the_features_that_set_clusters_apart(penguins):
    frame = penguins.frame
    labels = (frame["species"] == "Gentoo").astype(int).to_numpy()
    profiles = cluster_profiles(frame, labels)
    assert list(profiles.index) == [0, 1] and profiles["size"].sum() == len(frame)
    assert profiles["share"].sum() == pytest.approx(1.0)
    assert "species=Gentoo 100%" in profiles.loc[1, "distinctive"]
    assert all(len(f) == 3 for f in profiles["features"])


def test_embed_2d_gives_two_columns():
    code = np.random.RandomState(0).normal(size=(50, 6))
    assert embed_2d(code).shape == (50, 2) and embed_2d(code[:, :1]).shape == (50, 2)
    assert embed_2d(code, method="tsne").shape == (50, 2)
    assert isinstance(embed_2d(pd.DataFrame(code)), np.ndarray)
