"""The CUDA backends of the transposed convolution: ``"cuda"`` (gather) and ``"cuda_scatter"``.

This module is imported with tconv and stays light: ``numba.cuda`` and the kernels
(:mod:`tconv.kernels.cuda_kernels`) are imported only when a CUDA backend actually runs, so
``import tconv`` never needs CUDA. :func:`tconv.conv_transpose2d` (and 1d, 3d) asks
:func:`wants_cuda` first and, when it answers True, hands the whole call to
:func:`conv_transpose`.

Backends
--------
``"cuda"``
    One GPU thread per output element sums the inputs that reach it (a row of ``C_K^T``). No
    atomics; every run gives the same bits. The default CUDA backend.
``"cuda_scatter"``
    One GPU thread per input element stamps its scaled kernel into the output (a column of
    ``C_K^T``, the picture of the course) with ``cuda.atomic.add``. Float additions then happen
    in an order that changes from run to run, so results agree with the other backends to
    rounding but are not bitwise reproducible; PyTorch's own ConvTranspose on CUDA is
    non-deterministic for the same reason. float64 atomics need compute capability 6.0 or newer.
``"auto"``
    Follows the data: a *device array* input (any object with ``__cuda_array_interface__``,
    such as a CuPy array or a PyTorch CUDA tensor, or a Numba device array) goes to ``"cuda"``;
    a host (NumPy) input stays on the CPU backends. A device array exists only where a GPU is
    present, or under the CUDA simulator: there the simulator's device arrays count as living on
    the (simulated) GPU, so that this dispatch can be tested without one.

Where the data lives
--------------------
Host arrays (NumPy, lists) are copied to the GPU and the result is copied back: the result is a
NumPy array. Device arrays are used in place, without host copies, and the result is a Numba
device array (``numba.cuda.cudadrv.devicearray.DeviceNDArray``; a ``FakeCUDAArray`` in the
simulator) on the same GPU: wrap it without a copy with ``cupy.asarray(y)`` or
``torch.as_tensor(y, device="cuda")``, or call ``y.copy_to_host()``. Device arrays must be
C-contiguous (``tensor.contiguous()``, ``cupy.ascontiguousarray``): tconv makes no hidden
copies of them. Kernels run on Numba's default stream.

Without a GPU
-------------
Without a usable GPU and without the simulator, the CUDA backends raise
:class:`CudaUnavailableError` (a ``RuntimeError``) after checking the arguments and before any
allocation. To run them without a GPU (slowly, for tests and teaching), set the environment
variable ``NUMBA_ENABLE_CUDASIM=1`` before Numba is first imported.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["CUDA_BACKENDS", "CudaUnavailableError", "wants_cuda", "conv_transpose", "ptx",
           "is_device_array", "simulator_enabled"]

#: Backends served by this module.
CUDA_BACKENDS = ("cuda", "cuda_scatter")

#: Threads per block on a GPU, and the most blocks a launch uses (grid-stride loops do the rest).
THREADS_PER_BLOCK = 256
MAX_BLOCKS = 65535
#: The same in the CUDA simulator, where every simulated thread costs ~0.2 ms: few threads, each
#: looping over many elements (which also exercises the grid-stride loops on every test).
SIMULATOR_THREADS_PER_BLOCK = 8
SIMULATOR_MAX_BLOCKS = 2

_SIMULATOR_HINT = (
    "To run the CUDA kernels without a GPU, in Numba's CUDA simulator (slow; for tests and "
    "teaching), set the environment variable NUMBA_ENABLE_CUDASIM=1 before numba is first "
    "imported. Or use a CPU backend ('auto', 'scatter', 'gather' or 'matrix')."
)


class CudaUnavailableError(RuntimeError):
    """A CUDA backend was asked for, but neither a usable GPU nor the CUDA simulator is there."""


def is_device_array(obj: Any) -> bool:
    """True for arrays in GPU memory: ``__cuda_array_interface__`` or a Numba device array.

    Cheap and import-free: it only looks at attributes, so it never imports ``numba.cuda``.

    Examples
    --------
    >>> import numpy as np
    >>> is_device_array(np.zeros(3))
    False
    """
    if getattr(obj, "__cuda_ndarray__", False) is True:  # Numba's (and the simulator's) arrays
        return True
    try:
        return hasattr(obj, "__cuda_array_interface__")
    except Exception:  # a property that fails for host data (as PyTorch's does) means "no"
        return False


def wants_cuda(backend: Any, input: Any) -> bool:
    """Whether a transposed convolution must run on the CUDA path.

    True for ``backend`` ``"cuda"`` or ``"cuda_scatter"``, and for ``"auto"`` when ``input`` is
    a device array (see :func:`is_device_array`). Never imports ``numba.cuda``.

    Examples
    --------
    >>> import numpy as np
    >>> wants_cuda("cuda", np.zeros(3)), wants_cuda("auto", np.zeros(3))
    (True, False)
    """
    if not isinstance(backend, str):
        return False  # the caller reports a bad backend
    if backend in CUDA_BACKENDS:
        return True
    return backend == "auto" and is_device_array(input)


def simulator_enabled() -> bool:
    """Whether ``numba.cuda`` is (or will be, on first import) the CUDA simulator.

    Examples
    --------
    >>> isinstance(simulator_enabled(), bool)
    True
    """
    from numba.core import config

    return bool(config.ENABLE_CUDASIM)


def _cuda():
    """``numba.cuda``, checked to be usable (a GPU or the simulator); else a clear error."""
    try:
        from numba import cuda
    except ImportError as error:
        raise CudaUnavailableError(
            f"the CUDA backends need the numba-cuda package, which could not be imported "
            f"({error}); install it with `pip install numba-cuda==0.30.4`. {_SIMULATOR_HINT}"
        ) from None
    if not cuda.is_available():
        reason = str(cuda.cuda_error() or "no CUDA GPU was found").strip().replace("\n", " ")
        raise CudaUnavailableError(
            f"the CUDA backends need an NVIDIA GPU with a working driver, and none is usable "
            f"here ({reason}). {_SIMULATOR_HINT}"
        )
    return cuda


# --- arguments: checked on shapes and dtypes only, before the GPU is touched -----------------
def _meta(obj: Any, name: str) -> Any:
    """For a device array, a zero-memory NumPy stand-in with its shape and dtype; else ``obj``.

    The stand-in goes through the CPU path's own checks (``functional._arrays``), so both paths
    give the same errors for the same bad input. Device arrays must be C-contiguous.
    """
    if not is_device_array(obj):
        return obj
    if getattr(obj, "__cuda_ndarray__", False) is True:
        shape, dtype, contiguous = tuple(obj.shape), np.dtype(obj.dtype), obj.is_c_contiguous()
    else:
        desc = obj.__cuda_array_interface__
        shape, dtype = tuple(desc["shape"]), np.dtype(desc["typestr"])
        strides = desc.get("strides")
        # As in NumPy, the stride of a dimension of size 1 does not matter.
        contiguous = strides is None or all(
            size == 1 or stride == expected
            for size, stride, expected in zip(shape, strides, _c_strides(shape, dtype.itemsize))
        )
    if not contiguous and math.prod(shape) > 1:
        raise ValueError(
            f"{name} is a device array that is not C-contiguous (shape {shape}); the CUDA "
            f"backends read device arrays in place and need C order: pass a contiguous copy, "
            f"e.g. tensor.contiguous() or cupy.ascontiguousarray({name})"
        )
    return np.broadcast_to(np.zeros((), dtype=dtype), shape)


def _c_strides(shape: tuple, itemsize: int) -> tuple:
    strides, step = [], itemsize
    for size in reversed(shape):
        strides.append(step)
        step *= size
    return tuple(reversed(strides))


def _check_output_size(shape: tuple, dtype: np.dtype, geometry) -> None:
    # The same rule, and words, as the CPU path's output allocation.
    if math.prod(shape) * dtype.itemsize > np.iinfo(np.intp).max:
        raise ValueError(
            f"the output would have shape {shape}, larger than any array can be; check stride "
            f"{geometry.stride}, padding {geometry.padding} and dilation {geometry.dilation}"
        )


# --- moving data ----------------------------------------------------------------------------
def _launch_shape(n: int) -> tuple[int, int]:
    """(blocks, threads per block) for ``n`` elements of work."""
    if simulator_enabled():
        threads, max_blocks = SIMULATOR_THREADS_PER_BLOCK, SIMULATOR_MAX_BLOCKS
    else:
        threads, max_blocks = THREADS_PER_BLOCK, MAX_BLOCKS
    return max(1, min(max_blocks, -(-n // threads))), threads


def _on_device(cuda, obj: Any, dtype: np.dtype, name: str):
    """``obj`` as a C-contiguous Numba device array of ``dtype``.

    Host data is converted on the host and copied over; a device array is used in place, or
    converted on the device by the ``cast`` kernel when its dtype differs.
    """
    from .cuda_kernels import cast

    if not is_device_array(obj):
        return cuda.to_device(np.ascontiguousarray(obj, dtype=dtype))
    if getattr(obj, "__cuda_ndarray__", False) is not True:
        if simulator_enabled():
            raise TypeError(
                f"{name} lives in GPU memory, which the CUDA simulator cannot read; unset "
                f"NUMBA_ENABLE_CUDASIM to use the GPU, or pass host (NumPy) data"
            )
        obj = cuda.as_cuda_array(obj)  # a view: no copy
    if obj.dtype == dtype:
        return obj
    converted = cuda.device_array(obj.shape, dtype=dtype)
    if obj.size:
        blocks, threads = _launch_shape(obj.size)
        cast[blocks, threads](obj.reshape(obj.size), converted.reshape(obj.size))
    return converted


def _as_3d(array, ndim: int, batched: bool):
    """View (N, C, *spatial) or (C, *spatial) as (N, C, 1.., *spatial) with 3 spatial dims."""
    shape = tuple(array.shape)
    if not batched:
        shape = (1,) + shape
    return array.reshape(shape[:2] + (1,) * (3 - ndim) + shape[2:])


def conv_transpose(ndim: int, input: Any, weight: Any, bias: Any, stride: Any, padding: Any,
                   output_padding: Any, groups: Any, dilation: Any, backend: str) -> Any:
    """Transposed convolution on the GPU: the CUDA backends of :func:`tconv.conv_transpose2d`.

    The arguments are those of :func:`tconv.conv_transpose2d` (1d, 3d), checked with the same
    rules and messages as on the CPU. ``backend`` is ``"cuda"`` (gather, deterministic),
    ``"cuda_scatter"`` (atomic scatter) or ``"auto"`` (here: ``"cuda"``).

    Returns
    -------
    numpy.ndarray or numba device array
        A NumPy array when ``input`` is host data; a Numba device array when ``input`` is a
        device array (see the module docstring).

    Raises
    ------
    TypeError, ValueError
        Bad arguments, as the CPU backends; also a device array that is not C-contiguous.
    CudaUnavailableError
        Neither a usable GPU nor the CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``); raised after
        the argument checks, before any allocation.
    """
    from .. import functional  # functional imports this module: import it at call time
    from ..geometry import ConvGeometry

    name = f"conv_transpose{ndim}d"
    if backend not in CUDA_BACKENDS + ("auto",):
        raise ValueError(f"backend must be one of 'cuda', 'cuda_scatter' or 'auto' here, "
                         f"got {backend!r}")
    x, w, b, dtype, batched = functional._arrays(
        ndim, name, _meta(input, "input"), _meta(weight, "weight"),
        None if bias is None else _meta(bias, "bias"),
    )
    sample_shape = x.shape[1:] if batched else x.shape
    geometry = ConvGeometry.for_conv_transpose(
        w.shape, sample_shape, stride, padding, output_padding, dilation, groups
    )
    functional._check_bias(b, geometry.out_channels)
    batch = x.shape[0] if batched else 1
    out_shape = ((batch,) if batched else ()) + (geometry.out_channels, *geometry.output_shape)
    _check_output_size((batch, geometry.out_channels, *geometry.output_shape), dtype, geometry)

    cuda = _cuda()  # CudaUnavailableError here: after the checks, before any allocation
    from . import cuda_kernels as kernels

    on_host = not is_device_array(input)
    out = cuda.device_array(out_shape, dtype=dtype)
    if out.size:
        # Device arrays are used as given; host data as checked (and converted) above.
        xd = _as_3d(_on_device(cuda, x if on_host else input, dtype, "input"), ndim, batched)
        wd = _as_3d(_on_device(cuda, weight if is_device_array(weight) else w, dtype, "weight"),
                    ndim, True)
        if bias is None:
            bd = cuda.to_device(np.zeros(geometry.out_channels, dtype=dtype))
        else:
            bd = _on_device(cuda, bias if is_device_array(bias) else b, dtype, "bias")
        od = _as_3d(out, ndim, batched)
        fill = 3 - ndim
        params = ((1,) * fill + geometry.stride + (0,) * fill + geometry.padding
                  + (1,) * fill + geometry.dilation + (geometry.groups,))
        if backend == "cuda_scatter":
            blocks, threads = _launch_shape(od.size)
            kernels.fill_bias[blocks, threads](od, bd)
            blocks, threads = _launch_shape(xd.size)
            kernels.scatter[blocks, threads](xd, wd, od, *params)
        else:
            blocks, threads = _launch_shape(od.size)
            kernels.gather[blocks, threads](xd, wd, bd, od, *params)
    return out.copy_to_host() if on_host else out


# --- compilation to PTX (no GPU needed; not in the simulator) -------------------------------
def _signatures(dtype: str) -> dict[str, str]:
    """The Numba signature of every kernel for C-contiguous arrays of ``dtype``."""
    a1, a5 = f"{dtype}[::1]", f"{dtype}[:, :, :, :, ::1]"
    ints = ", ".join(["int64"] * 10)
    other = "float64" if dtype == "float32" else "float32"
    return {
        "gather": f"void({a5}, {a5}, {a1}, {a5}, {ints})",
        "scatter": f"void({a5}, {a5}, {a5}, {ints})",
        "fill_bias": f"void({a5}, {a1})",
        "cast_from_int64": f"void(int64[::1], {a1})",
        f"cast_from_{other}": f"void({other}[::1], {a1})",
    }


def ptx(cc: tuple[int, int] = (9, 0), dtype: str = "float32") -> dict[str, str]:
    """Compile every CUDA kernel to PTX for compute capability ``cc``; no GPU needed.

    This type-checks the kernels the way a GPU launch would (the simulator does not compile
    them). It needs NVVM and NVRTC, from ``pip install "numba-cuda[cu13]==0.30.4"`` (or
    ``[cu12]``), and a process without ``NUMBA_ENABLE_CUDASIM``.

    Parameters
    ----------
    cc : tuple of int, default (9, 0)
        Compute capability, e.g. ``(7, 5)``, ``(8, 0)``, ``(9, 0)``.
    dtype : {'float32', 'float64'}, default 'float32'
        Element type of the arrays.

    Returns
    -------
    dict of str to str
        The PTX text of each kernel, by name (``cast_from_*`` names the source dtype).

    Raises
    ------
    ValueError
        An unknown ``dtype``.
    CudaUnavailableError
        In the simulator, which cannot compile.

    Examples
    --------
    >>> texts = ptx((8, 0), "float64")  # doctest: +SKIP
    >>> ".target sm_80" in texts["gather"]  # doctest: +SKIP
    True
    """
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    if simulator_enabled():
        raise CudaUnavailableError(
            "the CUDA simulator (NUMBA_ENABLE_CUDASIM=1) cannot compile to PTX: run ptx() in a "
            "process without it"
        )
    from numba import cuda

    from . import cuda_kernels as kernels

    texts = {}
    for name, signature in _signatures(dtype).items():
        kernel = kernels.KERNELS["cast" if name.startswith("cast") else name]
        texts[name], _ = cuda.compile_ptx(kernel.py_func, signature, cc=cc)
    return texts
