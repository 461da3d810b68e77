"""The anomaly detectors on the shuttle data: detection quality, thresholds, probabilities, errors, persistence."""

import json

import numpy as np
import pytest
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor

import deepmine
from deepmine.anomaly import (AutoencoderDetector, DeepSVDD, IsolationForestDetector, LOFDetector,
                              OneClassSVMDetector, RobustCovarianceDetector, SklearnDetector, VAEDetector)
from deepmine.errors import DataError, ParameterError, TargetError
from deepmine.persist import save_model

# Few epochs: shuttle's anomalies stand out after a handful of passes over 4000 rows.
DEEP = dict(max_epochs=15, random_state=0)


@pytest.fixture(scope="module")
def shuttle():
    """A stratified sample of 5000 shuttle rows (about 7 % anomalies), split 4000 / 1000."""
    from deepmine.datasets import load

    frame = load("shuttle").frame
    sample, _ = train_test_split(frame, train_size=5000, stratify=frame["anomaly"], random_state=0)
    train, test = train_test_split(sample, test_size=1000, stratify=sample["anomaly"], random_state=0)
    X_tr, X_te = train.drop(columns="anomaly"), test.drop(columns="anomaly")
    return X_tr, train["anomaly"].to_numpy(), X_te, test["anomaly"].to_numpy()


@pytest.fixture(scope="module")
def autoencoder(shuttle):
    X_tr, _, _, _ = shuttle
    return AutoencoderDetector(**DEEP).fit(X_tr)


def test_autoencoder_detects_shuttle_anomalies_without_labels(shuttle, autoencoder):
    X_tr, y_tr, X_te, y_te = shuttle
    assert roc_auc_score(y_te, autoencoder.decision_function(X_te)) > 0.95
    assert roc_auc_score(y_tr, autoencoder.decision_scores_) > 0.95


@pytest.mark.parametrize("detector", [
    VAEDetector(**DEEP), DeepSVDD(**DEEP), IsolationForestDetector(random_state=0), LOFDetector(),
    OneClassSVMDetector(), RobustCovarianceDetector(random_state=0),
    SklearnDetector(LocalOutlierFactor(novelty=True)),
], ids=lambda d: type(d).__name__)
def test_every_detector_fits_and_scores(shuttle, detector):
    X_tr, _, X_te, y_te = shuttle
    detector.fit(X_tr)
    scores = detector.decision_function(X_te)
    assert scores.shape == (len(X_te),) and scores.dtype == np.float64 and np.isfinite(scores).all()
    assert set(np.unique(detector.predict(X_te))) <= {0, 1}
    assert roc_auc_score(y_te, scores) > 0.5  # better than chance, even LOF, which shuttle's dense clusters defeat


@pytest.mark.parametrize("make", [lambda c: IsolationForestDetector(contamination=c, random_state=0),
                                  lambda c: AutoencoderDetector(contamination=c, **DEEP)], ids=["iforest", "ae"])
@pytest.mark.parametrize("contamination", [0.05, 0.2])
def test_threshold_flags_the_contamination_share_of_training_rows(shuttle, make, contamination):
    X_tr = shuttle[0]
    det = make(contamination).fit(X_tr)
    assert det.labels_.mean() == pytest.approx(contamination, abs=0.002)
    assert det.contamination_ == det.labels_.mean()
    np.testing.assert_array_equal(det.labels_, (det.decision_scores_ > det.threshold_).astype(int))
    np.testing.assert_array_equal(det.predict(X_tr), det.labels_)


@pytest.mark.parametrize("make", [lambda: IsolationForestDetector(contamination="auto", random_state=0),
                                  lambda: AutoencoderDetector(contamination="auto", **DEEP)], ids=["iforest", "ae"])
def test_auto_contamination_is_three_robust_sigmas_above_the_median_of_log_scores(shuttle, make):
    X_tr, y_tr, _, _ = shuttle
    det = make().fit(X_tr)
    s = np.log(det.decision_scores_)  # both detectors' scores are positive
    mad = np.median(np.abs(s - np.median(s)))
    assert det.threshold_ == pytest.approx(np.exp(np.median(s) + 3 * 1.4826 * mad))
    assert det.contamination_ == pytest.approx(det.labels_.mean()) and 0 < det.contamination_ <= 0.5
    # On shuttle (7 % anomalies) the rule flags most of the true anomalies and few normal rows.
    assert det.labels_[y_tr == 1].mean() > 0.8 and det.labels_[y_tr == 0].mean() < 0.05


def test_auto_contamination_on_scores_of_both_signs_uses_them_as_they_are():
    det = IsolationForestDetector(contamination="auto")
    scores = np.r_[np.linspace(-1, 1, 95), [5, 6, 7, 8, 9]]
    det._set_threshold(scores)
    mad = np.median(np.abs(scores - np.median(scores)))
    assert det.threshold_ == pytest.approx(np.median(scores) + 3 * 1.4826 * mad)
    assert det.labels_.sum() == 5 and det.contamination_ == 0.05


@pytest.mark.parametrize("bad", [0, 0.6, "bad", -0.1, True, float("nan")])
@pytest.mark.parametrize("cls", [AutoencoderDetector, IsolationForestDetector])
def test_contamination_outside_the_range_is_refused_before_fitting(shuttle, bad, cls):
    with pytest.raises(ParameterError, match=r"contamination must be a fraction in \(0, 0.5\] or 'auto'") as info:
        cls(contamination=bad).fit(shuttle[0])
    assert isinstance(info.value, ValueError) and "\n" not in str(info.value)


def test_semi_supervised_learns_from_normal_rows_only(shuttle):
    X_tr, y_tr, X_te, y_te = shuttle
    det = AutoencoderDetector(train_on="normal", **DEEP).fit(X_tr, y_tr)
    assert len(det.decision_scores_) == len(X_tr)  # scores and flags still cover every row
    assert roc_auc_score(y_te, det.decision_function(X_te)) > 0.97
    with pytest.raises(TargetError, match="train_on='normal'.*y is None"):
        AutoencoderDetector(train_on="normal", **DEEP).fit(X_tr)
    with pytest.raises(TargetError, match="no row as normal"):
        IsolationForestDetector(train_on="normal").fit(X_tr, np.ones(len(X_tr)))
    with pytest.raises(DataError, match="one label per row"):
        IsolationForestDetector(train_on="normal").fit(X_tr, y_tr[:10])


def test_predict_proba_is_a_distribution_that_ranks_like_the_score(shuttle, autoencoder):
    X_te = shuttle[2]
    proba, scores = autoencoder.predict_proba(X_te), autoencoder.decision_function(X_te)
    assert proba.shape == (len(X_te), 2) and ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (np.diff(proba[np.argsort(scores), 1]) >= 0).all()
    np.testing.assert_array_equal(proba[:, 1] > 0.5, autoencoder.predict(X_te) == 1)


@pytest.mark.parametrize("make", [lambda: AutoencoderDetector(**DEEP), lambda: DeepSVDD(**DEEP),
                                  lambda: IsolationForestDetector(random_state=0)], ids=["ae", "svdd", "iforest"])
def test_the_same_seed_gives_the_same_scores(shuttle, make):
    X_tr, _, X_te, _ = shuttle
    np.testing.assert_array_equal(make().fit(X_tr).decision_function(X_te), make().fit(X_tr).decision_function(X_te))


def test_dataframe_with_categories_and_gaps(shuttle):
    X_tr, _, X_te, _ = shuttle
    X = X_tr.head(1000).copy()
    X["mode"] = np.where(X["f1"] > 50, "high", "low")  # a categorical column
    X.loc[X.index[:50], "f3"] = np.nan  # and gaps
    new = X_te.head(5).copy()
    new["mode"] = ["high", "low", "never seen", None, "low"]
    for det in (AutoencoderDetector(max_epochs=3, random_state=0), IsolationForestDetector(random_state=0),
                RobustCovarianceDetector(random_state=0)):
        det.fit(X)
        assert np.isfinite(det.decision_function(new)).all()
        assert det.predict(new[list(reversed(new.columns))]).shape == (5,)  # column order does not matter


def test_robust_covariance_falls_back_to_robust_z_scores_when_singular(shuttle):
    X_tr = shuttle[0].head(500).copy()
    X_tr["copy"] = X_tr["f1"] * 2  # an exact linear dependence: the covariance is singular
    det = RobustCovarianceDetector(random_state=0).fit(X_tr)
    assert det.method_ == "robust_z" and np.isfinite(det.decision_scores_).all()
    assert RobustCovarianceDetector(random_state=0).fit(shuttle[0].head(500)).method_ == "mcd"


def test_sklearn_detector_needs_score_samples():
    with pytest.raises(ValueError, match="no score_samples"):
        SklearnDetector(LocalOutlierFactor()).fit(np.random.default_rng(0).normal(size=(50, 3)))


@pytest.mark.parametrize("make", [lambda: AutoencoderDetector(max_epochs=3, random_state=0),
                                  lambda: VAEDetector(max_epochs=3, random_state=0),
                                  lambda: DeepSVDD(max_epochs=3, random_state=0)], ids=["ae", "vae", "svdd"])
def test_deep_detector_saves_and_loads_with_identical_scores(shuttle, tmp_path, make):
    X_tr, _, X_te, _ = shuttle
    det = make().fit(X_tr.head(1000))
    det.save(tmp_path / "model")
    back = deepmine.load(tmp_path / "model")
    assert type(back) is type(det)
    np.testing.assert_array_equal(back.decision_function(X_te), det.decision_function(X_te))
    np.testing.assert_array_equal(back.labels_, det.labels_)
    assert back.threshold_ == det.threshold_
    if isinstance(det, DeepSVDD):  # the center c travels in the safetensors file, not in JSON
        from safetensors.torch import load_file

        np.testing.assert_array_equal(load_file(str(tmp_path / "model" / "weights.safetensors"))["center"].numpy(),
                                      det.module_.center.numpy())
        assert "center" not in json.loads((tmp_path / "model" / "config.json").read_text())["fitted"]


@pytest.mark.parametrize("make", [lambda: IsolationForestDetector(n_estimators=20, random_state=0), LOFDetector,
                                  lambda: RobustCovarianceDetector(random_state=0),
                                  lambda: SklearnDetector(IsolationForest(n_estimators=20, random_state=0))],
                         ids=["iforest", "lof", "robust_cov", "sklearn"])
def test_traditional_detector_round_trips_through_skops(shuttle, tmp_path, make):
    X_tr, _, X_te, _ = shuttle
    det = make().fit(X_tr.head(1000))
    save_model(det, tmp_path / "model")
    assert json.loads((tmp_path / "model" / "config.json").read_text())["format"] == "skops"
    back = deepmine.load(tmp_path / "model")
    np.testing.assert_array_equal(back.decision_function(X_te), det.decision_function(X_te))
    np.testing.assert_array_equal(back.predict(X_te), det.predict(X_te))


def test_transform_gives_the_code_of_each_row(shuttle, autoencoder):
    assert autoencoder.transform(shuttle[2]).shape == (len(shuttle[2]), autoencoder.code_dim)
