"""A small pool of worker threads whose BLAS calls run single-threaded.

The GEMM kernel splits a call into independent tasks (disjoint parts of the output) and runs
them on ``numba.get_num_threads()`` Python threads, each thread receiving its whole share of the
tasks at once (waking a pool thread per task cost more than a small layer's task). Each task
calls NumPy's matrix product (BLAS releases the GIL) and a ``nogil`` Numba kernel, so the tasks
run in parallel; every worker first asks OpenBLAS to use one thread *for that thread only*
(``openblas_set_num_threads_local``), so the thread pools of BLAS and Numba never compete for
cores. The caller's BLAS setting is not changed. When NumPy's BLAS is not OpenBLAS, the workers
leave it as it is.
"""

from __future__ import annotations

import ctypes
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable

import numba

__all__ = ["run_tasks", "openblas_library"]

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_library: ctypes.CDLL | None | bool = False  # False: not looked up yet


def openblas_library() -> ctypes.CDLL | None:
    """The OpenBLAS shared library NumPy loaded (Linux), or None when it cannot be found.

    Examples
    --------
    >>> lib = openblas_library()
    >>> lib is None or hasattr(lib, "openblas_set_num_threads_local")
    True
    """
    global _library
    if _library is not False:
        return _library
    import numpy  # noqa: F401  (loads its BLAS)

    found = None
    try:
        with open(f"/proc/{os.getpid()}/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower()},
                           key=lambda p: "numpy" not in p)  # NumPy's own copy first
    except OSError:
        paths = []
    for path in paths:
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        if hasattr(library, "openblas_set_num_threads_local"):
            found = library
            break
    _library = found
    return found


def _one_blas_thread() -> None:
    library = openblas_library()
    if library is not None:
        library.openblas_set_num_threads_local(ctypes.c_int(1))


def _executor(size: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != size:
            if _pool is not None:
                _pool.shutdown(wait=True)
            _pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="tconv",
                                       initializer=_one_blas_thread)
            _pool_size = size
        return _pool


def run_tasks(function: Callable, tasks: Iterable) -> None:
    """Call ``function(task)`` for every task on ``numba.get_num_threads()`` workers.

    Tasks must write disjoint parts of the output; exceptions are re-raised here.

    Examples
    --------
    >>> seen = []
    >>> run_tasks(seen.append, range(5))
    >>> sorted(seen)
    [0, 1, 2, 3, 4]
    """
    tasks = list(tasks)
    if not tasks:
        return
    workers = numba.get_num_threads()
    pool = _executor(workers)
    # one share of the tasks per worker (every worker-th task), handed over at once: waking a
    # pool thread costs tens of microseconds, more than a small task's work
    shares = [tasks[i::workers] for i in range(min(workers, len(tasks)))]
    for _ in pool.map(_run_share, [function] * len(shares), shares):
        pass


def _run_share(function: Callable, share: list) -> None:
    for task in share:
        function(task)
