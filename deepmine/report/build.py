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
