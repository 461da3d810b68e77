"""Log a comparison to MLflow, from its run folder: one run per comparison, one nested run per candidate (and per
tuning trial, under its candidate), and the best model as an MLflow model that ``mlflow.pyfunc.load_model`` opens.

The run folder is the source: the tracker reads its ``metrics.json``, ``leaderboard.csv``, ``history.csv`` and
``trials.csv``, so any run folder (a CLI run, a ``compare(track=...)`` call, a past run) logs the same way, and the
tracker never holds a second copy of the results. With the Leaderboard at hand, each model's ``get_params()`` are
logged too; without it, the saved models' ``config.json``.

Nothing deepmine writes into MLflow's store is a pickle: the model is logged in MLflow's *models from code* form,
whose code (:mod:`deepmine.track.pyfunc_model`) calls :func:`deepmine.load` on the model folder logged beside it
(JSON, safetensors, the boosters' own files, skops).
"""

from __future__ import annotations

import ast
import json
import math
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from deepmine.errors import DataError, DeepmineError, require

EXPERIMENT = "deepmine"
# the run folder's files logged as artefacts of the comparison (its figures too: every top-level image)
ARTEFACTS = ("leaderboard.csv", "metrics.json", "report.html", "history.csv", "trials.csv", "command.json")
FIGURES = (".png", ".svg")
_PARAM_VALUE = 500  # MLflow servers before 2.x cap a parameter's value at 500 characters
_BATCH = 900  # metrics per log_batch call (MLflow takes at most 1,000)
ARTIFACT = "deepmine_model"  # the name of the model folder among the MLflow model's artifacts
MODEL_CODE = Path(__file__).with_name("pyfunc_model.py")

#: the tags deepmine sets on a comparison's run, which ``deepmine runs`` reads back
TASK_TAG, DATA_TAG, WINNER_TAG, VERDICT_TAG = "deepmine.task", "deepmine.data", "deepmine.winner", "deepmine.verdict"
BEST_DEEP_TAG, BEST_TRADITIONAL_TAG, PRIMARY_TAG = "deepmine.best_deep", "deepmine.best_traditional", "deepmine.primary"
MODEL_URI_TAG, KIND_TAG, VERSION_TAG = "deepmine.model_uri", "deepmine.kind", "deepmine.version"


def _is_uri(text: str) -> bool:
    """Whether ``text`` names a store by a scheme MLflow reads (anything else is a folder for a local store)."""
    return "://" in text or text.startswith(("databricks", "sqlite:"))


def tracking_uri(uri: str, create: bool = True) -> str:
    """A tracking URI as MLflow takes it. ``sqlite:///``, ``http(s)://``, ``file://`` and MLflow's other schemes
    pass through. A plain folder is a local store in that folder: MLflow's recommended SQLite database
    (``<folder>/mlflow.db``) with the artefacts beside it (``<folder>/artifacts``); MLflow 3 keeps its older
    file store (``file://`` URIs) in maintenance mode and refuses it unless ``MLFLOW_ALLOW_FILE_STORE=true``."""
    text = str(uri).strip()
    if not text:
        raise DataError("--track needs a tracking URI: a folder, sqlite:///mlflow.db or http://host:5000")
    if _is_uri(text):
        return text
    folder = Path(text).expanduser().resolve()
    if not create and not (folder / "mlflow.db").is_file():
        raise DataError(f"there is no deepmine tracking store in '{folder}' (no mlflow.db); track a comparison there "
                        f"first with --track {text}")
    if folder.exists() and not folder.is_dir():
        raise DataError(f"--track {text}: '{folder}' is a file; give a folder for a local store, sqlite:///FILE.db "
                        f"or http://host:port")
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'mlflow.db'}"


def artifact_location(uri: str) -> str | None:
    """Where a new experiment keeps its artefacts: beside the database of a local store (a plain folder), else
    MLflow's default for the URI."""
    text = str(uri).strip()
    if _is_uri(text):
        return None
    return (Path(text).expanduser().resolve() / "artifacts").as_uri()


def check_tracking(uri: str) -> None:
    """Before a comparison that will be tracked: MLflow is installed, the URI is one it takes, and a tracking
    server answers (within five seconds), so that a mistake stops the command before any model is fitted."""
    import urllib.error
    import urllib.request

    require("mlflow", "track")
    resolved = tracking_uri(uri)
    if resolved.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(resolved.rstrip("/") + "/health", timeout=5):
                pass
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DataError(f"no MLflow tracking server answers at {resolved} ({reason}); start one with "
                            f"`mlflow server`, or track to a folder") from None


@contextmanager
def _tracking(uri: str, create: bool = True):
    """MLflow's fluent API pointed at ``uri`` for the block, the caller's tracking URI restored after it."""
    import logging
    import os

    mlflow = require("mlflow", "track")
    from mlflow.tracking._tracking_service import utils

    previous, environment = getattr(utils, "_tracking_uri", None), os.environ.get("MLFLOW_TRACKING_URI")
    logger = logging.getLogger("mlflow")
    level, bar = logger.level, os.environ.get("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR")
    logger.setLevel(logging.WARNING)  # "creating the database tables": MLflow's own bookkeeping
    os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
    mlflow.set_tracking_uri(tracking_uri(uri, create))
    try:
        yield mlflow
    finally:
        mlflow.set_tracking_uri(previous)  # None unsets MLFLOW_TRACKING_URI, which the caller's may have held
        for name, value in (("MLFLOW_TRACKING_URI", environment), ("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", bar)):
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        logger.setLevel(level)


def winner(verdict: str) -> str:
    """"deep", "traditional", "tie" or "none", from the verdict's first words."""
    head = str(verdict).split(":", 1)[0]
    return {"deep learning wins": "deep", "the traditional method wins": "traditional", "a tie": "tie"}.get(head,
                                                                                                        "none")


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _flat_params(params: dict, prefix: str = "") -> dict[str, str]:
    """Parameters as MLflow keeps them: strings, nested estimators by their class name, long values cut."""
    flat = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if hasattr(value, "get_params") and not isinstance(value, type):
            value = type(value).__name__
        elif isinstance(value, (list, tuple)) and value and all(hasattr(v, "get_params") or isinstance(v, tuple)
                                                                 for v in value):
            value = [v[0] if isinstance(v, tuple) else type(v).__name__ for v in value]
        text = value if isinstance(value, str) else json.dumps(value, default=lambda o: type(o).__name__)
        flat[name[:250]] = text if len(text) <= _PARAM_VALUE else text[:_PARAM_VALUE - 3] + "..."
    return flat


def _model_params(name: str, run_dir: Path, board, best: str | None) -> dict[str, str]:
    """A candidate's parameters: ``get_params()`` of the model in ``board``, else those its saved folder records
    (every model's under ``models/`` with --keep-all, the best one's under ``model/``)."""
    model = getattr(board, "models", {}).get(name) if board is not None else None
    if model is not None and hasattr(model, "get_params"):
        try:
            return _flat_params(model.get_params(deep=True))
        except Exception:  # noqa: BLE001 - a model whose parameters cannot be read still gets its scores
            return {}
    folders = [run_dir / "models" / name] + ([run_dir / "model"] if name == best else [])
    for folder in folders:
        saved = _read_json(folder / "config.json").get("params")
        if isinstance(saved, dict):
            return _flat_params(saved)
    return {}


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _log_metrics(client, run_id: str, values: dict[str, Any], step: int = 0) -> None:
    from mlflow.entities import Metric

    now = int(pd.Timestamp.now().timestamp() * 1000)
    metrics = [Metric(key[:250], number, now, step) for key, value in values.items()
               if (number := _number(value)) is not None]
    for start in range(0, len(metrics), _BATCH):
        client.log_batch(run_id, metrics=metrics[start:start + _BATCH])


def _log_history(client, run_id: str, history: pd.DataFrame) -> None:
    """Each epoch's losses and scores as steps of one metric per column (train_loss, valid_loss, lr, ...)."""
    from mlflow.entities import Metric

    now = int(pd.Timestamp.now().timestamp() * 1000)
    columns = [c for c in history.columns if c not in ("model", "epoch", "seconds") and
               pd.api.types.is_numeric_dtype(history[c])]
    metrics = []
    for position, row in enumerate(history.itertuples(index=False)):
        record = row._asdict()
        step = int(record.get("epoch", position + 1)) if _number(record.get("epoch")) is not None else position + 1
        for column in columns:
            number = _number(record[column])
            if number is not None:
                metrics.append(Metric(f"epoch_{column}"[:250], number, now, step))
    for start in range(0, len(metrics), _BATCH):
        client.log_batch(run_id, metrics=metrics[start:start + _BATCH])


def _log_trials(client, trials: pd.DataFrame, experiment_id: str, parent_id: str) -> None:
    """Every tuning trial of one candidate as a run nested under the candidate's run."""
    for row in trials.to_dict("records"):
        run = client.create_run(experiment_id, run_name=f"{row.get('model')} trial {row.get('trial')}",
                                tags={"mlflow.parentRunId": parent_id, "deepmine.trial": str(row.get("trial")),
                                      "deepmine.trial_state": str(row.get("state", ""))})
        params = row.get("params")
        if isinstance(params, str):  # trials.csv holds each trial's parameters as a Python literal
            try:
                params = ast.literal_eval(params)
            except (ValueError, SyntaxError):
                params = {"params": params}
        for key, value in _flat_params(params if isinstance(params, dict) else {}).items():
            client.log_param(run.info.run_id, key, value)
        _log_metrics(client, run.info.run_id, {"score": row.get("score"), "seconds": row.get("seconds")})
        client.set_terminated(run.info.run_id)


def track_run(run_dir, uri: str, *, board=None, register: str | None = None, experiment: str = EXPERIMENT,
              run_name: str | None = None, record_folder: bool = True) -> str:
    """Log the run folder ``run_dir`` to the MLflow tracking server or store at ``uri``; return the run's id.

    Parameters
    ----------
    run_dir : a run folder (what ``deepmine classify ...`` writes, or :func:`deepmine.report.build.write_run`).
    uri : a folder (a file store), ``sqlite:///mlflow.db`` or an ``http://`` tracking server.
    board : the comparison's Leaderboard, when at hand: each model's ``get_params()`` are logged from it.
    register : register the best model under this name in MLflow's model registry.
    experiment : the MLflow experiment (created if needed).
    run_name : the comparison's run name; by default "<task>: <data>".
    record_folder : tag the run with the run folder's path (``deepmine.run_folder``); off for a temporary folder.

    Notes
    -----
    The comparison's run holds the parameters (task, data, rows, split, options), a metric per leaderboard cell
    (``<model>.<metric>``) and the best deep and traditional scores, the tags (deepmine version, task, verdict,
    winner) and the artefacts (leaderboard.csv, metrics.json, report.html, history.csv, trials.csv and the
    figures). Each candidate's nested run holds its parameters, its leaderboard row and its losses per epoch
    as steps; each tuning trial is a run nested under its candidate. The best model is logged as an MLflow
    model (models from code; no pickle), which ``mlflow.pyfunc.load_model`` opens.
    """
    run_dir = Path(run_dir)
    try:
        return _track_run(run_dir, uri, board, register, experiment, run_name, record_folder)
    except DeepmineError:
        raise
    except Exception as exc:  # noqa: BLE001 - MLflow's and the network's errors, as one line with the way out
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        raise DataError(f"logging '{run_dir}' to MLflow at {uri} failed ({type(exc).__name__}: {first}); the run "
                        f"folder is kept: log it again with `deepmine runs log {run_dir} {uri}`") from exc


def _track_run(run_dir: Path, uri: str, board, register, experiment: str, run_name, record_folder: bool) -> str:
    import deepmine

    metrics_doc = _read_json(run_dir / "metrics.json")
    if not metrics_doc or not (run_dir / "leaderboard.csv").is_file():
        raise DataError(f"'{run_dir}' is not a run folder (no metrics.json and leaderboard.csv); track the folder "
                        f"a deepmine command wrote")
    leaderboard = pd.read_csv(run_dir / "leaderboard.csv")
    history = pd.read_csv(run_dir / "history.csv") if (run_dir / "history.csv").is_file() else None
    trials = pd.read_csv(run_dir / "trials.csv") if (run_dir / "trials.csv").is_file() else None
    command = metrics_doc.get("command") or {}
    info = metrics_doc.get("info") or {}
    task, primary, verdict = metrics_doc.get("task"), metrics_doc.get("primary"), metrics_doc.get("verdict", "")
    data = str(command.get("data") or info.get("data") or run_dir.name)
    best = {kind: leaderboard[leaderboard["kind"] == kind].iloc[0] if (leaderboard["kind"] == kind).any() else None
            for kind in ("deep", "traditional")}

    with _tracking(uri) as mlflow, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLflow's own notices (file store, pip inference) are not the user's
        client = mlflow.MlflowClient()
        found = client.get_experiment_by_name(experiment)
        experiment_id = (found.experiment_id if found is not None else
                         client.create_experiment(experiment, artifact_location=artifact_location(uri)))
        tags = {VERSION_TAG: deepmine.__version__, TASK_TAG: str(task), DATA_TAG: data, VERDICT_TAG: verdict[:4900],
                WINNER_TAG: winner(verdict), PRIMARY_TAG: str(primary), "mlflow.note.content": verdict[:4900]}
        if record_folder:
            tags["deepmine.run_folder"] = str(run_dir.resolve())
        for kind, tag in (("deep", BEST_DEEP_TAG), ("traditional", BEST_TRADITIONAL_TAG)):
            row = best[kind]
            if row is not None:
                score = _number(row.get(primary)) if primary else None
                tags[tag] = f"{row['model']}" + (f" {score:.4f}" if score is not None else "")
        parent = client.create_run(experiment_id, run_name=run_name or f"{task}: {data}", tags=tags)
        parent_id = parent.info.run_id
        params = {"task": task, "data": data, "primary": primary, "models": ",".join(map(str, leaderboard["model"]))}
        params |= {k: info[k] for k in ("rows", "train_rows", "test_rows", "target", "random_state", "test_size",
                                        "split") if k in info and not isinstance(info[k], (dict, list))}
        params |= {f"command.{k}": v for k, v in command.items() if k not in ("task", "data") and v is not None}
        for key, value in _flat_params(params).items():
            client.log_param(parent_id, key, value)
        summary = {f"{row['model']}.{col}": row[col] for row in leaderboard.to_dict("records")
                   for col in leaderboard.columns if col not in ("model", "kind")}
        for kind in ("deep", "traditional"):
            if best[kind] is not None and primary in leaderboard.columns:
                summary[f"best_{kind}_{primary}"] = best[kind][primary]
        paired = metrics_doc.get("paired") or {}
        summary |= {f"deep_minus_traditional{'' if k == 'difference' else '_' + k}": paired.get(k)
                    for k in ("difference", "low", "high") if k in paired}
        _log_metrics(client, parent_id, summary)

        for row in leaderboard.to_dict("records"):
            name = str(row["model"])
            child = client.create_run(experiment_id, run_name=name,
                                      tags={"mlflow.parentRunId": parent_id, KIND_TAG: str(row["kind"]),
                                            TASK_TAG: str(task), "deepmine.model": name})
            child_id = child.info.run_id
            for key, value in _model_params(name, run_dir, board, metrics_doc.get("best")).items():
                client.log_param(child_id, key, value)
            _log_metrics(client, child_id, {k: v for k, v in row.items() if k not in ("model", "kind")})
            if history is not None and "model" in history.columns:
                _log_history(client, child_id, history[history["model"] == name])
            if trials is not None and "model" in trials.columns:
                _log_trials(client, trials[trials["model"] == name], experiment_id, child_id)
            client.set_terminated(child_id)

        for path in sorted(run_dir.iterdir()):
            if path.is_file() and (path.name in ARTEFACTS or path.suffix.lower() in FIGURES):
                client.log_artifact(parent_id, str(path))

        if (run_dir / "model" / "config.json").is_file():
            _log_model(mlflow, parent_id, run_dir / "model", register, tags)
        client.set_terminated(parent_id)
    return parent_id


def _log_model(mlflow, run_id: str, model_dir: Path, register: str | None, tags: dict) -> None:
    """The best model as an MLflow model in the *models from code* form: MLflow stores the code file
    (:mod:`deepmine.track.pyfunc_model`) and the model folder as an artefact; nothing is pickled."""
    import deepmine

    with mlflow.start_run(run_id=run_id):
        info = mlflow.pyfunc.log_model(name="model", python_model=str(MODEL_CODE), artifacts={ARTIFACT: str(model_dir)},
                                       pip_requirements=[f"deepmine=={deepmine.__version__}"],
                                       registered_model_name=register)
    mlflow.MlflowClient().set_tag(run_id, MODEL_URI_TAG, info.model_uri)
