"""Peak memory of a streamed comparison with the default models (issue 20: under 1.5 GB at 10M rows x 30 columns).

1. Generate (once, seeded) the Parquet table of ``bench_scale.py``: ``--rows`` rows, 24 numeric and 6
   categorical columns and a binary label.
2. In a fresh process: ``compare("classification", PATH, target="label", stream=True)`` with the default
   candidates (``deepmine classify PATH --target label --stream`` runs the same), the networks capped at
   ``--max-epochs`` epochs (each epoch of each network is a pass over the table; memory does not grow with
   the epochs, since every pass goes through the same bounded buffers).
3. The process reports its own peak resident memory (VmHWM), the seconds and the leaderboard.

The traditional models fit on a 200,000-row sample of the training rows and the test rows are capped at
100,000, so the peak depends on the columns, not on the rows, once the table passes a few million rows.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/bench_stream_compare.py [--rows 10000000] [--max-epochs 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_scale import generate  # noqa: E402


def worker(path: str, max_epochs: int, models: str | None) -> dict:
    import warnings

    from deepmine import compare
    from deepmine.data.memory import peak_memory_mb

    warnings.simplefilter("ignore")
    start = time.perf_counter()
    board = compare("classification", path, target="label", stream=True, models=models,
                    options={"max_epochs": max_epochs})
    frame = board.frame[["model", "kind", "accuracy", "roc_auc", "fit_s", "train_rows"]]
    return {"seconds": time.perf_counter() - start, "peak_rss_mb": peak_memory_mb(),
            "leaderboard": frame.round(4).to_dict(orient="records")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--max-epochs", type=int, default=1)
    parser.add_argument("--models", default=None, help="candidates (default: the default set)")
    parser.add_argument("--folder", default=None, help="where the table is written (kept; default: a temp folder)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.path, args.max_epochs, args.models)))
        return
    folder = Path(args.folder or tempfile.mkdtemp(prefix="deepmine-stream-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"table-{args.rows}.parquet"
    if not path.exists():
        start = time.perf_counter()
        generate(path, args.rows)
        print(f"generated {path} ({args.rows:,} rows) in {time.perf_counter() - start:.0f} s", flush=True)
    command = [sys.executable, __file__, "--worker", "--path", str(path), "--max-epochs", str(args.max_epochs)]
    if args.models:
        command += ["--models", args.models]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for row in result["leaderboard"]:
        print(f"{row['model']:24s} {row['kind']:12s} accuracy {row['accuracy']:.4f}  roc_auc {row['roc_auc']:.4f}  "
              f"fit {row['fit_s']:8.1f} s  on {row['train_rows']:,} rows")
    print(f"rows {args.rows:,}, networks' epochs {args.max_epochs}: whole comparison {result['seconds']:.0f} s, "
          f"peak resident memory {result['peak_rss_mb']:.0f} MB (target < 1,500 MB)")


if __name__ == "__main__":
    main()
