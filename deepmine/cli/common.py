"""What the deepmine sub-commands share: consoles, one-line errors, run folders, options."""

from __future__ import annotations

import functools
import json
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from deepmine.errors import DataError, DeepmineError, OutputExistsError

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
            err.print(f"[bold red]error:[/] {one_line(exc)}", highlight=False, soft_wrap=True, emoji=False)
            raise typer.Exit(2)
        except KeyboardInterrupt:
            err.print("interrupted; nothing was written")
            raise typer.Exit(130)

    return wrapper


def one_line(message) -> str:
    """A message as one line of plain text for rich: its markup escaped (a column named "[label]" or "a:b:y"
    prints as it is) and line breaks (from, say, a spreadsheet header) shown as \\n."""
    from rich.markup import escape

    return escape(str(message).replace("\r", "\\r").replace("\n", "\\n"))


def show_notice(message, category, filename, lineno, file=None, line=None):
    from deepmine.errors import DataWarning

    if issubclass(category, DataWarning):
        err.print(f"[yellow]note:[/] {one_line(message)}", highlight=False, soft_wrap=True, emoji=False)
    elif not issubclass(category, (DeprecationWarning, FutureWarning)):
        err.print(f"[yellow]warning:[/] {category.__name__}: {one_line(message)}", highlight=False, soft_wrap=True,
                  emoji=False)


def parse_roles(items: List[str] | None) -> dict[str, str]:
    roles = {}
    for item in items or []:
        col, sep, role = item.rpartition("=")
        if not sep or not col:
            raise DataError(f"--role takes COLUMN=ROLE (e.g. --role zip=categorical), got {item!r}")
        roles[col] = role
    return roles


def model_folder(path: Path) -> tuple[Path, Optional[Path]]:
    """:func:`deepmine.persist.model_folder`, imported when called so that the command starts fast."""
    from deepmine.persist import model_folder as folders

    return folders(path)


def parse_k(k: str, what: str = "clusters") -> int | str:
    """--k: a number of groups (2 or more) or 'auto'."""
    if k == "auto":
        return "auto"
    try:
        value = int(k)
    except ValueError:
        raise DataError(f"--k takes a number of {what} (2 or more) or 'auto', got {k!r}") from None
    if value < 2:
        raise DataError(f"--k must be at least 2 (or 'auto'), got {value}")
    return value


def print_board(board, title: str) -> None:
    frame = board.frame
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(col, justify="left" if col in ("model", "kind") else "right")
    best = {}
    from deepmine.evaluation.metrics import greater_is_better

    for m in board.frame.columns:
        if greater_is_better(m) is not None and frame[m].notna().any():
            best[m] = frame[m].max() if greater_is_better(m) else frame[m].min()
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


# Set by the root option --quiet: no progress line (the leaderboard and notices still print).
QUIET = False


@contextmanager
def progress_line(start: str):
    """A live status line on stderr: the model being fitted and, for networks, its epoch and losses.
    Yields the function ``compare`` calls before each model; under --quiet nothing is shown."""
    if QUIET:
        yield lambda message: None
        return
    from deepmine.training.callbacks import epoch_listener

    current = {"message": start}

    def on_model(message: str) -> None:
        current["message"] = message
        status.update(message)

    def on_epoch(epoch: int, total: int, record: dict) -> None:
        losses = "  ".join(f"{k} {v:.4f}" for k, v in record.items() if k.endswith("_loss") and isinstance(v, float))
        status.update(f"{current['message']}: epoch {epoch}/{total}  {losses}")

    with err.status(start) as status, epoch_listener(on_epoch):
        yield on_model


def run_folder(out_dir: Optional[Path], task: str, force: bool) -> Path:
    if out_dir is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out_dir = Path("runs") / f"{task}-{stamp}"
    if out_dir.exists() and not force:
        raise OutputExistsError(f"the run folder '{out_dir}' exists already; pass --force to replace it or "
                                f"choose another with --out")
    return out_dir


def write_run(board, out_dir: Path, keep_all: bool, command: dict, extra=None) -> None:
    """Write the run folder beside its destination, then rename it into place: never half-written."""
    from deepmine.persist import save_model
    from deepmine.persist.atomic import atomic_folder
    from deepmine.report.artifacts import write_artifacts
    from deepmine.report.build import write_core_files

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
        _write_report(tmp)


def _write_report(folder: Path) -> None:
    """report.html from the finished run folder; a report that cannot be written never fails the run."""
    try:
        from deepmine.report.build import write_report

        write_report(folder)
    except Exception as exc:  # noqa: BLE001 - the run's results matter more than its page
        err.print(f"[yellow]note:[/] no report.html ({type(exc).__name__}: {exc}); `deepmine report` can retry",
                  highlight=False, soft_wrap=True)


def checkpoint_folder(out_dir: Optional[Path], checkpoint_dir: Optional[Path], resume: bool, command: dict,
                      force: bool = False) -> Optional[Path]:
    """Where a run's training checkpoints go: ``--checkpoint-dir``, else ``<run folder>.checkpoints`` (made with
    the first checkpoint, removed once the run folder is written). With ``--resume`` the folder must hold the
    checkpoints of the same command (its command.json); without it, a default folder left by an interrupted
    run is cleared first, and a ``--checkpoint-dir`` holding an earlier run's checkpoints is refused (their
    command.json would no longer describe them), or cleared with ``--force``."""
    import shutil

    if out_dir is None and checkpoint_dir is None:
        if resume:
            raise DataError("--resume needs the --out of the interrupted run (or its --checkpoint-dir)")
        return None
    folder = checkpoint_dir or out_dir.with_name(out_dir.name + ".checkpoints")
    if resume:
        record = folder / "command.json"
        if not record.exists():
            raise DataError(f"there is nothing to resume in '{folder}'; run the command without --resume")
        saved = json.loads(record.read_text(encoding="utf-8"))
        wanted = json.loads(json.dumps(command, default=str))
        changed = sorted(k for k in set(saved) | set(wanted) if saved.get(k) != wanted.get(k))
        if changed:
            raise DataError(f"the checkpoints in '{folder}' are from another command (it differs in "
                            f"{', '.join(changed)}); resume with the same options, or run without --resume")
    elif checkpoint_dir is None and folder.exists():
        shutil.rmtree(folder)  # an interrupted run's leftovers, not resumed
    elif (folder / "command.json").exists():
        if not force:
            raise OutputExistsError(f"'{folder}' holds the checkpoints of an earlier run; pass --resume to continue "
                                    f"it, --force to start again from scratch, or choose another --checkpoint-dir")
        shutil.rmtree(folder)
    return folder


def run_compare(task: str, data: str, out_dir: Optional[Path], force: bool, keep_all: bool, command: dict,
                compare_kwargs: dict, title, extra=None, checkpoint_dir: Optional[Path] = None, resume: bool = False,
                checkpoints: bool = False):
    """Compare the candidates of ``task``, print the leaderboard, write the run folder; return the Leaderboard.

    With ``checkpoints`` (the commands that offer --checkpoint-dir and --resume) the networks save their
    state after each epoch (see :mod:`deepmine.training.checkpoints`): into ``checkpoint_dir`` from the first
    epoch, else into ``<run folder>.checkpoints`` once the run has lasted a minute, removed when the run
    folder is written."""
    import shutil
    from contextlib import nullcontext

    from deepmine.evaluation import compare
    from deepmine.training import distributed as dd
    from deepmine.training.checkpoints import checkpointing

    # under torchrun every rank fits every candidate (networks with DDP, traditional models alike: they are
    # cheap, and the ranks must reach the same collectives in the same order); rank 0 reports

    explicit_out = out_dir
    out_dir = run_folder(out_dir, task, force)
    full_command = {"task": task, "data": data, **command}
    # checkpoints belong to everything that shapes the training (the split, roles, source table, options),
    # not only to what the run folder's command.json records
    trained_on = {"task": task, "data": data, **compare_kwargs}
    folder = None
    if checkpoints and dd.is_main():
        folder = checkpoint_folder(explicit_out if resume else out_dir, checkpoint_dir, resume, trained_on, force)
    if checkpoints and dd.is_distributed():
        folder = dd.broadcast_object(folder)
    saving = (checkpointing(folder, resume=resume, every="epoch" if checkpoint_dir else "auto",
                            meta=json.loads(json.dumps(trained_on, default=str)))
              if folder is not None else nullcontext())
    try:
        with (progress_line(f"{task} on {data}") if dd.is_main() else nullcontext(lambda message: None)) as progress, \
                saving:
            board = compare(task, data, progress=progress, **compare_kwargs)
    except Exception:
        if folder is not None and checkpoint_dir is None and dd.is_main():
            shutil.rmtree(folder, ignore_errors=True)  # an error, not an interruption: nothing to resume
        raise
    if not dd.is_main():  # torchrun: only rank 0 prints the leaderboard and writes the run folder
        return board
    print_board(board, title(board) if callable(title) else title)
    write_run(board, out_dir, keep_all, full_command, extra)
    if folder is not None and checkpoint_dir is None:
        shutil.rmtree(folder, ignore_errors=True)  # the run is complete: nothing left to resume
    saved = f"best model: {board.best} in {out_dir}/model" if board.best_kept == board.best else (
        f"best kept model: {board.best_kept} in {out_dir}/model" if board.best_kept else "no model kept")
    out.print(f"wrote {out_dir}/ ({saved})", highlight=False)
    return board


def run_task(task: str, data: str, target: str, models: Optional[str], test_size: float, cv: Optional[int],
              seed: int, out_dir: Optional[Path], role: List[str] | None, time_column: Optional[str],
              group_column: Optional[str], table: Optional[str], query: Optional[str], keep_all: bool,
              force: bool, title: str | None = None, calibrate: Optional[str] = None, stream: Optional[bool] = None,
              memory_budget: Optional[str] = None, precision: str = "float32", checkpoint_dir: Optional[Path] = None,
              resume: bool = False, budget: Optional[str] = None, ensemble: Optional[bool] = None,
              workers: int = 1, storage: Optional[str] = None, study: Optional[str] = None):
    kwargs = dict(target=target, models=models, test_size=test_size, cv=cv, random_state=seed,
                  roles=parse_roles(role), time_column=time_column, group_column=group_column, table=table,
                  query=query, calibrate=calibrate or False, budget=budget, ensemble=ensemble, workers=workers,
                  storage=storage, study=study)
    kwargs["stream"] = "auto" if stream is None else stream
    if precision != "float32":
        from deepmine.training.precision import PRECISIONS

        if precision not in PRECISIONS:
            raise DataError(f"--precision takes {', '.join(PRECISIONS)}, got {precision!r}")
        kwargs["options"] = {"precision": precision}
    if memory_budget is not None:
        import os

        from deepmine.data.memory import parse_size

        parse_size(memory_budget)  # a clear error for a value that is not a size
        os.environ["DEEPMINE_MEMORY_BUDGET"] = memory_budget

    def default_title(board):
        info = board.info
        streamed = (f", streamed: traditional models on a sample of {info['sample_rows']} rows"
                    if info.get("streamed") else "")
        return (f"{task}: {data} -> {target}  ({info['train_rows']} train / {info['test_rows']} test rows, "
                f"{info['split']} split, seed {seed}{streamed})")

    command = {k: v for k, v in kwargs.items() if k not in ("table", "query")}
    return run_compare(task, data, out_dir, force, keep_all, command, kwargs, title or default_title,
                       checkpoint_dir=checkpoint_dir, resume=resume, checkpoints=True)


DATA_OPTION = typer.Argument(..., help="CSV/TSV, Parquet, JSON lines, a SQLAlchemy URL, or dataset:NAME.")
TARGET_OPTION = typer.Option(..., "--target", "-t", help="The column to predict.")
MODELS_OPTION = typer.Option(None, "--models", "-m", help="Comma-separated candidates; 'all' for every one, "
                             "'default' for the default set (the default: every candidate but the slowest, "
                             "TabM, XGBoost and CatBoost on tables).")
TEST_OPTION = typer.Option(0.25, "--test-size", help="Share of rows held out for scoring.")
CV_OPTION = typer.Option(None, "--cv", help="Also cross-validate with K folds on the training part.")
SEED_OPTION = typer.Option(0, "--seed", help="Seed of the split and of every model.")
OUT_OPTION = typer.Option(None, "--out", "-o", help="Run folder (default runs/<task>-<timestamp>).")
ROLE_OPTION = typer.Option(None, "--role", help="COLUMN=ROLE (numeric, categorical, text, datetime, id, drop); repeatable.")
TIME_OPTION = typer.Option(None, "--time-column", help="Hold out the latest rows by this column.")
GROUP_OPTION = typer.Option(None, "--group-column", help="Keep each group's rows on one side of the split.")
TABLE_OPTION = typer.Option(None, "--table", help="Table to read from a SQL database URL.")
QUERY_OPTION = typer.Option(None, "--query", help="SQL query to run on a database URL.")
TUNE_OPTION = typer.Option(None, "--budget", help="Tune every model that has a search space on a validation part "
                           "of the training rows first: trials per model (50) or a time for the whole run (90s, "
                           "10m, 1h); Optuna's seeded TPE picks the trials, trials.csv keeps them all. Adds the "
                           "ensembles too.")
WORKERS_OPTION = typer.Option(1, "--workers", help="Run the trials in N processes that share one Optuna storage "
                              "(each on one thread).")
STORAGE_OPTION = typer.Option(None, "--storage", help="Where the trials live: a database URL (e.g. "
                              "postgresql+psycopg://user@host/db, for workers on several machines) or a journal "
                              "file; default a temporary file.")
STUDY_OPTION = typer.Option(None, "--study", help="Name the studies in --storage; the same name and storage on "
                            "several machines share the trials.")
ENSEMBLE_OPTION = typer.Option(None, "--ensemble/--no-ensemble", help="Add greedy weighted ensembles of all, the "
                               "deep and the traditional models (default: with --budget).")
CALIBRATE_OPTION = typer.Option(None, "--calibrate", help="Calibrate every classifier's probabilities on a fifth "
                                "of its training rows: auto (temperature for networks, isotonic/Platt otherwise), "
                                "temperature, isotonic or sigmoid.")
STREAM_OPTION = typer.Option(None, "--stream/--no-stream", help="Read the table in batches, never whole: networks "
                             "train on every row, traditional models on a sample (default: stream when the table "
                             "is larger than the memory budget).")
BUDGET_OPTION = typer.Option(None, "--memory-budget", help="The most memory the table may take as a DataFrame "
                             "(e.g. 4GB; default DEEPMINE_MEMORY_BUDGET, else a quarter of the free memory); larger "
                             "tables are streamed.")
PRECISION_OPTION = typer.Option("float32", "--precision", help="Mixed precision for training the networks: float32, "
                                "bf16, fp16 or auto (bf16/fp16 on a CUDA GPU, float32 on the CPU).")
CHECKPOINT_OPTION = typer.Option(None, "--checkpoint-dir", help="Save each network's training state there after "
                                 "every epoch (default: <run folder>.checkpoints once a run has lasted a minute, "
                                 "removed when it completes).")
RESUME_OPTION = typer.Option(False, "--resume", help="Continue an interrupted run (same command and --out, or its "
                             "--checkpoint-dir) from each network's last saved epoch.")
KEEP_OPTION = typer.Option(False, "--keep-all", help="Save every model, not only the best.")
FORCE_OPTION = typer.Option(False, "--force", help="Replace an existing run folder.")


def parse_contamination(value: str) -> float | str:
    """--contamination: a share in (0, 0.5] or 'auto'; anything else is one clear line."""
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
