"""Gradients in numbers: finite differences, and the weight gradient one tap at a time.

The weight gradient of a convolution, for tap ``(m, n)`` of a single-channel kernel, is

.. math::

    \\frac{\\partial L}{\\partial w[m, n]} = \\sum_{i, j} r[i, j] \\; x_p[s i + m, \\, s j + n]

where ``r`` is the gradient with respect to the output and ``x_p`` the padded input: the
residual laid over the padded input with its elements ``s`` apart (dilated by the stride),
shifted by the tap. :func:`weight_gradient_taps` lists those cells and products;
:func:`tconv.grad.conv2d_weight` is the library's fast version, and a check ties them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import tconv

__all__ = ["finite_differences", "WeightTap", "weight_gradient_taps"]


def finite_differences(f: Callable[[Any], float], x: Any, h: float = 1e-5) -> np.ndarray:
    """The gradient of a scalar function by central differences, one element at a time.

    Element ``j`` of the result is ``(f(x + h e_j) - f(x - h e_j)) / (2 h)``, where ``e_j`` is
    the array of ``x``'s shape that is 1 at ``j`` and 0 elsewhere. Its error is of order
    ``h**2`` times the third derivative, plus rounding of order ``eps / h``: with ``h = 1e-5``
    in float64 it agrees with the exact gradient of a smooth function to about 1e-10.

    Parameters
    ----------
    f : callable
        Takes an array of ``x``'s shape and returns a real number.
    x : array_like
        The point, real numbers, any shape; it is converted to float64 and not modified.
    h : float, default 1e-5
        The step, positive.

    Returns
    -------
    numpy.ndarray
        float64, the shape of ``x``. It costs ``2 * x.size`` calls of ``f``.

    Raises
    ------
    TypeError
        If ``f`` is not callable, or ``x`` is not an array of real numbers.
    ValueError
        If ``h`` is not a positive finite number.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 2.0, 3.0])
    >>> g = finite_differences(lambda z: 0.5 * np.sum(z ** 2), x)
    >>> np.allclose(g, x)          # the gradient of |z|^2 / 2 is z
    True
    """
    if not callable(f):
        raise TypeError(f"f must be a callable that returns a number, got {type(f).__name__}")
    x = np.asarray(x)
    if x.dtype == bool or not (np.issubdtype(x.dtype, np.integer)
                               or np.issubdtype(x.dtype, np.floating)):
        raise TypeError(f"x must be an array of real numbers, got dtype {x.dtype}")
    if isinstance(h, bool) or not isinstance(h, (int, float)) or not 0 < h < np.inf:
        raise ValueError(f"h must be a positive finite number, got {h!r}")
    x = x.astype(np.float64)
    grad = np.zeros_like(x)
    step = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        step[j] = h
        grad[j] = (float(f(x + step)) - float(f(x - step))) / (2 * h)
        step[j] = 0.0
    return grad


@dataclass(frozen=True)
class WeightTap:
    """What one kernel tap's weight gradient adds up.

    Attributes
    ----------
    tap : tuple of int
        ``(m, n)``, the kernel entry.
    cells : tuple of (int, int)
        The cells of the padded input that the tap multiplied, one per output element in C
        order: ``(s i + m, s j + n)``.
    residuals, inputs : tuple of float
        For each cell, the residual ``r[i, j]`` and the padded input's value there.
    value : float
        ``sum(residuals * inputs)``, the gradient of the loss with respect to ``w[m, n]``.
    """

    tap: tuple[int, int]
    cells: tuple[tuple[int, int], ...]
    residuals: tuple[float, ...]
    inputs: tuple[float, ...]
    value: float


def weight_gradient_taps(x: Any, residual: Any, kernel_size: int, *, stride: int = 1,
                         padding: int = 0) -> tuple[np.ndarray, list[WeightTap]]:
    """A single-channel convolution's weight gradient, listed tap by tap.

    For the convolution ``y = conv2d(x, w, stride, padding)`` with a ``kernel_size`` square
    kernel and the gradient ``residual`` with respect to ``y``, every tap ``(m, n)`` sums the
    residual times the padded input at ``(stride i + m, stride j + n)``. The sums are checked
    against :func:`tconv.grad.conv2d_weight`.

    Parameters
    ----------
    x : array_like
        2-D input, real numbers.
    residual : array_like
        2-D, the shape of the convolution's output.
    kernel_size : int
        The kernel's height and width, positive.
    stride, padding : int
        As :func:`tconv.conv2d`, one number for both axes.

    Returns
    -------
    padded : numpy.ndarray
        ``x`` with ``padding`` zeros around it (float64), the array the cells index.
    taps : list of WeightTap
        One per kernel entry, in C order.

    Raises
    ------
    TypeError, ValueError
        If ``x`` or ``residual`` is not 2-D, if the sizes are not positive integers, if the
        residual's shape is not the convolution's output shape, and as :func:`tconv.conv2d`.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> padded, taps = weight_gradient_taps(x, np.ones((2, 2)), 2, stride=2)
    >>> taps[0].cells                  # tap (0, 0) meets x at stride 2
    ((0, 0), (0, 2), (2, 0), (2, 2))
    >>> taps[0].value == 0 + 2 + 8 + 10
    True
    """
    x, residual = np.asarray(x), np.asarray(residual)
    for name, array in (("x", x), ("residual", residual)):
        if array.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got shape {array.shape}")
    for name, value, low in (("kernel_size", kernel_size, 1), ("stride", stride, 1),
                             ("padding", padding, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    expected = tuple(tconv.conv_output_size(x.shape, kernel_size, stride, padding))
    if residual.shape != expected:
        raise ValueError(f"residual must have the convolution's output shape {expected} "
                         f"(input {x.shape}, kernel {kernel_size}, stride {stride}, padding "
                         f"{padding}), got {residual.shape}")
    padded = np.pad(x.astype(np.float64), padding)
    rows, cols = residual.shape
    taps = []
    for m, n in np.ndindex(kernel_size, kernel_size):
        cells = tuple((stride * i + m, stride * j + n) for i in range(rows) for j in range(cols))
        inputs = tuple(float(padded[c]) for c in cells)
        residuals = tuple(float(v) for v in residual.ravel())
        taps.append(WeightTap((m, n), cells, residuals, inputs,
                              float(np.dot(residuals, inputs))))
    fast = tconv.grad.conv2d_weight(x[None, None].astype(np.float64),
                                    (1, 1, kernel_size, kernel_size),
                                    residual[None, None].astype(np.float64),
                                    stride=stride, padding=padding)[0, 0]
    listed = np.array([t.value for t in taps]).reshape(kernel_size, kernel_size)
    if not np.allclose(listed, fast, rtol=1e-10, atol=1e-10):
        raise RuntimeError("the tap sums differ from tconv.grad.conv2d_weight: this is a bug in "
                           "tconv.course.gradients")
    return padded, taps
