"""`deepmine predict` under load: a million rows predicted in batches, in bounded memory, atomically.

A small DeepClassifier is trained on the breast_cancer table and saved; a Parquet file of 1,000,000 rows is
written by tiling that table's rows (row group by row group, never as one big frame); `deepmine predict` runs
in a child process that reports its own peak resident memory when it exits (``peak_memory_mb``: Linux's
VmHWM). Not ``os.wait4``'s ru_maxrss: a child's ru_maxrss keeps what its parent held when it forked, so
inside a long test session it reported the pytest process's size (984 MB in CI), not the command's.
"""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

N_ROWS = 1_000_000
# Peak RSS of the predict process on the 1M-row table (batch 65,536): reading the table whole and predicting
# at once (the old command) peaks near 1,100 MB; the chunked command near 550 MB on 2 cores, idle or loaded
# (about 370 MB of it importing torch/pandas/pyarrow and loading the model), flat in the number of rows;
# 610-720 MB with 16 threads (OMP_NUM_THREADS=16: more threads, more malloc arenas).
RSS_BOUND_MB = 950


def _env():
    return {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "PYTHONWARNINGS": "ignore"}


def _command(*args):
    return [sys.executable, "-m", "deepmine", "predict", *map(str, args)]


# `python -m deepmine ...` that writes its own peak memory to the file named first when it exits
_MEASURED = """
import atexit, runpy, sys
report = sys.argv.pop(1)
def _write_peak():
    from deepmine.data.memory import peak_memory_mb
    with open(report, "w") as handle:
        handle.write(str(peak_memory_mb()))
atexit.register(_write_peak)
sys.argv[0] = "deepmine"
runpy.run_module("deepmine", run_name="__main__", alter_sys=True)
"""


def _run_measured(args, folder):
    """Run the deepmine command ``args``; return (exit code, stdout, stderr, its own peak RSS in MB)."""
    assert args[1:3] == ["-m", "deepmine"]
    out_path, err_path, peak_path = folder / "stdout.txt", folder / "stderr.txt", folder / "peak_mb.txt"
    with open(out_path, "w") as out, open(err_path, "w") as err:
        code = subprocess.run([sys.executable, "-c", _MEASURED, str(peak_path), *args[3:]],
                              stdout=out, stderr=err, env=_env()).returncode
    return code, out_path.read_text(), err_path.read_text(), float(peak_path.read_text())


@pytest.fixture(scope="module")
def features(breast_cancer):
    return breast_cancer.frame.drop(columns=[breast_cancer.target])


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory, breast_cancer, features):
    from deepmine.persist import save_model
    from deepmine.tabular import DeepClassifier

    model = DeepClassifier(hidden=(16,), max_epochs=2, random_state=0).fit(features, breast_cancer.frame[breast_cancer.target])
    folder = tmp_path_factory.mktemp("model") / "model"
    save_model(model, folder)
    return model, folder


@pytest.fixture(scope="module")
def million_rows(tmp_path_factory, features):
    """A Parquet file of N_ROWS rows tiling the breast_cancer features, written one row group at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    base = pa.Table.from_pandas(features, preserve_index=False)
    group = pa.concat_tables([base] * (65_536 // len(base)))  # ~65k rows, the size of one row group
    path = tmp_path_factory.mktemp("data") / "million.parquet"
    with pq.ParquetWriter(path, group.schema) as writer:
        written = 0
        while written < N_ROWS:
            part = group.slice(0, min(len(group), N_ROWS - written))
            writer.write_table(part)
            written += len(part)
    assert pq.ParquetFile(path).metadata.num_rows == N_ROWS
    return path


@pytest.fixture(scope="module")
def million_run(tmp_path_factory, saved_model, million_rows):
    folder = tmp_path_factory.mktemp("out")
    output = folder / "out" / "predictions.csv"
    start = time.perf_counter()
    code, out, err, peak_mb = _run_measured(_command(saved_model[1], million_rows, "-o", output), folder)
    seconds = time.perf_counter() - start
    print(f"\npredict {N_ROWS:,} rows: {seconds:.1f} s, peak RSS {peak_mb:.0f} MB")
    return {"code": code, "out": out, "err": err, "peak_mb": peak_mb, "output": output}


def test_predicts_a_million_rows_in_batches(million_run, saved_model, features):
    run = million_run
    assert run["code"] == 0, run["err"]
    assert f"wrote {N_ROWS} predictions" in run["out"]
    output = run["output"]
    assert sorted(p.name for p in output.parent.iterdir()) == ["predictions.csv"]  # no temporary file left
    preds = pd.read_csv(output)
    model = saved_model[0]
    assert list(preds.columns) == ["row", "prediction"] + [f"proba_{c}" for c in model.classes_]
    assert len(preds) == N_ROWS
    assert (preds["row"].to_numpy() == np.arange(N_ROWS)).all()
    # row r of the file is row r % n of the table: the in-process model's answers, batch boundaries included
    expected_label = np.asarray(model.predict(features))
    expected_proba = model.predict_proba(features)
    source = np.arange(N_ROWS) % len(features)
    assert (preds["prediction"].to_numpy() == expected_label[source]).all()
    proba = preds[[f"proba_{c}" for c in model.classes_]].to_numpy()
    np.testing.assert_allclose(proba, expected_proba[source], rtol=0, atol=1e-6)


def test_peak_memory_stays_below_reading_the_table_whole(million_run):
    assert million_run["code"] == 0, million_run["err"]
    assert million_run["peak_mb"] < RSS_BOUND_MB, f"peak RSS {million_run['peak_mb']:.0f} MB"


def test_an_interrupted_predict_leaves_no_file(tmp_path, saved_model, million_rows):
    folder = tmp_path / "out"
    folder.mkdir()
    output = folder / "predictions.csv"
    proc = subprocess.Popen(_command(saved_model[1], million_rows, "-o", output, "--batch-rows", 4096),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), text=True)
    try:
        deadline = time.monotonic() + 60
        while not list(folder.iterdir()) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "predict ended before it could be interrupted"
        [tmp] = list(folder.iterdir())
        assert tmp.name.startswith(".predictions.csv.") and tmp.name.endswith(".tmp")
        time.sleep(0.3)  # a few batches in
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "interrupted; nothing was written" in err
    assert list(folder.iterdir()) == []


# ---------------------------------------------------------------------- small, in-process
runner = CliRunner()


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory, features):
    path = tmp_path_factory.mktemp("small") / "bc.csv"
    features.to_csv(path, index=False)
    return path


def _predict(*args):
    from deepmine.cli.main import app

    return runner.invoke(app, ["predict", *map(str, args)])


def test_batch_size_does_not_change_the_predictions(tmp_path, saved_model, small_csv, features):
    whole, tiny = tmp_path / "whole.csv", tmp_path / "tiny.csv"
    assert _predict(saved_model[1], small_csv, "-o", whole).exit_code == 0
    result = _predict(saved_model[1], small_csv, "-o", tiny, "--batch-rows", 7)
    assert result.exit_code == 0, result.output
    assert f"wrote {len(features)} predictions" in result.output
    a, b = pd.read_csv(whole), pd.read_csv(tiny)
    assert list(a.columns) == list(b.columns)
    assert (b["row"] == np.arange(len(features))).all()
    assert (a["prediction"] == b["prediction"]).all()
    assert (b["prediction"].to_numpy() == saved_model[0].predict(features)).all()
    # float32 matrix products may round differently for other batch shapes: equal to the last digits
    np.testing.assert_allclose(a.filter(like="proba_").to_numpy(), b.filter(like="proba_").to_numpy(), atol=1e-6)


def test_bad_batch_rows_and_existing_output_are_one_line_errors(tmp_path, saved_model, small_csv):
    output = tmp_path / "p.csv"
    bad = _predict(saved_model[1], small_csv, "-o", output, "--batch-rows", 0)
    assert bad.exit_code == 2 and "--batch-rows must be a positive whole number" in bad.output
    assert "Traceback" not in bad.output and not output.exists()
    assert _predict(saved_model[1], small_csv, "-o", output).exit_code == 0
    again = _predict(saved_model[1], small_csv, "-o", output)
    assert again.exit_code == 2 and "--force" in again.output
    assert _predict(saved_model[1], small_csv, "-o", output, "--force").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]
