"""The explicit matrices C_K of a convolution and C_K^T of a transposed convolution.

These matrices are the project's oracle: small, slow, obviously right. Every fast path is
checked against them. They flatten in C order over ``(channels, *spatial)``, so for a single
sample ``conv(x).ravel() == conv_matrix(w, x.shape) @ x.ravel()``.

The matrix is built without Python loops over pixels: one entry per (output channel, input
channel, position, kernel tap), from the index relation of :mod:`tconv.geometry`.
"""

from __future__ import annotations

import math
from typing import Any, Sequence, Union

import numpy as np
import scipy.sparse

from ._validate import (
    as_bool,
    as_int,
    as_numeric_array,
    as_shape,
    check_allocation,
    readable_bytes,
)
from .geometry import ConvGeometry, Padding

__all__ = [
    "conv_matrix",
    "conv_transpose_matrix",
    "operator_matrix",
    "DEFAULT_MAX_DENSE_BYTES",
]

#: Largest dense matrix built without ``sparse=True`` (256 MiB).
DEFAULT_MAX_DENSE_BYTES = 2**28

Matrix = Union[np.ndarray, scipy.sparse.csr_array]


def conv_matrix(
    weight: Any,
    input_shape: Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: Padding = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    *,
    sparse: bool = False,
    max_dense_bytes: int = DEFAULT_MAX_DENSE_BYTES,
) -> Matrix:
    """The matrix C_K of a convolution: ``conv(x).ravel() == C_K @ x.ravel()``.

    Parameters
    ----------
    weight : array_like
        Either a single-channel kernel with as many dimensions as ``input_shape`` (then
        ``input_shape`` is spatial only), or a full weight ``(C_out, C_in/groups, *kernel_size)``
        with ``input_shape = (C_in, *spatial)``. Its dtype is kept: an integer kernel gives an
        integer matrix.
    input_shape : sequence of int
        Shape of one input sample (no batch dimension).
    stride, padding, dilation, groups
        As :func:`tconv.conv2d`.
    sparse : bool, default False
        Return a ``scipy.sparse.csr_array`` instead of a dense ``numpy.ndarray``.
    max_dense_bytes : int, default 2**28
        A dense matrix larger than this is refused before it is allocated.

    Returns
    -------
    numpy.ndarray or scipy.sparse.csr_array
        Shape ``(prod(output sample shape), prod(input_shape))``.

    Raises
    ------
    TypeError
        If the weight is not numeric or an argument has the wrong type.
    ValueError
        For shapes or hyper-parameters that do not fit (see :func:`tconv.conv2d`), and for a
        dense matrix beyond ``max_dense_bytes``.

    Examples
    --------
    The worked example: a 3x3 kernel on a 4x4 image gives a 4x16 matrix.

    >>> import numpy as np
    >>> K = np.arange(1, 10).reshape(3, 3)
    >>> A = conv_matrix(K, (4, 4))
    >>> A.shape
    (4, 16)
    >>> A[0]
    array([1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0, 0])
    """
    weight, input_shape = _as_full_weight(weight, input_shape)
    geometry = ConvGeometry.for_conv(weight.shape, input_shape, stride, padding, dilation, groups)
    return operator_matrix(geometry, weight, sparse=sparse, max_dense_bytes=max_dense_bytes)


def conv_transpose_matrix(
    weight: Any,
    input_shape: Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: Padding = 0,
    output_padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    *,
    sparse: bool = False,
    max_dense_bytes: int = DEFAULT_MAX_DENSE_BYTES,
) -> Matrix:
    """The matrix of a transposed convolution whose input has ``input_shape``: C_K^T.

    It is the transpose of the convolution matrix of the same weight on the transposed
    convolution's output shape, plus the (zero) rows that ``output_padding`` adds when it
    reaches past what the convolution would read.

    Parameters
    ----------
    weight : array_like
        A single-channel kernel with as many dimensions as ``input_shape``, or a full weight
        ``(C_in, C_out/groups, *kernel_size)`` with ``input_shape = (C_in, *spatial)``.
    input_shape : sequence of int
        Shape of one input sample of the transposed convolution (no batch dimension).
    stride, padding, output_padding, dilation, groups
        As :func:`tconv.conv_transpose2d`.
    sparse, max_dense_bytes
        As :func:`conv_matrix`.

    Returns
    -------
    numpy.ndarray or scipy.sparse.csr_array
        Shape ``(prod(output sample shape), prod(input_shape))``.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv_matrix`.

    Examples
    --------
    >>> import numpy as np
    >>> K = np.arange(1, 10).reshape(3, 3)
    >>> B = conv_transpose_matrix(K, (2, 2))
    >>> B.shape
    (16, 4)
    >>> bool((B == conv_matrix(K, (4, 4)).T).all())
    True
    """
    weight, input_shape = _as_full_weight(weight, input_shape)
    geometry = ConvGeometry.for_conv_transpose(
        weight.shape, input_shape, stride, padding, output_padding, dilation, groups
    )
    return operator_matrix(geometry, weight, sparse=sparse, max_dense_bytes=max_dense_bytes)


def operator_matrix(
    geometry: ConvGeometry,
    weight: Any,
    *,
    sparse: bool = False,
    max_dense_bytes: int = DEFAULT_MAX_DENSE_BYTES,
) -> Matrix:
    """The matrix of the operator that ``geometry`` describes, with ``weight`` of its weight shape.

    Parameters
    ----------
    geometry : ConvGeometry
        A checked description (convolution or transposed convolution).
    weight : array_like
        Shape ``geometry.weight_shape``; the matrix has its dtype.
    sparse, max_dense_bytes
        As :func:`conv_matrix`.

    Raises
    ------
    TypeError
        A ``geometry`` that is not a :class:`~tconv.ConvGeometry`, a non-numeric weight, or a
        ``sparse`` that is not a bool.
    ValueError
        A weight of the wrong shape, a dense matrix beyond ``max_dense_bytes``, or a matrix
        larger than this machine's memory.

    Examples
    --------
    >>> g = ConvGeometry.for_conv_transpose((1, 1, 2), (1, 2))
    >>> operator_matrix(g, [[[1, 2]]])
    array([[1, 0],
           [2, 1],
           [0, 2]])
    """
    if not isinstance(geometry, ConvGeometry):
        raise TypeError(f"geometry must be a tconv.ConvGeometry, got {type(geometry).__name__}")
    weight = as_numeric_array(weight, "weight")
    sparse = as_bool(sparse, "sparse")
    max_dense_bytes = as_int(max_dense_bytes, "max_dense_bytes", minimum=0, maximum=None)
    if tuple(weight.shape) != geometry.weight_shape:
        raise ValueError(
            f"weight must have shape {geometry.weight_shape} for this geometry, got {weight.shape}"
        )
    shape = geometry.matrix_shape
    pairs = _pairs(geometry)
    nonzeros = geometry.weight_shape[0] * geometry.weight_shape[1] * math.prod(
        len(p[0]) for p in pairs)
    if sparse:
        # the (row, column, value) triplets, as much again while SciPy converts them, and
        # the CSR row pointers
        check_allocation(2 * nonzeros * (16 + weight.dtype.itemsize) + 8 * (shape[0] + 1),
                         f"a sparse matrix of shape {shape} with {nonzeros} stored entries",
                         "check stride, padding and dilation")
    else:
        nbytes = shape[0] * shape[1] * weight.dtype.itemsize
        if nbytes > max_dense_bytes:
            raise ValueError(
                f"a dense matrix of shape {shape} and dtype {weight.dtype} would take "
                f"{readable_bytes(nbytes)}, more than max_dense_bytes={max_dense_bytes} "
                f"({readable_bytes(max_dense_bytes)}); pass sparse=True for a scipy.sparse "
                f"CSR matrix, which stores only its {nonzeros} entries"
            )
        check_allocation(nbytes + nonzeros * 16, f"a dense matrix of shape {shape} and dtype "
                         f"{weight.dtype}", "pass sparse=True")
    small, large, values = _entries(geometry, weight, pairs)
    rows, cols = (large, small) if geometry.transposed else (small, large)
    if sparse:
        return scipy.sparse.coo_array((values, (rows, cols)), shape=shape).tocsr()
    dense = np.zeros(shape, dtype=weight.dtype)
    dense[rows, cols] = values  # every (row, col) pair occurs once
    return dense


def _pairs(geometry: ConvGeometry) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per dimension, every (small position, tap, large position) with
    ``large = small * stride - padding + tap * dilation`` inside the large grid.

    The bounds of each tap's run of small positions are computed with Python ints, so no
    index overflows whatever the stride, padding and dilation; the positions themselves lie in
    the grids.
    """
    pairs = []
    for n, k, s, b, d, large in zip(geometry.small_shape, geometry.kernel_size,
                                    geometry.stride, geometry.padding, geometry.dilation,
                                    geometry.large_shape):
        small_pos, taps, large_pos = [], [], []
        for t in range(k):
            offset = t * d - b  # the large position of small position 0 through tap t
            first = max(0, -(offset // s))  # ceil(-offset / s)
            stop = min(n, -((offset - large) // s))  # ceil((large - offset) / s)
            if stop > first:
                run = np.arange(stop - first, dtype=np.int64)
                small_pos.append(first + run)
                taps.append(np.full(stop - first, t, dtype=np.int64))
                large_pos.append(first * s + offset + run * s)
        empty = np.zeros(0, dtype=np.int64)
        pairs.append(tuple(np.concatenate(p) if p else empty
                           for p in (small_pos, taps, large_pos)))
    return pairs


def _entries(geometry: ConvGeometry, weight: np.ndarray,
             pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat (small index, large index, value) of every pair of the operator.

    The *small* side is the convolution's output (the transposed convolution's input), whose
    channels run along ``weight.shape[0]``; the *large* side is the convolution's input. Only
    the pairs inside the grids are formed (from :func:`_pairs`), one axis per dimension.
    """
    n = geometry.ndim
    small_shape, large_shape = geometry.small_shape, geometry.large_shape
    small_channels, per_group = weight.shape[0], weight.shape[1]
    # Axes of every array below: (small channel, weight.shape[1] channel, pairs of dim 0, ...).
    axes = 2 + n

    def along(values: np.ndarray, axis: int) -> np.ndarray:
        shape = [1] * axes
        shape[axis] = -1
        return values.reshape(shape)

    a = np.arange(small_channels)
    group = a // (small_channels // geometry.groups)
    small_index = along(a, 0) * math.prod(small_shape)
    large_index = (along(group, 0) * per_group + along(np.arange(per_group), 1)) * math.prod(
        large_shape)
    tap_index = along(a, 0) * weight[0].size + along(np.arange(per_group), 1) * weight[0, 0].size
    small_step, large_step = math.prod(small_shape), math.prod(large_shape)
    tap_step = math.prod(geometry.kernel_size)
    for j, (small_pos, taps, large_pos) in enumerate(pairs):
        small_step //= small_shape[j]
        large_step //= large_shape[j]
        tap_step //= geometry.kernel_size[j]
        small_index = small_index + along(small_pos, 2 + j) * small_step
        large_index = large_index + along(large_pos, 2 + j) * large_step
        tap_index = tap_index + along(taps, 2 + j) * tap_step
    full = np.broadcast_shapes(small_index.shape, large_index.shape, tap_index.shape)
    return (
        np.broadcast_to(small_index, full).ravel(),
        np.broadcast_to(large_index, full).ravel(),
        weight.ravel()[np.broadcast_to(tap_index, full).ravel()],
    )


def _as_full_weight(weight: Any, input_shape: Sequence[int]) -> tuple[np.ndarray, tuple[int, ...]]:
    """Accept a plain kernel (``input_shape`` spatial) or a full weight (``(C, *spatial)``)."""
    weight = as_numeric_array(weight, "weight")
    input_shape = as_shape(input_shape, "input_shape")
    if weight.ndim == 0:
        raise ValueError("weight must be a kernel with 1 to 3 dimensions, or a full weight "
                         "(channels, channels/groups, *kernel_size); got a 0-d array (shape ())")
    if weight.size == 0:
        raise ValueError(f"weight must have no zero-size dimension, got shape {weight.shape}")
    if weight.ndim == len(input_shape):
        return weight.reshape((1, 1) + weight.shape), (1,) + input_shape
    if weight.ndim == len(input_shape) + 1:
        return weight, input_shape
    raise ValueError(
        f"weight must have as many dimensions as input_shape (a single-channel kernel) or one "
        f"more ((channels, channels/groups, *kernel_size) with input_shape = (channels, "
        f"*spatial)); got weight of shape {weight.shape} and input_shape {input_shape}"
    )
