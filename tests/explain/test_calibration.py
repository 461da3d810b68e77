"""Calibration: reliability curves, top-label ECE and CalibratedClassifier (temperature, isotonic, Platt)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from deepmine.data.preprocess import TabularPreprocessor
from deepmine.errors import DataError, DataWarning, DeepmineError, NotFittedError, ParameterError, TargetError
from deepmine.explain.calibration import (CalibratedClassifier, calibration_report, expected_calibration_error,
                                          reliability_curve)
from deepmine.tabular import DeepClassifier


@pytest.fixture(scope="module")
def churn_split():
    """The churn table (5000 rows: numbers and text categories, 14% churners), 70/30 stratified."""
    from deepmine.datasets import load

    ds = load("churn")
    return train_test_split(ds.X, ds.y, test_size=0.3, stratify=ds.y, random_state=0)


def _onehot(model):
    return make_pipeline(TabularPreprocessor(encoding="onehot"), model)


def _naive_ece(y, proba, n_bins):
    """ECE written out as Guo et al. define it, bin by bin, for comparison."""
    conf, pred = proba.max(axis=1), proba.argmax(axis=1)
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        inside = (conf > lo) & (conf <= hi) if b else (conf <= hi)
        if inside.any():
            total += inside.sum() / len(y) * abs((pred[inside] == y[inside]).mean() - conf[inside].mean())
    return total


# ------------------------------------------------------------------------------------------ curves and ECE
def test_binary_curve_and_ece_by_hand():
    y = np.array([0, 0, 1, 1, 1])
    p = np.array([0.1, 0.3, 0.35, 0.8, 0.9])
    curve = reliability_curve(y, p, n_bins=2)
    assert list(curve.columns) == ["bin", "lower", "upper", "mean_predicted", "fraction_positive", "count"]
    assert curve["bin"].tolist() == [0, 1] and curve["count"].tolist() == [3, 2]
    np.testing.assert_allclose(curve["mean_predicted"], [0.25, 0.85])
    np.testing.assert_allclose(curve["fraction_positive"], [1 / 3, 1.0])
    np.testing.assert_allclose(curve[["lower", "upper"]].to_numpy(), [[0, 0.5], [0.5, 1]])
    # top label: confidences .9 .7 .65 .8 .9, the third (p=.35 -> class 0) wrong; bins of width .25:
    # (.5,.75]: conf .675, acc .5 -> 2/5 * .175; (.75,1]: conf .8667, acc 1 -> 3/5 * .1333
    assert expected_calibration_error(y, p, n_bins=4) == pytest.approx(0.15)
    # the same with two columns and string classes given in the model's order
    labels = np.array(["no", "no", "yes", "yes", "yes"])
    two = np.column_stack([1 - p, p])
    assert expected_calibration_error(labels, two, ["no", "yes"], n_bins=4) == pytest.approx(0.15)
    pd.testing.assert_frame_equal(reliability_curve(labels, two, ["no", "yes"], n_bins=2), curve)
    # columns in the other order: the positive class is classes[1] = "no"
    flipped = reliability_curve(labels, two[:, ::-1], ["yes", "no"], n_bins=2)
    np.testing.assert_allclose(flipped["fraction_positive"], [0.0, 2 / 3])  # p("no") = .1 .2 .9 | .65 .7


def test_multiclass_top_label_by_hand():
    y = np.array(["a", "b", "c", "c"])
    proba = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.2, 0.7], [0.8, 0.1, 0.1]])
    curve = reliability_curve(y, proba, ["a", "b", "c"], n_bins=2)
    assert curve["count"].tolist() == [1, 3]
    np.testing.assert_allclose(curve["mean_predicted"], [0.5, 0.7])
    np.testing.assert_allclose(curve["fraction_positive"], [1.0, 2 / 3])
    # 1/4 * |1 - .5| + 3/4 * |2/3 - .7|
    assert expected_calibration_error(y, proba, ["a", "b", "c"], n_bins=2) == pytest.approx(0.15)
    assert expected_calibration_error(y, proba, n_bins=2) == pytest.approx(0.15)  # classes from y_true


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_binary_curve_matches_sklearn(strategy):
    rng = np.random.default_rng(0)
    p = rng.uniform(size=2000) ** 2
    y = (rng.uniform(size=2000) < np.sqrt(p)).astype(int)
    curve = reliability_curve(y, p, n_bins=10, strategy=strategy)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy=strategy)
    np.testing.assert_allclose(curve["fraction_positive"], prob_true)
    np.testing.assert_allclose(curve["mean_predicted"], prob_pred)
    assert curve["count"].sum() == 2000


def test_ece_matches_the_definition_on_random_data():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(3000, 4)) * 3
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(4, p=row) for row in proba ** 0.5 / (proba ** 0.5).sum(axis=1, keepdims=True)])
    ece = expected_calibration_error(y, proba, n_bins=15)
    assert ece == pytest.approx(_naive_ece(y, proba, 15))
    assert 0.05 < ece <= 1
    assert expected_calibration_error(y, proba, n_bins=15) == pytest.approx(
        expected_calibration_error(y, proba, [0, 1, 2, 3], n_bins=15))
    # a perfectly calibrated predictor scores near 0
    calibrated_y = np.array([rng.choice(4, p=row) for row in proba])
    assert expected_calibration_error(calibrated_y, proba) < 0.03


def test_curve_and_ece_errors():
    y, p = np.array([0, 1, 1, 0]), np.array([0.2, 0.7, 0.9, 0.4])
    with pytest.raises(DataError, match="3 columns but there are 2 classes"):
        reliability_curve(y, np.full((4, 3), 1 / 3), classes=[0, 1])
    with pytest.raises(DataError, match="one column"):
        expected_calibration_error(np.array([0, 1, 2, 0]), p)
    with pytest.raises(TargetError, match="not among the classes"):
        expected_calibration_error(np.array(["a", "b", "z", "a"]), np.column_stack([1 - p, p]), ["a", "b"])
    with pytest.raises(DataError, match="3 rows but y_true has 4"):
        reliability_curve(y, p[:3])
    with pytest.raises(DataError, match="between 0 and 1"):
        reliability_curve(y, p * 3)
    with pytest.raises(ParameterError, match="choose from: uniform, quantile"):
        reliability_curve(y, p, strategy="kmeans")
    with pytest.raises(ParameterError, match="n_bins"):
        expected_calibration_error(y, p, n_bins=0)
    with pytest.raises(DataError, match="missing or infinite"):
        reliability_curve(y, np.array([0.2, np.nan, 0.9, 0.4]))


# ------------------------------------------------------------------------------------------ CalibratedClassifier
def test_isotonic_and_platt_fix_naive_bayes(churn_split):
    """Gaussian naive Bayes on one-hot churn is badly overconfident; calibrating on 30% of the training rows
    brings its ECE down from about 0.4 to a few hundredths, and its Brier score down with it."""
    X_train, X_test, y_train, y_test = churn_split
    raw = _onehot(GaussianNB()).fit(X_train, y_train)
    before = calibration_report(raw, X_test, y_test)
    assert before["ece"] > 0.25
    for method in ("isotonic", "sigmoid"):
        model = CalibratedClassifier(_onehot(GaussianNB()), method=method, calibration_size=0.3, random_state=0)
        model.fit(X_train, y_train)
        after = calibration_report(model, X_test, y_test)
        assert model.method_ == method
        assert after["ece"] < 0.06 and after["ece"] < before["ece"] / 4, (method, before["ece"], after["ece"])
        assert after["brier"] < before["brier"]
        assert model.score(X_test, y_test) >= raw.score(X_test, y_test)
        assert set(model.predict(X_test)) <= set(model.classes_)


def test_temperature_keeps_deep_accuracy(churn_split):
    """A briefly trained DeepClassifier is badly calibrated; temperature scaling leaves every prediction
    as it was and lowers (at least does not raise) its ECE."""
    X_train, X_test, y_train, y_test = churn_split
    deep = DeepClassifier(hidden=(32,), max_epochs=5, early_stopping=None, random_state=0)
    model = CalibratedClassifier(deep, method="temperature", random_state=0).fit(X_train, y_train)
    raw = model.estimator_
    np.testing.assert_array_equal(model.predict(X_test), raw.predict(X_test))
    assert model.score(X_test, y_test) == raw.score(X_test, y_test)
    before = expected_calibration_error(y_test, raw.predict_proba(X_test), raw.classes_)
    after = expected_calibration_error(y_test, model.predict_proba(X_test), model.classes_)
    assert after <= before + 0.02, (before, after)
    # the training history of the network is passed through for learning curves
    assert isinstance(model.history_, pd.DataFrame) and len(model.history_) == 5
    # "auto" takes temperature for a deep model
    auto = CalibratedClassifier(DeepClassifier(hidden=(8,), max_epochs=1, random_state=0), random_state=0)
    assert auto.fit(X_train.iloc[:400], y_train.iloc[:400]).method_ == "temperature"


def test_auto_method_by_model_and_size(churn_split, penguins):
    X_train, _, y_train, _ = churn_split
    small = CalibratedClassifier(_onehot(LogisticRegression(max_iter=300)), random_state=0).fit(X_train, y_train)
    assert small.method_ == "sigmoid"  # 20% of 3500 rows = 700 calibration rows < 1000
    assert not hasattr(small, "history_")  # a scikit-learn model has none
    big = CalibratedClassifier(_onehot(LogisticRegression(max_iter=300)), calibration_size=0.3, random_state=0)
    assert big.fit(X_train, y_train).method_ == "isotonic"  # 1050 calibration rows
    # three species, few rows: one temperature rather than a curve per class
    X, y = penguins.X, penguins.y
    keep = y.notna()
    multi = CalibratedClassifier(_onehot(LogisticRegression(max_iter=500)), random_state=0).fit(X[keep], y[keep])
    assert multi.method_ == "temperature"
    proba = multi.predict_proba(X[keep])
    assert proba.shape == (int(keep.sum()), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(multi.classes_, np.unique(y[keep]))


def test_labels_that_are_not_codes_and_text_input():
    """Integer labels other than 0..k-1 keep their meaning under every method; a list of texts works."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 3))
    y = np.where(X[:, 0] + 0.5 * rng.normal(size=600) > 0, 7, 3)
    for method in ("temperature", "isotonic", "sigmoid"):
        model = CalibratedClassifier(LogisticRegression(), method=method, random_state=0).fit(X, y)
        np.testing.assert_array_equal(model.classes_, [3, 7])
        assert model.score(X, y) > 0.8
        assert model.predict_proba(X[X[:, 0] > 2])[:, 1].mean() > 0.9  # column 1 is class 7
    from deepmine.text.baselines import TfidfClassifier

    texts = ["good great fine", "bad awful poor", "great film", "poor film"] * 30
    labels = ["pos", "neg", "pos", "neg"] * 30
    model = CalibratedClassifier(TfidfClassifier(random_state=0), random_state=0).fit(texts, labels)
    assert list(model.predict(["great good", "awful bad"])) == ["pos", "neg"]


def test_small_classes_fall_back_to_cross_validation():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = np.array([0] * 36 + [1] * 4)
    X[y == 1] += 2
    with pytest.warns(DataWarning, match="cross-validated"):
        model = CalibratedClassifier(LogisticRegression(), calibration_size=0.1, random_state=0).fit(X, y)
    assert model.predict_proba(X).shape == (40, 2)
    assert model.calibrator_.ensemble is False and model.calibrator_.cv.n_splits == 4
    with pytest.raises(TargetError, match="single row"):
        CalibratedClassifier(LogisticRegression()).fit(X, np.array([0] * 39 + [1]))


def test_classifier_errors():
    X, y = np.random.default_rng(0).normal(size=(50, 2)), np.arange(50) % 2
    with pytest.raises(ParameterError, match="choose from: auto, temperature, isotonic, sigmoid"):
        CalibratedClassifier(LogisticRegression(), method="platt").fit(X, y)
    for size in (0, 0.6, True, "0.2"):
        with pytest.raises(ParameterError, match=r"calibration_size must be a share of the rows in \(0, 0.5\]"):
            CalibratedClassifier(LogisticRegression(), calibration_size=size).fit(X, y)
    with pytest.raises(TargetError, match="only one class"):
        CalibratedClassifier(LogisticRegression()).fit(X, np.zeros(50))
    with pytest.raises(TargetError, match="None"):
        CalibratedClassifier(LogisticRegression()).fit(X, None)
    with pytest.raises(NotFittedError):
        CalibratedClassifier(LogisticRegression()).predict(X)
    with pytest.raises(NotFittedError):
        calibration_report(LogisticRegression(), X, y)
    assert issubclass(NotFittedError, DeepmineError)


# ------------------------------------------------------------------------------------------ persistence
@pytest.mark.parametrize("method", ["isotonic", "sigmoid", "temperature"])
def test_save_and_load_round_trip(churn_split, tmp_path, method):
    from deepmine.persist import load, save_model

    X_train, X_test, y_train, _ = churn_split
    model = CalibratedClassifier(_onehot(LogisticRegression(max_iter=300)), method=method, random_state=0)
    model.fit(X_train.iloc[:1500], y_train.iloc[:1500])
    save_model(model, tmp_path / "model")
    loaded = load(tmp_path / "model")
    assert isinstance(loaded, CalibratedClassifier) and loaded.method_ == method
    np.testing.assert_array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))


def test_save_calibrated_deep_model(churn_split, tmp_path):
    """The network goes to parts/ as safetensors, the calibrator to skops; loading joins them again."""
    from deepmine.persist import load, save_model

    X_train, X_test, y_train, _ = churn_split
    deep = DeepClassifier(hidden=(8,), max_epochs=1, random_state=0)
    model = CalibratedClassifier(deep, random_state=0).fit(X_train.iloc[:400], y_train.iloc[:400])
    save_model(model, tmp_path / "model")
    assert (tmp_path / "model" / "parts" / "part0" / "weights.safetensors").exists()
    back = load(tmp_path / "model")
    np.testing.assert_allclose(back.predict_proba(X_test), model.predict_proba(X_test))
    assert back.calibrator_.calibrated_classifiers_[0].estimator.estimator is back.estimator_


# ------------------------------------------------------------------------------------------ scikit-learn contract
@parametrize_with_checks([CalibratedClassifier(LogisticRegression(max_iter=200), random_state=0)])
def test_sklearn_contract(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # the checks' tiny data takes the cross-validated path
        check(estimator)
