"""The performance chapter's figures and text, drawn from a stored report (no timing)."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tconv.course import bench_figures  # noqa: E402


def _report(with_torch: bool = True) -> dict:
    def record(name, single, tconv_s, torch_s, scipy_s=None):
        seconds = {"tconv": tconv_s}
        if with_torch:
            seconds["torch"] = torch_s
        if scipy_s:
            seconds["scipy"] = scipy_s
        macs = 10**9
        return {"name": name, "backend": "direct" if single else "gemm",
                "single_channel": single, "seconds": seconds,
                "speedup": {k: v / tconv_s for k, v in seconds.items() if k != "tconv"},
                "gflops": {k: 2 * macs / v / 1e9 for k, v in seconds.items() if k != "scipy"}}

    return {"created": "2026-01-01T00:00:00+00:00",
            "machine": {"cpu": "Test CPU", "logical_cpus": 2, "python": "3.11", "numpy": "2.0",
                        "scipy": "1.0", "numba": "0.6", "torch": "2.0" if with_torch else None,
                        "tconv": "0.1"},
            "settings": {"threads": 2, "dtype": "float32", "repeat": 3},
            "sgemm_gflops": 300.0,
            "workloads": [record("1ch-64", True, 1e-5, 5e-5, 2e-5),
                          record("DCGAN", False, 0.01, 0.02),
                          record("dilated", False, 0.004, 0.001)],
            "summary": {}}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_speedup_bars_are_the_stored_ratios():
    report = _report()
    ax = bench_figures.speedup_chart(report)
    widths = sorted(round(p.get_width(), 6) for p in ax.patches
                    if not np.isnan(p.get_width()))  # missing contenders draw no bar
    expected = sorted(round(v, 6) for r in report["workloads"] for v in r["speedup"].values())
    assert widths == expected
    assert ax.get_xscale() == "log"
    labels = {t.get_text() for t in ax.get_yticklabels()}
    assert labels == {"1ch-64 (direct)", "DCGAN (gemm)", "dilated (gemm)"}
    assert "5.0x" in [t.get_text() for t in ax.texts]


def test_speedup_chart_without_torch_shows_scipy_only():
    ax = bench_figures.speedup_chart(_report(with_torch=False))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["scipy time / tconv time"]


def test_speedup_chart_leaves_room_for_its_labels_and_names_its_contenders():
    report = _report()
    ax = bench_figures.speedup_chart(report)
    largest = max(v for r in report["workloads"] for v in r["speedup"].values())
    smallest = min(v for r in report["workloads"] for v in r["speedup"].values())
    low, high = ax.get_xlim()
    assert low < smallest and high > 1.5 * largest  # the "5.0x" label beside the bar fits
    assert ax.get_title() == "tconv's backend='auto' against PyTorch and SciPy, same threads"
    assert bench_figures.speedup_chart(_report(with_torch=False)).get_title().endswith(
        "against SciPy, same threads")
    assert bench_figures.speedup_chart(report, title="Gradients").get_title() == "Gradients"
    plt.gcf().canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() + ax.get_xticklabels(minor=True)]
    assert "1x" in ticks and "0.5x" in ticks  # plain numbers, not powers of ten


def test_gflops_chart_draws_layers_and_the_sgemm_line():
    report = _report()
    ax = bench_figures.gflops_chart(report)
    heights = sorted(round(p.get_height(), 6) for p in ax.patches if not np.isnan(p.get_height()))
    layers = [r for r in report["workloads"] if not r["single_channel"]]
    assert heights == sorted(round(v, 6) for r in layers for v in r["gflops"].values())
    assert any(np.allclose(line.get_ydata(), 300.0) for line in ax.get_lines())


def test_machine_summary_reads_the_report():
    text = bench_figures.machine_summary(_report())
    assert "Test CPU (2 logical CPUs)" in text and "PyTorch 2.0" in text
    assert "300 GFLOP/s" in text
    assert "PyTorch not installed" in bench_figures.machine_summary(_report(with_torch=False))


def test_load_report_checks_the_fields(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_report()))
    assert bench_figures.load_report(good)["sgemm_gflops"] == 300.0
    bad = _report()
    del bad["workloads"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="lacks 'workloads'"):
        bench_figures.load_report(path)


def test_the_stored_book_report_loads():
    """The JSON committed for the performance chapter is a complete report."""
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[2] / "book" / "data" / "bench-cpu.json"
    if not path.exists():
        pytest.skip("no stored report")
    report = bench_figures.load_report(path)
    assert {r["name"] for r in report["workloads"]} >= {"worked example", "DCGAN", "depthwise"}


@pytest.mark.parametrize("name, suite, tasks", [
    ("bench-conv-cpu.json", "conv", {"forward"}),
    ("bench-grad-cpu.json", "grad", {"input gradient", "weight gradient"}),
])
def test_the_stored_convolution_and_gradient_reports_load(name, suite, tasks):
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[2] / "book" / "data" / name
    if not path.exists():
        pytest.skip("no stored report")
    report = bench_figures.load_report(path)
    assert report["suite"] == suite
    assert {r["task"] for r in report["workloads"]} == tasks
    assert all(r["checked_against"] == "torch" for r in report["workloads"])
