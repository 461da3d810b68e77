"""Traditional series classifiers: 1-NN (Euclidean, DTW), MiniROCKET, the summary-feature forest."""

import numpy as np
import pandas as pd
import pytest
from ucr import load_ucr

from deepmine.errors import DataError, ParameterError
from deepmine.timeseries.baselines import (SUMMARY_FEATURES, KNeighborsSeriesClassifier, RocketClassifier,
                                           SummaryForestClassifier, summary_features)


def test_one_nn_euclidean_matches_the_ucr_archive():
    """The UCR archive's 1-NN Euclidean test accuracies: GunPoint 0.913, ItalyPowerDemand 0.955."""
    for name, published in [("GunPoint", 0.913), ("ItalyPowerDemand", 0.955)]:
        Xtr, ytr, Xte, yte = load_ucr(name)
        acc = (KNeighborsSeriesClassifier("euclidean").fit(Xtr, ytr).predict(Xte) == yte).mean()
        assert acc == pytest.approx(published, abs=0.001)


def test_one_nn_full_dtw_matches_the_ucr_archive():
    """1-NN DTW with a full window: ItalyPowerDemand 0.950 in the UCR archive."""
    Xtr, ytr, Xte, yte = load_ucr("ItalyPowerDemand")
    model = KNeighborsSeriesClassifier("dtw", window=1.0).fit(Xtr, ytr)
    assert (model.predict(Xte) == yte).mean() == pytest.approx(0.950, abs=0.001)


def test_knn_probabilities_and_neighbours():
    Xtr, ytr, Xte, yte = load_ucr("GunPoint")
    model = KNeighborsSeriesClassifier("dtw", window=0.1, n_neighbors=3).fit(Xtr, ytr)
    proba = model.predict_proba(Xte)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # three neighbours of two classes: shares of 1/3 or 2/3 or 1, up to the tie-breaking bonus
    assert np.isin(np.round(proba * 3), [0, 1, 2, 3]).all()
    assert (model.predict(Xte) == yte).mean() > 0.85


def test_minirocket_and_rocket():
    Xtr, ytr, Xte, yte = load_ucr("ItalyPowerDemand")
    model = RocketClassifier(n_kernels=1000, random_state=0).fit(Xtr, ytr)
    proba = model.predict_proba(Xte)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], model.predict(Xte))
    assert (model.predict(Xte) == yte).mean() > 0.9
    again = RocketClassifier(n_kernels=1000, random_state=0).fit(Xtr, ytr)
    np.testing.assert_allclose(again.decision_function(Xte[:50]), model.decision_function(Xte[:50]))
    rocket = RocketClassifier("rocket", n_kernels=200, random_state=0).fit(Xtr, ytr)
    assert (rocket.predict(Xte) == yte).mean() > 0.85


def test_minirocket_takes_series_shorter_than_its_kernels():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 1, 6))
    X[10:] += np.linspace(0, 3, 6)
    y = np.array([0] * 10 + [1] * 10)
    model = RocketClassifier(n_kernels=200, normalize=None, random_state=0).fit(X, y)
    assert (model.predict(X) == y).mean() >= 0.9


def test_summary_forest():
    Xtr, ytr, Xte, yte = load_ucr("GunPoint")
    model = SummaryForestClassifier(n_estimators=50, random_state=0).fit(Xtr, ytr)
    proba = model.predict_proba(Xte)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (model.predict(Xte) == yte).mean() > 0.8
    assert len(model.feature_names_) == len(SUMMARY_FEATURES) == model.forest_.n_features_in_
    # the slope of a straight line, the lag-1 autocorrelation of an alternating series
    feats = summary_features(np.array([[np.arange(10.0)], [np.tile([1.0, -1.0], 5)]]))
    names = list(SUMMARY_FEATURES)
    assert feats[0, names.index("slope")] == pytest.approx(1.0)
    assert feats[1, names.index("acf1")] == pytest.approx(-0.9)


def test_multivariate_multiclass():
    Xtr, ytr, Xte, yte = load_ucr("BasicMotions")
    for model in [KNeighborsSeriesClassifier("dtw"), SummaryForestClassifier(n_estimators=50, random_state=0)]:
        model.fit(Xtr, ytr)
        assert model.n_features_in_ == 6 and len(model.classes_) == 4
        assert model.predict_proba(Xte).shape == (len(Xte), 4)
        assert (model.predict(Xte) == yte).mean() > 0.6  # chance is 0.25
        with pytest.raises(DataError, match="6 channel"):
            model.predict(Xte[:, :3])


def test_unequal_lengths_wide_frames_and_gaps():
    Xtr, ytr, Xte, yte = load_ucr("ItalyPowerDemand")
    rng = np.random.default_rng(0)
    series = [x[0, : rng.integers(20, 25)] for x in Xtr]
    model = KNeighborsSeriesClassifier().fit(series, ytr)
    wide = pd.DataFrame(Xte[:100, 0, :])
    np.testing.assert_array_equal(model.predict(wide), model.predict(Xte[:100]))
    gappy = Xte[:100].copy()
    gappy[:, 0, 5] = np.nan
    forest = SummaryForestClassifier(n_estimators=20, random_state=0).fit(Xtr, ytr)
    assert np.isfinite(forest.predict_proba(gappy)).all()
    assert (forest.predict(gappy) == yte[:100]).mean() > 0.7


def test_bad_parameters():
    Xtr, ytr, _, _ = load_ucr("ItalyPowerDemand")
    with pytest.raises(ParameterError, match="distance"):
        KNeighborsSeriesClassifier("cosine").fit(Xtr, ytr)
    with pytest.raises(ParameterError, match="window"):
        KNeighborsSeriesClassifier("dtw", window=2).fit(Xtr, ytr)
    with pytest.raises(ParameterError, match="n_neighbors"):
        KNeighborsSeriesClassifier(n_neighbors=0).fit(Xtr, ytr)
    with pytest.raises(ParameterError, match="kind"):
        RocketClassifier("hydra").fit(Xtr, ytr)
    with pytest.raises(ParameterError, match="normalize"):
        SummaryForestClassifier(normalize="minmax").fit(Xtr, ytr)


def test_save_andload_ucr(tmp_path):
    from deepmine.persist import load, save_model

    Xtr, ytr, Xte, _ = load_ucr("ItalyPowerDemand")
    for k, model in enumerate([KNeighborsSeriesClassifier("dtw"), SummaryForestClassifier(n_estimators=20,
                                                                                          random_state=0)]):
        model.fit(Xtr, ytr)
        save_model(model, tmp_path / f"m{k}")
        again = load(tmp_path / f"m{k}")
        assert type(again) is type(model)
        np.testing.assert_array_equal(again.predict(Xte), model.predict(Xte))
        np.testing.assert_allclose(again.predict_proba(Xte), model.predict_proba(Xte))
    # ROCKET keeps aeon's transformer, one of the few classes outside the trusted packages that load
    rocket = RocketClassifier(n_kernels=200, random_state=0).fit(Xtr, ytr)
    save_model(rocket, tmp_path / "rocket")
    np.testing.assert_array_equal(load(tmp_path / "rocket").predict(Xte), rocket.predict(Xte))
