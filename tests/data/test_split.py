"""Tests for the train/test splits: stratified, by time, by group, and their errors."""

import numpy as np
import pandas as pd
import pytest

from deepmine.data.split import group_split, random_split, stratified_split, time_split
from deepmine.datasets import load
from deepmine.errors import DataError


def _is_partition(train, test, n):
    train, test = np.asarray(train), np.asarray(test)
    return (len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == n
            and np.array_equal(np.sort(np.concatenate([train, test])), np.arange(n)))


@pytest.fixture(scope="module")
def churn_y():
    return load("churn").y.to_numpy()


def test_stratified_split_keeps_class_proportions(churn_y):
    y = churn_y
    train, test = stratified_split(y, test_size=0.25, random_state=0)
    assert _is_partition(train, test, len(y))
    assert len(test) == 1250
    overall = (y == "yes").mean()  # about 14% churn
    assert abs((y[train] == "yes").mean() - overall) < 0.002
    assert abs((y[test] == "yes").mean() - overall) < 0.002


def test_stratified_split_is_reproducible(churn_y):
    a = stratified_split(churn_y, 0.2, random_state=3)
    b = stratified_split(churn_y, 0.2, random_state=3)
    c = stratified_split(churn_y, 0.2, random_state=4)
    assert all(np.array_equal(x, z) for x, z in zip(a, b))
    assert not np.array_equal(a[1], c[1])


def test_stratified_split_keeps_rare_classes_on_both_sides():
    y = np.array(["a"] * 90 + ["b"] * 8 + ["c"] * 2)
    train, test = stratified_split(y, test_size=0.5, random_state=0)
    for cls in "abc":
        assert (y[train] == cls).sum() == (y[test] == cls).sum(), cls


def test_stratified_split_falls_back_when_a_class_has_one_row():
    y = np.array(["a"] * 10 + ["b"] * 9 + ["c"])
    train, test = stratified_split(y, test_size=0.25, random_state=0)
    assert _is_partition(train, test, len(y))
    assert len(test) == 5


def test_stratified_split_falls_back_when_test_is_smaller_than_the_classes():
    y = np.repeat(np.arange(10), 2)  # 10 classes, 2 rows each; a 20% test part holds only 4 rows
    train, test = stratified_split(y, test_size=0.2, random_state=0)
    assert _is_partition(train, test, len(y))
    assert len(test) == 4


def test_time_split_puts_the_latest_rows_in_test():
    rng = np.random.default_rng(0)
    dates = pd.date_range("2023-01-01", periods=100, freq="D")
    order = rng.permutation(100)
    times = dates[order].strftime("%Y-%m-%d").tolist()  # shuffled strings, as read from a file
    train, test = time_split(times, test_size=0.2)
    assert _is_partition(train, test, 100)
    assert len(test) == 20
    parsed = pd.to_datetime(pd.Series(times))
    assert parsed[train].max() < parsed[test].min()
    assert set(parsed[test]) == set(dates[-20:])


def test_time_split_with_numbers_and_datetimes():
    years = np.array([2005, 2001, 2010, 2003, 2008, 2002, 2009, 2004, 2006, 2007])
    train, test = time_split(years, test_size=0.3)
    assert sorted(years[test].tolist()) == [2008, 2009, 2010]
    stamps = pd.Series(pd.to_datetime(years.astype(str) + "-06-01"))
    train2, test2 = time_split(stamps, test_size=0.3)
    assert np.array_equal(test, test2) and np.array_equal(train, train2)


def test_time_split_rejects_unparseable_times():
    with pytest.raises(DataError, match="time column"):
        time_split(["2024-01-01", "soon", "2024-01-03", "2024-01-04"], test_size=0.25)


def test_group_split_keeps_groups_apart():
    rng = np.random.default_rng(0)
    groups = rng.choice([f"patient{i}" for i in range(20)], size=300)
    train, test = group_split(groups, test_size=0.25, random_state=0)
    assert _is_partition(train, test, len(groups))
    assert len(test) > 0 and len(train) > 0
    assert set(groups[train]).isdisjoint(groups[test])


def test_group_split_needs_two_groups():
    with pytest.raises(DataError, match="single group"):
        group_split(["g"] * 10, test_size=0.3)


def test_group_split_with_too_few_groups_for_the_test_size_raises_data_error():
    with pytest.raises(DataError):
        group_split(np.repeat(["a", "b"], 50), test_size=0.9, random_state=0)


SPLITS = {
    "random": lambda n, t: random_split(n, t, random_state=0),
    "stratified": lambda n, t: stratified_split(np.arange(n) % 2, t, random_state=0),
    "time": lambda n, t: time_split(np.arange(n), t),
    "group": lambda n, t: group_split(np.arange(n) % 5, t, random_state=0),
}


@pytest.mark.parametrize("kind", SPLITS)
@pytest.mark.parametrize("test_size", [0, 1, 0.0, 1.0, -0.2, 1.5])
def test_test_size_outside_zero_one_raises_data_error(kind, test_size):
    with pytest.raises(DataError, match="test_size"):
        SPLITS[kind](100, test_size)


@pytest.mark.parametrize("kind", SPLITS)
@pytest.mark.parametrize("n, test_size", [(2, 0.5), (3, 0.1), (10, 0.95)])
def test_too_few_rows_raise_data_error(kind, n, test_size):
    with pytest.raises(DataError, match="too few"):
        SPLITS[kind](n, test_size)
