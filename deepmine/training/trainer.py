"""The Trainer: the one mini-batch training loop that every deep model in deepmine shares."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from deepmine.errors import TrainingError
from deepmine.training.callbacks import Callback, EarlyStopping, ProgressBar, epoch_listeners
from deepmine.training.checkpoints import active_checkpoint
from deepmine.training.device import choose_device
from deepmine.training import distributed as ddp_env  # torchrun: DistributedDataParallel (see that module)
from deepmine.training.losses import make_loss
from deepmine.training.optim import make_optimizer, make_schedule, parameter_groups


def _tensor(a, device, float_dtype=torch.float32) -> torch.Tensor:
    """A tensor on ``device``; floating inputs (float64 numpy, pandas) take the network's float dtype.

    A bfloat16 tensor stays bfloat16: it is input stored at half the memory (say, cached states of a frozen
    network part), which the network widens batch by batch.
    """
    if isinstance(a, (pd.DataFrame, pd.Series)):
        a = a.to_numpy()
    t = a if isinstance(a, torch.Tensor) else torch.as_tensor(np.ascontiguousarray(a))
    if t.is_floating_point() and t.dtype not in (float_dtype, torch.bfloat16):
        return t.to(device=device, dtype=float_dtype)
    return t.to(device)


def _float_dtype(module: nn.Module) -> torch.dtype:
    params = [p for p in module.parameters() if p.is_floating_point()]
    return params[0].dtype if params else torch.float32


@dataclass
class LRFinderResult:
    """The losses of a learning-rate range test and the rate it suggests."""

    frame: pd.DataFrame
    suggestion: float


class Trainer:
    """Fit a torch module with mini-batches, epochs, a schedule, early stopping and callbacks.

    ``metric(y_true, output) -> float``, when given, is computed on the validation part after each
    epoch and recorded as ``valid_<metric_name>``; ``monitor`` picks what early stopping watches
    (``"valid_loss"`` or e.g. ``"valid_accuracy"``, with ``mode`` "min" or "max").
    """

    def __init__(self, loss: str | nn.Module = "mse", optimizer: str = "adam", lr: float = 1e-3,
                 weight_decay: float = 0.0, momentum: float = 0.9, batch_size: int = 256, max_epochs: int = 100,
                 lr_schedule: str = "onecycle", early_stopping: int | None = 10, monitor: str = "valid_loss",
                 mode: str = "min", grad_clip: float | None = None, metric: Callable | None = None,
                 metric_name: str = "metric",
                 callbacks: Sequence[Callback] = (), device: str | torch.device = "auto", verbose: int = 0,
                 description: str = "training", predict_batch_size: int = 8192,
                 group_by_length: Callable[[torch.Tensor], torch.Tensor] | None = None, precision: str = "float32",
                 beta2: float = 0.999):
        self.loss, self.optimizer, self.lr, self.weight_decay, self.momentum = loss, optimizer, lr, weight_decay, momentum
        self.batch_size, self.max_epochs, self.lr_schedule = batch_size, max_epochs, lr_schedule
        self.early_stopping, self.monitor, self.mode, self.grad_clip = early_stopping, monitor, mode, grad_clip
        self.metric, self.metric_name = metric, metric_name
        self.callbacks, self.verbose, self.description = list(callbacks), verbose, description
        self.device = choose_device(device)
        self.predict_batch_size = predict_batch_size
        # rows -> their lengths (say, tokens before the padding): batches then hold rows of similar
        # length, so a network that cuts each batch to its longest row computes little padding
        self.group_by_length = group_by_length
        self.precision = precision  # mixed precision for training (deepmine.training.precision)
        self.amp = None
        self.beta2 = beta2  # Adam's second-moment decay

    # ------------------------------------------------------------------ the loop
    def fit(self, module: nn.Module, X, y, X_valid=None, y_valid=None) -> pd.DataFrame:
        """Train ``module`` in place and return the history, one row per epoch.

        On the CPU a small network trains with one thread (:mod:`deepmine.training.threads`); ``threads_``
        says how many the fit used.
        """
        from deepmine.training.threads import fit_threads

        self.start_precision(self.device)  # the thread choice depends on it (bfloat16 steps are shorter)
        with fit_threads(module, max(1, min(int(self.batch_size), len(X))), self.device, self.amp.bf16) as threads:
            self.threads_ = threads
            return self._fit(module, X, y, X_valid, y_valid)

    def _fit(self, module: nn.Module, X, y, X_valid=None, y_valid=None) -> pd.DataFrame:
        dist_on = ddp_env.is_distributed()  # --- distributed: under torchrun only
        if dist_on:
            self.device = ddp_env.init_if_needed(self.device)  # this rank's device
            self.start_precision(self.device)  # --- end distributed
        dev = self.device
        self.module = module.to(dev)
        fdt = _float_dtype(module)
        X, y = _tensor(X, dev, fdt), _tensor(y, dev, fdt)
        has_valid = X_valid is not None and len(X_valid) > 0
        if has_valid:
            X_valid, y_valid = _tensor(X_valid, dev, fdt), _tensor(y_valid, dev, fdt)
        n = len(X)
        if n == 0:
            raise TrainingError("there are no training rows; give at least one row")
        if n < 2 and any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in module.modules()):
            raise TrainingError("batch normalisation needs at least two training rows; give more rows or norm='none'")
        n_all, n = n, (-(-n // ddp_env.world_size()) if dist_on else n)  # distributed: rows of this rank's shard
        bs = max(1, min(int(self.batch_size), n))
        # A final batch of one row breaks batch norm and adds only noise; the row is used in other epochs.
        n_used = n - 1 if n % bs == 1 and n > 1 else n
        steps = math.ceil(n_used / bs)
        loss_fn = make_loss(self.loss).to(dev)
        opt, schedule, per_batch = self.optimisation(module, steps * self.max_epochs)
        net = module
        if dist_on:  # --- distributed: the same seed for every rank's permutations; the DDP wrapper
            epoch_seed = ddp_env.shared_seed()
            net = nn.parallel.DistributedDataParallel(module, device_ids=[dev.index] if dev.type == "cuda" else None)

        callbacks = list(self.callbacks)
        if self.early_stopping and has_valid:
            callbacks.append(EarlyStopping(self.monitor, self.early_stopping, self.mode))
        if self.verbose and ddp_env.is_main():
            callbacks.append(ProgressBar(self.description))
        callbacks.extend(epoch_listeners())
        self.stop_training, self.best_epoch, history, first_loss = False, None, [], None
        lengths = self.group_by_length(X) if self.group_by_length is not None else None
        for cb in callbacks:
            cb.on_train_begin(self)
        ckpt = active_checkpoint()  # inside deepmine.training.checkpointing: save each epoch, resume
        done, history, first_loss, extra = self.restore(ckpt, module, opt, schedule, callbacks)
        if dist_on and "epoch_seed" in extra:
            epoch_seed = extra["epoch_seed"]
        try:
            for epoch in range(done + 1, self.max_epochs + 1):
                if self.stop_training:  # resumed from a checkpoint of a finished fit
                    break
                start = time.perf_counter()
                net.train()
                if dist_on:
                    perm = self._shard_permutation(epoch_seed, epoch, n_all, lengths, bs, dev)[:n_used]
                elif lengths is None:
                    perm = torch.randperm(n, device=dev)[:n_used]
                else:
                    perm = length_grouped_permutation(lengths, bs)[:n_used]
                total = torch.zeros((), device=dev)
                for s in range(0, n_used, bs):
                    idx = perm[s: s + bs]
                    xb, yb = X[idx], y[idx]
                    loss = self.step(net, module, xb, yb, loss_fn, opt, schedule if per_batch else None)
                    total += loss.detach() * len(idx)
                    if first_loss is None:
                        first_loss = abs(loss.item())
                    if not dist_on:  # under torchrun the epoch's check decides, alike on every rank
                        self.check_batch(total, s // bs + 1, epoch)
                    for cb in callbacks:
                        cb.on_batch_end(self, s // bs + 1, steps)
                first_loss = self.close_epoch(
                    epoch, float(total) / n_used, first_loss, start, module, loss_fn,
                    (X_valid, y_valid) if has_valid else None, schedule, per_batch, opt, history, callbacks, ckpt,
                    {"epoch_seed": epoch_seed} if dist_on else None, dist_on)
                if self.stop_training:
                    break
        finally:
            for cb in callbacks:
                cb.on_train_end(self)
        if self.best_epoch is None:
            self.best_epoch = len(history)
        if dist_on:  # unwrap: drop the DDP wrapper (and its gradient hooks); the caller keeps the plain module
            del net
            import gc

            gc.collect()
        module.eval()
        return pd.DataFrame(history)

    def optimisation(self, module: nn.Module, total_steps: int):
        """``(optimiser, schedule, per_batch)`` for a fit of ``module`` over ``total_steps`` batches (both loops)."""
        opt = make_optimizer(self.optimizer, parameter_groups(module, self.lr, self.weight_decay), self.lr,
                             self.weight_decay, self.momentum, self.beta2)
        patience = max(1, (self.early_stopping or 9) // 3)
        schedule, per_batch = make_schedule(self.lr_schedule, opt, self.lr, total_steps, patience, module)
        return opt, schedule, per_batch

    def restore(self, ckpt, module, opt, schedule, callbacks) -> tuple[int, list, float | None, dict]:
        """Resume from ``ckpt`` (a :class:`~deepmine.training.checkpoints.TrainingCheckpoint` asked to resume):
        put back the weights, optimiser, schedule, scaler, early stopping and random generators; return
        ``(epochs done, history, first loss, extra)``, or ``(0, [], None, {})`` when there is nothing to resume."""
        state = ckpt.load() if ckpt is not None and ckpt.resume else None
        if state is None:
            return 0, [], None, {}
        from deepmine.training.checkpoints import set_rng_state

        module.load_state_dict(state["module"])
        opt.load_state_dict(state["optimizer"])
        if schedule is not None and state.get("schedule") is not None:
            schedule.load_state_dict(state["schedule"])
        if self.amp is not None and self.amp.scaler is not None and state.get("scaler") is not None:
            self.amp.scaler.load_state_dict(state["scaler"])
        stopper = next((cb for cb in callbacks if isinstance(cb, EarlyStopping)), None)
        if stopper is not None and state.get("early_stopping") is not None:
            stopper.load_state_dict(state["early_stopping"])
        set_rng_state(state["rng"])
        self.stop_training = bool(state["finished"])
        return int(state["epoch"]), list(state["history"]), state["first_loss"], dict(state.get("extra") or {})

    def checkpoint(self, ckpt, epoch: int, module, opt, schedule, callbacks, history, first_loss, extra=None) -> None:
        """Save what the next epoch depends on to ``ckpt`` (when one is active and due; rank 0 only)."""
        if ckpt is None or not ckpt.due() or not ddp_env.is_main():
            return
        from deepmine.training.checkpoints import epoch_state, rng_state

        stopper = next((cb for cb in callbacks if isinstance(cb, EarlyStopping)), None)
        scaler = self.amp.scaler if self.amp is not None else None
        ckpt.save(epoch_state(
            epoch, module=module.state_dict(), optimizer=opt.state_dict(),
            schedule=schedule.state_dict() if schedule is not None else None,
            scaler=scaler.state_dict() if scaler is not None else None,
            early_stopping=stopper.state_dict() if stopper is not None else None, rng=rng_state(),
            history=history, first_loss=first_loss, finished=bool(self.stop_training) or epoch >= self.max_epochs,
            extra=extra or {}))

    def start_precision(self, device) -> None:
        """Set up mixed precision (``precision``) for a fit on ``device``: autocast, and a GradScaler for fp16."""
        from deepmine.training.precision import MixedPrecision

        self.amp = MixedPrecision(self.precision, device)

    @property
    def precision_name(self) -> str:
        """What the last fit trained in: "float32", "bf16" or "fp16" ("auto" resolved for the device)."""
        dtype = self.amp.dtype if self.amp is not None else None
        return {torch.bfloat16: "bf16", torch.float16: "fp16"}.get(dtype, "float32")

    def step(self, net, module, xb, yb, loss_fn, opt, schedule=None) -> torch.Tensor:
        """One optimiser step on a mini-batch (both training loops): forward (under autocast when mixed
        precision is on), backward, clipping, the step, and a per-batch schedule's step when ``schedule``
        is given. ``net`` may wrap ``module`` (DistributedDataParallel); clipping works on the module's own
        parameters."""
        try:
            return self._step(net, module, xb, yb, loss_fn, opt, schedule)
        except torch.cuda.OutOfMemoryError as exc:  # pragma: no cover - needs a GPU
            raise TrainingError(f"the GPU ran out of memory with batch_size={len(xb)}; lower batch_size or use "
                                f"device='cpu'") from exc

    def _step(self, net, module, xb, yb, loss_fn, opt, schedule) -> torch.Tensor:
        opt.zero_grad(set_to_none=True)
        amp = self.amp
        if amp is None or not amp.enabled:
            loss = loss_fn(net(xb), yb)
            loss.backward()
            if self.grad_clip:
                nn.utils.clip_grad_norm_(module.parameters(), self.grad_clip)
            opt.step()
        else:
            with amp.autocast():
                out = net(xb)
            out = tuple(o.float() for o in out) if isinstance(out, tuple) else out.float()
            loss = loss_fn(out, yb)
            clip = (lambda: nn.utils.clip_grad_norm_(module.parameters(), self.grad_clip)) if self.grad_clip else None
            amp.backward_and_step(loss, opt, clip)
        if schedule is not None:
            schedule.step()
        return loss

    def check_batch(self, total: torch.Tensor, batch: int, epoch: int) -> None:
        """Stop at the first non-finite batch loss rather than after an epoch of NaN steps. ``total`` is the
        epoch's running sum of losses, so a check also covers the batches before it: on the CPU every batch
        is checked, on an accelerator (where a check waits for the device) every 16th."""
        if (total.device.type == "cpu" or batch % 16 == 0) and not bool(torch.isfinite(total)):
            raise self.diverged(float(total), epoch, batch)

    def diverged(self, loss: float, epoch: int, batch: int | None = None) -> TrainingError:
        """The error for a diverging loss, with advice that fits the settings."""
        where = f"in epoch {epoch}" + (f", batch {batch}" if batch is not None else "")
        if self.grad_clip:
            advice = (f"lower the learning rate (lr={self.lr:g} now); the gradients are already clipped to norm "
                      f"{self.grad_clip:g}, so the steps are too long")
        else:
            advice = f"lower the learning rate (lr={self.lr:g} now), or set grad_clip=1.0"
        return TrainingError(f"training diverged: the loss became {loss} {where}; {advice}")

    def close_epoch(self, epoch: int, train_loss: float, first_loss, start: float, module, loss_fn, valid, schedule,
                    per_batch: bool, opt, history: list, callbacks, ckpt, extra, distributed: bool):
        """The end of an epoch in both training loops: under torchrun the losses averaged over the ranks,
        :meth:`end_epoch`, rank 0's stop decision sent to every rank, and the checkpoint. Returns the first
        loss (averaged over the ranks after the first epoch)."""
        if distributed:  # the history holds the mean over the ranks; every rank then decides alike
            train_loss = ddp_env.all_reduce_mean(train_loss)
            first_loss = ddp_env.all_reduce_mean(first_loss or 0.0) if epoch == 1 else first_loss
        self.end_epoch(epoch, train_loss, first_loss, start, module, loss_fn, valid, schedule, per_batch, opt,
                       history, callbacks)
        if distributed:  # rank 0's decision, so no rank leaves the loop alone
            self.stop_training = bool(ddp_env.broadcast_object(bool(self.stop_training)))
        self.checkpoint(ckpt, epoch, module, opt, schedule, callbacks, history, first_loss, extra)
        return first_loss

    def end_epoch(self, epoch: int, train_loss: float, first_loss, start: float, module, loss_fn, valid, schedule,
                  per_batch: bool, opt, history: list, callbacks) -> dict:
        """What every training loop does after an epoch's batches (this one and the streaming one): stop a
        diverging loss, score the validation rows, step an epoch-wise schedule, record the epoch and
        tell the callbacks. ``valid`` is ``(X_valid, y_valid)`` or None."""
        # Losses such as BCE-with-logits stay finite while the weights blow up; a loss a
        # thousand times its starting value is divergence too.
        if not math.isfinite(train_loss) or train_loss > 1e3 * max(first_loss or 0.0, 1e-2):
            raise self.diverged(train_loss, epoch)
        record = {"epoch": epoch, "train_loss": train_loss}
        if valid is not None:
            X_valid, y_valid = valid
            out = self.predict(module, X_valid)
            with torch.inference_mode():
                record["valid_loss"] = float(loss_fn(out, y_valid))
            if self.metric is not None:
                record[f"valid_{self.metric_name}"] = float(self.metric(y_valid, out))
        if schedule is not None and not per_batch:
            schedule.step(record.get("valid_loss", train_loss))
        record["lr"] = opt.param_groups[0]["lr"]
        record["seconds"] = time.perf_counter() - start
        history.append(record)
        for cb in callbacks:
            cb.on_epoch_end(self, record)
        return record

    @staticmethod
    def _shard_permutation(seed: int, epoch: int, n: int, lengths, bs: int, dev) -> torch.Tensor:
        """Distributed: this rank's rows for ``epoch``, from a permutation equal on every rank (seed, epoch)."""
        g = ddp_env.epoch_generator(seed, epoch)
        if lengths is None:
            full = torch.randperm(n, generator=g)
        else:  # grouped over batch_size x world rows, so each rank's batch is one slice of a global batch
            with torch.random.fork_rng(devices=[]):
                torch.default_generator.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=g)))
                full = length_grouped_permutation(lengths.cpu(), bs * ddp_env.world_size())
        return ddp_env.shard_positions(full).to(dev)

    # ------------------------------------------------------------------ inference
    def predict(self, module: nn.Module, X, batch_size: int | None = None) -> torch.Tensor:
        """The module's raw outputs for ``X``, in evaluation mode, batched to bound memory."""
        batch_size = batch_size or self.predict_batch_size
        if self.group_by_length is None:
            return predict_module(module, X, self.device, batch_size)
        order = torch.argsort(self.group_by_length(X), descending=True, stable=True)
        out = predict_module(module, X[order], self.device, batch_size)
        return out[torch.argsort(order)]

    # ------------------------------------------------------------------ learning-rate range test
    def lr_find(self, module: nn.Module, X, y, start_lr: float = 1e-7, end_lr: float = 10.0,
                num: int = 100) -> LRFinderResult:
        """Leslie Smith's range test: raise the rate exponentially batch by batch and record the loss.

        The module's weights are put back afterwards. The suggestion is the rate at the steepest
        fall of the smoothed loss, as fastai suggests.
        """
        dev = self.device
        module = module.to(dev)
        saved = {k: v.detach().clone() for k, v in module.state_dict().items()}
        was_training = module.training
        fdt = _float_dtype(module)
        X, y = _tensor(X, dev, fdt), _tensor(y, dev, fdt)
        loss_fn = make_loss(self.loss).to(dev)
        opt = make_optimizer(self.optimizer, module.parameters(), start_lr, self.weight_decay, self.momentum)
        factor = (end_lr / start_lr) ** (1 / max(num - 1, 1))
        bs = max(2, min(int(self.batch_size), len(X)))
        lrs, losses, smooth, best = [], [], 0.0, math.inf
        module.train()
        try:
            for i in range(num):
                lr = start_lr * factor**i
                for g in opt.param_groups:
                    g["lr"] = lr
                idx = torch.randint(0, len(X), (bs,), device=dev)
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(module(X[idx]), y[idx])
                loss.backward()
                opt.step()
                value = loss.item()
                if not math.isfinite(value):
                    break
                smooth = 0.98 * smooth + 0.02 * value
                debiased = smooth / (1 - 0.98 ** (i + 1))
                lrs.append(lr)
                losses.append(debiased)
                best = min(best, debiased)
                if debiased > 4 * best:
                    break
        finally:
            module.load_state_dict(saved)
            module.train(was_training)
        frame = pd.DataFrame({"lr": lrs, "loss": losses})
        if len(frame) < 3:
            raise TrainingError("the learning-rate range test diverged at once; lower start_lr")
        slopes = np.gradient(np.asarray(losses), np.log10(lrs))
        suggestion = float(lrs[int(np.argmin(slopes))])
        return LRFinderResult(frame, suggestion)


def length_grouped_permutation(lengths: torch.Tensor, batch_size: int, megabatch: int = 50) -> torch.Tensor:
    """A random order of the rows in which each run of ``batch_size`` rows has similar lengths.

    As Hugging Face's ``group_by_length``: shuffle, cut into mega-batches of ``megabatch`` batches,
    sort each by length, cut into batches and shuffle the batches. The one short batch (when the
    rows do not divide evenly) goes last, where the training loop may drop a single leftover row.
    """
    perm = torch.randperm(len(lengths), device=lengths.device)
    chunks = [c[torch.argsort(lengths[c], descending=True, stable=True)] for c in perm.split(batch_size * megabatch)]
    batches = list(torch.cat(chunks).split(batch_size))
    full = [b for b in batches if len(b) == batch_size]
    short = [b for b in batches if len(b) != batch_size]
    shuffled = [full[i] for i in torch.randperm(len(full)).tolist()]
    return torch.cat(shuffled + short)


def predict_module(module: nn.Module, X, device: torch.device | None = None, batch_size: int = 8192):
    """Raw outputs of ``module`` for ``X`` without gradients, in batches (a tuple if the module returns one)."""
    device = device or next(module.parameters()).device
    if module.training:  # eval() walks every submodule: a one-row request would feel it
        module.eval()
    with torch.inference_mode():
        X = _tensor(X, device, _float_dtype(module))
        if len(X) <= batch_size:
            return module(X)
        parts = [module(X[s: s + batch_size]) for s in range(0, len(X), batch_size)]
        if isinstance(parts[0], tuple):  # modules with several outputs, such as a VAE's (recon, mu, logvar)
            return tuple(torch.cat(p) for p in zip(*parts))
        return torch.cat(parts)
