"""Tests for role inference and the TabularPreprocessor, on real tables and made ones."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from deepmine.data.preprocess import TabularPreprocessor
from deepmine.data.roles import ROLES, infer_roles
from deepmine.datasets import load
from deepmine.errors import ColumnError, DataError, DataWarning


@pytest.fixture(scope="module")
def penguins():
    return load("penguins").frame


def _messages(record) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, DataWarning)]


@pytest.fixture
def mixed():
    """40 rows with one column of every kind the preprocessor has to recognise."""
    rng = np.random.default_rng(0)
    n = 40
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    x = rng.normal(10, 3, n)
    x[[2, 7]] = np.nan
    return pd.DataFrame({
        "row": np.arange(n),
        "customer_id": [f"C{i:04d}" for i in range(n)],
        "when": pd.date_range("2024-01-31", periods=n, freq="7D").strftime("%Y-%m-%d"),
        "note": [" ".join(rng.choice(words, 6)) + f" number {i}" for i in range(n)],
        "empty": [np.nan] * n,
        "x": x,
        "z": rng.normal(0, 5, n),
        "color": rng.choice(["red", "green", "blue"], n),
    })


# ----------------------------------------------------------------------------- roles


def test_roles_of_penguins(penguins):
    roles = infer_roles(penguins)
    for col in ("species", "island", "sex"):
        assert roles[col] == "categorical", col
    for col in ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"):
        assert roles[col] == "numeric", col
    assert set(roles.values()) <= set(ROLES)


def test_penguins_transform_to_the_expected_columns(penguins):
    X = penguins.drop(columns="species")
    out = TabularPreprocessor().fit_transform(X)
    names = list(TabularPreprocessor().fit(X).get_feature_names_out())
    assert out.shape == (len(X), len(names))
    # four measurements with gaps get indicators; year has none; island and sex are codes
    assert names == ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year",
                     "bill_length_mm_missing", "bill_depth_mm_missing", "flipper_length_mm_missing",
                     "body_mass_g_missing", "island", "sex"]
    assert np.isfinite(out).all()


@pytest.mark.filterwarnings("ignore::deepmine.errors.DataWarning")  # the other skipped columns' warnings
@pytest.mark.parametrize("column", ["row", "customer_id"])
def test_identifier_columns_are_skipped_with_a_warning(mixed, column):
    with pytest.warns(DataWarning, match=f"'{column}'.*identifier"):
        pre = TabularPreprocessor().fit(mixed)
    assert pre.roles_[column] == "id"
    assert column not in pre.get_feature_names_out()


def test_integer_customer_id_is_an_identifier():
    df = pd.DataFrame({"customer_id": np.random.default_rng(0).permutation(np.arange(1000, 1060) * 7),
                       "spend": np.linspace(0, 1, 60)})
    with pytest.warns(DataWarning, match="customer_id"):
        roles = infer_roles(df)
    assert roles == {"customer_id": "id", "spend": "numeric"}


def test_shuffled_row_counter_is_an_identifier():
    df = pd.DataFrame({"n": np.random.default_rng(1).permutation(30), "v": np.arange(30) % 4})
    with pytest.warns(DataWarning, match="'n'"):
        assert infer_roles(df)["n"] == "id"


def test_datetime_strings_are_expanded_into_parts(mixed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        pre = TabularPreprocessor(scale=False).fit(mixed)
    assert pre.roles_["when"] == "datetime"
    names = list(pre.get_feature_names_out())
    for part in ("year", "month", "day", "dayofweek"):
        assert f"when_{part}" in names
    assert "when" not in names
    out = pre.transform(mixed)
    first = {name: out[0, i] for i, name in enumerate(names)}
    # 2024-01-31 is a Wednesday (Monday = 0), day 31 of the year
    assert (first["when_year"], first["when_month"], first["when_day"]) == (2024, 1, 31)
    assert first["when_dayofweek"] == 2 and first["when_dayofyear"] == 31


def test_datetime_expansion_uses_no_deprecated_pandas_api(mixed):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        TabularPreprocessor().fit(mixed).transform(mixed)
    deprecations = [str(w.message) for w in record if issubclass(w.category, DeprecationWarning)]
    assert deprecations == []


@pytest.mark.filterwarnings("ignore::deepmine.errors.DataWarning")  # the other skipped columns' warnings
def test_free_text_is_text_and_skipped(mixed):
    with pytest.warns(DataWarning, match="'note'.*free text"):
        pre = TabularPreprocessor().fit(mixed)
    assert pre.roles_["note"] == "text"
    assert "note" not in pre.get_feature_names_out()


@pytest.mark.parametrize("empty", [[np.nan] * 40, [None] * 40])
def test_all_missing_column_is_dropped_with_a_warning(mixed, empty):
    mixed["empty"] = pd.Series(empty, dtype=object if empty[0] is None else float)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        pre = TabularPreprocessor().fit(mixed)
    assert pre.roles_["empty"] == "drop"
    assert any("'empty'" in m and "missing" in m for m in _messages(record))
    assert not any(name.startswith("empty") for name in pre.get_feature_names_out())


def test_every_skipped_column_gets_its_own_warning(mixed):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        TabularPreprocessor().fit(mixed)
    messages = _messages(record)
    for col in ("row", "customer_id", "note", "empty"):
        assert sum(f"'{col}'" in m for m in messages) == 1, col
    assert not any(f"'{col}'" in m for m in messages for col in ("x", "z", "color", "when"))


def test_explicit_roles_win(penguins):
    df = penguins.assign(rid=np.arange(len(penguins)))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        pre = TabularPreprocessor(roles={"year": "categorical", "rid": "numeric", "sex": "drop"}).fit(df)
    assert pre.roles_["year"] == "categorical"
    assert pre.roles_["rid"] == "numeric"
    assert pre.roles_["sex"] == "drop"
    assert _messages(record) == []  # an explicit role is not second-guessed
    assert pre.categorical_ == ["species", "island", "year"]
    assert pre.categories_[2] == ["2007", "2008", "2009"]
    assert "rid" in pre.numeric_ and "sex" not in pre.get_feature_names_out()


def test_unknown_role_raises_column_error(penguins):
    with pytest.raises(ColumnError, match="unknown role 'number'.*numeric"):
        TabularPreprocessor(roles={"year": "number"}).fit(penguins)


def test_role_for_a_missing_column_raises_column_error(penguins):
    with pytest.raises(ColumnError, match="'weight'"):
        TabularPreprocessor(roles={"weight": "numeric"}).fit(penguins)


# ----------------------------------------------------------------------------- numeric columns


def test_missing_indicator_only_for_columns_with_gaps_while_fitting(mixed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        pre = TabularPreprocessor().fit(mixed)
    names = list(pre.get_feature_names_out())
    assert "x_missing" in names and "z_missing" not in names
    out = pre.transform(mixed)
    ind = out[:, names.index("x_missing")]
    assert ind.tolist() == mixed["x"].isna().astype(float).tolist()

    # gaps in z at transform time: imputed with the median, no new column
    new = mixed.copy()
    new.loc[[0, 1], "z"] = np.nan
    out_new = pre.transform(new)
    assert out_new.shape == out.shape
    assert np.isfinite(out_new).all()
    z = names.index("z")
    assert out_new[0, z] == pytest.approx((np.nanmedian(mixed["z"]) - mixed["z"].mean()) / mixed["z"].std(ddof=0),
                                          abs=1e-5)


def test_output_is_float32_and_standardised(penguins):
    X = penguins.drop(columns="species")
    pre = TabularPreprocessor().fit(X)
    out = pre.transform(X)
    assert out.dtype == np.float32
    numeric = out[:, : len(pre.numeric_)]
    np.testing.assert_allclose(numeric.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(numeric.std(axis=0), 1, atol=1e-4)
    # standardising uses the training statistics: another table is not re-centred
    shifted = X.assign(body_mass_g=X["body_mass_g"] + 1000)
    col = pre.numeric_.index("body_mass_g")
    assert pre.transform(shifted)[:, col].mean() > 1


def test_scale_false_keeps_numbers(penguins):
    X = penguins[["bill_length_mm", "year"]].dropna()
    out = TabularPreprocessor(scale=False).fit_transform(X)
    np.testing.assert_allclose(out, X.to_numpy(), rtol=1e-6)


def test_numeric_role_column_holding_text_raises_data_error():
    df = pd.DataFrame({"price": ["1.5", "2", "three", "4"] * 5, "k": range(20)})
    with pytest.raises(DataError, match="'price'.*'three'"):
        TabularPreprocessor(roles={"price": "numeric"}).fit(df)


def test_text_in_a_numeric_column_at_transform_time_raises_data_error(penguins):
    X = penguins.drop(columns="species")
    pre = TabularPreprocessor().fit(X)
    bad = X.head(5).astype({"body_mass_g": object})
    bad.loc[bad.index[1], "body_mass_g"] = "heavy"
    with pytest.raises(DataError, match="'body_mass_g'"):
        pre.transform(bad)


def test_numbers_stored_as_strings_are_read_as_numbers():
    df = pd.DataFrame({"price": ["1.5", "2", None, "4"] * 5})
    out = TabularPreprocessor(roles={"price": "numeric"}, scale=False).fit_transform(df)
    assert out[:4, 0].tolist() == [1.5, 2.0, 2.0, 4.0]  # median 2 fills the gap
    assert out[:4, 1].tolist() == [0, 0, 1, 0]


@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_infinite_values_raise_data_error_naming_the_column(penguins, value):
    X = penguins.drop(columns="species")
    bad = X.copy()
    bad.loc[bad.index[3], "flipper_length_mm"] = value
    with pytest.raises(DataError, match="'flipper_length_mm'.*infinite"):
        TabularPreprocessor().fit(bad)
    pre = TabularPreprocessor().fit(X)
    with pytest.raises(DataError, match="'flipper_length_mm'.*infinite"):
        pre.transform(bad)


# ----------------------------------------------------------------------------- categorical columns


@pytest.fixture
def colors():
    return pd.DataFrame({"color": ["red"] * 5 + ["green"] * 4 + ["blue"] * 3 + ["mauve"] * 2,
                         "v": np.arange(14.0)})


def test_codes_unseen_and_rare_levels_map_to_zero(colors):
    pre = TabularPreprocessor(min_frequency=3).fit(colors)
    assert pre.categories_ == [["blue", "green", "red"]]  # mauve (2 rows) is below min_frequency
    assert pre.cardinalities_ == [4]
    new = pd.DataFrame({"color": ["red", "blue", "green", "mauve", "purple", None], "v": [0.0] * 6})
    codes = pre.transform(new)[:, -1]
    assert codes.tolist() == [3, 1, 2, 0, 0, 0]


def test_onehot_gives_a_column_per_level_plus_other(colors):
    pre = TabularPreprocessor(encoding="onehot", min_frequency=3).fit(colors)
    names = list(pre.get_feature_names_out())
    assert names == ["v", "color=<other>", "color=blue", "color=green", "color=red"]
    new = pd.DataFrame({"color": ["red", "purple", "mauve", "blue"], "v": [1.0] * 4})
    out = pre.transform(new)
    assert out.shape == (4, 5)
    onehot = out[:, 1:]
    assert (onehot.sum(axis=1) == 1).all()
    assert onehot.argmax(axis=1).tolist() == [3, 0, 0, 1]


def test_onehot_on_penguins(penguins):
    X = penguins.drop(columns="species")
    pre = TabularPreprocessor(encoding="onehot").fit(X)
    names = list(pre.get_feature_names_out())
    assert [n for n in names if n.startswith("island=")] == [
        "island=<other>", "island=Biscoe", "island=Dream", "island=Torgersen"]
    out = pre.transform(X)
    assert out.shape == (len(X), len(names))
    island = [i for i, n in enumerate(names) if n.startswith("island=")]
    assert (out[:, island].sum(axis=1) == 1).all()


def test_max_categories_keeps_the_most_frequent(colors):
    pre = TabularPreprocessor(min_frequency=1, max_categories=2).fit(colors)
    assert pre.categories_ == [["green", "red"]]


# ----------------------------------------------------------------------------- transform-time columns and state


def test_missing_column_at_transform_time_raises_column_error(penguins):
    X = penguins.drop(columns="species")
    pre = TabularPreprocessor().fit(X)
    with pytest.raises(ColumnError, match="'island'") as info:
        pre.transform(X.drop(columns="island"))
    assert isinstance(info.value, KeyError) and isinstance(info.value, DataError)
    # reordered and extra columns are fine
    shuffled = X[list(reversed(X.columns))].assign(extra=1)
    np.testing.assert_array_equal(pre.transform(shuffled), pre.transform(X))


@pytest.mark.parametrize("encoding", ["codes", "onehot"])
def test_state_dict_is_json_and_round_trips(penguins, mixed, encoding):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        for X, gaps in ((penguins.drop(columns="species"), ["island", "bill_depth_mm"]), (mixed, ["color", "z"])):
            pre = TabularPreprocessor(encoding=encoding, min_frequency=2).fit(X)
            state = pre.state_dict()
            text = json.dumps(state)  # plain JSON, no pickling
            again = TabularPreprocessor.from_state(json.loads(text))
            np.testing.assert_array_equal(again.transform(X), pre.transform(X))
            assert list(again.get_feature_names_out()) == list(pre.get_feature_names_out())
            new = X.head(3).copy()
            new.loc[new.index[0], gaps] = None  # gaps at transform time too
            np.testing.assert_array_equal(again.transform(new), pre.transform(new))


def test_feature_names_match_the_output_width(penguins, mixed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        for encoding in ("codes", "onehot"):
            for X in (penguins, mixed):
                pre = TabularPreprocessor(encoding=encoding).fit(X)
                assert pre.transform(X).shape[1] == len(pre.get_feature_names_out())


@pytest.mark.parametrize("encoding", ["codes", "onehot"])
def test_three_ways_of_finding_category_codes_agree(churn, encoding):
    # many rows of a string or category column: each distinct value looked up once (pd.factorize);
    # object columns: value by value through a pandas Index; a few rows: value by value through a dict
    frame = churn.drop(columns="churn").copy()
    pre = TabularPreprocessor(encoding=encoding).fit(frame.iloc[:3000])
    frame.loc[frame.index[::7], "state"] = None  # missing, which fitting never saw
    frame.loc[frame.index[3::7], "international_plan"] = "maybe"  # a level fitting never saw
    frame["area_code"] = frame["area_code"].astype("category")
    by_distinct = pre.transform(frame)
    as_object = frame.astype({c: object for c in pre.categorical_})
    np.testing.assert_array_equal(pre.transform(as_object), by_distinct)
    few = frame.iloc[:pre._FEW_ROWS]
    np.testing.assert_array_equal(pre.transform(few), by_distinct[:pre._FEW_ROWS])
    np.testing.assert_array_equal(np.vstack([pre.transform(frame.iloc[[i]]) for i in range(20)]), by_distinct[:20])
    if encoding == "codes":
        codes = by_distinct[:, pre.n_numeric_:]
        state, plan = pre.categorical_.index("state"), pre.categorical_.index("international_plan")
        assert (codes[::7, state] == 0).all() and (codes[3::7, plan] == 0).all()  # 0: not seen in fitting
        assert (codes[1::7, state] > 0).all() and (codes[1::7, plan] > 0).all()


def _awkward_columns(n=200):
    """Columns whose labels once depended on the batch: integer(-interval) categories beside missing values
    (pandas turns them into floats when converting to objects) and signed zeros (equal, printed apart)."""
    rng = np.random.default_rng(0)
    age = pd.Series(rng.uniform(0, 90, n))
    age[::10] = np.nan
    return pd.DataFrame({
        "band": pd.cut(age, [0, 30, 60, 90]),  # Interval[int64] categories
        "grade": pd.Categorical(rng.choice([1, 2, 3, None], size=n)),  # integer categories with gaps
        "zero": rng.choice([0.0, -0.0, 1.0], size=n),  # a float code column
        "flag": pd.array(rng.choice([True, False, None], size=n), dtype="boolean"),
        "x": rng.normal(size=n),
    })


def test_a_rows_code_does_not_depend_on_the_rest_of_its_batch():
    frame = _awkward_columns()
    roles = {"band": "categorical", "grade": "categorical", "zero": "categorical", "flag": "categorical"}
    pre = TabularPreprocessor(roles=roles, min_frequency=1).fit(frame)
    levels = dict(zip(pre.categorical_, pre.categories_))
    assert "(0, 30]" in levels["band"] and "1" in levels["grade"]  # the categories' own values, not 1.0
    assert {"0.0", "-0.0"} <= set(levels["zero"])
    whole = pre.transform(frame)
    one_by_one = np.vstack([pre.transform(frame.iloc[[i]]) for i in range(len(frame))])
    np.testing.assert_array_equal(whole, one_by_one)
    np.testing.assert_array_equal(pre.transform(frame.iloc[:pre._FEW_ROWS + 1]), whole[:pre._FEW_ROWS + 1])
    codes = whole[:, pre.n_numeric_:]
    present = frame[pre.categorical_].notna().to_numpy()
    assert (codes[present] > 0).all()  # every value seen in fitting has its own code, in every batch


@pytest.mark.parametrize("rows", [101, 100, 50_001])  # odd and even; 50,001 x 21 passes the thread pool's size
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_column_medians_are_numpys_exact_float64_medians(rows, dtype):
    from deepmine.data.preprocess import column_medians

    values = np.random.default_rng(rows).standard_normal((rows, 21)).astype(dtype)
    values[: rows // 2, 3] = 0.25  # ties at the middle
    expected = np.median(values.astype(np.float64), axis=0)
    before = values.copy()
    np.testing.assert_array_equal(column_medians(values), expected)
    np.testing.assert_array_equal(values, before)  # the caller's table is not reordered
    pre = TabularPreprocessor().fit(values)
    np.testing.assert_array_equal(pre.medians_, expected)
