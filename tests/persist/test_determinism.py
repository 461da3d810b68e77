"""The same data and random_state give byte-identical predictions in two separate processes on the CPU."""

import importlib.util
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("determinism_script.py")


def test_two_processes_give_byte_identical_predictions():
    """A fresh Python process and this one each fit a DeepClassifier, a DeepRegressor and an
    AutoencoderDetector with random_state=0 on breast_cancer / diabetes; the SHA-256 of each model's
    predictions is the same in both (the two fits run side by side)."""
    child = subprocess.Popen([sys.executable, str(SCRIPT)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    spec = importlib.util.spec_from_file_location("determinism_script", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    here = script.digests()
    stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == 0, stderr[-2000:]
    assert [line.split()[0] for line in here] == ["classifier", "regressor", "autoencoder"]
    assert stdout.splitlines() == here
