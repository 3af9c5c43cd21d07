"""Convolution and weight gradients as im2col + GEMM: one matrix product does the multiply-adds.

Every operator of tconv relates two grids (:class:`~tconv.ConvGeometry`): the *small* one (the
convolution's output, the transposed convolution's input) and the *large* one (the
convolution's input, the transposed convolution's output), with small position ``m`` reading
large position ``m * stride - padding + tap * dilation`` through each kernel tap. The weight is
``(C_small, C_large/groups, *k)`` in both cases. *im2col* copies, for one sample and one group,
the large-grid values every small position reads into a matrix

.. math::  \\text{cols}[(c, t), m] = \\text{large}[c, m \\cdot s - p + t \\cdot d]
           \\qquad (C_{large,g} \\prod k) \\times \\prod \\text{small},

zero where the position falls in the padding. Its rows follow the weight's ``(channel, tap)``
order, so two matrix products give two operators:

- the **convolution** (and so the input gradient of a transposed convolution):
  ``small_g = W_g cols``, with ``W_g`` the group's weight as ``(C_small,g, C_large,g * taps)``
  (:func:`conv_gemm`);
- the **weight gradient** of either operator: ``dW_g = sum over samples of small_g cols^T``,
  where ``small`` is the convolution's output gradient or the transposed convolution's input,
  and ``large`` the convolution's input or the transposed convolution's output gradient
  (:func:`weight_gradient_gemm`).

A 1x1 kernel with stride 1 and no padding needs no copy: ``cols`` is the input itself.

The work is cut into chunks of whole small-grid planes (positions along its first axis: rows
in 2-D), all groups together (one batched product per chunk),
so that the column buffers of all threads together stay below ``buffer_bytes`` (by default the
output's size, at least :data:`MIN_BUFFER_BYTES` and one plane per chunk): beyond a few hundred
kilobytes, the memory a call adds is at most about twice its output (the columns, and one padded
copy of a sample per thread). Tasks run on :func:`~tconv.kernels.workers.run_tasks`'s threads, each with a
single-threaded BLAS. The convolution's tasks write disjoint outputs; the weight gradient's
threads each sum a fixed share of the (sample, chunk) products, and the shares are added in a
fixed order, so both are deterministic for a given number of threads.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import get_num_threads

from .workers import run_tasks, split

if TYPE_CHECKING:
    from ..geometry import ConvGeometry

__all__ = ["padded", "windows", "im2col", "chunk_planes", "workers_for", "SERIAL_MACS",
           "MIN_BUFFER_BYTES",
           "conv_gemm", "weight_gradient_gemm"]


def _is_plain_copy(geometry: ConvGeometry) -> bool:
    """Whether ``cols`` is the large grid itself: a 1x1 kernel, stride 1, no padding."""
    return all(k == 1 for k in geometry.kernel_size) and all(
        s == 1 for s in geometry.stride) and not any(geometry.padding) and \
        geometry.small_shape == geometry.large_shape


def padded(geometry: ConvGeometry, large: np.ndarray) -> np.ndarray:
    """``large`` ``(C, *large_shape)`` with its padding: the part of the padded grid that the
    windows read, ``(n - 1) * s + d * (k - 1) + 1`` along each axis, zeros outside ``large``.

    The array itself when that is exactly ``large`` (no padding, nothing left unread); a
    negative padding (in a trimmed geometry) drops elements instead of adding zeros.

    Examples
    --------
    >>> import numpy as np
    >>> from tconv import ConvGeometry
    >>> g = ConvGeometry.for_conv((1, 1, 3), (1, 3), padding=((1, 2),))
    >>> padded(g, np.array([[1.0, 2.0, 3.0]]))
    array([[0., 1., 2., 3., 0., 0.]])
    """
    reach = geometry.reach_shape
    if reach == geometry.large_shape and not any(geometry.padding):
        return large
    out = np.zeros(large.shape[:1] + reach, dtype=large.dtype)
    source, target = [slice(None)], [slice(None)]
    for size, begin, length in zip(geometry.large_shape, geometry.padding, reach):
        first, stop = max(0, -begin), min(size, length - begin)  # the large positions kept
        source.append(slice(first, max(first, stop)))
        target.append(slice(first + begin, max(first, stop) + begin))
    out[tuple(target)] = large[tuple(source)]
    return out


def windows(geometry: ConvGeometry, grid: np.ndarray) -> np.ndarray:
    """A view ``(C, *k, *small_shape)`` of a :func:`padded` grid: entry ``(c, t, m)`` is the
    value small position ``m`` reads through tap ``t``. Copying it is im2col.

    Examples
    --------
    >>> import numpy as np
    >>> from tconv import ConvGeometry
    >>> g = ConvGeometry.for_conv((1, 1, 2), (1, 5), stride=2)
    >>> windows(g, np.array([[1.0, 2.0, 3.0, 4.0, 5.0]]))
    array([[[1., 3.],
            [2., 4.]]])
    """
    n = geometry.ndim
    span = tuple(d * (k - 1) + 1 for k, d in zip(geometry.kernel_size, geometry.dilation))
    view = np.lib.stride_tricks.sliding_window_view(grid, span, axis=tuple(range(1, n + 1)))
    view = view[(slice(None),) + tuple(slice(None, None, s) for s in geometry.stride)
                + tuple(slice(None, None, d) for d in geometry.dilation)]
    return view.transpose((0,) + tuple(range(n + 1, 2 * n + 1)) + tuple(range(1, n + 1)))


def im2col(geometry: ConvGeometry, large: np.ndarray, planes: tuple[int, int] | None = None
           ) -> np.ndarray:
    """The columns of one sample and group: ``(C * prod(k), positions)`` (see the module).

    Parameters
    ----------
    geometry : ConvGeometry
        The operator; ``large`` is its large grid (the convolution's input).
    large : numpy.ndarray
        ``(C, *geometry.large_shape)``: the channels of one group of one sample.
    planes : (int, int), optional
        The small positions to cover, ``(start, stop)`` along the small grid's first axis; by
        default all of them.

    Examples
    --------
    >>> import numpy as np
    >>> from tconv import ConvGeometry
    >>> # windows of 2, zero at ends
    >>> g = ConvGeometry.for_conv((1, 1, 2), (1, 4), padding=1)
    >>> im2col(g, np.array([[1.0, 2.0, 3.0, 4.0]]))
    array([[0., 1., 2., 3., 4.],
           [1., 2., 3., 4., 0.]])
    """
    planes = (0, geometry.small_shape[0]) if planes is None else planes
    return _columns(geometry, windows(geometry, padded(geometry, large)), planes, None)


def _columns(geometry: ConvGeometry, view: np.ndarray, planes: tuple[int, int],
             buffer: np.ndarray | None) -> np.ndarray:
    """im2col of a :func:`windows` view for small planes ``planes``, into ``buffer`` (flat,
    large enough) or a new array."""
    view = view[(Ellipsis, slice(*planes)) + (slice(None),) * (geometry.ndim - 1)]
    size = math.prod(view.shape)
    out = np.empty(size, view.dtype) if buffer is None else buffer[:size]
    out.reshape(view.shape)[...] = view
    return out.reshape(math.prod(view.shape[:geometry.ndim + 1]), -1)


def chunk_planes(geometry: ConvGeometry, channels: int, buffer_bytes: int, itemsize: int,
                 workers: int) -> int:
    """Small-grid planes (positions along its first axis) per chunk: the most whose columns
    (``channels`` large channels of one group) fit in ``buffer_bytes / workers``, at least one.

    Examples
    --------
    >>> from tconv import ConvGeometry
    >>> # 10 rows of 10
    >>> g = ConvGeometry.for_conv((8, 4, 3, 3), (4, 10, 10), padding=1)
    >>> chunk_planes(g, 4, 10**9, 4, 2), chunk_planes(
    ...     g, 4, 2 * 36 * 10 * 4 * 3, 4, 2
    ... )
    (10, 3)
    """
    plane_bytes = channels * math.prod(geometry.kernel_size) * math.prod(
        geometry.small_shape[1:]) * itemsize
    return max(1, min(geometry.small_shape[0],
                      buffer_bytes // max(1, workers) // plane_bytes))


def _channels(geometry: ConvGeometry) -> tuple[int, int]:
    """``(C_small, C_large)``: the channels of the small and the large grid."""
    if geometry.transposed:
        return geometry.in_channels, geometry.out_channels
    return geometry.out_channels, geometry.in_channels


def workers_for(geometry: ConvGeometry, batch: int) -> int:
    """Threads worth waking for ``batch`` samples: one below :data:`SERIAL_MACS` multiply-adds
    (waking a thread costs more than such a call's work), else ``numba.get_num_threads()``.

    >>> from tconv import ConvGeometry
    >>> # the worked example
    >>> workers_for(ConvGeometry.for_conv((1, 1, 3, 3), (1, 4, 4)), 1)
    1
    """
    return 1 if geometry.macs * batch < SERIAL_MACS else get_num_threads()


#: Multiply-adds below which a call runs on the calling thread alone.
SERIAL_MACS = 2**18

#: The smallest default budget of the column buffers: below it, chunks would be so small that
#: their Python overhead (about 10 us each) outweighs their work.
MIN_BUFFER_BYTES = 2**18


def _budget(buffer_bytes: int | None, default: int) -> int:
    return max(default, MIN_BUFFER_BYTES) if buffer_bytes is None else buffer_bytes


class _Chunks:
    """How one call cuts its work: chunks of ``step`` small planes (all groups at once), their
    flat column buffer, and the ``(sample, chunk)`` pieces in order."""

    def __init__(self, geometry: ConvGeometry, batch: int, buffer_bytes: int, itemsize: int,
                 workers: int) -> None:
        self.geometry = geometry
        channels = _channels(geometry)[1]
        self.plain = _is_plain_copy(geometry)
        self.planes = geometry.small_shape[0]
        self.step = self.planes if self.plain else chunk_planes(
            geometry, channels, buffer_bytes, itemsize, workers)
        self.plane_size = math.prod(geometry.small_shape[1:])
        self.buffer_size = channels * math.prod(geometry.kernel_size) * self.step * \
            self.plane_size
        self.pieces = [(n, start) for n in range(batch)
                       for start in range(0, self.planes, self.step)]

    def positions(self, start: int) -> slice:
        """The flat small positions of the chunk that starts at plane ``start``."""
        stop = min(self.planes, start + self.step)
        return slice(start * self.plane_size, stop * self.plane_size)

    def grid(self, large: np.ndarray) -> np.ndarray:
        """One sample's large grid, padded, as its :func:`windows` (itself for a plain copy)."""
        return large if self.plain else windows(self.geometry, padded(self.geometry, large))

    def columns(self, grid: np.ndarray, start: int, buffer: np.ndarray | None) -> np.ndarray:
        """The chunk's columns from :meth:`grid`, ``(groups, C_large/groups * taps,
        positions)``."""
        if self.plain:
            cols = grid.reshape(grid.shape[0], -1)
        else:
            cols = _columns(self.geometry, grid, (start, min(self.planes, start + self.step)),
                            buffer)
        return cols.reshape(self.geometry.groups, -1, cols.shape[-1])

    def shares(self, workers: int) -> list[list[tuple[int, int]]]:
        """The pieces cut into at most ``workers`` contiguous runs."""
        return [self.pieces[a:b] for a, b in split(len(self.pieces), workers)]


def conv_gemm(geometry: ConvGeometry, x: np.ndarray, w: np.ndarray,
              bias: np.ndarray | None = None, *, buffer_bytes: int | None = None
              ) -> np.ndarray:
    """The convolution of ``x``, plus ``bias`` (im2col + BLAS): a new output array.

    Parameters
    ----------
    geometry : ConvGeometry
        A convolution (``geometry.transposed`` is False).
    x, w : numpy.ndarray
        C-contiguous, aligned arrays of one native float dtype: input ``(N, C_in, *spatial)``,
        weight ``(C_out, C_in/groups, *kernel)``.
    bias : numpy.ndarray, optional
        ``(C_out,)`` of the same dtype.
    buffer_bytes : int, optional
        Largest total of the column buffers; by default the output's size or
        :data:`MIN_BUFFER_BYTES`, whichever is larger (and at least one output plane's columns
        per thread). Results do not depend on it beyond rounding.

    Returns
    -------
    numpy.ndarray
        ``(N, C_out, *geometry.output_shape)``.

    Examples
    --------
    >>> import numpy as np
    >>> from tconv import ConvGeometry
    >>> g = ConvGeometry.for_conv((1, 1, 2, 2), (1, 3, 3))
    >>> conv_gemm(
    ...     g, np.arange(9.0).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2))
    ... )
    array([[[[ 8., 12.],
             [20., 24.]]]])
    """
    batch, groups = x.shape[0], geometry.groups
    out = np.empty((batch, geometry.out_channels, *geometry.output_shape), dtype=x.dtype)
    if out.size == 0:
        return out
    out_g = out.reshape(batch, groups, geometry.out_channels // groups, -1)
    w_g = w.reshape(groups, geometry.out_channels // groups, -1)
    b_g = None if bias is None else bias.reshape(groups, -1, 1)
    workers = workers_for(geometry, batch)
    chunks = _Chunks(geometry, batch, _budget(buffer_bytes, out.nbytes),
                     x.dtype.itemsize, workers)

    def task(share: list[tuple[int, int]]) -> None:
        buffer = None if chunks.plain else np.empty(chunks.buffer_size, dtype=x.dtype)
        sample = grid = None
        for n, start in share:
            if n != sample:  # a share's pieces of one sample come together: pad it once
                sample, grid = n, chunks.grid(x[n])
            target = out_g[n, :, :, chunks.positions(start)]
            with np.errstate(all="ignore"):  # inf/nan inputs propagate as in the other kernels
                # (groups, C_out/g, C_in/g * taps) @ (groups, C_in/g * taps, positions)
                np.matmul(w_g, chunks.columns(grid, start, buffer), out=target)
                if b_g is not None:
                    target += b_g

    run_tasks(task, chunks.shares(workers), workers)
    return out


def weight_gradient_gemm(geometry: ConvGeometry, small: np.ndarray, large: np.ndarray, *,
                         buffer_bytes: int | None = None) -> np.ndarray:
    """The gradient of ``<small, C_W large>`` with respect to the weight ``W`` (im2col + BLAS).

    For a convolution, ``small`` is the gradient of its output and ``large`` its input; for a
    transposed convolution, ``small`` is its input and ``large`` the gradient of its output.

    Parameters
    ----------
    geometry : ConvGeometry
        The operator.
    small, large : numpy.ndarray
        C-contiguous arrays of one native float dtype, ``(N, C_small, *geometry.small_shape)``
        and ``(N, C_large, *geometry.large_shape)``.
    buffer_bytes : int, optional
        Largest total of the column buffers; by default the size of ``small`` or
        :data:`MIN_BUFFER_BYTES`, whichever is larger (and at least one small plane's columns
        per thread).

    Returns
    -------
    numpy.ndarray
        ``geometry.weight_shape``.

    Examples
    --------
    The weight gradient of a 1-D convolution: each tap's entry is the dot product of the output
    gradient with the input shifted by that tap.

    >>> import numpy as np
    >>> from tconv import ConvGeometry
    >>> g = ConvGeometry.for_conv((1, 1, 2), (1, 3))
    >>> weight_gradient_gemm(
    ...     g, np.array([[[1.0, 10.0]]]), np.array([[[1.0, 2.0, 3.0]]])
    ... )
    array([[[21., 32.]]])
    """
    groups, batch = geometry.groups, small.shape[0]
    small_g = small.reshape(batch, groups, _channels(geometry)[0] // groups, -1)
    workers = workers_for(geometry, batch)
    chunks = _Chunks(geometry, batch, _budget(buffer_bytes, small.nbytes),
                     small.dtype.itemsize, workers)
    shares = chunks.shares(workers)
    shape = (groups, geometry.weight_shape[0] // groups, math.prod(geometry.weight_shape[1:]))
    partial = np.zeros((len(shares),) + shape, dtype=small.dtype)

    def task(index: int) -> None:
        total, product = partial[index], np.empty(shape, dtype=small.dtype)
        buffer = None if chunks.plain else np.empty(chunks.buffer_size, dtype=small.dtype)
        sample = grid = None
        with np.errstate(all="ignore"):
            for n, start in shares[index]:
                if n != sample:
                    sample, grid = n, chunks.grid(large[n])
                cols = chunks.columns(grid, start, buffer)
                # (groups, C_small/g, positions) @ (groups, positions, C_large/g * taps)
                np.matmul(small_g[n, :, :, chunks.positions(start)], cols.transpose(0, 2, 1),
                          out=product)
                total += product

    run_tasks(task, range(len(shares)), workers)
    out = partial[0]
    for more in partial[1:]:  # the shares' sums, added in a fixed order
        out += more
    return out.reshape(geometry.weight_shape)
