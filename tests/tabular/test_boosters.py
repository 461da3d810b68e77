"""LightGBM, XGBoost and CatBoost as deepmine estimators: accuracy on real tables, gaps and categories,
seeds, early stopping, safe folders, explanations, the CLI and scikit-learn's contract."""

import json
import os
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks
from typer.testing import CliRunner

import deepmine
from deepmine.errors import MissingDependencyError, ParameterError, TargetError
from deepmine.tabular.boosters import LIBRARIES, BoostedTreesClassifier, BoostedTreesRegressor, resolve_threads

FILES = {"lightgbm": "model.txt", "xgboost": "model.json", "catboost": "model.cbm"}
CAP = 500  # rounds at most in the fits below: early stopping keeps far fewer at the default rates


@pytest.fixture(scope="module")
def churn_table(churn):
    """1,600 churn rows with gaps in two numeric columns and a string one, and a date column; 400 held out
    whose 'state' is partly a level never seen in fitting."""
    frame = churn.sample(1600, random_state=1).reset_index(drop=True)
    rng = np.random.default_rng(0)
    for column in ("total_day_minutes", "total_eve_minutes", "voice_mail_plan"):
        frame.loc[rng.random(len(frame)) < 0.1, column] = np.nan
    frame["signup"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, len(frame)), unit="D")
    X, y = frame.drop(columns=["churn"]), frame["churn"]
    X_test = X.iloc[1200:].copy()
    X_test.loc[X_test.index[::3], "state"] = "Atlantis"
    return X.iloc[:1200], y.iloc[:1200], X_test, y.iloc[1200:]


@pytest.fixture(scope="module", params=LIBRARIES)
def fitted(request, churn_table):
    X, y, X_test, y_test = churn_table
    model = BoostedTreesClassifier(library=request.param, n_estimators=CAP, random_state=0).fit(X, y)
    return model, X_test, y_test


def test_classifier_beats_the_majority_class_with_gaps_strings_dates_and_unseen_levels(fitted):
    model, X_test, y_test = fitted
    majority = (y_test == "no").mean()
    proba = model.predict_proba(X_test)
    assert np.isfinite(proba).all() and np.allclose(proba.sum(axis=1), 1)
    assert list(model.classes_) == ["no", "yes"]
    np.testing.assert_array_equal(model.predict(X_test), model.classes_[proba.argmax(axis=1)])
    assert (model.predict(X_test) == y_test).mean() > majority + 0.05
    # the gaps stay gaps (no imputation, no indicators) and categories are one code each, not one-hot
    pre = model.preprocessor_
    assert pre.indicators_ == [] and {"state", "voice_mail_plan"} <= set(pre.categorical_)
    assert np.isnan(pre.transform(X_test)).any()
    assert model.n_features_in_ == X_test.shape[1] and list(model.feature_names_in_) == list(X_test.columns)


def test_early_stopping_keeps_fewer_rounds_than_the_cap(fitted):
    model, _, _ = fitted
    assert model.best_iteration_ == model.n_estimators_ < CAP
    assert model.n_iter_ == model.best_iteration_ + model.early_stopping  # stopped after 50 rounds without gain
    importances = model.feature_importances_
    assert importances.shape == (model.n_features_in_,) and importances.sum() == pytest.approx(1)
    assert importances.min() >= 0 and importances[list(model.feature_names_in_).index("signup")] >= 0


def test_saved_folder_holds_the_librarys_own_file_and_predicts_identically(fitted, tmp_path):
    model, X_test, _ = fitted
    model.save(tmp_path / "m")
    library = model.library_
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == sorted(
        ["config.json", "preprocessing.json", FILES[library]])
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["format"] == "deepmine-booster" and config["library"] == library
    assert config["class"] == "deepmine.tabular.boosters.BoostedTreesClassifier" and library in config["versions"]
    back = deepmine.load(tmp_path / "m")
    assert type(back.booster_) is type(model.booster_) and back.get_params() == model.get_params()
    np.testing.assert_array_equal(back.predict_proba(X_test), model.predict_proba(X_test))
    np.testing.assert_array_equal(back.predict(X_test), model.predict(X_test))
    np.testing.assert_array_equal(back.feature_importances_, model.feature_importances_)
    assert (back.n_estimators_, back.best_iteration_, back.n_iter_) == (
        model.n_estimators_, model.best_iteration_, model.n_iter_)


def test_cli_predicts_from_a_saved_booster_folder(fitted, tmp_path):
    from deepmine.cli.main import app

    model, X_test, _ = fitted
    model.save(tmp_path / "m")
    X_test.to_csv(tmp_path / "rows.csv", index=False)
    result = CliRunner().invoke(app, ["predict", str(tmp_path / "m"), str(tmp_path / "rows.csv"),
                                      "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 0, result.output
    out = pd.read_csv(tmp_path / "x.csv")
    assert list(out.columns) == ["row", "prediction", "proba_no", "proba_yes"] and len(out) == len(X_test)
    # the CSV round trip (dates and gaps read back from text) predicts as the frame did
    np.testing.assert_allclose(out.proba_yes, model.predict_proba(X_test)[:, 1], rtol=1e-6)


@pytest.mark.parametrize("library", LIBRARIES)
def test_regressor_explains_diabetes_well_above_zero(diabetes, library, tmp_path):
    X = diabetes.X.to_numpy()  # an array, not a table: columns become x0, x1, ...
    model = BoostedTreesRegressor(library=library, n_estimators=CAP, random_state=0).fit(X[:350], diabetes.y[:350])
    assert model.score(X[350:], diabetes.y[350:]) > 0.25
    assert model.n_estimators_ < CAP and not hasattr(model, "feature_names_in_")
    model.save(tmp_path / "r")
    np.testing.assert_array_equal(deepmine.load(tmp_path / "r").predict(X[350:]), model.predict(X[350:]))


@pytest.mark.parametrize("library", LIBRARIES)
def test_multiclass_string_labels_and_the_same_seed_gives_the_same_predictions(penguins, library):
    X, y = penguins.X, penguins.y  # gaps in numbers and in 'sex'
    train = np.arange(len(y)) % 4 != 0
    model = BoostedTreesClassifier(library=library, n_estimators=200, random_state=3).fit(X[train], y[train])
    assert list(model.classes_) == ["Adelie", "Chinstrap", "Gentoo"]
    assert (model.predict(X[~train]) == y[~train]).mean() > 0.9
    again = BoostedTreesClassifier(library=library, n_estimators=200, random_state=3).fit(X[train], y[train])
    np.testing.assert_array_equal(again.predict_proba(X[~train]), model.predict_proba(X[~train]))
    other = BoostedTreesClassifier(library=library, n_estimators=200, random_state=4).fit(X[train], y[train])
    assert not np.array_equal(other.predict_proba(X[~train]), model.predict_proba(X[~train]))


def test_the_preprocessors_gaps_option_keeps_older_saved_state_loading(churn_table):
    from deepmine.data.preprocess import TabularPreprocessor

    X = churn_table[0]
    kept = TabularPreprocessor(scale=False, impute=False).fit(X)
    assert kept.indicators_ == [] and np.isnan(kept.transform(X)[:, kept.numeric_.index("total_day_minutes")]).any()
    state = TabularPreprocessor().fit(X).state_dict()
    del state["params"]["impute"]  # as a deepmine from before the option saved it
    old = TabularPreprocessor.from_state(state)
    assert old.impute is True and len(old.indicators_) == 2 and not np.isnan(old.transform(X)).any()


def test_without_early_stopping_every_round_is_trained_and_params_reach_the_library(breast_cancer):
    model = BoostedTreesClassifier(n_estimators=30, early_stopping=None, params={"num_leaves": 7}, n_jobs=1,
                                   random_state=0).fit(breast_cancer.X, breast_cancer.y)
    assert model.n_estimators_ == model.n_iter_ == 30 and model.best_iteration_ is None
    text = model.booster_.model_to_string()
    assert "[num_leaves: 7]" in text and "[num_threads: 1]" in text
    assert resolve_threads(None) == resolve_threads(-1) == len(os.sched_getaffinity(0)) and resolve_threads(2) == 2


def test_explain_works_on_a_booster(fitted):
    from deepmine.explain import explain

    model, X_test, _ = fitted
    rows = X_test.iloc[:3]
    attribution = explain(model, rows, background=X_test, background_size=20, nsamples=200)
    assert attribution.method == "kernel_shap" and attribution.values.shape == (3, X_test.shape[1])
    assert attribution.output == pytest.approx(model.predict_proba(rows)[:, 1])
    assert np.all(attribution.completeness_gap() < 1e-6)


def test_errors_name_the_problem_and_the_fix(breast_cancer, monkeypatch):
    X, y = breast_cancer.X, breast_cancer.y
    with pytest.raises(ParameterError, match="library must be one of 'lightgbm', 'xgboost', 'catboost', got 'sklearn'"):
        BoostedTreesClassifier(library="sklearn").fit(X, y)
    with pytest.raises(ParameterError, match="params sets 'n_estimators', .* from n_estimators; remove it"):
        BoostedTreesClassifier(params={"n_estimators": 10}).fit(X, y)
    with pytest.raises(ParameterError, match="params sets 'loss_function', .* from the target"):
        BoostedTreesRegressor(library="catboost", params={"loss_function": "MAE"}).fit(X, y)
    with pytest.raises(ParameterError, match="learning_rate must be a positive number"):
        BoostedTreesClassifier(learning_rate=0).fit(X, y)
    with pytest.raises(TargetError, match="only one class"):
        BoostedTreesClassifier().fit(X, np.zeros(len(X)))
    with pytest.raises(TargetError, match="Unknown label type: continuous"):
        BoostedTreesClassifier().fit(X, np.linspace(0, 1, len(X)))
    with pytest.raises(TargetError, match="the target has 1 missing values"):
        BoostedTreesClassifier().fit(X, pd.Series(y).mask(np.arange(len(y)) == 5))
    with pytest.raises(TargetError, match="predicts one target but y has 2 columns"):
        BoostedTreesRegressor().fit(X, np.zeros((len(X), 2)))
    for library in LIBRARIES:
        monkeypatch.setitem(sys.modules, library, None)  # as if it were not installed
        with pytest.raises(MissingDependencyError, match=f"install it with `pip install {library}`"):
            BoostedTreesClassifier(library=library).fit(X, y)


_CHECKED = [cls(library=library, n_estimators=20, n_jobs=1, random_state=0)
            for library in LIBRARIES for cls in (BoostedTreesClassifier, BoostedTreesRegressor)]
# Every check a booster does not pass, and why: none today (the array-API checks are skipped, as for the
# other estimators, without SCIPY_ARRAY_API=1; the sample-weight checks are not generated: fit takes none).
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {}


@parametrize_with_checks(_CHECKED, expected_failed_checks=lambda e: EXPECTED_FAILED_CHECKS.get(e.library, {}))
def test_sklearn_contract(estimator, check):
    check(estimator)
