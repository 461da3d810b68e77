"""Data-parallel training under ``torchrun``: one process per CPU slot or GPU, DistributedDataParallel.

Launch any deepmine program, or the command line, with ``torchrun``; nothing else changes::

    torchrun --standalone --nproc_per_node=2 -m deepmine classify data.parquet --target y
    torchrun --standalone --nproc_per_node=4 my_script.py        # the Python API: DeepClassifier().fit(...)

What happens then
-----------------
- torchrun sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT`` in every
  process; :func:`is_distributed` is true when ``WORLD_SIZE > 1`` and ``RANK`` is set. Without them
  (a plain ``python``) nothing here is used and training is exactly the single-process training.
- The first :class:`~deepmine.training.Trainer` fit calls :func:`init_if_needed`, which joins the
  process group once through the ``env://`` rendezvous that torchrun prepared: backend **gloo** on the
  CPU, **NCCL** for CUDA tensors on a GPU (``cuda:nccl,cpu:gloo``, so small CPU-side messages such as
  :func:`broadcast_object` still work), with ``LOCAL_RANK`` picking the GPU of each process.
- Every rank reads the whole table in memory and fits the preprocessing and the validation split on
  it identically (same ``random_state``); the network starts from the same weights on every rank
  (DDP also broadcasts rank 0's weights). Each epoch, every rank draws the same permutation of the
  training rows from a generator seeded by (a seed shared by all ranks, the epoch) and takes its own
  shard ``perm[rank::world]`` - a :class:`torch.utils.data.DistributedSampler` in memory. The
  permutation is padded by repeating its first rows so that every rank has the same number of rows,
  hence of batches: DDP needs equal step counts.
- An integer ``batch_size`` is **per process**: the effective batch is ``batch_size x world_size``,
  and the learning rate is kept as given (no linear scaling); to reproduce a single-process run,
  divide the batch size by the number of processes. ``batch_size="auto"`` (the estimators' default)
  is the *effective* batch: the single-process choice divided by the number of processes, so a
  torchrun fit takes the same optimiser steps, with the same learning rate, as a plain one.
- The training loss in the history is averaged over the ranks. Validation runs on every rank on the
  same validation rows with the same weights, so every rank records the same numbers; rank 0's
  early-stopping decision is broadcast nonetheless so no rank can leave the loop alone.
- At the end the estimator keeps the plain module (not the DDP wrapper): saving and predicting are
  unchanged. On the command line only rank 0 prints the leaderboard and writes the run folder; every
  rank fits every candidate, traditional ones included (they are cheap and deterministic for a seed,
  and every rank must reach the same collective operations in the same order).
- Batch normalisation keeps per-rank batch statistics (no SyncBatchNorm); DDP broadcasts rank 0's
  running statistics at each step. Networks whose parameters are not all used in every forward pass
  are not supported under DDP (``find_unused_parameters`` is off).

Multi-node
----------
Start the same command on every machine; torchrun's c10d rendezvous on one reachable host joins them::

    # on each of the 2 machines (4 processes, say 4 GPUs, per machine: 8 ranks in all)
    torchrun --nnodes=2 --nproc_per_node=4 --rdzv_backend=c10d --rdzv_endpoint=HOST:29500 \\
        --rdzv_id=churn-run -m deepmine classify data.parquet --target y

``HOST`` is any one of the machines (its port 29500 reachable from the others). torchrun then sets, in
each process, ``RANK`` (0..7), ``LOCAL_RANK`` (0..3, the GPU on its machine), ``WORLD_SIZE`` (8),
``LOCAL_WORLD_SIZE``, ``MASTER_ADDR`` / ``MASTER_PORT``; deepmine reads only these. On GPUs the
gradients go through NCCL (set ``NCCL_SOCKET_IFNAME`` / ``NCCL_DEBUG=INFO`` when the machines have
several network interfaces); on CPUs through gloo (``GLOO_SOCKET_IFNAME``). Every machine needs the
data at the same path, and the run folder is written by global rank 0 only, on its machine.
"""

from __future__ import annotations

import atexit
import os
from typing import Any

import torch

_INITIALISED_HERE = False


def available() -> bool:
    """Whether this torch build has ``torch.distributed``."""
    import torch.distributed as dist

    return dist.is_available()


def is_distributed() -> bool:
    """True in a process started by torchrun with more than one process (``WORLD_SIZE > 1``, ``RANK`` set)."""
    try:
        world = int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        return False
    return world > 1 and "RANK" in os.environ and available()


def _initialised() -> bool:
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized()


def local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", "0"))


def init_if_needed(device: torch.device | str | None = None) -> torch.device | None:
    """Join the process group once (env:// rendezvous as torchrun sets it); return the device to use.

    gloo on the CPU; for a CUDA device, NCCL for CUDA tensors (gloo for CPU ones) and ``LOCAL_RANK``
    selects this process's GPU: ``cuda`` becomes ``cuda:LOCAL_RANK``. Does nothing outside torchrun.
    """
    global _INITIALISED_HERE
    if device is not None:
        device = torch.device(device)
    if not is_distributed():
        return device
    import torch.distributed as dist

    cuda = device is not None and device.type == "cuda"
    if cuda:
        index = device.index if device.index is not None else local_rank() % max(torch.cuda.device_count(), 1)
        torch.cuda.set_device(index)
        device = torch.device("cuda", index)
    if not dist.is_initialized():
        backend = "cpu:gloo,cuda:nccl" if cuda else "gloo"
        dist.init_process_group(backend=backend, init_method="env://")
        _INITIALISED_HERE = True
        atexit.register(_destroy)
    return device


def _destroy() -> None:
    import torch.distributed as dist

    if _INITIALISED_HERE and dist.is_initialized():
        try:
            dist.destroy_process_group()
        except Exception:  # noqa: BLE001 - at exit, a peer may have gone already
            pass


def rank() -> int:
    """This process's global rank (0 when not distributed)."""
    if _initialised():
        import torch.distributed as dist

        return dist.get_rank()
    return int(os.environ.get("RANK", "0")) if is_distributed() else 0


def world_size() -> int:
    """The number of processes (1 when not distributed)."""
    if _initialised():
        import torch.distributed as dist

        return dist.get_world_size()
    return int(os.environ.get("WORLD_SIZE", "1")) if is_distributed() else 1


def is_main() -> bool:
    """True on rank 0, and always when not distributed: the process that prints and writes."""
    return rank() == 0


def barrier() -> None:
    """Wait for every rank (nothing when not distributed)."""
    if is_distributed():
        import torch.distributed as dist

        init_if_needed()
        dist.barrier()


def broadcast_object(obj: Any, src: int = 0) -> Any:
    """Rank ``src``'s ``obj`` (picklable) on every rank; ``obj`` itself when not distributed."""
    if not is_distributed():
        return obj
    import torch.distributed as dist

    init_if_needed()
    box = [obj]
    dist.broadcast_object_list(box, src=src)
    return box[0]


def all_reduce_mean(value):
    """The mean over the ranks of a tensor (returned as a new tensor) or a float (returned as a float)."""
    if not is_distributed():
        return value
    import torch.distributed as dist

    init_if_needed()
    is_tensor = isinstance(value, torch.Tensor)
    t = value.detach().clone() if is_tensor else torch.tensor(float(value), dtype=torch.float64)
    if not is_tensor and dist.get_backend() == "nccl":  # pragma: no cover - needs GPUs
        t = t.to(torch.device("cuda", torch.cuda.current_device()))
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    t = t / dist.get_world_size()
    return t if is_tensor else float(t)


def shard_positions(perm: torch.Tensor, rank_: int | None = None, world: int | None = None) -> torch.Tensor:
    """This rank's share ``perm[rank::world]`` of a permutation drawn identically on every rank.

    Like DistributedSampler (``drop_last=False``): ``perm`` is first padded by repeating its first
    rows up to a multiple of ``world``, so every rank gets ``ceil(n / world)`` rows and the same
    number of batches. Consecutive runs of ``batch_size x world`` rows of ``perm`` become one
    ``batch_size`` run on each rank, so a length-grouped order stays grouped.
    """
    rank_ = rank() if rank_ is None else rank_
    world = world_size() if world is None else world
    n = len(perm)
    if world <= 1:
        return perm
    per_rank = -(-n // world)
    extra = per_rank * world - n
    if extra:
        reps = -(-extra // n)
        perm = torch.cat([perm] + [perm] * reps)[: per_rank * world]
    return perm[rank_::world]


def shared_seed() -> int:
    """A seed equal on every rank: drawn from torch's generator on rank 0 and broadcast."""
    seed = int(torch.randint(0, 2**31 - 1, (1,)).item())
    return int(broadcast_object(seed))


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """A CPU generator seeded by (seed, epoch): the same stream on every rank."""
    g = torch.Generator()
    g.manual_seed((int(seed) * 1_000_003 + int(epoch)) % (2**63 - 1))
    return g


__all__ = ["all_reduce_mean", "barrier", "broadcast_object", "epoch_generator", "init_if_needed", "is_distributed",
           "is_main", "rank", "shard_positions", "shared_seed", "world_size"]
