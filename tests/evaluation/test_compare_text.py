"""compare on texts: the official split, deep and traditional text classifiers in one leaderboard."""

import pandas as pd
import pytest

import deepmine.datasets
from deepmine import compare
from deepmine.errors import ColumnError, DataError


@pytest.fixture(scope="module")
def reviews():
    frame = deepmine.datasets.load("amazon_reviews").frame
    return pd.concat([frame[frame.split == "train"].iloc[:500], frame[frame.split == "test"].iloc[:200]],
                     ignore_index=True).assign(stars=range(700))


def test_text_classification_uses_the_given_split_and_ranks_deep_beside_traditional(reviews):
    board = compare("text_classification", reviews, target="score", split_column="split",
                    models="cnn,tfidf_logistic,vader_lexicon", options={"max_epochs": 3, "embed_dim": 32},
                    random_state=0)
    assert board.info["split"] == "given" and (board.info["train_rows"], board.info["test_rows"]) == (500, 200)
    assert board.info["features"] == ["text"]  # the numeric column is not the text
    assert set(board.frame.model) == {"cnn", "tfidf_logistic", "vader_lexicon"}
    assert set(board.frame.kind) == {"deep", "traditional"}
    assert board.frame.accuracy.between(0, 1).all() and (board.frame.fit_s > 0).all()
    assert board.models["cnn"].n_iter_ <= 3 and board.models["cnn"].embed_dim == 32
    assert "cnn" in board.histories


def test_text_column_and_split_column_errors(reviews):
    with pytest.raises(ColumnError, match="'body' is not in the data"):
        compare("text_classification", reviews, target="score", text="body", models="vader_lexicon")
    with pytest.raises(DataError, match="must say 'train' or 'test'.*'holdout'"):
        compare("text_classification", reviews.assign(split="holdout"), target="score", split_column="split",
                models="vader_lexicon")
    with pytest.raises(DataError, match="holds numbers"):
        compare("text_classification", reviews, target="score", text="stars", models="vader_lexicon")
