"""Automatic mixed precision for training: the forward pass in bfloat16 or float16, the weights in float32.

``precision`` (a Trainer and estimator parameter):

* ``"float32"`` (default): no autocast; what every CPU run used before.
* ``"bf16"``: ``torch.autocast`` with bfloat16. Same exponent range as float32, so no loss scaling is
  needed; fast on NVIDIA Ampere and newer GPUs (and supported, though rarely faster, on the CPU).
* ``"fp16"``: ``torch.autocast`` with float16 and a ``torch.amp.GradScaler`` that scales the loss so
  small gradients do not underflow, and skips a step whose gradients overflowed.
* ``"auto"``: bf16 on a CUDA GPU that supports it, fp16 on other CUDA GPUs, bf16 on a CPU with native
  bfloat16 instructions (AVX512-BF16 or AMX, :func:`cpu_has_native_bf16`), float32 elsewhere.

Only training autocasts; validation and predictions run in float32, so a model's predictions do not
depend on how it was trained to be computed.
"""

from __future__ import annotations

import contextlib
from functools import lru_cache

import torch

from deepmine.errors import ParameterError

PRECISIONS = ("float32", "bf16", "fp16", "auto")
_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


@lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX tiles), where bf16 autocast pays off.

    Elsewhere torch emulates bfloat16 on the CPU, which is slower than float32.
    """
    checks = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    try:
        return any(check() for check in checks if check is not None)
    except RuntimeError:  # pragma: no cover - a torch build without the CPU capability queries
        return False


def resolve_precision(precision: str | None, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``precision`` on ``device``, or None for plain float32."""
    precision = "float32" if precision is None else precision
    if precision not in PRECISIONS:
        raise ParameterError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision == "auto":
        if device.type == "cpu":
            return torch.bfloat16 if cpu_has_native_bf16() else None
        if device.type != "cuda":
            return None
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if precision == "float32":
        return None
    if device.type == "mps":
        raise ParameterError(f"precision={precision!r} is not supported on Apple MPS here; use 'float32'")
    return _DTYPES[precision]


class MixedPrecision:
    """The forward pass under autocast and, for float16, the backward pass through a GradScaler."""

    def __init__(self, precision: str | None, device: torch.device):
        self.device = torch.device(device)
        self.dtype = resolve_precision(precision, self.device)
        self.scaler = (torch.amp.GradScaler(self.device.type) if self.dtype is torch.float16 else None)

    @property
    def enabled(self) -> bool:
        return self.dtype is not None

    @property
    def bf16(self) -> bool:
        """Whether the steps run under bfloat16 autocast (shorter matrix products: see deepmine.training.threads)."""
        return self.dtype is torch.bfloat16

    def autocast(self):
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)

    def backward_and_step(self, loss: torch.Tensor, opt, clip=None) -> None:
        """``loss.backward()``, then ``clip()`` (on unscaled gradients) and the optimiser step."""
        if self.scaler is None:
            loss.backward()
            if clip is not None:
                clip()
            opt.step()
            return
        self.scaler.scale(loss).backward()
        if clip is not None:
            self.scaler.unscale_(opt)
            clip()
        self.scaler.step(opt)  # skipped when the gradients overflowed
        self.scaler.update()


__all__ = ["MixedPrecision", "PRECISIONS", "cpu_has_native_bf16", "resolve_precision"]
