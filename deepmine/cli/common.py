"""What the deepmine sub-commands share: consoles, one-line errors, run folders, options."""

from __future__ import annotations

import functools
import json
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from deepmine.errors import DataError, DeepmineError, OutputExistsError

out = Console()
err = Console(stderr=True)
# Set by the global option --quiet (before or after the sub-command): no progress line (the leaderboard and
# notices still print).
QUIET = False
QUIET_HELP = "No progress line while models train (the leaderboard still prints)."
# Piped output (CI logs, files) would otherwise be cut to 80 columns and truncate the leaderboard.
for _console in (out, err):
    if not _console.is_terminal:
        _console.width = 160


def with_options(wrapper, fn, options: dict) -> None:
    """Give ``wrapper`` (a functools.wraps of ``fn``) the signature of ``fn`` plus ``options`` (name ->
    (annotation, typer.Option)): typer reads a command's options from its signature and annotations, so this
    is how a decorator adds options to every command it wraps."""
    import inspect

    signature = inspect.signature(fn)
    clash = sorted(set(options) & set(signature.parameters))
    if clash:
        raise TypeError(f"{fn.__name__} already has the parameter(s) {', '.join(clash)} that a decorator adds")
    wrapper.__signature__ = signature.replace(parameters=[
        *signature.parameters.values(),
        *(inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=annotation, default=option)
          for name, (annotation, option) in options.items())])
    wrapper.__annotations__ = {**fn.__annotations__, **{name: a for name, (a, _) in options.items()}}


def friendly(fn):
    """Turn a DeepmineError into one line on stderr and exit status 2, without a traceback; and give the
    command the global option --quiet (-q unless the command uses it), so that it works after the
    sub-command as well as before it."""
    import inspect

    taken = {decl for p in inspect.signature(fn).parameters.values()
             for decl in getattr(p.default, "param_decls", None) or ()}
    quiet_option = typer.Option(False, "--quiet", *(() if "-q" in taken else ("-q",)), help=QUIET_HELP)

    @functools.wraps(fn)
    def wrapper(*args, quiet: bool = False, **kwargs):
        global QUIET
        if quiet:
            QUIET = True
        try:
            return fn(*args, **kwargs)
        except DeepmineError as exc:
            err.print(f"[bold red]error:[/] {one_line(exc)}", highlight=False, soft_wrap=True, emoji=False)
            raise typer.Exit(2)
        except KeyboardInterrupt:
            err.print("interrupted; nothing was written")
            raise typer.Exit(130)

    with_options(wrapper, fn, {"quiet": (bool, quiet_option)})
    return wrapper


#: what --track and --register gave the command that is running; run_compare logs its run folder when set
TRACKING: ContextVar[tuple] = ContextVar("deepmine_tracking", default=(None, None))
TRACK_HELP = ("Log the comparison to MLflow (the track extra): a folder (a local store), sqlite:///mlflow.db or "
              "http://host:5000.")
REGISTER_HELP = "With --track: register the best model under this name in MLflow's model registry."


def tracked(fn):
    """Give a command that compares the options --track URI and --register NAME (below :func:`friendly`, which
    turns their errors into one line). MLflow is checked for, and a tracking server reached, before any model is
    fitted; :func:`run_compare` logs the finished run folder (:func:`deepmine.track.track_run`)."""

    @functools.wraps(fn)
    def wrapper(*args, track: Optional[str] = None, register: Optional[str] = None, **kwargs):
        if register and not track:
            raise DataError("--register names the model in MLflow's model registry; give --track URI too")
        if track:
            from deepmine.track.mlflow_log import check_tracking

            check_tracking(track)
        token = TRACKING.set((track, register))
        try:
            return fn(*args, **kwargs)
        finally:
            TRACKING.reset(token)

    with_options(wrapper, fn, {
        "track": (Optional[str], typer.Option(None, "--track", metavar="URI", help=TRACK_HELP)),
        "register": (Optional[str], typer.Option(None, "--register", metavar="NAME", help=REGISTER_HELP))})
    return wrapper


def show_usage_error(exc) -> None:
    """A usage error (a missing or unknown option, a value of the wrong type) as one line on stderr, like every
    other mistake: the message and where the help is."""
    ctx = getattr(exc, "ctx", None)
    hint = ""
    if ctx is not None and ctx.command.get_help_option(ctx) is not None:
        hint = f" Try '{ctx.command_path} {ctx.help_option_names[0]}'."
    message = exc.format_message().strip()
    if hint and not message.endswith((".", "?", "!")):
        message += "."
    err.print(f"[bold red]error:[/] {one_line(message + hint)}", highlight=False, soft_wrap=True, emoji=False)


try:  # typer 0.2x carries its own copy of click
    from typer._click.exceptions import ClickException as _ClickException
except ImportError:  # pragma: no cover - older typer uses click itself
    from click.exceptions import ClickException as _ClickException


class OneLineErrors(TyperGroup):
    """The root command: when it runs (``main``, as the ``deepmine`` command and typer's CliRunner call it),
    click's usage errors, of the root or of any sub-command, print as one line (see :func:`show_usage_error`)
    instead of typer's boxed panel, with click's exit status (2). --help is unchanged; so is parsing alone
    (``make_context`` outside ``main``), which raises the usage error as click does."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        running = _ONE_LINE.set(standalone_mode)
        try:
            return super().main(*args, standalone_mode=standalone_mode, **kwargs)
        finally:
            _ONE_LINE.reset(running)

    def make_context(self, *args, **kwargs):
        with _one_line_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):
        with _one_line_errors():
            return super().invoke(ctx)


_ONE_LINE = ContextVar("deepmine_one_line_errors", default=False)


@contextmanager
def _one_line_errors():
    try:
        yield
    except _ClickException as exc:
        # without arguments the help was printed already; parsing outside main raises as click does
        if type(exc).__name__ == "NoArgsIsHelpError" or not _ONE_LINE.get():
            raise
        show_usage_error(exc)
        raise typer.Exit(exc.exit_code) from None


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


#: the command that runs each task, to point a bundled dataset given to another command at its own
TASK_COMMANDS = {"classification": "classify", "regression": "regress", "clustering": "cluster", "anomaly": "detect",
                 "recommendation": "recommend", "text_classification": "text classify", "topics": "text topics",
                 "series_classification": "series classify", "forecasting": "series forecast",
                 "series_anomaly": "series detect", "image_classification": "images classify",
                 "communities": "graph communities", "link_prediction": "graph links"}


def bundled(data):
    """The registry entry of ``dataset:NAME`` (None for any other source; an unknown name is a DataError)."""
    if not (isinstance(data, str) and data.startswith("dataset:")):
        return None
    from deepmine.datasets.registry import lookup

    return lookup(data[len("dataset:"):])


def from_dataset(data: str, task: str, *options: tuple, required: dict[str, str] | None = None) -> tuple[list, str]:
    """Each option's value, a bundled dataset's own where the option was not given; and the note that says so.

    ``options`` are ``(flag, value given, role)``: the role is "target" (the dataset's target) or a key of its
    ``defaults`` (time, id, split, text, user, item, label, edge_source, ..., k); "label" falls back to the
    target; None takes no default. ``required`` names the options that must have a value, each with what it
    names ("the column to predict"): those take the dataset's value only when the dataset is of ``task`` (or
    also serves it), and a missing one is a one-line DataError that points a dataset of another task at its own
    command. The note leaves out a column named like its option (--text text)."""
    entry = bundled(data)
    required = required or {}
    serves = entry is not None and (task == entry.task or task in entry.also)
    values, taken = [], []
    for flag, value, role in options:
        if value is None and role is not None and entry is not None and (serves or flag not in required):
            value = entry.target if role == "target" else entry.defaults.get(role)
            if value is None and role == "label":
                value = entry.target
            name = flag.lstrip("-").replace("-", " ")
            if value is not None and str(value) != name:  # "--text text" goes without saying
                taken.append(f"{name} {value}")
        if value is None and flag in required:
            what = required[flag]
            if entry is None:
                raise DataError(f"Missing option '{flag}': name {what} (a bundled dataset:NAME brings its own)")
            if not serves:
                own = f"deepmine {TASK_COMMANDS.get(entry.task, entry.task)} dataset:{entry.name}"
                own += " --horizon 12" if entry.task == "forecasting" else ""
                raise DataError(f"Missing option '{flag}': dataset:{entry.name} is a {entry.task.replace('_', ' ')} "
                                f"dataset, run it with '{own}'; or name {what} with {flag}")
            raise DataError(f"Missing option '{flag}': dataset:{entry.name} has no default for it; name {what}")
        values.append(value)
    return values, (f"{', '.join(taken)} from the dataset" if taken else "")


def noted(note: str) -> str:
    """A title's parenthesis starts with the note of :func:`from_dataset`, if any."""
    return f"{note}; " if note else ""


def network_options(max_epochs: Optional[int] = None, precision: Optional[str] = None, **more) -> Optional[dict]:
    """The ``options`` of compare for the shared training options (set on every network that has them), plus
    ``more``; None when there are none. ``precision`` None leaves each network at its own default."""
    options = {k: v for k, v in more.items() if v is not None}
    if max_epochs is not None:
        options["max_epochs"] = max_epochs
    if precision is not None:
        from deepmine.training.precision import PRECISIONS

        if precision not in PRECISIONS:
            raise DataError(f"--precision takes {', '.join(PRECISIONS)}, got {precision!r}")
        options["precision"] = precision
    return options or None


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
    """The run folder (:func:`deepmine.report.build.write_run`), imported when called so the command starts fast."""
    from deepmine.report.build import write_run as write_folder

    write_folder(board, out_dir, keep_all, command, extra)


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
                checkpoints: bool = False, note: str = ""):
    """Compare the candidates of ``task``, print the leaderboard, write the run folder; return the Leaderboard.
    ``note`` (what was taken from a bundled dataset) joins the progress line; the title should say it too.

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
        start = f"{task} on {data}" + (f" ({note})" if note else "")
        with (progress_line(start) if dd.is_main() else nullcontext(lambda message: None)) as progress, \
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
    track, register = TRACKING.get()
    if track:
        from deepmine.track import track_run

        run_id = track_run(out_dir, track, board=board, register=register)
        out.print(f"tracked in MLflow at {track}: run {run_id}"
                  + (f", best model registered as {register}" if register else ""), highlight=False)
    return board


def run_task(task: str, data: str, target: Optional[str], models: Optional[str], test_size: float, cv: Optional[int],
              seed: int, out_dir: Optional[Path], role: List[str] | None, time_column: Optional[str],
              group_column: Optional[str], table: Optional[str], query: Optional[str], keep_all: bool,
              force: bool, title: str | None = None, calibrate: Optional[str] = None, stream: Optional[bool] = None,
              memory_budget: Optional[str] = None, precision: Optional[str] = None, checkpoint_dir: Optional[Path] = None,
              resume: bool = False, budget: Optional[str] = None, ensemble: Optional[bool] = None,
              workers: int = 1, storage: Optional[str] = None, study: Optional[str] = None,
              max_epochs: Optional[int] = None):
    (target,), note = from_dataset(data, task, ("--target", target, "target"),
                                   required={"--target": "the column to predict"})
    kwargs = dict(target=target, models=models, test_size=test_size, cv=cv, random_state=seed,
                  roles=parse_roles(role), time_column=time_column, group_column=group_column, table=table,
                  query=query, calibrate=calibrate or False, budget=budget, ensemble=ensemble, workers=workers,
                  storage=storage, study=study)
    kwargs["stream"] = "auto" if stream is None else stream
    options = network_options(max_epochs, precision)
    if options:
        kwargs["options"] = options
    if memory_budget is not None:
        import os

        from deepmine.data.memory import parse_size

        parse_size(memory_budget)  # a clear error for a value that is not a size
        os.environ["DEEPMINE_MEMORY_BUDGET"] = memory_budget

    def default_title(board):
        info = board.info
        streamed = (f", streamed: traditional models on a sample of {info['sample_rows']} rows"
                    if info.get("streamed") else "")
        return (f"{task}: {data} -> {target}  ({noted(note)}{info['train_rows']} train / {info['test_rows']} test "
                f"rows, {info['split']} split, seed {seed}{streamed})")

    command = {k: v for k, v in kwargs.items() if k not in ("table", "query")}
    return run_compare(task, data, out_dir, force, keep_all, command, kwargs, title or default_title,
                       checkpoint_dir=checkpoint_dir, resume=resume, checkpoints=True, note=note)


DATA_OPTION = typer.Argument(..., help="CSV/TSV, Parquet, JSON lines, a SQLAlchemy URL, or dataset:NAME.")
TARGET_OPTION = typer.Option(None, "--target", "-t", help="The column to predict (default: a bundled dataset's "
                             "own target).")
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
PRECISION_OPTION = typer.Option(None, "--precision", help="Mixed precision for training the networks: float32, "
                                "bf16, fp16 or auto (bf16 on a CPU with native bfloat16 and on CUDA GPUs, else "
                                "float32); default: each network's own (see the Speed page).")
CHECKPOINT_OPTION = typer.Option(None, "--checkpoint-dir", help="Save each network's training state there after "
                                 "every epoch (default: <run folder>.checkpoints once a run has lasted a minute, "
                                 "removed when it completes).")
RESUME_OPTION = typer.Option(False, "--resume", help="Continue an interrupted run (same command and --out, or its "
                             "--checkpoint-dir) from each network's last saved epoch.")
MAX_EPOCHS_OPTION = typer.Option(None, "--max-epochs", min=1, help="Cap the networks' training epochs (default: "
                                  "each network's own).")
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
