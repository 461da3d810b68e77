"""Tests for read_table: every kind of source, and the errors a user meets."""

import gzip
import sqlite3
import sys

import pandas as pd
import pytest

from deepmine.data import read_table
from deepmine.errors import DataError, DeepmineError, FileFormatError, MissingDependencyError

PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a4e60000000049454e44ae426082"
)


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "id": [1, 2, 3],
            "city": ["Lyon", "Köln", "Zürich"],
            "price": [1.5, 2.25, None],
            "zip": ["02134", "10001", "8001"],
        }
    )


def test_dataframe_is_returned_as_is(frame):
    assert read_table(frame) is frame


def test_semicolon_csv_reads_with_the_right_columns(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("region;units;price\nnorth;3;1.5\nsouth;4;2.0\n", encoding="utf-8")
    df = read_table(path)
    assert list(df.columns) == ["region", "units", "price"]
    assert df["units"].tolist() == [3, 4]
    assert df["price"].tolist() == [1.5, 2.0]


def test_tsv_reads_with_tab_delimiter(tmp_path):
    path = tmp_path / "sales.tsv"
    path.write_text("region\tunits\nnorth\t3\nsouth\t4\n")
    df = read_table(str(path))
    assert list(df.columns) == ["region", "units"]
    assert df["region"].tolist() == ["north", "south"]


def test_pipe_delimited_txt(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text("a|b|c\n1|2|3\n4|5|6\n")
    assert list(read_table(path).columns) == ["a", "b", "c"]


def test_single_column_csv_falls_back_to_comma(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("value\n1\n2\n3\n")
    assert read_table(path)["value"].tolist() == [1, 2, 3]


def test_decimal_comma_in_semicolon_csv(tmp_path):
    path = tmp_path / "euro.csv"
    path.write_text("name;price;units\napple;1,5;3\npear;2,25;4\n")
    df = read_table(path)
    assert df["price"].tolist() == [1.5, 2.25]
    assert df["units"].tolist() == [3, 4]


def test_utf8_bom_does_not_reach_the_first_column_name(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("name,age\nAnna,31\n".encode("utf-8-sig"))
    assert list(read_table(path).columns) == ["name", "age"]
    assert list(read_table(path, encoding="utf-8").columns) == ["name", "age"]


def test_column_names_are_stripped(tmp_path):
    path = tmp_path / "spaces.csv"
    path.write_text(" a , b\n1,2\n")
    assert list(read_table(path).columns) == ["a", "b"]


def test_latin1_file_explains_the_encoding(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("name,city\nAnna,Köln\n".encode("latin-1"))
    with pytest.raises(FileFormatError, match='encoding="latin-1"') as info:
        read_table(path)
    assert "line 2" in str(info.value)
    assert "0xf6" in str(info.value)
    df = read_table(path, encoding="latin-1")
    assert df["city"].tolist() == ["Köln"]


def test_bad_byte_beyond_the_sniffed_sample_names_its_line(tmp_path):
    path = tmp_path / "late.csv"
    good = "".join(f"row{i},{i}\n" for i in range(20000))
    path.write_bytes(("name,n\n" + good).encode() + "Köln,1\n".encode("latin-1"))
    with pytest.raises(FileFormatError, match="line 20002") as info:
        read_table(path)
    assert 'encoding="latin-1"' in str(info.value)


def test_utf16_file_is_detected_by_its_bom(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes("a\tb\n1\t2\n".encode("utf-16"))
    assert read_table(path).to_dict("list") == {"a": [1], "b": [2]}


def test_gzipped_csv(tmp_path):
    path = tmp_path / "data.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("a;b\n1;2\n")
    assert read_table(path).to_dict("list") == {"a": [1], "b": [2]}


def test_parquet_round_trip(tmp_path, frame):
    path = tmp_path / "frame.parquet"
    frame.to_parquet(path)
    pd.testing.assert_frame_equal(read_table(path), frame)


def test_parquet_named_index_becomes_a_column(tmp_path, frame):
    path = tmp_path / "indexed.pq"
    frame.set_index("id").to_parquet(path)
    pd.testing.assert_frame_equal(read_table(path), frame)


def test_folder_of_parquet_files(tmp_path, frame):
    folder = tmp_path / "parts"
    folder.mkdir()
    frame.iloc[:2].to_parquet(folder / "part-0.parquet")
    frame.iloc[2:].to_parquet(folder / "part-1.parquet")
    (folder / "_SUCCESS").write_text("")
    df = read_table(folder)
    pd.testing.assert_frame_equal(df.sort_values("id").reset_index(drop=True), frame)


def test_folder_without_parquet_files(tmp_path):
    (tmp_path / "notes.csv").write_text("a\n1\n")
    with pytest.raises(FileFormatError, match="no .parquet files"):
        read_table(tmp_path)


def test_json_lines_round_trip(tmp_path, frame):
    path = tmp_path / "frame.jsonl"
    frame.to_json(path, orient="records", lines=True)
    df = read_table(path)
    pd.testing.assert_frame_equal(df, frame)
    assert df["zip"].tolist() == ["02134", "10001", "8001"]  # not turned into numbers


def test_json_records_array(tmp_path, frame):
    path = tmp_path / "frame.json"
    frame.to_json(path, orient="records")
    pd.testing.assert_frame_equal(read_table(path), frame)


def test_json_lines_in_a_json_file(tmp_path, frame):
    path = tmp_path / "frame.json"
    frame.to_json(path, orient="records", lines=True)
    pd.testing.assert_frame_equal(read_table(path), frame)


def test_json_columns_object(tmp_path):
    path = tmp_path / "columns.json"
    path.write_text('{"a": [1, 2], "b": ["x", "y"]}')
    assert read_table(path).to_dict("list") == {"a": [1, 2], "b": ["x", "y"]}


@pytest.fixture
def shop_db(tmp_path):
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as connection:
        pd.DataFrame({"id": [1, 2, 3], "total": [9.5, 20.0, 3.25]}).to_sql(
            "orders", connection, index=False
        )
        pd.DataFrame({"id": [1], "name": ["Anna"]}).to_sql("customers", connection, index=False)
    return path


def test_sqlite_table(shop_db):
    df = read_table(f"sqlite:///{shop_db}", table="orders")
    assert df.to_dict("list") == {"id": [1, 2, 3], "total": [9.5, 20.0, 3.25]}


def test_sqlite_query(shop_db):
    df = read_table(f"sqlite:///{shop_db}", query="SELECT id FROM orders WHERE total > 5")
    assert df["id"].tolist() == [1, 2]


def test_sqlite_query_with_a_colon_in_a_literal(shop_db):
    df = read_table(f"sqlite:///{shop_db}", query="SELECT '10:30' AS t FROM customers")
    assert df["t"].tolist() == ["10:30"]


def test_missing_sqlite_file_is_not_created(tmp_path):
    path = tmp_path / "typo.db"
    with pytest.raises(FileFormatError, match="does not exist"):
        read_table(f"sqlite:///{path}", table="orders")
    assert not path.exists()


def test_sql_without_sqlalchemy_names_the_extra(shop_db, monkeypatch):
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    with pytest.raises(MissingDependencyError, match=r"deepmine\[sql\]"):
        read_table(f"sqlite:///{shop_db}", table="orders")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        pytest.param({"table": "order"}, "no table named 'order'.*customers, orders",
                     id="missing-table-lists-the-tables"),
        pytest.param({}, "exactly one of table= or query=", id="neither-table-nor-query"),
        pytest.param({"table": "orders", "query": "SELECT 1"}, "exactly one of table= or query=",
                     id="both-table-and-query"),
        pytest.param({"query": "SELECT nope FROM orders"}, "running the query.*failed", id="bad-query"),
        pytest.param({"query": "SELECT * FROM orders WHERE id > 99"}, "has no rows", id="empty-query-result"),
    ],
)
def test_database_read_that_fails_is_a_data_error(shop_db, kwargs, match):
    with pytest.raises(DataError, match=match):
        read_table(f"sqlite:///{shop_db}", **kwargs)


def test_dataset_name():
    df = read_table("dataset:iris")
    assert df.shape == (150, 5)
    assert "species" in df.columns


@pytest.mark.parametrize(
    "source, match",
    [
        pytest.param("dataset:irises", "iris", id="unknown-dataset-name"),
        pytest.param("https://example.com/data.csv", "download the file", id="network-url"),
        pytest.param([1, 2, 3], "cannot read a table from a list", id="wrong-source-type"),
    ],
)
def test_source_that_is_refused(source, match):
    with pytest.raises(DataError, match=match):
        read_table(source)


def test_missing_path(tmp_path):
    with pytest.raises(FileFormatError, match="does not exist"):
        read_table(tmp_path / "nope.csv")


def test_unknown_extension_with_delimited_text_is_read(tmp_path):
    path = tmp_path / "export.data"
    path.write_text("a;b\n1;2\n3;4\n")
    assert list(read_table(path).columns) == ["a", "b"]


@pytest.mark.parametrize(
    "filename, content, error, match",
    [
        pytest.param("empty.csv", b"", FileFormatError, "is empty", id="empty-file"),
        pytest.param("blank.csv", "\n\n\n", FileFormatError, "no table", id="blank-lines-only"),
        pytest.param("header.csv", "a,b,c\n", DataError, "has no rows", id="header-without-rows"),
        pytest.param("dup.csv", "a,b,a\n1,2,3\n", DataError, "more than one column named 'a'",
                     id="duplicate-column-names"),
        pytest.param("dup.csv", "a, a\n1,2\n", DataError, "unique name",
                     id="columns-duplicated-only-after-stripping"),
        # a longer row must not silently turn the first column into the index
        pytest.param("ragged.csv", "a,b\n1,2,3\n4,5,6\n", FileFormatError, "more fields than its header",
                     id="rows-longer-than-the-header"),
        pytest.param("broken.parquet", b"PAR1 this is not really parquet", FileFormatError,
                     "cannot be read as parquet", id="unreadable-parquet"),
        pytest.param("broken.jsonl", '{"a": 1}\n{"a": 2}\n{"a": \n', FileFormatError,
                     "not valid JSON lines.*line 3", id="invalid-json-lines-names-the-line"),
        pytest.param("broken.json", '[{"a": 1}, {"a": 2},\n', FileFormatError,
                     "not a valid JSON table: .*line 2", id="invalid-json-document"),
        pytest.param("picture.csv", PNG_BYTES, FileFormatError, "not a table but a PNG image",
                     id="png-named-csv"),
        pytest.param("blob.bin", bytes(range(256)) * 8, FileFormatError, "not a table", id="binary-garbage"),
        pytest.param("readme.md", "# Notes\n\nThis folder holds the sales exports\n", FileFormatError,
                     "not a table", id="prose-with-unknown-extension"),
        pytest.param("book.xlsx", b"PK\x03\x04" + bytes(100), FileFormatError, "export the sheet as CSV",
                     id="excel-workbook"),
    ],
)
def test_file_that_is_not_a_usable_table(tmp_path, filename, content, error, match):
    path = tmp_path / filename
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(error, match=match):
        read_table(path)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        pytest.param({"encoding": "klingon"}, "not a known text encoding", id="unknown-encoding-name"),
        pytest.param({"table": "orders"}, "only applies to database URLs", id="table-argument-with-a-file"),
    ],
)
def test_good_file_with_a_bad_argument(tmp_path, kwargs, match):
    path = tmp_path / "a.csv"
    path.write_text("a\n1\n")
    with pytest.raises(DataError, match=match):
        read_table(path, **kwargs)


def test_every_error_is_a_deepmine_error(tmp_path):
    # the CLI relies on this to print a one-line message instead of a traceback
    for source in [tmp_path / "missing.csv", tmp_path]:
        with pytest.raises(DeepmineError):
            read_table(source)
