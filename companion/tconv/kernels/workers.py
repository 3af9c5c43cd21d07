"""The threads that run the CPU kernels: a pool that survives ``fork`` and is shared safely.

A kernel splits its work into independent tasks (disjoint parts of the output) and hands them
to :func:`run_tasks`, which runs them on ``numba.get_num_threads()`` threads: the calling thread
and workers of one process-wide pool. Each thread receives its whole share of the tasks at
once (waking a thread per task costs tens of microseconds, more than a small layer's task).
The kernels are ``nogil`` Numba functions and NumPy matrix products, which release the GIL, so
the shares run in parallel. Numba's own ``parallel=True`` threading layer is never used: GNU
OpenMP, its usual layer, kills a process that forks after using it.

- **fork**: a child process inherits the pool's queue but not its threads; an ``os.fork`` hook
  forgets the pool in the child, which starts new threads when it needs them.
- **threads**: the pool only grows, and is never replaced or shut down; callers asking for
  different thread counts (``numba.set_num_threads`` is per thread) share it, each waiting for
  its own shares only.
- **speed**: shares travel through ``queue.SimpleQueue`` (implemented in C): a round trip costs
  about a quarter of a ``concurrent.futures`` one (13 against 47 us on the 2-core machine of
  the performance chapter), which small layers feel.
- **BLAS**: every thread that runs a share multiplies with a single-threaded BLAS, so the BLAS
  thread pool never competes with these threads. The OpenBLAS that NumPy loaded is found with
  ``threadpoolctl``; its thread-local setting (``openblas_set_num_threads_local``) is set to 1
  in each worker, and in the calling thread only while it runs its share, so the caller's own
  BLAS setting is left as it was. With another BLAS, nothing is changed.
"""

from __future__ import annotations

import ctypes
import functools
import os
import queue
import threading
from typing import Any, Callable, Sequence

import numba

__all__ = ["run_tasks", "split", "blas_thread_setter"]

_lock = threading.Lock()
_jobs: queue.SimpleQueue = queue.SimpleQueue()  # (function, share, where to report) per share
_threads: list[threading.Thread] = []


def _forget_pool_after_fork() -> None:
    """In a forked child: the pool's threads did not survive the fork; start afresh."""
    global _lock, _jobs, _threads
    _lock = threading.Lock()
    _jobs = queue.SimpleQueue()
    _threads = []


if hasattr(os, "register_at_fork"):  # not on Windows, which does not fork
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


@functools.cache  # the look-up scans the process's libraries: once is enough
def blas_thread_setter() -> Callable[[int], int] | None:
    """OpenBLAS's ``openblas_set_num_threads_local`` (it returns the previous setting), for
    the OpenBLAS that NumPy loaded, found with threadpoolctl; None with another BLAS.

    Examples
    --------
    >>> setter = blas_thread_setter()
    >>> setter is None or callable(setter)
    True
    """
    import numpy  # noqa: F401  (loads its BLAS)
    from threadpoolctl import ThreadpoolController

    found = None
    libraries = ThreadpoolController().select(internal_api="openblas").lib_controllers
    for library in sorted(libraries, key=lambda lib: "numpy" not in lib.filepath):
        names = [f"{prefix}openblas_set_num_threads_local{suffix}"
                 for prefix in ("", "scipy_") for suffix in ("", "64_", "_64")]
        functions = [getattr(library.dynlib, name) for name in names
                     if hasattr(library.dynlib, name)]
        if functions:  # NumPy's own copy first: it runs NumPy's matrix products
            found = functions[0]
            found.argtypes, found.restype = [ctypes.c_int], ctypes.c_int
            break
    return found


def _worker(jobs: queue.SimpleQueue) -> None:
    """A pool thread: run shares until the process ends (the threads are daemons)."""
    setter = blas_thread_setter()
    if setter is not None:
        setter(1)
    while True:
        function, share, report = jobs.get()
        try:
            _run_share(function, share)
            report.put(None)
        except BaseException as error:  # noqa: BLE001 - handed to the caller, who re-raises
            report.put(error)


def _start_workers(count: int) -> queue.SimpleQueue:
    """Make sure the pool has ``count`` threads; return the queue they read."""
    with _lock:
        while len(_threads) < count:
            thread = threading.Thread(target=_worker, args=(_jobs,), daemon=True,
                                      name=f"tconv-{len(_threads)}")
            thread.start()
            _threads.append(thread)
        return _jobs


def split(count: int, parts: int) -> list[tuple[int, int]]:
    """``count`` items cut into at most ``parts`` contiguous, nearly equal ``(start, stop)``.

    >>> split(10, 3)
    [(0, 3), (3, 6), (6, 10)]
    >>> split(2, 4)
    [(0, 1), (1, 2)]
    """
    parts = max(1, min(parts, count))
    return [(count * i // parts, count * (i + 1) // parts) for i in range(parts)]


def run_tasks(function: Callable[[Any], None], tasks: Sequence[Any],
              workers: int | None = None) -> None:
    """Call ``function(task)`` for every task, on ``workers`` threads (default
    ``numba.get_num_threads()``): the calling thread and workers of the shared pool.

    Tasks must write disjoint parts of the output. Worker ``i`` gets tasks ``i, i + workers,
    ...``; the first exception is re-raised here, after every share has finished.

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
    workers = numba.get_num_threads() if workers is None else workers
    shares = [tasks[i::workers] for i in range(min(workers, len(tasks)))]
    report: queue.SimpleQueue = queue.SimpleQueue()
    if len(shares) > 1:
        jobs = _start_workers(len(shares) - 1)
        for share in shares[1:]:
            jobs.put((function, share, report))
    setter = blas_thread_setter()
    previous = setter(1) if setter is not None else None
    errors = []
    try:
        _run_share(function, shares[0])
    except BaseException as error:  # noqa: BLE001 - re-raised after the other shares end
        errors.append(error)
    finally:
        if setter is not None:
            setter(previous)
    for _ in shares[1:]:  # wait for every share, even after an error here
        error = report.get()
        if error is not None:
            errors.append(error)
    if errors:
        raise errors[0]


def _run_share(function: Callable[[Any], None], share: list) -> None:
    for task in share:
        function(task)
