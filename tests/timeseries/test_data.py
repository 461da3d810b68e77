"""Series in every form a user has them -> one panel; the bundled series datasets; compare's series input."""

import numpy as np
import pandas as pd
import pytest

import deepmine.datasets
from deepmine.errors import ColumnError, DataError, ParameterError, TargetError
from deepmine.evaluation.series import cases_and_labels
from deepmine.timeseries.data import SeriesPreprocessor, load_ts, series_list, to_panel


@pytest.fixture(scope="module")
def gunpoint():
    return deepmine.datasets.load("gunpoint").frame


def test_every_form_gives_the_same_panel(gunpoint):
    cases = gunpoint[gunpoint.case < 5]
    wide = cases.pivot(index="case", columns="t", values="value")
    arr3 = wide.to_numpy()[:, None, :]
    from_long = to_panel(series_list(cases.drop(columns=["label", "split"]), id_column="case", time_column="t"))
    for form in (arr3, wide.to_numpy(), list(wide.to_numpy()), wide.reset_index(drop=True)):
        np.testing.assert_allclose(to_panel(form), from_long, rtol=1e-6)
    assert from_long.shape == (5, 1, 150) and from_long.dtype == np.float32


def test_long_table_order_comes_from_the_time_column(gunpoint):
    cases = gunpoint[gunpoint.case < 3].drop(columns=["label", "split"])
    shuffled = cases.sample(frac=1.0, random_state=0)
    np.testing.assert_array_equal(to_panel(series_list(shuffled, "case", "t")),
                                  to_panel(series_list(cases, "case", "t")))


def test_z_normalisation_per_series_and_channel():
    rng = np.random.default_rng(0)
    X = rng.normal(5, 3, size=(4, 2, 30))
    Z = SeriesPreprocessor("series").fit_transform(X)
    np.testing.assert_allclose(Z.mean(axis=2), 0, atol=1e-5)
    np.testing.assert_allclose(Z.std(axis=2), 1, atol=1e-4)
    np.testing.assert_allclose(SeriesPreprocessor(None).fit_transform(X), X.astype(np.float32))
    flat = SeriesPreprocessor("series").fit_transform(np.ones((1, 1, 5)))  # a constant series stays finite
    assert np.isfinite(flat).all()


def test_unequal_lengths_are_resampled_to_the_longest_training_series():
    prep = SeriesPreprocessor(None).fit([np.arange(5.0), np.arange(9.0)])
    assert prep.length_ == 9
    out = prep.transform([np.arange(5.0), np.array([0.0, 8.0])])
    np.testing.assert_allclose(out[0, 0], np.linspace(0, 4, 9), atol=1e-6)  # a straight line stays straight
    np.testing.assert_allclose(out[1, 0], np.linspace(0, 8, 9), atol=1e-6)
    back = SeriesPreprocessor.from_state(prep.state_dict())
    np.testing.assert_array_equal(back.transform([np.arange(3.0)]), prep.transform([np.arange(3.0)]))


def test_gaps_inside_a_series_are_interpolated():
    out = to_panel(np.array([[1.0, np.nan, 3.0, np.nan]]))
    np.testing.assert_allclose(out[0, 0], [1, 2, 3, 3])
    with pytest.raises(DataError, match="series 1 has no values in channel 0"):
        to_panel(np.array([[1.0, 2.0], [np.nan, np.nan]]))


def test_bad_series_are_explained():
    with pytest.raises(DataError, match="got 4 dimension"):
        to_panel(np.zeros((2, 1, 3, 4)))
    with pytest.raises(DataError, match="different numbers of channels"):
        SeriesPreprocessor().fit([np.zeros((2, 5)), np.zeros((3, 5))])
    prep = SeriesPreprocessor().fit(np.zeros((3, 2, 10)))
    with pytest.raises(DataError, match="fitted on series with 2 channel"):
        prep.transform(np.zeros((3, 1, 10)))
    with pytest.raises(DataError, match="not numbers"):
        to_panel([["a", "b"]])
    with pytest.raises(ParameterError, match="normalize"):
        SeriesPreprocessor("global").fit(np.zeros((2, 5)))


def test_series_datasets_keep_the_official_splits(gunpoint):
    per_case = gunpoint.groupby("case").agg(split=("split", "first"), n=("t", "size"), label=("label", "first"))
    assert per_case.split.value_counts().to_dict() == {"test": 150, "train": 50}
    assert per_case.n.eq(150).all() and set(per_case.label) == {"1", "2"}
    motions = deepmine.datasets.load("basic_motions").frame
    X, y, split = cases_and_labels(motions, "label", id_column="case", time_column="t", split_column="split")
    assert X.shape == (80, 6, 100) and y.nunique() == 4 and (split == "train").sum() == 40
    airline = deepmine.datasets.load("airline").frame
    assert airline.month.iloc[0] == pd.Timestamp("1949-01-01") and len(airline) == 144
    co2 = deepmine.datasets.load("co2").frame
    assert co2.co2.isna().sum() == 59 and len(co2) == 2284


def test_cases_and_labels_wide_long_and_ts(gunpoint, tmp_path):
    long = gunpoint[gunpoint.case.isin([0, 1, 60, 61])]
    X, y, split = cases_and_labels(long.sample(frac=1, random_state=1), "label", "case", "t", "split")
    wide = long.pivot(index="case", columns="t", values="value")
    np.testing.assert_allclose(to_panel(X), to_panel(wide.to_numpy()))
    assert list(y) == list(long.groupby("case").label.first()) and list(split) == ["train"] * 2 + ["test"] * 2
    wide_frame = wide.assign(label=long.groupby("case").label.first())
    Xw, yw, sw = cases_and_labels(wide_frame, "label")
    assert to_panel(Xw).shape == (4, 1, 150) and sw is None and list(yw) == list(y)
    # a UCR .ts file, as the archive distributes it
    path = tmp_path / "tiny.ts"
    path.write_text("@problemName tiny\n@timeStamps false\n@univariate true\n@equalLength false\n"
                    "@classLabel true a b\n@data\n1.0,2.0,3.0:a\n4.0,5.0:b\n", encoding="utf-8")
    Xt, yt, _ = cases_and_labels(str(path), None)
    assert [c.shape for c in Xt] == [(1, 3), (1, 2)] and list(yt) == ["a", "b"]
    assert to_panel(load_ts(path)[0]).shape == (2, 1, 3)


def test_series_input_errors(gunpoint):
    long = gunpoint[gunpoint.case < 4]
    with pytest.raises(TargetError, match="needs the label column"):
        cases_and_labels(long, None, "case")
    with pytest.raises(ColumnError, match="id column 'series' is not in the data"):
        cases_and_labels(long, "label", "series")
    mixed = long.assign(label=np.where(long.t == 3, "x", long.label))
    with pytest.raises(DataError, match="more than one 'label'"):
        cases_and_labels(mixed, "label", "case", "t")
    with pytest.raises(ParameterError, match="pass id_column too"):
        cases_and_labels(long, "label", None, "t")
    with pytest.raises(DataError, match="no such file"):
        cases_and_labels("missing.ts", None)
