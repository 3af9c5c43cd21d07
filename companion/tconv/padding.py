"""How a ``padding`` argument becomes an amount at each end of every spatial dimension.

For a convolution the amounts are zeros added before and after its input. For a transposed
convolution they are elements cropped from the start and the end of its *full* output,
``(i - 1) * s + d * (k - 1) + 1`` elements long: the same numbers, seen from the adjoint. Every
function of tconv that takes a padding (the operators, the matrices, the size helpers,
:class:`~tconv.geometry.ConvGeometry`) reads it through this module, in one of these forms:

=====================================  =========================================================
``padding=``                           means, in each spatial dimension ``j``
=====================================  =========================================================
``p``                                  ``p`` at both ends (PyTorch)
``(p_1, ..., p_n)``                    ``p_j`` at both ends (PyTorch)
``((b_1, e_1), ..., (b_n, e_n))``      ``b_j`` at the start, ``e_j`` at the end, as
                                       ``numpy.pad`` writes them; an entry may also be one int
``"valid"``                            nothing (TensorFlow's and ONNX's ``VALID``)
``"same"``, ``"same_lower"``           the amounts that make the output size ``ceil(i / s)``
                                       (convolution) or ``i * s`` (transposed), the odd one at
                                       the end or at the start (ONNX's ``SAME_UPPER`` and
                                       ``SAME_LOWER``): :func:`same_padding`,
                                       :func:`same_padding_transpose`
=====================================  =========================================================

Every number is ``>= 0``. A transposed convolution's ``output_padding`` gives back elements at
the end (it lowers the end crop, and may take it below zero: the output is then extended with
zeros); with ``"same"`` it shifts the crop towards the start instead, as ONNX's ConvTranspose
does. In 1-D a pair must be written inside a tuple, ``((b, e),)``: a bare ``(b, e)`` has two
entries for one dimension.

Other libraries' arguments, as tconv's
--------------------------------------
Here ``i`` is a transposed convolution's input size, ``o`` an output size asked for, ``k``,
``s``, ``d`` the kernel size, stride and dilation, and ``a`` an ``output_padding``, per
dimension.

.. list-table::
   :header-rows: 1
   :widths: 45 55

   * - PyTorch, ONNX, TensorFlow
     - tconv
   * - PyTorch ``conv*d(padding=p)``, ``p`` an int, a tuple, ``'valid'`` or ``'same'``
     - the same arguments (``'same'`` also at stride > 1)
   * - PyTorch ``F.pad(x, (l, r, t, b))`` then ``conv2d`` (``F.pad`` lists the *last*
       dimension first)
     - ``conv2d(x, w, padding=((t, b), (l, r)))``
   * - PyTorch ``conv_transpose*d(padding=p, output_padding=a)``
     - the same arguments: ``p`` cropped at the start, ``p - a`` at the end
   * - PyTorch ``ConvTranspose*d(...)(x, output_size=o)``
     - ``output_padding=output_padding_for_size(i, o, k, s, p, d)``
   * - ONNX Conv ``pads=[b_1, ..., b_n, e_1, ..., e_n]``
     - ``padding=((b_1, e_1), ..., (b_n, e_n))``
   * - ONNX Conv ``auto_pad=SAME_UPPER``, ``SAME_LOWER``, ``VALID``
     - ``padding="same"``, ``"same_lower"``, ``"valid"``
   * - ONNX ConvTranspose ``pads`` and ``output_padding=a``
     - ``padding=((b_1, e_1), ...)``, ``output_padding=a``
   * - ONNX ConvTranspose ``auto_pad=SAME_UPPER`` (or ``SAME_LOWER``), ``output_padding=a``
     - ``padding="same"`` (or ``"same_lower"``), ``output_padding=a``; where
       ``d(k - 1) + 1 - s + a < 0`` see the note below
   * - ONNX ConvTranspose ``output_shape=o``, ``auto_pad=SAME_UPPER`` (else: ``b = t - t // 2``)
     - ``padding=((b, e), ...)``, ``output_padding=a``, where
       ``t = s(i - 1) + a + d(k - 1) + 1 - o``, ``b = t // 2`` and ``e = t - b``; where ``e``
       is negative, ``padding=((b, 0), ...)`` and ``output_padding=a - e`` instead
   * - TensorFlow ``conv2d(padding='SAME')``, ``'VALID'``
     - ``padding="same"``, ``"valid"``
   * - TensorFlow ``conv2d(padding=[[0, 0], [t, b], [l, r], [0, 0]])`` (NHWC)
     - ``padding=((t, b), (l, r))`` (tconv is channels-first)
   * - TensorFlow ``conv2d_transpose(output_shape=o, padding='SAME')``: the adjoint of
       ``conv2d(padding='SAME')`` on an input of size ``o``
     - ``padding=pairs``, ``output_padding=output_padding_for_size(i, o, k, s, pairs, d)``
       with ``pairs`` from :func:`same_padding` ``(o, k, s, d)``; for ``o = i * s`` simply
       ``padding="same"``. For ``'VALID'``, ``pairs`` are zeros.

*The negative total.* When the stride is longer than the dilated kernel, a transposed
``"same"`` output, ``i * s`` elements, is longer than the full output: zeros must be added
somewhere. tconv adds them at the end, which makes ``conv_transpose(padding="same")`` the
adjoint of ``conv(padding="same")`` on ``i * s`` elements (ONNX's Conv and TensorFlow's
``'SAME'`` agree). ONNX's reference ConvTranspose splits the negative amount as if it were
positive and puts zeros at the start (for ``SAME_UPPER``, or for ``SAME_LOWER`` when
``d(k - 1) + 1 - s + a < -1``); there tconv's output is the reference's rolled back by that
many elements, and it is *not* the adjoint of ONNX's own Conv.
"""

from __future__ import annotations

from typing import Any, Sequence, Union

from ._validate import (
    MAX_INT,
    _check_range,
    _is_int,
    as_bool,
    as_tuple,
    broadcast_ints,
    int_or_tuple,
)

__all__ = [
    "Padding",
    "CONV_PADDING_STRINGS",
    "TRANSPOSE_PADDING_STRINGS",
    "explicit_padding",
    "conv_padding",
    "transpose_crops",
    "check_output_padding",
    "same_padding",
    "same_padding_transpose",
]

#: Any padding argument: an int, a sequence of ints and (begin, end) pairs, or a string.
Padding = Union[int, Sequence[Union[int, Sequence[int]]], str]

IntOrTuple = Union[int, tuple[int, ...]]

CONV_PADDING_STRINGS = ("valid", "same", "same_lower")
TRANSPOSE_PADDING_STRINGS = ("valid", "same", "same_lower")

Pairs = tuple[tuple[int, ...], tuple[int, ...]]


# --- reading an argument --------------------------------------------------------------------
def explicit_padding(padding: Any, ndim: int) -> Pairs:
    """``(begin, end)`` of a numeric padding: an int, or one entry per dimension, each an int or
    a (begin, end) pair. Every amount must be an int ``>= 0``.

    >>> explicit_padding(1, 2)
    ((1, 1), (1, 1))
    >>> explicit_padding((2, (0, 1)), 2)
    ((2, 0), (2, 1))
    """
    if _is_int(padding):
        begin = as_tuple(padding, ndim, "padding", minimum=0)
        return begin, begin
    if not isinstance(padding, (tuple, list)):
        raise TypeError(
            f"padding must be an int, a string, or a tuple with one entry per spatial dimension "
            f"(an int, or a (begin, end) pair of ints), got {padding!r} of type "
            f"{type(padding).__name__}")
    if len(padding) != ndim:
        hint = (f"; for a (begin, end) pair in 1-D write (({padding[0]!r}, {padding[1]!r}),)"
                if ndim == 1 and len(padding) == 2 else "")
        raise ValueError(
            f"padding must have {ndim} entries (one per spatial dimension, each an int or a "
            f"(begin, end) pair), got {padding!r} of length {len(padding)}{hint}")
    begin, end = [], []
    for j, entry in enumerate(padding):
        if isinstance(entry, (tuple, list)):
            if len(entry) != 2:
                raise ValueError(
                    f"padding's entry for spatial dimension {j} must be an int or a "
                    f"(begin, end) pair, got {entry!r} (length {len(entry)}) in "
                    f"padding={padding!r}")
            pair = tuple(entry)
        else:
            pair = (entry, entry)
        for amount in pair:
            if not _is_int(amount):
                raise TypeError(
                    f"padding must contain integers, got {padding!r} (element {amount!r} is "
                    f"{type(amount).__name__})")
            _check_range(int(amount), "padding", 0, MAX_INT, padding, " in every dimension")
        begin.append(int(pair[0]))
        end.append(int(pair[1]))
    return tuple(begin), tuple(end)


def conv_padding(padding: Any, input_shape: Sequence[int], kernel: Sequence[int],
                 stride: Sequence[int], dilation: Sequence[int]) -> Pairs:
    """The zeros ``(begin, end)`` a convolution adds to its input (arguments checked, tuples).

    >>> # TensorFlow's 'SAME' at stride 2
    >>> conv_padding("same", (6,), (3,), (2,), (1,))
    ((0,), (1,))
    """
    if isinstance(padding, str):
        if padding not in CONV_PADDING_STRINGS:
            raise ValueError(
                f"padding must be an int, a tuple of ints or (begin, end) pairs, 'valid', "
                f"'same' or 'same_lower', got {padding!r}")
        if padding == "valid":
            zeros = (0,) * len(kernel)
            return zeros, zeros
        return _unzip([_same_conv(i, k, s, d, padding == "same_lower")
                       for i, k, s, d in zip(input_shape, kernel, stride, dilation)])
    return explicit_padding(padding, len(kernel))


def transpose_crops(padding: Any, output_padding: tuple[int, ...], kernel: Sequence[int],
                    stride: Sequence[int], dilation: Sequence[int]) -> Pairs:
    """The elements ``(begin, end)`` a transposed convolution crops from its full output, once
    ``output_padding`` is applied; ``end`` is negative where the output is extended.

    >>> # PyTorch: padding=1, output_padding=1
    >>> transpose_crops(1, (1,), (3,), (2,), (1,))
    ((1,), (0,))
    >>> # ONNX: SAME_UPPER, output_padding=1
    >>> transpose_crops("same", (1,), (3,), (2,), (1,))
    ((1,), (0,))
    """
    check_output_padding(output_padding, tuple(stride), tuple(dilation))
    if isinstance(padding, str):
        if padding not in TRANSPOSE_PADDING_STRINGS:
            raise ValueError(
                f"padding must be an int, a tuple of ints or (begin, end) pairs, 'valid', "
                f"'same' or 'same_lower', got {padding!r}")
        if padding == "valid":
            return (0,) * len(kernel), tuple(-a for a in output_padding)
        return _unzip([_same_transpose(k, s, d, a, padding == "same_lower")
                       for k, s, d, a in zip(kernel, stride, dilation, output_padding)])
    begin, end = explicit_padding(padding, len(kernel))
    return begin, tuple(e - a for e, a in zip(end, output_padding))


def check_output_padding(output_padding: tuple[int, ...], stride: tuple[int, ...],
                         dilation: tuple[int, ...]) -> None:
    """PyTorch's rule: each output_padding must be smaller than its stride or its dilation."""
    for a, s, d in zip(output_padding, stride, dilation):
        if a >= max(s, d):
            raise ValueError(
                f"output_padding must be smaller than either stride or dilation in every "
                f"dimension, got output_padding={output_padding!r} with stride={stride!r} "
                f"and dilation={dilation!r}")


# --- "same", one dimension ------------------------------------------------------------------
def _unzip(pairs: list[tuple[int, int]]) -> Pairs:
    """``[(b_1, e_1), ...]`` as ``((b_1, ...), (e_1, ...))``."""
    return tuple(b for b, _ in pairs), tuple(e for _, e in pairs)


def _split(total: int, lower: bool) -> int:
    """The start's share of ``total``: the smaller half (SAME_UPPER) or the larger (SAME_LOWER)."""
    return total - total // 2 if lower else total // 2


def _same_conv(i: int, k: int, s: int, d: int, lower: bool) -> tuple[int, int]:
    total = max(0, (-(-i // s) - 1) * s + d * (k - 1) + 1 - i)
    begin = _split(total, lower)
    return begin, total - begin


def _same_transpose(k: int, s: int, d: int, a: int, lower: bool) -> tuple[int, int]:
    excess = d * (k - 1) + 1 - s  # the full output is i * s + excess long
    begin = _split(excess + a, lower) if excess + a > 0 else 0
    return begin, excess - begin


# --- public helpers -------------------------------------------------------------------------
def same_padding(input_size: IntOrTuple, kernel_size: IntOrTuple, stride: IntOrTuple = 1,
                 dilation: IntOrTuple = 1, *, lower: bool = False
                 ) -> tuple[IntOrTuple, IntOrTuple]:
    """Zeros that make a convolution's output ``ceil(input_size / stride)`` long (``"same"``).

    The windows of a convolution with output size ``o = ceil(i / s)`` span
    ``(o - 1) s + d (k - 1) + 1`` elements, ``T`` more than the input (or none, if the input is
    longer). As TensorFlow's ``'SAME'`` and ONNX's ``auto_pad=SAME_UPPER``, ``floor(T / 2)``
    zeros go before the input and the rest after it; ``lower=True`` (``SAME_LOWER``) puts the
    larger half before. At stride 1 this is PyTorch's ``padding='same'`` (``T = d (k - 1)``).
    ``conv*d(..., padding="same")`` and ``padding="same_lower"`` apply it.

    Parameters
    ----------
    input_size, kernel_size : int or tuple of int
        Each >= 1.
    stride, dilation : int or tuple of int, default 1
        Each >= 1.
    lower : bool, default False
        Put the odd zero before the input instead of after it.

    Returns
    -------
    (begin, end) : ints, or tuples of ints if any argument is a tuple

    Raises
    ------
    TypeError, ValueError
        As :func:`tconv.conv_output_size`, and a ``TypeError`` if ``lower`` is not a bool.

    Examples
    --------
    >>> # PyTorch's padding='same': 1 each side
    >>> same_padding(5, 3)
    (1, 1)
    >>> # windows at 0, 2, 4 need one zero after
    >>> same_padding(6, 3, stride=2)
    (0, 1)
    >>> same_padding(6, 3, stride=2, lower=True)
    (1, 0)
    >>> same_padding((7, 8), 4, stride=2)
    ((1, 1), (2, 1))
    """
    lower = as_bool(lower, "lower")
    args, _, tupled = broadcast_ints(dict(input_size=input_size, kernel_size=kernel_size,
                                          stride=stride, dilation=dilation))
    begin, end = _unzip([_same_conv(i, k, s, d, lower) for i, k, s, d in zip(*args.values())])
    return int_or_tuple(begin, tupled), int_or_tuple(end, tupled)


def same_padding_transpose(kernel_size: IntOrTuple, stride: IntOrTuple = 1,
                           dilation: IntOrTuple = 1, *, output_padding: IntOrTuple = 0,
                           lower: bool = False) -> tuple[IntOrTuple, IntOrTuple]:
    """Crops that make a transposed convolution's output exactly ``input_size * stride``.

    The full output of a transposed convolution has ``(i - 1)s + d(k - 1) + 1`` elements; removing
    ``T = d(k - 1) + 1 - s`` of them leaves ``i * s`` for every input size ``i``. Like ONNX's
    ``auto_pad``, ``SAME_UPPER`` (the default) removes ``floor(T/2)`` at the start and the rest at
    the end; ``lower=True`` (``SAME_LOWER``) puts the larger half at the start. ONNX's
    ``output_padding`` adds ``a`` elements at the end before the crop, so ``T + a`` are split
    the same way: the output keeps its size and moves ``a/2`` towards the end.

    When the stride exceeds the dilated kernel (``T + a < 0``), nothing is removed at the start
    and ``-T`` zeros are added at the end (``end`` is negative), in both modes. This output is
    the adjoint of the convolution with ``padding="same"`` on an input of size ``i * s``
    (ONNX's Conv with the same ``auto_pad``; TensorFlow's ``'SAME'`` does the same). ONNX's
    reference ConvTranspose instead splits the negative ``T + a`` like a positive one, adding
    zeros at the start; that output is *not* the adjoint of ONNX's own Conv.

    ``conv_transpose*d(..., padding="same")`` and ``padding="same_lower"`` apply these crops.
    With PyTorch's arguments the same output is ``padding=begin, output_padding=begin - end``,
    which PyTorch accepts only when ``0 <= begin - end < max(stride, dilation)``; tconv also
    takes it as ``padding=((begin, end),)`` per dimension when ``end >= 0``.

    Parameters
    ----------
    kernel_size : int or tuple of int
    stride, dilation : int or tuple of int, default 1
    output_padding : int or tuple of int, default 0
        ONNX's ``output_padding``: smaller than ``stride`` or ``dilation``.
    lower : bool, default False

    Returns
    -------
    (begin, end) : ints, or tuples of ints if any argument is a tuple

    Raises
    ------
    TypeError, ValueError
        As :func:`tconv.conv_output_size`, and a ``TypeError`` if ``lower`` is not a bool.

    Examples
    --------
    >>> # DCGAN: PyTorch's padding=1
    >>> same_padding_transpose(4, stride=2)
    (1, 1)
    >>> # T = 1: one element off the end
    >>> same_padding_transpose(3, stride=2)
    (0, 1)
    >>> # = padding=1, output_padding=1
    >>> same_padding_transpose(3, stride=2, lower=True)
    (1, 0)
    >>> # T + a = 2: one off each end
    >>> same_padding_transpose(3, stride=2, output_padding=1)
    (1, 0)
    >>> # T = -1: one zero added at the end
    >>> same_padding_transpose(1, stride=2)
    (0, -1)
    """
    lower = as_bool(lower, "lower")
    args, _, tupled = broadcast_ints(dict(kernel_size=kernel_size, stride=stride,
                                          dilation=dilation, output_padding=output_padding))
    check_output_padding(args["output_padding"], args["stride"], args["dilation"])
    begin, end = _unzip([_same_transpose(k, s, d, a, lower)
                         for k, s, d, a in zip(*args.values())])
    return int_or_tuple(begin, tupled), int_or_tuple(end, tupled)
