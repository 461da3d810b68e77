"""The bad-input corpus: malformed inputs for every task, each with the error it must raise.

Every case writes its input with ``make(folder)`` (code, not committed blobs, so that each file's flaw
is visible here) and returns the DATA argument. ``cli`` is the command line, ``{data}`` standing for
that argument (the test adds ``--out``); ``api`` runs the same input through the Python API.

``error`` is the DeepmineError subclass both must raise, with ``message`` in its text. A case whose
``error`` is None is *documented handling*: the run succeeds and a DataWarning whose text holds
``message`` says what deepmine changed (a dropped column, dropped rows, skipped files).

Keep the runs cheap: every command names one or two fast traditional models, so that a case that
wrongly succeeds still finishes in about a second.
"""

from __future__ import annotations

import gzip
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

import pytest

from deepmine.errors import ColumnError, DataError, FileFormatError, TargetError


@dataclass
class Case:
    name: str
    make: Callable[[Path], str]  # writes the input into the folder; returns the DATA argument
    cli: list[str]  # the command line; "{data}" is replaced by the DATA argument, --out is added
    api: Callable[[str], object]  # the same input through the Python API
    error: type | None  # the DeepmineError subclass expected; None: documented handling (success + notice)
    message: str  # a substring of the error message (or of the notice, for documented handling)
    marks: tuple = field(default_factory=tuple)  # marks on both tests
    cli_marks: tuple = field(default_factory=tuple)  # marks on the CLI test only
    quoted_line_break: str = ""  # a line break the message may hold because it quotes the user's column name

    def args(self, data: str) -> list[str]:
        return [a.replace("{data}", data) for a in self.cli]


# ------------------------------------------------------------------------------------ makers


def text(content: str, name: str = "data.csv", encoding: str = "utf-8") -> Callable[[Path], str]:
    def make(folder: Path) -> str:
        path = folder / name
        path.write_text(content, encoding=encoding, newline="")
        return str(path)

    return make


def raw(content: bytes, name: str = "data.csv") -> Callable[[Path], str]:
    def make(folder: Path) -> str:
        path = folder / name
        path.write_bytes(content)
        return str(path)

    return make


def table(build: Callable[[], pd.DataFrame], name: str = "data.csv") -> Callable[[Path], str]:
    def make(folder: Path) -> str:
        path = folder / name
        frame = build()
        if name.endswith(".parquet"):
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        return str(path)

    return make


def good_rows(n: int = 40, seed: int = 0) -> pd.DataFrame:
    """A small learnable table: two numeric features, one categorical, a two-class target y."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    return pd.DataFrame({"a": a.round(3), "b": rng.normal(size=n).round(3),
                         "c": rng.choice(["red", "green", "blue"], n), "y": np.where(a > 0, "yes", "no")})


def good_csv() -> str:
    return good_rows().to_csv(index=False)


def with_column(name: str, values) -> Callable[[], pd.DataFrame]:
    def build() -> pd.DataFrame:
        frame = good_rows()
        frame.insert(0, name, values(len(frame)) if callable(values) else values)
        return frame

    return build


def sqlite_db(folder: Path) -> str:
    path = folder / "shop.db"
    with sqlite3.connect(path) as con:
        good_rows().to_sql("customers", con, index=False)
    con.close()
    return f"sqlite:///{path}"


def parquet_cut_in_half(folder: Path) -> str:
    path = folder / "data.parquet"
    good_rows(400).to_parquet(path, index=False)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return str(path)


def parquet_folder_with_csv(folder: Path) -> str:
    parts = folder / "parts"
    parts.mkdir()
    good_rows().to_parquet(parts / "part-0.parquet", index=False)
    (parts / "notes.csv").write_text("a,b\n1,2\n")
    return str(parts)


def many_levels(folder: Path) -> str:
    """A categorical column with 100,000 levels: one distinct code per row, so an identifier."""
    n = 100_000
    rng = np.random.default_rng(0)
    a = rng.normal(size=n)
    frame = pd.DataFrame({"code": [f"C{i:06d}" for i in rng.permutation(n)], "a": a.round(3),
                          "y": np.where(a > 0, "yes", "no")})
    path = folder / "levels.parquet"
    frame.to_parquet(path, index=False)
    return str(path)


def png_bytes(seed: int = 0, size: int = 8) -> bytes:
    import io

    from PIL import Image

    rng = np.random.default_rng(seed)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (size, size), dtype=np.uint8), mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def image_folder(extra: Callable[[Path], None]) -> Callable[[Path], str]:
    def make(folder: Path) -> str:
        root = folder / "images"
        for label in ("cats", "dogs"):
            (root / label).mkdir(parents=True)
            for i in range(6):
                (root / label / f"{i}.png").write_bytes(png_bytes(i + (10 if label == "dogs" else 0)))
        extra(root)
        return str(root)

    return make


def ratings(build: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], str]:
    def make(folder: Path) -> str:
        rng = np.random.default_rng(0)
        frame = pd.DataFrame({"user": rng.integers(0, 20, 300), "item": rng.integers(0, 30, 300),
                              "rating": rng.integers(1, 6, 300).astype(float)}).drop_duplicates(["user", "item"])
        path = folder / "ratings.csv"
        build(frame.reset_index(drop=True)).to_csv(path, index=False)
        return str(path)

    return make


def series(build: Callable[[pd.DataFrame], pd.DataFrame], n: int = 60) -> Callable[[Path], str]:
    def make(folder: Path) -> str:
        t = np.arange(n)
        frame = pd.DataFrame({"month": pd.date_range("2015-01-01", periods=n, freq="MS").strftime("%Y-%m-%d"),
                              "sales": (100 + 10 * np.sin(2 * np.pi * t / 12) + t).round(2)})
        path = folder / "sales.csv"
        build(frame).to_csv(path, index=False)
        return str(path)

    return make


def wide_series(build: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], str]:
    def make(folder: Path) -> str:
        rng = np.random.default_rng(0)
        rows = []
        for i in range(24):
            label = i % 2
            rows.append(np.sin(np.linspace(0, 6, 20) * (1 + label)) + rng.normal(0, 0.1, 20))
        frame = pd.DataFrame(np.round(rows, 3), columns=[f"t{j}" for j in range(20)])
        frame["label"] = ["a", "b"] * 12
        path = folder / "series.csv"
        build(frame).to_csv(path, index=False)
        return str(path)

    return make


def sensors(build: Callable[[pd.DataFrame], pd.DataFrame], n: int = 200) -> Callable[[Path], str]:
    """Two sensor channels with a 20-step cycle and a 0/1 anomaly label (steps 150-154 anomalous)."""
    def make(folder: Path) -> str:
        t = np.arange(n)
        frame = pd.DataFrame({"t": t, "temp": np.round(np.sin(2 * np.pi * t / 20), 3),
                              "vibration": np.round(np.cos(2 * np.pi * t / 20), 3),
                              "anomaly": ((t >= 150) & (t < 155)).astype(int)})
        path = folder / "sensors.csv"
        build(frame).to_csv(path, index=False)
        return str(path)

    return make


SENSORS = ["series", "detect", "{data}", "--time", "t", "--label", "anomaly", "--models", "isolation_forest"]


def edges(content: str) -> Callable[[Path], str]:
    return text(content, "edges.csv")


RING = "source,target\n" + "".join(f"n{i},n{(i + 1) % 12}\n" for i in range(12)) + "".join(
    f"n{i},n{(i + 4) % 12}\n" for i in range(12))

# ------------------------------------------------------------------------------ API shortcuts


def _compare(task: str, **kwargs):
    def call(data: str):
        import deepmine

        return deepmine.compare(task, data, **kwargs)

    return call


def classify(**kwargs):
    return _compare("classification", target=kwargs.pop("target", "y"),
                    models=kwargs.pop("models", "logistic_regression"), **kwargs)


def regress(**kwargs):
    return _compare("regression", target=kwargs.pop("target", "y"), models=kwargs.pop("models", "ridge"), **kwargs)


def read(**kwargs):
    def call(data: str):
        from deepmine.data import read_table

        return read_table(data, **kwargs)

    return call


CLASSIFY = ["classify", "{data}", "--target", "y", "--models", "logistic_regression"]
REGRESS = ["regress", "{data}", "--target", "y", "--models", "ridge"]
NUMERIC_Y = "a,b,y\n" + "".join(f"{i},{(i * 7) % 5},{i * 1.5 + (i % 3)}\n" for i in range(30))

# ----------------------------------------------------------------------------------- corpus

CASES: list[Case] = [
    # --- files that are no table at all
    Case("empty_file", raw(b""), CLASSIFY, classify(), FileFormatError, "is empty (0 bytes)"),
    Case("blank_lines_only", text("\n\n  \n\n"), CLASSIFY, classify(), FileFormatError, "no table"),
    Case("header_only", text("a,b,c,y\n"), CLASSIFY, classify(), DataError, "has no rows"),
    Case("binary_named_csv", raw(bytes(range(256)) * 8), CLASSIFY, classify(), FileFormatError, "binary data"),
    Case("png_named_csv", raw(b"\x89PNG\r\n\x1a\n" + bytes(200)), CLASSIFY, classify(), FileFormatError,
         "a PNG image"),
    Case("xlsx_workbook", raw(b"PK\x03\x04" + bytes(100), "data.xlsx"), CLASSIFY, classify(), FileFormatError,
         "spreadsheet workbook"),
    Case("sqlite_file_named_csv", lambda f: sqlite_db(f) and str((f / "shop.db").rename(f / "data.csv")),
         CLASSIFY, classify(),
         FileFormatError, "is an SQLite database"),
    Case("missing_file", lambda f: str(f / "nowhere.csv"), CLASSIFY, classify(), FileFormatError, "does not exist"),
    Case("unknown_extension_no_delimiter", text("just some words\nand more words\n", "notes.xyz"), CLASSIFY,
         classify(), FileFormatError, "has no column delimiter"),
    Case("gzip_that_is_not_gzip", raw(good_csv().encode(), "data.csv.gz"), CLASSIFY, classify(), FileFormatError,
         "cannot be decompressed"),
    Case("gzip_truncated", lambda f: (f / "data.csv.gz").write_bytes(gzip.compress(good_csv().encode())[:60])
         and str(f / "data.csv.gz"), CLASSIFY, classify(), FileFormatError, "cannot be decompressed"),
    Case("http_url", lambda f: "https://example.com/data.csv", CLASSIFY, classify(), DataError,
         "does not read from https://"),
    Case("unknown_dataset", lambda f: "dataset:no_such_data", CLASSIFY, classify(), DataError, "no_such_data"),
    # --- text that is a broken table
    Case("ragged_rows", text("a,b,y\n1,2,yes\n3,4,no,extra,more\n5,6,yes\n"), CLASSIFY, classify(),
         FileFormatError, "line 3 has 5 fields but the rows before it have 3"),
    Case("wrong_delimiter", text("a:b:y\n" + "".join(f"{i}:{i % 3}:{'yes' if i % 2 else 'no'}\n"
                                                     for i in range(30))),
         CLASSIFY, classify(), ColumnError, "columns are: a:b:y"),
    Case("target_in_brackets_not_a_column", text("[x],y\n1,a\n2,b\n"), CLASSIFY[:3] + ["[label]"] + CLASSIFY[4:],
         classify(target="[label]"), ColumnError, "target column '[label]' is not in the data; the columns are: [x], y",
         ),
    Case("column_named_like_a_closing_tag", text("[/],y\n1,a\n2,b\n"), CLASSIFY[:3] + ["z"] + CLASSIFY[4:],
         classify(target="z"), ColumnError, "the columns are: [/], y"),
    Case("column_name_with_a_line_break", text('"total\nsales",x\n1,a\n2,b\n'), CLASSIFY, classify(), ColumnError,
         "target column 'y' is not in the data", quoted_line_break="total\nsales"),
    Case("non_utf8_text", text("a,b,city,y\n" + "".join(f"{i},{i % 4},Zürich,{'yes' if i % 2 else 'no'}\n"
                                                         for i in range(30)), encoding="latin-1"),
         CLASSIFY, classify(), FileFormatError, "is not valid utf-8 text (byte 0xfc"),
    Case("duplicated_column_names", text("a,b,a,y\n1,2,3,yes\n4,5,6,no\n"), CLASSIFY, classify(), DataError,
         "more than one column named 'a'"),
    Case("duplicated_after_trimming", text("a, a ,y\n1,2,yes\n4,5,no\n"), CLASSIFY, classify(), DataError,
         "more than one column named 'a'"),
    Case("malformed_json", text('[{"a": 1, "y": "yes"}, {"a": 2, "y": ', "data.json"), CLASSIFY, classify(),
         FileFormatError, "is not a valid JSON table"),
    Case("jsonl_with_a_list_line", text('{"a": 1, "y": "yes"}\n[1, 2]\n', "data.jsonl"), CLASSIFY, classify(),
         FileFormatError, "line 2 is a JSON list"),
    Case("corrupt_parquet", raw(b"PAR1" + bytes(range(200)) + b"PAR1", "data.parquet"), CLASSIFY, classify(),
         FileFormatError, "cannot be read as parquet"),
    Case("truncated_parquet", parquet_cut_in_half, CLASSIFY, classify(), FileFormatError,
         "cannot be read as parquet"),
    Case("parquet_folder_with_a_csv", parquet_folder_with_csv, CLASSIFY, classify(), FileFormatError,
         "holds files that are not parquet (such as notes.csv)"),
    # --- databases
    Case("sql_missing_table", sqlite_db, CLASSIFY + ["--table", "orders"], classify(table="orders"), DataError,
         "has no table named 'orders' (its tables: customers)"),
    Case("sql_missing_database", lambda f: f"sqlite:///{f / 'missing.db'}", CLASSIFY + ["--table", "t"],
         classify(table="t"), FileFormatError, "missing.db does not exist"),
    Case("sql_url_without_table", sqlite_db, CLASSIFY, classify(), DataError, "exactly one of table= or query="),
    Case("sql_bad_query", sqlite_db, CLASSIFY + ["--query", "SELEC * FROM customers"],
         classify(query="SELEC * FROM customers"), DataError, "running the query"),
    # --- columns
    Case("all_missing_column", table(with_column("empty", np.nan)), CLASSIFY, classify(), None,
         "column 'empty' is entirely missing and was dropped"),
    Case("constant_column", table(with_column("country", "NL")), CLASSIFY, classify(), None,
         "column 'country' has the same value ('NL') in every row"),
    Case("all_features_constant", text("a,b,y\n" + "".join(f"1,x,{'yes' if i % 2 else 'no'}\n" for i in range(30))),
         CLASSIFY, classify(), ColumnError, "no feature columns are left"),
    Case("infinite_values", text("a,b,y\n" + "".join(f"{'inf' if i == 3 else i},{i % 5},{'yes' if i % 2 else 'no'}\n"
                                                      for i in range(30))),
         CLASSIFY, classify(), DataError, "column 'a' holds infinite values"),
    Case("mixed_types_in_one_column", table(with_column("size", lambda n: [str(i) if i % 10 else "big"
                                                                           for i in range(n)])),
         CLASSIFY, classify(), None, "column 'size' is mostly numbers but holds text such as 'big'"),
    Case("mixed_types_forced_numeric", table(with_column("size", lambda n: [str(i) if i % 10 else "big"
                                                                            for i in range(n)])),
         CLASSIFY + ["--role", "size=numeric"], classify(roles={"size": "numeric"}), DataError,
         "column 'size' should be numeric but holds values such as 'big'"),
    Case("categorical_with_100000_levels", many_levels, CLASSIFY, classify(), None,
         "column 'code' looks like an identifier"),
    Case("only_identifier_and_text_columns", table(lambda: pd.DataFrame(
        {"id": range(40), "y": ["yes", "no"] * 20})), CLASSIFY, classify(), ColumnError, "no feature columns are left"),
    Case("role_for_a_missing_column", text(good_csv()), CLASSIFY + ["--role", "zip=categorical"],
         classify(roles={"zip": "categorical"}), ColumnError, "a role was given for column 'zip'"),
    Case("unknown_role", text(good_csv()), CLASSIFY + ["--role", "a=numerical"], classify(roles={"a": "numerical"}),
         ColumnError, "unknown role 'numerical'"),
    Case("unparseable_dates", table(with_column("when", lambda n: ["2021-03-0%d" % (1 + i % 9) if i % 7 else "soon"
                                                                   for i in range(n)])),
         CLASSIFY + ["--time-column", "when"], classify(time_column="when"), DataError,
         "time column 'when' has 6 values that are not dates or numbers such as 'soon' in row 0"),
    Case("time_column_not_in_data", text(good_csv()), CLASSIFY + ["--time-column", "date"],
         classify(time_column="date"), ColumnError, "split column 'date' is not in the data"),
    # --- targets
    Case("target_not_a_column", text(good_csv()), CLASSIFY[:3] + ["label"] + CLASSIFY[4:], classify(target="label"),
         ColumnError, "target column 'label' is not in the data"),
    Case("target_with_one_class", text("a,b,y\n" + "".join(f"{i},{i % 3},yes\n" for i in range(30))), CLASSIFY,
         classify(), TargetError, "single class ('yes')"),
    Case("target_entirely_missing", text("a,b,y\n" + "".join(f"{i},{i % 3},\n" for i in range(30))), CLASSIFY,
         classify(), TargetError, "is entirely missing"),
    Case("target_with_missing_values", table(lambda: good_rows().assign(
        y=lambda d: d.y.where(d.index % 8 != 0))), CLASSIFY, classify(), None,
         "5 rows with a missing target 'y' were dropped"),
    Case("continuous_target_to_classify", text(NUMERIC_Y), CLASSIFY, classify(), TargetError, "looks continuous"),
    Case("text_target_to_regress", text(good_csv()), REGRESS, regress(), TargetError, "is not numeric (e.g. 'yes')"),
    Case("constant_target_to_regress", text("a,b,y\n" + "".join(f"{i},{i % 3},7\n" for i in range(30))), REGRESS,
         regress(), TargetError, "is constant"),
    Case("one_row", text("a,b,y\n1,2,yes\n"), CLASSIFY, classify(), TargetError, "single class"),
    Case("every_class_has_one_row", text("a,b,y\n1,2,w\n3,4,x\n5,6,y\n7,8,z\n"), CLASSIFY, classify(), DataError,
         "every class has too few rows to be both trained on and tested (4 rows in all)"),
    Case("two_rows", text("a,b,y\n1,2,yes\n3,4,no\n"), CLASSIFY, classify(), DataError,
         "2 rows are too few to hold out 25% for testing"),
    # --- unsupervised tables
    Case("cluster_text_only_table", table(lambda: pd.DataFrame({"note": [f"free text number {i} about things"
                                                                        for i in range(40)]})),
         ["cluster", "{data}", "--models", "kmeans", "--k", "2"], _compare("clustering", models="kmeans",
                                                                         options={"n_clusters": 2}),
         ColumnError, "no feature columns are left"),
    Case("detect_label_not_a_column", text(good_csv().replace(",y\n", ",z\n", 1)),
         ["detect", "{data}", "--models", "isolation_forest", "--label", "anomaly"],
         _compare("anomaly", models="isolation_forest", label="anomaly"), ColumnError,
         "label column 'anomaly' is not in the data"),
    # --- recommendation
    Case("ratings_with_missing_user_ids", ratings(lambda d: d.assign(user=d.user.astype(float).where(d.index % 9 != 0))),
         ["recommend", "{data}", "--user", "user", "--item", "item", "--rating", "rating", "--models", "popularity"],
         _compare("recommendation", user="user", item="item", target="rating", models="popularity"), DataError,
         "missing id(s); drop or fill those rows"),
    Case("ratings_not_numbers", ratings(lambda d: d.assign(rating=d.rating.astype(str).where(d.index % 5 != 0, "good"))),
         ["recommend", "{data}", "--user", "user", "--item", "item", "--rating", "rating", "--models", "popularity"],
         _compare("recommendation", user="user", item="item", target="rating", models="popularity"), DataError,
         "rating column 'rating' holds values that are not numbers"),
    Case("ratings_item_column_absent", ratings(lambda d: d),
         ["recommend", "{data}", "--user", "user", "--item", "movie", "--models", "popularity"],
         _compare("recommendation", user="user", item="movie", models="popularity"), ColumnError,
         "item column 'movie' is not in the data"),
    # --- time series
    Case("series_with_nans", series(lambda d: d.assign(sales=d.sales.where(d.index % 11 != 5))),
         ["series", "forecast", "{data}", "--time", "month", "--target", "sales", "--horizon", "3", "--models",
          "naive"], _compare("forecasting", target="sales", time_column="month", horizon=3, models="naive"),
         None, "5 missing values filled by linear interpolation"),
    Case("series_unparseable_time", series(lambda d: d.assign(month=d.month.where(d.index != 7, "someday"))),
         ["series", "forecast", "{data}", "--time", "month", "--target", "sales", "--horizon", "3", "--models",
          "naive"], _compare("forecasting", target="sales", time_column="month", horizon=3, models="naive"),
         DataError, "time column 'month' cannot be read as dates (such as 'someday' in row 7)"),
    Case("series_too_short_for_horizon", series(lambda d: d, n=5),
         ["series", "forecast", "{data}", "--time", "month", "--target", "sales", "--horizon", "12", "--models",
          "naive"], _compare("forecasting", target="sales", time_column="month", horizon=12, models="naive"),
         DataError, "need more than 38 points, the series has 5"),
    Case("series_classify_empty_series", wide_series(lambda d: d.assign(
        **{f"t{j}": lambda d, j=j: d[f"t{j}"].where(d.index != 3) for j in range(20)})),
         ["series", "classify", "{data}", "--label", "label", "--models", "knn_euclidean"],
         _compare("series_classification", target="label", models="knn_euclidean"), DataError,
         "has no values in channel 0"),
    # --- series anomalies
    Case("sensor_channel_of_text", sensors(lambda f: f.assign(status=["ok", "hot"] * (len(f) // 2))), SENSORS,
         _compare("series_anomaly", time_column="t", label="anomaly", models="isolation_forest"), DataError,
         "channel 'status' holds text (such as 'ok')"),
    Case("sensor_series_shorter_than_a_window", sensors(lambda f: f.assign(anomaly=(f.t == 5).astype(int)), n=12),
         SENSORS + ["--window", "20"],
         _compare("series_anomaly", time_column="t", label="anomaly", models="isolation_forest",
                  options={"window": 20}), DataError, "too short for windows of 20 steps"),
    Case("sensor_label_all_normal", sensors(lambda f: f.assign(anomaly=0)), SENSORS,
         _compare("series_anomaly", time_column="t", label="anomaly", models="isolation_forest"), TargetError,
         "the labels for evaluation in 'anomaly' are all normal (0)"),
    Case("sensor_train_until_past_the_end", sensors(lambda f: f), SENSORS + ["--train-until", "500"],
         _compare("series_anomaly", time_column="t", label="anomaly", models="isolation_forest", train_until=500),
         DataError, "must leave steps on both sides"),
    # --- images
    Case("image_folder_with_a_text_file", image_folder(lambda r: (r / "cats" / "README.txt").write_text("notes")),
         ["images", "classify", "{data}", "--models", "logistic_pixels"],
         _compare("image_classification", models="logistic_pixels"), None,
         "skipped 1 file(s) that are not images"),
    Case("image_that_is_text", image_folder(lambda r: (r / "dogs" / "broken.png").write_text("not an image")),
         ["images", "classify", "{data}", "--models", "logistic_pixels"],
         _compare("image_classification", models="logistic_pixels"), DataError, "could not read the image"),
    Case("image_folder_without_images", lambda f: (f / "images" / "cats").mkdir(parents=True) or str(f / "images"),
         ["images", "classify", "{data}", "--models", "logistic_pixels"],
         _compare("image_classification", models="logistic_pixels"), DataError, "holds no images"),
    # --- graphs
    Case("edges_without_endpoint_columns", edges("from,to,kind,since\na,b,x,1\nb,c,y,2\n"),
         ["graph", "communities", "{data}", "--models", "louvain"], _compare("communities", models="louvain"),
         ColumnError, "name the edge table's endpoint columns with source= and target="),
    Case("edges_source_column_absent", edges(RING),
         ["graph", "links", "{data}", "--source", "from", "--models", "jaccard"],
         _compare("link_prediction", source="from", models="jaccard"), ColumnError,
         "source column 'from' is not in the edge table"),
    Case("edges_with_missing_nodes", edges(RING + "n1,\n,n3\n"),
         ["graph", "communities", "{data}", "--models", "louvain"], _compare("communities", models="louvain"),
         None, "2 edge(s) with a missing 'source' or 'target' were dropped"),
    Case("edges_negative_weight", edges("source,target,weight\n" + "".join(
        f"n{i},n{(i + 1) % 12},{-1 if i == 4 else 1}\n" for i in range(12))),
         ["graph", "communities", "{data}", "--models", "louvain"], _compare("communities", models="louvain"),
         DataError, "weight column 'weight' holds 1 negative weight(s)"),
]
