"""The CUDA backends of the transposed convolution: ``"cuda"`` (gather) and ``"cuda_scatter"``.

This module is imported with tconv and stays light: ``numba.cuda`` and the kernels
(:mod:`tconv.kernels.cuda_kernels`) are imported only when a CUDA backend actually runs, so
``import tconv`` never needs CUDA. :func:`tconv.conv_transpose2d` (and 1d, 3d) checks the
arguments (device arrays by their shape and dtype), then calls :func:`conv_transpose_gather`
or :func:`conv_transpose_scatter` from its table of backends.

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

from typing import Any

import numpy as np

from ._validate import check_allocation, compute_dtype, is_device_array

__all__ = ["CUDA_BACKENDS", "CudaUnavailableError", "conv_transpose_gather",
           "conv_transpose_scatter", "device_view", "window", "ptx", "simulator_enabled"]

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


def _launch_shape(n: int) -> tuple[int, int]:
    """(blocks, threads per block) for ``n`` elements of work."""
    if simulator_enabled():
        threads, max_blocks = SIMULATOR_THREADS_PER_BLOCK, SIMULATOR_MAX_BLOCKS
    else:
        threads, max_blocks = THREADS_PER_BLOCK, MAX_BLOCKS
    return max(1, min(max_blocks, -(-n // threads))), threads


def device_view(obj: Any, name: str = "input"):
    """A device array (CuPy, a PyTorch CUDA tensor, Numba) as a Numba device array, no copy.

    Raises
    ------
    CudaUnavailableError
        Without a GPU or the simulator.
    TypeError
        GPU memory in the simulator, which cannot read it.
    """
    cuda = _cuda()
    if getattr(obj, "__cuda_ndarray__", False) is True:
        return obj
    if simulator_enabled():
        raise TypeError(
            f"{name} lives in GPU memory, which the CUDA simulator cannot read; unset "
            f"NUMBA_ENABLE_CUDASIM to use the GPU, or pass host (NumPy) data"
        )
    return cuda.as_cuda_array(obj)


def window(array, index: tuple[slice, ...]):
    """``array[index]`` of a C-contiguous Numba device array, as a new C-contiguous one.

    ``index`` holds one slice per axis, steps of 1; the copy runs on the device.
    """
    cuda = _cuda()
    from .kernels.cuda_kernels import copy_window

    shape = tuple(s.stop - s.start for s in index)
    out = cuda.device_array(shape, dtype=array.dtype)
    if out.size == 0:
        return out
    lead = (1,) * (5 - array.ndim)
    starts = (0,) * (5 - array.ndim) + tuple(s.start for s in index)
    blocks, threads = _launch_shape(out.size)
    copy_window[blocks, threads](array.reshape(lead + tuple(array.shape)),
                                 out.reshape(lead + shape), *starts)
    return out


def _on_device(cuda, obj: Any, dtype: np.dtype):
    """``obj`` (host data, or a Numba device array) as a Numba device array of ``dtype``.

    Host data is copied over; a device array is used in place, or converted on the device by
    the ``cast`` kernel when its dtype differs.
    """
    from .kernels.cuda_kernels import cast

    if not is_device_array(obj):
        return cuda.to_device(np.ascontiguousarray(obj, dtype=dtype))
    if obj.dtype == dtype:
        return obj
    converted = cuda.device_array(obj.shape, dtype=dtype)
    if obj.size:
        blocks, threads = _launch_shape(obj.size)
        cast[blocks, threads](obj.reshape(obj.size), converted.reshape(obj.size))
    return converted


def _run(scatter: bool, geometry, x, w, bias):
    dtype = compute_dtype(x, "input")
    cuda = _cuda()  # CudaUnavailableError here: after the checks, before any allocation
    from .kernels import cuda_kernels as kernels

    batch = x.shape[0]
    shape = (batch, geometry.out_channels, *geometry.output_shape)
    try:
        total = cuda.current_context().get_memory_info()[1]
    except Exception:  # the simulator has no device memory to ask about
        total = None
    if total is not None:
        check_allocation(int(np.prod(shape, dtype=object)) * dtype.itemsize,
                         f"the output, of shape {shape} and dtype {dtype},",
                         "use smaller arguments or a CPU backend", limit=total,
                         where="this GPU's memory")
    on_host = not is_device_array(x)
    out = cuda.device_array(shape, dtype=dtype)
    if out.size:
        g3 = geometry.in_3d
        xd = _on_device(cuda, x, dtype).reshape((batch, geometry.in_channels) + g3.input_shape)
        wd = _on_device(cuda, w, dtype).reshape(tuple(w.shape[:2]) + g3.kernel_size)
        if bias is None:
            bd = cuda.to_device(np.zeros(geometry.out_channels, dtype=dtype))
        else:
            bd = _on_device(cuda, bias, dtype)
        od = out.reshape(shape[:2] + g3.output_shape)
        params = g3.stride + g3.padding + g3.dilation + (geometry.groups,)
        if scatter:
            blocks, threads = _launch_shape(od.size)
            kernels.fill_bias[blocks, threads](od, bd)
            blocks, threads = _launch_shape(xd.size)
            kernels.scatter[blocks, threads](xd, wd, od, *params)
        else:
            blocks, threads = _launch_shape(od.size)
            kernels.gather[blocks, threads](xd, wd, bd, od, *params)
    return out.copy_to_host() if on_host else out


def conv_transpose_gather(geometry, x, w, bias=None):
    """The ``"cuda"`` backend: one GPU thread per output element, deterministic.

    Parameters
    ----------
    geometry : ConvGeometry
        The operator.
    x, w, bias
        Input ``(N, C_in, *spatial)``, weight and bias (or None): host arrays (copied to the
        GPU) or C-contiguous Numba device arrays (used in place, or cast on the GPU). The
        computation runs in ``x``'s dtype (float64 for integers), as on the CPU.

    Returns
    -------
    numpy.ndarray or numba device array
        A NumPy array when ``x`` is host data, a Numba device array when it is a device array.

    Raises
    ------
    CudaUnavailableError
        Neither a usable GPU nor the CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``).
    ValueError
        An output larger than the GPU's memory.
    """
    return _run(False, geometry, x, w, bias)


def conv_transpose_scatter(geometry, x, w, bias=None):
    """The ``"cuda_scatter"`` backend: one GPU thread per input element, with atomic adds.

    As :func:`conv_transpose_gather` (same parameters); float sums happen in a varying order,
    so results agree to rounding but are not bitwise reproducible.
    """
    return _run(True, geometry, x, w, bias)


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
        "copy_window": f"void({a5}, {a5}, {', '.join(['int64'] * 5)})",
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

    from .kernels import cuda_kernels as kernels

    texts = {}
    for name, signature in _signatures(dtype).items():
        kernel = kernels.KERNELS["cast" if name.startswith("cast") else name]
        texts[name], _ = cuda.compile_ptx(kernel.py_func, signature, cc=cc)
    return texts
