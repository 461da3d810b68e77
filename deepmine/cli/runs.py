"""`deepmine runs`: the comparisons tracked in MLflow (``--track``), across days."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

import typer

from deepmine.cli.common import friendly, out
from deepmine.errors import DataError

USAGE = ("deepmine runs [URI]            list the tracked comparisons, newest first\n"
         "deepmine runs compare A B [URI]  two comparisons' leaderboards side by side\n"
         "deepmine runs log RUN_DIR URI    track a run folder written earlier")


def _uri(given: Optional[str]) -> str:
    uri = given or os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        raise DataError("name the tracking store: deepmine runs URI (a folder, sqlite:///mlflow.db or http://host:5000), "
                        "or set MLFLOW_TRACKING_URI")
    return uri


def _table(frame, title: str) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*("" if v != v else f"{v:.4f}" if isinstance(v, float) else str(v) for v in row))
    out.print(table)


@friendly
def runs_command(words: Optional[List[str]] = typer.Argument(None, metavar="[URI] | compare A B [URI] | log RUN_DIR URI",
                                                              show_default=False),
                 experiment: str = typer.Option("deepmine", "--experiment", help="The MLflow experiment.")):
    """The comparisons tracked in MLflow with --track: list them, put two side by side, or track a past run.

    deepmine runs [URI]: date, task, data, best deep, best traditional and the winner of each comparison.
    deepmine runs compare A B [URI]: their leaderboards side by side (A and B: run ids or their first characters).
    deepmine runs log RUN_DIR URI: track a run folder written earlier (or one whose tracking failed).
    URI defaults to $MLFLOW_TRACKING_URI."""
    from deepmine.track import compare_runs, list_runs, track_run

    words = list(words or [])
    if words[:1] == ["compare"]:
        if len(words) not in (3, 4):
            raise DataError(f"deepmine runs compare takes two run ids and optionally the URI; usage:\n{USAGE}")
        uri = _uri(words[3] if len(words) == 4 else None)
        table = compare_runs(uri, words[1], words[2], experiment=experiment)
        primary = table.attrs.get("primary")
        shown = [c for c in (f"{primary}_a", f"{primary}_b", "fit_s_a", "fit_s_b") if c in table.columns]
        if f"{primary}_a" in shown and f"{primary}_b" in shown:
            table[f"{primary}_b-a"] = table[f"{primary}_b"] - table[f"{primary}_a"]
            shown.insert(2, f"{primary}_b-a")
        _table(table[["model", "kind", *shown]], f"{words[1]} (a) against {words[2]} (b); every metric: "
                                                 f"deepmine.track.compare_runs")
        return
    if words[:1] == ["log"]:
        if len(words) != 3:
            raise DataError(f"deepmine runs log takes a run folder and the URI; usage:\n{USAGE}")
        run_id = track_run(Path(words[1]), words[2], experiment=experiment)
        out.print(f"tracked {words[1]} in MLflow at {words[2]}: run {run_id}", highlight=False)
        return
    if len(words) > 1:
        raise DataError(f"deepmine runs takes at most one URI; usage:\n{USAGE}")
    uri = _uri(words[0] if words else None)
    frame = list_runs(uri, experiment=experiment)
    if frame.empty:
        out.print(f"no comparisons tracked in experiment '{experiment}' at {uri}; run one with --track {uri}",
                  highlight=False)
        return
    _table(frame.assign(run=frame["run"].str[:8]), f"tracked comparisons at {uri}")
