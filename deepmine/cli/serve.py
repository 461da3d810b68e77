"""`deepmine serve` and `deepmine app`: answer predictions over HTTP for saved model folders, and a local web page to
run comparisons; one server (deepmine.serve) behind both."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

import typer

from deepmine.cli.common import err, friendly

HOST_OPTION = typer.Option("127.0.0.1", "--host", help="The address to listen on; another than 127.0.0.1 needs a "
                           "token.")
PORT_OPTION = typer.Option(8000, "--port", "-p", help="The port to listen on.")
TOKEN_OPTION = typer.Option(None, "--token", help="A token every request must send as 'Authorization: Bearer TOKEN' "
                            "(or set DEEPMINE_TOKEN).")


def _start(what: str, folders, host: str, port: int, token: Optional[str], max_upload: str, runs=None) -> None:
    from deepmine.data.memory import parse_size
    from deepmine.serve.server import check_binding, serve

    token = token or os.environ.get("DEEPMINE_TOKEN") or None
    limit = parse_size(max_upload)
    check_binding(host, token)
    err.print(f"{what} at http://{host}:{port}/ (OpenAPI page at /docs{'; token required' if token else ''}); "
              f"Ctrl+C stops it", highlight=False)
    serve(folders, host=host, port=port, token=token, max_upload=limit, runs_root=runs)


@friendly
def serve_command(model_dirs: List[Path] = typer.Argument(..., help="Saved model folders, or run folders holding "
                                                           "model/ (each served under its folder's name)."),
                  host: str = HOST_OPTION, port: int = PORT_OPTION, token: Optional[str] = TOKEN_OPTION,
                  max_upload: str = typer.Option("20MB", "--max-upload", help="The largest request body accepted.")):
    """Serve predictions over HTTP: POST /predict (JSON records, CSV or Parquet), GET /model, /models, /health,
    and the OpenAPI page at /docs. Listens on 127.0.0.1 unless told otherwise, with a token."""
    _start(f"serving {', '.join(str(p) for p in model_dirs)}", model_dirs, host, port, token, max_upload)


@friendly
def app_command(runs: Path = typer.Option(Path("runs"), "--runs", help="The folder of run folders the app lists and "
                                          "writes."),
                model_dirs: Optional[List[Path]] = typer.Argument(None, help="Model folders to serve beside the page "
                                                                  "(as deepmine serve does)."),
                host: str = HOST_OPTION, port: int = PORT_OPTION, token: Optional[str] = TOKEN_OPTION,
                max_upload: str = typer.Option("200MB", "--max-upload", help="The largest table uploaded.")):
    """A local web page to run comparisons in the browser: pick a dataset or upload a table, choose the task and
    target, watch the models fit, read the leaderboard and the report, download the best model."""
    _start(f"deepmine app (runs in {runs})", model_dirs or [], host, port, token, max_upload, runs)
