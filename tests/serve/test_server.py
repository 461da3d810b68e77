"""`deepmine serve` as a user meets it: a real server on a loopback port, models from real runs, predictions equal to
`deepmine predict`'s, every bad request a clear 4xx, a token where one is asked for, and concurrent clients."""

import concurrent.futures
import http.client
import json
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import deepmine.datasets
from deepmine.cli.main import app

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

RUNS = {  # name: the command that writes its run folder (the tour's datasets; fast traditional models)
    "churn": ["classify", "dataset:churn", "--target", "churn", "--models", "logistic_regression"],
    "diamonds": ["regress", "dataset:diamonds", "--target", "price", "--models", "ridge"],
    "reviews": ["text", "classify", "dataset:amazon_reviews", "--target", "score", "--split-column", "split",
                "--models", "tfidf_logistic"],
    "airline": ["series", "forecast", "dataset:airline", "--time", "month", "--target", "passengers", "--horizon",
                "12", "--models", "ets"],
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    for name, command in RUNS.items():
        result = CliRunner().invoke(app, ["--quiet", *command, "--out", str(root / name)])
        assert result.exit_code == 0, result.output
    return root


def _start(folders, *extra):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "deepmine", "serve", *map(str, folders), "--port", str(port),
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            status, _ = request(port, "GET", "/health", headers={"Authorization": f"Bearer {extra[-1]}"}
                                if "--token" in extra else None)
            if status in (200, 401):
                return proc, port
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            raise AssertionError(proc.stdout.read())
    proc.kill()
    raise AssertionError("the server did not start within 90 s")


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        try:
            conn.request(method, path, body=body, headers=headers or {})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered (413) before the whole body was sent
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


def post_json(port, path, payload, headers=None):
    return request(port, "POST", path, json.dumps(payload).encode(), {"Content-Type": "application/json",
                                                                        **(headers or {})})


@pytest.fixture(scope="module")
def server(runs):
    proc, port = _start([runs / name for name in RUNS])
    yield port, proc
    proc.terminate()
    proc.wait(timeout=30)


def _rows(name, n=25):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = deepmine.datasets.load({"churn": "churn", "diamonds": "diamonds", "reviews": "amazon_reviews"}[name])
    return data.X.drop(columns=["split"], errors="ignore").head(n)


@pytest.mark.parametrize("name", ["churn", "diamonds", "reviews"])
def test_predictions_equal_deepmine_predicts(server, runs, tmp_path, name):
    port, _ = server
    rows = _rows(name)
    path = tmp_path / "rows.csv"
    rows.to_csv(path, index=False)
    result = CliRunner().invoke(app, ["predict", str(runs / name), str(path), "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 0, result.output
    expected = pd.read_csv(tmp_path / "p.csv").drop(columns=["row"])
    status, answer = post_json(port, f"/predict?model={name}", json.loads(rows.to_json(orient="records")))
    assert status == 200, answer
    got = pd.DataFrame(answer["predictions"])
    assert answer["rows"] == len(rows) and list(got.columns) == list(expected.columns)
    for column in expected.columns:
        if pd.api.types.is_numeric_dtype(expected[column]):
            np.testing.assert_allclose(got[column].to_numpy(float), expected[column].to_numpy(float), atol=1e-9)
        else:
            assert got[column].astype(str).tolist() == expected[column].astype(str).tolist()
    # the same rows as a CSV upload, and as one batch of a multipart form
    status, as_csv = request(port, "POST", f"/predict?model={name}", rows.to_csv(index=False).encode(),
                             {"Content-Type": "text/csv"})
    assert status == 200 and as_csv["predictions"] == answer["predictions"]


def test_the_forecaster_answers_a_horizon_as_deepmine_predict_does(server, runs, tmp_path):
    port, _ = server
    result = CliRunner().invoke(app, ["predict", str(runs / "airline"), "--horizon", "6", "--out",
                                      str(tmp_path / "f.csv")])
    assert result.exit_code == 0, result.output
    expected = pd.read_csv(tmp_path / "f.csv")
    status, answer = post_json(port, "/predict?model=airline", {"horizon": 6})
    assert status == 200, answer
    got = pd.DataFrame(answer["predictions"])
    np.testing.assert_allclose(got[["forecast", "lower", "upper"]].to_numpy(float),
                               expected[["forecast", "lower", "upper"]].to_numpy(float), rtol=1e-12)
    assert got.time.str[:10].tolist() == expected.time.astype(str).str[:10].tolist()


def test_the_model_route_describes_the_model(server):
    port, _ = server
    status, info = request(port, "GET", "/model?model=churn")
    assert status == 200
    assert info["kind"] == "classifier" and info["task"] == "classification" and info["classes"] == ["no", "yes"]
    assert "total_day_minutes" in info["columns"] and info["roles"]["state"] == "categorical"
    assert info["scores"]["accuracy"] > 0.8 and info["model"] == "logistic_regression"
    status, health = request(port, "GET", "/health")
    assert status == 200 and set(health["models"]) == set(RUNS)
    status, listing = request(port, "GET", "/models")
    assert status == 200 and {m["name"] for m in listing} == set(RUNS)


BIG = 20 * 1000 * 1000 + 1  # one byte over the default --max-upload (20MB)
BAD = [  # (what, method, path, body, content type, status, words of the message)
    ("missing columns", "POST", "/predict?model=churn", [{"state": "KS"}], None, 422, "lacks column(s)"),
    ("text in a numeric column", "POST", "/predict?model=diamonds", "wrong_type", None, 422, "should be numeric"),
    ("bad JSON", "POST", "/predict?model=churn", b"{rows: [", "application/json", 400, "not valid JSON"),
    ("empty body", "POST", "/predict?model=churn", b"", "application/json", 400, "has no body"),
    ("empty list", "POST", "/predict?model=churn", [], None, 422, "no rows"),
    ("rows not a list", "POST", "/predict?model=churn", {"rows": "/etc/passwd"}, None, 422, "list of records"),
    ("a nested value", "POST", "/predict?model=churn", [{"state": {"path": "/etc"}}], None, 422, "holds a dict"),
    ("an unknown field", "POST", "/predict?model=churn", {"rows": [], "file": "/etc/passwd"}, None, 422,
     "unknown field"),
    ("a path as the model", "POST", "/predict?model=../../etc/passwd", [{"a": 1}], None, 404, "no model named"),
    ("no model named, several served", "POST", "/predict", [{"a": 1}], None, 400, "name one with ?model="),
    ("an unknown model", "GET", "/model?model=titanic", None, None, 404, "no model named"),
    ("a huge upload", "POST", "/predict?model=churn", b"x" * BIG, "text/csv", 413, "larger than the server's limit"),
    ("a CSV that is not one", "POST", "/predict?model=churn", b"\x00\x01\x02garbage", "text/csv", 422, "no rows"),
    ("a Parquet body that is not one", "POST", "/predict?model=churn", b"PAR1 not really",
     "application/vnd.apache.parquet", 400, "not a readable Parquet"),
    ("an unreadable content type", "POST", "/predict?model=churn", b"<xml/>", "application/xml", 415,
     "cannot read a body"),
    ("a horizon for a classifier", "POST", "/predict?model=churn&horizon=3", [{"state": "KS"}], None, 422,
     "horizon is for forecasters"),
    ("no horizon for a forecaster", "POST", "/predict?model=airline", {"rows": [{"a": 1}]}, None, 422,
     "send {\"horizon\": H}"),
    ("a negative horizon", "POST", "/predict?model=airline", {"horizon": -3}, None, 422, "whole number"),
    ("a horizon that is text", "POST", "/predict?model=airline&horizon=soon", b"", "application/json", 422,
     "whole number"),
    ("a multipart form without its file", "POST", "/predict?model=churn",
     b"--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b--\r\n", "multipart/form-data; boundary=b",
     422, "field 'file'"),
]


@pytest.mark.parametrize("what, method, path, body, ctype, status, words", BAD, ids=[b[0] for b in BAD])
def test_a_bad_request_gets_one_clear_4xx(server, what, method, path, body, ctype, status, words):
    port, proc = server
    if body == "wrong_type":
        row = json.loads(_rows("diamonds", 1).to_json(orient="records"))[0]
        body = [{**row, "carat": "heavy"}]
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
    got, answer = request(port, method, path, body, {"Content-Type": ctype or "application/json"} if body is not None
                          else None)
    assert got == status, answer
    assert set(answer) == {"error"} and words in answer["error"] and "Traceback" not in answer["error"]
    assert proc.poll() is None  # the server is still up


def test_a_token_is_asked_for_on_every_request(runs):
    proc, port = _start([runs / "churn"], "--token", "s3cret")
    try:
        assert request(port, "GET", "/health")[0] == 401
        status, answer = post_json(port, "/predict", [{"state": "KS"}], {"Authorization": "Bearer wrong"})
        assert status == 401 and "needs a token" in answer["error"]
        assert request(port, "GET", "/health", headers={"Authorization": "Bearer s3cret"})[0] == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_listening_beyond_this_machine_needs_a_token(runs):
    result = CliRunner().invoke(app, ["serve", str(runs / "churn"), "--host", "0.0.0.0"], env={"DEEPMINE_TOKEN": ""})
    assert result.exit_code == 2 and "give a token" in result.output and "Traceback" not in result.output


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def test_concurrent_clients_get_answers_and_memory_stays_flat(server):
    port, proc = server
    one = json.loads(_rows("churn", 1).to_json(orient="records"))
    batch = json.loads(_rows("churn", 200).to_json(orient="records"))

    def client(k):
        latencies = []
        for i in range(25):
            start = time.perf_counter()
            status, answer = post_json(port, "/predict?model=churn", batch if i % 5 == 0 else one)
            latencies.append(time.perf_counter() - start)
            assert status == 200, answer
        return latencies

    client(0)  # warm up
    before = _rss_mb(proc.pid)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        latencies = [t for part in pool.map(client, range(8)) for t in part]
    after = _rss_mb(proc.pid)
    p50, p99 = np.percentile(latencies, [50, 99]) * 1000
    print(f"\n{len(latencies)} requests from 8 clients: p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
          f"server memory {before:.0f} -> {after:.0f} MB")
    assert len(latencies) == 200 and after - before < 50
