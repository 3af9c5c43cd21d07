"""One immutable description of a convolution or transposed-convolution operator.

A public call normalizes and checks its arguments once into a :class:`ConvGeometry`; the matrix
builder, every kernel, the benchmark and the course read that object and never re-derive a size.

A convolution maps a *large* grid to a *small* one and its transpose maps back; both are described
by the same index relation, for every dimension,

.. math::  \\text{large} = \\text{small} \\cdot s - b + \\text{tap} \\cdot d,

where ``b`` is the padding at the start (:attr:`ConvGeometry.padding`), ``s`` the stride, ``d``
the dilation and ``tap`` the kernel offset. A pair (small, large) outside the grids is skipped:
that is all zero padding, cropping and output padding amount to.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass
from typing import Sequence

from . import arithmetic, padding as paddings
from ._validate import MAX_INT, as_int, as_shape, as_tuple
from .padding import Padding

__all__ = ["ConvGeometry", "Trim"]

_SHAPE_FIELDS = ("input_shape", "output_shape", "kernel_size", "stride", "padding",
                 "padding_end", "dilation")


@dataclass(frozen=True)
class ConvGeometry:
    """Shapes and hyper-parameters of one operator, normalized and checked.

    Shapes are those of *this* operator: for a transposed convolution ``input_shape`` is the
    spatial shape of its (small) input and ``output_shape`` that of its (large) output. Every
    geometry is consistent, however it was made: the constructor checks the fields (types,
    ranges, groups, and that ``output_shape`` is what the other fields give).

    Attributes
    ----------
    transposed : bool
        False for a convolution, True for a transposed convolution.
    in_channels, out_channels : int
        Channels of this operator's input and output.
    input_shape, output_shape : tuple of int
        Spatial shapes (no batch, no channels).
    kernel_size, stride, dilation : tuple of int
    padding : tuple of int
        Zeros added before the input (convolution) or elements cropped from the start of the full
        output (transposed convolution), per dimension.
    padding_end : tuple of int
        The same at the end. PyTorch's symmetric padding has ``padding_end == padding`` for a
        convolution and ``padding_end == padding - output_padding`` for a transposed one; a
        ``(begin, end)`` pair sets the two independently (:mod:`tconv.padding`). Negative where
        a transposed convolution extends its full output with zeros (an ``output_padding``
        larger than the end crop, or a ``"same"`` output longer than the full one: see
        :func:`tconv.same_padding_transpose`), and in trimmed geometries.
    groups : int

    Examples
    --------
    >>> g = ConvGeometry.for_conv_transpose((1, 1, 3, 3), (1, 2, 2))
    >>> g.output_shape, g.full_shape, g.macs
    ((4, 4), (4, 4), 36)
    >>> g.adjoint().output_shape
    (2, 2)
    >>> g.in_3d.stride
    (1, 1, 1)

    Asymmetric padding, as ONNX and TensorFlow write it: TensorFlow's ``'SAME'`` at stride 2.

    >>> g = ConvGeometry.for_conv(
    ...     (1, 1, 3, 3), (1, 6, 6), stride=2, padding="same"
    ... )
    >>> g.output_shape, g.padding_pairs
    ((3, 3), ((0, 1), (0, 1)))
    """

    transposed: bool
    in_channels: int
    out_channels: int
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    padding_end: tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int

    def __post_init__(self) -> None:
        _check_fields(self)

    # --- derived quantities (those a kernel reads on every call are computed once) ----------
    @property
    def ndim(self) -> int:
        """Number of spatial dimensions (1, 2 or 3)."""
        return len(self.kernel_size)

    @property
    def padding_pairs(self) -> tuple[tuple[int, int], ...]:
        """``((begin, end), ...)`` per dimension, as ``numpy.pad`` and the ``padding``
        argument write them: zeros around the convolution's input, crops of the transposed
        convolution's full output (ONNX's ``pads`` are the begins, then the ends)."""
        return tuple(zip(self.padding, self.padding_end))

    @property
    def output_padding(self) -> tuple[int, ...]:
        """``padding - padding_end``: PyTorch's ``output_padding`` where the crops come from a
        symmetric padding (always zeros for a convolution)."""
        if not self.transposed:
            return (0,) * self.ndim
        return tuple(b - e for b, e in zip(self.padding, self.padding_end))

    @functools.cached_property
    def weight_shape(self) -> tuple[int, ...]:
        """``(C_out, C_in/groups, *k)`` for a convolution, ``(C_in, C_out/groups, *k)`` transposed."""
        if self.transposed:
            return (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        return (self.out_channels, self.in_channels // self.groups, *self.kernel_size)

    @property
    def small_shape(self) -> tuple[int, ...]:
        """The small grid of the index relation: the convolution's output, the transposed
        convolution's input."""
        return self.input_shape if self.transposed else self.output_shape

    @property
    def large_shape(self) -> tuple[int, ...]:
        """The large grid: the convolution's input, the transposed convolution's output."""
        return self.output_shape if self.transposed else self.input_shape

    @property
    def full_shape(self) -> tuple[int, ...]:
        """The large grid with its padding: the convolution's padded input; the transposed
        convolution's full output before the crop, ``(i - 1) * s + d * (k - 1) + 1``."""
        return tuple(n + b + e for n, b, e in
                     zip(self.large_shape, self.padding, self.padding_end))

    @functools.cached_property
    def macs(self) -> int:
        """The multiply-adds of one sample (every small-grid element times every weight entry)."""
        return math.prod(self.small_shape) * math.prod(self.weight_shape)

    @functools.cached_property
    def input_numel(self) -> int:
        """Length of one flattened input sample (channels times spatial size)."""
        return self.in_channels * math.prod(self.input_shape)

    @functools.cached_property
    def output_numel(self) -> int:
        """Length of one flattened output sample."""
        return self.out_channels * math.prod(self.output_shape)

    @property
    def matrix_shape(self) -> tuple[int, int]:
        """Shape of this operator's matrix: (output_numel, input_numel)."""
        return (self.output_numel, self.input_numel)

    @functools.cached_property
    def in_3d(self) -> "ConvGeometry":
        """The same operator with three spatial dimensions: size-1 dimensions (stride 1,
        padding 0, dilation 1) in front, as the kernels see 1-D and 2-D problems."""
        fill = 3 - self.ndim
        if fill == 0:
            return self
        ones, zeros = (1,) * fill, (0,) * fill
        return dataclasses.replace(
            self, input_shape=ones + self.input_shape, output_shape=ones + self.output_shape,
            kernel_size=ones + self.kernel_size, stride=ones + self.stride,
            padding=zeros + self.padding, padding_end=zeros + self.padding_end,
            dilation=ones + self.dilation)

    def adjoint(self) -> "ConvGeometry":
        """The geometry of the adjoint operator: same weight, input and output swapped.

        The adjoint of a convolution is the transposed convolution that restores the
        convolution's input shape exactly (its ``output_padding`` is what that takes).
        """
        return ConvGeometry(
            transposed=not self.transposed,
            in_channels=self.out_channels,
            out_channels=self.in_channels,
            input_shape=self.output_shape,
            output_shape=self.input_shape,
            kernel_size=self.kernel_size,
            stride=self.stride,
            padding=self.padding,
            padding_end=tuple(f - b - n for f, b, n in
                              zip(self.reach_shape, self.padding, self.large_shape)),
            dilation=self.dilation,
            groups=self.groups,
        )

    @functools.cached_property
    def reach_shape(self) -> tuple[int, ...]:
        """The extent of the padded large grid that the small grid reaches,
        ``(n - 1) * s + d * (k - 1) + 1`` per axis: the transposed convolution's full output;
        a convolution's padded input may exceed it by up to ``stride - 1`` elements that no
        window reads.

        >>> # the 6th: unread
        >>> ConvGeometry.for_conv((1, 1, 3), (1, 6), stride=2).reach_shape
        (5,)
        """
        return tuple(arithmetic.conv_transpose_size(n, k, s, 0, 0, d) for n, k, s, d in
                     zip(self.small_shape, self.kernel_size, self.stride, self.dilation))

    def trimmed(self) -> "Trim":
        """The part of the operator that can reach anything: see :class:`Trim`.

        Raises
        ------
        ValueError
            If even the trimmed operator's indices would not fit in 64-bit integers (strides
            and dilations near 2**62 together).

        Examples
        --------
        A stride so large that one input element lands in the output: the others are dropped
        and the stride no longer matters.

        >>> g = ConvGeometry.for_conv_transpose(
        ...     (1, 1, 1), (1, 3), stride=10**12, padding=10**12
        ... )
        >>> t = g.trimmed()
        >>> t.small, t.geometry.input_shape, t.geometry.stride
        ((slice(1, 2, None),), (1,), (1,))
        """
        small, taps, stride, dilation, begin, end = [], [], [], [], [], []
        for n, k, s, b, d, large in zip(self.small_shape, self.kernel_size, self.stride,
                                        self.padding, self.dilation, self.large_shape):
            reach = _reach(n, k, s, b, d, large)
            if reach is None:  # nothing lands inside: keep one pair, landing just outside
                i0, i1, t0, t1, s2, d2, b2 = 0, 1, 0, 1, 1, 1, -large
            else:
                i0, i1, t0, t1 = reach
                s2 = s if i1 - i0 > 1 else 1
                d2 = d if t1 - t0 > 1 else 1
                b2 = b - i0 * s - t0 * d
            n2, k2 = i1 - i0, t1 - t0
            e2 = arithmetic.conv_transpose_size(n2, k2, s2, b2, 0, d2) - large
            if (n2 - 1) * s2 + (k2 - 1) * d2 + abs(b2) + large > MAX_INT:
                raise ValueError(
                    f"stride {self.stride} and dilation {self.dilation} are too large together "
                    f"(with padding {self.padding}): the indices would overflow 64-bit integers")
            small.append(slice(i0, i1))
            taps.append(slice(t0, t1))
            stride.append(s2)
            dilation.append(d2)
            begin.append(b2)
            end.append(e2)
        if all(sl.start == 0 and sl.stop == n for sl, n in zip(small, self.small_shape)) and \
                all(t.start == 0 and t.stop == k for t, k in zip(taps, self.kernel_size)) and \
                tuple(stride) == self.stride and tuple(dilation) == self.dilation:
            return Trim(self, tuple(small), tuple(taps))
        sizes = tuple(sl.stop - sl.start for sl in small)
        shapes = ({"input_shape": sizes} if self.transposed else {"output_shape": sizes})
        return Trim(dataclasses.replace(
            self, **shapes, kernel_size=tuple(t.stop - t.start for t in taps),
            stride=tuple(stride), dilation=tuple(dilation), padding=tuple(begin),
            padding_end=tuple(end)), tuple(small), tuple(taps))

    # --- constructors: every check happens here, before any work -----------------------------
    @classmethod
    def for_conv(
        cls,
        weight_shape: Sequence[int],
        input_shape: Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: Padding = 0,
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
    ) -> "ConvGeometry":
        """Check the arguments of a convolution and describe it.

        Parameters
        ----------
        weight_shape : sequence of int
            ``(C_out, C_in/groups, *kernel_size)``.
        input_shape : sequence of int
            ``(C_in, *spatial)`` of one sample (no batch).
        stride, padding, dilation, groups
            As :func:`tconv.conv2d`: padding in any form of :mod:`tconv.padding`.
        """
        ndim, weight_shape, input_shape = _check_shapes(weight_shape, input_shape)
        stride_t = as_tuple(stride, ndim, "stride", minimum=1)
        dilation_t = as_tuple(dilation, ndim, "dilation", minimum=1)
        groups = as_int(groups, "groups", minimum=1)
        kernel = tuple(weight_shape[2:])
        spatial = tuple(input_shape[1:])
        begin, end = paddings.conv_padding(padding, spatial, kernel, stride_t, dilation_t)

        in_channels = input_shape[0]
        out_channels, per_group = weight_shape[0], weight_shape[1]
        _check_groups(groups, in_channels=in_channels, out_channels=out_channels,
                      weight_shape=weight_shape)
        if per_group * groups != in_channels:
            raise ValueError(
                f"input has {in_channels} channels but weight of shape {tuple(weight_shape)} "
                f"with groups={groups} expects weight.shape[1] * groups = {per_group * groups}"
            )
        out_shape = tuple(
            arithmetic.conv_size(i, k, s, b, e, d)
            for i, k, s, b, e, d in zip(spatial, kernel, stride_t, begin, end, dilation_t)
        )
        if any(o < 1 for o in out_shape):
            raise ValueError(
                f"the convolution leaves no output: input spatial shape {spatial} with padding "
                f"{padding!r} is smaller than the dilated kernel "
                f"{tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation_t))} in some dimension"
            )
        return cls(False, in_channels, out_channels, spatial, out_shape, kernel, stride_t,
                   begin, end, dilation_t, groups)

    @classmethod
    def for_conv_transpose(
        cls,
        weight_shape: Sequence[int],
        input_shape: Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: Padding = 0,
        output_padding: int | Sequence[int] = 0,
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
    ) -> "ConvGeometry":
        """Check the arguments of a transposed convolution and describe it.

        Parameters
        ----------
        weight_shape : sequence of int
            ``(C_in, C_out/groups, *kernel_size)``.
        input_shape : sequence of int
            ``(C_in, *spatial)`` of one sample (no batch).
        stride, padding, output_padding, dilation, groups
            As :func:`tconv.conv_transpose2d`: padding in any form of :mod:`tconv.padding`.
        """
        ndim, weight_shape, input_shape = _check_shapes(weight_shape, input_shape)
        stride_t = as_tuple(stride, ndim, "stride", minimum=1)
        dilation_t = as_tuple(dilation, ndim, "dilation", minimum=1)
        output_padding_t = as_tuple(output_padding, ndim, "output_padding", minimum=0)
        groups = as_int(groups, "groups", minimum=1)
        kernel = tuple(weight_shape[2:])
        begin, end = paddings.transpose_crops(padding, output_padding_t, kernel, stride_t,
                                              dilation_t)

        in_channels = input_shape[0]
        if in_channels != weight_shape[0]:
            raise ValueError(
                f"input has {in_channels} channels but weight of shape {tuple(weight_shape)} "
                f"expects {weight_shape[0]} (weight.shape[0]; a transposed-convolution weight is "
                f"(C_in, C_out/groups, *kernel_size))"
            )
        _check_groups(groups, in_channels=in_channels, out_channels=None,
                      weight_shape=weight_shape)
        out_channels = weight_shape[1] * groups
        spatial = tuple(input_shape[1:])
        full = tuple(arithmetic.conv_transpose_size(i, k, s, 0, 0, d)
                     for i, k, s, d in zip(spatial, kernel, stride_t, dilation_t))
        out_shape = tuple(f - b - e for f, b, e in zip(full, begin, end))
        if any(o < 1 for o in out_shape):
            raise ValueError(
                f"the transposed convolution leaves no output: padding {padding!r} crops the "
                f"whole output (input spatial shape {spatial}, kernel {kernel}, stride {stride_t}, "
                f"dilation {dilation_t} give a full output of {full})"
            )
        return cls(True, in_channels, out_channels, spatial, out_shape, kernel, stride_t,
                   tuple(begin), tuple(end), dilation_t, groups)


@dataclass(frozen=True)
class Trim:
    """The part of an operator that can reach anything, and the smaller operator it makes.

    Along each dimension, only small-grid elements ``small[j]`` and kernel taps ``taps[j]`` have
    a pair that lands inside the large grid; the rest meet only padding or cropped elements.
    :attr:`geometry` is the operator on those alone (its padding shifted to match; a stride that
    joins a single element, or a dilation that spaces a single tap, set to 1), which gives the
    same result on the large grid. :meth:`ConvGeometry.trimmed` makes it; the functional API
    runs every backend on it, so that strides, dilations and paddings of any size cost neither
    memory nor overflowing index arithmetic. For an ordinary layer nothing is trimmed and
    :attr:`geometry` is the operator itself.

    Attributes
    ----------
    geometry : ConvGeometry
        The trimmed operator. Where no pair lands inside the large grid along some dimension,
        it keeps one element and one tap whose pair lands just outside: the result is then the
        bias alone, from any backend.
    small : tuple of slice
        Per dimension, the small-grid elements kept: the transposed convolution's input
        elements, the convolution's output elements (the others are the bias alone).
    taps : tuple of slice
        Per dimension, the kernel taps kept.
    """

    geometry: ConvGeometry | None
    small: tuple[slice, ...]
    taps: tuple[slice, ...]


def _reach(n: int, k: int, s: int, b: int, d: int, large: int) -> tuple[int, int, int, int] | None:
    """``(i0, i1, t0, t1)``: the ranges of small indices ``i`` and taps ``t`` that have a pair
    with ``0 <= i * s - b + t * d < large``; None if there is no such pair. Exact (Python ints)."""
    i0, i1, t0, t1 = n, 0, k, 0
    for t in range(k):
        offset = t * d - b  # the large index of small element 0 through tap t
        first = max(0, -(offset // s))  # ceil(-offset / s)
        stop = min(n, -((offset - large) // s))  # ceil((large - offset) / s)
        if stop > first:
            i0, i1 = min(i0, first), max(i1, stop)
            t0, t1 = min(t0, t), t + 1
    return None if i1 == 0 else (i0, i1, t0, t1)


def _check_fields(g: ConvGeometry) -> None:
    """Types, ranges and consistency of a geometry's fields (see :class:`ConvGeometry`)."""
    if not isinstance(g.transposed, bool):
        raise TypeError(f"ConvGeometry.transposed must be True or False, got {g.transposed!r}")
    ndim = len(g.kernel_size) if isinstance(g.kernel_size, tuple) else 0
    for name in _SHAPE_FIELDS:
        value = getattr(g, name)
        if not isinstance(value, tuple) or not all(type(v) is int for v in value) \
                or len(value) != ndim or ndim not in (1, 2, 3):
            raise TypeError(f"ConvGeometry.{name} must be a tuple of 1, 2 or 3 ints, as many as "
                            f"kernel_size {g.kernel_size!r} has, got {value!r}")
        if name not in ("padding", "padding_end") and any(v < 1 for v in value):
            raise ValueError(f"ConvGeometry.{name} must hold ints >= 1, got {value!r}")
    for name in ("in_channels", "out_channels", "groups"):
        as_int(getattr(g, name), f"ConvGeometry.{name}", minimum=1, maximum=None)
    _check_groups(g.groups, in_channels=g.in_channels, out_channels=g.out_channels,
                  weight_shape=None)
    for small, large, k, s, b, e, d in zip(g.small_shape, g.large_shape, g.kernel_size,
                                           g.stride, g.padding, g.padding_end, g.dilation):
        padded = large + b + e
        if g.transposed:
            consistent = padded == arithmetic.conv_transpose_size(small, k, s, 0, 0, d)
        else:
            consistent = padded >= d * (k - 1) + 1 and small == arithmetic.conv_size(
                large, k, s, b, e, d)
        if not consistent:
            raise ValueError(
                f"ConvGeometry: output_shape {g.output_shape} does not follow from input_shape "
                f"{g.input_shape}, kernel_size {g.kernel_size}, stride {g.stride}, padding "
                f"{g.padding}, padding_end {g.padding_end} and dilation {g.dilation}"
                + (" (transposed)" if g.transposed else "")
            )


def _check_shapes(weight_shape: Sequence[int], input_shape: Sequence[int]
                  ) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    """Types, ranks and sizes shared by both constructors.

    Returns the number of spatial dims and both shapes as tuples of Python ints.
    """
    weight_shape = as_shape(weight_shape, "weight_shape", minimum=0)
    input_shape = as_shape(input_shape, "input_shape", minimum=0)
    ndim = len(weight_shape) - 2
    if ndim not in (1, 2, 3):
        raise ValueError(
            f"weight must have 3, 4 or 5 dimensions (channels, channels, 1 to 3 kernel dims), "
            f"got shape {weight_shape}"
        )
    if len(input_shape) != ndim + 1:
        raise ValueError(
            f"input_shape must be (channels, *spatial) with {ndim} spatial dimensions to match "
            f"a weight of shape {weight_shape}, got {input_shape}"
        )
    if any(k < 1 for k in weight_shape):
        raise ValueError(f"weight must have no zero-size dimension, got shape {weight_shape}")
    if input_shape[0] < 1:
        raise ValueError(f"input must have at least one channel, got shape {input_shape}")
    if any(i < 1 for i in input_shape[1:]):
        raise ValueError(
            f"input must have a non-zero size in every spatial dimension, got spatial shape "
            f"{input_shape[1:]}"
        )
    return ndim, weight_shape, input_shape


def _check_groups(groups: int, *, in_channels: int, out_channels: int | None,
                  weight_shape: Sequence[int] | None) -> None:
    """Groups must divide the channel counts (a transposed convolution's output channels are
    ``weight.shape[1] * groups``, divisible by construction: pass ``out_channels=None``)."""
    for name, channels in (("input channels", in_channels), ("output channels", out_channels)):
        if channels is not None and channels % groups:
            shape = "" if weight_shape is None else f" (weight shape {tuple(weight_shape)})"
            raise ValueError(
                f"groups must divide both channel counts, got groups={groups} with {channels} "
                f"{name}{shape}"
            )

