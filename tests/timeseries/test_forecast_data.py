"""as_regular_series / infer_season: a regular series from what a user has, and one-line errors for the rest."""

import warnings

import numpy as np
import pandas as pd
import pytest

from deepmine.errors import ColumnError, DataError, DataWarning
from deepmine.timeseries.forecast_data import as_regular_series, future_index, infer_season


def _airline():
    from aeon.datasets import load_airline

    return pd.Series(np.asarray(load_airline(), dtype=float),
                     index=pd.date_range("1949-01-01", periods=144, freq="MS"), name="passengers")


def _co2():
    import statsmodels.datasets.co2 as co2

    return co2.load_pandas().data["co2"]


def test_series_table_and_array_give_the_same_values():
    y = _airline()
    table = pd.DataFrame({"month": y.index.strftime("%Y-%m-%d"), "passengers": y.to_numpy(), "note": "x"})
    from_table = as_regular_series(table, time="month", target="passengers")
    assert from_table.index.freqstr == "MS" and from_table.equals(as_regular_series(y).rename("passengers"))
    plain = as_regular_series(y.to_numpy())
    assert isinstance(plain.index, pd.RangeIndex) and np.array_equal(plain.to_numpy(), y.to_numpy())


def test_co2_missing_values_are_interpolated_with_a_warning():
    raw = _co2()
    with pytest.warns(DataWarning, match="59 missing values filled by linear interpolation"):
        s = as_regular_series(raw)
    assert len(s) == 2284 and s.notna().all() and s.index.freqstr == "W-SAT"
    missing = raw.isna().to_numpy()
    isolated = [i for i in np.flatnonzero(missing) if not missing[i - 1] and not missing[i + 1]]
    assert isolated  # an isolated gap sits halfway between its neighbours
    i = isolated[0]
    assert s.iloc[i] == pytest.approx((raw.iloc[i - 1] + raw.iloc[i + 1]) / 2)


def test_dropped_timestamps_are_put_back_on_the_common_step():
    raw = _co2().iloc[:300]
    gappy = raw.dropna()  # the index now skips weeks: steps of 7, 14, ... days
    assert gappy.index.freq is None and len(gappy) < 300
    with pytest.warns(DataWarning, match=f"{300 - len(gappy)} missing time steps"):
        s = as_regular_series(gappy)
    assert len(s) == 300 and s.index.equals(pd.date_range(raw.index[0], periods=300, freq="W-SAT"))


def test_infer_season_and_future_index():
    y = as_regular_series(_airline())
    assert infer_season(y) == 12
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        assert infer_season(as_regular_series(_co2().iloc[:200])) == 52
    assert infer_season(pd.Series(range(10), index=pd.date_range("2020", periods=10, freq="D"))) == 7
    assert infer_season(pd.Series(range(10), index=pd.date_range("2020", periods=10, freq="h"))) == 24
    assert infer_season(pd.Series(range(10), index=pd.date_range("2020", periods=10, freq="QS"))) == 4
    assert infer_season(pd.Series(range(10))) == 1
    assert list(future_index(y, 2)) == [pd.Timestamp("1961-01-01"), pd.Timestamp("1961-02-01")]


@pytest.mark.parametrize("data, kwargs, message", [
    (pd.Series([1.0, 2, 3, 4], index=pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-02", "2020-01-03"])),
     {}, "timestamps occur more than once"),
    (pd.Series(["a", "b", "c", "d"]), {}, "non-numeric values"),
    ([1.0, 2.0], {}, "needs at least 3"),
    (pd.Series([1.0, 2, 3, 4], index=pd.to_datetime(["2020-01-01", "2020-01-03", "2020-01-06", "2020-01-13"])),
     {}, "no common step"),
    (np.ones((3, 4)), {}, "one-dimensional"),
])
def test_bad_input_is_a_one_line_data_error(data, kwargs, message):
    with pytest.raises(DataError, match=message) as info:
        as_regular_series(data, **kwargs)
    assert "\n" not in str(info.value)


def test_a_missing_column_is_named():
    table = pd.DataFrame({"t": pd.date_range("2020", periods=5, freq="D"), "v": range(5)})
    with pytest.raises(ColumnError, match="'value' is not in the table"):
        as_regular_series(table, time="t", target="value")
