"""Model-agnostic explanations: Kernel SHAP, permutation importance and partial dependence on real tables."""

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import Ridge

from deepmine.datasets import load
from deepmine.errors import ColumnError, DataWarning, NotFittedError, ParameterError
from deepmine.evaluation.tasks import get_task
from deepmine.explain import explain, partial_dependence, permutation_importance
from deepmine.explain.shapley import kernel_shap


@pytest.fixture(scope="module")
def churn_model(churn):
    frame = churn.sample(1500, random_state=0).reset_index(drop=True)
    X, y = frame.drop(columns=["churn"]), frame["churn"]
    model = get_task("classification").candidates["hist_gradient_boosting"].factory(0).fit(X.iloc[:1200],
                                                                                          y.iloc[:1200])
    return model, X, y


def two_column_table(n=1200, seed=0):
    """A label that depends on x1 and x3 only; the other columns (and a categorical) are noise."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"x{i}" for i in range(6)])
    X["colour"] = rng.choice(["red", "green", "blue"], size=n)
    y = np.where(X["x1"] + 2 * X["x3"] > 0, "yes", "no")
    return X, pd.Series(y)


def test_kernel_shap_contributions_add_up_to_the_prediction(churn_model):
    model, X, _ = churn_model
    rows = X.iloc[1200:1204]
    attribution = kernel_shap(model, rows, background=X.iloc[:1200], background_size=30, nsamples=400)
    assert attribution.values.shape == (4, X.shape[1]) and attribution.features == list(X.columns)
    assert np.all(attribution.completeness_gap() < 1e-6)
    expected = model.predict_proba(rows)[:, list(model.classes_).index("yes")]
    assert attribution.output == pytest.approx(expected)
    table = attribution.table
    assert list(table.columns) == ["row", "feature", "value", "contribution"] and len(table) == 4 * X.shape[1]
    sums = table.groupby("row")["contribution"].sum().to_numpy()
    assert sums + attribution.base_value == pytest.approx(expected, abs=1e-6)
    assert attribution.target == "probability of class 'yes'"
    # the same call gives the same contributions (shap samples coalitions from numpy's global generator)
    np.random.seed(123)
    outside = np.random.get_state()[1].copy()
    again = kernel_shap(model, rows, background=X.iloc[:1200], background_size=30, nsamples=400)
    np.testing.assert_array_equal(again.values, attribution.values)
    assert (np.random.get_state()[1] == outside).all()  # and the caller's generator is left as it was


def test_two_known_columns_rank_first_for_a_traditional_model():
    X, y = two_column_table()
    model = HistGradientBoostingClassifier(random_state=0).fit(X.drop(columns="colour"), y)
    numeric = X.drop(columns="colour")
    ranked = permutation_importance(model, numeric.iloc[900:], y.iloc[900:], n_repeats=3)
    assert set(ranked.feature[:2]) == {"x1", "x3"} and ranked.importance.iloc[0] > 5 * abs(ranked.importance.iloc[2])
    shap_ranked = explain(model, numeric.iloc[900:930], background=numeric.iloc[:900],
                          nsamples=300, background_size=30).importance()
    assert set(shap_ranked.feature[:2]) == {"x1", "x3"}


def test_partial_dependence_rises_with_the_feature_that_drives_the_label():
    X, y = two_column_table()
    numeric = X.drop(columns="colour")
    model = HistGradientBoostingClassifier(random_state=0).fit(numeric, y)
    pd_table, ice = partial_dependence(model, numeric, "x3", grid_size=10, max_rows=200)
    assert len(pd_table) == 10 and len(ice) == 10 * 200
    assert pd_table.average.iloc[-1] > pd_table.average.iloc[0] + 0.5  # probability of "yes" rises with x3
    flat, _ = partial_dependence(model, numeric, "x5", grid_size=10, max_rows=200)
    assert np.ptp(flat.average) < 0.1
    assert pd_table.attrs["target"] == "probability of class 'yes'"


def test_partial_dependence_of_a_categorical_and_of_a_regressor(churn_model):
    model, X, _ = churn_model
    pd_table, _ = partial_dependence(model, X, "international_plan")
    assert set(pd_table.value) == {"no", "yes"}
    diabetes = load("diabetes")
    ridge = Ridge().fit(diabetes.X, diabetes.y)
    curve, _ = partial_dependence(ridge, diabetes.X, "bmi", grid_size=5)
    assert np.all(np.diff(curve.average) > 0) and curve.attrs["target"] == "prediction"


def test_errors_name_the_problem(churn_model):
    model, X, y = churn_model
    with pytest.raises(ColumnError, match="lack column"):
        explain(model, X.drop(columns=["total_day_minutes"]).head(3))
    with pytest.raises(ColumnError, match="'no_such' is not a column"):
        partial_dependence(model, X, "no_such")
    with pytest.raises(NotFittedError):
        explain(HistGradientBoostingClassifier(), X.head(2))
    with pytest.raises(ParameterError, match="target 'maybe' is not one of the model's classes"):
        partial_dependence(model, X, "international_plan", target="maybe")
    with pytest.raises(ParameterError, match="method must be"):
        explain(model, X.head(2), method="lime")
    with pytest.warns(DataWarning, match="never saw"):
        explain(model, X.head(1).assign(churn="no"), background=X.head(20), nsamples=50)


def test_multiclass_default_is_each_rows_predicted_class_for_both_methods(penguins):
    from deepmine.tabular import DeepClassifier

    frame = penguins.frame.dropna().reset_index(drop=True)
    X, y = frame.drop(columns=[penguins.target]), frame[penguins.target]
    deep = DeepClassifier(hidden=(16,), max_epochs=30, random_state=0).fit(X, y)
    boosted = get_task("classification").candidates["hist_gradient_boosting"].factory(0).fit(X, y)
    rows = X.groupby(y).head(2)  # two rows of each species, so three classes are explained
    by_gradients = explain(deep, rows)  # "auto": integrated gradients
    by_shap = explain(boosted, rows, background=X, background_size=20, nsamples=200)
    for model, attribution in ((deep, by_gradients), (boosted, by_shap)):
        predicted = np.asarray(model.predict(rows))
        assert attribution.target == "probability of each row's predicted class"
        assert list(attribution.target_classes) == list(predicted)
        column = [list(model.classes_).index(c) for c in predicted]
        np.testing.assert_allclose(attribution.output, model.predict_proba(rows)[np.arange(len(rows)), column])
    assert by_shap.method == "kernel_shap" and len(set(by_shap.target_classes)) == 3
    # each row's contributions add up to its output minus its own class's base value
    np.testing.assert_allclose(by_shap.values.sum(axis=1) + by_shap.baseline_output, by_shap.output, atol=1e-6)
    one = explain(boosted, rows, target="Gentoo", background=X, background_size=20, nsamples=200)
    assert one.target == "probability of class 'Gentoo'" and set(one.target_classes) == {"Gentoo"}
    assert np.ndim(one.base_value) == 0
