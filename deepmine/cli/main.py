"""The `deepmine` command: one sub-command per task, thin over the Python API."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import List, Optional

import typer

from deepmine.cli.common import (tracked, ENSEMBLE_OPTION, STORAGE_OPTION, STUDY_OPTION, TUNE_OPTION, WORKERS_OPTION, BUDGET_OPTION, CHECKPOINT_OPTION, RESUME_OPTION, PRECISION_OPTION, STREAM_OPTION, CALIBRATE_OPTION, CV_OPTION, DATA_OPTION, FORCE_OPTION, GROUP_OPTION, KEEP_OPTION, MODELS_OPTION,
                                 MAX_EPOCHS_OPTION, OUT_OPTION, QUERY_OPTION, QUIET_HELP, ROLE_OPTION, SEED_OPTION,
                                 TABLE_OPTION, TARGET_OPTION, TEST_OPTION, TIME_OPTION, OneLineErrors, friendly,
                                 from_dataset, network_options, noted, out, parse_roles, run_compare, run_task,
                                 parse_k, parse_contamination, show_notice)
from deepmine.cli.recommend import recommend
from deepmine.cli.series import series_app
from deepmine.cli.images import images_app
from deepmine.cli.graph import graph_app
from deepmine.cli.explain import explain_command
from deepmine.cli.demo import demo
from deepmine.cli.predict import predict
from deepmine.cli.report import report_command
from deepmine.cli.runs import runs_command
from deepmine.cli.serve import app_command, serve_command
from deepmine.cli.text import text_app
from deepmine.errors import DataError

app = typer.Typer(cls=OneLineErrors, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Deep learning for data mining, always measured beside the traditional method.")
datasets_app = typer.Typer(help="List the bundled real datasets, or show one.", no_args_is_help=False)
app.add_typer(datasets_app, name="datasets")
app.add_typer(text_app, name="text")
app.add_typer(series_app, name="series")
app.add_typer(images_app, name="images")
app.add_typer(graph_app, name="graph")
app.command("explain")(explain_command)
app.command("demo")(demo)
app.command("report")(report_command)
app.command("runs")(runs_command)
app.command("recommend")(recommend)
app.command("predict")(predict)
app.command("serve")(serve_command)
app.command("app")(app_command)


def _task_command(task: str, doc: str):
    """One sub-command per task: the same options, a different task."""

    def command(data: str = DATA_OPTION, target: Optional[str] = TARGET_OPTION, models: Optional[str] = MODELS_OPTION, test_size: float = TEST_OPTION,
                cv: Optional[int] = CV_OPTION, seed: int = SEED_OPTION, out_dir: Optional[Path] = OUT_OPTION, role: List[str] = ROLE_OPTION,
                time_column: Optional[str] = TIME_OPTION, group_column: Optional[str] = GROUP_OPTION,
                table: Optional[str] = TABLE_OPTION, query: Optional[str] = QUERY_OPTION, keep_all: bool = KEEP_OPTION,
                force: bool = FORCE_OPTION, calibrate: Optional[str] = CALIBRATE_OPTION,
                stream: Optional[bool] = STREAM_OPTION, memory_budget: Optional[str] = BUDGET_OPTION,
                max_epochs: Optional[int] = MAX_EPOCHS_OPTION, precision: Optional[str] = PRECISION_OPTION,
                checkpoint_dir: Optional[Path] = CHECKPOINT_OPTION, resume: bool = RESUME_OPTION,
                budget: Optional[str] = TUNE_OPTION, ensemble: Optional[bool] = ENSEMBLE_OPTION,
                workers: int = WORKERS_OPTION, storage: Optional[str] = STORAGE_OPTION,
                study: Optional[str] = STUDY_OPTION):
        run_task(task, data, target, models, test_size, cv, seed, out_dir, role, time_column, group_column, table,
                  query, keep_all, force, calibrate=calibrate, stream=stream, memory_budget=memory_budget,
                  precision=precision, checkpoint_dir=checkpoint_dir, resume=resume, budget=budget, ensemble=ensemble,
                  workers=workers, storage=storage, study=study, max_epochs=max_epochs)

    command.__doc__ = doc
    return friendly(tracked(command))


app.command("classify")(_task_command("classification", "Compare deep and traditional classifiers on DATA."))
app.command("regress")(_task_command("regression", "Compare deep and traditional regressors on DATA."))


LABEL_OPTION = typer.Option(None, "--label", "-l", help="A column used only to evaluate, never to fit.")


@app.command()
@friendly
@tracked
def cluster(data: str = DATA_OPTION, k: str = typer.Option("auto", "--k", "-k", help="Number of clusters, or 'auto'."),
            label: Optional[str] = LABEL_OPTION, models: Optional[str] = MODELS_OPTION, seed: int = SEED_OPTION,
            out_dir: Optional[Path] = OUT_OPTION, role: List[str] = ROLE_OPTION, table: Optional[str] = TABLE_OPTION,
            query: Optional[str] = QUERY_OPTION, keep_all: bool = KEEP_OPTION, force: bool = FORCE_OPTION,
            max_epochs: Optional[int] = MAX_EPOCHS_OPTION, checkpoint_dir: Optional[Path] = CHECKPOINT_OPTION,
            resume: bool = RESUME_OPTION):
    """Group the rows of DATA: deep clusterers beside k-means, GMM and agglomerative clustering."""
    (label,), note = from_dataset(data, "clustering", ("--label", label, "label"))
    kwargs = dict(label=label, models=models, random_state=seed, roles=parse_roles(role), table=table,
                  query=query, options=network_options(max_epochs, n_clusters=parse_k(k)))
    title = (f"clustering: {data} ({noted(note)}k={k}{', evaluated against ' + label if label else ''}, "
             f"seed {seed})")
    command = {"k": k, "label": label, "models": models, "seed": seed}
    if max_epochs is not None:
        command["max_epochs"] = max_epochs
    run_compare("clustering", data, out_dir, force, keep_all, command, kwargs, title, checkpoint_dir=checkpoint_dir,
                resume=resume, checkpoints=True, note=note)


@app.command()
@friendly
@tracked
def detect(data: str = DATA_OPTION,
           contamination: str = typer.Option("auto", "--contamination", "-c",
                                             help="Expected share of anomalies in (0, 0.5], or 'auto'."),
           label: Optional[str] = LABEL_OPTION,
           train_on: str = typer.Option("all", "--train-on", help="'all' rows, or only rows labelled 'normal'."),
           models: Optional[str] = MODELS_OPTION, test_size: float = TEST_OPTION, seed: int = SEED_OPTION,
           out_dir: Optional[Path] = OUT_OPTION, role: List[str] = ROLE_OPTION, table: Optional[str] = TABLE_OPTION,
           query: Optional[str] = QUERY_OPTION, keep_all: bool = KEEP_OPTION, force: bool = FORCE_OPTION,
           max_epochs: Optional[int] = MAX_EPOCHS_OPTION, checkpoint_dir: Optional[Path] = CHECKPOINT_OPTION,
           resume: bool = RESUME_OPTION, budget: Optional[str] = TUNE_OPTION,
           ensemble: Optional[bool] = ENSEMBLE_OPTION, workers: int = WORKERS_OPTION,
           storage: Optional[str] = STORAGE_OPTION, study: Optional[str] = STUDY_OPTION):
    """Find the rows of DATA that fit no pattern: deep detectors beside Isolation Forest, LOF and others.

    With --budget (and --label) every detector is tuned by ROC-AUC on labelled training rows first, and
    ensembles of their scores (each a rank among the detector's own training scores) join the leaderboard."""
    if train_on not in ("all", "normal"):
        raise DataError(f"--train-on takes 'all' or 'normal', got {train_on!r}")
    (label,), note = from_dataset(data, "anomaly", ("--label", label, "label"))
    options = network_options(max_epochs, contamination=parse_contamination(contamination))
    if train_on == "normal":
        options["train_on"] = "normal"
    kwargs = dict(label=label, models=models, test_size=test_size, random_state=seed, roles=parse_roles(role),
                  table=table, query=query, options=options, budget=budget, ensemble=ensemble, workers=workers,
                  storage=storage, study=study)
    title = f"anomaly detection: {data} ({noted(note)}contamination={contamination}, seed {seed})"
    command = {"contamination": contamination, "label": label, "train_on": train_on, "models": models, "seed": seed}
    if max_epochs is not None:
        command["max_epochs"] = max_epochs
    run_compare("anomaly", data, out_dir, force, keep_all, command, kwargs, title, checkpoint_dir=checkpoint_dir,
                resume=resume, checkpoints=True, note=note)


@datasets_app.callback(invoke_without_command=True)
@friendly
def datasets_list(ctx: typer.Context):
    """List the datasets (use them as dataset:NAME)."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from deepmine.datasets import available

    frame = available()
    table = Table(title="datasets (use as dataset:NAME)", title_justify="left")
    for col in ("name", "task", "target", "rows", "columns", "description"):
        table.add_column(col, overflow="fold")
    for _, row in frame.iterrows():
        table.add_row(*(str(row[c]) for c in ("name", "task", "target", "rows", "columns", "description")))
    out.print(table)


@datasets_app.command("show")
@friendly
def datasets_show(name: str = typer.Argument(..., help="Dataset name, e.g. churn.")):
    """Show one dataset: what it is, where it comes from, its columns and first rows."""
    from deepmine.datasets import load
    from deepmine.datasets.registry import lookup

    ds = load(name)
    out.print(f"[bold]{ds.name}[/]  ({ds.task}, target: {ds.target})")
    entry = lookup(name)
    if entry.defaults:  # what its command takes without options (the target, shown above, too)
        taken = ", ".join(f"{role} {value}" for role, value in entry.defaults.items())
        out.print(f"used by default as dataset:{entry.name}: {taken}", highlight=False)
    out.print(ds.description, highlight=False)
    out.print(f"source: {ds.source}\nlicence: {ds.licence}", highlight=False)
    out.print(f"{len(ds.frame)} rows x {ds.frame.shape[1]} columns", highlight=False)
    out.print(ds.frame.head().to_string(), highlight=False)


def _print_version(value: bool) -> None:
    if value:
        from deepmine import __version__

        out.print(f"deepmine {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                       help="Print the version and exit."),
          quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP)):
    from deepmine.cli import common

    common.QUIET = quiet


def main() -> None:
    warnings.showwarning = show_notice
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
