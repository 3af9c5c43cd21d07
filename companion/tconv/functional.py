"""PyTorch-compatible functions: convolution and transposed convolution on NumPy arrays.

Names, argument order, weight layouts and output sizes follow ``torch.nn.functional``, so any
result can be checked against PyTorch. Every call goes the same way:

1. the arrays are checked (:func:`tconv._validate.operator_arrays`: types, ranks, dtypes);
2. the arguments become a :class:`~tconv.geometry.ConvGeometry`, which checks them, and the
   output's size is checked against this machine's memory, all before any work;
3. the geometry is trimmed to what can reach the output (:meth:`~tconv.geometry.ConvGeometry.trimmed`);
4. the arrays are made C-contiguous, aligned, native-endian and of the compute dtype;
5. the backend named in :data:`TRANSPOSE_BACKENDS` or :data:`CONV_BACKENDS` (or chosen for
   ``"auto"``) computes it.

:func:`apply_operator` runs steps 3-5 for a geometry already made: the gradients
(:mod:`tconv.grad`) use it, since the input gradient of each operator is the other one.

Steps 1 and 4 run on every call. The rest depends only on shapes, dtypes and the other
arguments, so for a call made of plain values (Python ints, tuples of ints, strings) it is
remembered (``functools.lru_cache``): a small call then costs about what PyTorch's does.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence, Union

import numpy as np

from . import cuda
from ._validate import (
    check_allocation,
    check_bias,
    is_device_array,
    operator_arrays,
    prepared,
)
from .geometry import ConvGeometry, Padding, Trim
from .kernels import direct, gemm, im2col, loops
from .kernels.auto import choose_backend, choose_conv_backend
from .matrix import operator_matrix

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "apply_operator",
    "BACKENDS",
    "CONV_BACKENDS",
    "TRANSPOSE_BACKENDS",
]

IntOrSeq = Union[int, Sequence[int]]


def _by_matrix(geometry: ConvGeometry, x: np.ndarray, w: np.ndarray,
               bias: np.ndarray | None = None) -> np.ndarray:
    """The ``"matrix"`` backend: the sparse matrix ``C_K^T`` times every flattened sample."""
    matrix = operator_matrix(geometry, w, sparse=True)
    flat = x.reshape(x.shape[0], geometry.input_numel)
    out = np.asarray((matrix @ flat.T).T, dtype=x.dtype).reshape(
        (x.shape[0], geometry.out_channels, *geometry.output_shape))
    if bias is not None:
        out += bias.reshape((1, -1) + (1,) * geometry.ndim)
    return out


#: The backends of the transposed convolution, by name. Each is called as
#: ``backend(geometry, x, w, bias)`` with the trimmed geometry and checked, batched arrays
#: (``bias`` may be None) and returns a new output ``(N, C_out, *output_shape)``.
TRANSPOSE_BACKENDS: dict[str, Callable[..., Any]] = {
    "matrix": _by_matrix,
    "scatter": loops.conv_transpose_scatter,
    "gather": loops.conv_transpose_gather,
    "direct": direct.conv_transpose_direct,
    "gemm": gemm.conv_transpose_gemm,
    "cuda": cuda.conv_transpose_gather,
    "cuda_scatter": cuda.conv_transpose_scatter,
}

#: The CPU backends of the transposed convolution. ``"auto"`` picks ``"direct"`` or ``"gemm"``
#: by :func:`tconv.kernels.auto.choose_backend` (and ``"cuda"`` for a device-array input).
BACKENDS = ("auto",) + tuple(name for name in TRANSPOSE_BACKENDS
                             if name not in cuda.CUDA_BACKENDS)

#: The backends of the convolution, called as those of :data:`TRANSPOSE_BACKENDS`.
#: ``"loops"`` is the plain loop of the definition; ``"gemm"`` im2col and one BLAS product
#: (:mod:`tconv.kernels.im2col`). ``"auto"`` picks by
#: :func:`tconv.kernels.auto.choose_conv_backend`.
CONV_BACKENDS: dict[str, Callable[..., Any]] = {
    "matrix": _by_matrix,
    "loops": loops.conv_direct,
    "gemm": im2col.conv_gemm,
}

_NAMES = ", ".join(map(repr, ("auto", *TRANSPOSE_BACKENDS)))
_CONV_NAMES = ", ".join(map(repr, ("auto", *CONV_BACKENDS)))


def _check_backend(backend: Any, transposed: bool) -> None:
    names, table = (_NAMES, TRANSPOSE_BACKENDS) if transposed else (_CONV_NAMES, CONV_BACKENDS)
    if not isinstance(backend, str):
        raise TypeError(f"backend must be a string, one of {names}; got {backend!r} of type "
                        f"{type(backend).__name__}")
    if backend != "auto" and backend not in table:
        raise ValueError(f"backend must be one of {names}, got {backend!r}")


# --- what a call needs besides its arrays -----------------------------------------------------
@dataclass(frozen=True)
class _Plan:
    """The checked description of one call: everything but the arrays' values."""

    geometry: ConvGeometry  # the operator as asked for
    trim: Trim  # the part that reaches the output (trim.geometry runs)
    backend: str  # the backend that computes it (resolved for "auto")
    batched: bool
    devices: bool  # an array lives in GPU memory
    trimmed: bool  # trim.geometry is smaller than geometry


def _is_plain(value: Any) -> bool:
    """A Python int or str, or a tuple of Python ints and of pairs of them (a padding): values
    that compare equal only when the arguments are the same (unlike ``1 == 1.0 == True``), so
    they can key the plan cache."""
    kind = type(value)
    if kind is int or kind is str:
        return True
    return kind is tuple and all(
        type(item) is int or (type(item) is tuple and all(type(v) is int for v in item))
        for item in value)


def _make_plan(transposed: bool, ndim: int, x_shape: tuple, dtype: np.dtype, w_shape: tuple,
               b_shape: tuple | None, stride: Any, padding: Any, output_padding: Any,
               groups: Any, dilation: Any, backend: str, on_device: bool,
               devices: bool) -> _Plan:
    batched = len(x_shape) == ndim + 2
    sample = x_shape[1:] if batched else x_shape
    if transposed:
        geometry = ConvGeometry.for_conv_transpose(w_shape, sample, stride, padding,
                                                   output_padding, dilation, groups)
    else:
        geometry = ConvGeometry.for_conv(w_shape, sample, stride, padding, dilation, groups)
    check_bias(b_shape, geometry.out_channels)
    return _plan_for(geometry, x_shape[0] if batched else None, dtype, backend, on_device,
                     devices)


def _plan_for(geometry: ConvGeometry, batch: int | None, dtype: np.dtype, backend: str,
              on_device: bool, devices: bool) -> _Plan:
    """The plan of ``geometry`` on ``batch`` samples (None: one unbatched sample)."""
    batched = batch is not None
    shape = ((batch,) if batched else ()) + (geometry.out_channels, *geometry.output_shape)
    check_allocation(math.prod(shape) * dtype.itemsize,
                     f"the output, of shape {shape} and dtype {dtype},",
                     f"check stride {geometry.stride}, padding {geometry.padding} and "
                     f"dilation {geometry.dilation}")
    trim = geometry.trimmed()
    if backend == "auto":
        if on_device and geometry.transposed:
            backend = "cuda"
        elif geometry.transposed:
            backend = choose_backend(trim.geometry)
        else:
            backend = choose_conv_backend(trim.geometry)
    if devices and not geometry.transposed:
        raise TypeError("an array lives in GPU memory, but the convolution runs on the CPU "
                        "only: copy the data to the host (the transposed convolution has CUDA "
                        "backends)")
    if devices and backend not in cuda.CUDA_BACKENDS:
        raise TypeError(f"an array lives in GPU memory, but backend {backend!r} runs on the "
                        f"CPU: use backend='cuda', 'cuda_scatter' or 'auto', or copy the data "
                        f"to the host")
    return _Plan(geometry, trim, backend, batched, devices, trim.geometry is not geometry)


_remembered_plan = functools.lru_cache(maxsize=1024)(_make_plan)


def _plan(transposed: bool, ndim: int, name: str, input: Any, weight: Any, bias: Any,
          stride: Any, padding: Any, output_padding: Any, groups: Any, dilation: Any,
          backend: str):
    """Check everything of a call; return the plan, the checked arrays and the dtype."""
    x, w, b, dtype, batched = operator_arrays(ndim, name, input, weight, bias, devices=True)
    if type(input) is np.ndarray and type(weight) is np.ndarray and \
            (bias is None or type(bias) is np.ndarray):
        on_device = devices = False
    else:
        on_device = is_device_array(input)
        devices = on_device or is_device_array(weight) or is_device_array(bias)
    args = (transposed, ndim, x.shape, dtype, w.shape, None if b is None else b.shape, stride,
            padding, output_padding, groups, dilation, backend, on_device, devices)
    plain = (_is_plain(stride) and _is_plain(padding) and _is_plain(output_padding)
             and _is_plain(groups) and _is_plain(dilation))
    plan = (_remembered_plan if plain else _make_plan)(*args)
    if devices:  # the CUDA backends read device arrays in place, host data as checked
        x = cuda.device_view(input, "input") if on_device else x
        w = cuda.device_view(weight, "weight") if is_device_array(weight) else w
        if b is not None and is_device_array(bias):
            b = cuda.device_view(bias, "bias")
    return plan, x, w, b, dtype


def _run(plan: _Plan, kernel: Callable[..., Any], x: Any, w: Any, b: Any,
         dtype: np.dtype) -> Any:
    """Prepare the arrays, run ``kernel`` on the trimmed operator, and shape the result."""
    if plan.devices:  # host data among device arrays: checked here, copied by the backend
        on_host = not is_device_array(x)
        x = prepared(x, dtype) if on_host else x
        w = w if is_device_array(w) else prepared(w, dtype)
        b = b if b is None or is_device_array(b) else prepared(b, dtype)
    else:
        on_host = True
        x, w = prepared(x, dtype), prepared(w, dtype)
        b = None if b is None else prepared(b, dtype)
    if not plan.batched:
        x = x.reshape((1,) + tuple(x.shape))
    trim = plan.trim
    if plan.trimmed:
        where = (slice(None), slice(None))
        if plan.geometry.transposed:  # the input loses the elements that reach nothing
            index = where + tuple(slice(s.start, s.stop) for s in trim.small)
            x = prepared(x[index], dtype) if on_host else cuda.window(x, _full(index, x))
        taps = where + trim.taps
        w = cuda.window(w, _full(taps, w)) if is_device_array(w) else prepared(w[taps], dtype)
    out = kernel(trim.geometry, x, w, b)
    if plan.trimmed and not plan.geometry.transposed:
        # a convolution computes the output elements that read the input; the others hold
        # the bias alone
        full = loops.filled_output(plan.geometry, out.shape[0], b, out.dtype)
        full[(slice(None), slice(None)) + trim.small] = out
        out = full
    return out if plan.batched else out[0]


def _table(geometry: ConvGeometry) -> dict[str, Callable[..., Any]]:
    return TRANSPOSE_BACKENDS if geometry.transposed else CONV_BACKENDS


def apply_operator(geometry: ConvGeometry, x: np.ndarray, w: np.ndarray,
                   bias: np.ndarray | None = None, *, backend: str = "auto") -> np.ndarray:
    """The operator ``geometry`` describes, applied to a batch: ``C_W x`` (plus ``bias``).

    For a caller that already holds a checked geometry, such as the gradients of
    :mod:`tconv.grad`: the geometry is trimmed, the arrays prepared, and the backend of
    :data:`CONV_BACKENDS` or :data:`TRANSPOSE_BACKENDS` named by ``backend`` runs.

    Parameters
    ----------
    geometry : ConvGeometry
        A convolution or a transposed convolution.
    x : numpy.ndarray
        ``(N, geometry.in_channels, *geometry.input_shape)``, float32 or float64.
    w : numpy.ndarray
        ``geometry.weight_shape``; cast to ``x``'s dtype.
    bias : numpy.ndarray, optional
        ``(geometry.out_channels,)``.
    backend : str, default 'auto'
        A name of the operator's backend table, or ``'auto'``.

    Returns
    -------
    numpy.ndarray
        ``(N, geometry.out_channels, *geometry.output_shape)``.

    Raises
    ------
    TypeError, ValueError
        Arrays of the wrong shape or dtype, or an unknown backend.

    Examples
    --------
    The adjoint of the worked example's convolution, from its geometry:

    >>> import numpy as np
    >>> g = ConvGeometry.for_conv((1, 1, 3, 3), (1, 4, 4)).adjoint()
    >>> w = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    >>> apply_operator(g, np.ones((1, 1, 2, 2)), w)[0, 0]
    array([[ 1.,  3.,  5.,  3.],
           [ 5., 12., 16.,  9.],
           [11., 24., 28., 15.],
           [ 7., 15., 17.,  9.]])
    """
    if not isinstance(geometry, ConvGeometry):
        raise TypeError(f"geometry must be a tconv.ConvGeometry, got {type(geometry).__name__}")
    _check_backend(backend, geometry.transposed)
    expected = {"x": (None, geometry.in_channels, *geometry.input_shape),
                "w": geometry.weight_shape}
    for name, array in (("x", x), ("w", w)):
        if not isinstance(array, np.ndarray) or array.dtype.kind not in "f" or \
                array.dtype.itemsize < 4:
            raise TypeError(f"{name} must be a float32 or float64 NumPy array, got "
                            f"{type(array).__name__} {getattr(array, 'dtype', '')}")
        shape = expected[name]
        if array.ndim != len(shape) or any(want is not None and got != want
                                           for got, want in zip(array.shape, shape)):
            shown = ("N",) + shape[1:] if name == "x" else shape
            raise ValueError(f"{name} must have shape {shown} for this geometry, got "
                             f"{array.shape}")
    check_bias(None if bias is None else np.shape(bias), geometry.out_channels)
    plan = _plan_for(geometry, x.shape[0], x.dtype, backend, False, False)
    return _run(plan, _table(geometry)[plan.backend], x, w, bias, x.dtype)


def _full(index: tuple, array: Any) -> tuple[slice, ...]:
    """``index`` with every slice's ``None`` bounds made explicit for ``array``'s shape."""
    return tuple(slice(s.start or 0, n if s.stop is None else s.stop)
                 for s, n in zip(index, array.shape))


# --- convolution ----------------------------------------------------------------------------
def _conv(ndim: int, input, weight, bias, stride, padding, dilation, groups,
          backend) -> np.ndarray:
    _check_backend(backend, False)
    plan, x, w, b, dtype = _plan(False, ndim, f"conv{ndim}d", input, weight, bias, stride,
                                 padding, 0, groups, dilation, backend)
    return _run(plan, CONV_BACKENDS[plan.backend], x, w, b, dtype)


def conv1d(input: Any, weight: Any, bias: Any = None, stride: IntOrSeq = 1, padding: Padding = 0,
           dilation: IntOrSeq = 1, groups: int = 1, *, backend: str = "auto") -> np.ndarray:
    """1-D convolution (cross-correlation), as ``torch.nn.functional.conv1d``.

    See :func:`conv2d` for the parameters; spatial shapes have one dimension.

    Examples
    --------
    >>> import numpy as np
    >>> conv1d(np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[[1.0, 1.0]]]))
    array([[3., 5., 7.]])
    """
    return _conv(1, input, weight, bias, stride, padding, dilation, groups, backend)


def conv2d(input: Any, weight: Any, bias: Any = None, stride: IntOrSeq = 1, padding: Padding = 0,
           dilation: IntOrSeq = 1, groups: int = 1, *, backend: str = "auto") -> np.ndarray:
    """2-D convolution (cross-correlation, as in deep learning), as ``torch.nn.functional.conv2d``.

    ``out[n, co, i, j] = bias[co] + sum over ci, a, b of
    weight[co, ci, a, b] * x_padded[n, g*C_in/groups + ci, i*s + a*d, j*s + b*d]``, where ``g`` is
    the group of output channel ``co``.

    Parameters
    ----------
    input : array_like
        ``(N, C_in, H, W)``, or ``(C_in, H, W)`` for one unbatched sample. Integer input is
        computed in float64; float32 and float64 are kept.
    weight : array_like
        ``(C_out, C_in/groups, kH, kW)``; cast to the input's dtype.
    bias : array_like, optional
        ``(C_out,)``.
    stride : int or tuple of int, default 1
        Step between windows, >= 1.
    padding : int, tuple, 'valid', 'same' or 'same_lower', default 0
        Zeros added to the input: an int (both sides of every dimension), or per dimension an
        int or a ``(begin, end)`` pair, as ``numpy.pad`` writes them (ONNX's ``pads``,
        TensorFlow's explicit paddings; :mod:`tconv.padding`). ``'same'`` gives an output of
        ``ceil(size / stride)`` at any stride and dilation, the odd zero at the end (PyTorch's
        ``'same'`` at stride 1, TensorFlow's ``'SAME'``, ONNX's ``SAME_UPPER``);
        ``'same_lower'`` puts it at the start (ONNX's ``SAME_LOWER``). See
        :func:`tconv.same_padding`.
    dilation : int or tuple of int, default 1
        Spacing between kernel taps, >= 1.
    groups : int, default 1
        Channel groups; must divide ``C_in`` and ``C_out``.
    backend : {'auto', 'matrix', 'loops', 'gemm'}, default 'auto'
        ``'matrix'`` multiplies by the sparse matrix C_K; ``'loops'`` computes each output as
        the dot product of the kernel with its window (Numba, the definition); ``'gemm'``
        copies the windows into columns (im2col) and does every multiply-add in one BLAS
        product per chunk (:mod:`tconv.kernels.im2col`). ``'auto'`` picks ``'gemm'``
        (:func:`tconv.kernels.auto.choose_conv_backend`). All agree to rounding.

    Returns
    -------
    numpy.ndarray
        ``(N, C_out, H_out, W_out)`` (or without ``N``), sizes from
        :func:`tconv.conv_output_size`.

    Raises
    ------
    TypeError
        Non-numeric arrays (strings, objects, bool, complex), float16, or arguments of the wrong type.
    ValueError
        Wrong ranks, channel counts, groups, negative padding or a padding entry that is not an
        int or a pair, stride or dilation < 1, a bias of the wrong shape, zero-size inputs, a
        kernel larger than the padded input, or an unknown backend.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> w = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    >>> conv2d(x, w)
    array([[[[303., 348.],
             [483., 528.]]]])
    """
    return _conv(2, input, weight, bias, stride, padding, dilation, groups, backend)


def conv3d(input: Any, weight: Any, bias: Any = None, stride: IntOrSeq = 1, padding: Padding = 0,
           dilation: IntOrSeq = 1, groups: int = 1, *, backend: str = "auto") -> np.ndarray:
    """3-D convolution (cross-correlation), as ``torch.nn.functional.conv3d``.

    See :func:`conv2d` for the parameters; spatial shapes have three dimensions.

    Examples
    --------
    >>> import numpy as np
    >>> conv3d(np.ones((1, 3, 3, 3)), np.ones((1, 1, 2, 2, 2))).shape
    (1, 2, 2, 2)
    """
    return _conv(3, input, weight, bias, stride, padding, dilation, groups, backend)


# --- transposed convolution -----------------------------------------------------------------
def _conv_transpose(ndim: int, input, weight, bias, stride, padding, output_padding, groups,
                    dilation, backend) -> np.ndarray:
    _check_backend(backend, True)
    plan, x, w, b, dtype = _plan(True, ndim, f"conv_transpose{ndim}d", input, weight, bias,
                                 stride, padding, output_padding, groups, dilation, backend)
    return _run(plan, TRANSPOSE_BACKENDS[plan.backend], x, w, b, dtype)


_TRANSPOSE_DOC = """{ndim}-D transposed convolution, as ``torch.nn.functional.conv_transpose{ndim}d``.

    The adjoint of :func:`conv{ndim}d` with the same weight: ``y = C_K^T x``, where ``C_K`` is the
    matrix of that convolution (see :func:`tconv.conv_transpose_matrix`). Each input element
    scales the kernel and adds it into the output at ``stride`` times its position.

    Parameters
    ----------
    input : array_like
        ``(N, C_in, {spatial})``, or ``(C_in, {spatial})`` for one unbatched sample. Integer input
        is computed in float64; float32 and float64 are kept.
    weight : array_like
        ``(C_in, C_out/groups, {kernel})``; cast to the input's dtype.
    bias : array_like, optional
        ``(C_out,)``.
    stride : int or tuple of int, default 1
        Spacing of the stamped kernels in the output, >= 1.
    padding : int, tuple, 'same' or 'same_lower', default 0
        Elements removed from the full output: an int (both ends of every dimension, >= 0), or
        per dimension an int or a ``(begin, end)`` pair (ONNX's ``pads``; PyTorch cannot crop
        more at the end than at the start, tconv can: :mod:`tconv.padding`). ``'same'`` and
        ``'same_lower'`` give an output of exactly input size times stride, the odd element
        cropped at the end or at the start (ONNX's ``SAME_UPPER`` and ``SAME_LOWER``; where the
        stride exceeds the dilated kernel, zeros are added at the end: see
        :func:`tconv.same_padding_transpose`).
    output_padding : int or tuple of int, default 0
        Elements given back at the end of every dimension; smaller than stride or dilation.
        It picks which of the input sizes of the strided convolution to reproduce
        (see :func:`tconv.output_padding_for_size`). With ``'same'`` it shifts the output
        towards the end, keeping its size, as ONNX's ConvTranspose does.
    groups : int, default 1
        Channel groups; must divide ``C_in`` and ``C_out``.
    dilation : int or tuple of int, default 1
        Spacing between kernel taps, >= 1.
    backend : {{'auto', 'matrix', 'scatter', 'gather', 'direct', 'gemm', 'cuda', 'cuda_scatter'}}, default 'auto'
        ``'matrix'`` multiplies by the sparse matrix C_K^T; ``'scatter'`` stamps each input
        element's scaled kernel into the output (Numba); ``'gather'`` sums, for each output
        element, the inputs that reach it (Numba), which equals inserting zeros between inputs
        and convolving with the flipped kernel. ``'direct'`` is a vectorized row kernel for few
        channels per group (:mod:`tconv.kernels.direct`); ``'gemm'`` a BLAS matrix product
        followed by col2im for channel-heavy layers (:mod:`tconv.kernels.gemm`).
        ``'auto'`` picks ``'direct'`` when ``C_in/groups * C_out/groups <= 16``, else
        ``'gemm'`` (:func:`tconv.kernels.auto.choose_backend`), and ``'cuda'`` when ``input``
        is a device array. All agree to rounding.

        The GPU backends (numba.cuda, :mod:`tconv.cuda`). ``'cuda'``: one GPU thread
        per output element, deterministic. ``'cuda_scatter'``: one thread per input element
        with atomic adds, so float sums happen in a varying order and results are not bitwise
        reproducible (as PyTorch's ConvTranspose on CUDA). NumPy input is copied to the GPU and
        back; a device array (``__cuda_array_interface__``: CuPy, PyTorch CUDA tensors, Numba)
        is used in place and the result is a Numba device array.

    Returns
    -------
    numpy.ndarray
        ``(N, C_out, {spatial_out})`` (or without ``N``), sizes from
        :func:`tconv.conv_transpose_output_size`; a Numba device array for device-array input.

    Raises
    ------
    TypeError
        Non-numeric arrays (strings, objects, bool, complex), float16, or arguments of the wrong type.
    ValueError
        Wrong ranks, channel counts or groups, negative padding or a padding entry that is not
        an int or a pair, stride or dilation < 1, output_padding not smaller than stride or
        dilation, a bias of the wrong shape, zero-size
        inputs, padding that crops the whole output, or an unknown backend.
    tconv.CudaUnavailableError
        A CUDA backend without a usable GPU (unless ``NUMBA_ENABLE_CUDASIM=1`` selects Numba's
        CUDA simulator); raised after the argument checks, before any work.

    Examples
    --------
{example}
    """


def conv_transpose1d(input: Any, weight: Any, bias: Any = None, stride: IntOrSeq = 1,
                     padding: Padding = 0, output_padding: IntOrSeq = 0, groups: int = 1,
                     dilation: IntOrSeq = 1, *, backend: str = "auto") -> np.ndarray:
    return _conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation, backend)


def conv_transpose2d(input: Any, weight: Any, bias: Any = None, stride: IntOrSeq = 1,
                     padding: Padding = 0, output_padding: IntOrSeq = 0, groups: int = 1,
                     dilation: IntOrSeq = 1, *, backend: str = "auto") -> np.ndarray:
    return _conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation, backend)


def conv_transpose3d(input: Any, weight: Any, bias: Any = None, stride: IntOrSeq = 1,
                     padding: Padding = 0, output_padding: IntOrSeq = 0, groups: int = 1,
                     dilation: IntOrSeq = 1, *, backend: str = "auto") -> np.ndarray:
    return _conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups,
                           dilation, backend)


conv_transpose1d.__doc__ = _TRANSPOSE_DOC.format(
    ndim=1, spatial="L", kernel="k", spatial_out="L_out",
    example="""    >>> import numpy as np
    >>> conv_transpose1d(
    ...     np.array([[1.0, 10.0]]), np.array([[[1.0, 2.0, 3.0]]]), stride=2
    ... )
    array([[ 1.,  2., 13., 20., 30.]])""",
)
conv_transpose2d.__doc__ = _TRANSPOSE_DOC.format(
    ndim=2, spatial="H, W", kernel="kH, kW", spatial_out="H_out, W_out",
    example="""    The worked example: a 2x2 input and a 3x3 kernel give a 4x4 output.

    >>> import numpy as np
    >>> x = np.array([[[[1.0, 0.0], [0.0, 0.0]]]])
    >>> w = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    >>> conv_transpose2d(x, w)[0, 0]
    array([[1., 2., 3., 0.],
           [4., 5., 6., 0.],
           [7., 8., 9., 0.],
           [0., 0., 0., 0.]])""",
)
conv_transpose3d.__doc__ = _TRANSPOSE_DOC.format(
    ndim=3, spatial="D, H, W", kernel="kD, kH, kW", spatial_out="D_out, H_out, W_out",
    example="""    >>> import numpy as np
    >>> conv_transpose3d(
    ...     np.ones((1, 2, 2, 2)), np.ones((1, 1, 2, 2, 2)), stride=2
    ... ).shape
    (1, 4, 4, 4)""",
)
