"""A direct, vectorized transposed-convolution kernel for few channels per group.

Each output row (one sample, one output channel, one ``(od, oh)`` position) is computed by one
thread: it sums, for every input channel of its group and every kernel tap that reaches it, a
scaled input row. Along the last axis the stride is handled by *phases* (the sub-pixel
decomposition): output column ``ow = r + s*m`` of phase ``r`` receives input column ``k`` through
tap ``c`` exactly when ``c*d - p = r + s*(m - k)``, so for a fixed tap every phase is a unit-stride,
shifted copy of the input row. The kernel accumulates into a small ``(s, ceil(oW/s))`` buffer
whose inner loop LLVM vectorizes, then interleaves the phases back into the output row once.

Summation order per output element is fixed (bias, then input channel, then taps ``a, b, c`` in
order), so results are identical from run to run and do not depend on the number of threads.

Arrays are viewed as 3-D as in :mod:`tconv.kernels.cpu`: ``x`` ``(N, C_in, D, H, W)``, ``w``
``(C_in, C_out/groups, kD, kH, kW)``, ``out`` ``(N, C_out, oD, oH, oW)`` holding the bias.
This kernel wins for single-channel images and depthwise layers, where a GEMM would have a
reduction of length one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import get_num_threads, njit, prange


if TYPE_CHECKING:
    from ..geometry import ConvGeometry

__all__ = ["conv_transpose_direct", "small_call", "direct_work", "use_planes", "SERIAL_WORK_LIMIT",
           "PLANE_MAX_WIDTH"]

#: Below this many multiply-adds (plus output elements), the serial kernel runs: starting the
#: thread pool of a parallel Numba kernel costs more than such a problem takes.
SERIAL_WORK_LIMIT = 200_000

#: The plane kernel runs for output rows at most this long (longer rows: the row kernel).
PLANE_MAX_WIDTH = 256


@njit(cache=True, boundscheck=False, error_model="numpy")
def _tap_table(out_size, in_size, stride, pad, dilation, taps):  # pragma: no cover - jitted
    """``table[o, t]``: the input index that reaches output ``o`` through tap ``t``, or -1."""
    table = np.full((out_size, taps), -1, dtype=np.int64)
    for t in range(taps):
        for i in range(in_size):
            o = i * stride - pad + t * dilation
            if 0 <= o < out_size:
                table[o, t] = i
    return table


@njit(cache=True, boundscheck=False, error_model="numpy")
def _column_table(out_size, in_size, stride, pad, dilation, taps):  # pragma: no cover - jitted
    """Per tap ``c`` of the last axis: phase ``r``, shift ``q`` and input columns ``k0 .. k1-1``.

    Input column ``k`` reaches output column ``r + stride * (k + q)`` through tap ``c``.
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


@njit(cache=True, boundscheck=False, error_model="numpy")
def _rows(x, w, bias, out, rows_d, rows_h, cols, groups, r0, r1, buf):  # pragma: no cover
    """Write output rows ``r0 .. r1-1`` (flattened over ``n, co, od, oh``), using ``buf``."""
    c_in = x.shape[1]
    c_out_group, kd, kh, kw = w.shape[1], w.shape[2], w.shape[3], w.shape[4]
    c_out, od_size, oh_size, ow_size = out.shape[1], out.shape[2], out.shape[3], out.shape[4]
    c_in_group = c_in // groups
    sw = buf.shape[0]
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
        # phase r of the buffer holds output columns r, r + sw, r + 2 sw, ...
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
            for r in range(sw):
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
def _tables(x_shape, w_shape, out_shape, sd, sh, sw, pd, ph, pw, dd, dh, dw):  # pragma: no cover
    """The three tap tables of :func:`_rows` for these shapes."""
    rows_d = _tap_table(out_shape[2], x_shape[2], sd, pd, dd, w_shape[2])
    rows_h = _tap_table(out_shape[3], x_shape[3], sh, ph, dh, w_shape[3])
    cols = _column_table(out_shape[4], x_shape[4], sw, pw, dw, w_shape[4])
    return rows_d, rows_h, cols


@njit(cache=True, boundscheck=False, error_model="numpy")
def _serial(x, w, bias, out, rows_d, rows_h, cols, sw, groups):  # pragma: no cover - jitted
    rows = out.shape[0] * out.shape[1] * out.shape[2] * out.shape[3]
    buf = np.empty((sw, (out.shape[4] + sw - 1) // sw), dtype=out.dtype)
    _rows(x, w, bias, out, rows_d, rows_h, cols, groups, 0, rows, buf)


@njit(parallel=True, cache=True, boundscheck=False, error_model="numpy")
def _parallel(x, w, bias, out, rows_d, rows_h, cols, sw, groups,
              blocks):  # pragma: no cover - jitted
    rows = out.shape[0] * out.shape[1] * out.shape[2] * out.shape[3]
    for block in prange(blocks):
        r0 = block * rows // blocks
        r1 = (block + 1) * rows // blocks
        buf = np.empty((sw, (out.shape[4] + sw - 1) // sw), dtype=out.dtype)
        _rows(x, w, bias, out, rows_d, rows_h, cols, groups, r0, r1, buf)


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


@njit(cache=True, boundscheck=False, error_model="numpy")
def _plane(x, w, bias, out, sh, sw, ph, pw, dh, dw, groups, job):  # pragma: no cover - jitted
    """One (sample, output channel) plane of a 1-D or 2-D problem (depth 1): ``job = n*C_out + co``.

    Every phase ``(rh, rw)`` of the output plane is a buffer of rows ``wb`` long; the input
    plane is copied into rows of the same length (zeros beyond its width), so that a tap, a
    shift by whole rows and columns, is ONE unit-stride loop over the whole plane. Zeros that
    spill past a row end add nothing. The phases are interleaved into the output at the end.
    """
    c_in, height, width = x.shape[1], x.shape[3], x.shape[4]
    c_out_group, kh, kw = w.shape[1], w.shape[3], w.shape[4]
    c_out, oh_size, ow_size = out.shape[1], out.shape[3], out.shape[4]
    c_in_group = c_in // groups
    taps_h, base_h, hb = _axis_phases(oh_size, height, sh, ph, dh, kh)
    taps_w, base_w, wb = _axis_phases(ow_size, width, sw, pw, dw, kw)
    length = height * wb
    n = job // c_out
    co = job % c_out
    g = co // c_out_group
    co_local = co - g * c_out_group
    phases = np.zeros((sh, sw, (hb + 1) * wb), dtype=out.dtype)
    padded = np.zeros(length, dtype=out.dtype)
    for ci in range(g * c_in_group, (g + 1) * c_in_group):
        for j in range(height):
            x_row = x[n, ci, 0, j]
            for k in range(width):
                padded[j * wb + k] = x_row[k]
        for b in range(kh):
            rh = taps_h[b, 0]
            row_offset = (taps_h[b, 1] - base_h) * wb
            for c in range(kw):
                offset = row_offset + taps_w[c, 1] - base_w
                value = w[ci, co_local, 0, b, c]
                dst = phases[rh, taps_w[c, 0], offset:offset + length]
                for t in range(length):
                    dst[t] += value * padded[t]
    start_value = bias[co]
    for oh in range(oh_size):
        rh = oh % sh
        row = (oh // sh - base_h) * wb - base_w
        out_row = out[n, co, 0, oh]
        if sw == 2:  # interleave two phases in one loop (vectorizable)
            even = phases[rh, 0, row:row + wb]
            odd = phases[rh, 1, row:row + wb]
            for m in range(ow_size // 2):
                out_row[2 * m] = start_value + even[m]
                out_row[2 * m + 1] = start_value + odd[m]
            if ow_size % 2:
                out_row[ow_size - 1] = start_value + even[ow_size // 2]
            continue
        for rw in range(sw):
            src = phases[rh, rw, row:row + wb]
            for m in range((ow_size - rw + sw - 1) // sw):
                out_row[rw + sw * m] = start_value + src[m]


@njit(parallel=True, cache=True, boundscheck=False, error_model="numpy")
def _planes(x, w, bias, out, sh, sw, ph, pw, dh, dw, groups):  # pragma: no cover - jitted
    """Every plane (see :func:`_plane`), one job per (sample, output channel), in parallel."""
    for job in prange(x.shape[0] * out.shape[1]):
        _plane(x, w, bias, out, sh, sw, ph, pw, dh, dw, groups, job)


@njit(cache=True, boundscheck=False, error_model="numpy")
def _planes_serial(x, w, bias, out, sh, sw, ph, pw, dh, dw, groups):  # pragma: no cover
    """Every plane (see :func:`_plane`), one after the other: no thread pool to start."""
    for job in range(x.shape[0] * out.shape[1]):
        _plane(x, w, bias, out, sh, sw, ph, pw, dh, dw, groups, job)


def direct_work(geometry: ConvGeometry, batch: int) -> int:
    """Multiply-adds of the transposed convolution plus its output elements (a cost estimate).

    Examples
    --------
    >>> from tconv import ConvGeometry
    >>> direct_work(ConvGeometry.for_conv_transpose((1, 1, 3, 3), (1, 2, 2)), 1)   # 36 + 16
    52
    """
    macs = batch * geometry.in_channels * math.prod(geometry.input_shape) * (
        geometry.out_channels // geometry.groups) * math.prod(geometry.kernel_size)
    return macs + batch * geometry.output_numel


# Launch parameters per geometry, keyed by id() with the geometry kept alive beside them (so an
# id is never reused while cached): a small call then costs a dictionary look-up, not a rebuild.
_PARAMS: dict = {}
_ZEROS: dict = {}


def _params(geometry: ConvGeometry) -> tuple:
    entry = _PARAMS.get(id(geometry))
    if entry is not None and entry[0] is geometry:
        return entry[1]
    ndim = geometry.ndim
    fill = 3 - ndim
    shape3 = (1,) * fill
    k = geometry.kernel_size
    tables = _tables((1, 1) + shape3 + geometry.input_shape, (1, 1) + shape3 + k,
                     (1, 1) + shape3 + geometry.output_shape,
                     *((1,) * fill + geometry.stride), *((0,) * fill + geometry.padding),
                     *((1,) * fill + geometry.dilation))
    scalars = tables + (geometry.stride[-1], geometry.groups)
    plane_scalars = (((1,) + geometry.stride)[-2:] + ((0,) + geometry.padding)[-2:]
                     + ((1,) + geometry.dilation)[-2:] + (geometry.groups,))
    params = (scalars, plane_scalars, shape3, direct_work(geometry, 1), geometry.out_channels)
    if len(_PARAMS) >= 256:
        _PARAMS.clear()
    _PARAMS[id(geometry)] = (geometry, params)
    return params


def _zeros(channels: int, dtype: np.dtype) -> np.ndarray:
    key = (channels, dtype.char)
    zeros = _ZEROS.get(key)
    if zeros is None:
        if len(_ZEROS) >= 64:
            _ZEROS.clear()
        zeros = _ZEROS[key] = np.zeros(channels, dtype=dtype)
        zeros.flags.writeable = False
    return zeros


def use_planes(geometry: ConvGeometry, batch: int, threads: int) -> bool:
    """Whether the plane kernel runs: 1-D or 2-D, short output rows (at most
    :data:`PLANE_MAX_WIDTH`), and either at least two planes per thread to share out or a
    problem small enough for the serial kernel (below :data:`SERIAL_WORK_LIMIT`).

    Examples
    --------
    >>> from tconv import ConvGeometry
    >>> depthwise = ConvGeometry.for_conv_transpose((64, 1, 4, 4), (64, 32, 32), 2, 1, groups=64)
    >>> use_planes(depthwise, 8, 2), use_planes(depthwise, 1, 64)
    (True, False)
    >>> use_planes(ConvGeometry.for_conv_transpose((1, 1, 3, 3), (1, 64, 64), 2, 1), 1, 64)
    True
    """
    if geometry.ndim > 2 or geometry.output_shape[-1] > PLANE_MAX_WIDTH:
        return False
    return (batch * geometry.out_channels >= 2 * threads
            or direct_work(geometry, batch) < SERIAL_WORK_LIMIT)


def conv_transpose_direct(geometry: ConvGeometry, x: np.ndarray, w: np.ndarray, out: np.ndarray,
                          bias: np.ndarray | None = None, parallel: bool | None = None,
                          planes: bool | None = None) -> None:
    """Write the transposed convolution of ``x``, plus ``bias``, into ``out``.

    Unlike the other kernels this one overwrites ``out`` (which may be uninitialized): every
    output row is written exactly once.

    Parameters
    ----------
    geometry : ConvGeometry
        The operator (``geometry.transposed`` is True).
    x, w, out : numpy.ndarray
        C-contiguous arrays of one float dtype: input ``(N, C_in, *spatial)``, weight
        ``(C_in, C_out/groups, *kernel)``, output ``(N, C_out, *spatial_out)``.
    bias : numpy.ndarray, optional
        ``(C_out,)`` of the same dtype; zeros when omitted.
    parallel : bool, optional
        Force the serial (False) or parallel (True) row kernel; by default the serial one runs
        when the work is below :data:`SERIAL_WORK_LIMIT`. Both give identical results.
    planes : bool, optional
        Force the plane kernel (True; 1-D and 2-D only) or the row kernel (False); by default
        :func:`use_planes` decides. The plane kernel adds the bias last, so its results may
        differ from the row kernel's in the last bit.

    Examples
    --------
    >>> import numpy as np
    >>> from tconv import ConvGeometry
    >>> g = ConvGeometry.for_conv_transpose((1, 1, 3), (1, 2), stride=2)
    >>> out = np.empty((1, 1, 5))
    >>> conv_transpose_direct(g, np.array([[[1.0, 10.0]]]), np.array([[[1.0, 2.0, 3.0]]]), out)
    >>> out
    array([[[ 1.,  2., 13., 20., 30.]]])
    """
    scalars, plane_scalars, fill, work, channels = _params(geometry)
    batch = x.shape[0]
    if batch == 0:
        return
    if bias is None:
        bias = _zeros(channels, out.dtype)
    if fill:  # view 1-D and 2-D problems as 3-D ones
        x = x.reshape(x.shape[:2] + fill + x.shape[2:])
        w = w.reshape(w.shape[:2] + fill + w.shape[2:])
        out = out.reshape(out.shape[:2] + fill + out.shape[2:])
    if planes is None:
        planes = use_planes(geometry, batch, get_num_threads())
    if parallel is None:
        parallel = work * batch >= SERIAL_WORK_LIMIT
    if planes:
        if geometry.ndim == 3:
            raise ValueError("the plane kernel computes 1-D and 2-D transposed convolutions, "
                             f"got a {geometry.ndim}-D one")
        (_planes if parallel else _planes_serial)(x, w, bias, out, *plane_scalars)
        return
    if not parallel:
        _serial(x, w, bias, out, *scalars)
        return
    rows = out.shape[0] * out.shape[1] * out.shape[2] * out.shape[3]
    blocks = max(1, min(rows, 8 * get_num_threads()))
    _parallel(x, w, bias, out, *scalars, blocks)


@njit(cache=True, boundscheck=False, error_model="numpy")
def _small(x, w, bias, rows_d, rows_h, cols, params):  # pragma: no cover - jitted
    """Allocate the output and run the serial plane or row kernel, on 3-D views of 1-, 2- and
    3-D problems alike.

    ``params`` holds ``planes, sw, groups, s_h, s_w, p_h, p_w, d_h, d_w, C_out, oD, oH, oW``.
    """
    channels, od, oh, ow = params[9], params[10], params[11], params[12]
    out = np.empty((x.shape[0], channels, od, oh, ow), dtype=x.dtype)
    if params[0]:
        _planes_serial(x, w, bias, out, params[3], params[4], params[5], params[6], params[7],
                       params[8], params[2])
    else:
        _serial(x, w, bias, out, rows_d, rows_h, cols, params[1], params[2])
    return out


def small_call(geometry: ConvGeometry, batch: int, dtype: np.dtype):
    """A function ``(x, w) -> out`` for the serial kernel with everything but the arrays ready.

    For small problems, where preparing a call costs more than computing it. ``x`` and ``w``
    must be C-contiguous, writeable arrays of ``dtype`` with the shapes of ``geometry`` (``x``
    with ``batch`` samples, or one unbatched sample); there is no bias. The result is the
    output of :func:`conv_transpose_direct`, batched.

    Examples
    --------
    >>> import numpy as np
    >>> from tconv import ConvGeometry
    >>> call = small_call(ConvGeometry.for_conv_transpose((1, 1, 3), (1, 2), 2), 1,
    ...                   np.dtype(np.float64))
    >>> call(np.array([[[1.0, 10.0]]]), np.array([[[1.0, 2.0, 3.0]]]))
    array([[[ 1.,  2., 13., 20., 30.]]])
    """
    scalars, plane_scalars, fill, _, channels = _params(geometry)
    rows_d, rows_h, cols, sw, groups = scalars
    x_shape = (batch, geometry.in_channels) + fill + geometry.input_shape
    w_shape = (geometry.in_channels, channels // groups) + fill + geometry.kernel_size
    out_shape = (batch, channels) + geometry.output_shape
    planes = use_planes(geometry, batch, get_num_threads())  # as conv_transpose_direct decides
    params = np.array((planes, sw, groups) + plane_scalars[:-1] + (channels,) + fill
                      + geometry.output_shape, dtype=np.int64)
    bias = _zeros(channels, dtype)

    def call(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        out = _small(x.reshape(x_shape), w.reshape(w_shape), bias, rows_d, rows_h, cols, params)
        return out.reshape(out_shape)

    return call
