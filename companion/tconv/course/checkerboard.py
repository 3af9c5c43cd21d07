"""Checkerboard artifacts, in numbers: how unevenly the kernel copies of a transposed convolution
overlap.

A transposed convolution stamps one copy of the kernel per input element, ``stride`` elements
apart. Where copies overlap they add up, so with a kernel of ones and an input of ones each output
element holds the number of copies that land on it: its *overlap count*. When the kernel size is
not a multiple of the stride, the counts alternate even far from the borders, and a network has to
learn weights that cancel the pattern or its images show a checkerboard (Odena, Dumoulin & Olah,
*Deconvolution and Checkerboard Artifacts*, Distill 2016). Stacking layers multiplies the pattern.

Everything here is computed with tconv's own transposed convolution (:func:`overlap_counts`,
:func:`stacked_overlap_counts`); :func:`resize_conv2d` is the usual alternative: upsample
(nearest or bilinear), then a stride-1 convolution with ``'same'`` padding.
:mod:`tconv.course.checkerboard_figures` draws the counts for the book and puts sliders on them
in Jupyter.

A *layer* is a pair ``(kernel_size, stride)`` of ints (or of tuples, one entry per dimension), a
transposed convolution with no padding and a kernel of ones.
"""

from __future__ import annotations

from typing import Any, Sequence, Union

import numpy as np

from .. import functional
from .._validate import as_int, as_numeric_array, as_tuple

__all__ = [
    "overlap_counts",
    "stacked_overlap_counts",
    "interior",
    "unevenness",
    "interior_unevenness",
    "upsample2d",
    "resize_conv2d",
    "as_input_shape",
    "as_layers",
    "Layer",
]

IntOrSeq = Union[int, Sequence[int]]
Layer = tuple  # (kernel_size, stride)

_TRANSPOSES = {1: functional.conv_transpose1d, 2: functional.conv_transpose2d,
               3: functional.conv_transpose3d}


# --- argument checks ------------------------------------------------------------------------
def as_input_shape(input_shape: Any) -> tuple[int, ...]:
    """A spatial shape of 1, 2 or 3 sizes >= 1 (an int means one dimension)."""
    if isinstance(input_shape, (tuple, list)):
        if not 1 <= len(input_shape) <= 3:
            raise ValueError(f"input_shape must have 1, 2 or 3 spatial sizes, got {input_shape!r}")
        return as_tuple(input_shape, len(input_shape), "input_shape", minimum=1)
    return (as_int(input_shape, "input_shape", minimum=1),)


def as_layers(layers: Any, ndim: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Normalize a sequence of (kernel_size, stride) pairs to per-dimension tuples."""
    if not isinstance(layers, (tuple, list)) or len(layers) == 0:
        raise ValueError(f"layers must be a non-empty sequence of (kernel_size, stride) pairs, "
                         f"got {layers!r}")
    result = []
    for number, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) != 2:
            raise ValueError(f"layers[{number}] must be a pair (kernel_size, stride), got {layer!r}")
        kernel = as_tuple(layer[0], ndim, f"kernel_size of layers[{number}]", minimum=1)
        stride = as_tuple(layer[1], ndim, f"stride of layers[{number}]", minimum=1)
        result.append((kernel, stride))
    return result


# --- overlap counts -------------------------------------------------------------------------
def overlap_counts(
    input_shape: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq = 1,
    padding: IntOrSeq = 0,
    output_padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
) -> np.ndarray:
    """How many kernel copies of a transposed convolution land on each output element.

    It is ``conv_transpose(ones(input_shape), ones(kernel_size))``, computed with tconv: each
    input element stamps a kernel of ones, and the stamps add up.

    Parameters
    ----------
    input_shape : int or tuple of int
        Spatial shape of the transposed convolution's input (1, 2 or 3 dimensions).
    kernel_size : int or tuple of int
        Kernel size, >= 1.
    stride, padding, output_padding, dilation : int or tuple of int
        As :func:`tconv.conv_transpose2d`.

    Returns
    -------
    numpy.ndarray
        int64, of the transposed convolution's output shape.

    Raises
    ------
    TypeError
        If a size is not an int or a tuple of ints.
    ValueError
        If a size is out of range (see :func:`tconv.conv_transpose2d`).

    Examples
    --------
    A 3-wide kernel stamped every 2 elements: the overlaps get 2 copies, the rest 1.

    >>> overlap_counts(4, 3, stride=2)
    array([1, 1, 2, 1, 2, 1, 2, 1, 1])
    >>> overlap_counts(4, 4, stride=2)
    array([1, 1, 2, 2, 2, 2, 2, 2, 1, 1])
    """
    shape = as_input_shape(input_shape)
    ndim = len(shape)
    kernel = as_tuple(kernel_size, ndim, "kernel_size", minimum=1)
    transpose = _TRANSPOSES[ndim]
    ones = np.ones((1, 1) + shape)
    counts = transpose(ones, np.ones((1, 1) + kernel), stride=stride, padding=padding,
                       output_padding=output_padding, dilation=dilation)[0, 0]
    return np.rint(counts).astype(np.int64)


def stacked_overlap_counts(input_shape: IntOrSeq, layers: Sequence[Layer]) -> np.ndarray:
    """Overlap counts after several transposed convolutions in a row.

    Layer ``l + 1`` transposes layer ``l``'s counts with a kernel of ones, so each final element
    holds the number of paths from the input elements to it through the stacked kernel copies.

    Parameters
    ----------
    input_shape : int or tuple of int
        Spatial shape of the first layer's input.
    layers : sequence of (kernel_size, stride)
        The layers, first to last; no padding.

    Returns
    -------
    numpy.ndarray
        int64, of the last layer's output shape.

    Raises
    ------
    TypeError, ValueError
        For a bad shape or layer.

    Examples
    --------
    >>> stacked_overlap_counts(3, [(3, 2)])
    array([1, 1, 2, 1, 2, 1, 1])
    >>> stacked_overlap_counts(2, [(3, 2), (3, 2)])
    array([1, 1, 2, 1, 3, 2, 3, 1, 2, 1, 1])
    """
    shape = as_input_shape(input_shape)
    ndim = len(shape)
    checked = as_layers(layers, ndim)
    transpose = _TRANSPOSES[ndim]
    values = np.ones((1, 1) + shape)
    for kernel, stride in checked:
        values = transpose(values, np.ones((1, 1) + kernel), stride=stride)
    return np.rint(values[0, 0]).astype(np.int64)


def _extent(layers: list) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Size of one input element's footprint after the layers, and the total stride."""
    ndim = len(layers[0][0])
    extent, total = [1] * ndim, [1] * ndim
    for kernel, stride in layers:
        for j in range(ndim):
            extent[j] = (extent[j] - 1) * stride[j] + kernel[j]
            total[j] *= stride[j]
    return tuple(extent), tuple(total)


def interior(counts: Any, layers: Sequence[Layer]) -> np.ndarray:
    """The part of ``counts`` that no border reaches: where every covering copy exists.

    Near the ends of the output some of the copies that would cover an element are missing
    (there is no input before the first element or after the last). Those ends are
    ``E - 1`` elements wide, where ``E`` is the footprint of one input element after all the
    layers; what is left is periodic with the total stride.

    Parameters
    ----------
    counts : array_like
        Counts from :func:`overlap_counts` (no padding) or :func:`stacked_overlap_counts`.
    layers : sequence of (kernel_size, stride)
        The layers that produced ``counts``.

    Returns
    -------
    numpy.ndarray
        A view of ``counts`` without its borders.

    Raises
    ------
    ValueError
        If the counts are too small to have an interior (use a larger input).

    Examples
    --------
    >>> interior(overlap_counts(4, 3, stride=2), [(3, 2)])
    array([2, 1, 2, 1, 2])
    """
    counts = as_numeric_array(counts, "counts")
    checked = as_layers(layers, counts.ndim)
    extent, _ = _extent(checked)
    border = [e - 1 for e in extent]
    if any(n - 2 * b < 1 for n, b in zip(counts.shape, border)):
        raise ValueError(
            f"counts of shape {counts.shape} have no interior: the borders reached by missing "
            f"copies are {tuple(border)} elements wide at each end; use a larger input"
        )
    return counts[tuple(slice(b, n - b) for n, b in zip(counts.shape, border))]


def unevenness(values: Any) -> float:
    """Largest over smallest value: 1.0 for an even coverage, ``inf`` where an element gets nothing.

    Parameters
    ----------
    values : array_like
        Non-negative counts, usually :func:`interior` of the overlap counts.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``values`` is empty or negative.

    Examples
    --------
    >>> unevenness([2, 1, 2, 1])
    2.0
    >>> unevenness([0, 1])
    inf
    """
    values = as_numeric_array(values, "values")
    if values.size == 0:
        raise ValueError(f"values must not be empty, got shape {values.shape}")
    if values.min() < 0:
        raise ValueError(f"values must be counts (>= 0), got a minimum of {values.min()}")
    smallest, largest = float(values.min()), float(values.max())
    return largest / smallest if smallest > 0 else float("inf")


def interior_unevenness(layers: Sequence[Layer], ndim: int = 1) -> float:
    """:func:`unevenness` of the interior of the overlap counts of ``layers``.

    The input is chosen just large enough for the interior to hold two full periods.

    Parameters
    ----------
    layers : sequence of (kernel_size, stride)
        The stacked transposed convolutions.
    ndim : int, default 1
        Number of spatial dimensions, 1, 2 or 3.

    Returns
    -------
    float
        1.0 exactly when every interior element gets the same number of copies.

    Examples
    --------
    >>> interior_unevenness([(4, 2)]), interior_unevenness([(3, 2)])
    (1.0, 2.0)
    >>> interior_unevenness([(3, 2)], ndim=2)
    4.0
    """
    ndim = as_int(ndim, "ndim", minimum=1)
    if ndim > 3:
        raise ValueError(f"ndim must be 1, 2 or 3, got {ndim}")
    checked = as_layers(layers, ndim)
    extent, total = _extent(checked)
    # The interior of an output from input size i has (i - 1) S - E + 2 elements; ask for 2 S.
    size = tuple(-(-(e - 2 + 2 * s) // s) + 1 for e, s in zip(extent, total))
    return unevenness(interior(stacked_overlap_counts(size, checked), checked))


# --- the alternative: resize, then convolve --------------------------------------------------
def _linear_weights(size: int, factor: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source indices and weights of linear interpolation with half-pixel centres.

    Output element ``t`` sits at ``(t + 0.5) / factor - 0.5`` in input coordinates (clamped to
    the first and last element), as ``torch.nn.functional.interpolate(..., align_corners=False)``.
    """
    position = (np.arange(size * factor) + 0.5) / factor - 0.5
    position = np.clip(position, 0, size - 1)
    low = np.floor(position).astype(np.intp)
    high = np.minimum(low + 1, size - 1)
    return low, high, position - low


def upsample2d(input: Any, factor: int = 2, mode: str = "nearest") -> np.ndarray:
    """Enlarge the last two axes of an array ``factor`` times.

    Parameters
    ----------
    input : array_like
        At least 2-D; the last two axes are height and width.
    factor : int, default 2
        Integer scale factor, >= 1.
    mode : {'nearest', 'bilinear'}, default 'nearest'
        ``'nearest'`` repeats every element ``factor`` times along both axes; ``'bilinear'``
        interpolates linearly along each axis with half-pixel centres, as PyTorch's
        ``interpolate(..., mode='bilinear', align_corners=False)``.

    Returns
    -------
    numpy.ndarray
        Floating, of shape ``(..., H * factor, W * factor)``.

    Raises
    ------
    TypeError
        If ``input`` is not numeric or ``factor`` not an int or ``mode`` not a string.
    ValueError
        If ``input`` has fewer than 2 dimensions or is empty, ``factor < 1`` or ``mode`` is unknown.

    Examples
    --------
    >>> upsample2d([[1, 2]], 2)
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]])
    >>> upsample2d([[0, 1]], 2, mode="bilinear")[0]
    array([0.  , 0.25, 0.75, 1.  ])
    """
    x = as_numeric_array(input, "input")
    factor = as_int(factor, "factor", minimum=1)
    if not isinstance(mode, str):
        raise TypeError(f"mode must be 'nearest' or 'bilinear', got {mode!r} of type "
                        f"{type(mode).__name__}")
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"mode must be 'nearest' or 'bilinear', got {mode!r}")
    if x.ndim < 2 or x.size == 0:
        raise ValueError(f"input must have at least 2 dimensions (..., H, W) and no zero size, "
                         f"got shape {x.shape}")
    x = x.astype(np.result_type(x.dtype, np.float64) if x.dtype.kind in "iu" else x.dtype)
    if mode == "nearest":
        return np.repeat(np.repeat(x, factor, axis=-2), factor, axis=-1)
    for axis in (-2, -1):
        low, high, weight = _linear_weights(x.shape[axis], factor)
        shape = [1] * x.ndim
        shape[axis] = -1
        weight = weight.reshape(shape).astype(x.dtype)
        x = np.take(x, low, axis=axis) * (1 - weight) + np.take(x, high, axis=axis) * weight
    return x


def resize_conv2d(input: Any, weight: Any, factor: int = 2, mode: str = "nearest",
                  bias: Any = None) -> np.ndarray:
    """Resize-convolution: upsample by ``factor``, then a stride-1 convolution with 'same' padding.

    The alternative to a strided transposed convolution that Odena, Dumoulin & Olah recommend:
    every output element sees the same number of kernel taps, so no checkerboard comes from
    the layer's structure.

    Parameters
    ----------
    input : array_like
        ``(N, C_in, H, W)`` or ``(C_in, H, W)``.
    weight : array_like
        ``(C_out, C_in, kH, kW)``, as :func:`tconv.conv2d`.
    factor : int, default 2
        Upsampling factor, >= 1.
    mode : {'nearest', 'bilinear'}, default 'nearest'
        As :func:`upsample2d`.
    bias : array_like, optional
        ``(C_out,)``.

    Returns
    -------
    numpy.ndarray
        ``(N, C_out, H * factor, W * factor)`` (or without ``N``).

    Raises
    ------
    TypeError, ValueError
        As :func:`upsample2d` and :func:`tconv.conv2d`.

    Examples
    --------
    A constant image stays constant away from the border, whatever the kernel:

    >>> import numpy as np
    >>> w = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    >>> resize_conv2d(np.ones((1, 1, 3, 3)), w)[0, 0, 1:-1, 1:-1]
    array([[45., 45., 45., 45.],
           [45., 45., 45., 45.],
           [45., 45., 45., 45.],
           [45., 45., 45., 45.]])
    """
    x = as_numeric_array(input, "input")
    if x.ndim not in (3, 4):
        raise ValueError(f"input of resize_conv2d must be 4-D (N, C, H, W) or 3-D (C, H, W), "
                         f"got shape {x.shape}")
    w = as_numeric_array(weight, "weight")
    if w.ndim != 4:
        raise ValueError(f"weight of resize_conv2d must be 4-D (C_out, C_in, kH, kW), "
                         f"got shape {w.shape}")
    return functional.conv2d(upsample2d(x, factor, mode), w, bias, padding="same")
