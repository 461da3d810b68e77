"""TableStream and the memory estimate on the churn table written as Parquet, CSV, JSON lines and SQLite.

Batches must concatenate to exactly read_table's frame: values, dtypes and index. The one known difference,
Parquet dictionary (category) columns getting each batch's own categories, does not arise here (churn's text
columns are plain strings).
"""

import os
import sqlite3
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from deepmine.data import read_table
from deepmine.data.memory import check_fits, estimate_memory, memory_budget, parse_size, peak_memory_mb
from deepmine.data.stream import TableStream, open_stream
from deepmine.errors import DataError, DeepmineError, FileFormatError, ParameterError


@pytest.fixture(scope="module")
def sources(churn, tmp_path_factory):
    folder = tmp_path_factory.mktemp("stream")
    paths = {}
    paths["parquet"] = folder / "churn.parquet"
    pq.write_table(pa.Table.from_pandas(churn, preserve_index=False), paths["parquet"], row_group_size=700)
    paths["folder"] = folder / "parts"
    paths["folder"].mkdir()
    for number, start in enumerate(range(0, len(churn), 1500)):
        part = churn.iloc[start:start + 1500]
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False), paths["folder"] / f"part-{number}.parquet",
                       row_group_size=600)
    paths["csv"] = folder / "churn.csv"
    churn.to_csv(paths["csv"], index=False)
    paths["jsonl"] = folder / "churn.jsonl"
    churn.to_json(paths["jsonl"], orient="records", lines=True)
    database = folder / "churn.db"
    with sqlite3.connect(database) as connection:
        churn.to_sql("churn", connection, index=False)
        connection.execute("CREATE TABLE other (x INTEGER)")
    paths["sqlite"] = f"sqlite:///{database}"
    return paths


def _stream(sources, kind, batch_rows=700, **kwargs):
    if kind == "sqlite":
        return TableStream(sources["sqlite"], table="churn", batch_rows=batch_rows, **kwargs)
    return TableStream(sources[kind], batch_rows=batch_rows, **kwargs)


def _expected(sources, kind):
    if kind == "sqlite":
        return read_table(sources["sqlite"], table="churn")
    return read_table(sources[kind])


KINDS = ["parquet", "folder", "csv", "jsonl", "sqlite"]


@pytest.mark.parametrize("kind", KINDS)
def test_batches_concatenate_to_read_table(sources, churn, kind):
    stream = _stream(sources, kind)
    expected = _expected(sources, kind)
    batches = list(stream.batches())
    assert [len(b) for b in batches] == [700] * 7 + [100]
    first = batches[0].dtypes
    assert all(b.dtypes.equals(first) and list(b.columns) == stream.columns for b in batches)
    pd.testing.assert_frame_equal(pd.concat(batches), expected)
    assert stream.columns == list(churn.columns)
    # a second pass is a fresh one
    assert sum(len(b) for b in stream.batches()) == len(churn)


@pytest.mark.parametrize("kind", KINDS)
def test_shards_are_disjoint_and_cover_all_rows(sources, kind):
    stream = _stream(sources, kind, batch_rows=300)
    whole = pd.concat(stream.batches(), ignore_index=True)
    shards = stream.shards(3)
    parts = [pd.concat(s.batches(), ignore_index=True) for s in shards]
    assert all(len(p) > 0 for p in parts) and sum(map(len, parts)) == len(whole)
    # the rows of the shards, together, are the table's rows, each once
    key = lambda frame: pd.util.hash_pandas_object(frame, index=False)  # noqa: E731
    together = pd.concat([key(p) for p in parts]).sort_values(ignore_index=True)
    assert together.equals(key(whole).sort_values(ignore_index=True))
    counts = [s.count_rows() for s in shards]
    if counts[0] is not None:
        assert counts == [len(p) for p in parts]


def test_count_rows_and_columns(sources, churn):
    assert _stream(sources, "parquet").count_rows() == len(churn)
    assert _stream(sources, "folder").count_rows() == len(churn)
    assert _stream(sources, "sqlite").count_rows() == len(churn)
    csv = _stream(sources, "csv")
    assert csv.count_rows() is None  # no cheap way for text
    list(csv.batches())
    assert csv.count_rows() == len(churn)
    query = TableStream(sources["sqlite"], query="SELECT state, churn FROM churn WHERE churn = 'yes'")
    assert query.columns == ["state", "churn"]
    assert query.count_rows() == int((churn.churn == "yes").sum())
    picked = _stream(sources, "parquet", columns=["churn", "state"])
    assert picked.columns == ["churn", "state"]
    frame = pd.concat(picked.batches())
    pd.testing.assert_frame_equal(frame, _expected(sources, "parquet")[["churn", "state"]])
    sql = pd.concat(_stream(sources, "sqlite", columns=["churn", "state"]).batches())
    pd.testing.assert_frame_equal(sql, _expected(sources, "sqlite")[["churn", "state"]])


def test_parquet_shards_follow_row_groups(sources):
    stream = _stream(sources, "parquet")
    shards = stream.shards(2)
    assert all(s._row_groups for s in shards)  # row groups, not batch modulo
    assert sum(s.count_rows() for s in shards) == 5000
    # more shards than row groups (8): batch index modulo n instead
    many = _stream(sources, "parquet", batch_rows=200).shards(20)
    assert all(s._row_groups is None for s in many)
    assert [s.count_rows() for s in many] == [sum(len(b) for b in s.batches()) for s in many]
    assert sum(s.count_rows() for s in many) == 5000


def test_text_dtypes_are_settled_over_all_batches(tmp_path):
    # a column that is whole numbers in the first batch but has a gap later, and one that turns into text
    path = tmp_path / "mixed.csv"
    path.write_text("a,b,c\n" + "1,2,True\n" * 5 + ",x,\n" + "3,007,False\n")
    batches = list(TableStream(path, batch_rows=2).batches())
    expected = read_table(path)
    assert all(b.dtypes.equals(expected.dtypes) for b in batches)
    pd.testing.assert_frame_equal(pd.concat(batches), expected)
    lines = tmp_path / "mixed.jsonl"
    lines.write_text('{"a": 1, "b": "x"}\n{"a": 2}\n{"a": null, "b": "y", "c": 1.5}\n')
    batches = list(TableStream(lines, batch_rows=1).batches())
    assert all(list(b.columns) == ["a", "b", "c"] and b.dtypes.equals(batches[0].dtypes) for b in batches)
    assert batches[0]["a"].dtype == np.float64


def test_errors_are_clear(sources, tmp_path):
    with pytest.raises(FileFormatError, match="does not exist"):
        open_stream(tmp_path / "nope.parquet")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(sources["parquet"].read_bytes()[:3000])
    with pytest.raises(FileFormatError, match="cannot be read as parquet"):
        open_stream(broken)
    with pytest.raises(DataError, match="exactly one of table= or query="):
        open_stream(sources["sqlite"])
    with pytest.raises(DataError, match=r"no table named 'churns' \(its tables: churn, other\)"):
        open_stream(sources["sqlite"], table="churns")
    document = tmp_path / "rows.json"
    document.write_text('[{"a": 1}, {"a": 2}]')
    with pytest.raises(FileFormatError, match="JSON lines"):
        open_stream(document)
    image = tmp_path / "picture.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(FileFormatError, match="PNG image"):
        open_stream(image)
    with pytest.raises(DeepmineError, match="no column 'nope'"):
        TableStream(sources["csv"], columns=["nope"]).columns
    for error in (FileFormatError, DataError):
        assert issubclass(error, DeepmineError)


@pytest.mark.parametrize("kind", ["parquet", "folder", "csv", "sqlite"])
def test_estimate_memory_is_within_a_factor_of_two(sources, kind):
    truth = _expected(sources, kind).memory_usage(deep=True).sum()
    table = "churn" if kind == "sqlite" else None
    estimate = estimate_memory(sources[kind], table=table)
    assert truth / 2 <= estimate <= truth * 2, (estimate, truth)


def test_estimate_memory_of_a_big_csv_reads_a_sample(tmp_path, churn):
    # larger than the sample, so the estimate scales it by the file's size
    path = tmp_path / "big.csv"
    big = pd.concat([churn] * 4, ignore_index=True)
    big.to_csv(path, index=False)
    truth = read_table(path).memory_usage(deep=True).sum()
    assert truth / 2 <= estimate_memory(path) <= truth * 2
    assert estimate_memory(big) == big.memory_usage(deep=True).sum()


def test_check_fits_and_the_budget(sources, monkeypatch):
    with pytest.raises(DataError, match="--stream"):
        check_fits(sources["parquet"], budget=1000)
    assert check_fits(sources["parquet"], budget="1GB") > 0
    monkeypatch.setenv("DEEPMINE_MEMORY_BUDGET", "1KB")
    assert memory_budget() == 1000
    with pytest.raises(DataError, match="DEEPMINE_MEMORY_BUDGET"):
        check_fits(sources["sqlite"], table="churn")
    monkeypatch.setenv("DEEPMINE_MEMORY_BUDGET", "lots")
    with pytest.raises(ParameterError, match="DEEPMINE_MEMORY_BUDGET"):
        memory_budget()
    monkeypatch.delenv("DEEPMINE_MEMORY_BUDGET")
    assert memory_budget() > 0


def test_parse_size():
    assert parse_size("1.5GB") == 1_500_000_000
    assert parse_size("512MB") == 512_000_000
    assert parse_size("2GiB") == 2 * 1024**3
    assert parse_size("4096") == 4096 and parse_size(4096) == 4096
    assert parse_size(" 10 kb ") == 10_000
    for bad in ("", "lots", "-1GB", "1.5XB"):
        with pytest.raises(ParameterError):
            parse_size(bad)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="VmHWM is Linux's")
def test_peak_memory_counts_the_process_and_not_its_parent():
    # the child's ru_maxrss would report what this process held when it forked: 1 GB and more
    ballast = np.ones(125_000_000)  # 1 GB, touched
    code = "import numpy as np; from deepmine.data.memory import peak_memory_mb as p; a = np.ones(12_500_000); print(p())"
    child = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    # its own 100 MB array plus the interpreter, numpy and deepmine's imports (about 270 MB), not the parent's 1 GB
    assert 100 < child < 700
    assert peak_memory_mb() > ballast.nbytes / 2**20
