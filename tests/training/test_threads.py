"""The thread count of a fit: one CPU thread for a small step, the caller's own for a large one, and put back after."""

import numpy as np
import pytest
import torch
from torch import nn

from deepmine.training import Callback
from deepmine.training import precision as precision_mod
from deepmine.training.threads import SMALL_STEP, SMALL_STEP_BF16, step_work
from deepmine.training.trainer import Trainer


class _Threads(Callback):
    def __init__(self):
        self.seen = set()

    def on_batch_end(self, trainer, batch, steps):
        self.seen.add(torch.get_num_threads())


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _fit(module, batch_size=64, rows=512, **kw):
    X, y = torch.randn(rows, 20), (torch.rand(rows) > 0.5).float()
    spy = _Threads()
    trainer = Trainer(loss="bce", batch_size=batch_size, max_epochs=1, callbacks=[spy], device="cpu", **kw)
    trainer.fit(module, X, y)
    return trainer, spy.seen


def test_a_small_network_trains_on_one_thread_and_the_caller_keeps_two(two_threads):
    trainer, seen = _fit(nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 1)))
    assert seen == {1} and trainer.threads_ == 1
    assert torch.get_num_threads() == 2


def test_large_steps_and_unknown_layers_keep_the_callers_threads(two_threads, monkeypatch):
    wide = nn.Sequential(nn.Linear(20, 2048), nn.ReLU(), nn.Linear(2048, 2048), nn.ReLU(), nn.Linear(2048, 1))
    assert step_work(wide, 512) >= SMALL_STEP
    assert _fit(wide, batch_size=512)[1] == {2}

    class Scale(nn.Module):  # a layer of its own: its work is unknown
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(20))

        def forward(self, x):
            return x * self.w

    assert step_work(nn.Sequential(Scale(), nn.Linear(20, 1)), 64) is None
    assert _fit(nn.Sequential(Scale(), nn.Linear(20, 1)))[1] == {2}
    monkeypatch.setenv("DEEPMINE_THREADS", "keep")
    assert _fit(nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 1)))[1] == {2}


def test_threads_are_put_back_when_a_fit_fails(two_threads):
    with pytest.raises(Exception, match="diverged"):
        _fit(nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 1)), lr=1e12, optimizer="sgd")
    assert torch.get_num_threads() == 2


def test_one_thread_learns_what_two_learn(two_threads, monkeypatch):
    # the same seed and steps: the thread count changes only the order of float sums
    torch.manual_seed(0)
    a = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 1))
    b = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 1))
    b.load_state_dict(a.state_dict())
    torch.manual_seed(1)
    assert _fit(a)[1] == {1}
    monkeypatch.setenv("DEEPMINE_THREADS", "keep")
    torch.manual_seed(1)
    assert _fit(b)[1] == {2}
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), atol=1e-5)


@pytest.mark.parametrize("native", [True, False])
def test_bfloat16_steps_keep_one_thread_further_out(two_threads, monkeypatch, native):
    # 20 -> 256 -> 256 -> 1 at batch 512: 36 million multiply-adds, between the two crossovers
    net = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1))
    assert SMALL_STEP <= step_work(net, 512) < SMALL_STEP_BF16
    monkeypatch.setattr(precision_mod, "cpu_has_native_bf16", lambda: native)
    assert _fit(net, batch_size=512, precision="float32")[1] == {2}
    # "auto" is bf16 only where the CPU has native bfloat16: there one thread, elsewhere float32's two
    trainer, seen = _fit(net, batch_size=512, precision="auto")
    assert seen == ({1} if native else {2}) and trainer.precision_name == ("bf16" if native else "float32")
    assert torch.get_num_threads() == 2


def test_a_streamed_fit_makes_the_same_thread_choice(two_threads, tmp_path, churn_sample):
    from deepmine.tabular import DeepClassifier

    path = tmp_path / "churn.parquet"
    churn_sample.to_parquet(path)
    spy = _Threads()
    model = DeepClassifier(hidden=(16,), max_epochs=1, random_state=0, callbacks=[spy])
    model.fit_stream(path, "churn", batch_rows=200)
    assert spy.seen == {1}  # a small network: one thread, as in memory
    assert torch.get_num_threads() == 2
