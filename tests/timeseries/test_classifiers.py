"""Deep time-series classifiers on small real data (ItalyPowerDemand, GunPoint, BasicMotions), with tiny networks."""

import numpy as np
import pandas as pd
import pytest
from ucr import load_ucr

from deepmine.errors import DataError, ParameterError
from deepmine.timeseries.classifiers import (CNNRNNClassifier, FCNClassifier, InceptionTimeClassifier,
                                             LSTMClassifier, ResNetClassifier)


def italy():
    Xtr, ytr, Xte, yte = load_ucr("ItalyPowerDemand")
    return Xtr, ytr, Xte[:300], yte[:300]


# Small versions of each network: the tests check behaviour, not the published accuracy.
TINY = {
    "fcn": lambda **kw: FCNClassifier(filters=(16, 32, 16), **kw),
    "resnet": lambda **kw: ResNetClassifier(filters=(8, 16, 16), **kw),
    "inception": lambda **kw: InceptionTimeClassifier(depth=3, filters=8, bottleneck=8, kernels=(9, 5, 3), **kw),
    "cnn_rnn": lambda **kw: CNNRNNClassifier(filters=(16, 32, 16), hidden=16, **kw),
    "lstm": lambda **kw: LSTMClassifier(hidden=16, lr=1e-2, **kw),
}


@pytest.mark.parametrize("name", list(TINY))
def test_learns_italy_power_demand(name):
    Xtr, ytr, Xte, yte = italy()
    model = TINY[name](max_epochs=60 if name == "lstm" else 15, random_state=0).fit(Xtr, ytr)
    pred = model.predict(Xte)
    proba = model.predict_proba(Xte)
    assert set(np.unique(pred)) <= set(model.classes_)
    assert proba.shape == (len(Xte), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], pred)
    # two balanced classes: chance is 0.5
    assert (pred == yte).mean() > 0.75
    assert len(model.history_) == model.n_iter_ and model.n_features_in_ == 1


def test_default_fcn_reaches_published_accuracy_on_italy_power_demand():
    """The defaults (about 200 one-cycle steps) on the full official split; published FCN: 0.970."""
    Xtr, ytr, Xte, yte = load_ucr("ItalyPowerDemand")
    model = FCNClassifier(random_state=0).fit(Xtr, ytr)
    assert model.n_iter_ == 40  # 67 series, batches of 16: five steps an epoch
    assert (model.predict(Xte) == yte).mean() >= 0.94


def test_same_seed_same_model_other_seed_other_model():
    Xtr, ytr, Xte, _ = italy()
    a = TINY["fcn"](max_epochs=3, random_state=1).fit(Xtr, ytr).predict_proba(Xte)
    b = TINY["fcn"](max_epochs=3, random_state=1).fit(Xtr, ytr).predict_proba(Xte)
    c = TINY["fcn"](max_epochs=3, random_state=2).fit(Xtr, ytr).predict_proba(Xte)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert np.abs(a - c).max() > 1e-4


def test_multivariate_multiclass_basic_motions():
    Xtr, ytr, Xte, yte = load_ucr("BasicMotions")
    model = TINY["cnn_rnn"](max_epochs=20, random_state=0).fit(Xtr, ytr)
    proba = model.predict_proba(Xte)
    assert model.n_features_in_ == 6 and len(model.classes_) == 4
    assert proba.shape == (len(Xte), 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert (model.predict(Xte) == yte).mean() > 0.5  # chance is 0.25


def test_unequal_lengths_wide_frames_and_gaps():
    Xtr, ytr, Xte, _ = italy()
    rng = np.random.default_rng(0)
    # training series of 18 to 24 steps, as a list
    series = [x[0, : rng.integers(18, 25)] for x in Xtr]
    model = TINY["fcn"](max_epochs=5, random_state=0).fit(series, list(ytr))
    assert model.preprocessor_.length_ == 24
    wide = pd.DataFrame(Xte[:, 0, :], columns=[f"t{k}" for k in range(24)])
    np.testing.assert_array_equal(model.predict(wide), model.predict(Xte))
    # a gap inside a series is filled by interpolation, not propagated as NaN
    gappy = Xte[:5].copy()
    gappy[0, 0, 10:13] = np.nan
    proba = model.predict_proba(gappy)
    assert np.isfinite(proba).all()
    filled = Xte[:5].copy()
    filled[0, 0, 10:13] = np.interp([10, 11, 12], [9, 13], filled[0, 0, [9, 13]])
    np.testing.assert_allclose(proba, model.predict_proba(filled), atol=1e-6)


def test_errors_are_clear():
    Xtr, ytr, Xte, _ = italy()
    model = TINY["fcn"](max_epochs=2, random_state=0).fit(Xtr, ytr)
    with pytest.raises(DataError, match="1 channel"):
        model.predict(np.repeat(Xte[:4], 2, axis=1))
    with pytest.raises(ParameterError, match="filters and kernels"):
        FCNClassifier(filters=(8, 8), kernels=(3,), max_epochs=1).fit(Xtr, ytr)
    with pytest.raises(ParameterError, match="normalize"):
        FCNClassifier(normalize="minmax").fit(Xtr, ytr)
    with pytest.raises(ParameterError, match="max_epochs"):
        FCNClassifier(max_epochs=0).fit(Xtr, ytr)
    with pytest.raises(ParameterError, match="cell"):
        LSTMClassifier(cell="transformer", max_epochs=1).fit(Xtr, ytr)
    with pytest.raises(DataError, match="rows|series"):
        FCNClassifier(max_epochs=1).fit(Xtr, ytr[:-1])


def test_inception_ensemble_and_saveload_ucr(tmp_path):
    from deepmine.persist import load, save_model
    from deepmine.training.device import choose_device

    Xtr, ytr, Xte, _ = italy()
    model = TINY["inception"](n_networks=2, max_epochs=3, random_state=0).fit(Xtr, ytr)
    assert model.device_ == choose_device("auto")
    assert list(model.history_["network"].unique()) == [0, 1]
    assert len(model.module_.members) == 2
    save_model(model, tmp_path / "inception")
    again = load(tmp_path / "inception")
    assert type(again) is InceptionTimeClassifier and again.n_networks == 2
    np.testing.assert_array_equal(again.predict(Xte), model.predict(Xte))
    np.testing.assert_allclose(again.predict_proba(Xte), model.predict_proba(Xte), atol=1e-6)
    with pytest.raises(DataError, match="channel"):
        again.predict(np.repeat(Xte[:4], 3, axis=1))
