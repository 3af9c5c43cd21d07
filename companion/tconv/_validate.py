"""Argument checks shared by every public function.

Each helper either returns a normalized value or raises a ``TypeError`` (bad type) or
``ValueError`` (bad value) whose message names the argument, shows the value given and states
the rule. They run before any work or allocation.
"""

from __future__ import annotations

import numbers
from typing import Any, Sequence

import numpy as np

__all__ = [
    "as_int",
    "as_tuple",
    "as_numeric_array",
    "compute_dtype",
]


def _is_int(value: Any) -> bool:
    """True for Python and NumPy integers, False for bools (which are ints in Python)."""
    if type(value) is int:  # the common case, without the slower abstract-class check
        return True
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    )


def as_int(value: Any, name: str, *, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int, checking its type and lower bound."""
    if not _is_int(value):
        raise TypeError(
            f"{name} must be an integer, got {value!r} of type {type(value).__name__}"
        )
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def as_tuple(value: Any, ndim: int, name: str, *, minimum: int | None = None) -> tuple[int, ...]:
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
        if minimum is not None and item < minimum:
            raise ValueError(f"{name} must be >= {minimum} in every dimension, got {value!r}")
    return tuple(int(item) for item in items)


def as_numeric_array(value: Any, name: str) -> np.ndarray:
    """Return ``value`` as a NumPy array of a real integer or floating dtype, without copying it.

    Strings, objects, bools and complex numbers are refused with a ``TypeError``.
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array, got the string {value!r}")
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


def compute_dtype(array: np.ndarray, name: str) -> np.dtype:
    """The floating dtype a computation on ``array`` runs in.

    float32 and float64 are kept; integers are computed in float64. Other floating types
    (float16, longdouble) are refused: the kernels support float32 and float64 only.
    """
    if array.dtype.kind in "iu":
        return np.dtype(np.float64)
    if array.dtype in (np.float32, np.float64):
        return array.dtype
    raise TypeError(
        f"{name} has dtype {array.dtype}; supported dtypes are float32, float64 and integers "
        f"(computed in float64). Convert it, e.g. {name}.astype(np.float32)"
    )
