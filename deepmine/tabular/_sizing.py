"""Size rules: how the batch size and the epoch count of RealMLP and TabM grow with the training rows."""

from __future__ import annotations

import numpy as np


def scaled_batch_size(n_rows: int, base: int = 256, rows_per_batch: int = 100, largest: int = 2048) -> int:
    """``base`` rows a batch up to ``base x rows_per_batch`` training rows, then the power of two nearest
    ``n_rows / rows_per_batch`` (so an epoch has about a hundred steps), at most ``largest``.

    Examples with the defaults: 5,000 rows -> 256, 40,000 -> 512, 200,000 -> 2,048.
    """
    size = 2 ** int(round(np.log2(max(n_rows, 1) / rows_per_batch)))
    return int(min(max(size, base), largest))


def scaled_epochs(n_rows: int, base: int, reference_rows: int, fewest: int) -> int:
    """``base`` epochs up to ``reference_rows`` training rows, then fewer, as ``base x sqrt(reference / n)``,
    never below ``fewest``: a larger table gives more steps per epoch, so it needs fewer epochs, and the
    square root keeps the total steps growing (slowly) with the data.

    RealMLP (base 256, reference 10,000, fewest 64): 5,000 rows -> 256 epochs, 40,000 -> 128, 1,000,000 -> 64.
    """
    if n_rows <= reference_rows:
        return int(base)
    return int(max(fewest, round(base * np.sqrt(reference_rows / n_rows))))
