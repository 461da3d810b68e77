"""Interactions: ids of any type to indices and back, ratings checked, repeated pairs, the matrix."""

import pandas as pd
import pytest

from deepmine.errors import ColumnError, DataError, DataWarning
from deepmine.recommend import Interactions


def _frame():
    return pd.DataFrame({"who": ["ann", "bob", "ann", "cat"], "what": [10, 10, 20, 30],
                         "stars": [4.0, 3.5, 5.0, 1.0], "when": pd.to_datetime(["2024-01-01", "2024-01-02",
                                                                                 "2024-01-03", "2024-01-04"])})


def test_ids_map_to_indices_and_back():
    data = Interactions.from_frame(_frame(), "who", "what", "stars", "when")
    assert (data.n_users, data.n_items, len(data), data.explicit) == (3, 3, 4, True)
    assert list(data.users[data.u]) == ["ann", "bob", "ann", "cat"] and list(data.items[data.i]) == [10, 10, 20, 30]
    assert data.user_index(["cat", "zed"]).tolist() == [2, -1] and data.item_index([30, 99]).tolist() == [2, -1]
    m = data.matrix()
    assert m.shape == (3, 3) and m[0, 1] == 5.0 and m.nnz == 4
    assert data.time[0] < data.time[-1]
    sub = data.subset([0, 3])
    assert len(sub) == 2 and sub.n_users == 3  # same index space


def test_implicit_feedback_has_no_ratings_and_repeated_pairs_keep_the_last():
    frame = pd.concat([_frame(), _frame().iloc[[0]].assign(stars=2.0)], ignore_index=True)
    with pytest.warns(DataWarning, match="1 repeated"):
        data = Interactions.from_frame(frame, "who", "what", "stars")
    assert len(data) == 4 and data.matrix()[0, 0] == 2.0
    implicit = Interactions.from_frame(_frame(), "who", "what")
    assert not implicit.explicit and implicit.matrix().sum() == 4


@pytest.mark.parametrize("change, error, match", [
    (lambda f: f.assign(who=[None, "bob", "ann", "cat"]), DataError, "user column 'who' has 1 missing"),
    (lambda f: f.assign(stars=["4", "bad", "5", "1"]), DataError, "not numbers, e.g. 'bad'"),
    (lambda f: f.iloc[:0], DataError, "no interactions"),
])
def test_bad_interactions_are_explained(change, error, match):
    with pytest.raises(error, match=match):
        Interactions.from_frame(change(_frame()), "who", "what", "stars")


def test_missing_columns_are_named():
    with pytest.raises(ColumnError, match="rating column 'score' is not in the data"):
        Interactions.from_frame(_frame(), "who", "what", "score")
