"""`deepmine app`: a local web page to run comparisons from the browser; a view of the run folders the CLI writes.

The page (:mod:`deepmine.serve.app_page`) picks a bundled dataset or uploads a table, shows its columns with their
inferred roles, takes the task and the target, and starts the comparison. Comparisons run one at a time in a
background thread, queued in order, so the page stays responsive; the page polls their progress (the model being
fitted, its epochs) and shows the leaderboard, the verdict and the report when one finishes, with the best model's
folder to download. Finished runs are the run folders under ``runs_root`` (what `deepmine classify --out` writes),
listed newest first; the app keeps no second store.

Routes (under the same server as `deepmine serve`): ``GET /`` (the page), ``GET /api/datasets``, ``POST /api/upload``
(a CSV or Parquet file; kept under ``runs_root/.uploads`` by a name the server makes), ``GET /api/columns``,
``POST /api/runs``, ``GET /api/runs``, ``GET /api/runs/{name}``, ``GET /runs/{name}/report`` and
``GET /runs/{name}/model.zip``. A run is named by its folder; a name that is not a run folder under ``runs_root`` is
a 404, so no request reads outside it.
"""

import io
import json
import queue
import re
import threading
import time
import uuid
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from deepmine.errors import DeepmineError
from deepmine.serve.server import RequestError, read_uploaded_table

TASKS = ("classification", "regression", "clustering", "anomaly")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
_UPLOAD = re.compile(r"^upload:([0-9a-f]{32})\.(csv|parquet)$")


@dataclass
class Job:
    """One comparison asked for from the page: queued, running, done or failed."""

    name: str
    task: str
    data: str
    target: str | None
    models: str | None
    status: str = "queued"
    messages: list = field(default_factory=list)
    error: str | None = None
    started: float | None = None
    finished: float | None = None


class Runner:
    """Runs the queued comparisons one after another in a background thread, each into its run folder."""

    def __init__(self, root: Path):
        self.root = root
        self.jobs: dict[str, Job] = {}
        self.uploads: dict[str, str] = {}  # "upload:<key>.<suffix>" -> the uploaded file's own name
        self.queue: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        threading.Thread(target=self._work, name="deepmine-app-runner", daemon=True).start()

    def submit(self, task: str, data: str, target: str | None, models: str | None) -> Job:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        with self.lock:
            name, k = f"{task}-{stamp}", 1
            while name in self.jobs or (self.root / name).exists():
                k += 1
                name = f"{task}-{stamp}-{k}"
            job = Job(name, task, data, target, models)
            self.jobs[name] = job
        self.queue.put(job)
        return job

    def _work(self) -> None:
        while True:
            job = self.queue.get()
            job.status, job.started = "running", time.time()
            try:
                self._run(job)
                job.status = "done"
            except Exception as exc:  # noqa: BLE001 - the page shows the failure; the runner goes on
                job.status = "failed"
                job.error = str(exc).splitlines()[0] if isinstance(exc, DeepmineError) and str(exc) else \
                    f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:300]}"
            job.finished = time.time()

    def _run(self, job: Job) -> None:
        from deepmine.report.build import write_run
        from deepmine.evaluation import compare
        from deepmine.training.callbacks import epoch_listener

        def progress(message: str) -> None:
            job.messages.append(message)

        def epoch(done: int, total: int, record) -> None:
            loss = record.get("valid_loss", record.get("train_loss"))
            note = f"  epoch {done}/{total}" + (f", loss {loss:.4f}" if isinstance(loss, float) else "")
            if job.messages and job.messages[-1].startswith("  epoch "):
                job.messages[-1] = note
            else:
                job.messages.append(note)

        data = self._data(job.data)
        kwargs = {"target": job.target} if job.task in ("classification", "regression") else {"label": job.target}
        with warnings.catch_warnings(), epoch_listener(epoch):
            warnings.simplefilter("ignore")
            board = compare(job.task, data, models=job.models or None, progress=progress, **kwargs)
        command = {"task": job.task, "data": self.uploads.get(job.data, job.data), "target": job.target,
                   "models": job.models, "app": True}
        write_run(board, self.root / job.name, False, command)
        job.messages.append(f"wrote {job.name}")

    def _data(self, source: str):
        if source.startswith("dataset:"):
            return source
        match = _UPLOAD.match(source)
        if match is None:
            raise RequestError(f"unknown data {source!r}; pick a bundled dataset or upload a table", 422)
        return str(self.root / ".uploads" / f"{match.group(1)}.{match.group(2)}")


def _columns(frame: pd.DataFrame) -> list[dict]:
    from deepmine.data.roles import infer_roles

    roles = infer_roles(frame)
    return [{"name": str(c), "role": roles.get(c, "?"), "example": None if pd.isna(frame[c].iloc[0]) else
             str(frame[c].iloc[0])[:40]} for c in frame.columns]


def _run_summary(folder: Path) -> dict | None:
    metrics_file = folder / "metrics.json"
    if not metrics_file.exists():
        return None
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    command = metrics.get("command") or {}
    return {"name": folder.name, "status": "done", "task": metrics.get("task"), "data": command.get("data"),
            "best": metrics.get("best"), "primary": metrics.get("primary"), "verdict": metrics.get("verdict"),
            "when": datetime.fromtimestamp(metrics_file.stat().st_mtime).isoformat(timespec="seconds")}


def add_app_routes(app, runs_root) -> None:
    """The app's page and its API on the FastAPI ``app`` (see the module)."""
    from fastapi import Request
    from fastapi.responses import FileResponse, HTMLResponse, StreamingResponse
    from starlette.concurrency import run_in_threadpool

    from deepmine.serve.app_page import PAGE

    root = Path(runs_root)
    (root / ".uploads").mkdir(parents=True, exist_ok=True)
    runner = Runner(root)
    app.state.runner = runner

    def folder_of(name: str) -> Path:
        folder = root / name
        if not _NAME.match(name) or not (folder / "metrics.json").exists():
            raise RequestError(f"no run named {name!r}", 404)
        return folder

    @app.get("/", response_class=HTMLResponse)
    def page():
        return PAGE

    @app.get("/api/datasets")
    def datasets():
        from deepmine.datasets import available

        frame = available()
        frame = frame[frame["task"].str.split(", ").map(lambda ts: any(t in TASKS for t in ts))]
        return [{"name": r["name"], "task": r["task"], "target": r["target"], "rows": int(r["rows"])}
                for _, r in frame.iterrows()]

    @app.get("/api/columns")
    def columns(data: str):
        """A bundled dataset's columns with their roles, its target and task (an upload's come with the upload)."""
        from deepmine.datasets import load

        if not data.startswith("dataset:"):
            raise RequestError("columns are listed for bundled datasets (dataset:NAME); an uploaded table's come "
                               "back from /api/upload", 422)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = load(data[len("dataset:"):])
        return {"columns": _columns(ds.frame.head(2000)), "target": ds.target,
                "task": ds.task if ds.task in TASKS else None}

    @app.post("/api/upload")
    async def upload(request: Request):
        form = await request.form(max_files=1, max_fields=5)
        file = form.get("file")
        if file is None or isinstance(file, str):
            raise RequestError("send the table in the form field 'file'", 422)
        suffix = "parquet" if (file.filename or "").lower().endswith(".parquet") else "csv"
        body = await file.read()
        frame = read_uploaded_table(body, suffix)  # the server's one reader of uploaded tables, with its errors
        if frame.shape[1] < 2:
            raise RequestError("the table needs rows and at least two columns", 422)
        key = uuid.uuid4().hex
        (root / ".uploads" / f"{key}.{suffix}").write_bytes(body)
        runner.uploads[f"upload:{key}.{suffix}"] = Path(file.filename or f"upload.{suffix}").name
        return {"data": f"upload:{key}.{suffix}", "name": file.filename, "rows": int(len(frame)),
                "columns": _columns(frame.head(2000))}

    @app.post("/api/runs")
    async def start(request: Request):
        try:
            asked = json.loads(await request.body() or b"{}")
        except ValueError:
            raise RequestError("the body is not valid JSON", 400) from None
        task, data = asked.get("task"), asked.get("data")
        if task not in TASKS:
            raise RequestError(f"task must be one of: {', '.join(TASKS)}", 422)
        if not isinstance(data, str) or not (data.startswith("dataset:") or _UPLOAD.match(data)):
            raise RequestError("pick a bundled dataset or upload a table first", 422)
        target = asked.get("target") or None
        if task in ("classification", "regression") and target is None:
            raise RequestError(f"{task} needs a target column", 422)
        job = runner.submit(task, data, target, asked.get("models") or None)
        return {"name": job.name, "status": job.status}

    @app.get("/api/runs")
    def runs():
        jobs = {name: job for name, job in runner.jobs.items() if job.status != "done"}
        finished = [s for s in (_run_summary(f) for f in root.iterdir() if f.is_dir() and _NAME.match(f.name))
                    if s is not None]
        listed = [{"name": j.name, "status": j.status, "task": j.task, "data": runner.uploads.get(j.data, j.data),
                   "error": j.error} for j in jobs.values()]
        return listed + sorted(finished, key=lambda s: s["when"], reverse=True)

    @app.get("/api/runs/{name}")
    def run(name: str):
        job = runner.jobs.get(name)
        info = {"name": name, "status": job.status if job else "done", "messages": job.messages[-30:] if job else [],
                "error": job.error if job else None}
        if info["status"] == "done":
            folder = folder_of(name)
            board = pd.read_csv(folder / "leaderboard.csv")
            info.update(_run_summary(folder) or {}, leaderboard=json.loads(board.to_json(orient="records")),
                        model=(folder / "model").is_dir())
        return info

    @app.get("/runs/{name}/report")
    def report(name: str):
        return FileResponse(folder_of(name) / "report.html", media_type="text/html")

    @app.get("/runs/{name}/model.zip")
    async def model_zip(name: str):
        folder = folder_of(name) / "model"
        if not folder.is_dir():
            raise RequestError(f"run {name!r} kept no model", 404)

        def pack() -> bytes:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(folder.rglob("*")):
                    if path.is_file():
                        archive.write(path, Path("model") / path.relative_to(folder))
            return buffer.getvalue()

        data = await run_in_threadpool(pack)
        return StreamingResponse(iter([data]), media_type="application/zip",
                                 headers={"Content-Disposition": f'attachment; filename="{name}-model.zip"'})


__all__ = ["Job", "Runner", "TASKS", "add_app_routes"]
