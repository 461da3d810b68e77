"""Streaming training: preprocessing fitted in one pass, mini-batches through a shuffle buffer, fit_stream."""

import tracemalloc

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from deepmine.data.preprocess import TabularPreprocessor
from deepmine.data.stream import open_stream
from deepmine.data.stream_fit import fit_preprocessor_streaming
from deepmine.errors import ColumnError, DeepmineError
from deepmine.tabular import DeepClassifier, DeepRegressor
from deepmine.training.streaming import stream_batches

SETTINGS = dict(hidden=(64,), max_epochs=5, random_state=0, device="cpu")


@pytest.fixture(scope="module")
def files(churn, tmp_path_factory):
    folder = tmp_path_factory.mktemp("stream_training")
    train = churn.iloc[:4000]
    paths = {"parquet": folder / "train.parquet", "csv": folder / "train.csv", "all": folder / "all.parquet"}
    pq.write_table(pa.Table.from_pandas(train, preserve_index=False), paths["parquet"], row_group_size=500)
    pq.write_table(pa.Table.from_pandas(churn, preserve_index=False), paths["all"], row_group_size=500)
    train.to_csv(paths["csv"], index=False)
    return paths


def test_streamed_preprocessor_matches_in_memory(churn, files):
    stream = open_stream(files["all"], batch_rows=500)
    pre, info = fit_preprocessor_streaming(stream, "churn", sample_rows=1000)
    X = churn.drop(columns="churn")
    ref = TabularPreprocessor().fit(X)
    assert pre.roles_ == ref.roles_ and pre.categorical_ == ref.categorical_
    assert pre.categories_ == ref.categories_ and pre.indicators_ == ref.indicators_ == []
    a, b = pre.transform(X), ref.transform(X)
    k = ref.n_numeric_
    np.testing.assert_allclose(a[:, :k], b[:, :k], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(a[:, k:], b[:, k:])
    assert info["n_rows"] == len(churn)
    assert list(info["classes"]) == ["no", "yes"] and info["class_counts"].sum() == len(churn)
    # the state round trip (how models are saved) keeps transform
    np.testing.assert_array_equal(TabularPreprocessor.from_state(pre.state_dict()).transform(X), a)


def test_streamed_preprocessor_with_gaps(churn, tmp_path):
    frame = churn.copy()
    rng = np.random.default_rng(0)
    frame.loc[rng.random(len(frame)) < 0.1, "total_day_minutes"] = np.nan
    frame.loc[rng.random(len(frame)) < 0.1, "state"] = None
    path = tmp_path / "gaps.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=300)
    pre, _ = fit_preprocessor_streaming(open_stream(path, batch_rows=300), "churn")  # sample >= rows: exact median
    X = frame.drop(columns="churn")
    ref = TabularPreprocessor().fit(X)
    assert pre.indicators_ == ref.indicators_ != []
    np.testing.assert_allclose(pre.medians_, ref.medians_)
    np.testing.assert_allclose(pre.transform(X), ref.transform(X), rtol=0, atol=1e-5)


def test_stream_batches_emit_each_row_once_within_the_buffer(tmp_path):
    n = 5003
    frame = pd.DataFrame({"x": np.arange(n, dtype=float), "row": np.arange(n)})
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=700)
    stream = open_stream(path, batch_rows=700)
    pre = TabularPreprocessor(roles={"x": "numeric"}).fit(frame[["x"]])
    stats: dict = {}
    seen = []
    for xb, yb in stream_batches(stream, pre, "row", 64, 1000, np.random.default_rng(0), skip_through=2, stats=stats):
        assert len(xb) == len(yb) <= 64
        seen.append(yb.numpy())
    rows = np.concatenate(seen)
    assert sorted(rows.tolist()) == list(range(3, n))  # every row but the skipped ones, once
    assert not np.array_equal(rows, np.arange(3, n))  # shuffled
    assert stats["max_buffer_rows"] <= 1000 and stats["rows"] == n - 3


def test_fit_stream_matches_fit(churn, files, tmp_path):
    train, test = churn.iloc[:4000], churn.iloc[4000:]
    X_test, y_test = test.drop(columns="churn"), test["churn"]
    memory = DeepClassifier(**SETTINGS).fit(train.drop(columns="churn"), train["churn"])
    streamed = DeepClassifier(**SETTINGS).fit_stream(files["parquet"], "churn", batch_rows=500, buffer_rows=2000)
    acc_memory = (memory.predict(X_test) == y_test).mean()
    acc_stream = (streamed.predict(X_test) == y_test).mean()
    assert acc_stream >= acc_memory - 0.03, (acc_stream, acc_memory)
    assert list(streamed.classes_) == ["no", "yes"] and streamed.n_features_in_ == 19
    assert list(streamed.history_.columns) == list(memory.history_.columns)
    assert len(streamed.history_) == 5 and streamed.predict_proba(X_test).shape == (1000, 2)

    from deepmine.persist import load

    streamed.save(tmp_path / "model")
    loaded = load(tmp_path / "model")
    np.testing.assert_allclose(loaded.predict_proba(X_test), streamed.predict_proba(X_test), atol=1e-6)


def test_fit_stream_from_csv_and_regressor(churn, files):
    test = churn.iloc[4000:]
    model = DeepClassifier(**SETTINGS).fit_stream(str(files["csv"]), "churn", batch_rows=700, buffer_rows=1500)
    assert (model.predict(test.drop(columns="churn")) == test["churn"]).mean() > 0.8
    reg = DeepRegressor(hidden=(16,), max_epochs=10, random_state=0, device="cpu")
    reg.fit_stream(files["parquet"], "total_day_charge", batch_rows=500, buffer_rows=1000)
    assert abs(reg.y_mean_[0] - churn["total_day_charge"].iloc[:4000].mean()) < 1e-9
    pred = reg.predict(test.drop(columns="total_day_charge"))
    assert pred.shape == (1000,) and np.corrcoef(pred, test["total_day_charge"])[0, 1] > 0.6


def test_fit_stream_missing_target(files):
    with pytest.raises(ColumnError, match="'churned'"):
        DeepClassifier(**SETTINGS).fit_stream(files["parquet"], "churned")
    assert issubclass(ColumnError, DeepmineError)


def test_fit_stream_memory_is_bounded_by_the_buffer(tmp_path):
    n, rng = 300_000, np.random.default_rng(0)
    data = {f"x{i}": rng.normal(size=n) for i in range(8)}
    data["c"] = rng.choice(np.array(["a", "b", "c", "d"], dtype=object), n)
    data["y"] = (data["x0"] + data["x1"] > 0).astype(np.int64)
    path = tmp_path / "big.parquet"
    table = pa.table(data)
    table_bytes = pd.DataFrame(data).memory_usage(deep=True).sum()
    pq.write_table(table, path, row_group_size=20_000)
    del data, table

    from deepmine.training.streaming import fit_streaming

    stats: dict = {}
    settings = dict(hidden=(16,), max_epochs=1, batch_size=1024, random_state=0, device="cpu")
    # warm up first, so that modules imported on the first fit do not count
    fit_streaming(DeepClassifier(**settings), pd.read_parquet(path).head(3000), "y", batch_rows=1000, buffer_rows=1000)
    model = DeepClassifier(**settings)
    tracemalloc.start()
    try:
        fit_streaming(model, path, "y", batch_rows=16_384, buffer_rows=20_000, valid_rows=5_000, sample_rows=20_000,
                      stats=stats)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stats["max_buffer_rows"] <= 20_000
    assert stats["rows"] == n - 5_000  # every training row once in the epoch
    assert peak < table_bytes / 2, (peak, table_bytes)  # the buffer and a batch, not the table
    assert model.history_["valid_accuracy"].iloc[-1] > 0.9


def test_fit_stream_refuses_models_that_are_not_supervised_tables(files):
    from deepmine.anomaly.autoencoder import AutoencoderDetector
    from deepmine.errors import ParameterError

    with pytest.raises(ParameterError, match="fit_stream"):
        AutoencoderDetector().fit_stream(files["parquet"], "churn")


def test_batches_read_parquet_in_order_a_few_row_groups_at_a_time(churn, files):

    stream = open_stream(files["all"], batch_rows=400)  # row groups of 500: shards of about 1,600 rows
    frames = list(stream.batches())
    assert [len(f) for f in frames[:-1]] == [400] * (len(frames) - 1)  # full batches across the runs
    got = pd.concat(frames)
    pd.testing.assert_frame_equal(got, pd.concat(stream._read_batches()))  # the order one reader gives
    csv = open_stream(files["csv"], batch_rows=700)
    assert sum(len(f) for f in csv.batches()) == 4000
