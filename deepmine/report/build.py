"""Write the report: ``report.html`` of a run folder, or the page of an in-memory Leaderboard."""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

from deepmine.persist.atomic import atomic_write_text
from deepmine.report.run import RunData

REPORT_NAME = "report.html"


def write_report(run_dir) -> Path:
    """Render the run folder ``run_dir`` and write its ``report.html`` (atomically); return that path.

    A missing or incomplete folder is a :class:`~deepmine.report.run.RunFolderError`.
    """
    from deepmine.report.page import render

    run = RunData.from_folder(run_dir)
    path = Path(run_dir) / REPORT_NAME
    atomic_write_text(path, render(run))
    return path


def write_core_files(board, folder: Path, command: dict | None = None) -> None:
    """leaderboard.csv, metrics.json (with ``command`` when given) and history.csv of ``board`` in ``folder``
    (what every run folder has), and trials.csv (every tuning trial) after a comparison under a budget."""
    import pandas as pd

    folder = Path(folder)
    board.to_csv(folder / "leaderboard.csv")
    metrics = board.to_dict() | ({"command": command} if command is not None else {})
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str), encoding="utf-8")
    if board.histories:
        hist = pd.concat([h.assign(model=name) for name, h in board.histories.items()], ignore_index=True)
        hist[["model"] + [c for c in hist.columns if c != "model"]].to_csv(folder / "history.csv", index=False)
    trials = board.info.get("trials")
    if isinstance(trials, pd.DataFrame):
        trials.to_csv(folder / "trials.csv", index=False)


def write_run(board, out_dir, keep_all: bool = False, command: dict | None = None, extra=None) -> Path:
    """Write the run folder ``out_dir`` of ``board``: its core files, the task's files, the best model under
    ``model/`` (every model under ``models/`` with ``keep_all``), what ``extra(board, folder)`` adds, and
    report.html. The folder is written beside its destination and renamed into place, so it is never
    half-written. A report that cannot be drawn never fails the run: it becomes a DataWarning (the command line
    prints it as a note) and ``deepmine report`` can retry. The CLI, the app and the tracker all write here."""
    from deepmine.errors import DataWarning
    from deepmine.persist import save_model
    from deepmine.persist.atomic import atomic_folder
    from deepmine.report.artifacts import write_artifacts

    out_dir = Path(out_dir)
    with atomic_folder(out_dir, replace=True) as tmp:
        write_core_files(board, tmp, command)
        write_artifacts(board, tmp)
        if extra is not None:
            extra(board, tmp)
        if board.best_kept is not None:
            save_model(board.models[board.best_kept], tmp / "model")
        if keep_all:
            for name, model in board.models.items():
                save_model(model, tmp / "models" / name)
        try:
            write_report(tmp)
        except Exception as exc:  # noqa: BLE001 - the run's results matter more than its page
            warnings.warn(f"no report.html ({type(exc).__name__}: {exc}); `deepmine report` can retry", DataWarning,
                          stacklevel=2)
    return out_dir


def report_html(board) -> str:
    """The report page of an in-memory :class:`~deepmine.evaluation.leaderboard.Leaderboard`.

    The board's files are written to a temporary run folder (the same files a CLI run writes, less the
    saved models) and that folder is rendered, so a notebook's page and ``deepmine report`` agree.
    """
    from deepmine.report.page import render

    with tempfile.TemporaryDirectory(prefix="deepmine-report-") as tmp:
        folder = Path(tmp)
        write_core_files(board, folder)
        try:
            from deepmine.report.artifacts import write_artifacts
        except ImportError:
            write_artifacts = None
        if write_artifacts is not None:
            try:
                write_artifacts(board, folder)
            except Exception as exc:  # noqa: BLE001 - the page is drawn from what could be written
                warnings.warn(f"the report lacks the task's own files ({type(exc).__name__}: {exc}); its "
                              f"views show a note instead", RuntimeWarning, stacklevel=2)
        return render(RunData.from_folder(folder))


__all__ = ["REPORT_NAME", "report_html", "write_core_files", "write_report"]
