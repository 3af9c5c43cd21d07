"""Which input element reaches which output element through which kernel tap, along one axis.

Along one axis of a transposed convolution, input ``i`` reaches output ``i * stride - pad +
tap * dilation``. These tables answer the question from the output's side, as the direct and
GEMM kernels need it; both are Numba functions (callable from Python too).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["tap_table", "column_table"]


@njit(cache=True, boundscheck=False, error_model="numpy")
def tap_table(out_size, in_size, stride, pad, dilation, taps):  # pragma: no cover - jitted
    """``table[o, t]``: the input index that reaches output ``o`` through tap ``t``, or -1."""
    table = np.full((out_size, taps), -1, dtype=np.int64)
    for t in range(taps):
        for i in range(in_size):
            o = i * stride - pad + t * dilation
            if 0 <= o < out_size:
                table[o, t] = i
    return table


@njit(cache=True, boundscheck=False, error_model="numpy")
def column_table(out_size, in_size, stride, pad, dilation, taps):  # pragma: no cover - jitted
    """Per tap ``c`` of the last axis: phase ``r``, shift ``q`` and input columns ``k0 .. k1-1``.

    Input column ``k`` reaches output column ``r + stride * (k + q)`` through tap ``c``; a tap
    that reaches no output column (its phase ``r`` at least ``out_size`` among them) has
    ``k1 == k0``.
    """
    table = np.zeros((taps, 4), dtype=np.int64)
    for c in range(taps):
        shift = c * dilation - pad
        r = shift % stride
        q = (shift - r) // stride
        table[c, 0] = r
        table[c, 1] = q
        table[c, 2] = max(0, -q)
        table[c, 3] = max(max(0, -q), min(in_size, (out_size - r + stride - 1) // stride - q))
    return table
