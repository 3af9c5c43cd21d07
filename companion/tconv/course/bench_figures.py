"""Figures and text of the performance chapter, drawn from a stored benchmark report.

The report is the JSON written by ``python -m tconv.bench --json PATH``; nothing here times
anything, so a notebook that uses these functions gives the same output at every run.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["load_report", "machine_summary", "speedup_chart", "gflops_chart", "CONTENDER_COLORS"]

#: One colour per contender, the same in every figure of the chapter.
CONTENDER_COLORS = {"tconv": "#2ca02c", "torch": "#d62728", "scipy": "#1f77b4", "sgemm": "0.3"}

_REQUIRED = ("machine", "settings", "sgemm_gflops", "workloads", "summary")


def load_report(path: str | Path) -> dict:
    """Read a benchmark report and check that it has the fields the chapter reads.

    Raises
    ------
    ValueError
        When a top-level field is missing (the message names it).

    Examples
    --------
    >>> import json, tempfile, os
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "r.json")
    ...     _ = open(path, "w").write(json.dumps({"machine": {}}))
    ...     load_report(path)
    Traceback (most recent call last):
    ...
    ValueError: the benchmark report ... lacks 'settings' (a report from ...)
    """
    with open(path) as handle:
        report = json.load(handle)
    for key in _REQUIRED:
        if key not in report:
            raise ValueError(f"the benchmark report {str(path)!r} lacks {key!r} (a report from "
                             f"python -m tconv.bench has {', '.join(_REQUIRED)})")
    return report


def machine_summary(report: dict) -> str:
    """One paragraph on where and how the report was measured.

    Examples
    --------
    >>> report = {
    ...     "machine": {
    ...         "cpu": "X",
    ...         "logical_cpus": 2,
    ...         "python": "3.11",
    ...         "numpy": "2",
    ...         "scipy": "1",
    ...         "numba": "0.6",
    ...         "torch": None,
    ...         "tconv": "0.1",
    ...     },
    ...     "settings": {"threads": 2, "dtype": "float32", "repeat": 5},
    ...     "sgemm_gflops": 300.0,
    ...     "created": "2026-01-01",
    ... }
    >>> import textwrap
    >>> print(textwrap.fill(machine_summary(report), 68))
    Measured on X (2 logical CPUs) on 2026-01-01, float32, 2 threads for
    every contender, median of 5 timed calls each. Python 3.11, NumPy 2,
    SciPy 1, Numba 0.6, PyTorch not installed, tconv 0.1. NumPy's
    float32 matrix product (2048 x 2048 x 2048) ran at 300 GFLOP/s in
    the same run.
    """
    m, s = report["machine"], report["settings"]
    torch = f"PyTorch {m['torch']}" if m.get("torch") else "PyTorch not installed"
    dtype = s["dtype"]
    return (f"Measured on {m['cpu']} ({m['logical_cpus']} logical CPUs) on "
            f"{report.get('created', 'an unknown date')}, {dtype}, {s['threads']} threads for "
            f"every contender, median of {s['repeat']} timed calls each. Python {m['python']}, "
            f"NumPy {m['numpy']}, SciPy {m['scipy']}, Numba {m['numba']}, {torch}, "
            f"tconv {m['tconv']}. NumPy's {dtype} matrix product (2048 x 2048 x 2048) ran at "
            f"{report['sgemm_gflops']:.0f} GFLOP/s in the same run.")


def _axes(ax: Any, size: tuple[float, float]):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def speedup_chart(report: dict, ax: Any = None, title: str | None = None):
    """Horizontal bars: how many times faster tconv is than each contender, per workload.

    A log scale centred on 1 (equal speed); bars right of it are wins. ``title``
    replaces the default one. Returns the axes.
    """
    workloads = report["workloads"]
    ax = _axes(ax, (8.5, 0.45 * len(workloads) + 1.2))
    contenders = [c for c in ("torch", "scipy") if any(c in r["speedup"] for r in workloads)]
    height = 0.8 / max(1, len(contenders))
    positions = np.arange(len(workloads))[::-1]
    for k, name in enumerate(contenders):
        values = [r["speedup"].get(name, np.nan) for r in workloads]
        offset = (k - (len(contenders) - 1) / 2) * height
        bars = ax.barh(positions - offset, values, height=height, color=CONTENDER_COLORS[name],
                       label=f"{name} time / tconv time")
        for bar, value in zip(bars, values):
            if not math.isnan(value):
                ax.annotate(f"{value:.1f}x", (value, bar.get_y() + bar.get_height() / 2),
                            xytext=(3, 0), textcoords="offset points", va="center", fontsize=8,
                            zorder=3, bbox=dict(facecolor="white", edgecolor="none", pad=0.5))
    ax.axvline(1.0, color="black", lw=1)
    ax.set_xscale("log")
    from matplotlib.ticker import FuncFormatter

    shown = [v for r in workloads for v in r["speedup"].values()] + [1.0]
    ax.set_xlim(min(shown) / 1.3, max(shown) * 1.6)  # room for the labels beside the bars
    plain = FuncFormatter(lambda value, _: f"{value:g}x")
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(FuncFormatter(
        lambda value, _: f"{value:g}x" if f"{value:.0e}"[0] in "25" else ""))
    ax.set_yticks(positions, [f"{r['name']} ({r['backend']})" for r in workloads], fontsize=9)
    ax.set_xlabel("speed-up of tconv (log scale; > 1: tconv is faster)")
    names = " and ".join({"torch": "PyTorch", "scipy": "SciPy"}[c] for c in contenders)
    ax.set_title(title or f"tconv's backend='auto' against {names}, same threads")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def gflops_chart(report: dict, ax: Any = None):
    """Bars of GFLOP/s (2 x multiply-adds / time) of tconv and PyTorch on the layer workloads,
    with the same run's matrix-product rate as a line. Returns the axes."""
    layers = [r for r in report["workloads"] if not r["single_channel"]]
    ax = _axes(ax, (8.5, 3.6))
    contenders = [c for c in ("tconv", "torch") if any(c in r["gflops"] for r in layers)]
    width = 0.8 / len(contenders)
    positions = np.arange(len(layers))
    for k, name in enumerate(contenders):
        values = [r["gflops"].get(name, np.nan) for r in layers]
        ax.bar(positions + (k - (len(contenders) - 1) / 2) * width, values, width=width,
               color=CONTENDER_COLORS[name], label=name)
    ax.axhline(report["sgemm_gflops"], color=CONTENDER_COLORS["sgemm"], ls="--", lw=1,
               label=f"matrix product (sgemm), {report['sgemm_gflops']:.0f} GFLOP/s")
    ax.set_xticks(positions, [f"{r['name']}\n({r['backend']})" for r in layers], fontsize=8)
    ax.set_ylabel("GFLOP/s")
    ax.set_title("Arithmetic rate on the layer workloads")
    ax.set_ylim(0, 1.35 * max([report["sgemm_gflops"]] + [v for r in layers
                                                            for v in r["gflops"].values()]))
    ax.legend(fontsize=8, loc="upper right", ncols=3)
    return ax
