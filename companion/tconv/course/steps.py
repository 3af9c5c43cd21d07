"""Step-by-step computations of a single-channel transposed convolution: scatter and gather.

A 2-D single-channel transposed convolution ``y = C_K^T x`` can be computed in two orders:

- **scatter**: one step per input element ``x[r, c]``: it scales the kernel and adds the stamp
  ``x[r, c] K`` into the output at ``stride`` times its position. Each step adds one column of
  ``C_K^T`` times ``x[r, c]``.
- **gather**: one step per output element ``y[u, v]``: it sums the inputs that reach it, each
  times the kernel tap that connects them. Each step is one row of ``C_K^T`` times ``x``.

:func:`scatter_steps` and :func:`gather_steps` compute those steps with tconv's explicit
matrices (:func:`tconv.conv_transpose_matrix`) and check that the last step equals
:func:`tconv.conv_transpose2d`. The scatter works on the *full* output (before the crop);
:mod:`tconv.course.step_frames` draws the steps and :mod:`tconv.course.players` plays them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence, Union

import numpy as np

from ..functional import conv_transpose2d
from ..geometry import ConvGeometry
from ..matrix import conv_transpose_matrix
from . import single_channel

__all__ = [
    "ScatterStep",
    "GatherStep",
    "scatter_steps",
    "gather_steps",
    "image_and_kernel",
    "single_geometry",
    "full_operator",
    "canvas_shape",
    "MAX_STEPS",
]

IntOrPair = Union[int, Sequence[int]]

#: Most steps (input or output elements) an animation may have: one picture per step.
MAX_STEPS = 100


@dataclass(frozen=True)
class ScatterStep:
    """One step of the scatter: input element ``index`` stamps ``value * kernel``.

    Arrays on the full (uncropped) output have the shape of :attr:`canvas`; the output that
    :func:`tconv.conv_transpose2d` returns is ``canvas[crop]``.

    Attributes
    ----------
    index : tuple of int
        ``(r, c)``, the input element of this step.
    value : float
        ``x[r, c]``.
    stamp : numpy.ndarray
        ``x[r, c]`` times the kernel, shape of the kernel.
    added : numpy.ndarray
        What this step adds to the full output (the stamp at its place, zeros elsewhere).
    stamped : numpy.ndarray of bool
        The cells of the full output this step writes to.
    canvas : numpy.ndarray
        The full output after this step.
    output : numpy.ndarray
        The cropped output after this step: the first ``j + 1`` columns of ``C_K^T`` times
        the first ``j + 1`` inputs.
    crop : tuple of slice
        Where the output lies in the full canvas (``padding`` cropped at the start, ``padding
        - output_padding`` at the end).
    """

    index: tuple[int, int]
    value: float
    stamp: np.ndarray
    added: np.ndarray
    stamped: np.ndarray
    canvas: np.ndarray
    output: np.ndarray
    crop: tuple[slice, slice]


@dataclass(frozen=True)
class GatherStep:
    """One step of the gather: output element ``index`` sums the inputs that reach it.

    Attributes
    ----------
    index : tuple of int
        ``(u, v)``, the output element of this step.
    value : float
        ``y[u, v]``.
    inputs : numpy.ndarray of bool
        Shape of ``x``: the input elements that reach ``y[u, v]``.
    taps : numpy.ndarray of int
        Shape of ``x``: for each input that reaches ``y[u, v]``, the flat index of the kernel tap
        that connects them (``-1`` for the others).
    terms : tuple of (float, float) pairs
        ``(kernel value, input value)`` for every input that reaches ``y[u, v]``, in C order of
        the inputs; their products sum to :attr:`value`.
    output : numpy.ndarray
        The output so far: elements up to this one hold their values, later ones 0.
    """

    index: tuple[int, int]
    value: float
    inputs: np.ndarray
    taps: np.ndarray
    terms: tuple[tuple[float, float], ...]
    output: np.ndarray


def image_and_kernel(x: Any, kernel: Any) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``kernel`` checked as non-empty 2-D numeric arrays (errors name ``x``)."""
    return single_channel.image_and_kernel(x, kernel, image_name="x")


def single_geometry(x: np.ndarray, kernel: np.ndarray, stride: IntOrPair = 1,
                    padding: IntOrPair = 0, output_padding: IntOrPair = 0,
                    dilation: IntOrPair = 1) -> ConvGeometry:
    """The geometry of the single-channel transposed convolution of ``x`` with ``kernel``."""
    return ConvGeometry.for_conv_transpose((1, 1) + kernel.shape, (1,) + x.shape, stride,
                                           padding, output_padding, dilation)


def _tap_ids(kernel_shape: tuple[int, ...]) -> np.ndarray:
    """1, 2, ... in the kernel's C order: a matrix built from them says which tap links what."""
    return np.arange(1, math.prod(kernel_shape) + 1, dtype=np.int64).reshape(kernel_shape)


def full_operator(geometry: ConvGeometry, kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                        tuple[slice, slice]]:
    """C_K^T of the uncropped output, its tap-id twin, and where the cropped output lies in it.

    The canvas is the full output, extended with zeros at the end where ``output_padding`` (or
    a ``"same"`` padding) reaches past it.
    """
    extend = tuple(max(0, -e) for e in geometry.padding_end)
    args = (geometry.input_shape, geometry.stride, 0, extend, geometry.dilation)
    matrix = conv_transpose_matrix(kernel, *args)
    taps = conv_transpose_matrix(_tap_ids(kernel.shape), *args)
    crop = tuple(slice(b, b + o) for b, o in zip(geometry.padding, geometry.output_shape))
    return matrix, taps, crop


def _check_steps(count: int, what: str) -> None:
    if count > MAX_STEPS:
        raise ValueError(f"{what} has {count} elements; an animation draws one picture per "
                         f"element, at most MAX_STEPS = {MAX_STEPS}")


def _check_final(result: np.ndarray, x: np.ndarray, kernel: np.ndarray, stride: IntOrPair,
                 padding: IntOrPair, output_padding: IntOrPair, dilation: IntOrPair) -> None:
    expected = conv_transpose2d(x[None, None], kernel[None, None], None, stride, padding,
                                output_padding, 1, dilation)[0, 0]
    if result.shape != expected.shape or not np.allclose(result, expected, rtol=1e-12, atol=1e-12):
        raise RuntimeError("the step-by-step result differs from tconv.conv_transpose2d: "
                           "this is a bug in tconv.course.steps")


def scatter_steps(x: Any, kernel: Any, stride: IntOrPair = 1, padding: IntOrPair = 0,
                  output_padding: IntOrPair = 0, dilation: IntOrPair = 1) -> list[ScatterStep]:
    """The scatter computation of ``conv_transpose2d``, one step per input element.

    Step ``j`` (input element ``(r, c)`` in C order) adds column ``j`` of the full operator's
    matrix times ``x[r, c]``: the kernel scaled by ``x[r, c]``, placed at ``stride * (r, c)``
    with taps ``dilation`` apart. The last step's :attr:`ScatterStep.output` is checked against
    :func:`tconv.conv_transpose2d` (a ``RuntimeError`` would be a bug).

    Parameters
    ----------
    x, kernel : array_like
        2-D arrays of real numbers (computed in float64); ``x`` has at most :data:`MAX_STEPS`
        elements.
    stride, padding, output_padding, dilation : int or pair of int
        As :func:`tconv.conv_transpose2d` (``padding`` may also be ``'same'`` or
        ``'same_lower'``).

    Returns
    -------
    list of ScatterStep

    Raises
    ------
    TypeError, ValueError
        As :func:`tconv.conv_transpose2d` (naming ``x`` and ``kernel``), and for an ``x``
        with more than :data:`MAX_STEPS` elements.

    Examples
    --------
    The worked example: the 2x2 input ``[[1, 2], [3, 4]]`` and the 3x3 kernel 1..9.

    >>> import numpy as np
    >>> steps = scatter_steps(
    ...     [[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3)
    ... )
    >>> len(steps), steps[1].index, steps[1].value
    (4, (0, 1), 2.0)
    >>> steps[1].output
    array([[ 1.,  4.,  7.,  6.],
           [ 4., 13., 16., 12.],
           [ 7., 22., 25., 18.],
           [ 0.,  0.,  0.,  0.]])
    """
    x, kernel = image_and_kernel(x, kernel)
    geometry = single_geometry(x, kernel, stride, padding, output_padding, dilation)
    _check_steps(x.size, "x")
    x, kernel = x.astype(np.float64), kernel.astype(np.float64)
    matrix, taps, crop = full_operator(geometry, kernel)
    shape = canvas_shape(geometry)
    canvas = np.zeros(shape)
    steps = []
    for j, (index, value) in enumerate(np.ndenumerate(x)):
        added = (matrix[:, j] * value).reshape(shape)
        stamped = (taps[:, j] != 0).reshape(shape)
        canvas = canvas + added
        steps.append(ScatterStep(
            index=tuple(int(i) for i in index), value=float(value), stamp=kernel * value,
            added=added, stamped=stamped, canvas=canvas, output=canvas[crop].copy(), crop=crop,
        ))
    _check_final(steps[-1].output, x, kernel, stride, padding, output_padding, dilation)
    return steps


def canvas_shape(geometry: ConvGeometry) -> tuple[int, ...]:
    """Shape of the full canvas: the full output, extended at the end where ``output_padding``
    (or a ``"same"`` padding) reaches past it."""
    return tuple(f + max(0, -e) for f, e in zip(geometry.full_shape, geometry.padding_end))


def gather_steps(x: Any, kernel: Any, stride: IntOrPair = 1, padding: IntOrPair = 0,
                 output_padding: IntOrPair = 0, dilation: IntOrPair = 1) -> list[GatherStep]:
    """The gather computation of ``conv_transpose2d``, one step per output element.

    Step ``m`` (output element ``(u, v)`` in C order) is row ``m`` of ``C_K^T`` times ``x``:
    the sum, over the inputs that reach ``y[u, v]``, of each input times the kernel tap that
    connects it to ``y[u, v]``. The tap of each pair is read from the matrix of the same operator
    built from a kernel of tap numbers. The output is checked against
    :func:`tconv.conv_transpose2d`.

    Parameters
    ----------
    x, kernel, stride, padding, output_padding, dilation
        As :func:`scatter_steps`; the *output* has at most :data:`MAX_STEPS` elements.

    Returns
    -------
    list of GatherStep

    Raises
    ------
    TypeError, ValueError
        As :func:`scatter_steps`.

    Examples
    --------
    >>> import numpy as np
    >>> steps = gather_steps(
    ...     [[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3)
    ... )
    >>> len(steps)                      # one per element of the 4x4 output
    16
    >>> s = steps[5]                    # y[1, 1]: every input reaches it
    >>> s.index, s.value, s.terms
    ((1, 1), 23.0, ((5.0, 1.0), (4.0, 2.0), (2.0, 3.0), (1.0, 4.0)))
    """
    x, kernel = image_and_kernel(x, kernel)
    geometry = single_geometry(x, kernel, stride, padding, output_padding, dilation)
    _check_steps(math.prod(geometry.output_shape), "the output")
    x, kernel = x.astype(np.float64), kernel.astype(np.float64)
    args = (x.shape, stride, padding, output_padding, dilation)
    matrix = conv_transpose_matrix(kernel, *args)
    taps = conv_transpose_matrix(_tap_ids(kernel.shape), *args)
    flat_x, flat_k = x.ravel(), kernel.ravel()
    output = np.zeros(geometry.output_shape)
    steps = []
    for m, index in enumerate(np.ndindex(*geometry.output_shape)):
        reach = taps[m] != 0
        value = float(matrix[m] @ flat_x)
        output = output.copy()
        output[index] = value
        steps.append(GatherStep(
            index=tuple(int(i) for i in index), value=value, inputs=reach.reshape(x.shape),
            taps=np.where(reach, taps[m] - 1, -1).reshape(x.shape),
            terms=tuple((float(flat_k[taps[m][j] - 1]), float(flat_x[j]))
                        for j in np.flatnonzero(reach)),
            output=output,
        ))
    _check_final(steps[-1].output, x, kernel, stride, padding, output_padding, dilation)
    return steps
