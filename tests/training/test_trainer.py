"""Tests for the Trainer: the mini-batch loop every deepmine network trains with.

Small real data (breast cancer, iris, diabetes), tiny networks and a few epochs keep these fast.
"""


import numpy as np
import pytest
import torch
from torch import nn

from deepmine.datasets import load
from deepmine.errors import TrainingError
from deepmine.nn import MLP
from deepmine.training import (LOSSES, OPTIMIZERS, SCHEDULES, Callback, Trainer, choose_device, make_loss,
                               predict_module, seeded)

# ----------------------------------------------------------------------------- data


def _standardise(X: np.ndarray) -> np.ndarray:
    return ((X - X.mean(axis=0)) / X.std(axis=0)).astype(np.float32)


@pytest.fixture(scope="module")
def cancer():
    """Breast cancer, standardised, as float32: 400 training rows and 169 validation rows."""
    d = load("breast_cancer")
    X = _standardise(d.X.to_numpy())
    y = (d.y == "malignant").to_numpy().astype(np.float32)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X))
    tr, va = order[:400], order[400:]
    return X[tr], y[tr], X[va], y[va]


@pytest.fixture(scope="module")
def cancer_raw():
    """Breast cancer features as they come (areas in the hundreds and thousands), float32."""
    d = load("breast_cancer")
    return d.X.to_numpy().astype(np.float32), (d.y == "malignant").to_numpy().astype(np.float32)


@pytest.fixture(scope="module")
def iris():
    d = load("iris")
    X = _standardise(d.X.to_numpy())
    y = d.y.astype("category").cat.codes.to_numpy().astype(np.int64)
    return X, y


@pytest.fixture(scope="module")
def diabetes():
    d = load("diabetes")
    X = _standardise(d.X.to_numpy())
    y = d.y.to_numpy().astype(np.float64)
    y = ((y - y.mean()) / y.std()).astype(np.float32)[:, None]
    return X, y


def _loss(module, loss, X, y) -> float:
    """The loss of ``module`` on (X, y) in evaluation mode."""
    out = predict_module(module, X, torch.device("cpu"))
    with torch.inference_mode():
        return float(make_loss(loss)(out, torch.as_tensor(y)))


def _net(n_in=30, n_out=1, hidden=(16,), **kw) -> MLP:
    return MLP(n_in, n_out, hidden=hidden, **kw)


# ----------------------------------------------------------------------------- the loop


def test_training_reduces_the_loss_and_learns(cancer):
    X, y, Xv, yv = cancer
    torch.manual_seed(0)
    module = _net()
    before_train, before_valid = _loss(module, "bce", X, y), _loss(module, "bce", Xv, yv)
    trainer = Trainer(loss="bce", lr=1e-2, batch_size=64, max_epochs=12, early_stopping=None)
    history = trainer.fit(module, X, y, Xv, yv)

    assert _loss(module, "bce", X, y) < 0.5 * before_train
    assert _loss(module, "bce", Xv, yv) < 0.5 * before_valid
    assert history["train_loss"].iloc[-1] < history["train_loss"].iloc[0]
    # a user would check that it actually classifies: breast cancer is easy, >90% is expected
    proba = torch.sigmoid(trainer.predict(module, Xv)).numpy().ravel()
    assert ((proba > 0.5) == (yv > 0.5)).mean() > 0.9
    assert not module.training  # fit leaves the module ready for inference


def test_history_has_one_row_per_epoch(cancer):
    X, y, Xv, yv = cancer
    torch.manual_seed(0)
    history = Trainer(loss="bce", lr=1e-2, batch_size=128, max_epochs=7, early_stopping=None).fit(
        _net(), X, y, Xv, yv)

    assert len(history) == 7
    assert history["epoch"].tolist() == list(range(1, 8))
    for col in ("train_loss", "valid_loss", "lr", "seconds"):
        assert col in history.columns
        assert np.isfinite(history[col]).all()
    assert (history["seconds"] >= 0).all()
    assert (history["lr"] > 0).all()


def test_history_without_validation_has_no_valid_loss(cancer):
    X, y, _, _ = cancer
    torch.manual_seed(0)
    trainer = Trainer(loss="bce", lr=1e-2, batch_size=128, max_epochs=3)
    history = trainer.fit(_net(), X, y)
    assert len(history) == 3  # early stopping needs validation data, so it does not cut training short
    assert "valid_loss" not in history.columns
    assert {"train_loss", "lr", "seconds"} <= set(history.columns)
    assert trainer.best_epoch == 3


def test_early_stopping_stops_early_and_restores_the_best_weights():
    # Random labels: the validation loss can only get worse once the network starts to memorise.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 20)).astype(np.float32)
    y = rng.integers(0, 2, 200).astype(np.float32)
    Xv = rng.normal(size=(100, 20)).astype(np.float32)
    yv = rng.integers(0, 2, 100).astype(np.float32)
    torch.manual_seed(0)
    module = _net(20, 1, hidden=(64,))
    patience, max_epochs = 3, 200
    trainer = Trainer(loss="bce", lr=2e-2, batch_size=50, max_epochs=max_epochs, lr_schedule="constant",
                      early_stopping=patience)
    history = trainer.fit(module, X, y, Xv, yv)

    assert len(history) < max_epochs
    best_row = history["valid_loss"].idxmin()
    best_loss, best_epoch = history.loc[best_row, "valid_loss"], int(history.loc[best_row, "epoch"])
    assert trainer.best_epoch == best_epoch
    # it waited exactly `patience` epochs without improvement, then stopped
    assert len(history) == best_epoch + patience
    # the last epoch was worse than the best, so restoring matters
    assert history["valid_loss"].iloc[-1] > best_loss
    assert _loss(module, "bce", Xv, yv) == pytest.approx(best_loss, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("optimizer, lr", [("sgd", 0.05), ("adam", 1e-2), ("adamw", 1e-2), ("adagrad", 5e-2)])
def test_every_optimizer_trains(cancer, optimizer, lr):
    assert optimizer in OPTIMIZERS
    X, y, Xv, yv = cancer
    torch.manual_seed(0)
    module = _net()
    before = _loss(module, "bce", X, y)
    history = Trainer(loss="bce", optimizer=optimizer, lr=lr, batch_size=64, max_epochs=5,
                      lr_schedule="constant", early_stopping=None).fit(module, X, y, Xv, yv)
    assert np.isfinite(history["train_loss"]).all()
    assert _loss(module, "bce", X, y) < 0.7 * before


def test_the_optimizer_list_is_covered():
    assert set(OPTIMIZERS) == {"sgd", "adam", "adamw", "adagrad"}
    assert set(SCHEDULES) == {"onecycle", "constant", "cosine", "plateau", "coslog4"}


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_every_schedule_trains(cancer, schedule):
    X, y, Xv, yv = cancer
    torch.manual_seed(0)
    module = _net()
    before = _loss(module, "bce", X, y)
    lr = 1e-2
    history = Trainer(loss="bce", lr=lr, batch_size=64, max_epochs=6, lr_schedule=schedule,
                      early_stopping=None).fit(module, X, y, Xv, yv)
    assert _loss(module, "bce", X, y) < 0.7 * before
    lrs = history["lr"].to_numpy()
    if schedule == "constant":
        assert np.allclose(lrs, lr)
    elif schedule in ("onecycle", "cosine"):
        assert lrs[-1] < 0.1 * lr  # both anneal to (nearly) zero by the last step
    elif schedule == "coslog4":  # RealMLP's: four cycles up to lr and back, the last ending at 0
        assert lrs.max() <= lr and lrs[-1] < 1e-6 and len(set(np.round(lrs, 8))) > 3
    else:  # plateau only ever lowers the rate
        assert lrs.max() <= lr and np.all(np.diff(lrs) <= 0)


def test_unknown_optimizer_and_schedule_name_the_choices(cancer):
    X, y, _, _ = cancer
    with pytest.raises(ValueError, match="adamw"):
        Trainer(loss="bce", optimizer="rmsprop", max_epochs=1).fit(_net(), X, y)
    with pytest.raises(ValueError, match="onecycle"):
        Trainer(loss="bce", lr_schedule="step", max_epochs=1).fit(_net(), X, y)


# ----------------------------------------------------------------------------- losses


def test_bce_by_name(cancer):
    X, y, _, _ = cancer
    torch.manual_seed(0)
    module = _net()
    before = _loss(module, "bce", X, y)
    Trainer(loss="bce", lr=1e-2, batch_size=64, max_epochs=5).fit(module, X, y)
    assert _loss(module, "bce", X, y) < 0.5 * before


@pytest.mark.parametrize("loss", ["cross_entropy", "nll"])
def test_multiclass_losses_by_name(iris, loss):
    X, y = iris
    torch.manual_seed(0)
    module = _net(4, 3, hidden=(16,))
    if loss == "nll":  # NLL takes log-probabilities
        module = nn.Sequential(module, nn.LogSoftmax(dim=1))
    before = _loss(module, loss, X, y)
    Trainer(loss=loss, lr=2e-2, batch_size=32, max_epochs=15, lr_schedule="constant").fit(module, X, y)
    assert _loss(module, loss, X, y) < 0.5 * before
    pred = predict_module(module, X).argmax(dim=1).numpy()
    assert (pred == y).mean() > 0.85


@pytest.mark.parametrize("loss", ["mse", "huber"])
def test_regression_losses_by_name(diabetes, loss):
    X, y = diabetes
    torch.manual_seed(0)
    module = _net(10, 1, hidden=(16,))
    before = _loss(module, loss, X, y)
    Trainer(loss=loss, lr=1e-2, batch_size=64, max_epochs=10, lr_schedule="constant").fit(module, X, y)
    assert _loss(module, loss, X, y) < 0.8 * before


def test_make_loss_by_name_and_unknown_name():
    for name, cls in LOSSES.items():
        assert isinstance(make_loss(name), cls)
    with pytest.raises(ValueError, match="cross_entropy"):
        make_loss("hinge")


# ----------------------------------------------------------------------------- failures


# mse needs the target shaped like the (n, 1) output; bce reshapes the logits, so it gets the flat labels
@pytest.mark.parametrize(
    "loss, column_target",
    [pytest.param("mse", True, id="mse"), pytest.param("bce", False, id="bce")],
)
def test_huge_learning_rate_raises_training_error(cancer_raw, loss, column_target):
    X, y = cancer_raw
    torch.manual_seed(0)
    trainer = Trainer(loss=loss, optimizer="sgd", lr=1e6, lr_schedule="constant", max_epochs=3,
                      early_stopping=None)
    with pytest.raises(TrainingError, match="learning rate"):
        trainer.fit(_net(hidden=(8,)), X, y[:, None] if column_target else y)


def test_float64_features_are_accepted(cancer):
    X, y, _, _ = cancer
    torch.manual_seed(0)
    module = _net()
    history = Trainer(loss="bce", lr=1e-2, max_epochs=2).fit(module, X.astype(np.float64), y)
    assert len(history) == 2


def test_grad_clip_bounds_every_update(cancer):
    X, y, _, _ = cancer
    lr, clip, batch = 1.0, 1e-3, 100
    steps = len(X) // batch

    def change(grad_clip):
        torch.manual_seed(0)
        module = _net()
        start = torch.cat([p.detach().clone().ravel() for p in module.parameters()])
        Trainer(loss="bce", optimizer="sgd", momentum=0.0, lr=lr, batch_size=batch, max_epochs=1,
                lr_schedule="constant", grad_clip=grad_clip).fit(module, X, y)
        end = torch.cat([p.detach().ravel() for p in module.parameters()])
        return float(torch.linalg.vector_norm(end - start))

    bound = steps * lr * clip  # plain SGD moves at most lr * clip per step once gradients are clipped
    assert change(clip) <= bound * (1 + 1e-4)
    assert change(None) > 10 * bound


def test_grad_clip_still_trains(cancer):
    X, y, Xv, yv = cancer
    torch.manual_seed(0)
    module = _net()
    before = _loss(module, "bce", X, y)
    Trainer(loss="bce", lr=1e-2, batch_size=64, max_epochs=5, grad_clip=1.0).fit(module, X, y, Xv, yv)
    assert _loss(module, "bce", X, y) < 0.5 * before


# ----------------------------------------------------------------------------- callbacks


class Recorder(Callback):
    def __init__(self, stop_at=None):
        self.events, self.records, self.stop_at = [], [], stop_at

    def on_train_begin(self, trainer):
        self.events.append("begin")
        self.trainer = trainer

    def on_epoch_end(self, trainer, record):
        self.events.append(record["epoch"])
        self.records.append(dict(record))
        if self.stop_at is not None and record["epoch"] >= self.stop_at:
            trainer.stop_training = True

    def on_train_end(self, trainer):
        self.events.append("end")


def test_callback_sees_every_hook_in_order(cancer):
    X, y, Xv, yv = cancer
    rec = Recorder()
    trainer = Trainer(loss="bce", lr=1e-2, batch_size=128, max_epochs=4, early_stopping=None, callbacks=[rec])
    history = trainer.fit(_net(), X, y, Xv, yv)
    assert rec.events == ["begin", 1, 2, 3, 4, "end"]
    assert rec.trainer is trainer
    assert [r["train_loss"] for r in rec.records] == pytest.approx(history["train_loss"].tolist())
    assert all("valid_loss" in r and "lr" in r for r in rec.records)


def test_callback_can_stop_training(cancer):
    X, y, Xv, yv = cancer
    rec = Recorder(stop_at=3)
    history = Trainer(loss="bce", lr=1e-2, batch_size=128, max_epochs=50, callbacks=[rec]).fit(
        _net(), X, y, Xv, yv)
    assert len(history) == 3
    assert rec.events == ["begin", 1, 2, 3, "end"]


def test_on_train_end_runs_when_training_fails(cancer_raw):
    X, y = cancer_raw
    rec = Recorder()
    trainer = Trainer(loss="mse", optimizer="sgd", lr=1e6, lr_schedule="constant", max_epochs=3, callbacks=[rec])
    with pytest.raises(TrainingError):
        trainer.fit(_net(hidden=(8,)), X, y[:, None])
    assert rec.events[0] == "begin" and rec.events[-1] == "end"


# ----------------------------------------------------------------------------- device and seeding


@pytest.mark.skipif(torch.cuda.is_available() or torch.backends.mps.is_available(), reason="an accelerator is here")
def test_auto_device_is_the_cpu_here():
    assert choose_device("auto") == torch.device("cpu")
    assert choose_device(None) == torch.device("cpu")
    assert Trainer().device == torch.device("cpu")


def test_explicit_cpu_device():
    assert choose_device("cpu") == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is here")
def test_cuda_without_a_gpu_raises_training_error():
    with pytest.raises(TrainingError, match="cuda"):
        choose_device("cuda")
    with pytest.raises(TrainingError):
        Trainer(device="cuda")


def test_seeded_builds_and_fits_are_identical(cancer):
    X, y, Xv, yv = cancer

    def run():
        with seeded(0):
            module = _net(hidden=(16,), dropout=0.2)
            history = Trainer(loss="bce", lr=1e-2, batch_size=64, max_epochs=3).fit(module, X, y, Xv, yv)
        return module.state_dict(), history

    (s1, h1), (s2, h2) = run(), run()
    assert s1.keys() == s2.keys()
    for key in s1:
        assert torch.equal(s1[key], s2[key]), key
    assert h1["train_loss"].tolist() == h2["train_loss"].tolist()
    assert h1["valid_loss"].tolist() == h2["valid_loss"].tolist()


def test_seeded_leaves_the_callers_rng_alone(cancer):
    X, y, _, _ = cancer
    torch.manual_seed(123)
    state = torch.get_rng_state()
    expected = torch.rand(5)

    torch.manual_seed(123)
    with seeded(0):
        Trainer(loss="bce", max_epochs=2, batch_size=64).fit(_net(), X, y)
        torch.rand(100)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(torch.rand(5), expected)


# ----------------------------------------------------------------------------- lr_find


def test_lr_find_returns_a_curve_and_a_suggestion_in_range(cancer):
    X, y, _, _ = cancer
    torch.manual_seed(0)
    module = _net(norm="batch")
    before = {k: v.clone() for k, v in module.state_dict().items()}
    start, end = 1e-6, 1.0
    result = Trainer(loss="bce", batch_size=64).lr_find(module, X, y, start_lr=start, end_lr=end, num=40)

    frame = result.frame
    assert list(frame.columns) == ["lr", "loss"]
    assert len(frame) >= 3
    assert np.all(np.diff(frame["lr"]) > 0)
    assert frame["lr"].min() >= start * (1 - 1e-9) and frame["lr"].max() <= end * (1 + 1e-9)
    assert np.isfinite(frame["loss"]).all()
    assert frame["lr"].min() <= result.suggestion <= frame["lr"].max()
    after = module.state_dict()
    for key in before:  # weights and batch-norm running statistics alike
        assert torch.equal(before[key], after[key]), key


def test_lr_find_keeps_the_module_mode(cancer):
    X, y, _, _ = cancer
    module = _net(norm="batch", dropout=0.2)
    module.eval()
    Trainer(loss="bce", batch_size=64).lr_find(module, X, y, num=10)
    assert not module.training


# ----------------------------------------------------------------------------- batch norm and odd batch sizes


@pytest.mark.parametrize("n, batch_size", [(65, 32), (33, 16), (129, 64)])
def test_a_last_batch_of_one_row_does_not_break_batch_norm(cancer, n, batch_size):
    assert n % batch_size == 1
    X, y, _, _ = cancer
    torch.manual_seed(0)
    module = _net(norm="batch")
    history = Trainer(loss="bce", lr=1e-2, batch_size=batch_size, max_epochs=3).fit(module, X[:n], y[:n])
    assert len(history) == 3
    assert np.isfinite(history["train_loss"]).all()


def test_checkpoint_saves_the_best_weights_as_safetensors(tmp_path, breast_cancer):
    from safetensors.torch import load_file

    from deepmine.tabular import DeepClassifier
    from deepmine.training import Checkpoint

    path = tmp_path / "ckpt" / "best.safetensors"
    clf = DeepClassifier(hidden=(16,), max_epochs=12, early_stopping=4, callbacks=[Checkpoint(path)],
                         random_state=0).fit(breast_cancer.X, breast_cancer.y)
    saved = load_file(str(path))
    # early stopping restored the best weights, and the checkpoint holds those same weights
    for name, tensor in clf.module_.state_dict().items():
        assert torch.equal(saved[name], tensor)
    assert [p.name for p in path.parent.iterdir()] == ["best.safetensors"]


def test_a_time_limit_stops_every_trainer_after_the_epoch_that_crosses_it(cancer_raw):
    from deepmine.tabular import DeepClassifier
    from deepmine.training import time_limit

    X, y = cancer_raw
    # a constant rate: a schedule planned over 100,000 epochs would still be warming up when the limit strikes
    model = DeepClassifier(hidden=(16,), max_epochs=100_000, lr_schedule="constant", early_stopping=None,
                           random_state=0)
    with time_limit(0.5) as limit:
        model.fit(X, y)
    # stopped long before its 100,000 epochs, after the epoch that crossed the limit, and still a model
    assert limit.stopped == [len(model.history_)] and len(model.history_) < 100_000
    assert (model.predict(X) == y).mean() > 0.8
    with time_limit(None) as none:  # no limit: nothing is cut
        DeepClassifier(hidden=(8,), max_epochs=3, random_state=0).fit(X, y)
    assert none.stopped == []
    for first, second in ((60, 0), (0, 60)):  # nested limits: the earliest counts, and both learn of the cut
        with time_limit(first) as outer, time_limit(second) as inner:
            DeepClassifier(hidden=(8,), max_epochs=50, random_state=0).fit(X, y)
        assert inner.stopped == outer.stopped == [1]
    with pytest.raises(ValueError), time_limit(0):  # a failed block leaves no limit behind
        raise ValueError("the fit failed")
    from deepmine.training.callbacks import epoch_listeners

    assert not any(type(cb).__name__ == "Deadline" for cb in epoch_listeners())
