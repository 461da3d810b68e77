"""`deepmine app` in a real browser: upload the churn table, run a quick comparison, watch it finish, read the
leaderboard (deep and traditional rows) and open the report, with no console errors; plus the app's API refusals."""

import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from browser import ARGS, CHROMIUM, browser_or_skip  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_server import _free_port, post_json, request  # noqa: E402

pytest.importorskip("fastapi")


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("app")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "deepmine", "app", "--runs", str(root / "runs"), "--port",
                             str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if request(port, "GET", "/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise AssertionError(proc.stdout.read())
    yield port, root
    proc.terminate()
    proc.wait(timeout=30)


def test_the_api_refuses_what_it_cannot_run(app_server):
    port, _ = app_server
    status, answer = post_json(port, "/api/runs", {"data": "/etc/passwd", "task": "classification", "target": "x"})
    assert status == 422 and "pick a bundled dataset or upload" in answer["error"]
    status, answer = post_json(port, "/api/runs", {"data": "dataset:churn", "task": "topics"})
    assert status == 422 and "task must be one of" in answer["error"]
    status, answer = post_json(port, "/api/runs", {"data": "dataset:churn", "task": "classification"})
    assert status == 422 and "needs a target" in answer["error"]
    assert request(port, "GET", "/runs/..%2F..%2Fetc/report")[0] == 404
    status, answer = request(port, "GET", "/api/columns?data=upload:0123")
    assert status == 422 and "bundled datasets" in answer["error"]
    garbage = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.parquet\"\r\n\r\nnot parquet"
               b"\r\n--b--\r\n")
    status, answer = request(port, "POST", "/api/upload", garbage, {"Content-Type": "multipart/form-data; boundary=b"})
    assert status == 400 and "not a readable Parquet table" in answer["error"]
    assert request(port, "GET", "/api/runs/nope")[0] == 404


def test_upload_compare_and_read_the_report_in_chromium(app_server, tmp_path):
    port, root = app_server
    sync_playwright = browser_or_skip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import deepmine.datasets

        frame = deepmine.datasets.load("churn").frame.sample(1500, random_state=0)
    table = tmp_path / "churn.csv"
    frame.to_csv(table, index=False)
    problems = {"console": [], "page": [], "network": []}
    base = f"http://127.0.0.1:{port}"
    start = time.time()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.on("console", lambda msg: problems["console"].append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: problems["page"].append(str(exc)))
            page.on("request", lambda req: None if req.url.startswith((base, "data:", "about:"))
                    else problems["network"].append(req.url))
            page.goto(base + "/", wait_until="load")
            page.set_input_files("#file", str(table))
            page.wait_for_selector("#columns tbody tr")
            assert page.locator("#columns tbody tr").count() == frame.shape[1]
            assert "categorical" in page.locator("#columns").inner_text()
            page.select_option("#task", "classification")
            page.select_option("#target", "churn")
            page.fill("#models", "deep_mlp,logistic_regression")
            page.click("#start")
            page.wait_for_selector("#leaderboard tbody tr[data-kind='deep']", timeout=100_000)
            assert page.locator("#leaderboard tbody tr[data-kind='traditional']").count() == 1
            assert "fitting deep_mlp" in page.locator("#progress").inner_text()
            assert "wins" in page.locator("#verdict").inner_text() or "tie" in page.locator("#verdict").inner_text()
            page.screenshot(path=str(tmp_path / "app.png"), full_page=True)
            with context.expect_page() as opened:
                page.click("#report-link")
            report = opened.value
            report.wait_for_load_state("load")
            assert report.locator("#leaderboard tbody tr[data-model]").count() == 2
            href = page.locator("#model-link").get_attribute("href")
            assert href.endswith("/model.zip")
            context.close()
        finally:
            browser.close()
    assert problems == {"console": [], "page": [], "network": []}, problems
    runs = [f for f in (root / "runs").iterdir() if f.is_dir() and not f.name.startswith(".")]
    assert len(runs) == 1 and (runs[0] / "model" / "config.json").exists()  # the same run folder the CLI writes
    assert json.loads((runs[0] / "metrics.json").read_text())["task"] == "classification"
    assert time.time() - start < 120
