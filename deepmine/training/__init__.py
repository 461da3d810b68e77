"""The training engine: Trainer, callbacks, losses, optimisers, schedules, seeding and device choice."""

from deepmine.training.callbacks import Callback, Checkpoint, EarlyStopping, ProgressBar, time_limit
from deepmine.training.checkpoints import checkpoint_scope, checkpointing
from deepmine.training.device import choose_device, resolve_seed, seeded
from deepmine.training.losses import LOSSES, make_loss
from deepmine.training.optim import OPTIMIZERS, SCHEDULES, make_optimizer, make_schedule
from deepmine.training.trainer import LRFinderResult, Trainer, predict_module

__all__ = ["Callback", "Checkpoint", "EarlyStopping", "LOSSES", "LRFinderResult", "OPTIMIZERS", "ProgressBar", "SCHEDULES",
           "Trainer", "checkpoint_scope", "checkpointing", "choose_device", "make_loss", "make_optimizer", "make_schedule", "predict_module",
           "resolve_seed", "seeded", "time_limit"]
