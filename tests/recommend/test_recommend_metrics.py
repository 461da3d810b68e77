"""Recommendation metrics checked by hand on a tiny example, and the splits on MovieLens."""

import numpy as np
import pandas as pd
import pytest

from deepmine import datasets
from deepmine.errors import DataError, ParameterError
from deepmine.evaluation.recommend_metrics import leave_last_out, random_split, ranking_scores, rating_scores
from deepmine.recommend.base import BaseRecommender
from deepmine.recommend.data import Interactions
from deepmine.recommend.traditional import Popularity

SCORES = np.array([[9.0, 5, 4, 3, 1],   # user 0 saw item 0; ranks 1, 2, 3, 4 -> held-out 3 at rank 3
                   [1.0, 9, 2, 8, 3]])  # user 1 saw item 1; ranks 3, 4, 2, 0 -> held-out 2, 4 at ranks 3, 2


class Fixed(BaseRecommender):
    def _fit(self, data):
        pass

    def _score(self, u):
        return SCORES[u]


@pytest.fixture
def tiny():
    data = Interactions.from_frame(pd.DataFrame({"user": [0, 1, 0, 1, 1], "item": [0, 1, 3, 2, 4]}))
    train, test = data.subset([0, 1]), data.subset([2, 3, 4])
    return Fixed().fit(train), train, test


def test_full_ranking_by_hand(tiny):
    model, train, test = tiny
    s = ranking_scores(model, train, test, k=3)
    log2 = np.log2
    assert s["hr@3"] == 1.0
    ndcg0 = 1 / log2(4)  # one relevant item at rank 3: 1/log2(rank + 1)
    ndcg1 = (1 / log2(3) + 1 / log2(4)) / (1 + 1 / log2(3))
    assert s["ndcg@3"] == pytest.approx((ndcg0 + ndcg1) / 2)
    assert s["precision@3"] == pytest.approx((1 / 3 + 2 / 3) / 2)
    assert s["recall@3"] == pytest.approx(1.0)
    assert s["map@3"] == pytest.approx((1 / 3 + (1 / 2 + 2 / 3) / 2) / 2)
    assert s["coverage"] == pytest.approx(4 / 5)
    assert s["n_users"] == 2
    s1 = ranking_scores(model, train, test, k=1)
    assert s1["hr@1"] == 0.0 and s1["ndcg@1"] == 0.0


def test_k_above_the_catalogue_ranks_every_candidate(tiny):
    model, train, test = tiny
    s = ranking_scores(model, train, test, k=50)
    assert s["hr@50"] == 1.0 and s["recall@50"] == 1.0 and s["coverage"] == 1.0  # every item is someone's candidate


def test_sampled_protocol_by_hand(tiny):
    model, train, test = tiny
    # with 3 negatives each user's unseen items are all drawn: user 0 ranks item 3 against 1, 2, 4
    s = ranking_scores(model, train, test, k=2, protocol="sampled", n_negatives=3)
    # user 0: item 3 (3) below 1 (5) and 2 (4): rank 3; user 1: item 2 (2) vs 0, 3 -> rank 2;
    # item 4 (3) vs 0, 3 -> rank 2
    assert s["hr@2"] == pytest.approx(2 / 3)
    assert s["ndcg@2"] == pytest.approx(2 / 3 / np.log2(3))
    assert s["map@2"] == pytest.approx(2 / 3 / 2)


def test_rating_scores_by_hand():
    s = rating_scores([1, 2, 3], [2, 2, 5])
    assert s["rmse"] == pytest.approx(np.sqrt(5 / 3)) and s["mae"] == pytest.approx(1.0)
    with pytest.raises(DataError, match="one prediction each"):
        rating_scores([1, 2], [1])


def test_leave_last_out_by_time_and_without():
    frame = pd.DataFrame({"user": ["a", "a", "a", "b", "b", "c"], "item": [1, 2, 3, 1, 2, 3],
                          "time": [5, 9, 1, 3, 2, 7]})
    data = Interactions.from_frame(frame, time="time")
    train, test = leave_last_out(data)
    assert list(test) == [1, 3]  # a's time 9, b's time 3; c's only interaction stays in training
    assert list(train) == [0, 2, 4, 5]
    untimed = Interactions.from_frame(frame)
    train, test = leave_last_out(untimed, random_state=0)
    assert len(test) == 2 and set(untimed.u[test]) == {0, 1}
    assert np.array_equal(test, leave_last_out(untimed, random_state=0)[1])
    with pytest.raises(DataError, match="two or more"):
        leave_last_out(Interactions.from_frame(frame.drop_duplicates("user")))


def test_splits_on_movielens():
    data = Interactions.from_frame(datasets.load("movielens").frame, "userId", "movieId", "rating", "timestamp")
    train, test = random_split(data, test_size=0.2, random_state=0)
    assert len(test) == 20001 and len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == len(data)
    train, test = leave_last_out(data)
    assert len(test) == data.n_users == 671  # every user rated at least 20 movies
    last = pd.Series(data.time).groupby(data.u).max()
    assert np.array_equal(data.time[test], last.to_numpy())


def test_metric_errors(tiny):
    model, train, test = tiny
    with pytest.raises(ParameterError, match="protocol"):
        ranking_scores(model, train, test, protocol="auc")
    with pytest.raises(ParameterError, match="k must"):
        ranking_scores(model, train, test, k=0)
    with pytest.raises(ParameterError, match="test_size"):
        random_split(train, test_size=1.5)
    other = Interactions.from_frame(pd.DataFrame({"user": [0, 1, 2], "item": [0, 1, 2]}))
    with pytest.raises(DataError, match="share one user and item index"):
        ranking_scores(Popularity().fit(other), train, test)
