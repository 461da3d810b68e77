"""How much memory a table would take as a DataFrame, found without loading it, and the user's budget."""

from __future__ import annotations

import io
import os
import re

import numpy as np
import pandas as pd

from deepmine.errors import DataError, ParameterError

__all__ = ["check_fits", "estimate_memory", "memory_budget", "oversize", "parse_size", "peak_memory_mb",
           "require_in_memory"]

_BUDGET_VARIABLE = "DEEPMINE_MEMORY_BUDGET"
_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2, "g": 1000**3, "gb": 1000**3,
          "t": 1000**4, "tb": 1000**4, "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$", re.IGNORECASE)
_SAMPLE_ROWS = 2000
_SAMPLE_BYTES = 1 << 20
_FALLBACK_BUDGET = 4 * 1024**3


def parse_size(text) -> int:
    """Bytes from ``"4GB"``, ``"512MB"``, ``"1.5GB"``, ``"2GiB"`` or a plain number of bytes.

    KB, MB, GB and TB are powers of 1000; KiB, MiB, GiB and TiB powers of 1024; case does not matter.
    """
    if isinstance(text, (int, np.integer)) and not isinstance(text, bool) and text >= 0:
        return int(text)
    match = _SIZE.match(str(text)) if isinstance(text, (str, float)) else None
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS:
        raise ParameterError(f"{text!r} is not a size; write a number of bytes or one with a unit, such as "
                             f"'512MB', '4GB' or '2GiB'")
    return int(float(match.group(1)) * _UNITS[unit])


def peak_memory_mb() -> float:
    """This process's peak resident memory in MB (MiB), counting only its own program.

    Linux's ``VmHWM`` (from /proc/self/status) is the high-water mark of the current program alone.
    ``getrusage(RUSAGE_SELF).ru_maxrss`` is only the fallback (macOS, or no /proc). For a child process,
    ru_maxrss also keeps what its parent held when it forked: a 60 MB command started from a 1 GB pytest
    reports 1 GB."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def memory_budget() -> int:
    """The memory a table may take as a DataFrame: ``DEEPMINE_MEMORY_BUDGET`` when set (``"4GB"``, ``"512MB"``,
    bytes), else a quarter of the available memory (from psutil when installed, else /proc/meminfo's
    MemAvailable), else 4 GiB. A quarter, because a comparison in memory holds several copies of the table
    at once: the frame, its training and test parts, and each model's encoded arrays."""
    value = os.environ.get(_BUDGET_VARIABLE)
    if value is not None and value.strip():
        try:
            return parse_size(value)
        except ParameterError:
            raise ParameterError(f"{_BUDGET_VARIABLE}={value!r} is not a size; set it to a value such as '4GB', "
                                 f"'512MB' or a number of bytes") from None
    available = None
    try:
        import psutil

        available = int(psutil.virtual_memory().available)
    except Exception:  # not installed, or no answer on this system
        try:
            with open("/proc/meminfo") as handle:
                for line in handle:
                    if line.startswith("MemAvailable:"):
                        available = int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):
            available = None
    return available // 4 if available else _FALLBACK_BUDGET


def check_fits(source, table=None, query=None, budget=None) -> int:
    """:func:`estimate_memory` of the table, or a DataError when that is more than ``budget`` (bytes or a size
    such as ``"4GB"``; :func:`memory_budget` by default)."""
    limit = memory_budget() if budget is None else parse_size(budget)
    estimate = estimate_memory(source, table=table, query=query)
    if estimate > limit:
        raise DataError(f"the table would take about {_human(estimate)} in memory, more than the budget of "
                        f"{_human(limit)}; train with --stream (stream=True) or raise {_BUDGET_VARIABLE}")
    return estimate


def oversize(source, table=None, query=None) -> str | None:
    """None when ``source`` fits the memory budget (or is already in memory, or cannot be estimated), else
    the sentence that says by how much it does not."""
    if isinstance(source, (pd.DataFrame, pd.Series, tuple)) or (isinstance(source, str)
                                                             and source.startswith("dataset:")):
        return None
    try:
        size = estimate_memory(source, table=table, query=query)
    except Exception:  # noqa: BLE001 - an estimate never decides an error: reading the table words it
        return None
    budget = memory_budget()
    if size <= budget:
        return None
    return (f"the table would take about {_human(size)} in memory, more than the budget of {_human(budget)} "
            f"({_BUDGET_VARIABLE})")


def require_in_memory(what: str, source, table=None, query=None) -> None:
    """A DataError when ``source`` would not fit the memory budget and ``what`` (a task) needs it whole."""
    too_big = oversize(source, table, query)
    if too_big:
        raise DataError(f"{too_big}; {what} needs its rows in memory, so take a sample of the table or raise "
                        f"{_BUDGET_VARIABLE}")


def estimate_memory(source, table=None, query=None) -> int:
    """The bytes ``source`` would take as a DataFrame (``memory_usage(deep=True)``), estimated without loading it.

    Parquet: the footers' row count times each column's width (from the schema; text and other variable-width
    columns measured on the first row group). CSV and JSON lines: the file's size divided by the bytes per row
    of a sample of rows (the first megabyte), times the sample's memory per row; a compressed file is read
    through, batch by batch. SQL: ``COUNT(*)`` times the memory per row of a sample of rows. A DataFrame is
    measured; a ``dataset:NAME`` is loaded (the bundled datasets are small).
    """
    from deepmine.data.stream import TableStream

    if isinstance(source, pd.DataFrame):
        return int(source.memory_usage(deep=True).sum())
    stream = TableStream(source, table=table, query=query, batch_rows=_SAMPLE_ROWS)
    kind = stream._kind
    if kind == "frame":
        return int(stream._in_memory().memory_usage(deep=True).sum())
    if kind == "parquet":
        return _parquet_estimate(stream)
    if kind == "sql":
        rows = stream.count_rows()
        sample = next(stream.batches(), None) if rows else None
        return _scale(sample, rows)
    return _text_estimate(stream)


def _index_bytes() -> int:
    return int(pd.DataFrame(index=pd.RangeIndex(1)).memory_usage(deep=True).sum())


def _scale(sample: pd.DataFrame | None, rows: int | None) -> int:
    if sample is None or not len(sample) or not rows:
        return _index_bytes()
    per_row = (sample.memory_usage(deep=True, index=False).sum()) / len(sample)
    return int(per_row * rows) + _index_bytes()


def _parquet_estimate(stream) -> int:
    rows = stream.count_rows()
    dtypes = stream._dtypes()
    total = _index_bytes()
    variable = []
    for column, dtype in dtypes.items():
        if isinstance(dtype, np.dtype) and dtype.kind in "iufbcmM":
            total += dtype.itemsize * rows
        else:
            variable.append(column)
    if variable and rows:
        # text and other objects: measured on the first row group that has rows
        dataset = stream._dataset()
        groups = stream._info["groups"]
        number, group, _ = next((g for g in groups if g[2] > 0), groups[0])
        fragment = stream._info["fragments"][number].subset(row_group_ids=[group])
        names = set(dataset.schema.names)
        table = fragment.to_table(columns=[c for c in variable if c in names], schema=dataset.schema)
        sample = table.to_pandas()
        if len(sample):
            total += int(sample.memory_usage(deep=True, index=False).sum() / len(sample) * rows)
    return int(total)


def _text_estimate(stream) -> int:
    path = stream.source
    if stream._compression:
        # the size on disk says little about the text inside: read it through, a batch at a time
        rows, memory = 0, 0
        for batch in stream.batches():
            rows += len(batch)
            memory += batch.memory_usage(deep=True, index=False).sum()
        return int(memory) + _index_bytes()
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(_SAMPLE_BYTES)
    if len(head) < size:
        head = head[: head.rfind(b"\n") + 1]  # whole lines only
    try:
        # parsed with the stream's own options (delimiter, decimal comma, encoding), in memory
        if stream._kind == "jsonl":
            text = head.decode(stream._encoding, errors="replace")
            sample = pd.read_json(io.StringIO(text), lines=True, dtype=False)
        else:
            sample = pd.read_csv(io.BytesIO(head), **stream._csv_options())
    except (ValueError, TypeError, pd.errors.ParserError, UnicodeDecodeError):  # read_table words the error
        sample = None
    if sample is None or not len(sample):
        return _scale(next(stream.batches(), None), stream.count_rows())
    header = 0 if stream._kind == "jsonl" else head.find(b"\n") + 1
    rows = len(sample) if len(head) >= size else (size - header) / ((len(head) - header) / len(sample))
    return _scale(sample, int(rows))


def _human(size: float) -> str:
    for unit, scale in (("GB", 1000**3), ("MB", 1000**2), ("KB", 1000)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{int(size)} bytes"
