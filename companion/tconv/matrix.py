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

from ._validate import as_int, as_numeric_array
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
    The seed's example: a 3x3 kernel on a 4x4 image gives a 4x16 matrix.

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
    weight: np.ndarray,
    *,
    sparse: bool = False,
    max_dense_bytes: int = DEFAULT_MAX_DENSE_BYTES,
) -> Matrix:
    """The matrix of the operator that ``geometry`` describes, with ``weight`` of its weight shape.

    Parameters
    ----------
    geometry : ConvGeometry
        A checked description (convolution or transposed convolution).
    weight : numpy.ndarray
        Shape ``geometry.weight_shape``; the matrix has its dtype.
    sparse, max_dense_bytes
        As :func:`conv_matrix`.
    """
    if not isinstance(sparse, bool):
        raise TypeError(f"sparse must be True or False, got {sparse!r}")
    max_dense_bytes = as_int(max_dense_bytes, "max_dense_bytes", minimum=0)
    if tuple(weight.shape) != geometry.weight_shape:
        raise ValueError(
            f"weight must have shape {geometry.weight_shape} for this geometry, got {weight.shape}"
        )
    shape = geometry.matrix_shape
    if not sparse:
        nbytes = shape[0] * shape[1] * weight.dtype.itemsize
        if nbytes > max_dense_bytes:
            raise ValueError(
                f"a dense matrix of shape {shape} and dtype {weight.dtype} would take "
                f"{_readable(nbytes)}, more than max_dense_bytes={max_dense_bytes} "
                f"({_readable(max_dense_bytes)}); pass sparse=True for a scipy.sparse "
                f"CSR matrix, which stores only the {_entry_bound(geometry)} or fewer non-zeros"
            )
    small, large, values = _entries(geometry, weight)
    rows, cols = (large, small) if geometry.transposed else (small, large)
    if sparse:
        return scipy.sparse.coo_array((values, (rows, cols)), shape=shape).tocsr()
    dense = np.zeros(shape, dtype=weight.dtype)
    dense[rows, cols] = values  # every (row, col) pair occurs once
    return dense


def _readable(nbytes: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= size:
            return f"{nbytes / size:.1f} {unit}"
    return f"{nbytes} bytes"


def _entry_bound(geometry: ConvGeometry) -> int:
    """Number of (channel pair, position, tap) combinations: an upper bound on the non-zeros."""
    small_shape = geometry.input_shape if geometry.transposed else geometry.output_shape
    channel_pairs = geometry.weight_shape[0] * geometry.weight_shape[1]
    return channel_pairs * math.prod(small_shape) * math.prod(geometry.kernel_size)


def _entries(geometry: ConvGeometry, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat (small index, large index, value) of every non-skipped pair of the operator.

    The *small* side is the convolution's output (the transposed convolution's input), whose
    channels run along ``weight.shape[0]``; the *large* side is the convolution's input.
    """
    n = geometry.ndim
    if geometry.transposed:
        small_shape, large_shape = geometry.input_shape, geometry.output_shape
    else:
        small_shape, large_shape = geometry.output_shape, geometry.input_shape
    small_channels, per_group = weight.shape[0], weight.shape[1]
    groups = geometry.groups
    # Axes of every array below: (small channel, weight.shape[1] channel, *small pos, *taps).
    axes = 2 + 2 * n

    def along(values: np.ndarray, axis: int) -> np.ndarray:
        shape = [1] * axes
        shape[axis] = -1
        return values.reshape(shape)

    a = np.arange(small_channels)
    group = a // (small_channels // groups)
    small_index = along(a, 0) * math.prod(small_shape)
    large_channel = along(group, 0) * per_group + along(np.arange(per_group), 1)
    large_index = large_channel * math.prod(large_shape)
    valid = np.ones((1,) * axes, dtype=bool)
    small_step, large_step = math.prod(small_shape), math.prod(large_shape)
    for j in range(n):
        small_step //= small_shape[j]
        large_step //= large_shape[j]
        small_pos = along(np.arange(small_shape[j]), 2 + j)
        tap = along(np.arange(geometry.kernel_size[j]), 2 + n + j)
        large_pos = small_pos * geometry.stride[j] - geometry.padding[j] + tap * geometry.dilation[j]
        valid = valid & (large_pos >= 0) & (large_pos < large_shape[j])
        small_index = small_index + small_pos * small_step
        large_index = large_index + large_pos * large_step
    full = np.broadcast_shapes(small_index.shape, large_index.shape, valid.shape)
    valid = np.broadcast_to(valid, full)
    values = np.broadcast_to(weight.reshape(weight.shape[:2] + (1,) * n + weight.shape[2:]), full)
    return (
        np.broadcast_to(small_index, full)[valid],
        np.broadcast_to(large_index, full)[valid],
        values[valid],
    )


def _as_full_weight(weight: Any, input_shape: Sequence[int]) -> tuple[np.ndarray, tuple[int, ...]]:
    """Accept a plain kernel (``input_shape`` spatial) or a full weight (``(C, *spatial)``)."""
    weight = as_numeric_array(weight, "weight")
    if not isinstance(input_shape, (tuple, list)) or not all(
        isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))
        for i in input_shape
    ):
        raise TypeError(f"input_shape must be a tuple of ints, got {input_shape!r}")
    input_shape = tuple(int(i) for i in input_shape)
    if any(i < 1 for i in input_shape):
        raise ValueError(f"input_shape must hold sizes >= 1 (channels and spatial sizes), "
                         f"got {input_shape}")
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
