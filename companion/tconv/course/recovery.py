"""Trying to undo a convolution: the least-squares input, computed through tconv's operators.

Given ``y = conv2d(x, K)`` one may look for an input ``x_hat`` with ``conv2d(x_hat, K) = y``.
When the convolution has fewer outputs than inputs there are infinitely many; LSQR (SciPy's
iterative least squares), started from zero, finds the one of smallest norm, which is the
pseudo-inverse's answer ``C_K^+ y``. It needs only products with ``C_K`` (the convolution)
and ``C_K^T`` (the transposed convolution), so no matrix is built and the image may be large.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tconv

__all__ = ["least_squares_input"]


def least_squares_input(y: Any, kernel: Any, input_shape: tuple[int, int], *, stride: int = 1,
                        padding: int = 0, tolerance: float = 1e-10,
                        max_iterations: int = 5000) -> np.ndarray:
    """The smallest input whose single-channel convolution is closest to ``y``.

    Parameters
    ----------
    y : array_like
        2-D, the convolution's output.
    kernel : array_like
        2-D kernel.
    input_shape : (int, int)
        The shape of the input to find (several input sizes give one output size).
    stride, padding : int
        As :func:`tconv.conv2d`.
    tolerance : float, default 1e-10
        LSQR's relative tolerances (``atol`` and ``btol``).
    max_iterations : int, default 5000
        LSQR's iteration limit.

    Returns
    -------
    numpy.ndarray
        float64, ``input_shape``: the minimum-norm least-squares solution ``C_K^+ y``.

    Raises
    ------
    ValueError
        If ``y`` or ``kernel`` is not 2-D, if ``input_shape`` is not a pair of positive
        integers, or if ``y``'s shape is not the convolution's output shape for it.
    RuntimeError
        If LSQR stops at its iteration limit.

    Examples
    --------
    >>> import numpy as np
    >>> import tconv
    >>> K = np.arange(1.0, 10.0).reshape(3, 3)
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> y = tconv.conv2d(x[None, None], K[None, None])[0, 0]
    >>> x_hat = least_squares_input(y, K, (4, 4))
    >>> C = tconv.conv_matrix(K, (4, 4))
    >>> bool(np.allclose(x_hat.ravel(), np.linalg.pinv(C) @ y.ravel()))
    True
    """
    from scipy.sparse.linalg import LinearOperator, lsqr

    y, kernel = np.asarray(y, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    for name, array in (("y", y), ("kernel", kernel)):
        if array.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got shape {array.shape}")
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
    if shape is None or len(shape) != 2 or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0
            for n in shape):
        raise ValueError(f"input_shape must be a pair of positive integers, got {input_shape!r}")
    expected = tuple(tconv.conv_output_size(shape, kernel.shape, stride, padding))
    if y.shape != expected:
        raise ValueError(f"y must have the shape {expected} that the convolution gives an input "
                         f"of shape {shape}, got {y.shape}")
    weight = kernel[None, None]
    extra = tconv.output_padding_for_size(y.shape, shape, kernel.shape, stride, padding)

    def forward(v: np.ndarray) -> np.ndarray:
        return tconv.conv2d(v.reshape(1, 1, *shape), weight, stride=stride,
                            padding=padding).ravel()

    def backward(v: np.ndarray) -> np.ndarray:
        return tconv.conv_transpose2d(v.reshape(1, 1, *y.shape), weight, stride=stride,
                                      padding=padding, output_padding=extra).ravel()

    operator = LinearOperator((y.size, int(np.prod(shape))), matvec=forward,
                              rmatvec=backward, dtype=np.float64)
    x_hat, stop = lsqr(operator, y.ravel(), atol=tolerance, btol=tolerance,
                                   iter_lim=max_iterations)[:2]
    if stop == 7:
        raise RuntimeError(f"LSQR reached max_iterations={max_iterations} before the "
                           f"tolerance {tolerance}; raise one or the other")
    return x_hat.reshape(shape)
