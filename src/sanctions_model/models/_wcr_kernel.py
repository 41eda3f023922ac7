"""The wild cluster bootstrap's p-value count in one compiled pass over the draws.

:meth:`sanctions_model.models.inference._WcrCurve.pvalue` counts the draws whose ``|t*|``
reaches the threshold; numpy needs a dozen passes over the draws for it (test inversion asks
for about 90 p-values, notebook 03 for 2,700 over 99,999 draws). The loop here does the same
IEEE operations in the same order in one pass, compiled by numba on first use and cached on disk.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ._numba import compile_kernel

__all__ = ["exceed_kernel", "warm"]


def _exceed_loop(aa, ab, bb, ve, vs, d2, dd, d, small, thr):
    """:meth:`~sanctions_model.models.inference._WcrCurve._exceed`, one draw at a time: the same IEEE operations in the same order
    (no fused multiply-add without numba's ``fastmath``; ``error_model="numpy"`` divides by zero
    to inf/nan as numpy does), in one pass instead of a dozen over the draws."""
    n = 0
    for i in range(aa.size):
        ss = aa[i] + ab[i] * d2
        ss = ss + bb[i] * dd
        if ss < 0.0:  # np.maximum(ss, 0): a NaN stays NaN
            ss = 0.0
        q = (ve[i] + vs[i] * d) / math.sqrt(ss * small)
        if abs(q) >= thr:
            n += 1
    return n


_KERNEL: list = []


def exceed_kernel() -> Callable[..., int] | None:
    """:func:`_exceed_loop` compiled by numba on first use and cached on disk (see
    :mod:`._numba`); None without numba (numpy then)."""
    if not _KERNEL:
        _KERNEL.append(compile_kernel(_exceed_loop))
    return _KERNEL[0]


def warm() -> None:
    """Compile (or load from the disk cache) the signature :meth:`_WcrCurve.pvalue` uses:
    float64 arrays and float64 scalars (called by a sweep's kernel template,
    :mod:`sanctions_model.runner.warmup`)."""
    kernel = exceed_kernel()
    if kernel is not None:
        import numpy as np

        one = np.ones(1)
        kernel(one, one, one, one, one, 2.0, 1.0, 1.0, 1.0, 1.0)
