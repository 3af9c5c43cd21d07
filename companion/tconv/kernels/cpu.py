"""Numba kernels for the CPU.

Every kernel works on 3 spatial dimensions: 1-D and 2-D problems are viewed as 3-D ones with
leading spatial dimensions of size 1 (stride 1, padding 0, dilation 1 there), so one kernel
serves every rank. Arrays are channels first:

- ``x``: input, ``(N, C_in, D, H, W)``
- ``w``: weight, as in PyTorch (``(C_in, C_out/groups, kD, kH, kW)`` for the transposed kernels,
  ``(C_out, C_in/groups, kD, kH, kW)`` for the convolution)
- ``out``: output, ``(N, C_out, oD, oH, oW)``, filled with the bias (or zeros) by the caller;
  the kernels add into it.

The work is split over (sample, output channel) pairs with ``prange``: each pair is written by
one thread only and summed in a fixed order, so results are identical from run to run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit, prange

if TYPE_CHECKING:
    from ..geometry import ConvGeometry

__all__ = ["conv_transpose_scatter", "conv_transpose_gather", "conv_direct", "as_3d"]


@njit(parallel=True, cache=True)
def _scatter(x, w, out, sd, sh, sw, pd, ph, pw, dd, dh, dw, groups):  # pragma: no cover - jitted
    n_batch, c_in, depth, height, width = x.shape
    c_out_group, kd, kh, kw = w.shape[1], w.shape[2], w.shape[3], w.shape[4]
    c_out = out.shape[1]
    c_in_group = c_in // groups
    od_size, oh_size, ow_size = out.shape[2], out.shape[3], out.shape[4]
    for job in prange(n_batch * c_out):
        n = job // c_out
        co = job % c_out
        g = co // c_out_group
        co_local = co - g * c_out_group
        for ci in range(g * c_in_group, (g + 1) * c_in_group):
            # Each input element stamps the kernel, scaled by its value, into the output.
            for i in range(depth):
                for j in range(height):
                    for k in range(width):
                        value = x[n, ci, i, j, k]
                        for a in range(kd):
                            od = i * sd - pd + a * dd
                            if od < 0 or od >= od_size:
                                continue
                            for b in range(kh):
                                oh = j * sh - ph + b * dh
                                if oh < 0 or oh >= oh_size:
                                    continue
                                for c in range(kw):
                                    ow = k * sw - pw + c * dw
                                    if ow < 0 or ow >= ow_size:
                                        continue
                                    out[n, co, od, oh, ow] += value * w[ci, co_local, a, b, c]


@njit(parallel=True, cache=True)
def _gather(x, w, out, sd, sh, sw, pd, ph, pw, dd, dh, dw, groups):  # pragma: no cover - jitted
    n_batch, c_in, depth, height, width = x.shape
    c_out_group, kd, kh, kw = w.shape[1], w.shape[2], w.shape[3], w.shape[4]
    c_out = out.shape[1]
    c_in_group = c_in // groups
    od_size, oh_size, ow_size = out.shape[2], out.shape[3], out.shape[4]
    for job in prange(n_batch * c_out):
        n = job // c_out
        co = job % c_out
        g = co // c_out_group
        co_local = co - g * c_out_group
        for od in range(od_size):
            for oh in range(oh_size):
                for ow in range(ow_size):
                    # Each output element sums the inputs whose stamp covers it: input i
                    # reaches od through tap a when i*sd - pd + a*dd == od.
                    total = out[n, co, od, oh, ow]
                    for ci in range(g * c_in_group, (g + 1) * c_in_group):
                        for a in range(kd):
                            ti = od + pd - a * dd
                            if ti < 0 or ti % sd != 0 or ti // sd >= depth:
                                continue
                            i = ti // sd
                            for b in range(kh):
                                tj = oh + ph - b * dh
                                if tj < 0 or tj % sh != 0 or tj // sh >= height:
                                    continue
                                j = tj // sh
                                for c in range(kw):
                                    tk = ow + pw - c * dw
                                    if tk < 0 or tk % sw != 0 or tk // sw >= width:
                                        continue
                                    total += x[n, ci, i, j, tk // sw] * w[ci, co_local, a, b, c]
                    out[n, co, od, oh, ow] = total


@njit(parallel=True, cache=True)
def _conv(x, w, out, sd, sh, sw, pd, ph, pw, dd, dh, dw, groups):  # pragma: no cover - jitted
    n_batch, c_in, depth, height, width = x.shape
    c_in_group, kd, kh, kw = w.shape[1], w.shape[2], w.shape[3], w.shape[4]
    c_out = out.shape[1]
    c_out_group = c_out // groups
    od_size, oh_size, ow_size = out.shape[2], out.shape[3], out.shape[4]
    for job in prange(n_batch * c_out):
        n = job // c_out
        co = job % c_out
        g = co // c_out_group
        for od in range(od_size):
            for oh in range(oh_size):
                for ow in range(ow_size):
                    # The dot product of the kernel with the window under this output.
                    total = out[n, co, od, oh, ow]
                    for ci_local in range(c_in_group):
                        ci = g * c_in_group + ci_local
                        for a in range(kd):
                            i = od * sd - pd + a * dd
                            if i < 0 or i >= depth:
                                continue
                            for b in range(kh):
                                j = oh * sh - ph + b * dh
                                if j < 0 or j >= height:
                                    continue
                                for c in range(kw):
                                    k = ow * sw - pw + c * dw
                                    if k < 0 or k >= width:
                                        continue
                                    total += x[n, ci, i, j, k] * w[co, ci_local, a, b, c]
                    out[n, co, od, oh, ow] = total


def as_3d(array: np.ndarray, ndim: int) -> np.ndarray:
    """View a channels-first array with ``ndim`` spatial dims as one with 3 (size-1 dims first)."""
    return array.reshape(array.shape[:2] + (1,) * (3 - ndim) + array.shape[2:])


def _launch(kernel, geometry: ConvGeometry, x: np.ndarray, w: np.ndarray, out: np.ndarray) -> None:
    fill = 3 - geometry.ndim
    stride = (1,) * fill + geometry.stride
    padding = (0,) * fill + geometry.padding
    dilation = (1,) * fill + geometry.dilation
    kernel(as_3d(x, geometry.ndim), as_3d(w, geometry.ndim), as_3d(out, geometry.ndim),
           *stride, *padding, *dilation, geometry.groups)


def conv_transpose_scatter(geometry: ConvGeometry, x: np.ndarray, w: np.ndarray, out: np.ndarray) -> None:
    """Add the transposed convolution of ``x`` to ``out`` by scattering (see module docstring)."""
    _launch(_scatter, geometry, x, w, out)


def conv_transpose_gather(geometry: ConvGeometry, x: np.ndarray, w: np.ndarray, out: np.ndarray) -> None:
    """Add the transposed convolution of ``x`` to ``out``, one output element at a time."""
    _launch(_gather, geometry, x, w, out)


def conv_direct(geometry: ConvGeometry, x: np.ndarray, w: np.ndarray, out: np.ndarray) -> None:
    """Add the convolution (cross-correlation) of ``x`` to ``out``."""
    _launch(_conv, geometry, x, w, out)
