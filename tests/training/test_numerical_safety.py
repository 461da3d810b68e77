"""Numerical safety: diverging training stops with advice, gradient clipping is offered by every deep model,
missing values never reach a network, and extreme feature scales are standardised away."""

import importlib
import inspect
import math
import pkgutil

import numpy as np
import pandas as pd
import pytest
import torch

import deepmine
from deepmine.errors import DataError, TrainingError
from deepmine.tabular import DeepClassifier, DeepRegressor
from deepmine.training.callbacks import Callback


def _xy(ds):
    return ds.frame.drop(columns=[ds.target]), ds.frame[ds.target]


# ---------------------------------------------------------------------- (a), (b): divergence and clipping
@pytest.mark.parametrize("model", [DeepRegressor, DeepClassifier])
def test_a_huge_learning_rate_stops_with_advice(model, diabetes, breast_cancer):
    X, y = _xy(diabetes if model is DeepRegressor else breast_cancer)
    est = model(lr=1e4, optimizer="sgd", max_epochs=5, random_state=0)
    with pytest.raises(TrainingError) as info:
        est.fit(X, y)
    message = str(info.value)
    assert message.startswith("training diverged") and "\n" not in message
    assert "lower the learning rate (lr=10000 now)" in message and "grad_clip=1.0" in message
    assert not hasattr(est, "module_")  # no half-trained NaN model is left behind


@pytest.mark.parametrize("model", [DeepRegressor, DeepClassifier])
def test_a_huge_learning_rate_with_clipping_still_stops_never_a_nan_model(model, diabetes, breast_cancer):
    # clipping bounds the gradient's norm, not the step lr * gradient: at lr=1e4 the loss still explodes,
    # and the Trainer's 1000x-the-first-loss rule stops it before any weight is NaN
    X, y = _xy(diabetes if model is DeepRegressor else breast_cancer)
    est = model(lr=1e4, optimizer="sgd", grad_clip=1.0, max_epochs=5, random_state=0)
    with pytest.raises(TrainingError, match="lower the learning rate"):
        est.fit(X, y)


def test_grad_clip_rescues_a_learning_rate_that_diverges_without_it(diabetes):
    X, y = _xy(diabetes)
    with pytest.raises(TrainingError, match=r"training diverged: .*set grad_clip=1\.0"):
        DeepRegressor(lr=3.0, optimizer="sgd", max_epochs=20, random_state=0).fit(X, y)
    est = DeepRegressor(lr=3.0, optimizer="sgd", grad_clip=1.0, max_epochs=20, random_state=0).fit(X, y)
    pred = est.predict(X)
    assert np.isfinite(pred).all() and np.isfinite(est.history_["train_loss"]).all()
    assert np.corrcoef(pred, y)[0, 1] > 0.5  # it learned something, not merely stayed finite


def test_grad_clip_rescues_a_classifier(breast_cancer):
    X, y = _xy(breast_cancer)
    with pytest.raises(TrainingError, match="lower the learning rate"):
        DeepClassifier(lr=10.0, optimizer="sgd", lr_schedule="constant", max_epochs=20, random_state=0).fit(X, y)
    est = DeepClassifier(lr=10.0, optimizer="sgd", lr_schedule="constant", grad_clip=0.1, max_epochs=20,
                         random_state=0).fit(X, y)
    proba = est.predict_proba(X)
    assert np.isfinite(proba).all() and (est.predict(X) == y).mean() > 0.9


def test_the_advice_does_not_repeat_a_clip_already_set(diabetes):
    X, y = _xy(diabetes)
    with pytest.raises(TrainingError) as info:
        DeepRegressor(lr=1e4, optimizer="sgd", grad_clip=1.0, max_epochs=5, random_state=0).fit(X, y)
    assert "set grad_clip=1.0" not in str(info.value)


@pytest.fixture
def step_losses(monkeypatch):
    """The loss of every optimiser step the Trainer takes (its ``step`` wrapped)."""
    from deepmine.training.trainer import Trainer

    losses = []
    step = Trainer.step

    def recording(self, *args, **kwargs):
        loss = step(self, *args, **kwargs)
        losses.append(float(loss.detach()))
        return loss

    monkeypatch.setattr(Trainer, "step", recording)
    return losses


def test_a_nan_loss_within_the_first_steps_stops_training_in_epoch_1(churn_sample, step_losses):
    X, y = churn_sample.drop(columns=["churn"]), churn_sample["churn"]
    with pytest.raises(TrainingError, match=r"training diverged: the loss became .* in epoch 1\b"):
        DeepClassifier(lr=1e4, optimizer="sgd", lr_schedule="constant", batch_size=32, max_epochs=3,
                       early_stopping=None, random_state=0).fit(X, y)
    first_bad = next(i for i, v in enumerate(step_losses) if not math.isfinite(v))
    assert first_bad < 5  # the loss is NaN or inf within a few steps, and no second epoch starts
    assert len(step_losses) <= math.ceil(len(X) / 32)  # one epoch at most


def test_training_stops_at_the_first_non_finite_batch(churn_sample, step_losses):
    X, y = churn_sample.drop(columns=["churn"]), churn_sample["churn"]
    with pytest.raises(TrainingError, match="training diverged"):
        DeepClassifier(lr=1e4, optimizer="sgd", lr_schedule="constant", batch_size=32, max_epochs=3,
                       early_stopping=None, random_state=0).fit(X, y)
    first_bad = next(i for i, v in enumerate(step_losses) if not math.isfinite(v))
    assert len(step_losses) == first_bad + 1, f"{len(step_losses) - first_bad - 1} steps after the first NaN loss"


# ---------------------------------------------------------------------- missing values never reach the network
class _InputGuard(Callback):
    """Records whether any input the network saw while training held a NaN or an infinity."""

    def __init__(self):
        self.bad, self.calls = 0, 0

    def on_train_begin(self, trainer):
        def check(module, args):
            self.calls += 1
            self.bad += int(not torch.isfinite(args[0]).all())

        self.handle = trainer.module.register_forward_pre_hook(check)

    def on_train_end(self, trainer):
        self.handle.remove()


def test_missing_values_are_imputed_before_the_network(breast_cancer):
    X, y = _xy(breast_cancer)
    rng = np.random.default_rng(0)
    holes = X.mask(rng.random(X.shape) < 0.3)  # 30% of the cells missing
    guard = _InputGuard()
    est = DeepClassifier(hidden=(32,), max_epochs=5, random_state=0, callbacks=[guard]).fit(holes, y)
    assert guard.calls > 0 and guard.bad == 0
    assert np.isfinite(est.preprocessor_.transform(holes)).all()
    all_missing = holes.copy()
    all_missing.iloc[:5] = np.nan  # rows with nothing known still get finite answers
    assert np.isfinite(est.predict_proba(all_missing)).all()


# ---------------------------------------------------------------------- (c): extreme scales and infinities
def test_extreme_feature_scales_are_standardised(breast_cancer):
    from sklearn.model_selection import train_test_split

    X, y = _xy(breast_cancer)
    scaled = X.copy()
    cols = list(X.columns)
    scaled[cols[:10]] *= 1e12
    scaled[cols[10:20]] *= 1e-12
    scaled[cols[20:22]] *= 1e150  # squares of these overflow float64
    idx_train, idx_test = train_test_split(np.arange(len(X)), test_size=0.3, random_state=0, stratify=y)

    def accuracy(frame):
        est = DeepClassifier(max_epochs=30, random_state=0).fit(frame.iloc[idx_train], y.iloc[idx_train])
        Xt = est.preprocessor_.transform(frame.iloc[idx_test])
        assert np.isfinite(Xt).all() and np.abs(Xt).max() < 100
        return (est.predict(frame.iloc[idx_test]) == y.iloc[idx_test]).mean(), Xt

    plain, Xt_plain = accuracy(X)
    extreme, Xt_extreme = accuracy(scaled)
    assert plain > 0.9 and abs(plain - extreme) <= 0.01
    # the columns scaled up (1e12, 1e150) reach the network as the same numbers
    np.testing.assert_allclose(Xt_extreme[:, :10], Xt_plain[:, :10], atol=1e-4)
    np.testing.assert_allclose(Xt_extreme[:, 20:], Xt_plain[:, 20:], atol=1e-4)


def test_tiny_feature_scales_are_standardised(breast_cancer):
    from deepmine.data.preprocess import TabularPreprocessor

    X, _ = _xy(breast_cancer)
    tiny = X * 1e-12
    np.testing.assert_allclose(TabularPreprocessor().fit(tiny).transform(tiny),
                               TabularPreprocessor().fit(X).transform(X), atol=1e-4)


def test_a_constant_column_stays_constant(breast_cancer):
    from deepmine.data.preprocess import TabularPreprocessor

    X, _ = _xy(breast_cancer)
    X = X.assign(const=0.1, zero=0.0, big=3e200)  # kept as numeric: a constant column is otherwise dropped
    pre = TabularPreprocessor(roles={"const": "numeric", "zero": "numeric", "big": "numeric"}).fit(X)
    Xt = pre.transform(X)
    names = list(pre.get_feature_names_out())
    at = [names.index(c) for c in ("const", "zero", "big")]
    assert np.isfinite(Xt).all() and np.abs(Xt[:, at]).max() < 1e-6  # rounding noise is not blown up


def test_infinite_values_are_a_clear_data_error(tmp_path, breast_cancer):
    from deepmine.data import read_table

    X, y = _xy(breast_cancer)
    path = tmp_path / "inf.csv"
    with_inf = X.copy()
    with_inf.iloc[3, 2] = np.inf
    with_inf.iloc[7, 2] = -np.inf
    with_inf.to_csv(path, index=False)
    read = read_table(path)
    assert np.isinf(read.iloc[3, 2])  # read_table keeps "inf" as read; the preprocessor refuses it
    column = X.columns[2]
    with pytest.raises(DataError, match=f"column '{column}' holds infinite values"):
        DeepClassifier(max_epochs=1).fit(read, y)
    est = DeepClassifier(max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(DataError, match="infinite values; replace them with missing values"):
        est.predict(read)
    assert np.isfinite(est.predict_proba(read.replace([np.inf, -np.inf], np.nan))).all()


# ---------------------------------------------------------------------- (d): grad_clip on every deep model
def _deep_estimator_classes():
    """Every public estimator class in deepmine that trains a network with the shared Trainer: subclasses of
    DeepEstimator, and classes whose constructor takes max_epochs (recommenders, forecasters)."""
    from sklearn.base import BaseEstimator

    from deepmine.base import DeepEstimator

    found = {}
    for info in pkgutil.walk_packages(deepmine.__path__, "deepmine."):
        if ".cli" in info.name or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, cls in vars(module).items():
            if (not inspect.isclass(cls) or name.startswith("_") or not issubclass(cls, BaseEstimator)
                    or not cls.__module__.startswith("deepmine.") or inspect.isabstract(cls)):
                continue
            params = inspect.signature(cls.__init__).parameters
            if issubclass(cls, DeepEstimator) and "max_epochs" not in params:
                continue  # an intermediate base class (its __init__ is BaseEstimator's)
            if issubclass(cls, DeepEstimator) or "max_epochs" in params:
                found[f"{cls.__module__}.{name}"] = cls
    return [found[k] for k in sorted(found)]


DEEP_CLASSES = _deep_estimator_classes()
COULD_NOT_FIX = set()  # class names that still lack grad_clip (none)


def test_the_deep_classes_are_found():
    names = {c.__name__ for c in DEEP_CLASSES}
    assert {"DeepClassifier", "DeepRegressor", "AutoencoderDetector", "DEC", "MatrixFactorization", "NeuMF",
            "MLPForecaster", "CNNClassifier", "UNetSegmenter", "TransformerClassifier", "LSTMClassifier"} <= names


@pytest.mark.parametrize("cls", [pytest.param(c, id=c.__name__, marks=pytest.mark.xfail(strict=True)
                                              if c.__name__ in COULD_NOT_FIX else ())
                                 for c in DEEP_CLASSES])
def test_every_deep_estimator_accepts_grad_clip(cls):
    est = cls()
    assert "grad_clip" in est.get_params()
    assert est.set_params(grad_clip=0.5).get_params()["grad_clip"] == 0.5


class _Stop(Exception):
    pass


@pytest.fixture
def trainer_clips(monkeypatch):
    """Stop at the first Trainer built and record its grad_clip: what the estimator passed on."""
    from deepmine.training.trainer import Trainer

    seen = []
    init = Trainer.__init__

    def record(self, *args, **kwargs):
        init(self, *args, **kwargs)
        seen.append(self.grad_clip)
        raise _Stop

    monkeypatch.setattr(Trainer, "__init__", record)
    return seen


def _ratings():
    rng = np.random.default_rng(0)
    return pd.DataFrame({"user": rng.integers(0, 30, 400), "item": rng.integers(0, 40, 400),
                         "rating": rng.integers(1, 6, 400).astype(float)}).drop_duplicates(["user", "item"])


def _series():
    t = np.arange(200)
    return pd.Series(np.sin(2 * np.pi * t / 12) + 0.01 * t, index=pd.date_range("2000-01-01", periods=200, freq="MS"))


@pytest.mark.parametrize("name", ["DeepClassifier", "AutoencoderDetector", "DEC", "MatrixFactorization", "HybridMF",
                                  "NeuMF", "MLPForecaster", "LSTMForecaster", "NBEATSForecaster",
                                  "Seq2SeqForecaster"])
def test_grad_clip_reaches_the_trainer(name, trainer_clips, breast_cancer):
    cls = next(c for c in DEEP_CLASSES if c.__name__ == name)
    est = cls(grad_clip=0.25)
    X, y = _xy(breast_cancer)
    with pytest.raises(_Stop):
        if name in ("MatrixFactorization", "NeuMF"):
            est.fit(_ratings(), rating="rating")
        elif name == "HybridMF":
            ratings = _ratings()
            ratings["genres"] = np.where(ratings["item"] % 2 == 0, "even", "odd|rare")
            est.fit(ratings, rating="rating")
        elif name.endswith("Forecaster"):
            est.fit(_series(), horizon=6)
        elif name == "DeepClassifier":
            est.fit(X, y)
        else:
            est.fit(X)
    assert trainer_clips == [0.25]
