"""Make docs/mlflow.png, the MLflow UI with a deepmine comparison: a private `mlflow server` on a loopback port,
`deepmine classify dataset:churn --track` to it, then the experiment's page in headless Chromium.

    .venv/bin/python docs/_ext/mlflow_screenshot.py        # about two minutes on 2 cores
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "report"))


def main() -> None:
    from browser import ARGS, CHROMIUM
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
                                   "--backend-store-uri", f"sqlite:///{tmp}/mlflow.db", "--artifacts-destination",
                                   f"{tmp}/artifacts", "--workers", "1"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, env={**os.environ, "MLFLOW_TRACKING_URI": ""})
        try:
            for _ in range(180):
                try:
                    urllib.request.urlopen(url + "/health", timeout=2).close()
                    break
                except OSError:
                    time.sleep(0.5)
            subprocess.run([sys.executable, "-m", "deepmine", "classify", "dataset:churn", "--models",
                            "deep_mlp,realmlp,logistic_regression,random_forest,lightgbm", "--max-epochs", "30",
                            "--out", f"{tmp}/run", "--track", url, "--quiet"], check=True)
            import mlflow

            client = mlflow.MlflowClient(tracking_uri=url)
            experiment = client.get_experiment_by_name("deepmine").experiment_id
            parent = next(r for r in client.search_runs([experiment]) if "mlflow.parentRunId" not in r.data.tags)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(viewport={"width": 1500, "height": 1100})
                # the comparison's run: the verdict as its description, its metrics, parameters, tags and the
                # registered model, with the nested runs of the candidates a click away
                page.goto(f"{url}/#/experiments/{experiment}/runs/{parent.info.run_id}")
                page.wait_for_timeout(6000)
                close = page.get_by_role("button", name="Close")
                if close.count():
                    close.first.click()
                    page.wait_for_timeout(800)
                page.screenshot(path=str(ROOT / "docs" / "mlflow.png"))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print("wrote docs/mlflow.png")


if __name__ == "__main__":
    main()
