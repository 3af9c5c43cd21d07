"""Transposed convolution as a matrix product followed by col2im, for channel-heavy layers.

For one group, the weight reshaped to ``(C_in_g, prod(k) * C_out_g)`` (columns ordered tap,
then channel) and one sample's input reshaped to ``(C_in_g, prod(spatial_in))`` give, with one
BLAS product,

.. math::  \\text{cols} = x_g^T W_g \\quad \\prod \\text{spatial}_{in} \\times (\\prod k \\cdot C_{out,g}),

whose row ``position`` and column ``(tap, co)`` is the contribution of the input at
``position`` to output channel ``co`` through kernel tap ``tap``. *col2im* then adds every row
into the output at ``position * stride - padding + tap * dilation`` (skipping what falls
outside); the channels of one tap are contiguous, so its additions are vector instructions.
The product does all the multiply-adds, at the speed of the machine's BLAS.

That is the ``'channels-last'`` col2im, right when there are many channels and short rows.
When rows are long and channels few (:func:`choose_col2im`), the product is taken the other way
round, ``W_g^T x_g`` (rows ``(co, tap)``, columns ``position``), so that each tap's row of input
columns is contiguous. The ``'rows'`` col2im then builds one output row at a time: it adds the
tap rows that reach it, each a unit-stride stretch of one stride phase, and interleaves the
phases. When taps never overlap (:func:`disjoint_taps`: the kernel no larger than the stride, as
in U-Net's ``k = s = 2``), each output element is one entry of the product, so nothing needs
adding: the ``'interleave'`` col2im writes every output row once as the tap rows of one input
row, side by side.

The work is cut into *tasks* that own disjoint parts of the output (a few samples, one group, a
block of output channels); :func:`~tconv.kernels.workers.run_tasks` runs them on
``numba.get_num_threads()`` threads, each with a single-threaded BLAS product and a ``nogil``
Numba col2im, so no two thread pools compete for the cores. Within a task the column buffer is
filled in chunks of whole samples or of whole input rows, so that all buffers together stay
below ``buffer_bytes`` (by default the output's size). Each output element is written by one
task, in a fixed order (chunk, then tap), so results are identical from run to run (with the
same number of threads; another count may cut the matrix products differently, which can change
the last bit).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import get_num_threads, njit

from .taps import column_table, tap_table
from .workers import run_tasks

if TYPE_CHECKING:
    from ..geometry import ConvGeometry

__all__ = ["conv_transpose_gemm", "plan", "disjoint_taps", "choose_col2im", "COL2IM", "BLOCK"]

#: The col2im variants of :func:`conv_transpose_gemm` (:func:`choose_col2im` picks one).
COL2IM = ("interleave", "rows", "channels-last")

#: Output columns per job of the channels-last col2im (its buffer is BLOCK x C_out/groups).
BLOCK = 64


@njit(nogil=True, cache=True, boundscheck=False, error_model="numpy")
def _col2im(cols, out, bias, load, row0, depth, height, width, sd, sh, sw, pd, ph, pw,
            dd, dh, dw, kd, kh, kw, block):  # pragma: no cover - jitted
    """Add ``cols`` ``(nb, L, taps, C)`` into ``out`` ``(nb, C, oD, oH, oW)`` (a task's view).

    ``L`` covers whole input rows: rows ``row0 .. row0 + L/width - 1`` (flattened over ``D, H``)
    of every sample. One job is one output row segment of ``block`` columns: it is read into a
    ``(block, C)`` buffer (channels last, so the sums vectorize over channels), receives every
    tap that reaches it, and is written back.
    With ``load`` False (the task's first chunk) every segment starts from ``bias`` and is
    written, reached or not, so ``out`` may be uninitialized; later chunks add to it.
    """
    nb, length, channels = cols.shape[0], cols.shape[1], cols.shape[3]
    od_size, oh_size, ow_size = out.shape[2], out.shape[3], out.shape[4]
    n_rows = length // width
    segments = (ow_size + block - 1) // block
    jobs = nb * od_size * oh_size * segments
    for job in range(jobs):
        seg = job % segments
        rest = job // segments
        oh = rest % oh_size
        rest = rest // oh_size
        od = rest % od_size
        b = rest // od_size
        w0 = seg * block
        w1 = min(ow_size, w0 + block)
        touched = False
        for a in range(kd):
            ti = od + pd - a * dd
            if ti < 0 or ti % sd != 0 or ti // sd >= depth:
                continue
            for bb in range(kh):
                tj = oh + ph - bb * dh
                if tj < 0 or tj % sh != 0 or tj // sh >= height:
                    continue
                flat = (ti // sd) * height + tj // sh - row0
                if 0 <= flat < n_rows:
                    touched = True
        if load and not touched:
            continue
        plane = out[b]
        buf = np.empty((w1 - w0, channels), dtype=out.dtype)
        if load:
            for co in range(channels):
                src_row = plane[co, od, oh]
                for ow in range(w0, w1):
                    buf[ow - w0, co] = src_row[ow]
        else:
            for ow in range(w1 - w0):
                buf[ow] = bias
        for a in range(kd):
            ti = od + pd - a * dd
            if ti < 0 or ti % sd != 0 or ti // sd >= depth:
                continue
            for bb in range(kh):
                tj = oh + ph - bb * dh
                if tj < 0 or tj % sh != 0 or tj // sh >= height:
                    continue
                flat = (ti // sd) * height + tj // sh - row0
                if flat < 0 or flat >= n_rows:
                    continue
                for c in range(kw):
                    shift = c * dw - pw  # input column k reaches output column k*sw + shift
                    k0 = max(0, (w0 - shift + sw - 1) // sw)
                    k1 = min(width, (w1 - shift + sw - 1) // sw)
                    tap = (a * kh + bb) * kw + c
                    for k in range(k0, k1):
                        dst = buf[k * sw + shift - w0]
                        src = cols[b, flat * width + k, tap]
                        for co in range(channels):
                            dst[co] += src[co]
        for co in range(channels):
            dst_row = plane[co, od, oh]
            for ow in range(w0, w1):
                dst_row[ow] = buf[ow - w0, co]


@njit(nogil=True, cache=True, boundscheck=False, error_model="numpy")
def _interleave(cols, out, bias, load, row0, depth, height, width, sd, sh, sw, pd, ph, pw,
                kd, kh, kw):  # pragma: no cover - jitted
    """col2im when taps never overlap (:func:`disjoint_taps`): ``cols`` ``(nb, C, taps, L)``.

    Output position ``o`` then comes from one input position and tap at most,
    ``i = (o + p) // s`` and ``t = (o + p) % s`` (none when ``t >= k``), so each output row is
    the tap rows of one input row, interleaved: no additions, every element written once. ``L``
    covers input rows ``row0 .. row0 + L/width - 1`` (flattened over ``D, H``); rows reached by
    no input row (beyond the input, or in a gap between taps) are ``bias``, written by the first
    chunk (``load`` False).
    """
    nb, channels, length = cols.shape[0], cols.shape[1], cols.shape[3]
    od_size, oh_size, ow_size = out.shape[2], out.shape[3], out.shape[4]
    for b in range(nb):
        for co in range(channels):
            value = bias[co]
            if not load:  # rows that no input row reaches: the bias alone
                for od in range(od_size):
                    i, a = (od + pd) // sd, (od + pd) % sd
                    for oh in range(oh_size):
                        j, bb = (oh + ph) // sh, (oh + ph) % sh
                        if not (0 <= i < depth and 0 <= j < height) or a >= kd or bb >= kh:
                            out[b, co, od, oh, :] = value
            for r in range(length // width):  # the input rows of this chunk
                i, j = (row0 + r) // height, (row0 + r) % height
                for a in range(kd):
                    od = i * sd + a - pd
                    if od < 0 or od >= od_size:
                        continue
                    for bb in range(kh):
                        oh = j * sh + bb - ph
                        if oh < 0 or oh >= oh_size:
                            continue
                        dst = out[b, co, od, oh]
                        tap = (a * kh + bb) * kw
                        if sw == 2 and kw == 2 and pw == 0 and ow_size >= 2 * width:  # fused
                            even = cols[b, co, tap, r * width:(r + 1) * width]
                            odd = cols[b, co, tap + 1, r * width:(r + 1) * width]
                            for k in range(width):
                                dst[2 * k] = even[k] + value
                                dst[2 * k + 1] = odd[k] + value
                            for ow in range(2 * width, ow_size):
                                dst[ow] = value
                            continue
                        dst[:] = value  # gaps between taps, and columns past the input
                        for c in range(kw):
                            src = cols[b, co, tap + c, r * width:]
                            # output column ow = k * sw + c - pw, for input column k
                            k0 = max(0, (pw - c + sw - 1) // sw)
                            k1 = min(width, (ow_size + pw - c + sw - 1) // sw)
                            for k in range(k0, k1):
                                dst[k * sw + c - pw] = src[k] + value


@njit(nogil=True, cache=True, boundscheck=False, error_model="numpy")
def _col2im_rows(cols, out, bias, load, row0, depth, height, width, sd, sh, sw, pd, ph, pw,
                 dd, dh, dw, kd, kh, kw):  # pragma: no cover - jitted
    """Add channel-major ``cols`` ``(nb, C, taps, L)`` into ``out``, one output row at a time.

    ``L`` covers input rows ``row0 .. row0 + L/width - 1`` (flattened over ``D, H``). For one
    output row (sample, channel, ``od``, ``oh``), every tap ``(a, b)`` whose input row is in the
    chunk contributes one input row per column tap ``c``: its values land at output columns
    ``r + sw * (k + q)``, i.e. on a unit-stride stretch of phase ``r`` (the same phases as the
    direct kernel's). The stretches are summed in a ``(sw, ceil(oW / sw))`` buffer, then the
    phases are interleaved into the output row. With ``load`` False (the task's first chunk)
    every row is written, starting from ``bias``; later chunks add to the rows they reach.
    """
    nb, channels, length = cols.shape[0], cols.shape[1], cols.shape[3]
    od_size, oh_size, ow_size = out.shape[2], out.shape[3], out.shape[4]
    n_rows = length // width
    table = column_table(ow_size, width, sw, pw, dw, kw)
    rows_d = tap_table(od_size, depth, sd, pd, dd, kd)
    rows_h = tap_table(oh_size, height, sh, ph, dh, kh)
    m_size = (ow_size + sw - 1) // sw
    phases = min(sw, ow_size)  # only phases that hold an output column
    buf = np.empty(phases * m_size, dtype=out.dtype)
    for b in range(nb):
        for co in range(channels):
            value = bias[co]
            plane = cols[b, co]
            for od in range(od_size):
                for oh in range(oh_size):
                    touched = False
                    for a in range(kd):
                        i = rows_d[od, a]
                        if i < 0:
                            continue
                        for bb in range(kh):
                            j = rows_h[oh, bb]
                            flat = i * height + j - row0
                            if j < 0 or flat < 0 or flat >= n_rows:
                                continue
                            if not touched:
                                buf[:] = 0.0
                                touched = True
                            tap0 = (a * kh + bb) * kw
                            for c in range(kw):
                                r, q, k0, k1 = table[c, 0], table[c, 1], table[c, 2], table[c, 3]
                                if k1 <= k0:  # this tap reaches no output column
                                    continue
                                src = plane[tap0 + c, flat * width + k0:flat * width + k1]
                                dst = buf[r * m_size + k0 + q:r * m_size + k1 + q]
                                for k in range(src.size):
                                    dst[k] += src[k]
                    dst_row = out[b, co, od, oh]
                    if not touched:
                        if not load:
                            dst_row[:] = value
                        continue
                    if load:
                        for rw in range(phases):
                            for m in range((ow_size - rw + sw - 1) // sw):
                                dst_row[rw + sw * m] += buf[rw * m_size + m]
                    elif sw == 2 and ow_size >= 2:
                        for m in range(ow_size // 2):
                            dst_row[2 * m] = buf[m] + value
                            dst_row[2 * m + 1] = buf[m_size + m] + value
                        if ow_size % 2:
                            dst_row[ow_size - 1] = buf[ow_size // 2] + value
                    else:
                        for rw in range(phases):
                            for m in range((ow_size - rw + sw - 1) // sw):
                                dst_row[rw + sw * m] = buf[rw * m_size + m] + value


def disjoint_taps(geometry: ConvGeometry) -> bool:
    """Whether every output element comes from one input element and tap at most: along every
    axis the kernel is at most the stride, with dilation 1 (or a kernel of size 1).

    Examples
    --------
    >>> from tconv import ConvGeometry
    >>> # U-Net
    >>> disjoint_taps(
    ...     ConvGeometry.for_conv_transpose(
    ...         (128, 64, 2, 2), (128, 64, 64), 2
    ...     )
    ... )
    True
    >>> disjoint_taps(
    ...     ConvGeometry.for_conv_transpose(
    ...         (256, 128, 4, 4), (256, 16, 16), 2, 1
    ...     )
    ... )
    False
    """
    return all(k <= s and (d == 1 or k == 1) for k, s, d in
               zip(geometry.kernel_size, geometry.stride, geometry.dilation))


def choose_col2im(geometry: ConvGeometry) -> str:
    """The col2im :func:`conv_transpose_gemm` uses for ``geometry``: the one whose innermost
    loops are longest.

    - ``'interleave'`` when taps never overlap (:func:`disjoint_taps`): each output element is
      one entry of the product, so output rows are written as tap rows side by side.
    - ``'rows'`` when a row of input columns is at least as long as a group's output channels:
      the product is channel-major and the sums run along rows, one output row at a time.
    - ``'channels-last'`` otherwise (many channels, short rows): the product is
      position-major and the sums run along channels.

    Measured on this project's 2-core machine (``'rows'`` time over ``'channels-last'`` time,
    2 threads): RGB out (64 -> 3 channels, 32 columns) 0.79, vocoder 1D (128 channels, 1024
    columns) 0.95, 128 -> 64 channels on 64 x 64 inputs 0.57; DCGAN (128 channels, 16 columns)
    1.14 and the dilated layer (64 channels, 32 columns) 1.16.

    Examples
    --------
    >>> from tconv import ConvGeometry
    >>> # U-Net
    >>> choose_col2im(
    ...     ConvGeometry.for_conv_transpose(
    ...         (128, 64, 2, 2), (128, 64, 64), 2
    ...     )
    ... )
    'interleave'
    >>> # RGB
    >>> choose_col2im(
    ...     ConvGeometry.for_conv_transpose(
    ...         (64, 3, 4, 4), (64, 32, 32), 2, 1
    ...     )
    ... )
    'rows'
    >>> choose_col2im(
    ...     ConvGeometry.for_conv_transpose(
    ...         (256, 128, 4, 4), (256, 16, 16), 2, 1
    ...     )
    ... )
    'channels-last'
    """
    if disjoint_taps(geometry):
        return "interleave"
    channels = geometry.out_channels // geometry.groups
    return "rows" if geometry.input_shape[-1] >= channels else "channels-last"


def plan(geometry: ConvGeometry, batch: int, buffer_bytes: int, itemsize: int, workers: int
         ) -> tuple[int, int, int]:
    """How to cut the work: ``(samples per task, output-channel blocks, input rows per chunk)``.

    Tasks are (samples, group, channel block) triples; there are enough of them to keep
    ``workers`` threads busy, and each task's column buffer (one chunk) is at most
    ``buffer_bytes / workers``. A chunk holds all input rows of its samples when they fit,
    otherwise part of one sample's rows.

    Examples
    --------
    >>> from tconv import ConvGeometry
    >>> g = ConvGeometry.for_conv_transpose(
    ...     (8, 4, 2, 2), (8, 10, 10), stride=2
    ... )
    >>> # 8 samples per task, 10 rows (all) per chunk
    >>> plan(g, 16, 10**9, 4, 2)
    (8, 1, 10)
    >>> # 3 rows of (4 channels x 4 taps) x 10 columns
    >>> plan(g, 1, 3 * 16 * 10 * 4, 4, 1)
    (1, 1, 3)
    >>> # one sample, two workers: split the 4 output channels
    >>> plan(g, 1, 10**9, 4, 2)
    (1, 2, 10)
    """
    rows_per_sample = math.prod(geometry.input_shape[:-1])
    width = geometry.input_shape[-1]
    c_out_g = geometry.out_channels // geometry.groups
    per_task = max(1, batch * geometry.groups)
    blocks = 1
    if per_task < workers:  # too few (sample, group) pairs: split output channels too
        blocks = min(c_out_g, -(-workers // per_task))
    row_bytes = -(-c_out_g // blocks) * math.prod(geometry.kernel_size) * width * itemsize
    budget = max(row_bytes, buffer_bytes // workers)
    sample_bytes = row_bytes * rows_per_sample
    if sample_bytes <= budget:
        samples = min(budget // sample_bytes, -(-batch // workers))
        return max(1, samples), blocks, rows_per_sample
    return 1, blocks, max(1, min(rows_per_sample, budget // row_bytes))


def conv_transpose_gemm(geometry: ConvGeometry, x: np.ndarray, w: np.ndarray,
                        bias: np.ndarray | None = None, *, buffer_bytes: int | None = None,
                        col2im: str | None = None) -> np.ndarray:
    """The transposed convolution of ``x``, plus ``bias`` (BLAS + col2im): a new output array.

    Parameters
    ----------
    geometry : ConvGeometry
        The operator (``geometry.transposed`` is True).
    x, w : numpy.ndarray
        C-contiguous, aligned arrays of one native float dtype: input ``(N, C_in, *spatial)``,
        weight ``(C_in, C_out/groups, *kernel)``.
    bias : numpy.ndarray, optional
        ``(C_out,)`` of the same dtype; zeros when omitted.
    buffer_bytes : int, optional
        Largest total of the column buffers; by default the output's size in bytes (at least
        one input row's columns per worker). Results do not depend on it beyond rounding.
    col2im : {'interleave', 'rows', 'channels-last'}, optional
        Which col2im adds the product into the output; by default :func:`choose_col2im`
        decides. ``'interleave'`` needs taps that never overlap (:func:`disjoint_taps`). All
        three give the same output up to rounding.

    Returns
    -------
    numpy.ndarray
        ``(N, C_out, *geometry.output_shape)``.

    Examples
    --------
    >>> import numpy as np
    >>> from tconv import ConvGeometry
    >>> g = ConvGeometry.for_conv_transpose((1, 1, 3), (1, 2), stride=2)
    >>> conv_transpose_gemm(
    ...     g, np.array([[[1.0, 10.0]]]), np.array([[[1.0, 2.0, 3.0]]])
    ... )
    array([[[ 1.,  2., 13., 20., 30.]]])
    """
    if col2im is not None and col2im not in COL2IM:
        raise ValueError(f"col2im must be one of {COL2IM}, got {col2im!r}")
    if col2im == "interleave" and not disjoint_taps(geometry):
        raise ValueError("col2im='interleave' needs taps that never overlap (kernel <= stride "
                         f"along every axis), got kernel {geometry.kernel_size}, stride "
                         f"{geometry.stride}, dilation {geometry.dilation}")
    batch = x.shape[0]
    out = np.empty((batch, geometry.out_channels, *geometry.output_shape), dtype=x.dtype)
    if out.size == 0:
        return out
    if bias is None:
        bias = np.zeros(out.shape[1], dtype=out.dtype)
    if buffer_bytes is None:
        buffer_bytes = out.nbytes
    g3 = geometry.in_3d
    kd, kh, kw = g3.kernel_size
    depth, height, width = g3.input_shape
    groups = geometry.groups
    c_in_g = geometry.in_channels // groups
    c_out_g = geometry.out_channels // groups
    taps = kd * kh * kw
    spatial = depth * height * width
    out3 = out.reshape(out.shape[:2] + g3.output_shape)
    x_flat = x.reshape(batch, geometry.in_channels, spatial)
    samples, blocks, rows = plan(geometry, batch, buffer_bytes, x.dtype.itemsize,
                                 get_num_threads())
    length = rows * width
    block = max(1, min(out3.shape[4], BLOCK))
    edges = [c_out_g * i // blocks for i in range(blocks + 1)]
    if col2im is None:
        col2im = choose_col2im(geometry)
    channel_major = col2im != "channels-last"
    # per (group, channel block): the weight as (C_in_g, taps * channels), columns ordered
    # (tap, channel), for the channels-last col2im (it reads the channels of one tap
    # contiguously); or channel-major as (channels * taps, C_in_g), so that each (channel, tap)
    # row of the product is a contiguous run of input positions
    weights = {}
    for g in range(groups):
        w_g = w[g * c_in_g:(g + 1) * c_in_g].reshape(c_in_g, c_out_g, taps)
        for j in range(blocks):
            part = w_g[:, edges[j]:edges[j + 1]]
            if channel_major:
                weights[g, j] = np.ascontiguousarray(part.transpose(1, 2, 0)).reshape(-1, c_in_g)
            else:
                weights[g, j] = np.ascontiguousarray(part.transpose(0, 2, 1)).reshape(c_in_g, -1)

    def task(job: tuple[int, int, int]) -> None:
        n0, g, j = job
        nb = min(samples, batch - n0)
        c0, c1 = g * c_out_g + edges[j], g * c_out_g + edges[j + 1]
        x_g = x_flat[n0:n0 + nb, g * c_in_g:(g + 1) * c_in_g]
        out_t = out3[n0:n0 + nb, c0:c1]
        w_t = weights[g, j]
        buffer = np.empty(nb * min(length, spatial) * w_t.size // c_in_g, dtype=x.dtype)
        for start in range(0, spatial, length):
            stop = min(spatial, start + length)
            positions = stop - start
            # the chunk (a later chunk adds to out; its first input row) and the geometry
            where = (start > 0, start // width, depth, height, width, *g3.stride, *g3.padding)
            cols = buffer[:nb * positions * w_t.size // c_in_g]
            with np.errstate(all="ignore"):  # inf/nan inputs propagate as in the other kernels
                if channel_major:
                    # (channels * taps, C_in_g) @ (C_in_g, positions): a window of x's rows
                    np.matmul(w_t, x_g[:, :, start:stop], out=cols.reshape(nb, -1, positions))
                else:
                    # (positions, C_in_g) @ (C_in_g, taps * channels): x read transposed
                    np.matmul(x_g[:, :, start:stop].transpose(0, 2, 1), w_t,
                              out=cols.reshape(nb, positions, -1))
            if col2im == "interleave":
                _interleave(cols.reshape(nb, c1 - c0, taps, positions), out_t, bias[c0:c1],
                            *where, kd, kh, kw)
            elif col2im == "rows":
                _col2im_rows(cols.reshape(nb, c1 - c0, taps, positions), out_t, bias[c0:c1],
                             *where, *g3.dilation, kd, kh, kw)
            else:
                _col2im(cols.reshape(nb, positions, taps, c1 - c0), out_t, bias[c0:c1],
                        *where, *g3.dilation, kd, kh, kw, block)

    run_tasks(task, [(n0, g, j) for n0 in range(0, batch, samples) for g in range(groups)
                     for j in range(blocks)])
    return out
