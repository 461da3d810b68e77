"""Train a deep estimator on a table read in batches, never whole (``DeepEstimator.fit_stream``).

One pass over the stream fits the preprocessing (:func:`deepmine.data.stream_fit.fit_preprocessor_streaming`);
each epoch is then a fresh pass: source batches are transformed, pushed into a shuffle buffer of
``buffer_rows`` rows, and mini-batches are drawn at random from the buffer, so memory is bounded by the
buffer (plus one source batch), not by the table. The first rows of the stream are held out, in memory, as
the validation part for early stopping. The loop reuses the :class:`Trainer`'s pieces: its loss,
optimiser, schedule, callbacks (early stopping with the best weights put back, progress bar, listeners),
divergence check, device and the history it writes.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from typing import Iterator

import numpy as np
import pandas as pd
import torch
from torch import nn

from deepmine.errors import TrainingError
from deepmine.training.threads import fit_threads

__all__ = ["stream_batches", "fit_streaming"]


def _prefetch(iterator: Iterator, depth: int = 2) -> Iterator:
    """Run ``iterator`` in a background thread, ``depth`` items ahead (reading and transforming overlap training)."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def work():
        try:
            for item in iterator:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(done)
        except BaseException as exc:  # handed to the consumer
            q.put(exc)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(0.05)


def _encoded_chunks(stream, preprocessor, encode_target, target, skip_through: int | None = None) -> Iterator:
    """``(X float32 array, y array)`` per source batch, leaving out the rows at table positions up to
    ``skip_through`` (the batches' index; the validation rows)."""
    transform = preprocessor.transform
    for frame in stream.batches():
        if skip_through is not None and frame.index[0] <= skip_through:
            frame = frame[frame.index > skip_through]
            if len(frame) == 0:
                continue
        X = transform(frame)
        y = encode_target(frame[target]) if target is not None else X
        yield X, y


def stream_batches(stream, preprocessor, target, batch_size: int, buffer_rows: int, rng: np.random.Generator,
                   encode_target=None, skip_through: int | None = None, stats: dict | None = None,
                   prefetch: bool = True,
                   ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Random mini-batches ``(X, y)`` of one pass over ``stream``, through a shuffle buffer of ``buffer_rows`` rows.

    Source batches are transformed with ``preprocessor`` (and the target column with ``encode_target``, by
    default ``np.asarray``) and pushed into the buffer; while the buffer is full, ``batch_size`` rows drawn at
    random leave it as a mini-batch. At the end of the pass the rest is shuffled and emitted. Every mini-batch
    has ``batch_size`` rows but the last, and a last batch of one row is dropped (it breaks batch
    normalisation). ``skip_through`` leaves out the rows at table positions up to it (the batches' index).
    ``stats``, if given, gets ``rows`` (rows emitted), ``batches`` and ``max_buffer_rows``.
    """
    if buffer_rows < 1 or batch_size < 1:
        raise ValueError("buffer_rows and batch_size must be positive")
    encode_target = encode_target or (lambda s: np.asarray(s))
    cap = max(int(buffer_rows), int(batch_size))
    bs = int(batch_size)
    chunks = _encoded_chunks(stream, preprocessor, encode_target, target, skip_through)
    if prefetch:
        chunks = _prefetch(chunks)
    buf_X = buf_y = None
    n = 0
    if stats is not None:
        stats.update(rows=0, batches=0, max_buffer_rows=0)

    emitted = [0]

    def _count(m):
        emitted[0] += m
        if stats is not None:
            stats["rows"] += m
            stats["batches"] += 1

    def emit(idx):
        nonlocal n
        xb, yb = buf_X[idx], buf_y[idx]  # copies (fancy indexing)
        # remove the rows: move the tail rows that are not drawn into the holes below the tail
        m = len(idx)
        tail_start = n - m
        drawn = np.zeros(m, dtype=bool)
        in_tail = idx >= tail_start
        drawn[idx[in_tail] - tail_start] = True
        holes = idx[~in_tail]
        movers = tail_start + np.flatnonzero(~drawn)
        if len(holes):
            buf_X[holes] = buf_X[movers]
            buf_y[holes] = buf_y[movers]
        n = tail_start
        _count(m)
        return torch.from_numpy(xb), torch.from_numpy(yb)

    for X, y in chunks:
        if buf_X is None:
            buf_X = np.empty((cap,) + X.shape[1:], dtype=X.dtype)
            buf_y = np.empty((cap,) + y.shape[1:], dtype=y.dtype)
        pos = 0
        while pos < len(X):
            take = min(cap - n, len(X) - pos)
            buf_X[n: n + take] = X[pos: pos + take]
            buf_y[n: n + take] = y[pos: pos + take]
            n += take
            pos += take
            if stats is not None:
                stats["max_buffer_rows"] = max(stats["max_buffer_rows"], n)
            while n == cap:
                yield emit(rng.choice(n, bs, replace=False) if bs < n else rng.permutation(n))
        del X, y
    if n:
        order = rng.permutation(n)
        for s in range(0, n, bs):
            idx = order[s: s + bs]
            if len(idx) == 1 and emitted[0] > 0:
                break  # a last batch of one row is dropped, as the Trainer does (it breaks batch norm)
            yield _count(len(idx)) or (torch.from_numpy(buf_X[idx]), torch.from_numpy(buf_y[idx]))
        n = 0


def _as_tensors(xb, yb):
    xb = xb if isinstance(xb, torch.Tensor) else torch.from_numpy(xb)
    yb = yb if isinstance(yb, torch.Tensor) else torch.from_numpy(yb)
    return xb, yb


def _target_encoder(estimator, info: dict, target_kind: str):
    """Set the estimator's target state from the streamed summary; return the per-batch target encoder."""
    from deepmine.errors import TargetError

    if info.get("target_missing"):
        raise TargetError(f"the target has {info['target_missing']} missing values; drop those rows before fitting")
    if target_kind == "classification":
        classes, counts = info["classes"], info["class_counts"]
        estimator._encode_target(classes)  # validates the labels, sets classes_ as fit does
        estimator._class_counts = counts
        index = pd.Index(estimator.classes_)
        binary = len(estimator.classes_) == 2

        def encode(col: pd.Series) -> np.ndarray:
            codes = index.get_indexer(col.to_numpy())
            return codes.astype(np.float32) if binary else codes.astype(np.int64)

        return encode
    # regression: one target column, scaled with the exact streamed mean and standard deviation
    estimator._encode_target(np.asarray([info["mean"], info["mean"] + 1.0]))  # sets n_outputs_, _y_ndim
    estimator.y_mean_ = np.asarray([info["mean"]])
    estimator.y_scale_ = np.asarray([info["std"] if info["std"] > 1e-12 else 1.0])
    mean, scale = estimator.y_mean_, estimator.y_scale_

    def encode_reg(col: pd.Series) -> np.ndarray:
        y = col.to_numpy(dtype=np.float64, na_value=np.nan).reshape(-1, 1)
        return ((y - mean) / scale).astype(np.float32)

    return encode_reg


def fit_streaming(estimator, source, target: str, table=None, query=None, batch_rows: int = 65_536,
                  buffer_rows: int = 262_144, valid_rows: int = 10_000, sample_rows: int = 100_000,
                  stats: dict | None = None, prefetch: bool = True):
    """Fit ``estimator`` (a supervised DeepEstimator) on ``source`` read as a stream; return the estimator.

    ``source`` is anything :func:`deepmine.data.stream.open_stream` reads, or a TableStream (possibly
    filtered with :meth:`~deepmine.data.stream.TableStream.where`). The first
    ``min(valid_rows, validation_fraction x rows)`` rows are the validation part (when early stopping is on);
    the rest is read afresh each epoch through a shuffle buffer of ``buffer_rows`` rows.
    ``stats``, if given, gets the shuffle buffer's statistics of the last epoch (see :func:`stream_batches`).

    Under ``torchrun`` (see :mod:`deepmine.training.distributed`) rank 0 makes the statistics pass and
    sends the fitted preprocessing and the validation rows to the other ranks; each rank then reads its own
    shard of the rows (:meth:`TableStream.shards`: disjoint Parquet row groups, else every n-th batch)
    through its own shuffle buffer, and the network is wrapped in DistributedDataParallel. The shards differ
    in length, so each epoch ends, on every rank, when the first rank runs out of rows.
    """
    from sklearn.base import is_classifier

    from deepmine.base import DeepEstimator, UnsupervisedDeepEstimator
    from deepmine.data.stream import TableStream, open_stream
    from deepmine.data.stream_fit import fit_preprocessor_streaming
    from deepmine.errors import ParameterError
    from deepmine.training import distributed as ddp_env
    from deepmine.training.callbacks import EarlyStopping, ProgressBar, epoch_listeners
    from deepmine.training.checkpoints import active_checkpoint
    from deepmine.training.device import choose_device, resolve_seed, seeded
    from deepmine.training.losses import make_loss

    if (getattr(estimator, "_input_preprocessor", None) is not None or isinstance(estimator, UnsupervisedDeepEstimator)
            or type(estimator)._fit_preprocessor is not DeepEstimator._fit_preprocessor):
        raise ParameterError(f"fit_stream trains the supervised tabular models (DeepClassifier, DeepRegressor, ...); "
                             f"{type(estimator).__name__} is not one of them, so fit it in memory with fit")
    stream = source if isinstance(source, TableStream) else open_stream(source, table=table, query=query,
                                                                        batch_rows=batch_rows)
    target = str(target)
    kind = "classification" if is_classifier(estimator) else "regression"
    dist_on = ddp_env.is_distributed()
    device = choose_device(estimator.device)
    if dist_on:
        device = ddp_env.init_if_needed(device)
    seed = resolve_seed(estimator.random_state)
    if dist_on:
        seed = int(ddp_env.broadcast_object(seed))
    fitted = None
    if not dist_on or ddp_env.is_main():
        try:
            fitted = fit_preprocessor_streaming(stream, target, roles=estimator.roles, sample_rows=sample_rows,
                                                target_kind=kind, keep_head=max(int(valid_rows), 0), seed=seed)
        except Exception as exc:  # the other ranks must hear of it, or they wait for ever
            if not dist_on:
                raise
            fitted = exc
    if dist_on:
        fitted = ddp_env.broadcast_object(fitted)
        if isinstance(fitted, Exception):
            raise fitted
    pre, info = fitted
    n_rows = info["n_rows"]
    features = info["features"]
    estimator.preprocessor_ = pre
    estimator.n_features_in_ = len(features)
    estimator.feature_names_in_ = np.asarray(features, dtype=object)
    encode = _target_encoder(estimator, info, kind)

    n_valid = 0
    if estimator._selection()[2] and estimator.validation_fraction and valid_rows:
        n_valid = min(int(valid_rows), int(round(estimator.validation_fraction * n_rows)))
        if n_valid < 1 or n_rows - n_valid < 2:
            n_valid = 0
    n_train = n_rows - n_valid
    if n_train < 1:
        raise TrainingError("there are no training rows; give at least one row")

    world = ddp_env.world_size() if dist_on else 1
    trainer = estimator._make_trainer(n_train, device)
    dev = trainer.device = device
    trainer.start_precision(dev)
    bs = max(1, min(int(trainer.batch_size), -(-n_train // world)))
    steps = n_train // (bs * world) + (1 if n_train % (bs * world) > 1 else 0) or 1
    rng = np.random.default_rng(seed + (ddp_env.rank() if dist_on else 0))
    with seeded(seed, device):
        module = estimator._new_module().to(dev)
    if n_train < 2 and any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in module.modules()):
        raise TrainingError("batch normalisation needs at least two training rows; give more rows or norm='none'")
    mine = stream.shards(world)[ddp_env.rank()] if dist_on else stream
    net = nn.parallel.DistributedDataParallel(module, device_ids=[dev.index] if dev.type == "cuda" else None) \
        if dist_on else module

    # the validation part: the first n_valid rows, kept in memory
    has_valid = n_valid > 0
    skip_through = None
    if has_valid:
        head = info["head"].iloc[:n_valid]
        skip_through = int(head.index[-1])  # the rows after it, in table order, are the training rows
        X_valid = torch.from_numpy(pre.transform(head)).to(dev)
        y_valid = torch.from_numpy(encode(head[target])).to(dev)
        with seeded(seed, device):  # a model's data-dependent start (RealMLP) sees the held-out rows
            estimator._init_module(module, X_valid.cpu().numpy(), y_valid.cpu().numpy())
    info["head"] = None

    trainer.module = module
    loss_fn = make_loss(trainer.loss).to(dev)
    total_steps = steps * trainer.max_epochs
    opt, schedule, per_batch = trainer.optimisation(module, total_steps)
    callbacks = list(trainer.callbacks)
    if trainer.early_stopping and has_valid:
        callbacks.append(EarlyStopping(trainer.monitor, trainer.early_stopping, trainer.mode))
    if trainer.verbose and ddp_env.is_main():
        callbacks.append(ProgressBar(trainer.description))
    callbacks.extend(epoch_listeners())
    trainer.stop_training, trainer.best_epoch = False, None
    history, first_loss, done_steps = [], None, 0
    pin = dev.type == "cuda"
    for cb in callbacks:
        cb.on_train_begin(trainer)
    ckpt = active_checkpoint()  # inside deepmine.training.checkpointing: save each epoch, resume
    done, history, first_loss, extra = trainer.restore(ckpt, module, opt, schedule, callbacks)
    if extra:
        rng.bit_generator.state = extra["shuffle_rng"]
        done_steps = int(extra["steps"])
    threads = contextlib.ExitStack()  # the in-memory loop's thread choice (deepmine.training.threads), put back below
    trainer.threads_ = threads.enter_context(fit_threads(module, bs, dev, trainer.amp.bf16))
    try:
        for epoch in range(done + 1, trainer.max_epochs + 1):
            if trainer.stop_training:  # resumed from a checkpoint of a finished fit
                break
            start = time.perf_counter()
            net.train()
            epoch_stats: dict = {}
            total = torch.zeros((), device=dev)
            rows = 0
            batches = stream_batches(mine, pre, target, bs, buffer_rows, rng, encode_target=encode,
                                     skip_through=skip_through, stats=epoch_stats, prefetch=prefetch)
            with seeded(seed + epoch, device):  # dropout masks reproducible per epoch
                for step, (xb, yb) in enumerate(batches, 1):
                    if dist_on and not _all_have_batch(True):
                        break  # another rank's shard is done: every rank ends the epoch here
                    xb, yb = _as_tensors(xb, yb)
                    if pin:
                        xb, yb = xb.pin_memory(), yb.pin_memory()
                    xb, yb = xb.to(dev, non_blocking=True), yb.to(dev, non_blocking=True)
                    # a one-cycle schedule has a fixed number of steps; a stream may give one batch more
                    step_schedule = schedule if per_batch and done_steps < total_steps else None
                    loss = trainer.step(net, module, xb, yb, loss_fn, opt, step_schedule)
                    done_steps += 1
                    total += loss.detach() * len(xb)
                    rows += len(xb)
                    if first_loss is None:
                        first_loss = abs(loss.item())
                    if not dist_on:  # under torchrun the epoch's check decides, alike on every rank
                        trainer.check_batch(total, step, epoch)
                    for cb in callbacks:
                        cb.on_batch_end(trainer, step, steps)
                else:
                    if dist_on:
                        _all_have_batch(False)  # this rank is out of rows: tell the others
            batches.close()
            if stats is not None:
                stats.clear()
                stats.update(epoch_stats)
            first_loss = trainer.close_epoch(
                epoch, float(total) / max(rows, 1), first_loss, start, module, loss_fn,
                (X_valid, y_valid) if has_valid else None, schedule, per_batch, opt, history, callbacks, ckpt,
                {"shuffle_rng": rng.bit_generator.state, "steps": done_steps}, dist_on)
            if trainer.stop_training:
                break
    finally:
        threads.close()
        for cb in callbacks:
            cb.on_train_end(trainer)
    if trainer.best_epoch is None:
        trainer.best_epoch = len(history)
    if dist_on:
        del net
    module.eval()
    estimator._finish_fit(module, dev, pd.DataFrame(history), trainer)
    return estimator


def _all_have_batch(have: bool) -> bool:
    """Distributed: whether every rank has a batch for this step (an all-reduce of one number, MIN)."""
    import torch.distributed as dist

    flag = torch.tensor([1 if have else 0], dtype=torch.int32)
    if dist.get_backend() == "nccl":  # pragma: no cover - needs GPUs
        flag = flag.to(torch.device("cuda", torch.cuda.current_device()))
    dist.all_reduce(flag, op=dist.ReduceOp.MIN)
    return bool(flag.item())
