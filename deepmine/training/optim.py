"""Optimisers (SGD with momentum, Adam, AdamW, Adagrad) and learning-rate schedules by name."""

from __future__ import annotations

import torch

OPTIMIZERS = ("sgd", "adam", "adamw", "adagrad")
SCHEDULES = ("onecycle", "constant", "cosine", "plateau")


def make_optimizer(name: str, params, lr: float, weight_decay: float = 0.0, momentum: float = 0.9):
    """An optimiser; ``weight_decay`` is the L2 penalty (decoupled for AdamW)."""
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=momentum > 0)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r}; use one of: {', '.join(OPTIMIZERS)}")


def make_schedule(name: str, optimizer, lr: float, total_steps: int, patience: int = 3):
    """A learning-rate schedule and whether it steps per batch (True) or per epoch on the validation loss."""
    if name == "constant":
        return None, True
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
