"""Fixtures of the training tests."""

import pytest
import torch

from deepmine.training import trainer as trainer_mod

_COMPUTING = (torch.nn.Linear, torch.nn.Conv1d, torch.nn.Conv2d)


@pytest.fixture
def training_dtypes(monkeypatch):
    """The dtypes the linear and convolution layers produced during training steps (not validation or predict)."""
    seen: set = set()
    original = trainer_mod.Trainer.step

    def step(self, net, module, xb, yb, *args, **kwargs):
        hooks = [m.register_forward_hook(lambda m, i, o: seen.add(o.dtype))
                 for m in module.modules() if isinstance(m, _COMPUTING)]
        try:
            return original(self, net, module, xb, yb, *args, **kwargs)
        finally:
            for h in hooks:
                h.remove()

    monkeypatch.setattr(trainer_mod.Trainer, "step", step)
    return seen
