"""Does ``precision="auto"`` (bfloat16 autocast where the CPU has native bfloat16) keep the study's scores?

For each family of deep networks the study compares (tables, text, series, images), this runs the study's own
entries (data, split, task options) with the deep candidates only, once with ``precision="float32"`` and once
with ``precision="auto"``, over the same seeds (each seed is one split and one initialisation, alike for both),
the two alternating seed by seed so that machine noise falls on both. It prints, per model:

- the held-out primary metric, mean and sd over the seeds, for both precisions;
- the largest seed-by-seed difference, and whether the two means are within the float32 seed spread (one sd);
- the median fit seconds of both and their ratio (float32 / auto: above 1 means auto trains faster);
- what ``auto`` resolved to on this machine (``training_precision_``).

The families whose scores stay within the spread and whose fits get faster are the ones whose estimators
default to ``precision="auto"`` (see docs/guide/speed.md). Without native bfloat16, "auto" is float32 and
the two columns agree by construction; the script says so and stops.

Run it with ``make bench-micro`` (about 30 minutes on 2 cores) or::

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/bench_precision.py [--seeds 5] [--entries churn,reviews]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# study entry -> its deep candidates measured here (the study's own models; the traditional ones do not train)
ENTRIES = {
    "churn": "deep_mlp,realmlp",
    "breast_cancer": "tabm",
    "diamonds": "deep_mlp",
    "reviews": "cnn",
    "power_demand": "fcn,resnet,cnn_rnn",
    "digit_images": "cnn_lenet,cnn_resnet",
}
FAMILY = {"churn": "tables", "breast_cancer": "tables", "diamonds": "tables", "reviews": "text",
          "power_demand": "series", "digit_images": "images"}


def run_entry(entry, models: str, seeds: list[int]) -> dict:
    """{model: {"float32": [(score, fit_s, precision)], "auto": [...]}} over ``seeds``."""
    from deepmine.evaluation import compare

    out: dict = {}
    primary = None
    for k, seed in enumerate(seeds):
        order = ("float32", "auto") if k % 2 == 0 else ("auto", "float32")
        for precision in order:
            options = {**(entry.options or {}), "precision": precision}
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                board = compare(entry.task, entry.dataset, models=models, options=options, random_state=seed,
                                **entry.kwargs)
            primary = board.primary
            for row in board.frame.to_dict(orient="records"):
                name = row["model"]
                used = getattr(board.models.get(name), "training_precision_", "?")
                out.setdefault(name, {"float32": [], "auto": []})[precision].append(
                    (float(row[primary]), float(row["fit_s"]), used))
            print(f"  {entry.name} seed {seed} {precision}: {time.perf_counter() - t0:.1f}s "
                  + " ".join(f"{r['model']}={r[primary]:.4f}/{r['fit_s']:.1f}s" for r in
                             board.frame.to_dict(orient="records")), flush=True)
    return {"primary": primary, "models": out}


def _mean_sd(values: list[float]) -> tuple[float, float]:
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per entry (default 5, as the study)")
    parser.add_argument("--entries", default=",".join(ENTRIES), help=f"study entries (default {','.join(ENTRIES)})")
    args = parser.parse_args(argv)
    wanted = [e.strip() for e in args.entries.split(",") if e.strip()]
    unknown = [e for e in wanted if e not in ENTRIES]
    if unknown:
        parser.error(f"unknown entries {unknown}; choose from {', '.join(ENTRIES)}")

    import torch

    import study
    from deepmine.evaluation.metrics import greater_is_better
    from deepmine.training.precision import cpu_has_native_bf16

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, CPU cores {os.cpu_count()}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '<unset>')}, native bfloat16: {cpu_has_native_bf16()}")
    if not cpu_has_native_bf16() and not torch.cuda.is_available():
        print("this CPU has no native bfloat16, so precision='auto' is float32 here: nothing to compare")
        return 0
    entries = {e.name: e for e in study.entries()}
    seeds = list(range(args.seeds))
    rows = []
    for name in wanted:
        result = run_entry(entries[name], ENTRIES[name], seeds)
        primary = result["primary"]
        higher = greater_is_better(primary)
        for model, runs in result["models"].items():
            f32, auto = runs["float32"], runs["auto"]
            if len(f32) != len(auto) or not f32:
                continue
            m32, s32 = _mean_sd([r[0] for r in f32])
            ma, sa = _mean_sd([r[0] for r in auto])
            worst = max(abs(a[0] - b[0]) for a, b in zip(f32, auto))
            t32 = statistics.median(r[1] for r in f32)
            ta = statistics.median(r[1] for r in auto)
            within = abs(ma - m32) <= max(s32, sa)
            better = (ma > m32) == higher
            rows.append([FAMILY[name], name, model, primary, f"{m32:.4f} ± {s32:.4f}", f"{ma:.4f} ± {sa:.4f}",
                         f"{worst:.4f}", "yes" if within else ("no (auto better)" if better else "no (auto worse)"),
                         f"{t32:.1f}", f"{ta:.1f}", f"{t32 / ta:.2f}x", auto[0][2]])
    print()
    print(f"{len(seeds)} seeds; the two precisions alternate seed by seed; 'within' = |mean difference| <= the "
          f"larger seed sd; speed = float32 fit s / auto fit s (medians)")
    print()
    head = ["family", "entry", "model", "metric", "float32", "auto", "largest seed gap", "within spread",
            "fit s float32", "fit s auto", "speed", "auto ran as"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
