"""A direct, vectorized transposed-convolution kernel for few channels per group.

Each output row (one sample, one output channel, one ``(od, oh)`` position) sums, for every
input channel of its group and every kernel tap that reaches it, a scaled input row. Along the
last axis the stride is handled by *phases* (the sub-pixel decomposition): output column
``ow = r + s*m`` of phase ``r`` receives input column ``k`` through tap ``c`` exactly when
``c*d - p = r + s*(m - k)``, so for a fixed tap every phase is a unit-stride, shifted copy of
the input row. The kernel accumulates into a small ``(s, ceil(oW/s))`` buffer whose inner loop
LLVM vectorizes, then interleaves the phases back into the output row once. Only phases that
hold an output column exist (at most ``oW``), so buffers stay within the output's size
whatever the stride.

For short rows (1-D and 2-D problems, :func:`use_planes`), the *plane* kernel does the same for
a whole (sample, channel) plane at once: each tap is then one long unit-stride loop over the
plane.

Summation order per output element is fixed (bias, then input channel, then taps ``a, b, c`` in
order), so results are identical from run to run and do not depend on the number of threads.

Arrays are viewed as 3-D (:attr:`tconv.geometry.ConvGeometry.in_3d`): ``x`` ``(N, C_in, D, H, W)``, ``w``
``(C_in, C_out/groups, kD, kH, kW)``, ``out`` ``(N, C_out, oD, oH, oW)``. This kernel wins for
single-channel images and depthwise layers, where a GEMM would have a reduction of length one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import get_num_threads, njit

from .taps import column_table, tap_table
from .workers import run_tasks, split

if TYPE_CHECKING:
    from ..geometry import ConvGeometry

__all__ = ["conv_transpose_direct", "use_planes", "SERIAL_WORK_LIMIT", "PLANE_MAX_WIDTH"]

#: Below this many multiply-adds (plus output elements), one thread does all the work:
#: handing shares to other threads costs more than such a problem takes.
SERIAL_WORK_LIMIT = 200_000

#: The plane kernel runs for output rows at most this long (longer rows: the row kernel).
PLANE_MAX_WIDTH = 256


@njit(nogil=True, cache=True, boundscheck=False, error_model="numpy")
def _rows(x, w, bias, out, rows_d, rows_h, cols, sw, groups, r0, r1):  # pragma: no cover
    """Write output rows ``r0 .. r1-1`` (flattened over ``n, co, od, oh``)."""
    c_in = x.shape[1]
    c_out_group, kd, kh, kw = w.shape[1], w.shape[2], w.shape[3], w.shape[4]
    c_out, od_size, oh_size, ow_size = out.shape[1], out.shape[2], out.shape[3], out.shape[4]
    c_in_group = c_in // groups
    # phase r of the buffer holds output columns r, r + sw, r + 2 sw, ...
    buf = np.empty((min(sw, ow_size), (ow_size + sw - 1) // sw), dtype=out.dtype)
    # position of row r0; then counters carried forward (no divisions per row)
    oh = r0 % oh_size
    rest = r0 // oh_size
    od = rest % od_size
    rest = rest // od_size
    co = rest % c_out
    n = rest // c_out
    g = co // c_out_group
    co_local = co - g * c_out_group
    for _ in range(r0, r1):
        out_row = out[n, co, od, oh]
        acc = out_row if sw == 1 else buf.ravel()
        acc[:] = bias[co]
        for ci in range(g * c_in_group, (g + 1) * c_in_group):
            for a in range(kd):
                i = rows_d[od, a]
                if i < 0:
                    continue
                for b in range(kh):
                    j = rows_h[oh, b]
                    if j < 0:
                        continue
                    x_row = x[n, ci, i, j]
                    for c in range(kw):
                        r, q, k0, k1 = cols[c, 0], cols[c, 1], cols[c, 2], cols[c, 3]
                        if k1 <= k0:  # this tap reaches no column of the output
                            continue
                        value = w[ci, co_local, a, b, c]
                        dst = buf[r, k0 + q:k1 + q] if sw > 1 else out_row[k0 + q:k1 + q]
                        src = x_row[k0:k1]
                        for k in range(k1 - k0):  # unit stride on both sides: vectorized
                            dst[k] += value * src[k]
        if sw == 2:
            for m in range(ow_size // 2):
                out_row[2 * m] = buf[0, m]
                out_row[2 * m + 1] = buf[1, m]
            if ow_size % 2:
                out_row[ow_size - 1] = buf[0, ow_size // 2]
        elif sw > 2:
            for r in range(buf.shape[0]):
                for m in range((ow_size - r + sw - 1) // sw):
                    out_row[r + sw * m] = buf[r, m]
        oh += 1  # next row: carry into od, co (and its group), n
        if oh == oh_size:
            oh = 0
            od += 1
            if od == od_size:
                od = 0
                co += 1
                co_local += 1
                if co_local == c_out_group:
                    co_local = 0
                    g += 1
                if co == c_out:
                    co = 0
                    g = 0
                    n += 1


@njit(cache=True, boundscheck=False, error_model="numpy")
def _axis_phases(out_size, in_size, stride, pad, dilation, taps):  # pragma: no cover - jitted
    """Phase ``r`` and shift ``q`` of every tap along one axis (input ``i`` reaches output
    ``r + stride * (i + q)``), the smallest stored index ``base`` and the buffer's extent."""
    table = np.empty((taps, 2), dtype=np.int64)
    q_min = q_max = 0
    for t in range(taps):
        shift = t * dilation - pad
        r = shift % stride
        q = (shift - r) // stride
        table[t, 0] = r
        table[t, 1] = q
        if t == 0 or q < q_min:
            q_min = q
        if t == 0 or q > q_max:
            q_max = q
    base = min(q_min, 0)
    extent = max((out_size + stride - 1) // stride, in_size + q_max) - base
    return table, base, extent


@njit(nogil=True, cache=True, boundscheck=False, error_model="numpy")
def _plane(x, w, bias, out, sh, sw, ph, pw, dh, dw, groups, job):  # pragma: no cover - jitted
    """One (sample, output channel) plane of a 2-D problem (a 1-D one has height 1), on 4-D
    arrays ``x`` ``(N, C_in, H, W)``, ``w`` ``(C_in, C_out/groups, kH, kW)`` and ``out``
    ``(N, C_out, oH, oW)``: ``job = n*C_out + co``.

    Every phase ``(rh, rw)`` of the output plane is a buffer of rows ``wb`` long; the input
    plane is copied into rows of the same length (zeros beyond its width), so that a tap, a
    shift by whole rows and columns, is ONE unit-stride loop over the whole plane. Zeros that
    spill past a row end add nothing, except for a weight that is not finite (``0 * inf`` is
    NaN): such a tap adds the input's own columns only. The phases are interleaved into the
    output at the end.
    """
    c_in, height, width = x.shape[1], x.shape[2], x.shape[3]
    c_out_group, kh, kw = w.shape[1], w.shape[2], w.shape[3]
    c_out, oh_size, ow_size = out.shape[1], out.shape[2], out.shape[3]
    c_in_group = c_in // groups
    taps_h, base_h, hb = _axis_phases(oh_size, height, sh, ph, dh, kh)
    taps_w, base_w, wb = _axis_phases(ow_size, width, sw, pw, dw, kw)
    length = height * wb
    n = job // c_out
    co = job % c_out
    g = co // c_out_group
    co_local = co - g * c_out_group
    # only the phases that hold an output row or column
    phases = np.zeros((min(sh, oh_size), min(sw, ow_size), (hb + 1) * wb), dtype=out.dtype)
    padded = np.zeros(length, dtype=out.dtype)
    for ci in range(g * c_in_group, (g + 1) * c_in_group):
        for j in range(height):
            x_row = x[n, ci, j]
            for k in range(width):
                padded[j * wb + k] = x_row[k]
        for b in range(kh):
            rh = taps_h[b, 0]
            if rh >= oh_size:
                continue
            row_offset = (taps_h[b, 1] - base_h) * wb
            for c in range(kw):
                rw = taps_w[c, 0]
                if rw >= ow_size:
                    continue
                offset = row_offset + taps_w[c, 1] - base_w
                value = w[ci, co_local, b, c]
                dst = phases[rh, rw, offset:offset + length]
                if math.isfinite(value):
                    for t in range(length):
                        dst[t] += value * padded[t]
                else:
                    for j in range(height):
                        for k in range(j * wb, j * wb + width):
                            dst[k] += value * padded[k]
    start_value = bias[co]
    for oh in range(oh_size):
        rh = oh % sh
        row = (oh // sh - base_h) * wb - base_w
        out_row = out[n, co, oh]
        if sw == 2 and ow_size >= 2:  # interleave two phases in one loop (vectorizable)
            even = phases[rh, 0, row:row + wb]
            odd = phases[rh, 1, row:row + wb]
            for m in range(ow_size // 2):
                out_row[2 * m] = start_value + even[m]
                out_row[2 * m + 1] = start_value + odd[m]
            if ow_size % 2:
                out_row[ow_size - 1] = start_value + even[ow_size // 2]
            continue
        for rw in range(phases.shape[1]):
            src = phases[rh, rw, row:row + wb]
            for m in range((ow_size - rw + sw - 1) // sw):
                out_row[rw + sw * m] = start_value + src[m]


@njit(nogil=True, cache=True, boundscheck=False, error_model="numpy")
def _planes(x, w, bias, out, sh, sw, ph, pw, dh, dw, groups, j0, j1):  # pragma: no cover
    """Planes ``j0 .. j1-1`` (see :func:`_plane`)."""
    for job in range(j0, j1):
        _plane(x, w, bias, out, sh, sw, ph, pw, dh, dw, groups, job)


def use_planes(geometry: ConvGeometry, batch: int, threads: int, work: int | None = None
               ) -> bool:
    """Whether the plane kernel runs: 1-D or 2-D, short output rows (at most
    :data:`PLANE_MAX_WIDTH`), phase buffers within a few times the planes' size, and either at
    least two planes per thread to share out or a problem small enough for one thread (below
    :data:`SERIAL_WORK_LIMIT`). ``work`` is the problem's multiply-adds plus output elements,
    if the caller has it.

    Examples
    --------
    >>> from tconv import ConvGeometry
    >>> depthwise = ConvGeometry.for_conv_transpose(
    ...     (64, 1, 4, 4), (64, 32, 32), 2, 1, groups=64
    ... )
    >>> use_planes(depthwise, 8, 2), use_planes(depthwise, 1, 64)
    (True, False)
    >>> use_planes(
    ...     ConvGeometry.for_conv_transpose((1, 1, 3, 3), (1, 64, 64), 2, 1),
    ...     1,
    ...     64,
    ... )
    True
    """
    if geometry.ndim > 2 or geometry.output_shape[-1] > PLANE_MAX_WIDTH:
        return False
    # Phase buffers hold about min(s, o) * (o / s + 2 i) elements per axis: keep them near the
    # input and output's sizes (strides and dilations far beyond both take the row kernel).
    for i, s, o in zip(geometry.input_shape, geometry.stride, geometry.output_shape):
        if s > 1 and i * min(s, o) > 4 * (i + o):
            return False
    if batch * geometry.out_channels >= 2 * threads:
        return True
    if work is None:
        work = batch * (geometry.macs + geometry.output_numel)
    return work < SERIAL_WORK_LIMIT


def conv_transpose_direct(geometry: ConvGeometry, x: np.ndarray, w: np.ndarray,
                          bias: np.ndarray | None = None, *, parallel: bool | None = None,
                          planes: bool | None = None) -> np.ndarray:
    """The transposed convolution of ``x``, plus ``bias``: a new output array.

    Parameters
    ----------
    geometry : ConvGeometry
        The operator (``geometry.transposed`` is True).
    x, w : numpy.ndarray
        C-contiguous, aligned arrays of one native float dtype: input ``(N, C_in, *spatial)``,
        weight ``(C_in, C_out/groups, *kernel)``.
    bias : numpy.ndarray, optional
        ``(C_out,)`` of the same dtype; zeros when omitted.
    parallel : bool, optional
        Share the rows (or planes) among ``numba.get_num_threads()`` threads (True) or compute
        them in the calling thread (False); by default, threads are used when the work is at
        least :data:`SERIAL_WORK_LIMIT`. Both give identical results.
    planes : bool, optional
        Force the plane kernel (True; 1-D and 2-D only) or the row kernel (False); by default
        :func:`use_planes` decides. The plane kernel adds the bias last, so its results may
        differ from the row kernel's in the last bit.

    Returns
    -------
    numpy.ndarray
        ``(N, C_out, *geometry.output_shape)``.

    Examples
    --------
    >>> import numpy as np
    >>> from tconv import ConvGeometry
    >>> g = ConvGeometry.for_conv_transpose((1, 1, 3), (1, 2), stride=2)
    >>> conv_transpose_direct(
    ...     g, np.array([[[1.0, 10.0]]]), np.array([[[1.0, 2.0, 3.0]]])
    ... )
    array([[[ 1.,  2., 13., 20., 30.]]])
    """
    batch = x.shape[0]
    work = batch * (geometry.macs + geometry.output_numel)
    serial = work < SERIAL_WORK_LIMIT if parallel is None else not parallel
    # the thread count matters only to a problem that is shared among threads
    threads = 1 if serial else get_num_threads()
    if planes is None:
        planes = use_planes(geometry, batch, threads, work)
    elif planes and geometry.ndim == 3:
        raise ValueError("the plane kernel computes 1-D and 2-D transposed convolutions, "
                         f"got a {geometry.ndim}-D one")
    workers = 1 if serial else threads
    out = np.empty((batch, geometry.out_channels) + geometry.output_shape, dtype=x.dtype)
    if out.size == 0:
        return out
    if bias is None:
        bias = np.zeros(geometry.out_channels, dtype=x.dtype)
    groups = geometry.groups
    if planes:  # on 4-D arrays: a 1-D problem has height 1
        if geometry.ndim == 1:
            x, w, out4 = (a.reshape(a.shape[:2] + (1,) + a.shape[2:]) for a in (x, w, out))
        else:
            out4 = out
        g3 = geometry.in_3d
        (_, sh, sw), (_, ph, pw), (_, dh, dw) = g3.stride, g3.padding, g3.dilation
        jobs = batch * geometry.out_channels
        if workers == 1:  # no threads to hand shares to
            _planes(x, w, bias, out4, sh, sw, ph, pw, dh, dw, groups, 0, jobs)
        else:
            run_tasks(lambda block: _planes(x, w, bias, out4, sh, sw, ph, pw, dh, dw,
                                            groups, *block), split(jobs, workers), workers)
        return out
    g3 = geometry.in_3d
    x3 = x.reshape(x.shape[:2] + g3.input_shape)
    w3 = w.reshape(w.shape[:2] + g3.kernel_size)
    out3 = out.reshape(out.shape[:2] + g3.output_shape)
    rows_d, rows_h = (tap_table(g3.output_shape[a], g3.input_shape[a], g3.stride[a],
                                 g3.padding[a], g3.dilation[a], g3.kernel_size[a])
                      for a in (0, 1))
    sw, pw, dw = g3.stride[2], g3.padding[2], g3.dilation[2]
    cols = column_table(g3.output_shape[2], g3.input_shape[2], sw, pw, dw, g3.kernel_size[2])
    rows = math.prod(out3.shape[:4])
    if workers == 1:
        _rows(x3, w3, bias, out3, rows_d, rows_h, cols, sw, groups, 0, rows)
    else:
        run_tasks(lambda block: _rows(x3, w3, bias, out3, rows_d, rows_h, cols, sw, groups,
                                      *block), split(rows, workers), workers)
    return out
