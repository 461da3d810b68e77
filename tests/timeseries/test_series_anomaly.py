"""Anomalies in time series: the detectors, the metrics, compare("series_anomaly") and `deepmine series detect`, on
the UCR archive's KDD-TSAD_135 and the multichannel motion series (both from aeon)."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from contract import check_constructible_and_clone
from sklearn.base import clone
from typer.testing import CliRunner

import deepmine
import deepmine.datasets
from deepmine.cli.main import app
from deepmine.errors import DataError, NotFittedError
from deepmine.evaluation.series_anomaly_metrics import range_scores, ucr_score
from deepmine.persist import load, save_model
from deepmine.timeseries.anomaly_baselines import MatrixProfileDetector, STLResidualDetector, WindowIsolationForest
from deepmine.timeseries.anomaly_data import dominant_period, intervals, spread_to_steps
from deepmine.timeseries.anomaly_detectors import EncDecADDetector, ForecastErrorDetector

_TINY = dict(hidden=8, max_epochs=3, random_state=0)
DETECTORS = [EncDecADDetector(**_TINY), ForecastErrorDetector(**_TINY), MatrixProfileDetector(),
             WindowIsolationForest(n_estimators=20, random_state=0), STLResidualDetector()]
IDS = [type(d).__name__ for d in DETECTORS]


@pytest.fixture(scope="module")
def motion():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return deepmine.datasets.load("motion_anomalies").frame


@pytest.fixture(scope="module")
def bleeding():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return deepmine.datasets.load("kdd_tsad_135").frame


CHANNELS = ["accel_x", "accel_y", "accel_z", "gyro_x", "gyro_y", "gyro_z"]


# ------------------------------------------------------------------------------------------------ windows, metrics
def test_dominant_period_finds_the_cycle_and_none_in_noise():
    t = np.arange(600)
    assert dominant_period(np.sin(2 * np.pi * t / 25) + 0.1 * np.random.default_rng(0).normal(size=600)) == 25
    assert dominant_period(np.random.default_rng(1).normal(size=600)) is None


def test_window_scores_spread_to_the_steps_they_cover():
    steps = spread_to_steps(np.array([0.0, 3.0, 0.0]), 5, 3)  # window 1 covers steps 1-3
    np.testing.assert_allclose(steps, [0, 1.5, 1, 1.5, 0])
    assert intervals(np.array([0, 1, 1, 0, 1])) == [(1, 2), (4, 4)]


def test_range_metrics_and_the_ucr_score():
    labels = np.zeros(100, dtype=int)
    labels[40:50] = 1
    flags = np.zeros(100, dtype=int)
    flags[45:55] = 1  # half of the anomaly, and half of the flagged range is labelled
    scores = range_scores(labels, flags)
    assert scores["range_recall"] == pytest.approx(0.5) and scores["range_precision"] == pytest.approx(0.5)
    assert range_scores(labels, np.zeros(100))["range_f1"] == 0.0
    peak = np.zeros(100)
    peak[59] = 1.0  # ten steps past the anomaly (steps 40-49)
    assert ucr_score(labels, peak, tolerance=10) == 1.0 and ucr_score(labels, peak, tolerance=5) == 0.0


# ------------------------------------------------------------------------------------------------ the detectors
@pytest.mark.parametrize("detector", DETECTORS, ids=IDS)
def test_detector_contract(detector, motion):
    check_constructible_and_clone(detector)
    series = motion[CHANNELS].iloc[:600]
    model = clone(detector)
    with pytest.raises(NotFittedError):
        model.decision_function(series)
    assert model.fit(series.iloc[:400]) is model
    scores = model.decision_function(series)
    assert scores.shape == (600,) and np.isfinite(scores).all()
    assert set(np.unique(model.predict(series))) <= {0, 1}
    np.testing.assert_allclose(pickle.loads(pickle.dumps(model)).decision_function(series), scores, rtol=1e-6)
    np.testing.assert_allclose(clone(detector).fit(series.iloc[:400]).decision_function(series), scores, rtol=1e-6)
    with pytest.raises(DataError, match="lacks the channel\\(s\\) 'accel_z'"):
        model.decision_function(series[CHANNELS[:2]])
    with pytest.raises(DataError, match="the detector was fitted on 6"):
        model.decision_function(series[CHANNELS[:2]].to_numpy())


def test_deep_detector_saves_as_arrays_and_loads_to_the_same_scores(tmp_path, motion):
    series = motion[CHANNELS].iloc[:600]
    model = EncDecADDetector(**_TINY).fit(series.iloc[:400])
    save_model(model, tmp_path / "model")
    assert not list(tmp_path.rglob("*.pkl"))
    np.testing.assert_allclose(load(tmp_path / "model").decision_function(series), model.decision_function(series),
                               rtol=1e-6)


# ------------------------------------------------------------------------------------------------ compare
def test_the_deep_detector_finds_the_ucr_anomaly_beside_the_matrix_profile():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        board = deepmine.compare("series_anomaly", "dataset:kdd_tsad_135", models="forecast_error,matrix_profile")
    rows = board.frame.set_index("model")
    assert board.info["train_steps"] == 1200 and board.info["scored_steps"] == 6301
    assert rows.loc["forecast_error", "ucr_score"] == 1.0  # its highest score is at the labelled anomaly
    assert rows.loc["forecast_error", "roc_auc"] > 0.8 and rows.loc["matrix_profile", "roc_auc"] > 0.9
    assert len(board.predictions["forecast_error"]) == 7501  # a score for every step


def test_long_table_of_sensors_is_pivoted_to_channels(motion):
    part = motion.iloc[:1400]
    long = part.melt(id_vars=["t", "anomaly", "split"], value_vars=CHANNELS, var_name="sensor", value_name="reading")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        board = deepmine.compare("series_anomaly", long.sample(frac=1, random_state=0), id_column="sensor",
                                 time_column="t", label="anomaly", split_column="split", models="isolation_forest")
    assert board.info["channels"] == sorted(CHANNELS) and board.info["steps"] == 1400
    assert board.frame.roc_auc.iloc[0] > 0.9


def test_dated_series_learns_until_a_date():
    t = np.arange(400)
    values = np.sin(2 * np.pi * t / 24) + 0.05 * np.random.default_rng(0).normal(size=400)
    values[300:306] += 3.0
    frame = pd.DataFrame({"when": pd.date_range("2024-01-01", periods=400, freq="h"), "load": values,
                          "anomaly": ((t >= 300) & (t < 306)).astype(int)})
    board = deepmine.compare("series_anomaly", frame, time_column="when", label="anomaly",
                             train_until="2024-01-09", models="stl_residual,isolation_forest")
    assert board.info["train_steps"] == 192 and board.info["window"] == 24
    assert (board.frame.ucr_score == 1.0).all()


@pytest.mark.filterwarnings("ignore::deepmine.errors.DataWarning")
def test_tuning_is_refused_in_one_line():
    with pytest.raises(deepmine.errors.ParameterError, match="cannot be tuned or ensembled yet"):
        deepmine.compare("series_anomaly", "dataset:kdd_tsad_135", models="isolation_forest", budget=2)


# ------------------------------------------------------------------------------------------------ the command
def test_series_detect_on_a_multichannel_table(tmp_path, motion):
    path = tmp_path / "motion.csv"
    motion.drop(columns=["split"]).to_csv(path, index=False)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["series", "detect", str(path), "--time", "t", "--label", "anomaly",
                                      "--train-until", "1000", "--contamination", "0.02", "--max-epochs", "3",
                                      "--models", "encdec_ad,isolation_forest", "-o", str(out)])
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out / "scores.csv")
    assert len(scores) == 2200 and {"score_encdec_ad", "flag_isolation_forest"} <= set(scores.columns)
    found = pd.read_csv(out / "anomalies.csv")
    assert {"first_step", "last_step", "peak_score", "part", "labelled"} <= set(found.columns)
    assert found[found.part == "scored"].labelled.any()  # a flagged interval lies on an inserted recording
    assert "6 channel(s)" in result.output and "interval(s) in the scored part" in result.output
    report = (out / "report.html").read_text()
    assert "Series and scores" in report and "could not be drawn" not in report
    # the saved detector flags the steps of the same table, reading its fitted channels and leaving the others out
    result = CliRunner().invoke(app, ["predict", str(out / "model"), str(path), "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 0, result.output
    flags = pd.read_csv(tmp_path / "p.csv")["prediction"].to_numpy()
    np.testing.assert_array_equal(flags, scores[f"flag_{pd.read_csv(out / 'leaderboard.csv').model[0]}"])
