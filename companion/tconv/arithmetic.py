"""Output sizes of convolutions and transposed convolutions.

The formulas are PyTorch's (``torch.nn.Conv2d`` and ``torch.nn.ConvTranspose2d``) and the
relationships of Dumoulin & Visin, *A guide to convolution arithmetic for deep learning*
(arXiv:1603.07285). For one spatial dimension with input size ``i``, kernel size ``k``, stride
``s``, padding ``p``, dilation ``d`` and output padding ``a``:

.. math::

    o_\\text{conv} = \\left\\lfloor \\frac{i + 2p - d(k - 1) - 1}{s} \\right\\rfloor + 1,

    o_\\text{transposed} = (i - 1)s - 2p + d(k - 1) + a + 1.

With zeros ``b`` before and ``e`` after the input (a ``(begin, end)`` pair, see
:mod:`tconv.padding`), ``2p`` becomes ``b + e``; for the transposed convolution, ``b`` and ``e``
are crops and ``e`` is lowered by ``a``.

The public functions take ints (one dimension, return an int) or tuples (one entry per
dimension, return a tuple; int arguments are broadcast to the tuples' length).
:func:`conv_size` and :func:`conv_transpose_size` are the unchecked one-dimension formulas that
the rest of tconv reads.
"""

from __future__ import annotations

from typing import Union

from ._validate import broadcast_ints, int_or_tuple
from .padding import Padding, conv_padding, explicit_padding, transpose_crops

__all__ = [
    "conv_output_size",
    "conv_transpose_output_size",
    "output_padding_for_size",
    "conv_size",
    "conv_transpose_size",
]

IntOrTuple = Union[int, tuple[int, ...]]


# --- one dimension, no checks: the formulas every other module reads -----------------------
def conv_size(size: int, kernel: int, stride: int, pad_begin: int, pad_end: int, dilation: int) -> int:
    """Output size of a convolution in one dimension, with padding ``pad_begin + pad_end``."""
    return (size + pad_begin + pad_end - dilation * (kernel - 1) - 1) // stride + 1


def conv_transpose_size(
    size: int, kernel: int, stride: int, crop_begin: int, crop_end: int, dilation: int
) -> int:
    """Output size of a transposed convolution in one dimension.

    The full output, ``(size - 1) * stride + dilation * (kernel - 1) + 1``, is cropped by
    ``crop_begin`` at the start and ``crop_end`` at the end (PyTorch's ``padding`` and
    ``padding - output_padding``). A negative crop extends the output with zeros.
    """
    return (size - 1) * stride + dilation * (kernel - 1) + 1 - crop_begin - crop_end


def _no_output(kind: str, detail: str) -> ValueError:
    return ValueError(f"{kind} leaves no output: {detail}")


def _shown(begin: int, end: int) -> str:
    """One dimension's padding as the user would write it."""
    return str(begin) if begin == end else f"({begin}, {end})"


# --- public functions -----------------------------------------------------------------------
def conv_output_size(
    input_size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
) -> IntOrTuple:
    """Spatial output size of a convolution (``torch.nn.functional.conv*d``).

    Parameters
    ----------
    input_size, kernel_size : int or tuple of int
        Spatial size of the input and of the kernel, each >= 1.
    stride, dilation : int or tuple of int, default 1
        Step between windows and spacing between kernel taps, each >= 1.
    padding : int, tuple, 'valid', 'same' or 'same_lower', default 0
        Zeros added at both ends of every dimension (>= 0), or per dimension an int or a
        ``(begin, end)`` pair (see :mod:`tconv.padding`); ``'same'`` gives
        ``ceil(input_size / stride)``.

    Returns
    -------
    int or tuple of int
        ``floor((input_size + begin + end - dilation*(kernel_size - 1) - 1) / stride) + 1``;
        a tuple if any argument is a tuple.

    Raises
    ------
    TypeError
        If an argument is not an int or a tuple of ints.
    ValueError
        If an argument is out of range, tuples differ in length, or no output is left.

    Examples
    --------
    >>> # the worked example: a 4x4 image, a 3x3 kernel
    >>> conv_output_size(4, 3)
    2
    >>> conv_output_size((5, 7), 3, stride=2, padding=1)
    (3, 4)
    >>> # one zero at the end only
    >>> conv_output_size(6, 3, stride=2, padding=((0, 1),))
    (3,)
    >>> conv_output_size(7, 4, stride=3, padding="same")
    3
    """
    args, _, tupled = broadcast_ints(dict(input_size=input_size, kernel_size=kernel_size,
                                          stride=stride, dilation=dilation),
                                     {"padding": padding})
    begins, ends = conv_padding(padding, args["input_size"], args["kernel_size"],
                                args["stride"], args["dilation"])
    sizes = []
    for i, k, s, d, b, e in zip(*args.values(), begins, ends):
        out = conv_size(i, k, s, b, e, d)
        if out < 1:
            raise _no_output(
                "the convolution",
                f"input_size {i} with padding {_shown(b, e)} is smaller than the dilated kernel "
                f"(dilation*(kernel_size-1)+1 = {d * (k - 1) + 1})",
            )
        sizes.append(out)
    return int_or_tuple(sizes, tupled)


def conv_transpose_output_size(
    input_size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    output_padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> IntOrTuple:
    """Spatial output size of a transposed convolution (``conv_transpose*d``).

    Parameters
    ----------
    input_size, kernel_size : int or tuple of int
        Spatial size of the input and of the kernel, each >= 1.
    stride, dilation : int or tuple of int, default 1
        Each >= 1.
    padding : int, tuple, 'same' or 'same_lower', default 0
        Elements removed from both ends of the full output (>= 0), or per dimension an int or
        a ``(begin, end)`` pair (see :mod:`tconv.padding`); ``'same'`` gives
        ``input_size * stride``.
    output_padding : int or tuple of int, default 0
        Elements given back at the end, ``0 <= output_padding < max(stride, dilation)``.

    Returns
    -------
    int or tuple of int
        ``(input_size - 1)*stride - begin - end + dilation*(kernel_size - 1) + output_padding + 1``.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv_output_size`, and for an output_padding not smaller than stride or dilation.

    Examples
    --------
    >>> # the worked example's 2x2 -> 4x4
    >>> conv_transpose_output_size(2, 3)
    4
    >>> # a DCGAN layer doubles
    >>> conv_transpose_output_size((16, 16), 4, stride=2, padding=1)
    (32, 32)
    >>> # crop 2 at the end only
    >>> conv_transpose_output_size(4, 3, stride=2, padding=((0, 2),))
    (7,)
    """
    args, _, tupled = broadcast_ints(dict(input_size=input_size, kernel_size=kernel_size,
                                          stride=stride, output_padding=output_padding,
                                          dilation=dilation), {"padding": padding})
    begins, ends = transpose_crops(padding, args["output_padding"], args["kernel_size"],
                                   args["stride"], args["dilation"])
    sizes = []
    for i, k, s, a, d, b, e in zip(*args.values(), begins, ends):
        out = conv_transpose_size(i, k, s, b, e, d)
        if out < 1:
            raise _no_output(
                "the transposed convolution",
                f"padding {_shown(b, e + a)} crops more than the full output of size "
                f"{conv_transpose_size(i, k, s, 0, 0, d)} (input_size {i}, kernel_size {k}, "
                f"stride {s}, dilation {d})",
            )
        sizes.append(out)
    return int_or_tuple(sizes, tupled)


def output_padding_for_size(
    input_size: IntOrTuple,
    output_size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
) -> IntOrTuple:
    """The ``output_padding`` that makes a transposed convolution produce ``output_size``.

    A strided convolution maps several input sizes to the same output size, so its transpose
    needs to be told which one to produce; PyTorch's ``ConvTranspose*d`` modules accept an
    ``output_size`` for this, and TensorFlow's ``conv*d_transpose`` an ``output_shape``. The
    reachable sizes are ``m, m + 1, ..., m + stride - 1`` where ``m`` is the size with no output
    padding.

    Parameters
    ----------
    padding : int or tuple, default 0
        As :func:`conv_transpose_output_size`, but numeric: a ``'same'`` output has one size.

    Returns
    -------
    int or tuple of int

    Raises
    ------
    ValueError
        If ``output_size`` cannot be reached with these arguments, or ``padding`` is a string.

    Examples
    --------
    >>> output_padding_for_size(4, 8, kernel_size=3, stride=2, padding=1)
    1
    >>> output_padding_for_size(
    ...     (4, 4), (7, 8), kernel_size=3, stride=2, padding=1
    ... )
    (0, 1)
    """
    if isinstance(padding, str):
        raise ValueError(
            f"output_padding_for_size needs a numeric padding (an int, or per dimension an int "
            f"or a (begin, end) pair), got {padding!r}: with 'same' the output size is always "
            f"input_size * stride")
    args, ndim, tupled = broadcast_ints(dict(input_size=input_size, output_size=output_size,
                                             kernel_size=kernel_size, stride=stride,
                                             dilation=dilation), {"padding": padding})
    begins, ends = explicit_padding(padding, ndim)
    paddings = []
    for i, o, k, s, d, b, e in zip(*args.values(), begins, ends):
        smallest = conv_transpose_size(i, k, s, b, e, d)
        # As PyTorch's ConvTranspose modules do with their output_size argument: one of the
        # `stride` sizes whose convolution gives `input_size` (output_padding < stride).
        largest = smallest + s - 1
        if not smallest <= o <= largest or largest < 1:
            raise ValueError(
                f"output_size {o} cannot be reached: with input_size {i}, kernel_size {k}, "
                f"stride {s}, padding {_shown(b, e)} and dilation {d} the output size must be "
                f"between {max(smallest, 1)} and {largest}"
            )
        paddings.append(o - smallest)
    return int_or_tuple(paddings, tupled)
