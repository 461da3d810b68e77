"""The text datasets: amazon_reviews, polarity, lee and titles load as catalogued, with known values."""

import pandas as pd
import pytest

from deepmine import datasets
from deepmine.datasets.corpora import DEERWESTER_TITLES
from deepmine.errors import DataError
from deepmine.text.prepare import as_texts

TEXT = pd.Series(["a"]).dtype  # the string dtype pandas gives text read from a CSV


def test_amazon_reviews_stacks_the_official_split():
    data = datasets.load("amazon_reviews")
    frame = data.frame
    assert list(frame.columns) == ["text", "score", "split"] and frame.shape == (5000, 3)
    assert data.task == "text_classification" and data.target == "score"
    assert (frame["split"] == "train").sum() == 4000 and (frame["split"] == "test").sum() == 1000
    assert list(frame["split"].iloc[[0, 3999, 4000, 4999]]) == ["train", "train", "test", "test"]
    assert frame.groupby("split")["score"].value_counts().to_dict() == {
        ("test", "great"): 658, ("test", "other"): 342, ("train", "great"): 2600, ("train", "other"): 1400}
    assert frame.loc[0, "text"] == "this stuff is  not stuffing  its  not good at all  save your money"
    assert frame.loc[0, "score"] == "other"
    assert all(frame[c].dtype == TEXT for c in frame.columns) and frame.notna().all().all()
    assert as_texts(data.X) == list(frame["text"])  # the text column is found without naming it


def test_polarity():
    data = datasets.load("polarity")
    frame = data.frame
    assert list(frame.columns) == ["text", "label"] and frame.shape == (200, 2)
    assert data.task == "text_classification" and data.target == "label"
    assert frame["label"].value_counts().to_dict() == {"neg": 100, "pos": 100}
    assert frame.loc[0, "text"] == "simplistic , silly and tedious ."
    assert not frame["text"].str.contains("__label__").any()
    assert frame["text"].str.count("\u2014").sum() == 3  # cp1252 dashes read as dashes


def test_lee_has_no_target():
    data = datasets.load("lee")
    assert list(data.frame.columns) == ["text"] and data.frame.shape == (300, 1)
    assert data.task == "topics" and data.target is None
    assert data.frame.loc[0, "text"].startswith("Hundreds of people have been forced to vacate their homes")
    assert data.frame.loc[299, "text"].startswith("Australia will take on France in the doubles rubber")
    assert data.X is data.frame or data.X.equals(data.frame)
    with pytest.raises(DataError, match="the dataset 'lee' has no target"):
        data.y


def test_titles():
    data = datasets.load("titles")
    frame = data.frame
    assert list(frame.columns) == ["id", "text", "group"] and frame.shape == (9, 3)
    assert data.task == "topics" and data.target is None
    assert list(frame["text"]) == list(DEERWESTER_TITLES)
    assert frame.loc[0, "text"] == "Human machine interface for Lab ABC computer applications"
    assert list(frame["group"]) == ["hci"] * 5 + ["graph"] * 4
    assert list(frame["id"]) == ["c1", "c2", "c3", "c4", "c5", "m1", "m2", "m3", "m4"]
    assert as_texts(data.X) == list(DEERWESTER_TITLES)


def test_text_datasets_in_the_catalogue():
    table = datasets.available().set_index("name")
    for name, task in [("amazon_reviews", "text_classification"), ("polarity", "text_classification"),
                       ("lee", "topics"), ("titles", "topics")]:
        assert table.loc[name, "task"] == task
    assert table.loc["lee", "target"] is None and table.loc["titles", "target"] is None


def test_cli_lists_and_shows_datasets_without_a_target():
    from typer.testing import CliRunner

    from deepmine.cli.main import app

    runner = CliRunner()
    listing = runner.invoke(app, ["datasets"], terminal_width=200)
    assert listing.exit_code == 0 and "titles" in listing.output and "amazon_reviews" in listing.output
    shown = runner.invoke(app, ["datasets", "show", "titles"], terminal_width=200)
    assert shown.exit_code == 0 and "9 rows x 3 columns" in shown.output
