"""One thread count for every contender: Numba (tconv's kernels), the BLAS under NumPy, and
PyTorch. NumPy's BLAS is set with threadpoolctl."""

from __future__ import annotations

import sys

__all__ = ["set_threads", "set_blas_threads"]


def set_blas_threads(threads: int) -> str:
    """Set the number of threads of the BLAS libraries this process loaded; return which.

    Examples
    --------
    >>> set_blas_threads(1)  # doctest: +ELLIPSIS
    'threadpoolctl: ...'
    """
    import numpy  # noqa: F401  (loads its BLAS)
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")
    names = sorted({info.get("internal_api", "?") for info in threadpool_info()
                    if info.get("user_api") == "blas"})
    return "threadpoolctl: " + (", ".join(names) or "no BLAS found")


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
            "blas": set_blas_threads(threads)}
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)
        info["torch"] = torch.get_num_threads()
    return info
