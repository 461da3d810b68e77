"""Integrated gradients for the deep models: completeness, per-column contributions, global importance, errors."""

import numpy as np
import pandas as pd
import pytest
import torch

from deepmine.errors import ColumnError, DeepmineError, NotFittedError, ParameterError
from deepmine.explain.gradients import Attribution, gradient_importance, integrated_gradients
from deepmine.tabular import DeepClassifier, DeepRegressor, LogisticNeuron

TOLERANCE = 0.01  # the acceptance criterion: contributions sum to f(x) - f(baseline) within 1%


@pytest.fixture(scope="module")
def churn_model():
    from deepmine.datasets import load

    frame = load("churn").frame.sample(1000, random_state=0).reset_index(drop=True)
    X, y = frame.drop(columns="churn"), frame["churn"]
    model = DeepClassifier(hidden=(32,), max_epochs=5, random_state=0).fit(X.iloc[:900], y.iloc[:900])
    return model, X.iloc[900:920]


@pytest.fixture(scope="module")
def diabetes_model():
    from deepmine.datasets import load

    frame = load("diabetes").frame
    X, y = frame.drop(columns="progression"), frame["progression"]
    model = DeepRegressor(hidden=(32,), max_epochs=5, random_state=0).fit(X.iloc[:400], y.iloc[:400])
    return model, X.iloc[400:420]


@pytest.fixture(scope="module")
def polarity_model():
    from deepmine.datasets import load
    from deepmine.text import RNNTextClassifier

    frame = load("polarity").frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    model = RNNTextClassifier(embed_dim=16, hidden=16, max_epochs=3, min_count=1, random_state=0)
    model.fit(frame["text"].iloc[:180], frame["label"].iloc[:180])
    return model, frame["text"].iloc[180:200].tolist()


@pytest.fixture(scope="module")
def digits_model():
    from deepmine.datasets import load
    from deepmine.vision.classifiers import CNNClassifier

    data = load("digits")
    X, y = data.X.to_numpy()[:300], data.y.to_numpy()[:300]
    model = CNNClassifier(widths=(8, 16), batch_size=64, max_epochs=3, random_state=0).fit(X[:280], y[:280])
    return model, X[280:300]


# ---------------------------------------------------------------------------------------------- completeness


def test_completeness_deep_classifier_on_churn(churn_model):
    model, rows = churn_model
    attr = integrated_gradients(model, rows)
    assert isinstance(attr, Attribution)
    assert attr.values.shape == (20, len(attr.features))
    assert attr.completeness_gap().max() < TOLERANCE
    # f is the probability of the positive class, as predict_proba gives it
    assert attr.target == "probability of class 'yes'"
    np.testing.assert_allclose(attr.output, model.predict_proba(rows)[:, 1], atol=1e-5)
    assert (attr.target_classes == "yes").all()
    # contributions per original column: a categorical column once, not once per embedding dimension
    assert attr.features == [c for c in rows.columns]
    assert attr.inputs is rows


def test_completeness_deep_regressor_on_diabetes(diabetes_model):
    model, rows = diabetes_model
    attr = integrated_gradients(model, rows)
    assert attr.target == "prediction"
    np.testing.assert_allclose(attr.output, model.predict(rows), rtol=1e-5)  # the user's units
    assert attr.completeness_gap().max() < TOLERANCE
    assert attr.features == list(rows.columns)


def test_completeness_rnn_text_classifier_on_polarity(polarity_model):
    model, texts = polarity_model
    attr = integrated_gradients(model, texts)
    assert attr.completeness_gap().max() < TOLERANCE
    np.testing.assert_allclose(attr.output, model.predict_proba(texts)[:, 1], atol=1e-5)
    assert len(attr.tokens) == len(texts) and len(attr.values) == len(texts)
    for tokens, values in zip(attr.tokens, attr.values):
        assert len(tokens) == len(values) > 0
    vocabulary = model.preprocessor_.vocabulary_
    assert all(t in vocabulary or t == "<unk>" for tokens in attr.tokens for t in tokens)
    frame = attr.to_frame()
    assert list(frame.columns) == ["row", "feature", "value", "contribution"]
    assert frame["feature"].iloc[0] == f"0:{attr.tokens[0][0]}"
    sums = frame.groupby("row")["contribution"].sum().to_numpy()
    np.testing.assert_allclose(sums, attr.output - attr.baseline_output,
                               atol=TOLERANCE * np.abs(attr.output - attr.baseline_output).max())


def test_completeness_cnn_text_classifier(polarity_model):
    from deepmine.datasets import load
    from deepmine.text import CNNTextClassifier

    _, texts = polarity_model
    frame = load("polarity").frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    model = CNNTextClassifier(embed_dim=16, filters=8, max_epochs=3, min_count=1, random_state=0)
    model.fit(frame["text"].iloc[:180], frame["label"].iloc[:180])
    attr = integrated_gradients(model, texts + ["an entirely zzzunknownzzz word"])
    assert attr.completeness_gap().max() < TOLERANCE
    np.testing.assert_allclose(attr.output, model.predict_proba(texts + ["an entirely zzzunknownzzz word"])[:, 1],
                               atol=1e-5)
    assert "<unk>" in attr.tokens[-1]  # unknown words appear as the unknown-word token


def test_columns_with_missing_values_and_dates_are_summed_per_column():
    rng = np.random.default_rng(1)
    n = 300
    X = pd.DataFrame({"amount": rng.normal(size=n), "score": rng.normal(size=n),
                      "when": pd.date_range("2020-01-01", periods=n, freq="D"),
                      "kind": rng.choice(["a", "b", "c", "d"], size=n)})
    X.loc[::7, "score"] = np.nan  # a missing indicator for "score"
    y = 2 * X["amount"] + X["score"].fillna(0) + (X["kind"] == "a")
    model = DeepRegressor(hidden=(8,), max_epochs=5, random_state=0).fit(X, y)
    assert model.preprocessor_.indicators_  # the model has a missing-indicator input
    attr = integrated_gradients(model, X.iloc[:10])
    assert attr.features == ["amount", "score", "when", "kind"]
    assert attr.values.shape == (10, 4)
    assert attr.completeness_gap().max() < TOLERANCE
    # a plain array works too: columns are named as the model names them
    arr = np.random.default_rng(2).normal(size=(200, 3))
    neuron = DeepRegressor(hidden=(8,), max_epochs=3, random_state=0).fit(arr, arr[:, 0] - arr[:, 2])
    attr = integrated_gradients(neuron, arr[:5])
    assert attr.features == ["x0", "x1", "x2"]
    assert attr.completeness_gap().max() < TOLERANCE
    assert attr.to_frame()["value"].iloc[1] == arr[0, 1]


def test_completeness_cnn_classifier_on_digits(digits_model):
    model, images = digits_model
    attr = integrated_gradients(model, images)
    assert attr.values.shape == (20, 8, 8) and attr.features is None
    assert attr.completeness_gap().max() < TOLERANCE
    # default target of a multiclass model: each row's predicted class
    np.testing.assert_array_equal(attr.target_classes, model.predict(images))
    proba = model.predict_proba(images)
    np.testing.assert_allclose(attr.output, proba.max(axis=1), atol=1e-5)
    # the black image: pixels that are black already contribute nothing
    black = np.asarray(images).reshape(-1, 8, 8) == 0
    assert np.abs(attr.values[black]).max() < 1e-12
    with pytest.raises(DeepmineError, match="values"):
        attr.to_frame()
    # a named class, and the model's mean image as baseline
    other = integrated_gradients(model, images[:3], target=model.classes_[0], baseline="mean")
    assert other.completeness_gap().max() < TOLERANCE
    np.testing.assert_allclose(other.output, proba[:3, 0], atol=1e-5)


def test_model_is_left_untouched(churn_model):
    model, rows = churn_model
    before = model.predict_proba(rows)
    grads = [None if p.grad is None else p.grad.clone() for p in model.module_.parameters()]
    model.module_.train()
    integrated_gradients(model, rows.iloc[:3], steps=8)
    assert model.module_.training  # its mode is not changed
    model.module_.eval()
    for p, g in zip(model.module_.parameters(), grads):  # no gradient leaks into the model
        assert (p.grad is None and g is None) or torch.equal(p.grad, g)
    assert all(p.dtype == torch.float32 for p in model.module_.parameters())
    np.testing.assert_array_equal(model.predict_proba(rows), before)


# ---------------------------------------------------------------------------------------------- tidy table, baselines


def test_to_frame_sums_to_the_prediction_difference(churn_model):
    model, rows = churn_model
    attr = integrated_gradients(model, rows)
    frame = attr.to_frame()
    assert list(frame.columns) == ["row", "feature", "value", "contribution"]
    assert len(frame) == len(rows) * len(attr.features)
    assert set(frame["feature"]) == set(rows.columns)
    assert (frame["feature"] == "state").sum() == len(rows)  # a categorical column appears once per row
    first = frame[frame["row"] == 0].set_index("feature")["value"]
    assert first["state"] == rows["state"].iloc[0]
    assert first["total_day_minutes"] == rows["total_day_minutes"].iloc[0]
    sums = frame.groupby("row")["contribution"].sum().to_numpy()
    diff = attr.output - attr.baseline_output
    assert (np.abs(sums - diff) <= TOLERANCE * np.abs(diff)).all()


def test_baseline_as_a_reference_row(churn_model, diabetes_model):
    model, rows = churn_model
    reference = rows.iloc[[5]]
    attr = integrated_gradients(model, rows, baseline=reference)
    np.testing.assert_allclose(attr.baseline_output, model.predict_proba(reference)[0, 1], atol=1e-5)
    assert attr.completeness_gap().max() < TOLERANCE
    np.testing.assert_allclose(attr.values[5], 0.0, atol=1e-12)  # the reference row explains nothing
    regressor, drows = diabetes_model
    auto = integrated_gradients(regressor, drows)
    # the automatic baseline sits at the training means: its prediction is one number for every row
    assert np.ptp(auto.baseline_output) < 1e-9


def test_explicit_class_target(churn_model):
    model, rows = churn_model
    attr = integrated_gradients(model, rows.iloc[:5], target="no")
    np.testing.assert_allclose(attr.output, model.predict_proba(rows.iloc[:5])[:, 0], atol=1e-5)
    assert attr.target == "probability of class 'no'"
    assert attr.completeness_gap().max() < TOLERANCE


# ---------------------------------------------------------------------------------------------- global importance


def test_gradient_importance_finds_the_columns_that_decide():
    rng = np.random.default_rng(0)
    n = 600
    X = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"x{i}" for i in range(6)])
    X["colour"] = rng.choice(["red", "green", "blue"], size=n)
    y = np.where(X["x1"] + 2 * X["x3"] > 0, "a", "b")
    model = DeepClassifier(hidden=(16,), max_epochs=20, lr=1e-2, random_state=0).fit(X, y)
    importance = gradient_importance(model, X.iloc[:100])
    assert list(importance.columns) == ["feature", "importance", "std"]
    assert set(importance["feature"].iloc[:2]) == {"x1", "x3"}
    assert importance["feature"].iloc[0] == "x3"
    assert importance["importance"].is_monotonic_decreasing
    assert sorted(importance["feature"]) == sorted(X.columns)


def test_gradient_importance_of_a_logistic_neuron(churn_model):
    model, rows = churn_model
    X = rows.copy()
    neuron = LogisticNeuron(max_epochs=3, random_state=0).fit(X, np.where(X["total_day_minutes"] > 180, 1, 0))
    importance = gradient_importance(neuron, X, steps=8)
    assert len(importance) == X.shape[1] and (importance["importance"] >= 0).all()


# ---------------------------------------------------------------------------------------------- errors


def test_unfitted_model():
    with pytest.raises(NotFittedError):
        integrated_gradients(DeepClassifier(), pd.DataFrame({"a": [1.0]}))


def test_missing_column_is_named(churn_model):
    model, rows = churn_model
    with pytest.raises(ColumnError, match="total_day_minutes"):
        integrated_gradients(model, rows.drop(columns="total_day_minutes"))


def test_unknown_class_lists_the_classes(churn_model):
    model, rows = churn_model
    with pytest.raises(ParameterError, match="'no', 'yes'"):
        integrated_gradients(model, rows, target="maybe")


def test_bad_steps(churn_model):
    model, rows = churn_model
    for steps in (0, -3, 2.5, "many"):
        with pytest.raises(ParameterError, match="steps"):
            integrated_gradients(model, rows, steps=steps)


def test_traditional_model_is_refused():
    from deepmine.text.baselines import TfidfClassifier

    texts = ["good film", "bad film", "great fun", "awful mess"] * 3
    model = TfidfClassifier().fit(texts, ["pos", "neg", "pos", "neg"] * 3)
    with pytest.raises(DeepmineError, match="deepmine.explain.explain"):
        integrated_gradients(model, texts[:2])
    with pytest.raises(DeepmineError, match="deepmine.explain.explain"):
        gradient_importance(model, texts[:2])


def test_transformer_text_classifier_is_refused():
    from deepmine.text import TransformerClassifier

    with pytest.raises(DeepmineError, match="RNN and CNN text models"):
        integrated_gradients(TransformerClassifier(), ["some text"])
