"""One-record predictions (predict_proba_one, predict_one): the same numbers as the table path, from a dict, a
numpy row, a Series or a one-row DataFrame, and clear errors for what is not one record."""

import numpy as np
import pandas as pd
import pytest

import deepmine
from deepmine.errors import ColumnError, DataError
from deepmine.tabular import DeepClassifier, DeepRegressor, LogisticNeuron


@pytest.fixture(scope="module")
def penguin_model(penguins):
    # categorical columns (species, island, sex) and missing values: every branch of the preprocessing
    X, y = penguins.X, penguins.y
    return X, DeepClassifier(hidden=(16,), max_epochs=3, random_state=0).fit(X, y)


def test_a_dict_gives_what_the_one_row_table_gives(penguin_model):
    X, model = penguin_model
    rows = X.iloc[:40]
    table = model.predict_proba(rows)
    for i, (_, row) in enumerate(rows.iterrows()):
        record = {c: (None if pd.isna(v) else v) for c, v in row.items()}
        proba = model.predict_proba_one(record)
        assert list(proba) == list(model.classes_)
        np.testing.assert_allclose(list(proba.values()), table[i], rtol=1e-6, atol=1e-9)
        assert model.predict_one(record) == model.predict(rows.iloc[[i]])[0]
        np.testing.assert_allclose(list(model.predict_proba_one(row).values()), table[i], rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(list(model.predict_proba_one(rows.iloc[[i]]).values()), table[i], rtol=1e-6)


def test_unseen_categories_missing_values_and_extra_columns(penguin_model):
    X, model = penguin_model
    record = {c: X[c].iloc[0] for c in X.columns}
    record.update(island="Atlantis", bill_length_mm=float("nan"), comment="not a column the model knows")
    frame = pd.DataFrame([record])
    np.testing.assert_allclose(list(model.predict_proba_one(record).values()), model.predict_proba(frame)[0],
                               rtol=1e-6)
    # a value only the table path converts (a number written as text) goes down that path, to the same result
    texty = {**record, "bill_depth_mm": str(record["bill_depth_mm"])}
    np.testing.assert_allclose(list(model.predict_proba_one(texty).values()),
                               model.predict_proba(pd.DataFrame([texty]))[0], rtol=1e-6)


def test_a_numpy_row_of_a_numeric_table_and_a_saved_model(tmp_path, diabetes):
    X, y = diabetes.X.to_numpy(), diabetes.y.to_numpy()
    model = DeepRegressor(hidden=(16,), max_epochs=3, random_state=0).fit(X, y)
    model.save(tmp_path / "reg")
    loaded = deepmine.load(tmp_path / "reg")
    expected = loaded.predict(X[:5])
    for i in range(5):
        value = loaded.predict_one(X[i])
        assert isinstance(value, float) and value == pytest.approx(expected[i], rel=1e-6)
        assert loaded.predict_one(list(X[i])) == pytest.approx(expected[i], rel=1e-6)
        assert loaded.predict_one(X[i: i + 1]) == pytest.approx(expected[i], rel=1e-6)
    neuron = LogisticNeuron(max_epochs=2, random_state=0).fit(X, y > np.median(y))
    assert set(neuron.predict_proba_one(X[0])) == {False, True}


def test_what_is_not_one_record_is_explained(penguin_model):
    X, model = penguin_model
    with pytest.raises(DataError, match="a record is one row, got a table of 2 rows"):
        model.predict_proba_one(X.iloc[:2])
    with pytest.raises(DataError, match="a record is a dict"):
        model.predict_one("Adelie")
    with pytest.raises(DataError, match="the record has 3 values, but the model expects"):
        model.predict_one([1.0, 2.0, 3.0])
    with pytest.raises(ColumnError, match="lacks column"):
        model.predict_one({"island": "Dream"})
    with pytest.raises(DataError, match="infinite"):
        model.predict_one({**{c: X[c].iloc[0] for c in X.columns}, "bill_length_mm": float("inf")})
