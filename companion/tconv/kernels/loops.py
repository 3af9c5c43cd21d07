"""The plain loops: transposed convolution by scatter and by gather, and the convolution.

These kernels say what the operators are, one multiply-add at a time, with nothing clever:
the ``"scatter"`` and ``"gather"`` backends of the transposed convolution and (for now) the
convolution itself. The fast kernels are :mod:`tconv.kernels.direct` and
:mod:`tconv.kernels.gemm`.

Every kernel works on 3 spatial dimensions (:attr:`tconv.geometry.ConvGeometry.in_3d`: 1-D and 2-D
problems have leading spatial dimensions of size 1). Arrays are channels first and C-contiguous:

- ``x``: input, ``(N, C_in, D, H, W)``
- ``w``: weight, as in PyTorch (``(C_in, C_out/groups, kD, kH, kW)`` for the transposed kernels,
  ``(C_out, C_in/groups, kD, kH, kW)`` for the convolution)
- ``out``: output, ``(N, C_out, oD, oH, oW)``, starting from the bias; the kernels add into it.

The work is split over (sample, output channel) pairs, run on the threads of
:func:`tconv.kernels.workers.run_tasks`: each pair is written by one thread only and summed in
a fixed order, so results are identical from run to run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import get_num_threads, njit

from .workers import run_tasks, split

if TYPE_CHECKING:
    from ..geometry import ConvGeometry

__all__ = ["conv_transpose_scatter", "conv_transpose_gather", "conv_direct", "filled_output"]


@njit(nogil=True, cache=True)
def _scatter(x, w, out, sd, sh, sw, pd, ph, pw, dd, dh, dw, groups, j0, j1):  # pragma: no cover
    n_batch, c_in, depth, height, width = x.shape
    c_out_group, kd, kh, kw = w.shape[1], w.shape[2], w.shape[3], w.shape[4]
    c_out = out.shape[1]
    c_in_group = c_in // groups
    od_size, oh_size, ow_size = out.shape[2], out.shape[3], out.shape[4]
    for job in range(j0, j1):
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


@njit(nogil=True, cache=True)
def _gather(x, w, out, sd, sh, sw, pd, ph, pw, dd, dh, dw, groups, j0, j1):  # pragma: no cover
    n_batch, c_in, depth, height, width = x.shape
    c_out_group, kd, kh, kw = w.shape[1], w.shape[2], w.shape[3], w.shape[4]
    c_out = out.shape[1]
    c_in_group = c_in // groups
    od_size, oh_size, ow_size = out.shape[2], out.shape[3], out.shape[4]
    for job in range(j0, j1):
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


@njit(nogil=True, cache=True)
def _conv(x, w, out, sd, sh, sw, pd, ph, pw, dd, dh, dw, groups, j0, j1):  # pragma: no cover
    n_batch, c_in, depth, height, width = x.shape
    c_in_group, kd, kh, kw = w.shape[1], w.shape[2], w.shape[3], w.shape[4]
    c_out = out.shape[1]
    c_out_group = c_out // groups
    od_size, oh_size, ow_size = out.shape[2], out.shape[3], out.shape[4]
    for job in range(j0, j1):
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


def filled_output(geometry: ConvGeometry, batch: int, bias: np.ndarray | None,
                  dtype: np.dtype) -> np.ndarray:
    """A new output ``(batch, C_out, *output_shape)`` holding the bias (or zeros)."""
    shape = (batch, geometry.out_channels, *geometry.output_shape)
    if bias is None:
        return np.zeros(shape, dtype=dtype)
    out = np.empty(shape, dtype=dtype)
    out[...] = bias.reshape((1, -1) + (1,) * geometry.ndim)
    return out


def _run(kernel, geometry: ConvGeometry, x: np.ndarray, w: np.ndarray,
         bias: np.ndarray | None) -> np.ndarray:
    out = filled_output(geometry, x.shape[0], bias, x.dtype)
    g3 = geometry.in_3d
    x3 = x.reshape(x.shape[:2] + g3.input_shape)
    w3 = w.reshape(w.shape[:2] + g3.kernel_size)
    out3 = out.reshape(out.shape[:2] + g3.output_shape)
    args = (*g3.stride, *g3.padding, *g3.dilation, geometry.groups)
    jobs = x.shape[0] * geometry.out_channels
    threads = get_num_threads()
    run_tasks(lambda block: kernel(x3, w3, out3, *args, *block), split(jobs, threads), threads)
    return out


def conv_transpose_scatter(geometry: ConvGeometry, x: np.ndarray, w: np.ndarray,
                           bias: np.ndarray | None = None) -> np.ndarray:
    """The transposed convolution of ``x``, plus ``bias``: every input element stamps its
    scaled kernel into the output (see the module docstring for the arrays)."""
    return _run(_scatter, geometry, x, w, bias)


def conv_transpose_gather(geometry: ConvGeometry, x: np.ndarray, w: np.ndarray,
                          bias: np.ndarray | None = None) -> np.ndarray:
    """The transposed convolution of ``x``, plus ``bias``, one output element at a time."""
    return _run(_gather, geometry, x, w, bias)


def conv_direct(geometry: ConvGeometry, x: np.ndarray, w: np.ndarray,
                bias: np.ndarray | None = None) -> np.ndarray:
    """The convolution (cross-correlation) of ``x``, plus ``bias``."""
    return _run(_conv, geometry, x, w, bias)
