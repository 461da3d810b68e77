"""TraditionalClusterer: scikit-learn's clusterers with "auto", predict for every method and deepmine's preprocessing."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import normalized_mutual_info_score

import deepmine
from deepmine.cluster import TraditionalClusterer
from deepmine.errors import DataError, DeepmineError
from deepmine.persist import save_model


@pytest.fixture(scope="module")
def blobs():
    return make_blobs(n_samples=300, centers=[(-5, 0), (5, 0), (0, 8)], random_state=0)


@pytest.mark.parametrize("method", ["kmeans", "gmm", "agglomerative"])
def test_auto_picks_three_blobs_and_reports_every_k(blobs, method):
    X, y = blobs
    model = TraditionalClusterer(method, n_clusters="auto", random_state=0).fit(X)
    assert model.n_clusters_ == 3 and sorted(model.k_scores_) == list(range(2, 11))
    assert model.k_criterion_ == ("bic" if method == "gmm" else "silhouette")
    assert normalized_mutual_info_score(y, model.labels_) > 0.95
    assert model.cluster_centers_.shape == (3, 2)
    # predict on new rows, including agglomerative (nearest cluster mean)
    assert normalized_mutual_info_score(y, model.predict(X)) > 0.95


def test_kmeans_is_scikit_learns_on_the_standardised_features(blobs):
    X, _ = blobs
    model = TraditionalClusterer("kmeans", n_clusters=3, random_state=0).fit(X)
    Z = (X - X.mean(0)) / X.std(0)
    np.testing.assert_allclose(model.transform(X), Z, atol=1e-5)
    reference = KMeans(3, n_init=10, random_state=0).fit(Z.astype(np.float32))
    assert normalized_mutual_info_score(reference.labels_, model.labels_) == pytest.approx(1.0)


def test_mixed_table_with_gaps_and_skops_round_trip(tmp_path, penguins):
    X = penguins.X
    for method in ("kmeans", "gmm", "agglomerative"):
        model = TraditionalClusterer(method, n_clusters=3, random_state=0).fit(X)
        assert normalized_mutual_info_score(penguins.y, model.labels_) > 0.5
        save_model(model, tmp_path / method)
        back = deepmine.load(tmp_path / method)
        np.testing.assert_array_equal(back.predict(X), model.predict(X))
        np.testing.assert_array_equal(back.transform(X), model.transform(X))


def test_digits_kmeans_baseline():
    digits = deepmine.datasets.load("digits")
    model = TraditionalClusterer("kmeans", n_clusters=10, random_state=0).fit(digits.X)
    assert model.scaling_ == "global" and normalized_mutual_info_score(digits.y, model.labels_) > 0.65


def test_errors_say_what_to_do():
    X = np.random.RandomState(0).normal(size=(5, 2))
    with pytest.raises(DataError, match="at least 8 rows"):
        TraditionalClusterer(n_clusters=8).fit(X)
    with pytest.raises(DeepmineError, match="method must be one of"):
        TraditionalClusterer("dbscan").fit(X)
    with pytest.raises(DeepmineError, match="k_range"):
        TraditionalClusterer(n_clusters="auto", k_range=(1, 4)).fit(X)
    with pytest.raises(DataError, match="every column is constant"):
        TraditionalClusterer(n_clusters=2).fit(np.ones((6, 3)))
