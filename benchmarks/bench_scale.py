"""Data at scale: one epoch of streaming training on a large Parquet table against in-memory training.

1. Generate (once, seeded) a Parquet table of ``--rows`` rows x 30 columns (24 numeric, 6 categorical,
   a binary label from a logistic model of some of them), written with pyarrow in row groups of 100,000
   rows, under ``--folder`` (a temporary folder by default).
2. In a fresh process: ``DeepClassifier(hidden=(64,), max_epochs=1).fit_stream(path, "label")``
   (one streaming pass for the preprocessing statistics, then one epoch through the shuffle buffer).
3. In another fresh process: read the first ``--slice`` rows into memory and ``fit`` one epoch.
4. Under ``torchrun --nproc_per_node=2`` (one torch thread per process): ``fit_stream`` again, each
   process reading its own half of the row groups, with DistributedDataParallel over gloo (the
   1-process run of step 2 uses the default two threads; both use both cores).

Each process reports its own peak resident memory (``deepmine.data.memory.peak_memory_mb``: VmHWM), the
seconds of the training epoch (``history_["seconds"]``) and of the whole fit, and rows per second of
the epoch. Target (issue "Data at scale"): streaming peak < 1.5 GB at 10M rows, epoch rows/s >= 0.7x
in-memory's.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/bench_scale.py [--rows 10000000] [--slice 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_NUMERIC, N_CATEGORICAL, GROUP_ROWS = 24, 6, 100_000
SETTINGS = dict(hidden=(64,), max_epochs=1, batch_size=512, random_state=0, device="cpu")


def generate(path: Path, rows: int, seed: int = 0) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    weights = rng.normal(size=N_NUMERIC) * (rng.random(N_NUMERIC) < 0.5)
    levels = [np.array([f"c{j}_{v}" for v in range(card)], dtype=object)
              for j, card in enumerate([3, 5, 10, 20, 50, 200])]
    effects = [rng.normal(size=len(lv)) for lv in levels]
    writer = None
    tmp = path.with_suffix(".part")
    try:
        for start in range(0, rows, GROUP_ROWS):
            n = min(GROUP_ROWS, rows - start)
            num = rng.normal(size=(n, N_NUMERIC))
            logit = num @ weights
            cols = {f"x{i}": num[:, i] for i in range(N_NUMERIC)}
            for j, lv in enumerate(levels):
                codes = rng.integers(0, len(lv), n)
                logit += effects[j][codes]
                cols[f"c{j}"] = lv[codes]
            cols["label"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
            table = pa.table(cols)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table, row_group_size=GROUP_ROWS)
    finally:
        if writer is not None:
            writer.close()
    tmp.rename(path)


def _peak_mb() -> float:
    from deepmine.data.memory import peak_memory_mb

    return peak_memory_mb()


def worker(mode: str, path: str, slice_rows: int, buffer_rows: int, batch_rows: int) -> dict:
    from deepmine.tabular import DeepClassifier

    model = DeepClassifier(**SETTINGS)
    start = time.perf_counter()
    if mode == "stream":
        model.fit_stream(path, "label", batch_rows=batch_rows, buffer_rows=buffer_rows)
        if mode == "stream" and os.environ.get("WORLD_SIZE", "1") != "1":  # under torchrun: every rank's peak
            import torch.distributed as dist

            peaks = [None] * dist.get_world_size()
            dist.all_gather_object(peaks, _peak_mb())
        from deepmine.data.stream import open_stream

        rows = open_stream(path).count_rows() - min(10_000, int(round(0.1 * open_stream(path).count_rows())))
    else:
        import pyarrow.parquet as pq

        f = pq.ParquetFile(path)
        groups, have = [], 0
        for g in range(f.num_row_groups):
            if have >= slice_rows:
                break
            groups.append(g)
            have += f.metadata.row_group(g).num_rows
        frame = f.read_row_groups(groups).to_pandas().iloc[:slice_rows]
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        model.fit(frame.drop(columns="label"), frame["label"])
        rows = len(frame) - int(round(0.1 * len(frame)))
    total = time.perf_counter() - start
    epoch = float(model.history_["seconds"].iloc[0])
    out = {"mode": mode, "rows_trained": int(rows), "epoch_s": epoch, "fit_s": total, "rows_per_s": rows / epoch,
           "valid_accuracy": float(model.history_["valid_accuracy"].iloc[-1]), "peak_rss_mb": _peak_mb()}
    if mode == "stream" and os.environ.get("WORLD_SIZE", "1") != "1":
        out.update(mode="stream-ddp", peak_rss_mb=max(peaks), peak_rss_sum_mb=sum(peaks), world=len(peaks))
    if mode == "memory":
        out["load_s"] = load_s
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--slice", type=int, default=1_000_000, help="rows of the in-memory run")
    parser.add_argument("--buffer-rows", type=int, default=262_144)
    parser.add_argument("--batch-rows", type=int, default=65_536)
    parser.add_argument("--folder", default=None, help="where the table is written (kept; default: a temp folder)")
    parser.add_argument("--processes", type=int, default=2, help="processes of the torchrun run (0: skip it)")
    parser.add_argument("--runs", default="stream,memory,torchrun", help="which runs, comma-separated")
    parser.add_argument("--worker", choices=["stream", "memory"], help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = worker(args.worker, args.path, args.slice, args.buffer_rows, args.batch_rows)
        if os.environ.get("RANK", "0") == "0":
            print(json.dumps(result))
        return

    folder = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="deepmine_scale_"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"scale_{args.rows}.parquet"
    if not path.exists():
        t = time.perf_counter()
        generate(path, args.rows)
        print(f"generated {path} ({path.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - t:.0f} s",
              file=sys.stderr)
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    results = []
    wanted = set(args.runs.split(","))
    runs = [(mode, []) for mode in ("stream", "memory") if mode in wanted]
    if args.processes > 1 and "torchrun" in wanted:
        runs.append(("stream", [sys.executable, "-m", "torch.distributed.run", "--standalone",
                                f"--nproc_per_node={args.processes}"]))
    for mode, launcher in runs:
        cmd = (launcher or [sys.executable]) + [
            __file__, "--worker", mode, "--path", str(path), "--slice", str(min(args.slice, args.rows)),
            "--buffer-rows", str(args.buffer_rows), "--batch-rows", str(args.batch_rows)]
        run_env = dict(env, OMP_NUM_THREADS="1") if launcher else env
        done = subprocess.run(cmd, env=run_env, capture_output=True, text=True)
        if done.returncode:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"the {mode} run failed")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch threads default, "
          f"table {args.rows:,} rows x 30 columns, DeepClassifier{SETTINGS}\n")
    print("| run | rows trained | epoch s | rows/s (epoch) | whole fit s | peak RSS MB | valid accuracy |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        name = {"stream": "fit_stream (Parquet), 1 process x 2 threads",
                "stream-ddp": f"fit_stream under torchrun, {r.get('world')} processes x 1 thread",
                "memory": f"fit in memory ({min(args.slice, args.rows):,} rows)"}[r["mode"]]
        peak = f"{r['peak_rss_mb']:,.0f}" + (f" per process ({r['peak_rss_sum_mb']:,.0f} in all)"
                                             if "peak_rss_sum_mb" in r else "")
        print(f"| {name} | {r['rows_trained']:,} | {r['epoch_s']:.1f} | {r['rows_per_s']:,.0f} | {r['fit_s']:.1f} "
              f"| {peak} | {r['valid_accuracy']:.4f} |")
    by_mode = {r["mode"]: r for r in results}
    if {"stream", "memory"} <= set(by_mode):
        print(f"\nstreaming / in-memory rows/s: {by_mode['stream']['rows_per_s'] / by_mode['memory']['rows_per_s']:.2f} "
              f"(target >= 0.7); streaming peak RSS {by_mode['stream']['peak_rss_mb']:,.0f} MB (target < 1,500 MB "
              f"at 10M rows)")
    if {"stream", "stream-ddp"} <= set(by_mode):
        print(f"{by_mode['stream-ddp']['world']} processes / 1 process rows/s (streaming): "
              f"{by_mode['stream-ddp']['rows_per_s'] / by_mode['stream']['rows_per_s']:.2f}")

if __name__ == "__main__":
    main()
