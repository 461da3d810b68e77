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
import warnings
from pathlib import Path
from typing import Iterator, Optional

import typer

from deepmine.cli.common import DATA_OPTION, FORCE_OPTION, QUERY_OPTION, TABLE_OPTION, friendly, model_folder, out
from deepmine.errors import OutputExistsError, check_positive_int

DEFAULT_BATCH_ROWS = 65_536


def predict_frame(model, frame):
    """The predictions for one batch: columns ``row`` (the rows' positions in the input, from the batch's
    index), ``prediction`` and, for a model with ``predict_proba``, ``proba_<class>`` for each class."""
    import numpy as np
    import pandas as pd

    from deepmine.evaluation.fitting import predict_with_proba

    rows = np.asarray(frame.index, dtype=np.int64)
    X = frame.reset_index(drop=True)  # the model sees an ordinary 0..n-1 frame, as read_table gives
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        prediction, proba = predict_with_proba(model, X)  # one pass through the model, not two
    result = pd.DataFrame({"row": rows, "prediction": prediction})
    if proba is not None:
        for i, cls in enumerate(model.classes_):
            result[f"proba_{cls}"] = proba[:, i]
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
            data: str = DATA_OPTION,
            output: Path = typer.Option(Path("predictions.csv"), "--out", "-o", help="Where to write the predictions."),
            table: Optional[str] = TABLE_OPTION, query: Optional[str] = QUERY_OPTION, force: bool = FORCE_OPTION,
            batch_rows: int = typer.Option(DEFAULT_BATCH_ROWS, "--batch-rows",
                                           help="Rows read and predicted at a time: memory grows with it, not "
                                                "with the table.")):
    """Predict DATA with a saved model; writes one row per input row (with class probabilities).

    DATA is read and predicted --batch-rows rows at a time, so a table larger than memory can be predicted."""
    from deepmine.data.stream import open_stream
    from deepmine.persist import load

    if output.exists() and not force:
        raise OutputExistsError(f"'{output}' exists already; pass --force to replace it or choose another --out")
    batch_rows = check_positive_int("--batch-rows", batch_rows)
    model = load(model_folder(model_dir)[0])
    stream = open_stream(data, table=table, query=query, batch_rows=batch_rows)
    with _sigterm_as_interrupt():
        n = write_predictions(model, stream.batches(), output)
    out.print(f"wrote {n} predictions to {output}", highlight=False)
