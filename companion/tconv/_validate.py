"""Every argument and array check of tconv's public functions, in one place.

Each helper either returns a normalized value or raises a ``TypeError`` (bad type) or
``ValueError`` (bad value) whose message names the argument, shows the value given and states
the rule. They run before any work or allocation.

Integers (sizes, strides, paddings, dilations) are bounded by :data:`MAX_INT`, so that the
index arithmetic of every kernel fits in 64-bit integers; arrays are refused when they would be
larger than this machine's memory (:func:`check_allocation`), with the size stated, instead of
failing inside NumPy.
"""

from __future__ import annotations

import math
import numbers
import os
from typing import Any, Sequence

import numpy as np

__all__ = [
    "MAX_INT",
    "as_int",
    "as_tuple",
    "broadcast_ints",
    "int_or_tuple",
    "as_shape",
    "as_bool",
    "as_numeric_array",
    "compute_dtype",
    "operator_arrays",
    "check_bias",
    "prepared",
    "is_device_array",
    "memory_limit",
    "check_allocation",
    "readable_bytes",
]

#: Largest integer argument tconv accepts (2**62): sums of a few such numbers still fit in int64.
MAX_INT = 2**62

_KERNEL_AXES = {1: "k", 2: "kH, kW", 3: "kD, kH, kW"}
_FLOAT32, _FLOAT64 = np.dtype(np.float32), np.dtype(np.float64)


def _is_int(value: Any) -> bool:
    """True for Python and NumPy integers, False for bools (which are ints in Python)."""
    if type(value) is int:  # the common case, without the slower abstract-class check
        return True
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    )


def _check_range(value: int, name: str, minimum: int | None, maximum: int | None,
                 shown: Any, where: str = "") -> None:
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}{where}, got {shown!r}")
    if maximum is not None and abs(value) > maximum:
        raise ValueError(f"{name} must be at most 2**62 (= {MAX_INT}) in absolute value"
                         f"{where}: larger values overflow 64-bit index arithmetic; got {shown!r}")


def as_int(value: Any, name: str, *, minimum: int | None = None,
           maximum: int | None = MAX_INT) -> int:
    """Return ``value`` as a Python int, checking its type and range.

    >>> as_int(3, "groups", minimum=1)
    3
    """
    if not _is_int(value):
        raise TypeError(
            f"{name} must be an integer, got {value!r} of type {type(value).__name__}"
        )
    value = int(value)
    _check_range(value, name, minimum, maximum, value)
    return value


def as_tuple(value: Any, ndim: int, name: str, *, minimum: int | None = None,
             maximum: int | None = MAX_INT) -> tuple[int, ...]:
    """Normalize an int or a sequence of ``ndim`` ints into a tuple of length ``ndim``.

    >>> as_tuple(2, 3, "stride")
    (2, 2, 2)
    >>> as_tuple((1, 2), 2, "padding")
    (1, 2)
    """
    if _is_int(value):
        items: Sequence[Any] = (value,) * ndim
    elif isinstance(value, (tuple, list)):
        if len(value) != ndim:
            raise ValueError(
                f"{name} must be an int or a sequence of {ndim} ints (one per spatial "
                f"dimension), got {value!r} of length {len(value)}"
            )
        items = value
    else:
        raise TypeError(
            f"{name} must be an int or a tuple of {ndim} ints, got {value!r} "
            f"of type {type(value).__name__}"
        )
    for item in items:
        if not _is_int(item):
            raise TypeError(
                f"{name} must contain integers, got {value!r} (element {item!r} is "
                f"{type(item).__name__})"
            )
        _check_range(int(item), name, minimum, maximum, value, " in every dimension")
    return tuple(int(item) for item in items)


#: The smallest value of each size-helper argument (:func:`broadcast_ints`).
_MINIMUMS = {"input_size": 1, "output_size": 1, "kernel_size": 1, "stride": 1, "dilation": 1,
             "padding": 0, "output_padding": 0}


def broadcast_ints(arguments: dict[str, Any], others: dict[str, Any] | None = None
                   ) -> tuple[dict[str, tuple[int, ...]], int, bool]:
    """Turn each of ``arguments`` (an int or a sequence of ints) into a tuple of one common length.

    ``others`` are arguments of other forms (a padding of pairs or a string) whose length, if they
    are sequences, must agree too; they are not converted. Returns the tuples, the common length
    (1 if nothing is a sequence), and whether any argument was a sequence (then a size helper
    returns a tuple).

    >>> broadcast_ints({"kernel_size": 3, "stride": (1, 2)})
    ({'kernel_size': (3, 3), 'stride': (1, 2)}, 2, True)
    """
    everything = {**arguments, **(others or {})}
    lengths = {len(v) for v in everything.values() if isinstance(v, (tuple, list))}
    if len(lengths) > 1:
        given = ", ".join(f"{name}={value!r}" for name, value in everything.items())
        raise ValueError(
            f"tuple arguments must all have the same length (one entry per dimension), got {given}"
        )
    ndim = lengths.pop() if lengths else 1
    tuples = {name: as_tuple(value, ndim, name, minimum=_MINIMUMS[name])
              for name, value in arguments.items()}
    return tuples, ndim, any(isinstance(v, (tuple, list)) for v in everything.values())


def int_or_tuple(values: Sequence[int], tupled: bool) -> int | tuple[int, ...]:
    """A size helper's result: the tuple, or its one int if no argument was a sequence
    (``tupled`` from :func:`broadcast_ints`).

    >>> int_or_tuple([3], False), int_or_tuple([3], True)
    (3, (3,))
    """
    return tuple(values) if tupled else values[0]


def as_shape(shape: Any, name: str, *, minimum: int = 1) -> tuple[int, ...]:
    """A shape: a tuple or list of ints, each at least ``minimum`` and at most :data:`MAX_INT`.

    >>> as_shape([4, 4], "input_shape")
    (4, 4)
    """
    if not isinstance(shape, (tuple, list)) or not all(_is_int(n) for n in shape):
        raise TypeError(f"{name} must be a tuple of ints, got {shape!r}")
    for n in shape:
        _check_range(int(n), name, minimum, MAX_INT, tuple(shape), " in every dimension")
    return tuple(int(n) for n in shape)


def as_bool(value: Any, name: str) -> bool:
    """``value`` if it is True or False, else a ``TypeError`` naming ``name``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def as_numeric_array(value: Any, name: str) -> np.ndarray:
    """Return ``value`` as a NumPy array of a real integer or floating dtype, without copying it.

    Strings, objects, bools and complex numbers are refused with a ``TypeError``, and so are
    arrays in GPU memory (see :func:`is_device_array`): only the CUDA backends read those.
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array, got the string {value!r}")
    if is_device_array(value):
        raise TypeError(
            f"{name} lives in GPU memory (it has __cuda_array_interface__); only the CUDA "
            f"backends read device arrays: pass backend='cuda' (or 'auto'), or copy it to the "
            f"host first"
        )
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:  # ragged nested lists and the like
        raise TypeError(f"{name} must be a numeric array; converting it failed: {error}") from None
    kind = array.dtype.kind
    if kind not in "iuf":
        described = {
            "b": "bool",
            "c": "complex",
            "U": "str",
            "S": "bytes",
            "O": "object",
        }.get(kind, str(array.dtype))
        raise TypeError(
            f"{name} must hold real numbers (an integer or floating dtype), got an array of "
            f"dtype {array.dtype} ({described})"
        )
    return array


def compute_dtype(array: Any, name: str) -> np.dtype:
    """The floating dtype, in this machine's byte order, that a computation on ``array`` runs in.

    float32 and float64 are kept (a big-endian ``'>f8'`` computes in native float64); integers
    are computed in float64. Other floating types (float16, longdouble) are refused: the kernels
    support float32 and float64 only.
    """
    dtype = array.dtype
    if dtype is _FLOAT64 or dtype is _FLOAT32:  # the common case: a native float array
        return dtype
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        return _FLOAT64
    native = dtype.newbyteorder("=")
    if native == _FLOAT32 or native == _FLOAT64:
        return np.dtype(native.type)
    raise TypeError(
        f"{name} has dtype {dtype}; supported dtypes are float32, float64 (either byte order) "
        f"and integers (computed in float64). Convert it, e.g. {name}.astype(np.float32)"
    )


def is_device_array(obj: Any) -> bool:
    """True for arrays in GPU memory: ``__cuda_array_interface__`` or a Numba device array.

    Cheap and import-free: it only looks at attributes, so it never imports ``numba.cuda``.

    >>> is_device_array(np.zeros(3))
    False
    """
    if getattr(obj, "__cuda_ndarray__", False) is True:  # Numba's (and the simulator's) arrays
        return True
    try:
        return hasattr(obj, "__cuda_array_interface__")
    except Exception:  # a property that fails for host data (as PyTorch's does) means "no"
        return False


def _device_stand_in(obj: Any, name: str) -> np.ndarray:
    """A zero-memory NumPy array with a device array's shape and dtype, for the checks.

    Device arrays must be C-contiguous: the CUDA backends read them in place.
    """
    if getattr(obj, "__cuda_ndarray__", False) is True:
        shape, dtype, contiguous = tuple(obj.shape), np.dtype(obj.dtype), obj.is_c_contiguous()
    else:
        desc = obj.__cuda_array_interface__
        shape, dtype = tuple(desc["shape"]), np.dtype(desc["typestr"])
        strides = desc.get("strides")
        expected, step = [], dtype.itemsize
        for size in reversed(shape):
            expected.insert(0, step)
            step *= size
        # As in NumPy, the stride of a dimension of size 1 does not matter.
        contiguous = strides is None or all(
            size == 1 or stride == want for size, stride, want in zip(shape, strides, expected)
        )
    if not contiguous and math.prod(shape) > 1:
        raise ValueError(
            f"{name} is a device array that is not C-contiguous (shape {shape}); the CUDA "
            f"backends read device arrays in place and need C order: pass a contiguous copy, "
            f"e.g. tensor.contiguous() or cupy.ascontiguousarray({name})"
        )
    return np.broadcast_to(np.zeros((), dtype=dtype), shape)


def operator_arrays(ndim: int, name: str, input: Any, weight: Any, bias: Any,
                    *, devices: bool = False):
    """Check the arrays of ``conv{ndim}d``/``conv_transpose{ndim}d``: types and ranks.

    Returns ``(x, w, b, dtype, batched)``: NumPy arrays (not copied, not converted; for device
    arrays, with ``devices`` True, zero-memory stand-ins of their shape and dtype), the compute
    dtype, and whether ``input`` has a batch axis. ``b`` is None without a bias.
    """

    def array(value: Any, label: str) -> np.ndarray:
        if type(value) is np.ndarray and value.dtype.kind in "iuf":  # the common case
            return value
        if devices and is_device_array(value):  # checked as the host data it stands for
            value = _device_stand_in(value, label)
        return as_numeric_array(value, label)

    x = array(input, "input")
    w = array(weight, "weight")
    dtype = compute_dtype(x, "input")
    if w.ndim != ndim + 2:
        transposed = name.startswith("conv_transpose")
        channels = "C_in, C_out/groups" if transposed else "C_out, C_in/groups"
        raise ValueError(
            f"weight of {name} must be {ndim + 2}-D ({channels}, {_KERNEL_AXES[ndim]}), "
            f"got shape {w.shape}"
        )
    if x.ndim not in (ndim + 1, ndim + 2):
        raise ValueError(
            f"input of {name} must be {ndim + 2}-D (N, C, *spatial) or {ndim + 1}-D (C, *spatial) "
            f"with {ndim} spatial dimension{'s' if ndim > 1 else ''}, got shape {x.shape}"
        )
    b = None if bias is None else array(bias, "bias")
    return x, w, b, dtype, x.ndim == ndim + 2


def check_bias(shape: tuple[int, ...] | None, channels: int) -> None:
    """A bias, if given (``shape`` is not None), has one value per output channel."""
    if shape is not None and tuple(shape) != (channels,):
        raise ValueError(
            f"bias must be 1-D with one value per output channel, shape ({channels},), "
            f"got shape {tuple(shape)}"
        )


def prepared(array: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``array`` as a C-contiguous, aligned, writeable array of native ``dtype``.

    The kernels get nothing else: byte-swapped, unaligned, strided or read-only arrays are
    copied (the caller's array is never modified); an array that is already right is returned
    as it is.
    """
    flags = array.flags
    if array.dtype == dtype and flags.c_contiguous and flags.aligned and flags.writeable:
        return array  # (dtype equality includes the byte order)
    return np.require(array, dtype=dtype, requirements=("C", "A", "W"))


def memory_limit() -> int:
    """Bytes of this machine's physical memory: no array tconv allocates may be larger.

    >>> memory_limit() > 2**20
    True
    """
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows): only NumPy's bound
        return int(np.iinfo(np.intp).max)


def readable_bytes(nbytes: int) -> str:
    """``nbytes`` in TiB, GiB, MiB or KiB, one decimal.

    >>> readable_bytes(3 * 2**30)
    '3.0 GiB'
    """
    for unit, size in (("EiB", 2**60), ("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30),
                       ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= size:
            return f"{nbytes / size:.1f} {unit}"
    return f"{nbytes} bytes"


def check_allocation(nbytes: int, what: str, hint: str = "", *,
                     limit: int | None = None, where: str = "this machine's memory") -> None:
    """Refuse, with a ``ValueError`` that states the size, an array larger than ``limit``.

    ``limit`` defaults to :func:`memory_limit`; ``what`` describes the array (e.g. "the output,
    of shape (1, 1, 10**12) and dtype float64,") and ``hint`` says what to change.
    """
    limit = memory_limit() if limit is None else limit
    if nbytes > limit:
        raise ValueError(
            f"{what} would take {readable_bytes(nbytes)}, more than {where} "
            f"({readable_bytes(limit)})" + (f"; {hint}" if hint else "")
        )
