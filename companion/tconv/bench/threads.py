"""One thread count for every contender: Numba, the BLAS under NumPy, and PyTorch.

NumPy's OpenBLAS keeps its own thread pool. ``threadpoolctl`` sets it when installed; otherwise
the OpenBLAS library that NumPy loaded is found among the process's shared libraries and its
``*openblas_set_num_threads*`` function is called through :mod:`ctypes`.
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["set_threads", "set_blas_threads"]

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")


def _loaded_libraries() -> list[str]:
    """Paths of the shared libraries mapped into this process (Linux), or []."""
    try:
        with open(f"/proc/{os.getpid()}/maps") as maps:
            paths = {line.split()[-1] for line in maps if ".so" in line}
    except OSError:
        return []
    return sorted(p for p in paths if "blas" in os.path.basename(p).lower())


def set_blas_threads(threads: int) -> str:
    """Set the number of threads of NumPy's BLAS; return how it was done ("none" if not).

    Examples
    --------
    >>> set_blas_threads(1) in ("threadpoolctl", "none") or set_blas_threads(1).startswith("ctypes")
    True
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        pass
    else:
        threadpool_limits(limits=threads, user_api="blas")
        return "threadpoolctl"
    import numpy  # noqa: F401  (loads the BLAS)

    for path in _loaded_libraries():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SETTERS:
            setter = getattr(library, name, None)
            if setter is not None:
                setter(ctypes.c_int(threads))
                return f"ctypes:{name}"
    return "none"


def set_threads(threads: int) -> dict:
    """Give Numba, NumPy's BLAS and (if imported) PyTorch the same number of threads.

    Returns a description of what was set, for the benchmark's JSON.
    """
    import numba

    if threads < 1 or threads > numba.config.NUMBA_NUM_THREADS:
        raise ValueError(f"threads must be between 1 and {numba.config.NUMBA_NUM_THREADS} "
                         f"(the CPUs Numba sees), got {threads}")
    numba.set_num_threads(threads)
    info = {"threads": threads, "numba": numba.get_num_threads(),
            "numba_threading_layer": numba.config.THREADING_LAYER,
            "blas": set_blas_threads(threads)}
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)
        info["torch"] = torch.get_num_threads()
    return info
