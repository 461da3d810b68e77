"""Read a table from a DataFrame, a file, a parquet folder, a database or a dataset name."""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import json
import lzma
import os
import re
import warnings
from pathlib import Path

import pandas as pd

from deepmine.errors import DataError, FileFormatError, MissingDependencyError, require

__all__ = ["read_table"]

_SNIFF_BYTES = 64 * 1024
_DELIMITERS = ",;\t|"
_TEXT_SUFFIXES = {".csv", ".tsv", ".tab", ".txt", ".dat"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}
_JSON_LINES_SUFFIXES = {".jsonl", ".ndjson"}
_COMPRESSIONS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_COMMA_NUMBER = re.compile(r"^[-+]?\d+,\d+$")
_DOT_NUMBER = re.compile(r"^[-+]?\d+\.\d+$")
_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_FORMATS_HINT = "save it as .csv, .tsv, .parquet, .json or .jsonl"
# File signatures of common non-table files, so the user hears what the file actually is
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a zip archive (an Excel .xlsx workbook is one)",
    b"\xd0\xcf\x11\xe0": "an old Office document (such as an Excel .xls workbook)",
    b"\x7fELF": "a program",
}
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def read_table(source, table=None, query=None, *, encoding=None) -> pd.DataFrame:
    """Read `source` into a DataFrame.

    `source` is a DataFrame (returned as is); a path to a CSV/TSV/text, parquet, JSON or JSON
    lines file, or to a folder of parquet files; a SQLAlchemy database URL such as
    ``sqlite:///shop.db`` together with exactly one of `table` or `query`; or ``dataset:NAME``
    for one of `deepmine.datasets.available()`. `encoding` applies to text files and defaults to
    UTF-8 (a byte-order mark is honoured).
    """
    if isinstance(source, pd.DataFrame):
        _no_sql_arguments(table, query, "a DataFrame")
        return source
    if isinstance(source, str) and source.startswith("dataset:"):
        _no_sql_arguments(table, query, "a dataset name")
        from deepmine.datasets import load

        return load(source[len("dataset:"):]).frame
    if isinstance(source, str) and "://" in source:
        scheme = source.split("://", 1)[0].lower()
        if scheme == "file":
            source = source[len("file://"):]
        elif scheme in ("http", "https", "ftp", "s3", "gs"):
            raise DataError(
                f"deepmine does not read from {scheme}:// addresses ({source}); download the "
                f"file and pass its local path"
            )
        else:
            frame = _read_sql(source, table, query)
            return _tidy(frame, f"the result from {_hide_password(source)}")
    if not isinstance(source, (str, os.PathLike)):
        raise DataError(
            f"cannot read a table from a {type(source).__name__}; pass a DataFrame, a file path, "
            f"a database URL or 'dataset:NAME'"
        )
    _no_sql_arguments(table, query, "a file")
    if isinstance(source, str) and "\n" in source:
        raise DataError(
            "read_table was given text with line breaks instead of a path; write the text to a "
            "file and pass the file's path"
        )
    path = Path(source).expanduser()
    return _tidy(_read_path(path, encoding), str(path))


def _no_sql_arguments(table, query, what: str) -> None:
    if table is not None or query is not None:
        given = "table=" if table is not None else "query="
        raise DataError(
            f"{given} only applies to database URLs, not to {what}; drop it or pass a URL such "
            f"as 'sqlite:///shop.db'"
        )


# ---------------------------------------------------------------------------------- files


def check_exists(path: Path) -> None:
    """A FileFormatError naming ``path`` (and the folder a relative path is read from) when it does not exist."""
    try:
        exists = path.exists()
    except OSError:  # such as a name too long for the file system
        exists = False
    if not exists:
        shown = str(path) if len(str(path)) <= 200 else str(path)[:200] + "..."
        hint = "" if path.is_absolute() else f" (relative to the current folder {Path.cwd()})"
        raise FileFormatError(f"{shown} does not exist{hint}; check the path and its spelling")


def _read_path(path: Path, encoding) -> pd.DataFrame:
    check_exists(path)
    if path.is_dir():
        return _read_parquet_folder(path)
    if path.stat().st_size == 0:
        raise FileFormatError(f"{path} is empty (0 bytes); pass a file that holds a table")

    suffixes = [s.lower() for s in path.suffixes]
    compression = suffixes[-1] if suffixes and suffixes[-1] in _COMPRESSIONS else None
    suffix = (suffixes[-2] if len(suffixes) > 1 else "") if compression else path.suffix.lower()

    head = _head_bytes(path, compression)
    if not head:
        raise FileFormatError(f"{path} is empty once decompressed; pass a file that holds a table")
    if suffix in _PARQUET_SUFFIXES or (head.startswith(b"PAR1") and not compression):
        return _read_parquet(path)
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        raise FileFormatError(
            f"{path} is a spreadsheet workbook, which deepmine does not read; export the sheet "
            f"as CSV and pass that file"
        )

    encoding = _resolve_encoding(head, encoding)
    _reject_binary(path, head, encoding)
    sample = _decode_sample(path, head, encoding)
    if len(head) >= _SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rfind("\n") + 1]  # the last line of a cut sample is incomplete

    if suffix in _JSON_LINES_SUFFIXES:
        return _read_json(path, encoding, lines_only=True)
    if suffix == ".json":
        return _read_json(path, encoding, lines_only=False)
    if suffix not in _TEXT_SUFFIXES:
        # no known extension: go by the content
        if sample.lstrip()[:1] in ("{", "["):
            return _read_json(path, encoding, lines_only=False)
        if _sniff_delimiter(sample) is None:
            raise FileFormatError(
                f"{path} is not a table: its extension '{path.suffix}' is unknown and its text "
                f"has no column delimiter; {_FORMATS_HINT}"
            )
    default = "\t" if suffix in (".tsv", ".tab") else ","
    return _read_delimited(path, sample, encoding, default)


def _head_bytes(path: Path, compression) -> bytes:
    try:
        if compression:
            with _COMPRESSIONS[compression](path, "rb") as handle:
                return handle.read(_SNIFF_BYTES)
        with open(path, "rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except PermissionError as exc:
        raise FileFormatError(
            f"{path} cannot be opened (permission denied); make it readable or copy it somewhere "
            f"you can read"
        ) from exc
    except (OSError, EOFError, lzma.LZMAError) as exc:
        if not compression:
            raise FileFormatError(
                f"{path} cannot be read ({exc}); check that the file is reachable and complete"
            ) from exc
        raise FileFormatError(
            f"{path} cannot be decompressed ({exc}); check that the file is complete and that "
            f"its extension matches its compression"
        ) from exc


def _resolve_encoding(head: bytes, encoding) -> str:
    if encoding is None:
        for bom, name in _BOMS:
            if head.startswith(bom):
                return name
        return "utf-8-sig"
    try:
        canonical = codecs.lookup(encoding).name
    except LookupError as exc:
        raise DataError(
            f"{encoding!r} is not a known text encoding; pass a name such as 'utf-8', "
            f"'latin-1' or 'cp1252'"
        ) from exc
    # utf-8-sig reads plain UTF-8 too, and keeps a byte-order mark out of the first column name
    return "utf-8-sig" if canonical == "utf-8" else encoding


def _reject_binary(path: Path, head: bytes, encoding: str) -> None:
    if head.startswith(b"SQLite format 3\x00"):
        raise FileFormatError(
            f"{path} is an SQLite database, not a table file; pass the URL "
            f"'sqlite:///{path}' with table= or query="
        )
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise FileFormatError(f"{path} is not a table but {what}; {_FORMATS_HINT}")
    if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        return  # these encodings are full of NUL bytes by design
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f\v\x1b")
    if b"\x00" in head or controls > 2 + len(head) // 100:
        raise FileFormatError(
            f"{path} is not a table: it holds binary data rather than text; {_FORMATS_HINT}"
        )


def _decode_sample(path: Path, head: bytes, encoding: str) -> str:
    # an incremental decoder tolerates a character cut in half at the end of the sample
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        return decoder.decode(head, final=len(head) < _SNIFF_BYTES)
    except UnicodeDecodeError as exc:
        raise _encoding_error(path, head, encoding, exc) from exc


def _encoding_error(path: Path, data: bytes, encoding: str, exc: UnicodeDecodeError):
    line = data.count(b"\n", 0, exc.start) + 1
    byte = data[exc.start : exc.start + 1].hex()
    name = "utf-8" if encoding == "utf-8-sig" else encoding
    suggestion = 'encoding="latin-1"' if name != "latin-1" else 'encoding="utf-8"'
    return FileFormatError(
        f"{path} is not valid {name} text (byte 0x{byte} at offset {exc.start}, line {line}); "
        f"pass the file's encoding, for example read_table(..., {suggestion}) or "
        f'encoding="cp1252"'
    )


def _locate_encoding_error(path: Path, encoding: str, exc: UnicodeDecodeError):
    # pandas decodes in chunks, so its offsets are relative; decode the whole file to find the
    # real position (only on this failure path, where the cost does not matter)
    try:
        if path.suffix.lower() in _COMPRESSIONS:
            with _COMPRESSIONS[path.suffix.lower()](path, "rb") as handle:
                data = handle.read()
        else:
            data = path.read_bytes()
        data.decode(encoding)
    except UnicodeDecodeError as located:
        return _encoding_error(path, data, encoding, located)
    except OSError:
        pass
    return _encoding_error(path, exc.object, encoding, exc)  # offsets within pandas' chunk


def _sniff_delimiter(sample: str):
    # the Sniffer's cost grows with the text, and 200 lines show the pattern well enough
    text = "\n".join(sample.splitlines()[:200])
    try:
        return csv.Sniffer().sniff(text, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return None


def _read_delimited(path: Path, sample: str, encoding: str, default: str) -> pd.DataFrame:
    delimiter = _sniff_delimiter(sample) or default
    # pandas would silently rename a repeated column to 'name.1', so check the header itself;
    # like pandas, skip blank lines before it
    try:
        rows = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        header = next((row for row in rows if any(cell.strip() for cell in row)), [])
    except csv.Error:  # such as a lone carriage return inside a field; pandas names the problem below
        header = next((line.split(delimiter) for line in sample.splitlines() if line.strip()), [])
    _reject_duplicates([cell.strip() for cell in header], str(path))
    decimal = "," if delimiter == ";" and _uses_decimal_comma(sample) else "."
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                path,
                sep=delimiter,
                decimal=decimal,
                encoding=encoding,
                index_col=False,
                # one pass over the file, so a column gets one dtype, not one per chunk
                low_memory=False,
            )
    except UnicodeDecodeError as exc:
        raise _locate_encoding_error(path, encoding, exc) from exc
    except pd.errors.EmptyDataError as exc:
        raise FileFormatError(
            f"{path} holds no table (only blank lines); pass a file with a header row and data"
        ) from exc
    except pd.errors.ParserWarning as exc:
        raise FileFormatError(
            f"{path} has rows with more fields than its header has columns; fix the header or "
            f"the rows, or check that {_name_delimiter(delimiter)} is the right delimiter"
        ) from exc
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        ragged = _RAGGED.search(detail)
        if ragged:
            expected, line, seen = ragged.groups()
            raise FileFormatError(
                f"{path} line {line} has {seen} fields but the rows before it have {expected}; fix that row "
                f"(quote values that hold {_name_delimiter(delimiter)}s) or check that "
                f"{_name_delimiter(delimiter)} is the right delimiter"
            ) from exc
        raise FileFormatError(
            f"{path} cannot be read as {_name_delimiter(delimiter)}-delimited text ({detail}); "
            f"fix the row named or {_FORMATS_HINT}"
        ) from exc


def _uses_decimal_comma(sample: str) -> bool:
    # spreadsheets in many European locales write 1,5 for 1.5 and so separate fields with ';'
    comma = dot = 0
    try:
        for row in csv.reader(io.StringIO(sample, newline=""), delimiter=";"):
            for cell in row:
                cell = cell.strip()
                comma += bool(_COMMA_NUMBER.match(cell))
                dot += bool(_DOT_NUMBER.match(cell))
    except csv.Error:
        return False
    return comma > 0 and dot == 0


def _name_delimiter(delimiter: str) -> str:
    names = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}
    return names.get(delimiter, repr(delimiter))


def _read_json(path: Path, encoding: str, lines_only: bool) -> pd.DataFrame:
    try:
        if path.suffix.lower() in _COMPRESSIONS:
            with _COMPRESSIONS[path.suffix.lower()](path, "rb") as handle:
                text = handle.read().decode(encoding)
        else:
            text = path.read_text(encoding=encoding)
    except UnicodeDecodeError as exc:
        raise _locate_encoding_error(path, encoding, exc) from exc
    stripped = text.strip()
    if not stripped:
        raise FileFormatError(f"{path} holds only blank space; pass a file that holds a table")

    if lines_only:
        attempts = [True]
        # pandas would make a table of a line holding [1, 2]; a table's lines are objects
        if any(line.lstrip()[:1] not in ("{", "") for line in text.splitlines()):
            attempts = []
    elif stripped[0] not in ("{", "["):
        attempts = []  # a lone number or string is no table
    elif stripped[0] == "[" or "\n" not in stripped:
        # an array is a document; so is an object on one line ({"a": [1, 2]} is two rows)
        attempts = [False] if stripped[0] == "[" else [False, True]
    else:
        attempts = [True, False]
    for lines in attempts:
        try:
            # dtype=False keeps JSON's own types: the default would turn the string "02134"
            # into the number 2134
            frame = pd.read_json(io.StringIO(text), lines=lines, dtype=False)
        except (ValueError, TypeError):
            continue
        if isinstance(frame, pd.DataFrame):
            return frame
    what = "valid JSON lines (one object per line)" if lines_only else "a valid JSON table"
    raise FileFormatError(
        f"{path} is not {what}: {_json_problem(text, lines_only)}; fix the file or "
        f"{_FORMATS_HINT}"
    )


def _json_problem(text: str, lines: bool) -> str:
    # pandas' JSON errors name no line, so ask the json module where the problem is
    if not lines:
        # a file whose first line is an object by itself is JSON lines, whatever its name
        first = next(line for line in text.splitlines() if line.strip())
        try:
            lines = isinstance(json.loads(first), dict)
        except json.JSONDecodeError:
            lines = False
    number = 0
    try:
        if lines:
            for number, line in enumerate(text.splitlines(), start=1):
                if line.strip():
                    value = json.loads(line)
                    if not isinstance(value, dict):
                        return f"line {number} is a JSON {type(value).__name__}, not an object"
        else:
            value = json.loads(text)
            if not isinstance(value, (dict, list)):
                return f"it holds a single JSON {type(value).__name__}, not records"
    except json.JSONDecodeError as exc:
        line = number if lines else exc.lineno
        return f"{exc.msg} at line {line}, column {exc.colno}"
    return "its values do not form a table of records"


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except ImportError as exc:
        raise MissingDependencyError(
            "reading parquet needs the 'pyarrow' package; install it with `pip install pyarrow`"
        ) from exc
    except MemoryError:
        raise
    except Exception as exc:  # pyarrow raises many types (ArrowInvalid, OSError, ...)
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FileFormatError(
            f"{path} cannot be read as parquet ({detail}); check that the file is complete and "
            f"really parquet, or {_FORMATS_HINT}"
        ) from exc


def _read_parquet_folder(path: Path) -> pd.DataFrame:
    files = [
        f
        for f in path.rglob("*")
        if f.is_file()
        and f.suffix.lower() in _PARQUET_SUFFIXES
        and not any(part.startswith((".", "_")) for part in f.relative_to(path).parts)
    ]
    if not files:
        raise FileFormatError(
            f"{path} is a folder with no .parquet files in it; pass a file, or a folder of "
            f"parquet files"
        )
    others = [
        f
        for f in path.rglob("*")
        if f.is_file()
        and f.suffix.lower() not in _PARQUET_SUFFIXES
        and not any(part.startswith((".", "_")) for part in f.relative_to(path).parts)
    ]
    if others:
        # pyarrow would try to read every file in the folder as parquet
        raise FileFormatError(
            f"{path} holds files that are not parquet (such as {others[0].name}); move them out "
            f"of the folder or pass the parquet files' folder alone"
        )
    return _read_parquet(path)


# ------------------------------------------------------------------------------- databases


def _hide_password(url: str) -> str:
    try:
        sqlalchemy = require("sqlalchemy", "sql")
        parsed = sqlalchemy.engine.make_url(url)
        return url if parsed.password is None else parsed.render_as_string(hide_password=True)
    except Exception:
        return url.split("://", 1)[0] + "://..."


def sql_engine(url: str):
    """A SQLAlchemy engine for ``url``, or a one-line error: an invalid URL, a SQLite file that does
    not exist, an unknown dialect, a missing driver."""
    sqlalchemy = require("sqlalchemy", "sql")
    from sqlalchemy import exc as sa_exc

    shown = _hide_password(url)
    try:
        parsed = sqlalchemy.engine.make_url(url)
    except sa_exc.ArgumentError as exc:
        raise DataError(
            f"{url!r} is not a valid database URL; write it as dialect://user:password@host/db, "
            f"for example 'sqlite:///shop.db'"
        ) from exc
    database = parsed.database
    if (
        parsed.get_backend_name() == "sqlite"
        and database not in (None, "", ":memory:")
        and not database.startswith("file:")
        and not Path(database).expanduser().exists()
    ):
        # SQLite would otherwise create an empty database file at the mistyped path
        raise FileFormatError(
            f"the SQLite database {database} does not exist; check the path in {shown} "
            f"(sqlite:///relative.db or sqlite:////absolute/path.db)"
        )
    try:
        return sqlalchemy.create_engine(parsed)
    except sa_exc.NoSuchModuleError as exc:
        raise DataError(
            f"{shown} names an unknown database kind '{parsed.drivername}'; use a SQLAlchemy "
            f"dialect such as sqlite, postgresql or mysql"
        ) from exc
    except ImportError as exc:
        driver = getattr(exc, "name", None) or parsed.drivername
        raise MissingDependencyError(
            f"{shown} needs the database driver '{driver}'; install it with `pip install {driver}`"
        ) from exc


def sql_error(exc, table, shown: str) -> DataError:
    """A database's own error as a one-line DataError (pandas wraps the SQLAlchemy error, whose
    ``.orig`` holds the database's words)."""
    from sqlalchemy import exc as sa_exc

    cause = exc if isinstance(exc, sa_exc.SQLAlchemyError) else exc.__cause__ or exc
    detail = str(getattr(cause, "orig", None) or cause).strip().splitlines()[0]
    doing = f"reading table {table!r}" if table is not None else "running the query"
    return DataError(f"{doing} on {shown} failed ({detail}); check the connection details and the SQL")


def sql_table_name(sqlalchemy, connection, table: str, shown: str) -> tuple[str | None, str]:
    """``(schema, name)`` of ``table`` as the database spells it; a DataError naming the tables if absent."""
    schema, _, name = table.rpartition(".")
    schema = schema or None
    inspector = sqlalchemy.inspect(connection)
    existing = inspector.get_table_names(schema=schema) + inspector.get_view_names(schema=schema)
    if name not in existing:
        matches = [t for t in existing if t.lower() == name.lower()]
        if matches:
            name = matches[0]
        else:
            listed = ", ".join(sorted(existing)) if existing else "none"
            raise DataError(
                f"{shown} has no table named {table!r} (its tables: {listed}); pass one of those "
                f"as table="
            )
    return schema, name


def _read_sql(url: str, table, query) -> pd.DataFrame:
    if (table is None) == (query is None):
        raise DataError(
            "a database URL needs exactly one of table= or query=; pass table='name' to read a "
            "whole table or query='SELECT ...' to read a query's result"
        )
    sqlalchemy = require("sqlalchemy", "sql")
    from sqlalchemy import exc as sa_exc

    shown = _hide_password(url)
    engine = sql_engine(url)
    try:
        with engine.connect() as connection:
            if table is not None:
                schema, name = sql_table_name(sqlalchemy, connection, str(table), shown)
                return pd.read_sql_table(name, connection, schema=schema)
            # a plain string goes to the driver untouched; text() would take ':30' in
            # '10:30' for a bound parameter
            return pd.read_sql_query(str(query), connection)
    except DataError:
        raise
    except (sa_exc.SQLAlchemyError, pd.errors.DatabaseError) as exc:
        raise sql_error(exc, table, shown) from exc
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------- results


def _tidy(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    # a named index (a parquet file written from a frame indexed by 'id') is data; an unnamed
    # one is only row numbers, which should count from 0 like any other table's
    names = [name for name in frame.index.names if name is not None]
    frame = frame.reset_index(drop=not names or any(n in frame.columns for n in names))
    frame.columns = [str(column).strip() for column in frame.columns]
    _reject_duplicates(list(frame.columns), where)
    if frame.shape[1] == 0:
        raise DataError(f"{where} has no columns; pass a table with at least one column")
    if frame.shape[0] == 0:
        raise DataError(
            f"{where} has no rows (only column names: {', '.join(map(str, frame.columns[:8]))}"
            f"{', ...' if frame.shape[1] > 8 else ''}); pass a table that holds data"
        )
    return frame


def _reject_duplicates(columns: list, where: str) -> None:
    seen, repeated = set(), []
    for column in columns:
        if column in seen and column not in repeated:
            repeated.append(column)
        seen.add(column)
    if repeated:
        names = ", ".join(repr(c) for c in repeated)
        raise DataError(
            f"{where} has more than one column named {names} (after trimming spaces); give "
            f"every column a unique name"
        )
