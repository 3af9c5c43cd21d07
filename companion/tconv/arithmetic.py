"""Output sizes of convolutions and transposed convolutions.

The formulas are PyTorch's (``torch.nn.Conv2d`` and ``torch.nn.ConvTranspose2d``) and the
relationships of Dumoulin & Visin, *A guide to convolution arithmetic for deep learning*
(arXiv:1603.07285). For one spatial dimension with input size ``i``, kernel size ``k``, stride
``s``, padding ``p``, dilation ``d`` and output padding ``a``:

.. math::

    o_\\text{conv} = \\left\\lfloor \\frac{i + 2p - d(k - 1) - 1}{s} \\right\\rfloor + 1,
    \\qquad
    o_\\text{transposed} = (i - 1)s - 2p + d(k - 1) + a + 1.

The public functions take ints (one dimension, return an int) or tuples (one entry per
dimension, return a tuple; int arguments are broadcast to the tuples' length).
:func:`conv_size` and :func:`conv_transpose_size` are the unchecked one-dimension formulas that
the rest of tconv reads.
"""

from __future__ import annotations

from typing import Union

from ._validate import as_tuple

__all__ = [
    "conv_output_size",
    "conv_transpose_output_size",
    "output_padding_for_size",
    "same_padding_transpose",
    "conv_size",
    "conv_transpose_size",
    "check_output_padding",
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


# --- argument handling ----------------------------------------------------------------------
def _broadcast(**arguments: object) -> tuple[dict[str, tuple[int, ...]], bool]:
    """Turn every argument into a tuple of one common length.

    Returns the tuples and whether the caller passed any tuple (then the result is a tuple).
    """
    lengths = {
        len(value) for value in arguments.values() if isinstance(value, (tuple, list))
    }
    if len(lengths) > 1:
        given = ", ".join(f"{name}={value!r}" for name, value in arguments.items())
        raise ValueError(
            f"tuple arguments must all have the same length (one entry per dimension), got {given}"
        )
    ndim = lengths.pop() if lengths else 1
    minimums = {"input_size": 1, "output_size": 1, "kernel_size": 1, "stride": 1,
                "dilation": 1, "padding": 0, "output_padding": 0}
    tuples = {
        name: as_tuple(value, ndim, name, minimum=minimums[name])
        for name, value in arguments.items()
    }
    return tuples, any(isinstance(value, (tuple, list)) for value in arguments.values())


def _result(values: list[int], as_tuple_result: bool) -> IntOrTuple:
    return tuple(values) if as_tuple_result else values[0]


def check_output_padding(output_padding: tuple[int, ...], stride: tuple[int, ...],
                         dilation: tuple[int, ...]) -> None:
    """PyTorch's rule: each output_padding must be smaller than its stride or its dilation."""
    for a, s, d in zip(output_padding, stride, dilation):
        if a >= max(s, d):
            raise ValueError(
                f"output_padding must be smaller than either stride or dilation in every "
                f"dimension, got output_padding={output_padding!r} with stride={stride!r} "
                f"and dilation={dilation!r}"
            )


def _no_output(kind: str, detail: str) -> ValueError:
    return ValueError(f"{kind} leaves no output: {detail}")


# --- public functions -----------------------------------------------------------------------
def conv_output_size(
    input_size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> IntOrTuple:
    """Spatial output size of a convolution (``torch.nn.functional.conv*d``).

    Parameters
    ----------
    input_size, kernel_size : int or tuple of int
        Spatial size of the input and of the kernel, each >= 1.
    stride, dilation : int or tuple of int, default 1
        Step between windows and spacing between kernel taps, each >= 1.
    padding : int or tuple of int, default 0
        Zeros added at both ends of every dimension, >= 0.

    Returns
    -------
    int or tuple of int
        ``floor((input_size + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1``;
        a tuple if any argument is a tuple.

    Raises
    ------
    TypeError
        If an argument is not an int or a tuple of ints.
    ValueError
        If an argument is out of range, tuples differ in length, or no output is left.

    Examples
    --------
    >>> conv_output_size(4, 3)          # the worked example: a 4x4 image, a 3x3 kernel
    2
    >>> conv_output_size((5, 7), 3, stride=2, padding=1)
    (3, 4)
    """
    args, tupled = _broadcast(input_size=input_size, kernel_size=kernel_size, stride=stride,
                              padding=padding, dilation=dilation)
    sizes = []
    for i, k, s, p, d in zip(*args.values()):
        out = conv_size(i, k, s, p, p, d)
        if out < 1:
            raise _no_output(
                "the convolution",
                f"input_size {i} with padding {p} is smaller than the dilated kernel "
                f"(dilation*(kernel_size-1)+1 = {d * (k - 1) + 1})",
            )
        sizes.append(out)
    return _result(sizes, tupled)


def conv_transpose_output_size(
    input_size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
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
    padding : int or tuple of int, default 0
        Rows removed from both ends of the full output, >= 0.
    output_padding : int or tuple of int, default 0
        Rows given back at the end, ``0 <= output_padding < max(stride, dilation)``.

    Returns
    -------
    int or tuple of int
        ``(input_size - 1)*stride - 2*padding + dilation*(kernel_size - 1) + output_padding + 1``.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv_output_size`, and for an output_padding not smaller than stride or dilation.

    Examples
    --------
    >>> conv_transpose_output_size(2, 3)       # the worked example's 2x2 -> 4x4
    4
    >>> conv_transpose_output_size((16, 16), 4, stride=2, padding=1)   # a DCGAN layer doubles
    (32, 32)
    """
    args, tupled = _broadcast(input_size=input_size, kernel_size=kernel_size, stride=stride,
                              padding=padding, output_padding=output_padding, dilation=dilation)
    check_output_padding(args["output_padding"], args["stride"], args["dilation"])
    sizes = []
    for i, k, s, p, a, d in zip(*args.values()):
        out = conv_transpose_size(i, k, s, p, p - a, d)
        if out < 1:
            raise _no_output(
                "the transposed convolution",
                f"padding {p} crops more than the full output of size "
                f"{conv_transpose_size(i, k, s, 0, 0, d)} (input_size {i}, kernel_size {k}, "
                f"stride {s}, dilation {d})",
            )
        sizes.append(out)
    return _result(sizes, tupled)


def output_padding_for_size(
    input_size: IntOrTuple,
    output_size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> IntOrTuple:
    """The ``output_padding`` that makes a transposed convolution produce ``output_size``.

    A strided convolution maps several input sizes to the same output size, so its transpose
    needs to be told which one to produce; PyTorch's ``ConvTranspose*d`` modules accept an
    ``output_size`` for this. The reachable sizes are ``m, m + 1, ..., m + stride - 1`` where ``m``
    is the size with no output padding.

    Returns
    -------
    int or tuple of int

    Raises
    ------
    ValueError
        If ``output_size`` cannot be reached with these arguments.

    Examples
    --------
    >>> output_padding_for_size(4, 8, kernel_size=3, stride=2, padding=1)
    1
    >>> output_padding_for_size((4, 4), (7, 8), kernel_size=3, stride=2, padding=1)
    (0, 1)
    """
    args, tupled = _broadcast(input_size=input_size, output_size=output_size,
                              kernel_size=kernel_size, stride=stride, padding=padding,
                              dilation=dilation)
    paddings = []
    for i, o, k, s, p, d in zip(*args.values()):
        smallest = conv_transpose_size(i, k, s, p, p, d)
        # As PyTorch's ConvTranspose modules do with their output_size argument: one of the
        # `stride` sizes whose convolution gives `input_size` (output_padding < stride).
        largest = smallest + s - 1
        if not smallest <= o <= largest or largest < 1:
            raise ValueError(
                f"output_size {o} cannot be reached: with input_size {i}, kernel_size {k}, "
                f"stride {s}, padding {p} and dilation {d} the output size must be between "
                f"{max(smallest, 1)} and {largest}"
            )
        paddings.append(o - smallest)
    return _result(paddings, tupled)


def same_padding_transpose(
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    dilation: IntOrTuple = 1,
    *,
    lower: bool = False,
) -> tuple[IntOrTuple, IntOrTuple]:
    """Crops that make a transposed convolution's output exactly ``input_size * stride``.

    The full output of a transposed convolution has ``(i - 1)s + d(k - 1) + 1`` elements; removing
    ``T = d(k - 1) + 1 - s`` of them leaves ``i * s`` for every input size ``i``. Like ONNX's
    ``auto_pad``, ``SAME_UPPER`` (the default) removes ``floor(T/2)`` at the start and the rest at the
    end; ``lower=True`` (``SAME_LOWER``) puts the larger half at the start. When the stride
    exceeds the dilated kernel, ``T`` is negative: then nothing is removed at the start and the
    output is extended with ``-T`` zeros at the end in both modes, as TensorFlow's ``'SAME'`` and
    PyTorch's ``output_padding`` do (``end`` is negative).

    ``conv_transpose*d(..., padding="same")`` and ``padding="same_lower"`` apply these crops.
    With PyTorch's arguments the same output is ``padding=begin, output_padding=begin - end``,
    which PyTorch accepts only when ``begin - end < max(stride, dilation)`` (not for an odd ``T``
    with the default mode, nor for an odd ``T`` when stride and dilation are both 1).

    Returns
    -------
    (begin, end) : ints, or tuples of ints if any argument is a tuple

    Raises
    ------
    TypeError, ValueError
        As :func:`conv_output_size`, and a ``TypeError`` if ``lower`` is not a bool.

    Examples
    --------
    >>> same_padding_transpose(4, stride=2)       # DCGAN: PyTorch's padding=1
    (1, 1)
    >>> same_padding_transpose(3, stride=2)       # T = 1: one element off the end
    (0, 1)
    >>> same_padding_transpose(3, stride=2, lower=True)   # = padding=1, output_padding=1
    (1, 0)
    >>> same_padding_transpose(1, stride=2)       # T = -1: one zero added at the end
    (0, -1)
    """
    if not isinstance(lower, bool):
        raise TypeError(f"lower must be True or False, got {lower!r}")
    args, tupled = _broadcast(kernel_size=kernel_size, stride=stride, dilation=dilation)
    begins, ends = [], []
    for k, s, d in zip(*args.values()):
        total = d * (k - 1) + 1 - s
        if total < 0:
            begin = 0
        else:
            begin = total - total // 2 if lower else total // 2
        begins.append(begin)
        ends.append(total - begin)
    return _result(begins, tupled), _result(ends, tupled)
