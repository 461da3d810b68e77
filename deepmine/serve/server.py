"""`deepmine serve`: an HTTP prediction service for saved model folders, on FastAPI and uvicorn.

Routes (each model is named after its folder, or its run folder when given one; with one model ``model=`` may be
left out):

- ``POST /predict?model=NAME``: rows to predict, as JSON (a list of records, or ``{"rows": [...]}``), a CSV body
  (``text/csv``), a Parquet body (``application/vnd.apache.parquet`` or ``application/octet-stream``), or a
  multipart upload (field ``file``, CSV or Parquet by its name). A forecaster takes ``{"horizon": H}`` (or
  ``?horizon=H``). All rows are predicted in one pass; the answer is ``{"model", "kind", "rows",
  "predictions": [records]}`` with the columns `deepmine predict` writes.
- ``GET /model?model=NAME``: what the model is (:func:`deepmine.evaluation.predicting.describe`); ``GET /models``
  lists them; ``GET /health``; ``GET /docs`` is FastAPI's OpenAPI page.

Safe by default: it listens on 127.0.0.1; another address needs a token (``--token`` or ``DEEPMINE_TOKEN``), which
every request must then carry (``Authorization: Bearer TOKEN``); request bodies larger than ``max_upload`` bytes are
refused (413) before they are read whole; no request names a path: the models are the folders given at start, the
data comes only in the request's body. Every input error is a 4xx with ``{"error": "one line"}``; anything else is a
500 with a line that names the exception, never a traceback.
"""


import hmac
import io
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from deepmine.errors import DeepmineError, ParameterError, require

DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024  # bytes
LOOPBACK = ("127.0.0.1", "localhost", "::1")
_PARQUET = ("application/vnd.apache.parquet", "application/x-parquet", "application/octet-stream")
log = logging.getLogger("deepmine.serve")


class RequestError(DeepmineError):
    """A request the server cannot answer, with its HTTP status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class Served:
    """One model the server answers for: its name, the loaded model, its description."""

    name: str
    model: object
    kind: str
    description: dict


def load_models(folders, required: bool = True) -> dict[str, Served]:
    """Each folder (a model folder, or a run folder holding model/) loaded once, named after the folder."""
    from deepmine.evaluation.predicting import describe, model_kind
    from deepmine.persist import load, model_folder

    served: dict[str, Served] = {}
    for folder in folders:
        folder = Path(folder)
        model_dir, run_dir = model_folder(folder)
        name = (run_dir or model_dir).resolve().name
        if name in served:
            raise ParameterError(f"two model folders are both named {name!r}; serve folders with different names")
        model = load(model_dir)
        served[name] = Served(name, model, model_kind(model), {"name": name, **describe(model, model_dir, run_dir)})
    if not served and required:
        raise ParameterError("give at least one model folder to serve")
    return served


class BodyLimit:
    """ASGI middleware: a request whose body exceeds ``limit`` bytes gets 413, whether its Content-Length says so or
    the bytes keep coming; the body is never held whole beyond the limit."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, int(limit)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await _send_error(send, 413, self._message())
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise RequestError(self._message(), 413)
            return message

        started = False

        async def tracked(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, tracked)
        except RequestError as exc:
            if not started:
                await _send_error(send, exc.status, str(exc))

    def _message(self) -> str:
        return (f"the request body is larger than the server's limit of {self.limit:,} bytes; send fewer rows per "
                f"request (or start the server with a larger --max-upload)")


async def _send_error(send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _rows_from_json(payload):
    """(rows frame or None, horizon or None) from a JSON body."""
    horizon = None
    if isinstance(payload, dict):
        unknown = sorted(set(payload) - {"rows", "horizon"})
        if unknown:
            raise RequestError(f"unknown field(s) {', '.join(map(repr, unknown))}; send {{\"rows\": [records]}} or "
                               f"{{\"horizon\": H}}", 422)
        horizon = payload.get("horizon")
        payload = payload.get("rows")
        if payload is None:
            return None, horizon
    if isinstance(payload, dict):  # one record
        payload = [payload]
    if not isinstance(payload, list) or not all(isinstance(r, dict) for r in payload):
        raise RequestError("rows must be a list of records, each an object of column: value", 422)
    if not payload:
        raise RequestError("there are no rows to predict; send at least one record", 422)
    for record in payload:
        for column, value in record.items():
            if isinstance(value, (dict, list)):
                raise RequestError(f"column {column!r} holds a {type(value).__name__}; each value must be a number, "
                                   f"a string, true/false or null", 422)
    return pd.DataFrame.from_records(payload), horizon


def read_uploaded_table(body: bytes, kind: str) -> pd.DataFrame:
    """A CSV or Parquet table from the bytes of a request or an upload; a clear 4xx for what is not one."""
    if not body:
        raise RequestError("the request has no body; send rows as JSON, CSV or Parquet", 400)
    try:
        if kind == "csv":
            frame = pd.read_csv(io.BytesIO(body))
        else:
            frame = pd.read_parquet(io.BytesIO(body))
    except Exception as exc:  # noqa: BLE001 - any parser failure is the upload's fault
        what = "CSV" if kind == "csv" else "Parquet"
        raise RequestError(f"the body is not a readable {what} table ({type(exc).__name__}); send a {what} file", 400) \
            from None
    if frame.empty:
        raise RequestError("the uploaded table has no rows", 422)
    return frame


def _horizon(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise RequestError(f"horizon must be a whole number of steps, got {value!r}", 422)
    return int(value)


def create_app(folders, token: str | None = None, max_upload: int = DEFAULT_MAX_UPLOAD, runs_root=None):
    """The FastAPI application serving the model folders (see the module); with ``runs_root``, the app's page and API
    too (:mod:`deepmine.serve.app`), its run folders under ``runs_root``."""
    fastapi = require("fastapi", "serve")
    from fastapi import Request
    from fastapi.responses import JSONResponse, Response
    from starlette.concurrency import run_in_threadpool

    from deepmine import __version__
    from deepmine.evaluation.predicting import forecast, predict_table

    served = load_models(folders, required=runs_root is None)
    app = fastapi.FastAPI(title="deepmine", version=__version__,
                          description="Predictions from deepmine model folders: " + ", ".join(served))

    def pick(name: str | None) -> Served:
        if name is None:
            if len(served) == 1:
                return next(iter(served.values()))
            raise RequestError(f"this server holds {len(served)} models; name one with ?model= ({', '.join(served)})",
                               400)
        if name not in served:
            raise RequestError(f"no model named {name!r}; this server holds: {', '.join(served)}", 404)
        return served[name]

    async def check_token(request, call_next):
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return JSONResponse({"error": "this server needs a token: send the header 'Authorization: Bearer TOKEN'"},
                                status_code=401)
        return await call_next(request)

    if token is not None:  # a middleware costs every request about a millisecond: only when there is a token
        app.middleware("http")(check_token)

    @app.exception_handler(RequestError)
    async def request_error(request, exc: RequestError):
        return JSONResponse({"error": str(exc)}, status_code=exc.status)

    @app.exception_handler(DeepmineError)
    async def deepmine_error(request, exc: DeepmineError):
        return JSONResponse({"error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__},
                            status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request, exc: Exception):  # never a traceback in the answer; the log keeps it
        log.exception("error while answering %s", request.url.path)
        first = (str(exc).splitlines() or [""])[0][:200]
        return JSONResponse({"error": f"the model could not predict these rows ({type(exc).__name__}: {first})"},
                            status_code=500)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():  # browsers ask for it; an empty answer, not a 404 in their console
        return Response(status_code=204)

    @app.get("/health")
    def health():
        return {"status": "ok", "models": list(served), "deepmine": __version__}

    @app.get("/models")
    def models():
        return [s.description for s in served.values()]

    @app.get("/model")
    def model(model: str | None = None):
        return pick(model).description

    @app.post("/predict")
    async def predict(request: Request, model: str | None = None, horizon: str | None = None):
        chosen = pick(model)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        rows, asked = None, _horizon(horizon)
        if content_type == "multipart/form-data":
            form = await request.form(max_files=1, max_fields=10, max_part_size=max_upload)
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise RequestError("a multipart upload needs its table in the field 'file'", 422)
            data = await upload.read()
            rows = read_uploaded_table(data, "parquet" if (upload.filename or "").endswith(".parquet") else "csv")
        else:
            body = await request.body()
            if content_type in ("application/json", ""):
                if not body:
                    if chosen.kind == "forecaster" and asked is not None:
                        body = b"{}"
                    else:
                        raise RequestError("the request has no body; send rows as JSON, CSV or Parquet", 400)
                try:
                    payload = json.loads(body)
                except (ValueError, UnicodeDecodeError):
                    raise RequestError("the body is not valid JSON; send a list of records or {\"rows\": [...]}",
                                       400) from None
                rows, given = _rows_from_json(payload)
                asked = _horizon(given) if given is not None else asked
            elif content_type in ("text/csv", "application/csv", "text/plain"):
                rows = read_uploaded_table(body, "csv")
            elif content_type in _PARQUET:
                rows = read_uploaded_table(body, "parquet")
            else:
                raise RequestError(f"cannot read a body of type {content_type!r}; send application/json, text/csv or "
                                   f"Parquet", 415)
        start = time.perf_counter()
        if chosen.kind == "forecaster":
            if asked is None:
                raise RequestError("a forecaster forecasts the steps after its own series; send {\"horizon\": H}", 422)
            result = await run_in_threadpool(forecast, chosen.model, asked)
            result["time"] = result["time"].astype(str)
        else:
            if rows is None:
                raise RequestError("there are no rows to predict; send {\"rows\": [records]}", 422)
            if asked is not None:
                raise RequestError("horizon is for forecasters; this model predicts the rows you send", 422)
            result = await run_in_threadpool(predict_table, chosen.model, rows)
        # the records are written by pandas once, not parsed back and encoded again (a fifth of a 1,000-row request)
        head = json.dumps({"model": chosen.name, "kind": chosen.kind, "rows": len(result),
                           "seconds": round(time.perf_counter() - start, 6)})
        records = result.to_json(orient="records", double_precision=15)
        return Response(f'{head[:-1]}, "predictions": {records}}}', media_type="application/json")

    if runs_root is not None:
        from deepmine.serve.app import add_app_routes

        add_app_routes(app, runs_root)
    app.state.served = served
    return app


def check_binding(host: str, token: str | None) -> None:
    """A server reachable from other machines must ask for a token."""
    if host not in LOOPBACK and not token:
        raise ParameterError(f"listening on {host} lets other machines ask for predictions; give a token (--token or "
                             f"the DEEPMINE_TOKEN environment variable), or listen on 127.0.0.1")


def serve(folders, host: str = "127.0.0.1", port: int = 8000, token: str | None = None,
          max_upload: int = DEFAULT_MAX_UPLOAD, log_level: str = "warning", runs_root=None) -> None:
    """Start the server (blocks until stopped); with ``runs_root`` it serves the app too."""
    uvicorn = require("uvicorn", "serve")
    check_binding(host, token)
    app = BodyLimit(create_app(folders, token, max_upload, runs_root), max_upload)
    uvicorn.run(app, host=host, port=port, log_level=log_level)


__all__ = ["BodyLimit", "DEFAULT_MAX_UPLOAD", "RequestError", "check_binding", "create_app", "load_models",
           "read_uploaded_table", "serve"]

