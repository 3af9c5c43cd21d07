"""Single-channel convolution and transposed convolution on plain 2-D arrays, for teaching.

No batch or channel axes: an image and a kernel in, an image out. Integer arrays stay integers,
computed in int64 (so a uint8 image cannot wrap around), and the worked example gives exact
integers; floating arrays keep ``numpy.result_type(image, kernel)``.

Both operations are computed one kernel tap at a time, with array slicing: a transposed
convolution adds, for every tap ``(a, b)``, the whole input scaled by ``kernel[a, b]`` into a
strided window of the output. That is the scatter picture (every input value stamps the scaled
kernel) with the two loops swapped.

:func:`conv_transpose2d_by_zero_insertion` computes the gather picture literally: insert zeros
between the inputs, pad, and convolve with the flipped kernel.
"""

from __future__ import annotations

import math
from typing import Any, Sequence, Union

import numpy as np

from .._validate import as_numeric_array, as_tuple, check_allocation
from ..arithmetic import conv_transpose_size
from ..geometry import ConvGeometry

__all__ = [
    "conv2d_single",
    "conv_transpose2d_single",
    "insert_zeros",
    "gather_input",
    "conv_transpose2d_by_zero_insertion",
    "image_and_kernel",
]

IntOrPair = Union[int, Sequence[int]]


def _result_dtype(image: np.ndarray, kernel: np.ndarray) -> np.dtype:
    """Floats keep their type; integers are computed in (at least) int64, so uint8 images do
    not wrap around."""
    dtype = np.result_type(image, kernel)
    return np.result_type(dtype, np.int64) if dtype.kind in "iu" else dtype


def image_and_kernel(image: Any, kernel: Any,
                     image_name: str = "image") -> tuple[np.ndarray, np.ndarray]:
    """Both as 2-D, non-empty numeric arrays; errors name the image ``image_name``."""
    image = as_numeric_array(image, image_name)
    kernel = as_numeric_array(kernel, "kernel")
    for name, array in ((image_name, image), ("kernel", kernel)):
        if array.ndim != 2:
            raise ValueError(f"{name} must be a 2-D array, got shape {array.shape}")
        if array.size == 0:
            raise ValueError(f"{name} must not be empty (every size >= 1), got shape {array.shape}")
    return image, kernel


def conv2d_single(image: Any, kernel: Any, stride: IntOrPair = 1, padding: IntOrPair = 0,
                  dilation: IntOrPair = 1) -> np.ndarray:
    """Convolve (cross-correlate) one 2-D image with one 2-D kernel.

    The same as ``conv2d(image[None, None], kernel[None, None], ...)[0, 0]``, on plain arrays.

    Parameters
    ----------
    image, kernel : array_like
        2-D arrays of real numbers.
    stride, padding, dilation : int or pair of int
        As :func:`tconv.conv2d`.

    Returns
    -------
    numpy.ndarray
        2-D, of dtype ``numpy.result_type(image, kernel)`` for floats, int64 for integers.

    Examples
    --------
    >>> import numpy as np
    >>> conv2d_single(
    ...     np.arange(16).reshape(4, 4), np.arange(1, 10).reshape(3, 3)
    ... )
    array([[303, 348],
           [483, 528]])
    """
    image, kernel = image_and_kernel(image, kernel)
    geometry = ConvGeometry.for_conv((1, 1) + kernel.shape, (1,) + image.shape, stride, padding,
                                     dilation)
    (ph, pw) = geometry.padding
    dtype = _result_dtype(image, kernel)
    _check_size(geometry.full_shape, dtype, "the padded image")
    kernel = kernel.astype(dtype, copy=False)
    padded = np.zeros(geometry.full_shape, dtype=dtype)
    padded[ph:ph + image.shape[0], pw:pw + image.shape[1]] = image
    (oh, ow), (sh, sw), (dh, dw) = geometry.output_shape, geometry.stride, geometry.dilation
    out = np.zeros((oh, ow), dtype=padded.dtype)
    for a in range(kernel.shape[0]):
        for b in range(kernel.shape[1]):
            window = padded[a * dh: a * dh + (oh - 1) * sh + 1: sh,
                            b * dw: b * dw + (ow - 1) * sw + 1: sw]
            out += kernel[a, b] * window
    return out


def conv_transpose2d_single(image: Any, kernel: Any, stride: IntOrPair = 1, padding: IntOrPair = 0,
                            output_padding: IntOrPair = 0, dilation: IntOrPair = 1) -> np.ndarray:
    """Transposed convolution of one 2-D image with one 2-D kernel: every input value stamps the
    kernel, scaled by that value, into the output at ``stride`` times its position.

    The same as ``conv_transpose2d(image[None, None], kernel[None, None], ...)[0, 0]``.

    Parameters
    ----------
    image, kernel : array_like
        2-D arrays of real numbers.
    stride, padding, output_padding, dilation : int or pair of int
        As :func:`tconv.conv_transpose2d`.

    Returns
    -------
    numpy.ndarray
        2-D, of dtype ``numpy.result_type(image, kernel)`` for floats, int64 for integers.

    Examples
    --------
    The worked example: one input value 1 stamps the kernel itself into the corner.

    >>> import numpy as np
    >>> K = np.arange(1, 10).reshape(3, 3)
    >>> conv_transpose2d_single([[1, 0], [0, 0]], K)
    array([[1, 2, 3, 0],
           [4, 5, 6, 0],
           [7, 8, 9, 0],
           [0, 0, 0, 0]])
    """
    image, kernel = image_and_kernel(image, kernel)
    geometry = ConvGeometry.for_conv_transpose((1, 1) + kernel.shape, (1,) + image.shape, stride,
                                               padding, output_padding, dilation)
    (h, w), (kh, kw) = image.shape, kernel.shape
    (sh, sw), (dh, dw) = geometry.stride, geometry.dilation
    # The full (uncropped) output; every tap adds the scaled image into a strided window of it.
    dtype = _result_dtype(image, kernel)
    _check_size(geometry.full_shape, dtype, "the full (uncropped) output")
    image, kernel = image.astype(dtype, copy=False), kernel.astype(dtype, copy=False)
    full = np.zeros(geometry.full_shape, dtype=dtype)
    for a in range(kh):
        for b in range(kw):
            full[a * dh: a * dh + (h - 1) * sh + 1: sh,
                 b * dw: b * dw + (w - 1) * sw + 1: sw] += kernel[a, b] * image
    # Crop `padding` at the start and `padding_end` at the end (negative amounts add zeros:
    # output_padding beyond the padding, or a "same" output longer than the full one).
    for axis in range(2):
        full = _pad_or_crop(full, axis, -geometry.padding[axis], -geometry.padding_end[axis])
    return full


def insert_zeros(image: Any, stride: IntOrPair) -> np.ndarray:
    """Put ``stride - 1`` zeros between neighbouring elements along every axis.

    Parameters
    ----------
    image : array_like
        An array of real numbers with any number of dimensions.
    stride : int or tuple of int
        One per axis (an int applies to all), >= 1.

    Returns
    -------
    numpy.ndarray
        Shape ``(n - 1) * stride + 1`` along each axis, same dtype.

    Raises
    ------
    TypeError
        A non-numeric image, or a stride that is not an int or a tuple of ints.
    ValueError
        An empty image, a stride < 1, or a tuple of the wrong length.

    Examples
    --------
    >>> insert_zeros([[1, 2], [3, 4]], 2)
    array([[1, 0, 2],
           [0, 0, 0],
           [3, 0, 4]])
    """
    image = as_numeric_array(image, "image")
    stride = as_tuple(stride, image.ndim, "stride", minimum=1)
    if image.size == 0:
        raise ValueError(f"image must not be empty, got shape {image.shape}")
    shape = tuple(conv_transpose_size(n, 1, s, 0, 0, 1) for n, s in zip(image.shape, stride))
    _check_size(shape, image.dtype, "the image with zeros inserted")
    out = np.zeros(shape, dtype=image.dtype)
    out[tuple(slice(None, None, s) for s in stride)] = image
    return out


def conv_transpose2d_by_zero_insertion(image: Any, kernel: Any, stride: IntOrPair = 1,
                                       padding: IntOrPair = 0, output_padding: IntOrPair = 0,
                                       dilation: IntOrPair = 1) -> np.ndarray:
    """Transposed convolution computed as zero insertion, then a convolution with the flipped kernel.

    The gather view: insert ``stride - 1`` zeros between the inputs, pad each side with
    ``dilation * (k - 1) - padding`` zeros (plus ``output_padding`` at the end; a negative amount
    crops), and convolve with stride 1, the same dilation and the kernel flipped in every axis.
    Equal to :func:`conv_transpose2d_single`, at the cost of multiplying many zeros.

    Parameters
    ----------
    image, kernel : array_like
        2-D arrays of real numbers.
    stride, padding, output_padding, dilation : int or pair of int
        As :func:`tconv.conv_transpose2d` (``padding`` may be ``"same"`` or ``"same_lower"``).

    Returns
    -------
    numpy.ndarray
        2-D, as :func:`conv_transpose2d_single`.

    Raises
    ------
    TypeError, ValueError
        As :func:`tconv.conv_transpose2d`, naming ``image`` and ``kernel``.

    Examples
    --------
    >>> import numpy as np
    >>> K = np.arange(1, 10).reshape(3, 3)
    >>> x = np.array([[1, 2], [3, 4]])
    >>> bool((conv_transpose2d_by_zero_insertion(x, K, stride=2)
    ...       == conv_transpose2d_single(x, K, stride=2)).all())
    True
    """
    image, kernel = image_and_kernel(image, kernel)
    spread = gather_input(image, kernel, stride, padding, output_padding, dilation)
    geometry = ConvGeometry.for_conv_transpose((1, 1) + kernel.shape, (1,) + image.shape, stride,
                                               padding, output_padding, dilation)
    return conv2d_single(spread, kernel[::-1, ::-1], stride=1, padding=0,
                         dilation=geometry.dilation)


def gather_input(image: Any, kernel: Any, stride: IntOrPair = 1, padding: IntOrPair = 0,
                 output_padding: IntOrPair = 0, dilation: IntOrPair = 1) -> np.ndarray:
    """The input of the gather view's convolution: zeros inserted, then padded (or cropped).

    ``stride - 1`` zeros go between neighbouring inputs; each side then gets
    ``dilation * (k - 1) - padding`` zeros, the end ``output_padding`` more (a negative amount
    crops). A stride-1 convolution of this array with the flipped kernel, at the same dilation,
    is the transposed convolution (:func:`conv_transpose2d_by_zero_insertion`).

    Parameters
    ----------
    image, kernel : array_like
        2-D arrays of real numbers (only the kernel's shape is used).
    stride, padding, output_padding, dilation : int or pair of int
        As :func:`tconv.conv_transpose2d`.

    Returns
    -------
    numpy.ndarray
        2-D, of the image's dtype; its size along each axis is the output's plus
        ``dilation * (k - 1)``.

    Raises
    ------
    TypeError, ValueError
        As :func:`tconv.conv_transpose2d`, naming ``image`` and ``kernel``.

    Examples
    --------
    >>> import numpy as np
    >>> gather_input(np.array([[1, 2], [3, 4]]), np.ones((3, 3)), stride=2,
    ...              padding=1)
    array([[0, 0, 0, 0, 0],
           [0, 1, 0, 2, 0],
           [0, 0, 0, 0, 0],
           [0, 3, 0, 4, 0],
           [0, 0, 0, 0, 0]])
    """
    image, kernel = image_and_kernel(image, kernel)
    geometry = ConvGeometry.for_conv_transpose((1, 1) + kernel.shape, (1,) + image.shape, stride,
                                               padding, output_padding, dilation)
    spread = insert_zeros(image, geometry.stride)
    # Pad (or, where negative, crop) each axis so that a stride-1 convolution yields the output.
    for axis in range(2):
        reach = geometry.dilation[axis] * (kernel.shape[axis] - 1)
        before = reach - geometry.padding[axis]
        after = reach - geometry.padding_end[axis]
        spread = _pad_or_crop(spread, axis, before, after)
    return spread


def _check_size(shape: tuple[int, ...], dtype: np.dtype, what: str) -> None:
    """Refuse an array larger than this machine's memory before allocating it."""
    check_allocation(math.prod(shape) * np.dtype(dtype).itemsize,
                     f"{what}, of shape {shape} and dtype {np.dtype(dtype)},",
                     "these teaching helpers build it whole: use tconv.conv_transpose2d, "
                     "which does not")


def _pad_or_crop(array: np.ndarray, axis: int, before: int, after: int) -> np.ndarray:
    """Add zeros at the ends of ``axis`` (positive amounts) or remove elements (negative ones)."""
    widths = [(0, 0)] * array.ndim
    widths[axis] = (max(before, 0), max(after, 0))
    shape = list(array.shape)
    shape[axis] += sum(widths[axis])
    _check_size(tuple(shape), array.dtype, "the padded array")
    array = np.pad(array, widths)
    start, stop = max(-before, 0), array.shape[axis] - max(-after, 0)
    return array.take(np.arange(start, stop), axis=axis)
