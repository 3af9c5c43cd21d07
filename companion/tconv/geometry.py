"""One immutable description of a convolution or transposed-convolution operator.

A public call normalizes and checks its arguments once into a :class:`ConvGeometry`; the matrix
builder, every kernel and the teaching helpers read that object and never re-derive a size.

A convolution maps a *large* grid to a *small* one and its transpose maps back; both are described
by the same index relation, for every dimension,

.. math::  \\text{large} = \\text{small} \\cdot s - b + \\text{tap} \\cdot d,

where ``b`` is the padding at the start (:attr:`ConvGeometry.padding`), ``s`` the stride, ``d``
the dilation and ``tap`` the kernel offset. A pair (small, large) outside the grids is skipped:
that is all zero padding, cropping and output padding amount to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence, Union

from . import arithmetic
from ._validate import _is_int, as_int, as_tuple

__all__ = ["ConvGeometry"]

Padding = Union[int, Sequence[int], str]

CONV_PADDING_STRINGS = ("valid", "same")
TRANSPOSE_PADDING_STRINGS = ("same", "same_lower")


@dataclass(frozen=True)
class ConvGeometry:
    """Shapes and hyper-parameters of one operator, normalized and checked.

    Shapes are those of *this* operator: for a transposed convolution ``input_shape`` is the
    spatial shape of its (small) input and ``output_shape`` that of its (large) output.

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
        output (transposed convolution), per dimension. Negative only where a ``"same"``
        transposed convolution extends its output (see :func:`tconv.same_padding_transpose`).
    padding_end : tuple of int
        The same at the end. PyTorch's symmetric padding has ``padding_end == padding`` for a
        convolution and ``padding_end == padding - output_padding`` for a transposed one.
    groups : int

    Examples
    --------
    >>> g = ConvGeometry.for_conv_transpose((1, 1, 3, 3), (1, 2, 2))
    >>> g.output_shape
    (4, 4)
    >>> g.adjoint().output_shape
    (2, 2)
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

    # --- derived quantities ----------------------------------------------------------------
    @property
    def ndim(self) -> int:
        """Number of spatial dimensions (1, 2 or 3)."""
        return len(self.kernel_size)

    @property
    def output_padding(self) -> tuple[int, ...]:
        """PyTorch's ``output_padding`` (always zeros for a convolution)."""
        if not self.transposed:
            return (0,) * self.ndim
        return tuple(b - e for b, e in zip(self.padding, self.padding_end))

    @property
    def weight_shape(self) -> tuple[int, ...]:
        """``(C_out, C_in/groups, *k)`` for a convolution, ``(C_in, C_out/groups, *k)`` transposed."""
        if self.transposed:
            return (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        return (self.out_channels, self.in_channels // self.groups, *self.kernel_size)

    @property
    def input_numel(self) -> int:
        """Length of one flattened input sample (channels times spatial size)."""
        return self.in_channels * math.prod(self.input_shape)

    @property
    def output_numel(self) -> int:
        """Length of one flattened output sample."""
        return self.out_channels * math.prod(self.output_shape)

    @property
    def matrix_shape(self) -> tuple[int, int]:
        """Shape of this operator's matrix: (output_numel, input_numel)."""
        return (self.output_numel, self.input_numel)

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
            padding_end=self._adjoint_padding_end(),
            dilation=self.dilation,
            groups=self.groups,
        )

    def _adjoint_padding_end(self) -> tuple[int, ...]:
        # The end padding (convolution) or end crop (transposed) for which the adjoint maps
        # back onto exactly this operator's input shape. One formula serves both directions:
        # what remains of the full transposed output from `small`, cropped by `begin` at the
        # start, beyond `large`.
        large, small = (
            (self.output_shape, self.input_shape) if self.transposed
            else (self.input_shape, self.output_shape)
        )
        return tuple(
            arithmetic.conv_transpose_size(sm, k, s, b, 0, d) - lg
            for lg, sm, k, s, b, d in zip(large, small, self.kernel_size, self.stride,
                                          self.padding, self.dilation)
        )

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
            As :func:`tconv.conv2d`; padding may be ``"valid"`` or ``"same"``.
        """
        ndim, weight_shape, input_shape = _check_shapes(weight_shape, input_shape)
        stride_t = as_tuple(stride, ndim, "stride", minimum=1)
        dilation_t = as_tuple(dilation, ndim, "dilation", minimum=1)
        groups = as_int(groups, "groups", minimum=1)
        kernel = tuple(weight_shape[2:])
        if isinstance(padding, str):
            if padding not in CONV_PADDING_STRINGS:
                raise ValueError(
                    f"padding must be an int, a tuple of ints, 'valid' or 'same', got {padding!r}"
                )
            if padding == "valid":
                begin = end = (0,) * ndim
            else:
                if any(s != 1 for s in stride_t):
                    raise ValueError(
                        f"padding='same' needs stride 1 (as in PyTorch, a strided convolution "
                        f"cannot keep the input size), got stride={stride!r}"
                    )
                totals = [d * (k - 1) for k, d in zip(kernel, dilation_t)]
                begin = tuple(t // 2 for t in totals)
                end = tuple(t - b for t, b in zip(totals, begin))
        else:
            begin = end = as_tuple(padding, ndim, "padding", minimum=0)

        in_channels = input_shape[0]
        out_channels, per_group = weight_shape[0], weight_shape[1]
        _check_groups(groups, in_channels=in_channels, out_channels=out_channels,
                      weight_shape=weight_shape)
        if per_group * groups != in_channels:
            raise ValueError(
                f"input has {in_channels} channels but weight of shape {tuple(weight_shape)} "
                f"with groups={groups} expects weight.shape[1] * groups = {per_group * groups}"
            )
        spatial = tuple(input_shape[1:])
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
            As :func:`tconv.conv_transpose2d`; padding may be ``"same"`` or ``"same_lower"``.

        Geometries built from plain Python ints, tuples of ints and strings are remembered
        (the same arguments give the same object), which keeps a small call cheap; invalid
        arguments are never remembered, so they raise every time.
        """
        key = (weight_shape, input_shape, stride, padding, output_padding, dilation, groups)
        plain = _is_plain_key(key)
        if plain:
            geometry = _TRANSPOSE_CACHE.get(key)
            if geometry is not None:
                return geometry
        geometry = cls._conv_transpose(weight_shape, input_shape, stride, padding,
                                       output_padding, dilation, groups)
        if plain:
            if len(_TRANSPOSE_CACHE) >= _CACHE_SIZE:
                _TRANSPOSE_CACHE.clear()
            _TRANSPOSE_CACHE[key] = geometry
        return geometry

    @classmethod
    def _conv_transpose(cls, weight_shape, input_shape, stride, padding, output_padding,
                        dilation, groups) -> "ConvGeometry":
        ndim, weight_shape, input_shape = _check_shapes(weight_shape, input_shape)
        stride_t = as_tuple(stride, ndim, "stride", minimum=1)
        dilation_t = as_tuple(dilation, ndim, "dilation", minimum=1)
        output_padding_t = as_tuple(output_padding, ndim, "output_padding", minimum=0)
        groups = as_int(groups, "groups", minimum=1)
        kernel = tuple(weight_shape[2:])
        if isinstance(padding, str):
            if padding not in TRANSPOSE_PADDING_STRINGS:
                raise ValueError(
                    f"padding must be an int, a tuple of ints, 'same' or 'same_lower', "
                    f"got {padding!r}"
                )
            if any(output_padding_t):
                raise ValueError(
                    f"output_padding must be 0 with padding={padding!r} (the output size is "
                    f"input size * stride), got output_padding={output_padding!r}"
                )
            begin, end = arithmetic.same_padding_transpose(
                kernel, stride_t, dilation_t, lower=padding == "same_lower"
            )
        else:
            begin = as_tuple(padding, ndim, "padding", minimum=0)
            arithmetic.check_output_padding(output_padding_t, stride_t, dilation_t)
            end = tuple(p - a for p, a in zip(begin, output_padding_t))

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
        out_shape = tuple(
            arithmetic.conv_transpose_size(i, k, s, b, e, d)
            for i, k, s, b, e, d in zip(spatial, kernel, stride_t, begin, end, dilation_t)
        )
        if any(o < 1 for o in out_shape):
            raise ValueError(
                f"the transposed convolution leaves no output: padding {padding!r} crops the "
                f"whole output (input spatial shape {spatial}, kernel {kernel}, stride {stride_t}, "
                f"dilation {dilation_t} give a full output of "
                f"{tuple(arithmetic.conv_transpose_size(i, k, s, 0, 0, d) for i, k, s, d in zip(spatial, kernel, stride_t, dilation_t))})"
            )
        return cls(True, in_channels, out_channels, spatial, out_shape, kernel, stride_t,
                   tuple(begin), tuple(end), dilation_t, groups)


_CACHE_SIZE = 512
_TRANSPOSE_CACHE: dict = {}


def _is_plain(value: Any) -> bool:
    """True for a Python int (not bool), a str, or a tuple of Python ints: safe cache keys."""
    kind = type(value)
    if kind is int or kind is str:
        return True
    if kind is tuple:
        for item in value:
            if type(item) is not int:
                return False
        return True
    return False


def _is_plain_key(key: tuple) -> bool:
    """:func:`_is_plain` for every item, in one loop (this runs on every call)."""
    for value in key:
        kind = type(value)
        if kind is int or kind is str:
            continue
        if kind is not tuple:
            return False
        for item in value:
            if type(item) is not int:
                return False
    return True


def _as_shape(shape: Any, name: str) -> tuple[int, ...]:
    if not isinstance(shape, (tuple, list)) or not all(_is_int(n) for n in shape):
        raise TypeError(f"{name} must be a tuple of ints, got {shape!r}")
    return tuple(int(n) for n in shape)


def _check_shapes(weight_shape: Sequence[int], input_shape: Sequence[int]
                  ) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    """Types, ranks and sizes shared by both constructors.

    Returns the number of spatial dims and both shapes as tuples of Python ints.
    """
    weight_shape = _as_shape(weight_shape, "weight_shape")
    input_shape = _as_shape(input_shape, "input_shape")
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
                  weight_shape: Sequence[int]) -> None:
    """Groups must divide the channel counts (a transposed convolution's output channels are
    ``weight.shape[1] * groups``, divisible by construction: pass ``out_channels=None``)."""
    for name, channels in (("input channels", in_channels), ("output channels", out_channels)):
        if channels is not None and channels % groups:
            raise ValueError(
                f"groups must divide both channel counts, got groups={groups} with {channels} "
                f"{name} (weight shape {tuple(weight_shape)})"
            )
