"""AutoencoderKMeans and DEC on real digits: better than chance, reproducible, saved and loaded, clear errors."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import normalized_mutual_info_score

import deepmine
from deepmine.cluster import DEC, AutoencoderKMeans
from deepmine.errors import DataError, DeepmineError, NotFittedError

# Small, quick networks; the defaults (DEC's 500-500-2000 encoder) are measured on MNIST in the report.
_SMALL = dict(hidden=(128, 64), code_dim=10, max_epochs=25, random_state=0)


@pytest.fixture(scope="module")
def digits():
    return deepmine.datasets.load("digits")


@pytest.fixture(scope="module")
def fitted(digits):
    return {"aekm": AutoencoderKMeans(n_clusters=10, **_SMALL).fit(digits.X),
            "dec": DEC(n_clusters=10, cluster_epochs=20, **_SMALL).fit(digits.X)}


@pytest.mark.parametrize("name", ["aekm", "dec"])
def test_digits_clusters_match_the_digits_far_above_chance(fitted, digits, name):
    model = fitted[name]
    nmi = normalized_mutual_info_score(digits.y, model.labels_)
    assert nmi > 0.6  # chance is ~0; k-means on the raw pixels gets ~0.7
    assert model.labels_.dtype == np.int64 and set(model.labels_) == set(range(10))
    assert model.cluster_centers_.shape == (10, 10) and model.transform(digits.X).shape == (len(digits.X), 10)
    np.testing.assert_array_equal(model.predict(digits.X), model.labels_)
    assert model.scaling_ == "global"  # 64 pixel columns that all start at 0


def test_dec_refinement_records_its_phases_and_keeps_clusters_confident(fitted):
    history = fitted["dec"].history_
    assert list(history.phase.unique()) == ["pretrain", "cluster"]
    assert history.label_change.dropna().between(0, 1).all()


@pytest.mark.parametrize("name", ["aekm", "dec"])
def test_save_and_load_give_identical_predictions(tmp_path, fitted, digits, name):
    model = fitted[name]
    model.save(tmp_path / name)
    back = deepmine.load(tmp_path / name)
    np.testing.assert_array_equal(back.predict(digits.X), model.predict(digits.X))
    np.testing.assert_array_equal(back.transform(digits.X), model.transform(digits.X))
    np.testing.assert_array_equal(back.labels_, model.labels_)
    assert back.n_clusters_ == 10 and back.get_params() == model.get_params()


def test_same_seed_same_clusters_and_idec_runs(digits):
    X = digits.X.iloc[:400]
    kw = dict(n_clusters=5, hidden=(32,), code_dim=4, max_epochs=5, cluster_epochs=4)
    a = DEC(idec=True, random_state=3, **kw).fit(X)
    b = DEC(idec=True, random_state=3, **kw).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))


def test_auto_picks_the_number_of_blobs():
    X, _ = make_blobs(n_samples=300, centers=4, cluster_std=0.6, random_state=0)
    model = AutoencoderKMeans(n_clusters="auto", hidden=(32,), code_dim=2, max_epochs=30, noise=0.0, lr=3e-3,
                              batch_size=32, random_state=0).fit(X)
    assert model.n_clusters_ == 4 and sorted(model.k_scores_) == list(range(2, 11))
    assert max(model.k_scores_, key=model.k_scores_.get) == 4


def test_mixed_table_with_gaps_and_categories(penguins):
    X = penguins.X
    assert X.isna().any().any() and (X.dtypes != float).any()
    model = AutoencoderKMeans(n_clusters=3, hidden=(16,), code_dim=3, max_epochs=5, random_state=0).fit(X)
    assert model.scaling_ == "standard" and len(set(model.predict(X.head(20)))) >= 1


@pytest.mark.parametrize("n_clusters, error, match", [
    (0, DeepmineError, "n_clusters=0"), (2.5, DeepmineError, "whole number"), ("many", DeepmineError, "'auto'"),
    (50, DataError, "cannot form 50 clusters from 20 row"),
])
def test_bad_n_clusters_and_too_few_rows(n_clusters, error, match, digits):
    with pytest.raises(error, match=match):
        AutoencoderKMeans(n_clusters=n_clusters, max_epochs=1).fit(digits.X.iloc[:20])


def test_all_constant_columns_are_refused_and_unfitted_use_is_explained():
    with pytest.raises(DataError, match="every column is constant"):
        DEC(n_clusters=2, max_epochs=1).fit(pd.DataFrame({"a": [1.0] * 10, "b": [2.0] * 10}))
    with pytest.raises(NotFittedError, match="not fitted"):
        DEC().predict(np.zeros((2, 3)))
