"""Tables read in batches, never whole: for training on data larger than memory.

:class:`TableStream` reads the sources :func:`deepmine.data.read_table` reads, batch by batch:

* **Parquet** files and folders through ``pyarrow.dataset``, row group by row group; batches are re-cut to
  exactly ``batch_rows`` rows (the last one shorter). Dtypes come from the schema, with an integer column that
  holds nulls anywhere (per the row groups' statistics) read as float64 and a boolean one as object, as
  pandas does for the whole file.
* **CSV/TSV/text** in chunks (``pandas.read_csv(chunksize=)``) with read_table's sniffing: byte-order mark and
  encoding, delimiter, decimal comma, repeated header names.
* **JSON lines** in chunks (``pandas.read_json(lines=True, chunksize=, dtype=False)``); a JSON array cannot be
  streamed and is refused.
* **SQL** through a SQLAlchemy URL with ``table=`` or ``query=``, on a server-side cursor
  (``connection.execution_options(stream_results=True, yield_per=batch_rows)``), so the database never sends
  the whole result at once.
* a DataFrame or ``dataset:NAME`` (already in memory) in slices, so that every source can be streamed.

Every batch of a stream has the same columns and dtypes, those read_table gives for the whole table (as far
as practical). Chunked readers infer types per chunk (an integer column with one empty cell in one chunk comes
out float there), so for CSV, JSON lines and SQL the first call to :meth:`TableStream.batches` makes one
extra pass over the rows, batch by batch, to settle each column's dtype (whole numbers, with missing values
anywhere → float64; text mixed with numbers → text, read as text so that "007" stays "007"; ...); the result
is kept, so later passes (epochs) and shards made afterwards do not repeat it. Known differences from
read_table: Parquet dictionary (category) columns get each batch's own categories; a JSON lines file whose
keys differ between lines gets the union of the keys, in order of first appearance.

Each batch's index holds its rows' positions in the whole table, so ``pd.concat(stream.batches())`` is
read_table's frame, index included; a shard's or a filtered stream's rows keep their positions too.
"""

from __future__ import annotations

import io
import itertools
import os
import warnings
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from deepmine.data import read as _read
from deepmine.errors import (DataError, FileFormatError, MissingDependencyError, check_positive_int,
                             require)

__all__ = ["TableStream", "open_stream"]

_DEFAULT_BATCH_ROWS = 65_536


def open_stream(source, table=None, query=None, batch_rows: int = _DEFAULT_BATCH_ROWS) -> TableStream:
    """A :class:`TableStream` over ``source``, checked now: a missing file, an unsupported format, a corrupt
    Parquet file, a SQL URL without ``table``/``query`` or a missing SQL table raise a DataError here rather
    than at the first batch."""
    stream = TableStream(source, table=table, query=query, batch_rows=batch_rows)
    stream.columns  # opens the source: the header, the Parquet footer, the table's definition
    return stream


def _rebatched(frames: Iterator[pd.DataFrame], size: int) -> Iterator[pd.DataFrame]:
    """``frames`` (consecutive rows) cut into frames of ``size`` rows, the last one shorter: each run of row
    groups ends in a short batch of its own, and the stream promises full batches."""
    carry = None
    for frame in frames:
        if carry is not None:
            frame = pd.concat([carry, frame])
            carry = None
        while len(frame) >= size:
            yield frame.iloc[:size]
            frame = frame.iloc[size:]
        carry = frame if len(frame) else None
    if carry is not None:
        yield carry


class TableStream:
    """A table read in batches, never whole (see the module's documentation for the sources).

    ``columns`` keeps only those columns (in that order). :meth:`batches` starts a fresh pass on each call;
    :meth:`shards` splits the rows into disjoint parts, for the ranks of distributed training.
    """

    def __init__(self, source, table=None, query=None, batch_rows: int = _DEFAULT_BATCH_ROWS,
                 columns: list[str] | None = None):
        self.batch_rows = check_positive_int("batch_rows", batch_rows)
        if columns is not None:
            if isinstance(columns, str):
                columns = [columns]
            columns = [str(c) for c in columns]
            if not columns:
                raise DataError("columns= is an empty list; pass the names of the columns to read or None")
        self._wanted = columns
        self.table = None if table is None else str(table)
        self.query = None if query is None else str(query)
        self._shard = (0, 1)  # (index, count) of batch-modulo sharding
        self._row_groups = None  # Parquet shards: [(fragment index, row group id), ...]
        self._schema = None  # settled column -> dtype, shared with shards
        self._total_rows = None
        self._frame = None
        self._keep = None  # a row filter (see where)
        self._kind, self.source = self._resolve(source)
        self._info: dict = {}

    # ---------------------------------------------------------------- public

    @property
    def columns(self) -> list[str]:
        """The column names, in order, read from the header, schema or table definition (not the rows)."""
        names = self._all_columns()
        if self._wanted is None:
            return list(names)
        missing = [c for c in self._wanted if c not in names]
        if missing:
            from deepmine.errors import ColumnError

            shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
            raise ColumnError(f"{self._where()} has no column {missing[0]!r} (its columns: {shown}); "
                              f"pass names from those as columns=")
        return list(self._wanted)

    def batches(self, part_rows: int | None = None) -> Iterator[pd.DataFrame]:
        """The rows, ``batch_rows`` at a time (the last batch shorter), as DataFrames; a fresh pass each call.

        Each batch's index holds its rows' positions in the whole table (0, 1, ... from the first row), also in
        a shard or a filtered stream (:meth:`where`), whose batches may be shorter.

        Memory stays bounded: a Parquet reader decodes row groups ahead of the consumer, and over one large file
        it held gigabytes when the consumer (conversion to pandas, training) was slower than the disk (4.6 GB
        for a 10-million-row table in benchmarks/bench_scale.py; 3.1 GB in a streamed comparison's first pass),
        so the stream's row groups (all of them, or a shard's) are read as consecutive runs of about
        ``part_rows`` rows (``4 x batch_rows`` by default), each with a reader of its own, which caps the
        read-ahead at one run. Other sources are read as they are.
        """
        if self._kind != "parquet" or self._shard != (0, 1):
            yield from self._read_batches()
            return
        part_rows = part_rows or 4 * self.batch_rows
        parts: list[list] = [[]]
        held = 0
        for group in self._row_group_list():
            if held >= part_rows:
                parts.append([])
                held = 0
            parts[-1].append(group)
            held += group[2]
        if len(parts) == 1:
            yield from self._read_batches()
            return
        frames = (frame for part in parts for frame in self._copy(row_groups=part)._read_batches())
        yield from (frames if self._keep is not None else _rebatched(frames, self.batch_rows))

    def _read_batches(self) -> Iterator[pd.DataFrame]:
        """:meth:`batches` as the source's reader gives them (one reader over all of this stream's rows)."""
        wanted = self.columns
        dtypes = self._dtypes()
        read_any = False
        for start, frame in self._my_batches():
            if len(frame) == 0:
                continue
            read_any = True
            frame = frame.reindex(columns=wanted) if list(frame.columns) != wanted else frame
            frame = _cast(frame, {c: dtypes[c] for c in wanted if c in dtypes})
            frame.index = pd.RangeIndex(start, start + len(frame))
            if self._keep is not None:
                frame = frame[np.asarray(self._keep(frame), dtype=bool)]
                if len(frame) == 0:
                    continue
            yield frame
        if not read_any and self._shard == (0, 1) and self._row_groups is None:
            raise DataError(f"{self._where()} has no rows (only column names: {', '.join(wanted[:8])}"
                            f"{', ...' if len(wanted) > 8 else ''}); pass a table that holds data")

    def where(self, keep) -> TableStream:
        """This stream with only the rows for which ``keep(batch)`` (a function of a batch, returning one bool
        per row) is true, such as one side of :func:`deepmine.data.split.hash_split`. Filters combine; the
        rows keep their positions in the whole table as their index; :meth:`count_rows` is then None."""
        if not callable(keep):
            raise TypeError("keep must be a function of a batch returning one bool per row")
        before = self._keep
        other = self._copy(shard=self._shard, row_groups=self._row_groups)
        other._keep = keep if before is None else (lambda frame: np.asarray(before(frame), dtype=bool)
                                                    & np.asarray(keep(frame), dtype=bool))
        return other

    def count_rows(self) -> int | None:
        """The number of rows, where it is cheap to know: a DataFrame's length, the Parquet footers' row
        counts, ``SELECT COUNT(*)`` for SQL; for CSV and JSON lines only once a pass has counted them, else
        None. A batch-modulo shard's count follows from the whole table's; a filtered stream's is None."""
        if self._keep is not None:
            return None
        if self._kind == "parquet":
            total = sum(rows for _, _, rows in self._row_group_list())
        elif self._kind == "sql":
            total = self._sql_count()
        elif self._kind == "frame":
            total = len(self._in_memory())
        else:
            total = self._total_rows
        if total is None:
            return None
        index, count = self._shard
        if count == 1:
            return total
        full, rest = divmod(total, self.batch_rows)
        batches = full + (rest > 0)
        mine = len(range(index, batches, count))
        last_is_mine = batches > 0 and (batches - 1) % count == index
        return mine * self.batch_rows - (self.batch_rows - rest if rest and last_is_mine else 0)

    def shards(self, n: int) -> list[TableStream]:
        """``n`` streams over disjoint parts of the rows that together cover all of them.

        Parquet is split by row groups: each shard gets a contiguous run of the row groups holding about
        ``1/n`` of the rows (so a shard may be empty when one row group is much larger than the others);
        with fewer row groups than ``n``, and for every other source, shard ``k`` gets the batches whose
        index modulo ``n`` is ``k`` (each shard then still reads, and skips, the other shards' rows).
        """
        n = check_positive_int("n", n)
        if self._shard != (0, 1):
            raise DataError("this stream is a shard already; shard the whole table's stream instead")
        self._dtypes()  # settle the dtypes once, for all shards
        groups = self._row_group_list() if self._kind == "parquet" else []
        if self._kind == "parquet" and len(groups) >= n:
            total = sum(rows for _, _, rows in groups) or 1
            parts: list[list] = [[] for _ in range(n)]
            start = 0
            for group in groups:
                parts[min(n - 1, start * n // total)].append(group)
                start += group[2]
            return [self._copy(row_groups=part) for part in parts]
        return [self._copy(shard=(k, n)) for k in range(n)]

    def __repr__(self) -> str:
        what = f", table={self.table!r}" if self.table else f", query={self.query!r}" if self.query else ""
        shard = f", shard {self._shard[0]}/{self._shard[1]}" if self._shard != (0, 1) else ""
        return f"TableStream({self._where()!r}{what}, batch_rows={self.batch_rows}{shard})"

    # ------------------------------------------------------- source kinds

    def _resolve(self, source):
        if isinstance(source, pd.DataFrame):
            _read._no_sql_arguments(self.table, self.query, "a DataFrame")
            self._frame = source
            return "frame", "a DataFrame"
        if isinstance(source, str) and source.startswith("dataset:"):
            _read._no_sql_arguments(self.table, self.query, "a dataset name")
            return "frame", source
        if isinstance(source, str) and "://" in source:
            scheme = source.split("://", 1)[0].lower()
            if scheme == "file":
                source = source[len("file://"):]
            elif scheme in ("http", "https", "ftp", "s3", "gs"):
                raise DataError(f"deepmine does not stream from {scheme}:// addresses ({source}); download "
                                f"the file and pass its local path")
            else:
                if (self.table is None) == (self.query is None):
                    raise DataError("a database URL needs exactly one of table= or query=; pass table='name' to "
                                    "read a whole table or query='SELECT ...' to read a query's result")
                return "sql", source
        if not isinstance(source, (str, os.PathLike)):
            raise DataError(f"cannot stream a table from a {type(source).__name__}; pass a DataFrame, a file "
                            f"path, a database URL or 'dataset:NAME'")
        _read._no_sql_arguments(self.table, self.query, "a file")
        if isinstance(source, str) and "\n" in source:
            raise DataError("TableStream was given text with line breaks instead of a path; write the text to "
                            "a file and pass the file's path")
        path = Path(source).expanduser()
        return self._path_kind(path), path

    def _path_kind(self, path: Path) -> str:
        _read.check_exists(path)
        if path.is_dir():
            return "parquet"
        if path.stat().st_size == 0:
            raise FileFormatError(f"{path} is empty (0 bytes); pass a file that holds a table")
        suffixes = [s.lower() for s in path.suffixes]
        compression = suffixes[-1] if suffixes and suffixes[-1] in _read._COMPRESSIONS else None
        suffix = (suffixes[-2] if len(suffixes) > 1 else "") if compression else path.suffix.lower()
        self._compression = compression
        head = _read._head_bytes(path, compression)
        if not head:
            raise FileFormatError(f"{path} is empty once decompressed; pass a file that holds a table")
        if suffix in _read._PARQUET_SUFFIXES or (head.startswith(b"PAR1") and not compression):
            if compression:
                raise FileFormatError(f"{path} is a compressed parquet file, which cannot be read in batches; "
                                      f"decompress it (parquet compresses its own columns)")
            return "parquet"
        if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
            raise FileFormatError(f"{path} is a spreadsheet workbook, which deepmine does not read; export the "
                                  f"sheet as CSV and pass that file")
        encoding = _read._resolve_encoding(head, None)
        _read._reject_binary(path, head, encoding)
        sample = _read._decode_sample(path, head, encoding)
        if len(head) >= _read._SNIFF_BYTES and "\n" in sample:
            sample = sample[: sample.rfind("\n") + 1]
        self._encoding, self._sample = encoding, sample
        first = sample.lstrip()[:1]
        if suffix in _read._JSON_LINES_SUFFIXES or (suffix == ".json" and first == "{"):
            return "jsonl"
        if suffix == ".json" or (suffix not in _read._TEXT_SUFFIXES and first == "["):
            raise FileFormatError(f"{path} is a JSON document, which cannot be read in batches; save it as JSON "
                                  f"lines (one object per line, .jsonl) or parquet")
        if suffix not in _read._TEXT_SUFFIXES:
            if first == "{":
                return "jsonl"
            if _read._sniff_delimiter(sample) is None:
                raise FileFormatError(f"{path} is not a table: its extension '{path.suffix}' is unknown and its "
                                      f"text has no column delimiter; {_read._FORMATS_HINT}")
        self._default_delimiter = "\t" if suffix in (".tsv", ".tab") else ","
        return "csv"

    def _where(self) -> str:
        if self._kind == "sql":
            return _read._hide_password(self.source)
        return str(self.source)

    def _copy(self, shard=(0, 1), row_groups=None) -> TableStream:
        other = object.__new__(TableStream)
        other.__dict__.update(self.__dict__)
        other._info = self._info  # the opened source's details are shared, not re-read
        other._shard, other._row_groups = shard, row_groups
        return other

    # ---------------------------------------------------- per-kind reading

    def _all_columns(self) -> list[str]:
        if "columns" not in self._info:
            self._info["columns"] = getattr(self, f"_{self._kind}_columns")()
        return self._info["columns"]

    def _raw_batches(self, columns) -> Iterator[pd.DataFrame]:
        return getattr(self, f"_{self._kind}_batches")(columns)

    def _my_batches(self) -> Iterator[tuple[int, pd.DataFrame]]:
        """``(position of the first row in the whole table, batch)`` for this stream's (shard's) batches."""
        wanted = self.columns
        batches = self._raw_batches(wanted)
        if self._kind == "parquet" or self._kind == "frame":
            batches = _rebatch(batches, self.batch_rows)
        index, count = self._shard
        start = self._first_row()
        for number, frame in enumerate(batches):
            if count == 1 or number % count == index:
                yield start, frame
            start += len(frame)

    def _first_row(self) -> int:
        """0, or for a shard of Parquet row groups the position of its first row in the whole table."""
        if self._row_groups is None or not self._row_groups:
            return 0
        first = self._row_groups[0]
        start = 0
        for group in self._info["groups"]:
            if group[:2] == first[:2]:
                return start
            start += group[2]
        return start

    def _dtypes(self) -> dict:
        if self._schema is None:
            if self._kind == "parquet":
                self._schema = self._parquet_dtypes()
            elif self._kind == "frame":
                self._schema = dict(self._in_memory().dtypes)
            else:
                # a pass over all rows (batch by batch) to settle each column's type
                columns = None if self._kind == "jsonl" else self._all_columns()
                summaries: dict = {}
                total = 0
                for frame in self._raw_batches(columns):
                    total += len(frame)
                    for column in frame.columns:
                        _summarise(summaries.setdefault(column, _Summary()), frame[column])
                for summary in summaries.values():
                    summary.null = summary.null or summary.rows < total  # a key missing from some lines
                self._total_rows = total
                self._schema = {c: s.dtype(self._kind) for c, s in summaries.items()}
                if self._kind == "jsonl":  # keys may first appear in later lines
                    self._info["columns"] = list(summaries)
                self._info["text_columns"] = [c for c, s in summaries.items() if s.as_text(self._kind)]
        return self._schema

    # DataFrame / dataset:NAME

    def _in_memory(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = _read.read_table(self.source)
        elif "tidied" not in self._info:
            self._frame = _read._tidy(self._frame, "the DataFrame")
            self._info["tidied"] = True
        return self._frame

    def _frame_columns(self):
        return list(self._in_memory().columns)

    def _frame_batches(self, columns):
        frame = self._in_memory()[columns]
        for start in range(0, len(frame), self.batch_rows):
            yield frame.iloc[start:start + self.batch_rows]

    # Parquet

    def _dataset(self):
        if "dataset" not in self._info:
            try:
                import pyarrow.dataset as ds
            except ImportError as exc:
                raise MissingDependencyError("reading parquet needs the 'pyarrow' package; install it with "
                                             "`pip install pyarrow`") from exc
            path = self.source
            if path.is_dir():
                files = [f for f in path.rglob("*") if f.is_file()
                         and not any(p.startswith((".", "_")) for p in f.relative_to(path).parts)]
                if not any(f.suffix.lower() in _read._PARQUET_SUFFIXES for f in files):
                    raise FileFormatError(f"{path} is a folder with no .parquet files in it; pass a file, or a "
                                          f"folder of parquet files")
                others = [f for f in files if f.suffix.lower() not in _read._PARQUET_SUFFIXES]
                if others:
                    raise FileFormatError(f"{path} holds files that are not parquet (such as {others[0].name}); "
                                          f"move them out of the folder or pass the parquet files' folder alone")
            try:
                dataset = ds.dataset(str(path), format="parquet", partitioning="hive")
                fragments = list(dataset.get_fragments())
                groups = []
                for number, fragment in enumerate(fragments):
                    metadata = fragment.metadata
                    for group in range(metadata.num_row_groups):
                        groups.append((number, group, metadata.row_group(group).num_rows))
            except MemoryError:
                raise
            except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
                raise _parquet_error(path, exc) from exc
            self._info.update(dataset=dataset, fragments=fragments, groups=groups)
        return self._info["dataset"]

    def _row_group_list(self):
        self._dataset()
        return self._info["groups"] if self._row_groups is None else self._row_groups

    def _parquet_frame(self, arrow_table) -> pd.DataFrame:
        # the conversion read_table's pd.read_parquet makes, then its index rules
        return _tidy_columns(arrow_table.to_pandas())

    def _parquet_columns(self):
        dataset = self._dataset()
        return list(self._parquet_frame(dataset.schema.empty_table()).columns)

    def _parquet_dtypes(self) -> dict:
        dataset = self._dataset()
        dtypes = dict(self._parquet_frame(dataset.schema.empty_table()).dtypes)
        # pandas turns an integer or boolean column with nulls into float64 or object; the footers'
        # statistics say which columns hold nulls anywhere
        nullable = set()
        for fragment in self._info["fragments"]:
            metadata = fragment.metadata
            for group in range(metadata.num_row_groups):
                row_group = metadata.row_group(group)
                for j in range(row_group.num_columns):
                    chunk = row_group.column(j)
                    stats = chunk.statistics
                    if stats is None or not stats.has_null_count or stats.null_count > 0:
                        nullable.add(chunk.path_in_schema)
        for column, dtype in dtypes.items():
            if column in nullable:
                if dtype.kind in "iu":
                    dtypes[column] = np.dtype("float64")
                elif dtype.kind == "b":
                    dtypes[column] = np.dtype("object")
        return dtypes

    def _parquet_batches(self, columns):
        import pyarrow as pa
        import pyarrow.dataset as ds
        import pyarrow.parquet as pq

        dataset = self._dataset()
        fragments = self._info["fragments"]
        if self._row_groups is None:
            plan = [(number, None) for number in range(len(fragments))]
        else:
            by_fragment: dict = {}
            for number, group, _ in self._row_groups:
                by_fragment.setdefault(number, []).append(group)
            plan = sorted(by_fragment.items())
        names = set(dataset.schema.names)
        # a named index is stored as a column of its own name; other index columns are not wanted
        read = [c for c in columns if c in names]
        metadata = dataset.schema.metadata
        try:
            for number, groups in plan:
                fragment = fragments[number]
                if set(read) <= set(fragment.physical_schema.names):
                    # ParquetFile decodes a row group when the consumer asks for it; the dataset scanner decodes
                    # ahead of a slow consumer without bound (most of the file, for a model predicting batches)
                    handle = pq.ParquetFile(fragment.path, filesystem=dataset.filesystem)
                    batches = handle.iter_batches(batch_size=self.batch_rows, row_groups=groups, columns=read)
                else:  # hive partition columns live in the path: the scanner fills them in
                    part = fragment if groups is None else fragment.subset(row_group_ids=groups)
                    sub = ds.FileSystemDataset([part], dataset.schema, dataset.format, dataset.filesystem)
                    batches = sub.to_batches(columns=read, batch_size=self.batch_rows, batch_readahead=1,
                                             fragment_readahead=1)
                for batch in batches:
                    table = pa.Table.from_batches([batch]).replace_schema_metadata(metadata)
                    yield self._parquet_frame(table)
        except MemoryError:
            raise
        except Exception as exc:
            raise _parquet_error(self.source, exc) from exc

    # CSV

    def _csv_options(self) -> dict:
        if "csv" not in self._info:
            import csv

            sample = self._sample
            delimiter = _read._sniff_delimiter(sample) or self._default_delimiter
            rows = csv.reader(io.StringIO(sample), delimiter=delimiter)
            header = next((row for row in rows if any(cell.strip() for cell in row)), [])
            _read._reject_duplicates([cell.strip() for cell in header], str(self.source))
            decimal = "," if delimiter == ";" and _read._uses_decimal_comma(sample) else "."
            self._info["csv"] = dict(sep=delimiter, decimal=decimal, encoding=self._encoding, index_col=False)
        return self._info["csv"]

    def _csv_read(self, **kwargs):
        options = self._csv_options()
        path = self.source
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                result = pd.read_csv(path, **options, **kwargs)
                if isinstance(result, pd.DataFrame):
                    return result
                with result as reader:
                    for chunk in reader:
                        yield chunk
        except UnicodeDecodeError as exc:
            raise _read._locate_encoding_error(path, options["encoding"], exc) from exc
        except pd.errors.EmptyDataError as exc:
            raise FileFormatError(f"{path} holds no table (only blank lines); pass a file with a header row "
                                  f"and data") from exc
        except pd.errors.ParserWarning as exc:
            raise FileFormatError(f"{path} has rows with more fields than its header has columns; fix the header "
                                  f"or the rows, or check that {_read._name_delimiter(options['sep'])} is the "
                                  f"right delimiter") from exc
        except (pd.errors.ParserError, ValueError) as exc:
            detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise FileFormatError(f"{path} cannot be read as {_read._name_delimiter(options['sep'])}-delimited "
                                  f"text ({detail}); fix the row named or {_read._FORMATS_HINT}") from exc

    def _csv_columns(self):
        generator = self._csv_read(nrows=0)
        try:
            next(generator)
        except StopIteration as stop:
            frame = stop.value
        return list(_tidy_columns(frame).columns)

    def _csv_batches(self, columns):
        raw = self._raw_names()
        usecols = [raw[c] for c in columns]
        # columns settled as text are read as text, so that 007 is not first read as the number 7
        text = [raw[c] for c in self._info.get("text_columns", []) if c in raw]
        dtype = {c: "str" for c in text if c in usecols} or None
        for chunk in self._csv_read(chunksize=self.batch_rows, usecols=usecols, dtype=dtype):
            yield _tidy_columns(chunk)

    def _raw_names(self) -> dict:
        # read_table trims spaces from the names; pandas' usecols needs them as written
        if "raw" not in self._info:
            generator = self._csv_read(nrows=0)
            try:
                next(generator)
            except StopIteration as stop:
                frame = stop.value
            self._info["raw"] = {str(c).strip(): c for c in frame.columns}
        return self._info["raw"]

    # JSON lines

    def _jsonl_columns(self):
        self._dtypes()  # JSON lines have no header: the keys of every line make the columns
        return self._info["columns"]

    def _jsonl_batches(self, columns):
        path = self.source
        if self._compression:
            opener = _read._COMPRESSIONS[self._compression]
            handle = io.TextIOWrapper(opener(path, "rb"), encoding=self._encoding)
        else:
            handle = open(path, encoding=self._encoding)
        number = 0
        try:
            with handle:
                lines = (line for line in handle if line.strip())
                while True:
                    block = list(itertools.islice(lines, self.batch_rows))
                    if not block:
                        return
                    for offset, line in enumerate(block):
                        if line.lstrip()[:1] != "{":
                            raise FileFormatError(f"{path} is not valid JSON lines (one object per line): data line "
                                                  f"{number + offset + 1} is not an object; fix the file or "
                                                  f"{_read._FORMATS_HINT}")
                    try:
                        frame = pd.read_json(io.StringIO("".join(block)), lines=True, dtype=False)
                    except ValueError as exc:
                        problem = _read._json_problem("".join(block), True)
                        raise FileFormatError(f"{path} is not valid JSON lines (one object per line): {problem} "
                                              f"of the block starting at data line {number + 1}; fix the file or "
                                              f"{_read._FORMATS_HINT}") from exc
                    number += len(block)
                    frame = _tidy_columns(frame)
                    if columns is not None and "columns" in self._info:
                        frame = frame.reindex(columns=columns)
                    yield frame
        except UnicodeDecodeError as exc:
            raise _read._locate_encoding_error(path, self._encoding, exc) from exc

    # SQL

    def _engine(self):
        from deepmine.data.read import sql_engine

        return sql_engine(self.source)

    def _sql(self, work):
        """``work(sqlalchemy, connection)`` on a fresh connection, with database errors made DataErrors."""
        sqlalchemy = require("sqlalchemy", "sql")
        from sqlalchemy import exc as sa_exc

        engine = self._engine()
        try:
            with engine.connect() as connection:
                result = work(sqlalchemy, connection)
                if hasattr(result, "__next__"):
                    yield from result
                else:
                    yield result
        except DataError:
            raise
        except (sa_exc.SQLAlchemyError, pd.errors.DatabaseError) as exc:
            from deepmine.data.read import sql_error

            raise sql_error(exc, self.table, self._where()) from exc
        finally:
            engine.dispose()

    def _sql_one(self, work):
        results = self._sql(work)
        try:
            return next(results)
        finally:
            results.close()

    def _sql_table_name(self, sqlalchemy, connection):
        """``(schema, name)`` of the table, as the database spells it; a DataError naming the tables if absent."""
        if "sql_table" not in self._info:
            from deepmine.data.read import sql_table_name

            self._info["sql_table"] = sql_table_name(sqlalchemy, connection, self.table, self._where())
        return self._info["sql_table"]

    def _sql_columns(self):
        def work(sqlalchemy, connection):
            if self.table is not None:
                schema, name = self._sql_table_name(sqlalchemy, connection)
                columns = sqlalchemy.inspect(connection).get_columns(name, schema=schema)
                return [str(c["name"]).strip() for c in columns]
            streaming = connection.execution_options(stream_results=True, yield_per=1)
            result = streaming.exec_driver_sql(self.query)
            try:
                return [str(c).strip() for c in result.keys()]
            finally:
                result.close()

        names = self._sql_one(work)
        _read._reject_duplicates(names, f"the result from {self._where()}")
        return names

    def _sql_count(self) -> int:
        if "count" not in self._info:
            def work(sqlalchemy, connection):
                if self.table is not None:
                    schema, name = self._sql_table_name(sqlalchemy, connection)
                    statement = sqlalchemy.select(sqlalchemy.func.count()).select_from(
                        sqlalchemy.table(name, schema=schema))
                    return connection.execute(statement).scalar_one()
                query = self.query.strip().rstrip(";")
                return connection.exec_driver_sql(f"SELECT COUNT(*) FROM ({query}) AS deepmine_rows").scalar_one()

            self._info["count"] = int(self._sql_one(work))
        return self._info["count"]

    def _sql_batches(self, columns):
        def work(sqlalchemy, connection):
            # a server-side cursor: the database sends batch_rows rows at a time
            streaming = connection.execution_options(stream_results=True, yield_per=self.batch_rows)
            if self.table is not None:
                schema, name = self._sql_table_name(sqlalchemy, connection)
                raw = {str(c["name"]).strip(): c["name"]
                       for c in sqlalchemy.inspect(connection).get_columns(name, schema=schema)}
                chunks = pd.read_sql_table(name, streaming, schema=schema, columns=[raw[c] for c in columns],
                                           chunksize=self.batch_rows)
            else:
                chunks = pd.read_sql_query(self.query, streaming, chunksize=self.batch_rows)
            for chunk in chunks:
                yield _tidy_columns(chunk)

        yield from self._sql(work)


# ------------------------------------------------------------------------------ helpers


def _parquet_error(path, exc) -> FileFormatError:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return FileFormatError(f"{path} cannot be read as parquet ({detail}); check that the file is complete and "
                           f"really parquet, or {_read._FORMATS_HINT}")


def _tidy_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """read_table's treatment of the index and the names, without its checks on the row count."""
    names = [name for name in frame.index.names if name is not None]
    frame = frame.reset_index(drop=not names or any(n in frame.columns for n in names))
    frame.columns = [str(column).strip() for column in frame.columns]
    return frame


def _rebatch(frames, size: int) -> Iterator[pd.DataFrame]:
    """Frames of exactly ``size`` rows (the last one shorter) from frames of any length."""
    pending: list[pd.DataFrame] = []
    held = 0
    for frame in frames:
        while len(frame):
            take = min(size - held, len(frame))
            pending.append(frame.iloc[:take])
            held += take
            frame = frame.iloc[take:]
            if held == size:
                yield pending[0] if len(pending) == 1 else pd.concat(pending, ignore_index=True)
                pending, held = [], 0
    if pending:
        yield pending[0] if len(pending) == 1 else pd.concat(pending, ignore_index=True)


class _Summary:
    """What the batches showed of one column: the kinds of its values, whether any was missing."""

    def __init__(self):
        self.kinds: set = set()
        self.null = False
        self.dtypes: dict = {}  # kind -> the first dtype seen for it
        self.rows = 0

    def dtype(self, source_kind: str):
        kinds = self.kinds
        if not kinds:
            return self.dtypes.get("null", np.dtype("float64"))
        if kinds == {"int"} and not self.null:
            return np.dtype("int64")
        if kinds <= {"int", "float"}:
            return np.dtype("float64")
        if kinds == {"bool"}:
            return np.dtype("object") if self.null else np.dtype("bool")
        if len(kinds) == 1:
            return self.dtypes[next(iter(kinds))]
        if self.as_text(source_kind):
            return pd.StringDtype(na_value=np.nan) if pd.get_option("future.infer_string") else np.dtype(object)
        return np.dtype("object")

    def as_text(self, source_kind: str) -> bool:
        # pandas reads a CSV column that is not all numbers (or all booleans) as text
        return source_kind == "csv" and "str" in self.kinds and len(self.kinds) > 1


def _summarise(summary: _Summary, column: pd.Series) -> None:
    dtype = column.dtype
    summary.rows += len(column)
    nulls = column.isna()
    if nulls.any():
        summary.null = True
        summary.dtypes.setdefault("null", dtype)
    if nulls.all():
        return
    if dtype.kind in "iu":
        kind = "int"
    elif dtype.kind == "f":
        kind = "float"
    elif dtype.kind == "b":
        kind = "bool"
    elif dtype.kind == "M":
        kind = "datetime"
    elif dtype.kind == "m":
        kind = "timedelta"
    elif isinstance(dtype, pd.StringDtype):
        kind = "str"
    else:
        values = column[~nulls]
        types = set(map(type, values))
        if types <= {bool, np.bool_}:
            kind = "bool"
        elif all(issubclass(t, str) for t in types):
            kind = "str"
        elif all(issubclass(t, (int, np.integer)) and not issubclass(t, (bool, np.bool_)) for t in types):
            kind = "int"
        elif all(issubclass(t, (int, float, np.integer, np.floating)) and not issubclass(t, (bool, np.bool_))
                 for t in types):
            kind = "float"
        else:
            kind = "object"
    summary.kinds.add(kind)
    summary.dtypes.setdefault(kind, dtype)


def _cast(frame: pd.DataFrame, dtypes: dict) -> pd.DataFrame:
    changes = {c: d for c, d in dtypes.items() if frame[c].dtype != d}
    if not changes:
        return frame
    try:
        return frame.astype(changes)
    except (TypeError, ValueError):
        # column by column, leaving a column that will not convert as it is
        frame = frame.copy()
        for column, dtype in changes.items():
            try:
                frame[column] = frame[column].astype(dtype)
            except (TypeError, ValueError):
                pass
        return frame
