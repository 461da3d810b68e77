"""Mixed precision: the forward pass autocasts to bf16/fp16 (checked on the CPU), weights stay float32."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepmine.errors import ParameterError
from deepmine.tabular import DeepClassifier, DeepRegressor
from deepmine.training import precision as precision_mod
from deepmine.training.precision import cpu_has_native_bf16, resolve_precision

AUTO_ON_THIS_CPU = torch.bfloat16 if cpu_has_native_bf16() else torch.float32


@pytest.mark.parametrize("precision, dtype", [("float32", torch.float32), ("bf16", torch.bfloat16),
                                              ("fp16", torch.float16), ("auto", AUTO_ON_THIS_CPU)])
def test_training_autocasts_to_the_precision_asked(churn_sample, training_dtypes, precision, dtype):
    X, y = churn_sample.drop(columns="churn"), churn_sample["churn"]
    model = DeepClassifier(hidden=(32,), max_epochs=3, random_state=0, device="cpu", precision=precision).fit(X, y)
    assert training_dtypes == {dtype}  # "auto": bf16 where the CPU has native bfloat16, else float32
    assert all(p.dtype == torch.float32 for p in model.module_.parameters())
    proba = model.predict_proba(X)
    assert proba.dtype == np.float64 or proba.dtype == np.float32
    assert np.isfinite(proba).all() and np.allclose(proba.sum(axis=1), 1, atol=1e-5)


def test_mixed_precision_learns_as_well_as_float32(churn_sample):
    X, y = churn_sample.drop(columns="churn"), churn_sample["churn"]
    kw = dict(hidden=(32,), max_epochs=8, random_state=0, device="cpu")
    full = DeepClassifier(precision="float32", **kw).fit(X, y)
    half = DeepClassifier(precision="bf16", **kw).fit(X, y)
    assert abs(full.history_["train_loss"].iloc[-1] - half.history_["train_loss"].iloc[-1]) < 0.02
    assert (full.predict(X) == half.predict(X)).mean() > 0.95


def test_streaming_fit_uses_the_precision(tmp_path, diabetes, training_dtypes):
    path = tmp_path / "diabetes.parquet"
    diabetes.frame.to_parquet(path)
    model = DeepRegressor(hidden=(16,), max_epochs=2, random_state=0, device="cpu", precision="bf16")
    model.fit_stream(path, diabetes.target, batch_rows=100)
    assert training_dtypes == {torch.bfloat16}
    assert np.isfinite(model.predict(diabetes.frame.drop(columns=diabetes.target))).all()


def test_unknown_precision_is_a_clear_error(churn_sample):
    X, y = churn_sample.drop(columns="churn"), churn_sample["churn"]
    with pytest.raises(ParameterError, match="precision must be one of float32, bf16, fp16, auto"):
        DeepClassifier(max_epochs=1, precision="half").fit(X, y)
    assert resolve_precision(None, torch.device("cpu")) is None


@pytest.mark.parametrize("native", [True, False])
def test_auto_precision_is_bf16_exactly_on_cpus_with_native_bfloat16(monkeypatch, native):
    # emulated bfloat16 is slower than float32, so "auto" must not pick it on a CPU without the instructions
    monkeypatch.setattr(precision_mod, "cpu_has_native_bf16", lambda: native)
    assert resolve_precision("auto", torch.device("cpu")) is (torch.bfloat16 if native else None)
    assert resolve_precision("float32", torch.device("cpu")) is None
