"""`deepmine predict`: a saved model's predictions for a table of any size, read and written in batches.

The table is read through :func:`deepmine.data.stream.open_stream` ``batch_rows`` rows at a time, each batch is
predicted and appended to a temporary file beside the output, and the file is renamed into place at the end:
memory stays bounded by the batch, not the table, and an interrupted run (Ctrl-C, SIGTERM, an error in a
later batch) leaves neither an output file nor a temporary one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from pathlib import Path
from typing import Iterator, Optional

import typer

from deepmine.cli.common import FORCE_OPTION, QUERY_OPTION, TABLE_OPTION, friendly, model_folder, out
from deepmine.errors import OutputExistsError, check_positive_int

DEFAULT_BATCH_ROWS = 65_536


def predict_frame(model, frame):
    """The predictions for one batch: ``row`` (the rows' positions in the input, from the batch's index), then what
    :func:`deepmine.evaluation.predicting.predict_table` gives (``prediction``, ``proba_<class>``, ``score``)."""
    import numpy as np

    from deepmine.evaluation.predicting import predict_table

    result = predict_table(model, frame)
    result.insert(0, "row", np.asarray(frame.index, dtype=np.int64))
    return result


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While the block runs, SIGTERM raises KeyboardInterrupt (as Ctrl-C does), so cleanup code runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def write_predictions(model, batches, output: Path) -> int:
    """Predict each batch and append it to a temporary CSV beside ``output``, renamed into place at the end;
    on any failure or interruption the temporary file is removed. Returns the number of rows written."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
    n = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            for batch in batches:
                part = predict_frame(model, batch)
                part.to_csv(fh, index=False, header=n == 0)
                n += len(part)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # the mode a plainly created file would have (mkstemp makes it 0600)
        os.replace(tmp, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return n


@friendly
def predict(model_dir: Path = typer.Argument(..., help="A saved model folder, or a run folder holding model/."),
            data: Optional[str] = typer.Argument(None, help="CSV/TSV, Parquet, JSON lines, a SQLAlchemy URL, or "
                                                 "dataset:NAME (a forecaster reads none: give --horizon)."),
            output: Path = typer.Option(Path("predictions.csv"), "--out", "-o", help="Where to write the predictions."),
            horizon: Optional[int] = typer.Option(None, "--horizon", "-h", help="A forecaster: the steps to forecast "
                                                  "after its series."),
            table: Optional[str] = TABLE_OPTION, query: Optional[str] = QUERY_OPTION, force: bool = FORCE_OPTION,
            batch_rows: int = typer.Option(DEFAULT_BATCH_ROWS, "--batch-rows",
                                           help="Rows read and predicted at a time: memory grows with it, not "
                                                "with the table.")):
    """Predict DATA with a saved model; writes one row per input row (with class probabilities, or an anomaly
    detector's score), or a forecaster's next --horizon steps with their interval.

    DATA is read and predicted --batch-rows rows at a time, so a table larger than memory can be predicted."""
    from deepmine.data.stream import open_stream
    from deepmine.errors import ParameterError
    from deepmine.evaluation.predicting import forecast, model_kind
    from deepmine.persist import load
    from deepmine.persist.atomic import atomic_write_text

    if output.exists() and not force:
        raise OutputExistsError(f"'{output}' exists already; pass --force to replace it or choose another --out")
    batch_rows = check_positive_int("--batch-rows", batch_rows)
    model = load(model_folder(model_dir)[0])
    if model_kind(model) == "forecaster":
        if horizon is None or data is not None:
            raise ParameterError("a forecaster forecasts the steps after its own series: give --horizon H and no DATA")
        frame = forecast(model, horizon)
        atomic_write_text(output, frame.to_csv(index=False))
        out.print(f"wrote the forecast of {len(frame)} steps to {output}", highlight=False)
        return
    if data is None:
        raise ParameterError("give the DATA to predict (a file, a SQLAlchemy URL or dataset:NAME)")
    if horizon is not None:
        raise ParameterError("--horizon is for forecasters; this model predicts the rows of DATA")
    stream = open_stream(data, table=table, query=query, batch_rows=batch_rows)
    with _sigterm_as_interrupt():
        n = write_predictions(model, stream.batches(), output)
    out.print(f"wrote {n} predictions to {output}", highlight=False)
