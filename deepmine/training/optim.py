"""Optimisers (SGD with momentum, Adam, AdamW, Adagrad) and learning-rate schedules by name."""

from __future__ import annotations

import math

import torch

OPTIMIZERS = ("sgd", "adam", "adamw", "adagrad")
SCHEDULES = ("onecycle", "constant", "cosine", "plateau", "coslog4")


def parameter_groups(module: torch.nn.Module, lr: float, weight_decay: float):
    """The module's parameters for an optimiser. A module may define ``parameter_groups()`` returning dicts
    of ``params`` with an ``lr_factor`` and a ``wd_factor`` (RealMLP trains its biases ten times slower
    than its weights, and its feature scales six times faster); each becomes a group whose rate and
    decay are those factors times ``lr`` and ``weight_decay``. Other modules give one group."""
    groups = getattr(module, "parameter_groups", None)
    if groups is None:
        return module.parameters()
    return [{"params": list(g["params"]), "lr": lr * g.get("lr_factor", 1.0),
             "weight_decay": weight_decay * g.get("wd_factor", 1.0)} for g in groups()]


def _fusable(params) -> bool | None:
    """True when every parameter is a float tensor on the CPU or a CUDA GPU, where torch has fused Adam; else None
    (torch's own choice)."""
    tensors = [p for group in params for p in (group["params"] if isinstance(group, dict) else [group])]
    ok = tensors and all(t.is_floating_point() and t.device.type in ("cpu", "cuda") for t in tensors)
    return True if ok else None


def make_optimizer(name: str, params, lr: float, weight_decay: float = 0.0, momentum: float = 0.9,
                   beta2: float = 0.999):
    """An optimiser; ``weight_decay`` is the L2 penalty (decoupled for AdamW); ``beta2`` is Adam's
    second-moment decay (RealMLP uses 0.95). ``params`` may be parameter groups with their own lr and decay."""
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=momentum > 0)
    if name in ("adam", "adamw"):
        kind = torch.optim.Adam if name == "adam" else torch.optim.AdamW
        params = [dict(g, params=list(g["params"])) if isinstance(g, dict) else g for g in params]  # read twice
        try:  # the fused kernel: one pass over every tensor (profiled: 0.45 ms a step against 0.8, bench net, 2 cores)
            return kind(params, lr=lr, weight_decay=weight_decay, betas=(0.9, beta2), fused=_fusable(params))
        except RuntimeError:  # a device or dtype the fused kernel does not take (Apple MPS, say)
            return kind(params, lr=lr, weight_decay=weight_decay, betas=(0.9, beta2))
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r}; use one of: {', '.join(OPTIMIZERS)}")


def coslog(t: float, cycles: int = 4) -> float:
    """RealMLP's learning-rate shape ``coslog4``: ``cycles`` cosine cycles on a log time axis, from 0 back to 0,
    each twice as long as the one before (Holzmüller et al. 2024)."""
    return 0.5 * (1.0 - math.cos(2.0 * math.pi * math.log2(1.0 + (2.0 ** cycles - 1.0) * min(max(t, 0.0), 1.0))))


def flat_cos(t: float) -> float:
    """1 for the first half of training, then a half cosine down to 0 (RealMLP's weight decay and dropout)."""
    return 1.0 if t < 0.5 else 0.5 * (1.0 + math.cos(math.pi * (2.0 * min(t, 1.0) - 1.0)))


class ShapedSchedule:
    """Per-batch schedule of the rate (``coslog``), the weight decay and the module's dropout (``flat_cos``).

    Each group keeps its own base rate and decay (see :func:`parameter_groups`) and both are multiplied by
    the shapes at the training progress ``t = step / total_steps``; a module with ``set_progress(t)`` hears
    of ``t`` too (RealMLP's dropout). Has ``state_dict`` for checkpoints, like torch's schedulers.
    """

    def __init__(self, optimizer, total_steps: int, module=None):
        self.optimizer, self.total_steps, self.module, self.steps = optimizer, max(int(total_steps), 1), module, 0
        self.base = [(g["lr"], g.get("weight_decay", 0.0)) for g in optimizer.param_groups]
        self._apply()

    def _apply(self) -> None:
        t = self.steps / self.total_steps
        rate, decay = coslog(t), flat_cos(t)
        for group, (lr, wd) in zip(self.optimizer.param_groups, self.base):
            group["lr"], group["weight_decay"] = lr * rate, wd * decay
        if self.module is not None and hasattr(self.module, "set_progress"):
            self.module.set_progress(t)

    def step(self, *_) -> None:
        self.steps += 1
        self._apply()

    def state_dict(self) -> dict:
        return {"steps": self.steps}

    def load_state_dict(self, state: dict) -> None:
        self.steps = int(state["steps"])
        self._apply()


def make_schedule(name: str, optimizer, lr: float, total_steps: int, patience: int = 3, module=None):
    """A learning-rate schedule and whether it steps per batch (True) or per epoch on the validation loss."""
    if name == "constant":
        return None, True
    if name == "coslog4":
        return ShapedSchedule(optimizer, total_steps, module), True
    if name == "onecycle":
        cycle_momentum = any("momentum" in g or "betas" in g for g in optimizer.param_groups) and not isinstance(
            optimizer, torch.optim.Adagrad)
        return torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=lr, total_steps=max(total_steps, 2), cycle_momentum=cycle_momentum), True
    if name == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(total_steps, 1)), True
    if name == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=patience), False
    raise ValueError(f"unknown lr_schedule {name!r}; use one of: {', '.join(SCHEDULES)}")
