"""The `deepmine` command: one sub-command per task, thin over the Python API."""

from __future__ import annotations

import functools
import json
import sys
import warnings
from datetime import datetime
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from deepmine.errors import DataError, DeepmineError, OutputExistsError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Deep learning for data mining, always measured beside the traditional method.")
datasets_app = typer.Typer(help="List the bundled real datasets, or show one.", no_args_is_help=False)
app.add_typer(datasets_app, name="datasets")

out = Console()
err = Console(stderr=True)
# Piped output (CI logs, files) would otherwise be cut to 80 columns and truncate the leaderboard.
for _console in (out, err):
    if not _console.is_terminal:
        _console.width = 160


def friendly(fn):
    """Turn a DeepmineError into one line on stderr and exit status 2, without a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except DeepmineError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2)
        except KeyboardInterrupt:
            err.print("interrupted; nothing was written")
            raise typer.Exit(130)

    return wrapper


def _show_notice(message, category, filename, lineno, file=None, line=None):
    from deepmine.errors import DataWarning

    if issubclass(category, DataWarning):
        err.print(f"[yellow]note:[/] {message}", highlight=False, soft_wrap=True)
    elif not issubclass(category, (DeprecationWarning, FutureWarning)):
        err.print(f"[yellow]warning:[/] {category.__name__}: {message}", highlight=False, soft_wrap=True)


def _parse_roles(items: List[str] | None) -> dict[str, str]:
    roles = {}
    for item in items or []:
        col, sep, role = item.rpartition("=")
        if not sep or not col:
            raise DataError(f"--role takes COLUMN=ROLE (e.g. --role zip=categorical), got {item!r}")
        roles[col] = role
    return roles


def _print_board(board, title: str) -> None:
    frame = board.frame
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(col, justify="left" if col in ("model", "kind") else "right")
    best = {}
    from deepmine.evaluation.metrics import GREATER_IS_BETTER

    for m in board.frame.columns:
        if m in GREATER_IS_BETTER and frame[m].notna().any():
            best[m] = frame[m].max() if GREATER_IS_BETTER[m] else frame[m].min()
    for _, row in frame.iterrows():
        cells = []
        for col in frame.columns:
            v = row[col]
            if isinstance(v, float):
                text = "—" if v != v else (f"{v:.2f}" if col.endswith("_s") else f"{v:.4f}")
                if col in best and v == best[col]:
                    text = f"[bold green]{text}[/]"
            else:
                text = str(v)
            cells.append(text)
        table.add_row(*cells)
    out.print(table)
    out.print(board.verdict(), highlight=False, soft_wrap=True)


def _run_folder(out_dir: Optional[Path], task: str, force: bool) -> Path:
    if out_dir is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out_dir = Path("runs") / f"{task}-{stamp}"
    if out_dir.exists() and not force:
        raise OutputExistsError(f"the run folder '{out_dir}' exists already; pass --force to replace it or "
                                f"choose another with --out")
    return out_dir


def _write_run(board, out_dir: Path, keep_all: bool, command: dict, extra=None) -> None:
    """Write the run folder beside its destination, then rename it into place: never half-written."""
    import pandas as pd

    from deepmine.persist import save_model
    from deepmine.persist.atomic import atomic_folder

    with atomic_folder(out_dir, replace=True) as tmp:
        board.to_csv(tmp / "leaderboard.csv")
        metrics = board.to_dict() | {"command": command}
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2, default=str), encoding="utf-8")
        if board.histories:
            hist = pd.concat([h.assign(model=name) for name, h in board.histories.items()], ignore_index=True)
            hist[["model"] + [c for c in hist.columns if c != "model"]].to_csv(tmp / "history.csv", index=False)
        if extra is not None:
            extra(board, tmp)
        save_model(board.best_model, tmp / "model")
        if keep_all:
            for name, model in board.models.items():
                save_model(model, tmp / "models" / name)


def _run(task: str, data: str, out_dir: Optional[Path], force: bool, keep_all: bool, command: dict,
         compare_kwargs: dict, title, extra=None) -> Path:
    """Compare the candidates of ``task``, print the leaderboard and write the run folder."""
    from deepmine.evaluation import compare

    out_dir = _run_folder(out_dir, task, force)
    with err.status(f"{task} on {data}") as status:
        board = compare(task, data, progress=lambda msg: status.update(msg), **compare_kwargs)
    _print_board(board, title(board) if callable(title) else title)
    _write_run(board, out_dir, keep_all, {"task": task, "data": data, **command}, extra)
    out.print(f"wrote {out_dir}/ (best model: {board.best} in {out_dir}/model)", highlight=False)
    return out_dir


def _run_task(task: str, data: str, target: str, models: Optional[str], test_size: float, cv: Optional[int],
              seed: int, out_dir: Optional[Path], role: List[str] | None, time_column: Optional[str],
              group_column: Optional[str], table: Optional[str], query: Optional[str], keep_all: bool,
              force: bool, title: str | None = None) -> Path:
    kwargs = dict(target=target, models=models, test_size=test_size, cv=cv, random_state=seed,
                  roles=_parse_roles(role), time_column=time_column, group_column=group_column, table=table,
                  query=query)

    def default_title(board):
        info = board.info
        return (f"{task}: {data} -> {target}  ({info['train_rows']} train / {info['test_rows']} test rows, "
                f"{info['split']} split, seed {seed})")

    command = {k: v for k, v in kwargs.items() if k not in ("table", "query")}
    return _run(task, data, out_dir, force, keep_all, command, kwargs, title or default_title)


_DATA = typer.Argument(..., help="CSV/TSV, Parquet, JSON lines, a SQLAlchemy URL, or dataset:NAME.")
_TARGET = typer.Option(..., "--target", "-t", help="The column to predict.")
_MODELS = typer.Option(None, "--models", "-m", help="Comma-separated candidates (default: all).")
_TEST = typer.Option(0.25, "--test-size", help="Share of rows held out for scoring.")
_CV = typer.Option(None, "--cv", help="Also cross-validate with K folds on the training part.")
_SEED = typer.Option(0, "--seed", help="Seed of the split and of every model.")
_OUT = typer.Option(None, "--out", "-o", help="Run folder (default runs/<task>-<timestamp>).")
_ROLE = typer.Option(None, "--role", help="COLUMN=ROLE (numeric, categorical, text, datetime, id, drop); repeatable.")
_TIME = typer.Option(None, "--time-column", help="Hold out the latest rows by this column.")
_GROUP = typer.Option(None, "--group-column", help="Keep each group's rows on one side of the split.")
_TABLE = typer.Option(None, "--table", help="Table to read from a SQL database URL.")
_QUERY = typer.Option(None, "--query", help="SQL query to run on a database URL.")
_KEEP = typer.Option(False, "--keep-all", help="Save every model, not only the best.")
_FORCE = typer.Option(False, "--force", help="Replace an existing run folder.")


def _task_command(task: str, doc: str):
    """One sub-command per task: the same options, a different task."""

    def command(data: str = _DATA, target: str = _TARGET, models: Optional[str] = _MODELS, test_size: float = _TEST,
                cv: Optional[int] = _CV, seed: int = _SEED, out_dir: Optional[Path] = _OUT, role: List[str] = _ROLE,
                time_column: Optional[str] = _TIME, group_column: Optional[str] = _GROUP,
                table: Optional[str] = _TABLE, query: Optional[str] = _QUERY, keep_all: bool = _KEEP,
                force: bool = _FORCE):
        _run_task(task, data, target, models, test_size, cv, seed, out_dir, role, time_column, group_column, table,
                  query, keep_all, force)

    command.__doc__ = doc
    return friendly(command)


app.command("classify")(_task_command("classification", "Compare deep and traditional classifiers on DATA."))
app.command("regress")(_task_command("regression", "Compare deep and traditional regressors on DATA."))


_LABEL = typer.Option(None, "--label", "-l", help="A column used only to evaluate, never to fit.")


def _parse_k(k: str) -> int | str:
    if k == "auto":
        return "auto"
    try:
        value = int(k)
    except ValueError:
        raise DataError(f"--k takes a number of clusters (2 or more) or 'auto', got {k!r}") from None
    if value < 2:
        raise DataError(f"--k must be at least 2 (or 'auto'), got {value}")
    return value


def _parse_contamination(value: str) -> float | str:
    if value == "auto":
        return "auto"
    try:
        share = float(value)
    except ValueError:
        raise DataError(f"--contamination takes a share of rows in (0, 0.5] or 'auto', got {value!r}") from None
    if not 0 < share <= 0.5:
        raise DataError(f"--contamination must be a share of rows in (0, 0.5], got {share}; "
                        f"e.g. 0.05 for 5 % anomalies, or 'auto'")
    return share


def _cluster_files(board, folder: Path) -> None:
    """assignments.csv (every model), and for the best model profiles.csv and coordinates.csv (2-D map)."""
    import pandas as pd

    from deepmine.data.preprocess import TabularPreprocessor
    from deepmine.evaluation.cluster_metrics import cluster_profiles, embed_2d

    data = board.data
    assignments = pd.DataFrame({"row": range(len(data))})
    for name, labels in board.predictions.items():
        assignments[f"cluster_{name}"] = labels
    if board.y_test is not None:
        assignments["label"] = board.y_test.to_numpy()
    assignments.to_csv(folder / "assignments.csv", index=False)
    labels = board.predictions[board.best]
    cluster_profiles(data, labels).to_csv(folder / "profiles.csv", index=False)
    best = board.best_model
    kind = board.frame.set_index("model").loc[board.best, "kind"]
    space = best.transform(data) if kind == "deep" else TabularPreprocessor(
        roles=board.info["roles"], encoding="onehot").fit_transform(data)
    coords = embed_2d(space)
    pd.DataFrame({"row": range(len(data)), "x": coords[:, 0], "y": coords[:, 1], "cluster": labels}).to_csv(
        folder / "coordinates.csv", index=False)


def _anomaly_files(board, folder: Path) -> None:
    """scores.csv: every row's anomaly score and 0/1 flag from every model (higher score = more anomalous)."""
    import pandas as pd

    data = board.data
    table = pd.DataFrame({"row": range(len(data))})
    for name, model in board.models.items():
        table[f"score_{name}"] = model.decision_function(data)
        table[f"flag_{name}"] = model.predict(data)
    table.to_csv(folder / "scores.csv", index=False)


@app.command()
@friendly
def cluster(data: str = _DATA, k: str = typer.Option("auto", "--k", "-k", help="Number of clusters, or 'auto'."),
            label: Optional[str] = _LABEL, models: Optional[str] = _MODELS, seed: int = _SEED,
            out_dir: Optional[Path] = _OUT, role: List[str] = _ROLE, table: Optional[str] = _TABLE,
            query: Optional[str] = _QUERY, keep_all: bool = _KEEP, force: bool = _FORCE):
    """Group the rows of DATA: deep clusterers beside k-means, GMM and agglomerative clustering."""
    kwargs = dict(label=label, models=models, random_state=seed, roles=_parse_roles(role), table=table,
                  query=query, options={"n_clusters": _parse_k(k)})
    title = f"clustering: {data} (k={k}{', evaluated against ' + label if label else ''}, seed {seed})"
    _run("clustering", data, out_dir, force, keep_all, {"k": k, "label": label, "models": models, "seed": seed},
         kwargs, title, _cluster_files)


@app.command()
@friendly
def detect(data: str = _DATA,
           contamination: str = typer.Option("auto", "--contamination", "-c",
                                             help="Expected share of anomalies in (0, 0.5], or 'auto'."),
           label: Optional[str] = _LABEL,
           train_on: str = typer.Option("all", "--train-on", help="'all' rows, or only rows labelled 'normal'."),
           models: Optional[str] = _MODELS, test_size: float = _TEST, seed: int = _SEED,
           out_dir: Optional[Path] = _OUT, role: List[str] = _ROLE, table: Optional[str] = _TABLE,
           query: Optional[str] = _QUERY, keep_all: bool = _KEEP, force: bool = _FORCE):
    """Find the rows of DATA that fit no pattern: deep detectors beside Isolation Forest, LOF and others."""
    if train_on not in ("all", "normal"):
        raise DataError(f"--train-on takes 'all' or 'normal', got {train_on!r}")
    options = {"contamination": _parse_contamination(contamination)}
    if train_on == "normal":
        options["train_on"] = "normal"
    kwargs = dict(label=label, models=models, test_size=test_size, random_state=seed, roles=_parse_roles(role),
                  table=table, query=query, options=options)
    title = f"anomaly detection: {data} (contamination={contamination}, seed {seed})"
    _run("anomaly", data, out_dir, force, keep_all, {"contamination": contamination, "label": label,
                                                      "train_on": train_on, "models": models, "seed": seed},
         kwargs, title, _anomaly_files)


@app.command()
@friendly
def predict(model_dir: Path = typer.Argument(..., help="A saved model folder, or a run folder holding model/."),
            data: str = _DATA,
            output: Path = typer.Option(Path("predictions.csv"), "--out", "-o", help="Where to write the predictions."),
            table: Optional[str] = _TABLE, query: Optional[str] = _QUERY, force: bool = _FORCE):
    """Predict DATA with a saved model; writes one row per input row (with class probabilities)."""
    import numpy as np
    import pandas as pd

    from deepmine.data import read_table
    from deepmine.persist.atomic import atomic_write_text
    from deepmine.persist import load

    if output.exists() and not force:
        raise OutputExistsError(f"'{output}' exists already; pass --force to replace it or choose another --out")
    if not (model_dir / "config.json").exists() and (model_dir / "model" / "config.json").exists():
        model_dir = model_dir / "model"
    model = load(model_dir)
    frame = read_table(data, table=table, query=query)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = pd.DataFrame({"row": np.arange(len(frame)), "prediction": model.predict(frame)})
        if hasattr(model, "predict_proba"):
            proba = model.predict_proba(frame)
            for i, cls in enumerate(model.classes_):
                result[f"proba_{cls}"] = proba[:, i]
    atomic_write_text(output, result.to_csv(index=False))
    out.print(f"wrote {len(result)} predictions to {output}", highlight=False)


@datasets_app.callback(invoke_without_command=True)
@friendly
def datasets_list(ctx: typer.Context):
    """List the datasets (use them as dataset:NAME)."""
    if ctx.invoked_subcommand is not None:
        return
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

    ds = load(name)
    out.print(f"[bold]{ds.name}[/]  ({ds.task}, target: {ds.target})")
    out.print(ds.description, highlight=False)
    out.print(f"source: {ds.source}\nlicence: {ds.licence}", highlight=False)
    out.print(f"{len(ds.frame)} rows x {ds.frame.shape[1]} columns", highlight=False)
    out.print(ds.frame.head().to_string(), highlight=False)


@app.command()
@friendly
def demo(out_root: Path = typer.Option(Path("runs"), "--out", "-o", help="Folder for the demo's run folders.")):
    """The tour: classify dataset:churn and regress dataset:diamonds, deep models beside baselines."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    _run_task("classification", "dataset:churn", "churn", None, 0.25, None, 0, out_root / f"demo-{stamp}" / "churn",
              None, None, None, None, None, False, False, title="churn: will this customer leave? (classification)")
    _run_task("regression", "dataset:diamonds", "price", None, 0.25, None, 0, out_root / f"demo-{stamp}" / "diamonds",
              None, None, None, None, None, False, False, title="diamonds: what is this stone worth? (regression)")


@app.callback()
def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.")):
    if version:
        from deepmine import __version__

        out.print(f"deepmine {__version__}")
        raise typer.Exit(0)


def main() -> None:
    warnings.showwarning = _show_notice
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
