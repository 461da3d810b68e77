"""`deepmine report RUN_DIR`: (re)write a run folder's report.html."""

from __future__ import annotations

from pathlib import Path

import typer

from deepmine.cli.common import friendly, out


@friendly
def report_command(run_dir: Path = typer.Argument(..., metavar="RUN_DIR",
                                                  help="A run folder a deepmine command wrote (runs/<task>-<time>/).")):
    """Write RUN_DIR/report.html: one self-contained page with the run's leaderboard and figures."""
    from deepmine.report.build import write_report

    path = write_report(run_dir)
    out.print(f"wrote {path}", highlight=False, soft_wrap=True)
