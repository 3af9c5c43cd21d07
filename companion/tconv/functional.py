"""PyTorch-compatible functions: convolution and transposed convolution on NumPy arrays.

Names, argument order, weight layouts and output sizes follow ``torch.nn.functional``, so any
result can be checked against PyTorch. Every call checks and normalizes its arguments once into a
:class:`~tconv.geometry.ConvGeometry` before any work, then hands that to a backend.
"""

from __future__ import annotations

import math
from typing import Any, Sequence, Union

import numpy as np

from ._validate import as_numeric_array, compute_dtype
from .geometry import ConvGeometry, Padding, _is_plain_key
from .kernels import cpu, cpu_direct, cpu_gemm
from .kernels.auto import choose_backend
from .kernels import cuda as _cuda  # light: numba.cuda is imported only when a CUDA backend runs
from .matrix import operator_matrix

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "BACKENDS",
]

#: The CPU backends of the transposed convolution. ``"auto"`` picks ``"direct"`` or ``"gemm"``
#: by :func:`tconv.kernels.auto.choose_backend`.
BACKENDS = ("auto", "matrix", "scatter", "gather", "direct", "gemm")
# Every backend name a call accepts: the CPU ones and the GPU ones (tconv.CUDA_BACKENDS).
_ALL_BACKENDS = BACKENDS + _cuda.CUDA_BACKENDS

IntOrSeq = Union[int, Sequence[int]]
_MAX_BYTES = int(np.iinfo(np.intp).max)
_KERNEL_AXES = {1: "k", 2: "kH, kW", 3: "kD, kH, kW"}


# --- argument handling ----------------------------------------------------------------------
def _arrays(ndim: int, name: str, input: Any, weight: Any, bias: Any):
    """Check types and ranks; return (input, weight, bias, compute dtype, batched)."""
    x = as_numeric_array(input, "input")
    w = as_numeric_array(weight, "weight")
    dtype = compute_dtype(x, "input")
    if w.ndim != ndim + 2:
        channels = "C_in, C_out/groups" if name.startswith("conv_transpose") else "C_out, C_in/groups"
        raise ValueError(
            f"weight of {name} must be {ndim + 2}-D ({channels}, {_KERNEL_AXES[ndim]}), "
            f"got shape {w.shape}"
        )
    if x.ndim not in (ndim + 1, ndim + 2):
        raise ValueError(
            f"input of {name} must be {ndim + 2}-D (N, C, *spatial) or {ndim + 1}-D (C, *spatial) "
            f"with {ndim} spatial dimension{'s' if ndim > 1 else ''}, got shape {x.shape}"
        )
    b = None
    if bias is not None:
        b = as_numeric_array(bias, "bias")
    return x, w, b, dtype, x.ndim == ndim + 2


def _check_bias(bias: np.ndarray | None, channels: int) -> None:
    if bias is not None and bias.shape != (channels,):
        raise ValueError(
            f"bias must be 1-D with one value per output channel, shape ({channels},), "
            f"got shape {bias.shape}"
        )


def _prepared(array: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """A C-contiguous, writable array of ``dtype``; the caller's array is never modified."""
    result = np.ascontiguousarray(array, dtype=dtype)
    if not result.flags.writeable:  # read-only arrays would compile a second kernel variant
        result = result.copy()
    return result


def _output(geometry: ConvGeometry, batch: int, bias: np.ndarray | None, dtype: np.dtype,
            fill: bool = True) -> np.ndarray:
    """The output array, holding the bias (the kernels add into it); uninitialized if not ``fill``."""
    shape = (batch, geometry.out_channels, *geometry.output_shape)
    if math.prod(shape) * dtype.itemsize > _MAX_BYTES:
        raise ValueError(
            f"the output would have shape {shape}, larger than any array can be; check stride "
            f"{geometry.stride}, padding {geometry.padding} and dilation {geometry.dilation}"
        )
    if not fill:
        return np.empty(shape, dtype=dtype)
    if bias is None:
        return np.zeros(shape, dtype=dtype)
    out = np.empty(shape, dtype=dtype)
    out[...] = bias.astype(dtype).reshape((1, -1) + (1,) * geometry.ndim)
    return out


# --- small calls ----------------------------------------------------------------------------
# A call of the direct kernel that is small enough for the serial kernel costs a few
# microseconds, less than checking its arguments. After one full call with plain arguments
# (Python ints, tuples of ints, strings), the same call (same shapes, dtypes and arguments, no
# bias, backend "auto", C-contiguous writeable NumPy arrays of one float dtype) goes straight to
# the prepared kernel: the arguments were already checked, and a bad one never gets here.
_SMALL_CALLS: dict = {}


def _ready(array: np.ndarray) -> bool:
    flags = array.flags
    return flags.c_contiguous and flags.writeable


def _remember_small_call(ndim, input, weight, stride, padding, output_padding, groups,
                         dilation, geometry, batch, dtype) -> None:
    if not (type(input) is np.ndarray and type(weight) is np.ndarray
            and input.dtype == dtype and weight.dtype == dtype
            and cpu_direct.direct_work(geometry, batch) < cpu_direct.SERIAL_WORK_LIMIT):
        return
    key = (ndim, input.shape, input.dtype.char, weight.shape, weight.dtype.char, stride,
           padding, output_padding, groups, dilation)
    if _is_plain_key(key):
        if len(_SMALL_CALLS) >= 256:
            _SMALL_CALLS.clear()
        _SMALL_CALLS[key] = cpu_direct.small_call(geometry, batch, dtype)


# --- convolution ----------------------------------------------------------------------------
def _conv(ndim: int, input, weight, bias, stride, padding, dilation, groups) -> np.ndarray:
    name = f"conv{ndim}d"
    x, w, b, dtype, batched = _arrays(ndim, name, input, weight, bias)
    sample_shape = x.shape[1:] if batched else x.shape
    geometry = ConvGeometry.for_conv(w.shape, sample_shape, stride, padding, dilation, groups)
    _check_bias(b, geometry.out_channels)
    xb = _prepared(x if batched else x[None], dtype)
    out = _output(geometry, xb.shape[0], b, dtype)
    cpu.conv_direct(geometry, xb, _prepared(w, dtype), out)
    return out if batched else out[0]


def conv1d(input: Any, weight: Any, bias: Any = None, stride: IntOrSeq = 1, padding: Padding = 0,
           dilation: IntOrSeq = 1, groups: int = 1) -> np.ndarray:
    """1-D convolution (cross-correlation), as ``torch.nn.functional.conv1d``.

    See :func:`conv2d` for the parameters; spatial shapes have one dimension.

    Examples
    --------
    >>> import numpy as np
    >>> conv1d(np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[[1.0, 1.0]]]))
    array([[3., 5., 7.]])
    """
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Any, weight: Any, bias: Any = None, stride: IntOrSeq = 1, padding: Padding = 0,
           dilation: IntOrSeq = 1, groups: int = 1) -> np.ndarray:
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
    padding : int, tuple of int, 'valid' or 'same', default 0
        Zeros added on both sides; ``'same'`` (stride 1 only) keeps the spatial shape, putting the
        odd zero at the end, as PyTorch.
    dilation : int or tuple of int, default 1
        Spacing between kernel taps, >= 1.
    groups : int, default 1
        Channel groups; must divide ``C_in`` and ``C_out``.

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
        Wrong ranks, channel counts, groups, negative padding, stride or dilation < 1, a bias of
        the wrong shape, zero-size inputs, or a kernel larger than the padded input.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> w = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    >>> conv2d(x, w)
    array([[[[303., 348.],
             [483., 528.]]]])
    """
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Any, weight: Any, bias: Any = None, stride: IntOrSeq = 1, padding: Padding = 0,
           dilation: IntOrSeq = 1, groups: int = 1) -> np.ndarray:
    """3-D convolution (cross-correlation), as ``torch.nn.functional.conv3d``.

    See :func:`conv2d` for the parameters; spatial shapes have three dimensions.

    Examples
    --------
    >>> import numpy as np
    >>> conv3d(np.ones((1, 3, 3, 3)), np.ones((1, 1, 2, 2, 2))).shape
    (1, 2, 2, 2)
    """
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


# --- transposed convolution -----------------------------------------------------------------
def _conv_transpose(ndim: int, input, weight, bias, stride, padding, output_padding, groups,
                    dilation, backend) -> np.ndarray:
    if backend == "auto" and bias is None and type(input) is np.ndarray \
            and type(weight) is np.ndarray:  # a small call seen before: skip the preparation
        key = (ndim, input.shape, input.dtype.char, weight.shape, weight.dtype.char, stride,
               padding, output_padding, groups, dilation)
        if _is_plain_key(key):
            call = _SMALL_CALLS.get(key)
            if call is not None and _ready(input) and _ready(weight):
                out = call(input, weight)
                return out if input.ndim == ndim + 2 else out[0]
    name = f"conv_transpose{ndim}d"
    # CUDA backends (and "auto" on an input that lives on a GPU) are handled in kernels/cuda.py.
    if _cuda.wants_cuda(backend, input):
        return _cuda.conv_transpose(ndim, input, weight, bias, stride, padding, output_padding,
                                    groups, dilation, backend)
    if not isinstance(backend, str):
        raise TypeError(f"backend must be a string, one of {', '.join(map(repr, _ALL_BACKENDS))}; "
                        f"got {backend!r} of type {type(backend).__name__}")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, _ALL_BACKENDS))}, "
                         f"got {backend!r}")
    x, w, b, dtype, batched = _arrays(ndim, name, input, weight, bias)
    sample_shape = x.shape[1:] if batched else x.shape
    geometry = ConvGeometry.for_conv_transpose(
        w.shape, sample_shape, stride, padding, output_padding, dilation, groups
    )
    _check_bias(b, geometry.out_channels)
    xb = _prepared(x if batched else x[None], dtype)
    wp = _prepared(w, dtype)
    auto = backend == "auto"
    if auto:
        backend = choose_backend(geometry)
    if backend in ("direct", "gemm"):  # these write every output element, bias included
        out = _output(geometry, xb.shape[0], None, dtype, fill=False)
        if auto and backend == "direct" and b is None:
            _remember_small_call(ndim, input, weight, stride, padding, output_padding, groups,
                                 dilation, geometry, xb.shape[0], dtype)
        kernel = (cpu_direct.conv_transpose_direct if backend == "direct"
                  else cpu_gemm.conv_transpose_gemm)
        kernel(geometry, xb, wp, out, None if b is None else _prepared(b, dtype))
        return out if batched else out[0]
    out = _output(geometry, xb.shape[0], b, dtype)
    if backend == "matrix":
        matrix = operator_matrix(geometry, wp, sparse=True)
        flat = xb.reshape(xb.shape[0], geometry.input_numel)
        out += (matrix @ flat.T).T.reshape(out.shape)
    elif backend == "scatter":
        cpu.conv_transpose_scatter(geometry, xb, wp, out)
    else:
        cpu.conv_transpose_gather(geometry, xb, wp, out)
    return out if batched else out[0]


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
    padding : int, tuple of int, 'same' or 'same_lower', default 0
        Elements removed from both ends of the full output in every dimension, >= 0.
        ``'same'`` and ``'same_lower'`` give an output of exactly input size times stride
        (ONNX's SAME_UPPER and SAME_LOWER, see :func:`tconv.same_padding_transpose`).
    output_padding : int or tuple of int, default 0
        Elements given back at the end of every dimension; smaller than stride or dilation.
        It picks which of the input sizes of the strided convolution to reproduce
        (see :func:`tconv.output_padding_for_size`).
    groups : int, default 1
        Channel groups; must divide ``C_in`` and ``C_out``.
    dilation : int or tuple of int, default 1
        Spacing between kernel taps, >= 1.
    backend : {{'auto', 'matrix', 'scatter', 'gather', 'direct', 'gemm', 'cuda', 'cuda_scatter'}}, default 'auto'
        ``'matrix'`` multiplies by the sparse matrix C_K^T; ``'scatter'`` stamps each input
        element's scaled kernel into the output (Numba); ``'gather'`` sums, for each output
        element, the inputs that reach it (Numba), which equals inserting zeros between inputs
        and convolving with the flipped kernel. ``'direct'`` is a vectorized row kernel for few
        channels per group (:mod:`tconv.kernels.cpu_direct`); ``'gemm'`` a BLAS matrix product
        followed by col2im for channel-heavy layers (:mod:`tconv.kernels.cpu_gemm`).
        ``'auto'`` picks ``'direct'`` when ``C_in/groups * C_out/groups <= 16``, else
        ``'gemm'`` (:func:`tconv.kernels.auto.choose_backend`), and ``'cuda'`` when ``input``
        is a device array. All agree to rounding.

        The GPU backends (numba.cuda, :mod:`tconv.kernels.cuda`). ``'cuda'``: one GPU thread
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
        Wrong ranks, channel counts or groups, negative padding, stride or dilation < 1,
        output_padding not smaller than stride or dilation, a bias of the wrong shape, zero-size
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
    >>> conv_transpose1d(np.array([[1.0, 10.0]]), np.array([[[1.0, 2.0, 3.0]]]), stride=2)
    array([[ 1.,  2., 13., 20., 30.]])""",
)
conv_transpose2d.__doc__ = _TRANSPOSE_DOC.format(
    ndim=2, spatial="H, W", kernel="kH, kW", spatial_out="H_out, W_out",
    example="""    The seed's example: a 2x2 input and a 3x3 kernel give a 4x4 output.

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
    >>> conv_transpose3d(np.ones((1, 2, 2, 2)), np.ones((1, 1, 2, 2, 2)), stride=2).shape
    (1, 4, 4, 4)""",
)
