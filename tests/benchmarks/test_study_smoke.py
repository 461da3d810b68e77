"""The benchmark study's smoke run: every task of benchmarks/study.py on a tiny slice, one seed.

It asserts only that every model of every entry produced a finite primary metric and that the report
was written with a section per entry; the real numbers belong to `make bench`, never to a test.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STUDY = ROOT / "benchmarks" / "study.py"


def _study_module():
    spec = importlib.util.spec_from_file_location("deepmine_benchmark_study", STUDY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_study_smoke_runs_every_task_and_writes_the_report(tmp_path):
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(STUDY), "--smoke", "--out", str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]

    study = _study_module()
    entries = study.entries()
    assert {e.task for e in entries} >= {
        "classification", "regression", "clustering", "anomaly", "text_classification", "topics",
        "recommendation", "series_classification", "forecasting", "image_classification", "communities",
        "link_prediction"}
    for entry in entries:
        path = tmp_path / "results" / f"{entry.name}.json"
        assert path.exists(), f"no results for {entry.name}"
        result = json.loads(path.read_text())
        assert result["failures"] == [], (entry.name, result["failures"])
        primary = result["primary"]
        assert primary, entry.name
        scored = {r["model"]: r.get(primary) for r in result["records"]}
        expected = set(result["candidates"])
        assert set(scored) == expected, (entry.name, set(scored), expected)
        for model, value in scored.items():
            assert value is not None and math.isfinite(value), (entry.name, model, value)
        for record in result["records"]:
            assert math.isfinite(record["fit_s"]) and record["fit_s"] >= 0

    report = (tmp_path / "BENCHMARKS.md").read_text()
    assert "## Summary" in report
    for entry in entries:
        assert f"({entry.name})\n" in report, f"no section for {entry.name}"
        assert (tmp_path / "benchmarks" / f"{entry.name}.png").exists(), f"no plot for {entry.name}"


def test_the_verdict_pairs_each_kinds_best_model_by_mean():
    # two noisy deep models and a steady traditional one: each seed's better deep score is always above the
    # traditional 0.905, yet neither deep model is better on average, so the verdict must not say "deep better"
    study = _study_module()
    a = [0.95, 0.85, 0.95, 0.85, 0.84]  # mean 0.888
    b = [0.85, 0.95, 0.85, 0.95, 0.91]  # mean 0.902
    records = ([{"seed": s, "model": "a", "kind": "deep", "accuracy": v} for s, v in enumerate(a)]
               + [{"seed": s, "model": "b", "kind": "deep", "accuracy": v} for s, v in enumerate(b)]
               + [{"seed": s, "model": "t", "kind": "traditional", "accuracy": 0.905} for s in range(5)])
    records = [{**r, "fit_s": 1.0} for r in records]
    v = study.verdict({"primary": "accuracy", "greater_is_better": True, "seeds": list(range(5)),
                       "records": records})
    assert v["deep_models"] == ["b"] * 5 and v["traditional_models"] == ["t"] * 5  # b has the higher mean
    assert v["diff"] == pytest.approx(sum(b) / 5 - 0.905)  # the summary's mean columns, subtracted
    assert v["verdict"] == "tie"
