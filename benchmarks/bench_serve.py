"""`deepmine serve` against calling the model in process: one-row and 1,000-row request latency, and requests per
second from concurrent clients.

A churn classifier (the deep MLP, 10 epochs) is saved in a temporary model folder and served on a loopback port by the
real command (uvicorn, one process); the same model is loaded in this process for the reference, which calls
:func:`deepmine.evaluation.predicting.predict_table` on the same rows (what the server runs for each request, without
HTTP, JSON or the thread hop). Latencies are medians and 99th percentiles over sequential requests; throughput is the
number of one-row requests that ``clients`` threads complete in ``seconds``. The two contenders alternate in rounds.

Run::

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/bench_serve.py [--rounds 3] [--clients 4] [--seconds 5]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(conn, body: bytes) -> None:
    conn.request("POST", "/predict", body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    payload = response.read()
    if response.status != 200:
        raise RuntimeError(payload[:300])


def _latencies(call, n: int) -> np.ndarray:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return np.asarray(out) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    import torch

    import deepmine
    from deepmine.evaluation.predicting import predict_table
    from deepmine.persist import load, save_model
    from deepmine.tabular import DeepClassifier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = deepmine.datasets.load("churn").X
    folder = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        churn = deepmine.datasets.load("churn")
        fitted = DeepClassifier(max_epochs=10, random_state=0).fit(churn.X, churn.y)
    save_model(fitted, folder / "churn")
    model = load(folder / "churn")
    port = _port()
    server = subprocess.Popen([sys.executable, "-m", "deepmine", "serve", str(folder / "churn"), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", "/health")
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.3)
        one, many = frame.head(1), frame.head(1000)
        one_body = json.dumps(json.loads(one.to_json(orient="records"))).encode()
        many_body = json.dumps(json.loads(many.to_json(orient="records"))).encode()
        results = {key: [] for key in ("process_1", "server_1", "process_1000", "server_1000", "process_rps",
                                       "server_rps")}
        for r in range(args.rounds):
            for contender in ("process", "server"):  # alternate, so that a busy neighbour hurts both alike
                if contender == "process":
                    results["process_1"].append(_latencies(lambda: predict_table(model, one), 300))
                    results["process_1000"].append(_latencies(lambda: predict_table(model, many), 30))
                    call = lambda: predict_table(model, one)  # noqa: E731
                else:  # a fresh connection: uvicorn closes one left idle for 5 s
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    results["server_1"].append(_latencies(lambda: _post(conn, one_body), 300))
                    results["server_1000"].append(_latencies(lambda: _post(conn, many_body), 30))
                    call = None
                results[f"{contender}_rps"].append(_throughput(call, port, one_body, args.clients, args.seconds))
        print(f"deepmine {deepmine.__version__}, torch {torch.__version__}, {torch.get_num_threads()} torch threads, "
              f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}; {args.rounds} rounds, "
              f"{args.clients} clients for {args.seconds:.0f} s")
        print("| request | in process: median ms (p99) | server: median ms (p99) | server / in process |")
        print("|---|---:|---:|---:|")
        for size in (1, 1000):
            p = np.concatenate(results[f"process_{size}"])
            s = np.concatenate(results[f"server_{size}"])
            print(f"| {size:,} row{'s' if size > 1 else ''} | {np.median(p):.2f} ({np.percentile(p, 99):.2f}) | "
                  f"{np.median(s):.2f} ({np.percentile(s, 99):.2f}) | {np.median(s) / np.median(p):.2f}x |")
        p_rps, s_rps = np.median(results["process_rps"]), np.median(results["server_rps"])
        print(f"| one-row requests per second, {args.clients} clients | {p_rps:.0f} | {s_rps:.0f} | "
              f"{s_rps / p_rps:.2f}x |")
    finally:
        server.terminate()
        server.wait(timeout=30)


def _throughput(call, port: int, body: bytes, clients: int, seconds: float) -> float:
    """Calls completed per second by ``clients`` threads, in process (``call``) or over HTTP (one connection each)."""
    deadline = time.perf_counter() + seconds

    def worker(_):
        done = 0
        conn = None if call else http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < deadline:
            call() if call else _post(conn, body)
            done += 1
        return done

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        total = sum(pool.map(worker, range(clients)))
    return total / (time.perf_counter() - start)


if __name__ == "__main__":
    main()
