"""Gradients of the convolution and the transposed convolution, with ``torch.nn.grad``'s names.

For a loss ``L`` and an operator ``y = C_W x`` (a convolution, or a transposed convolution,
whose matrix is the transpose of a convolution's), the gradients are

- with respect to the input: ``dL/dx = C_W^T (dL/dy)``. The input gradient of a convolution
  is a transposed convolution of ``grad_output`` with the same weight, and the input gradient
  of a transposed convolution is a convolution: each is computed by the other operator's
  kernels (:func:`tconv.functional.apply_operator` on the adjoint geometry);
- with respect to the weight: ``dL/dW[j] = <dL/dy, C_{E_j} x>``, where ``E_j`` is the weight
  with a one at entry ``j`` and zeros elsewhere. Entry ``(c_small, c_large, tap)`` sums, over
  the samples and the small grid's positions, the small-grid value times the large-grid value
  it meets through ``tap``: one matrix product of the small grid with the im2col'd large grid
  (:func:`tconv.kernels.im2col.weight_gradient_gemm`);
- with respect to the bias: ``grad_output`` summed over the batch and every spatial axis,
  ``grad_output.sum(axis=(0, 2, 3))`` in 2-D. No function is needed for it.

- ``conv{1,2,3}d_input``: the input gradient of ``conv{1,2,3}d``, a transposed convolution;
- ``conv{1,2,3}d_weight``: the weight gradient of ``conv{1,2,3}d``;
- ``conv_transpose{1,2,3}d_input``: the input gradient of ``conv_transpose{1,2,3}d``, a
  convolution;
- ``conv_transpose{1,2,3}d_weight``: the weight gradient of ``conv_transpose{1,2,3}d``.

Sizes: ``input_size`` is the input's whole shape (with its batch axis when ``grad_output``
has one) or its spatial shape alone; ``weight_size`` is the weight's whole shape. Any padding
form of :mod:`tconv.padding` works. Every argument is checked before any work, as for the
forward functions, and ``grad_output`` must have the shape the forward operator gives.

Examples
--------
The gradients of ``sum(conv2d(x, w) * g)`` for the worked example's kernel:

>>> import numpy as np
>>> x = np.arange(16.0).reshape(1, 1, 4, 4)
>>> w = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
>>> g = np.ones((1, 1, 2, 2))
>>> # each tap sums the 2 x 2 inputs it meets
>>> conv2d_weight(x, w.shape, g)[0, 0]
array([[10., 14., 18.],
       [26., 30., 34.],
       [42., 46., 50.]])
>>> # the transposed convolution of g
>>> conv2d_input(x.shape, w, g)[0, 0]
array([[ 1.,  3.,  5.,  3.],
       [ 5., 12., 16.,  9.],
       [11., 24., 28., 15.],
       [ 7., 15., 17.,  9.]])
"""

from __future__ import annotations

from typing import Any, Sequence, Union

import numpy as np

from ._validate import as_int, as_numeric_array, as_shape, compute_dtype, prepared
from .functional import apply_operator
from .geometry import ConvGeometry, Padding
from .kernels.im2col import weight_gradient_gemm
from .matrix import operator_matrix

__all__ = [
    "conv1d_input", "conv2d_input", "conv3d_input",
    "conv1d_weight", "conv2d_weight", "conv3d_weight",
    "conv_transpose1d_input", "conv_transpose2d_input", "conv_transpose3d_input",
    "conv_transpose1d_weight", "conv_transpose2d_weight", "conv_transpose3d_weight",
    "WEIGHT_BACKENDS",
]

IntOrSeq = Union[int, Sequence[int]]

#: The backends of the weight gradients: ``"gemm"`` (im2col and a BLAS product) and
#: ``"matrix"`` (the sum over the explicit matrix's entries that hold each weight); ``"auto"``
#: is ``"gemm"``.
WEIGHT_BACKENDS = ("auto", "gemm", "matrix")


def _name(transposed: bool, ndim: int, what: str) -> str:
    return f"conv_transpose{ndim}d_{what}" if transposed else f"conv{ndim}d_{what}"


def _array(value: Any, label: str, name: str, ranks: tuple[int, ...]) -> np.ndarray:
    array = as_numeric_array(value, label)
    compute_dtype(array, label)
    if array.ndim not in ranks:
        wanted = " or ".join(f"{r}-D" for r in ranks)
        raise ValueError(f"{label} of {name} must be {wanted}, got shape {array.shape}")
    return array


def _dtype(*arrays: tuple[np.ndarray, str]) -> np.dtype:
    """The dtype a gradient is computed in: float64 if any array is float64 or integer."""
    dtypes = [compute_dtype(array, label) for array, label in arrays]
    return np.dtype(np.float64) if np.dtype(np.float64) in dtypes else dtypes[0]


def _check_grad_output(geometry: ConvGeometry, grad_output: np.ndarray, batch: int | None,
                       name: str, given: str) -> None:
    """``grad_output`` has the shape the forward operator gives for ``geometry``."""
    want = (geometry.out_channels, *geometry.output_shape)
    got = grad_output.shape[1:] if batch is not None else grad_output.shape
    if got != want:
        shown = "(" + ", ".join(map(str, (("N",) if batch is not None else ()) + want)) + ")"
        forward = name.rsplit("_", 1)[0]
        raise ValueError(f"grad_output of {name} must have shape {shown}, the output of "
                         f"{forward} for {given}; got {grad_output.shape}")


def _input_gradient(transposed: bool, ndim: int, input_size: Any, weight: Any,
                    grad_output: Any, stride: Any, padding: Any, output_padding: Any,
                    dilation: Any, groups: Any, backend: str) -> np.ndarray:
    name = _name(transposed, ndim, "input")
    w = _array(weight, "weight", name, (ndim + 2,))
    g = _array(grad_output, "grad_output", name, (ndim + 1, ndim + 2))
    dtype = _dtype((g, "grad_output"), (w, "weight"))
    groups = as_int(groups, "groups", minimum=1)
    size = as_shape(input_size, "input_size")
    batched = g.ndim == ndim + 2
    channels = w.shape[0] if transposed else w.shape[1] * groups
    if len(size) == ndim:
        spatial = size
    elif len(size) == g.ndim:
        spatial = size[-ndim:]
        whole = ((g.shape[0],) if batched else ()) + (channels,)
        if size[:-ndim] != whole:
            shown = ", ".join(map(str, whole))
            raise ValueError(f"input_size of {name} must be ({shown}, *spatial) here (the batch "
                             f"of grad_output and the channels of the weight), got {size}")
    else:
        raise ValueError(f"input_size of {name} must have {ndim} entries (the spatial size) or "
                         f"{g.ndim} (the input's whole shape, as grad_output has "
                         f"{'a' if batched else 'no'} batch axis), got {size}")
    if transposed:
        geometry = ConvGeometry.for_conv_transpose(w.shape, (channels, *spatial), stride,
                                                   padding, output_padding, dilation, groups)
    else:
        geometry = ConvGeometry.for_conv(w.shape, (channels, *spatial), stride, padding,
                                         dilation, groups)
    _check_grad_output(geometry, g, g.shape[0] if batched else None, name,
                       f"input_size {size} and a weight of shape {w.shape}")
    g = prepared(g, dtype)
    out = apply_operator(geometry.adjoint(), g if batched else g[None], prepared(w, dtype),
                         backend=backend)
    return out if batched else out[0]


def _weight_gradient(transposed: bool, ndim: int, input: Any, weight_size: Any,
                     grad_output: Any, stride: Any, padding: Any, output_padding: Any,
                     dilation: Any, groups: Any, backend: str) -> np.ndarray:
    name = _name(transposed, ndim, "weight")
    if not isinstance(backend, str):
        raise TypeError(f"backend must be a string, one of {WEIGHT_BACKENDS}; got {backend!r} "
                        f"of type {type(backend).__name__}")
    if backend not in WEIGHT_BACKENDS:
        raise ValueError(f"backend must be one of {WEIGHT_BACKENDS}, got {backend!r}")
    x = _array(input, "input", name, (ndim + 1, ndim + 2))
    g = _array(grad_output, "grad_output", name, (ndim + 1, ndim + 2))
    dtype = _dtype((x, "input"), (g, "grad_output"))
    batched = x.ndim == ndim + 2
    if g.ndim != x.ndim or (batched and g.shape[0] != x.shape[0]):
        raise ValueError(f"input and grad_output of {name} must both have a batch axis of the "
                         f"same length, or both none; got shapes {x.shape} and {g.shape}")
    size = as_shape(weight_size, "weight_size")
    if len(size) != ndim + 2:
        channels = "C_in, C_out/groups" if transposed else "C_out, C_in/groups"
        raise ValueError(f"weight_size of {name} must be the weight's whole shape, {ndim + 2} "
                         f"entries ({channels}, *kernel_size); got {size}")
    sample = x.shape[1:] if batched else x.shape
    if transposed:
        geometry = ConvGeometry.for_conv_transpose(size, sample, stride, padding,
                                                   output_padding, dilation, groups)
    else:
        geometry = ConvGeometry.for_conv(size, sample, stride, padding, dilation, groups)
    _check_grad_output(geometry, g, g.shape[0] if batched else None, name,
                       f"an input of shape {x.shape} and weight_size {size}")
    x, g = prepared(x, dtype), prepared(g, dtype)
    if not batched:
        x, g = x[None], g[None]
    if backend == "matrix":
        return _weight_gradient_by_matrix(geometry, x, g)
    small, large = (x, g) if transposed else (g, x)
    trim = geometry.trimmed()
    out = np.zeros(geometry.weight_shape, dtype=dtype)
    if trim.geometry is geometry:
        out[...] = weight_gradient_gemm(geometry, small, large)
    else:  # only the small positions and taps that meet the large grid contribute
        part = prepared(small[(slice(None), slice(None)) + trim.small], dtype)
        out[(slice(None), slice(None)) + trim.taps] = weight_gradient_gemm(
            trim.geometry, part, large)
    return out


def _weight_gradient_by_matrix(geometry: ConvGeometry, x: np.ndarray, g: np.ndarray
                               ) -> np.ndarray:
    """``dL/dW[j] = sum of g[r] * x[c]`` over the entries ``(r, c)`` of the explicit matrix that
    hold weight ``j``: the matrix is built with weight ``j + 1`` at entry ``j``, so each stored
    value names its weight."""
    size = int(np.prod(geometry.weight_shape))
    labels = np.arange(1, size + 1, dtype=np.int64).reshape(geometry.weight_shape)
    matrix = operator_matrix(geometry, labels, sparse=True).tocoo()
    rows, cols = matrix.row, matrix.col
    products = np.einsum("nr,nr->r", g.reshape(g.shape[0], -1)[:, rows],
                         x.reshape(x.shape[0], -1)[:, cols])
    out = np.bincount(matrix.data - 1, weights=products, minlength=size)
    return out.astype(x.dtype).reshape(geometry.weight_shape)


# --- the public functions ---------------------------------------------------------------------
_INPUT_DOC = """The gradient of ``{forward}`` with respect to its input, as ``torch.nn.grad.{name}``.

    ``C_W^T grad_output``: {how}

    Parameters
    ----------
    input_size : tuple of int
        The input's shape, ``(N, {channels_in}, {spatial})`` (without ``N`` when ``grad_output``
        has no batch axis), or its spatial shape ``({spatial})`` alone. It decides the
        gradient's size where several inputs give the same output size.
    weight : array_like
        ``{weight}``.
    grad_output : array_like
        The gradient of the loss with respect to ``{forward}``'s output,
        ``(N, {channels_out}, {spatial_out})`` or without ``N``.
    stride, padding, {extra}dilation, groups
        As for :func:`tconv.{forward}`.
    backend : str, default 'auto'
        A backend of :func:`tconv.{adjoint}`, which computes this gradient.

    Returns
    -------
    numpy.ndarray
        ``input_size``'s shape (with ``N`` as ``grad_output`` has it), float32 when both arrays
        are float32, else float64.

    Raises
    ------
    TypeError
        Non-numeric arrays, float16, or arguments of the wrong type.
    ValueError
        Wrong ranks, an ``input_size`` that disagrees with ``grad_output``'s batch or the
        weight's channels, a ``grad_output`` that is not the shape ``{forward}`` gives, or any
        argument ``{forward}`` refuses.

    Examples
    --------
{example}
    """

_WEIGHT_DOC = """The gradient of ``{forward}`` with respect to its weight, as ``torch.nn.grad.{name}``.

    Entry ``j`` is ``<grad_output, C_(E_j) input>``, the weight's unit vector ``E_j``: {how}

    Parameters
    ----------
    input : array_like
        ``(N, {channels_in}, {spatial})`` or without ``N``.
    weight_size : tuple of int
        The weight's shape, ``{weight}``.
    grad_output : array_like
        The gradient of the loss with respect to ``{forward}``'s output,
        ``(N, {channels_out}, {spatial_out})`` (without ``N`` if ``input`` has none).
    stride, padding, {extra}dilation, groups
        As for :func:`tconv.{forward}`.
    backend : {{'auto', 'gemm', 'matrix'}}, default 'auto'
        ``'gemm'`` (and ``'auto'``): im2col and one BLAS product per chunk
        (:func:`tconv.kernels.im2col.weight_gradient_gemm`); ``'matrix'``: the sum, over the
        entries of the explicit matrix that hold each weight, of ``grad_output`` times
        ``input`` (slow; the reference).

    Returns
    -------
    numpy.ndarray
        ``weight_size``, float32 when both arrays are float32, else float64. The bias gradient
        is ``grad_output`` summed over every axis but the channels.

    Raises
    ------
    TypeError
        Non-numeric arrays, float16, or arguments of the wrong type.
    ValueError
        Wrong ranks, batch sizes that differ, a ``weight_size`` that is not a whole weight shape
        for ``input``'s channels and ``groups``, a ``grad_output`` that is not the shape
        ``{forward}`` gives, an unknown backend, or any argument ``{forward}`` refuses.

    Examples
    --------
{example}
    """

_SPATIAL = {1: ("L", "L_out", "k"), 2: ("H, W", "H_out, W_out", "kH, kW"),
            3: ("D, H, W", "D_out, H_out, W_out", "kD, kH, kW")}


def _document(function, transposed: bool, ndim: int, what: str, example: str) -> None:
    spatial, spatial_out, kernel = _SPATIAL[ndim]
    forward = f"conv_transpose{ndim}d" if transposed else f"conv{ndim}d"
    if what == "input":
        how = ("a convolution of ``grad_output`` with the same weight (the transposed "
               "convolution's adjoint)." if transposed else
               "a transposed convolution of ``grad_output`` with the same weight, whose "
               "``output_padding`` restores ``input_size``.")
    else:
        how = ("the input (the small grid) times the im2col'd ``grad_output``." if transposed
               else "``grad_output`` (the small grid) times the im2col'd input.")
    template = _INPUT_DOC if what == "input" else _WEIGHT_DOC
    function.__doc__ = template.format(
        forward=forward, name=function.__name__, how=how, spatial=spatial,
        spatial_out=spatial_out,
        channels_in="C_in", channels_out="C_out",
        weight=(f"(C_in, C_out/groups, {kernel})" if transposed
                else f"(C_out, C_in/groups, {kernel})"),
        extra="output_padding, " if transposed else "",
        adjoint=(f"conv{ndim}d" if transposed else f"conv_transpose{ndim}d"),
        example=example)


def conv1d_input(input_size: Sequence[int], weight: Any, grad_output: Any, stride: IntOrSeq = 1,
                 padding: Padding = 0, dilation: IntOrSeq = 1, groups: int = 1, *,
                 backend: str = "auto") -> np.ndarray:
    return _input_gradient(False, 1, input_size, weight, grad_output, stride, padding, 0,
                           dilation, groups, backend)


def conv2d_input(input_size: Sequence[int], weight: Any, grad_output: Any, stride: IntOrSeq = 1,
                 padding: Padding = 0, dilation: IntOrSeq = 1, groups: int = 1, *,
                 backend: str = "auto") -> np.ndarray:
    return _input_gradient(False, 2, input_size, weight, grad_output, stride, padding, 0,
                           dilation, groups, backend)


def conv3d_input(input_size: Sequence[int], weight: Any, grad_output: Any, stride: IntOrSeq = 1,
                 padding: Padding = 0, dilation: IntOrSeq = 1, groups: int = 1, *,
                 backend: str = "auto") -> np.ndarray:
    return _input_gradient(False, 3, input_size, weight, grad_output, stride, padding, 0,
                           dilation, groups, backend)


def conv1d_weight(input: Any, weight_size: Sequence[int], grad_output: Any,
                  stride: IntOrSeq = 1, padding: Padding = 0, dilation: IntOrSeq = 1,
                  groups: int = 1, *, backend: str = "auto") -> np.ndarray:
    return _weight_gradient(False, 1, input, weight_size, grad_output, stride, padding, 0,
                            dilation, groups, backend)


def conv2d_weight(input: Any, weight_size: Sequence[int], grad_output: Any,
                  stride: IntOrSeq = 1, padding: Padding = 0, dilation: IntOrSeq = 1,
                  groups: int = 1, *, backend: str = "auto") -> np.ndarray:
    return _weight_gradient(False, 2, input, weight_size, grad_output, stride, padding, 0,
                            dilation, groups, backend)


def conv3d_weight(input: Any, weight_size: Sequence[int], grad_output: Any,
                  stride: IntOrSeq = 1, padding: Padding = 0, dilation: IntOrSeq = 1,
                  groups: int = 1, *, backend: str = "auto") -> np.ndarray:
    return _weight_gradient(False, 3, input, weight_size, grad_output, stride, padding, 0,
                            dilation, groups, backend)


def conv_transpose1d_input(input_size: Sequence[int], weight: Any, grad_output: Any,
                           stride: IntOrSeq = 1, padding: Padding = 0,
                           output_padding: IntOrSeq = 0, groups: int = 1,
                           dilation: IntOrSeq = 1, *, backend: str = "auto") -> np.ndarray:
    return _input_gradient(True, 1, input_size, weight, grad_output, stride, padding,
                           output_padding, dilation, groups, backend)


def conv_transpose2d_input(input_size: Sequence[int], weight: Any, grad_output: Any,
                           stride: IntOrSeq = 1, padding: Padding = 0,
                           output_padding: IntOrSeq = 0, groups: int = 1,
                           dilation: IntOrSeq = 1, *, backend: str = "auto") -> np.ndarray:
    return _input_gradient(True, 2, input_size, weight, grad_output, stride, padding,
                           output_padding, dilation, groups, backend)


def conv_transpose3d_input(input_size: Sequence[int], weight: Any, grad_output: Any,
                           stride: IntOrSeq = 1, padding: Padding = 0,
                           output_padding: IntOrSeq = 0, groups: int = 1,
                           dilation: IntOrSeq = 1, *, backend: str = "auto") -> np.ndarray:
    return _input_gradient(True, 3, input_size, weight, grad_output, stride, padding,
                           output_padding, dilation, groups, backend)


def conv_transpose1d_weight(input: Any, weight_size: Sequence[int], grad_output: Any,
                            stride: IntOrSeq = 1, padding: Padding = 0,
                            output_padding: IntOrSeq = 0, groups: int = 1,
                            dilation: IntOrSeq = 1, *, backend: str = "auto") -> np.ndarray:
    return _weight_gradient(True, 1, input, weight_size, grad_output, stride, padding,
                            output_padding, dilation, groups, backend)


def conv_transpose2d_weight(input: Any, weight_size: Sequence[int], grad_output: Any,
                            stride: IntOrSeq = 1, padding: Padding = 0,
                            output_padding: IntOrSeq = 0, groups: int = 1,
                            dilation: IntOrSeq = 1, *, backend: str = "auto") -> np.ndarray:
    return _weight_gradient(True, 2, input, weight_size, grad_output, stride, padding,
                            output_padding, dilation, groups, backend)


def conv_transpose3d_weight(input: Any, weight_size: Sequence[int], grad_output: Any,
                            stride: IntOrSeq = 1, padding: Padding = 0,
                            output_padding: IntOrSeq = 0, groups: int = 1,
                            dilation: IntOrSeq = 1, *, backend: str = "auto") -> np.ndarray:
    return _weight_gradient(True, 3, input, weight_size, grad_output, stride, padding,
                            output_padding, dilation, groups, backend)


_EXAMPLES = {
    ("input", False, 1): """    >>> import numpy as np
    >>> conv1d_input(
    ...     (4,), np.array([[[1.0, 2.0]]]), np.array([[[1.0, 0.0, 1.0]]])
    ... )
    array([[[1., 2., 1., 2.]]])""",
    ("input", False, 2): """    The gradient of ``sum(conv2d(x, w, stride=2) * g)``: each gradient entry stamps the
    kernel, and the 5th row and column, which no window reads, get zero.

    >>> import numpy as np
    >>> w = np.ones((1, 1, 2, 2))
    >>> conv2d_input((1, 1, 5, 5), w, np.ones((1, 1, 2, 2)), stride=2)[0, 0]
    array([[1., 1., 1., 1., 0.],
           [1., 1., 1., 1., 0.],
           [1., 1., 1., 1., 0.],
           [1., 1., 1., 1., 0.],
           [0., 0., 0., 0., 0.]])""",
    ("input", False, 3): """    >>> import numpy as np
    >>> conv3d_input(
    ...     (3, 3, 3), np.ones((1, 1, 2, 2, 2)), np.ones((1, 2, 2, 2))
    ... ).shape
    (1, 3, 3, 3)""",
    ("weight", False, 1): """    >>> import numpy as np
    >>> conv1d_weight(
    ...     np.array([[[1.0, 2.0, 3.0]]]),
    ...     (1, 1, 2),
    ...     np.array([[[1.0, 10.0]]]),
    ... )
    array([[[21., 32.]]])""",
    ("weight", False, 2): """    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d_weight(x, (1, 1, 3, 3), np.ones((1, 1, 2, 2)))[0, 0]
    array([[10., 14., 18.],
           [26., 30., 34.],
           [42., 46., 50.]])""",
    ("weight", False, 3): """    >>> import numpy as np
    >>> conv3d_weight(
    ...     np.ones((1, 2, 3, 3, 3)),
    ...     (4, 2, 2, 2, 2),
    ...     np.ones((1, 4, 2, 2, 2)),
    ... ).shape
    (4, 2, 2, 2, 2)""",
    ("input", True, 1): """    >>> import numpy as np
    >>> conv_transpose1d_input(
    ...     (2,), np.array([[[1.0, 2.0, 3.0]]]), np.ones((1, 1, 5)), stride=2
    ... )
    array([[[6., 6.]]])""",
    ("input", True, 2): """    The worked example: the gradient of ``sum(conv_transpose2d(x, w) * g)`` is the
    convolution of ``g``, the same numbers as ``conv2d(g, w)``.

    >>> import numpy as np
    >>> w = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    >>> conv_transpose2d_input(
    ...     (1, 1, 2, 2), w, np.arange(16.0).reshape(1, 1, 4, 4)
    ... )
    array([[[[303., 348.],
             [483., 528.]]]])""",
    ("input", True, 3): """    >>> import numpy as np
    >>> conv_transpose3d_input(
    ...     (2, 2, 2),
    ...     np.ones((1, 1, 2, 2, 2)),
    ...     np.ones((1, 4, 4, 4)),
    ...     stride=2,
    ... )
    array([[[[8., 8.],
             [8., 8.]],
    <BLANKLINE>
            [[8., 8.],
             [8., 8.]]]])""",
    ("weight", True, 1): """    >>> import numpy as np
    >>> conv_transpose1d_weight(
    ...     np.array([[[1.0, 10.0]]]),
    ...     (1, 1, 3),
    ...     np.array([[[1.0, 2.0, 3.0, 4.0, 5.0]]]),
    ...     stride=2,
    ... )
    array([[[31., 42., 53.]]])""",
    ("weight", True, 2): """    >>> import numpy as np
    >>> # one input element, at (0, 0)
    >>> x = np.array([[[[1.0, 0.0], [0.0, 0.0]]]])
    >>> g = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> # the output window it reaches
    >>> conv_transpose2d_weight(x, (1, 1, 3, 3), g)[0, 0]
    array([[ 0.,  1.,  2.],
           [ 4.,  5.,  6.],
           [ 8.,  9., 10.]])""",
    ("weight", True, 3): """    >>> import numpy as np
    >>> conv_transpose3d_weight(
    ...     np.ones((2, 2, 2, 2)), (2, 3, 2, 2, 2), np.ones((3, 3, 3, 3))
    ... ).shape
    (2, 3, 2, 2, 2)""",
}

for _function in (conv1d_input, conv2d_input, conv3d_input, conv1d_weight, conv2d_weight,
                  conv3d_weight, conv_transpose1d_input, conv_transpose2d_input,
                  conv_transpose3d_input, conv_transpose1d_weight, conv_transpose2d_weight,
                  conv_transpose3d_weight):
    _what = _function.__name__.rsplit("_", 1)[1]
    _transposed = _function.__name__.startswith("conv_transpose")
    _ndim = int(_function.__name__[len("conv_transpose" if _transposed else "conv")])
    _document(_function, _transposed, _ndim, _what, _EXAMPLES[_what, _transposed, _ndim])
del _function, _what, _transposed, _ndim
