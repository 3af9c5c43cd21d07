"""Time tconv against PyTorch and SciPy on the workloads, in one process, contenders alternating.

Three suites (:data:`~tconv.bench.workloads.SUITES`): ``"transpose"``, the transposed
convolutions; ``"conv"``, the convolutions; ``"grad"``, the input and weight gradients of both
(:mod:`tconv.grad`) against PyTorch's autograd computing the same gradient alone (the graph
built once, ``torch.autograd.grad`` timed).

For every workload: tconv's result is first checked against PyTorch's (or SciPy's), so that a
wrong fast kernel cannot win; the first call (Numba compilation, or loading its cache) is timed
apart; then the contenders are called in turn ``repeat`` times (each sample after a short pause and
one untimed call, so that one library's spinning thread pool does not slow the next) and the
medians are kept. A sample is the mean of ``inner`` back-to-back calls, about
:data:`SAMPLE_SECONDS` for the fastest contender and the same ``inner`` for every contender: right
after the pause a machine runs slower for a few milliseconds (on the 2-core machine of the book,
filling 4 MB took 60% longer just after a 20 ms sleep), and a long sample keeps that transient
from deciding the ratio of sub-millisecond calls. Peak extra memory of one tconv call is
measured with :mod:`tracemalloc` (it sees NumPy's allocations, which hold every buffer tconv
allocates per call).
"""

from __future__ import annotations

import datetime
import importlib
import json
import math
import os
import platform
import statistics
import textwrap
import time
import tracemalloc
from typing import Callable, Sequence

import numpy as np

from .threads import set_threads
from .workloads import SUITES, WORKLOADS, Workload, by_name

__all__ = ["run", "machine_info", "sgemm_gflops", "format_table", "geometric_mean"]

#: Pause before each contender's sample, so that idle thread pools stop spinning.
SETTLE_SECONDS = 0.02
#: Length of one timed sample (back-to-back calls of the fastest contender): long enough that the
#: first calls after the settling pause, slower while the CPU and its caches warm up, weigh little.
SAMPLE_SECONDS = 0.02


def _optional(module: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def machine_info() -> dict:
    """CPU model, core count and library versions of this machine, for the JSON."""
    import numba
    import scipy

    import tconv

    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    torch = _optional("torch")
    return {
        "cpu": model,
        "logical_cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numba": numba.__version__,
        "torch": None if torch is None else torch.__version__,
        "tconv": tconv.__version__,
    }


def _median_time(function: Callable[[], object], repeat: int, inner: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(inner):
            function()
        times.append((time.perf_counter() - start) / inner)
    return statistics.median(times)


def sgemm_gflops(size: int = 2048, repeat: int = 5, dtype=np.float32) -> float:
    """GFLOP/s of NumPy's matrix product ``(size x size) @ (size x size)`` (median)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)).astype(dtype)
    b = rng.standard_normal((size, size)).astype(dtype)
    a @ b
    return 2 * size ** 3 / _median_time(lambda: a @ b, repeat, 1) / 1e9


def _contenders(workload: Workload, x: np.ndarray, w: np.ndarray, task: str = "forward"
                ) -> dict:
    """name -> (zero-argument function, note). tconv first; torch and scipy when installed."""
    if task != "forward":
        return _gradient_contenders(workload, x, w, task)
    import tconv

    name = workload.function_name
    tconv_function = getattr(tconv, name)
    kwargs = workload.kwargs()
    contenders = {"tconv": (lambda: tconv_function(x, w, **kwargs), "backend='auto'")}
    torch = _optional("torch")
    if torch is not None:
        torch_function = getattr(torch.nn.functional, name)
        xt, wt = torch.from_numpy(x), torch.from_numpy(w)

        def run_torch():
            with torch.no_grad():
                return torch_function(xt, wt, **kwargs)

        contenders["torch"] = (run_torch, f"torch.nn.functional.{name}")
    signal = _optional("scipy.signal")
    if workload.transposed and workload.single_channel and workload.ndim == 2 and signal is not None:
        image, kernel = x[0, 0], w[0, 0]
        if workload.stride == 1 and workload.padding == 0 and workload.dilation == 1:
            contenders["scipy"] = (lambda: signal.convolve2d(image, kernel, mode="full"),
                                   "scipy.signal.convolve2d(mode='full'): the same operation")
        elif workload.dilation == 1:
            s, p = workload.stride, workload.padding
            out_h, out_w = workload.output_shape

            def zero_insertion():
                up = np.zeros(((image.shape[0] - 1) * s + 1, (image.shape[1] - 1) * s + 1),
                              dtype=image.dtype)
                up[::s, ::s] = image
                full = signal.convolve2d(up, kernel, mode="full")
                result = np.zeros((out_h, out_w), dtype=image.dtype)
                part = full[p:p + out_h, p:p + out_w]
                result[:part.shape[0], :part.shape[1]] = part
                return result

            contenders["scipy"] = (zero_insertion, "zero insertion + convolve2d(mode='full'), "
                                                   "cropped by the padding")
    return contenders


def _gradient_contenders(workload: Workload, x: np.ndarray, w: np.ndarray, task: str) -> dict:
    """The input or weight gradient of the workload's operator: tconv.grad, and PyTorch's
    autograd for that gradient alone (only the tensor it is taken for requires grad)."""
    import tconv

    name, kwargs = workload.function_name, workload.kwargs()
    g = np.random.default_rng(1).standard_normal(
        (workload.batch, workload.out_channels, *workload.output_shape)).astype(x.dtype)
    if task == "input gradient":
        function = getattr(tconv.grad, f"{name}_input")
        contenders = {"tconv": (lambda: function(x.shape, w, g, **kwargs),
                                f"tconv.grad.{name}_input")}
    else:
        function = getattr(tconv.grad, f"{name}_weight")
        contenders = {"tconv": (lambda: function(x, w.shape, g, **kwargs),
                                f"tconv.grad.{name}_weight")}
    torch = _optional("torch")
    if torch is not None:
        xt, wt, gt = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(g)
        leaf = xt if task == "input gradient" else wt
        leaf.requires_grad_(True)
        y = getattr(torch.nn.functional, name)(xt, wt, **kwargs)

        def run_torch():
            return torch.autograd.grad(y, leaf, gt, retain_graph=True)[0]

        contenders["torch"] = (run_torch, f"torch.autograd.grad of {name} for the "
                                          f"{task.split()[0]} alone")
    return contenders


def _as_numpy(result) -> np.ndarray:
    return result.numpy() if hasattr(result, "numpy") else np.asarray(result)


def _check(workload: Workload, contenders: dict, reference_name: str) -> float:
    """Largest difference between tconv and the reference, relative to the reference's scale."""
    mine = _as_numpy(contenders["tconv"][0]())
    reference = _as_numpy(contenders[reference_name][0]()).astype(np.float64)
    if reference_name == "scipy":
        mine = mine[0, 0]
    if mine.shape != reference.shape:
        raise AssertionError(f"{workload.name}: tconv's output has shape {mine.shape}, "
                             f"{reference_name}'s {reference.shape}")
    scale = max(1.0, float(np.abs(reference).max()))
    error = float(np.abs(mine.astype(np.float64) - reference).max()) / scale
    tolerance = 1e-4 if mine.dtype == np.float32 else 1e-10
    if not error <= tolerance:
        raise AssertionError(f"{workload.name}: tconv differs from {reference_name} by "
                             f"{error:.3g} (relative), more than {tolerance}")
    return error


def _extra_memory(function: Callable[[], np.ndarray]) -> tuple[int, int]:
    """(peak bytes traced during one call, output bytes)."""
    tracemalloc.start()
    try:
        result = function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result.nbytes


def _backend(workload: Workload, task: str) -> str:
    """The backend ``"auto"`` runs: the operator's, its adjoint's for the input gradient, and
    im2col + GEMM for the weight gradient."""
    from tconv.kernels.auto import choose_backend, choose_conv_backend

    if task == "weight gradient":
        return "gemm"
    geometry = workload.geometry.adjoint() if task == "input gradient" else workload.geometry
    trimmed = geometry.trimmed().geometry
    return choose_backend(trimmed) if geometry.transposed else choose_conv_backend(trimmed)


def measure(workload: Workload, repeat: int, dtype, sgemm: float | None,
            task: str = "forward") -> dict:
    """Time one workload's ``task`` (``"forward"``, ``"input gradient"`` or ``"weight
    gradient"``); return its JSON record."""
    x, w = workload.arrays(dtype)
    contenders = _contenders(workload, x, w, task)
    start = time.perf_counter()
    contenders["tconv"][0]()
    first_call = time.perf_counter() - start
    reference = "torch" if "torch" in contenders else ("scipy" if "scipy" in contenders else None)
    error = None if reference is None else _check(workload, contenders, reference)
    for function, _ in contenders.values():  # warm every contender up
        function()
    single = min(_median_time(f, 3, 1) for f, _ in contenders.values())
    inner = max(1, min(10_000, int(SAMPLE_SECONDS / max(single, 1e-9))))
    times = {name: [] for name in contenders}
    for _ in range(repeat):  # alternate the contenders
        for name, (function, _) in contenders.items():
            # Let the previous contender's spinning worker threads (OpenMP, BLAS) go to sleep,
            # and wake this one's pool, so that no contender pays for another's threads.
            time.sleep(SETTLE_SECONDS)
            function()
            times[name].append(_median_time(function, 1, inner))
    medians = {name: statistics.median(values) for name, values in times.items()}
    peak, out_bytes = _extra_memory(contenders["tconv"][0])
    tconv_time = medians["tconv"]
    record = {
        "name": workload.name if task == "forward" else f"{workload.name}, {task}",
        "workload": workload.name,
        "operator": workload.function_name[:-2],
        "task": task,
        "description": workload.description,
        "input_shape": [workload.batch, workload.in_channels, *workload.spatial],
        "out_channels": workload.out_channels,
        "kernel": workload.kernel, "stride": workload.stride, "padding": workload.padding,
        "output_padding": workload.output_padding, "dilation": workload.dilation,
        "groups": workload.groups,
        "output_shape": [workload.batch, workload.out_channels, *workload.output_shape],
        "macs": workload.macs,
        "backend": _backend(workload, task),
        "single_channel": workload.single_channel,
        "inner_calls": inner,
        "repeat": repeat,
        "seconds": medians,
        "notes": {name: note for name, (_, note) in contenders.items()},
        "checked_against": reference,
        "max_relative_error": error,
        "first_call_seconds": first_call,
        "gflops": {name: 2 * workload.macs / t / 1e9 for name, t in medians.items()
                   if name != "scipy"},
        "speedup": {name: medians[name] / tconv_time for name in medians if name != "tconv"},
        "fraction_of_sgemm": (2 * workload.macs / tconv_time / 1e9 / sgemm) if sgemm else None,
        "peak_bytes": peak,
        "output_bytes": out_bytes,
        # for the gradients, relative to the forward output's size
        "extra_memory_ratio": max(0, peak - out_bytes) / (workload.output_numel * dtype.itemsize),
    }
    return record


def geometric_mean(values: Sequence[float]) -> float:
    """exp(mean(log(values))); nan for no values.

    >>> round(geometric_mean([1.0, 4.0]), 6)
    2.0
    """
    values = list(values)
    if not values:
        return float("nan")
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _milliseconds(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    return f"{seconds * 1e3:.2f} ms"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


TABLE_COLUMNS = ("workload", "backend", "tconv", "torch", "torch/tconv", "scipy",
                 "scipy/tconv", "GFLOP/s", "% sgemm", "extra mem", "1st call")
# A line of the table's notes is wrapped at this width (the table itself is not).
NOTES_WIDTH = 76


def format_table(report: dict, columns: Sequence[str] = TABLE_COLUMNS) -> str:
    """The report as a readable text table (one row per workload, then notes).

    Parameters
    ----------
    report : dict
        A report of `run`, or one read back from its JSON.
    columns : sequence of str
        The columns to show, in order, from `TABLE_COLUMNS` (all of them by default). A
        chapter shows a few, so that each line fits its box.
    """
    unknown = [c for c in columns if c not in TABLE_COLUMNS]
    if unknown or not columns:
        raise ValueError(f"columns must be a non-empty selection of {TABLE_COLUMNS}, "
                         f"got {tuple(columns)!r}")
    rows = [tuple(columns)]
    for r in report["workloads"]:
        fraction = r["fraction_of_sgemm"]
        cells = dict(zip(TABLE_COLUMNS, (
            r["name"], r["backend"], _milliseconds(r["seconds"]["tconv"]),
            _milliseconds(r["seconds"].get("torch")), _ratio(r["speedup"].get("torch")),
            _milliseconds(r["seconds"].get("scipy")), _ratio(r["speedup"].get("scipy")),
            f"{r['gflops']['tconv']:.1f}",
            "n/a" if fraction is None else f"{100 * fraction:.0f}%",
            f"{r['extra_memory_ratio']:.2f}x out", f"{r['first_call_seconds']:.2f} s",
        )))
        rows.append(tuple(cells[c] for c in columns))
    header = rows[0]
    text_columns = {"workload", "backend"}  # left-aligned; numbers are right-aligned
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) if name in text_columns else cell.rjust(width)
                       for name, cell, width in zip(header, row, widths)) for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    summary = report["summary"]
    machine = report["machine"]
    notes = []
    notes.append(f"machine: {machine['cpu']}, {machine['logical_cpus']} logical CPUs; "
                 f"threads for every contender: {report['settings']['threads']}; "
                 f"dtype {report['settings']['dtype']}")
    notes.append(f"sgemm (numpy 2048^3): {report['sgemm_gflops']:.1f} GFLOP/s")
    if summary.get("layers_geometric_mean_vs_torch") is not None:
        what = {"conv": "convolutions", "grad": "gradients"}.get(report.get("suite"), "layers")
        notes.append(f"{what}: geometric mean of torch/tconv = "
                     f"{summary['layers_geometric_mean_vs_torch']:.2f}x "
                     f"(min {summary['layers_min_vs_torch']:.2f}x)")
    if summary.get("single_channel_min_vs_torch") is not None:
        notes.append(f"single-channel (1ch-*): min torch/tconv = "
                     f"{summary['single_channel_min_vs_torch']:.2f}x")
    if summary.get("worked_example_vs_torch") is not None:
        notes.append(f"worked example: torch/tconv = {summary['worked_example_vs_torch']:.2f}x")
    notes.append("extra mem: peak memory traced during one tconv call beyond its output, "
                 "relative to the output's size")
    lines.append("")
    lines += [wrapped for note in notes
              for wrapped in textwrap.wrap(note, NOTES_WIDTH, subsequent_indent="  ")]
    return "\n".join(lines)


def run(names: Sequence[str] | None = None, threads: int | None = None, repeat: int = 15,
        dtype: str = "float32", json_path: str | None = None,
        progress: Callable[[str], None] | None = print, suite: str = "transpose") -> dict:
    """Run the benchmark; return the report (and write it as JSON to ``json_path``).

    Parameters
    ----------
    names : sequence of str, optional
        Workload names (default: all of the suite's).
    threads : int, optional
        Threads for Numba, NumPy's BLAS and PyTorch alike (default: every CPU).
    repeat : int
        Timed calls per contender (medians are reported).
    dtype : {'float32', 'float64'}
    json_path : str, optional
        Where to write the report.
    progress : callable, optional
        Receives one line per workload.
    suite : {'transpose', 'conv', 'grad'}
        Which operators and tasks to time (:data:`~tconv.bench.workloads.SUITES`).
    """
    if suite not in SUITES:
        raise ValueError(f"suite must be one of {', '.join(map(repr, SUITES))}, got {suite!r}")
    available, tasks = SUITES[suite]
    workloads = [by_name(n, available) for n in names] if names else list(available)
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    _optional("torch")  # imported before the threads are set, so that they apply to it
    threading = set_threads(threads or os.cpu_count() or 1)
    sgemm = sgemm_gflops(dtype=np.dtype(dtype))
    if progress:
        progress(f"sgemm: {sgemm:.1f} GFLOP/s with {threading['threads']} threads")
    records = []
    for workload in workloads:
        for task in tasks:
            record = measure(workload, repeat, np.dtype(dtype), sgemm, task)
            records.append(record)
            if progress:
                ratios = ", ".join(f"{k}/tconv {v:.2f}x" for k, v in record["speedup"].items())
                progress(f"{record['name']}: tconv {_milliseconds(record['seconds']['tconv'])} "
                         f"({record['backend']}){'; ' + ratios if ratios else ''}")
    layers = [r["speedup"]["torch"] for r in records
              if not r["single_channel"] and "torch" in r["speedup"]]
    singles = [r["speedup"]["torch"] for r in records if r["single_channel"]
               and r["name"] != "worked example" and "torch" in r["speedup"]]
    example = [r["speedup"]["torch"] for r in records
               if r["name"] == "worked example" and "torch" in r["speedup"]]
    report = {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "suite": suite,
        "settings": {"repeat": repeat, "dtype": dtype, **threading},
        "sgemm_gflops": sgemm,
        "workloads": records,
        "summary": {
            "layers_geometric_mean_vs_torch": geometric_mean(layers) if layers else None,
            "layers_min_vs_torch": min(layers) if layers else None,
            "single_channel_min_vs_torch": min(singles) if singles else None,
            "worked_example_vs_torch": example[0] if example else None,
        },
    }
    if json_path:
        with open(json_path, "w") as handle:
            json.dump(report, handle, indent=1)
            handle.write("\n")
    return report
