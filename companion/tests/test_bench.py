"""The benchmark harness: runs a tiny subset quickly and writes a valid report (no timing asserts)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import tconv
from tconv.bench import harness, threads
from tconv.bench.__main__ import main
from tconv.bench.workloads import LAYERS, WORKLOADS, by_name


def test_every_workload_of_the_issue_is_there_with_tconvs_output_size():
    names = [w.name for w in WORKLOADS]
    assert names == ["worked example", "1ch-64", "1ch-256", "1ch-1024", "DCGAN", "U-Net", "RGB out",
                     "vocoder 1D", "3D", "dilated", "depthwise"]
    assert set(LAYERS) == set(names[4:])
    for w in WORKLOADS:
        size = tconv.conv_transpose_output_size(w.spatial, (w.kernel,) * w.ndim, w.stride,
                                                w.padding, w.output_padding, w.dilation)
        assert tuple(np.atleast_1d(size)) == w.output_shape, w.name


def test_macs_count_every_stamped_kernel_tap():
    """MACs equal the non-zeros of C_K^T times the batch (each is one multiply-add)."""
    for name in ("worked example", "depthwise"):
        w = by_name(name)
        if name == "depthwise":  # a smaller copy with the same structure
            w = type(w)("small", 2, 4, (3, 3), 4, 4, 2, 1, groups=4)
        x, weight = w.arrays(np.float64)
        matrix = tconv.conv_transpose_matrix(np.ones_like(weight), x.shape[1:], w.stride,
                                             w.padding, w.output_padding, w.dilation, w.groups,
                                             sparse=True)
        full_matrix = tconv.conv_transpose_matrix(np.ones_like(weight), x.shape[1:], w.stride,
                                                  0, 0, w.dilation, w.groups, sparse=True)
        assert w.batch * full_matrix.nnz == w.macs
        assert matrix.nnz <= full_matrix.nnz


def test_unknown_workload_names_are_refused_with_the_list():
    with pytest.raises(ValueError, match="workload must be one of .*'worked example'.*got 'nope'"):
        by_name("nope")


def test_threads_must_be_available():
    with pytest.raises(ValueError, match="threads must be between 1 and"):
        threads.set_threads(0)


@pytest.fixture(autouse=True)
def restore_threads():
    """The harness sets Numba's, BLAS's and PyTorch's threads; give the other tests theirs back."""
    import numba

    before = numba.get_num_threads()
    yield
    threads.set_threads(before)


@pytest.fixture
def tiny_report(tmp_path):
    path = tmp_path / "bench.json"
    report = harness.run(["worked example", "1ch-64"], threads=1, repeat=2, json_path=str(path),
                         progress=None)
    return report, path


def test_run_writes_the_report_as_json(tiny_report):
    report, path = tiny_report
    stored = json.loads(path.read_text())
    assert stored == json.loads(json.dumps(report))  # what was returned is what was written
    assert [r["name"] for r in stored["workloads"]] == ["worked example", "1ch-64"]
    assert stored["settings"]["threads"] == 1 and stored["settings"]["dtype"] == "float32"
    for key in ("cpu", "logical_cpus", "numpy", "numba", "python"):
        assert stored["machine"][key]
    assert stored["sgemm_gflops"] > 0
    for record in stored["workloads"]:
        assert record["seconds"]["tconv"] > 0
        assert record["backend"] in tconv.BACKENDS
        assert record["output_bytes"] == 4 * math.prod(record["output_shape"])
        assert record["extra_memory_ratio"] >= 0
        assert record["first_call_seconds"] >= 0
        for name, ratio in record["speedup"].items():
            assert ratio == pytest.approx(record["seconds"][name] / record["seconds"]["tconv"])


def test_the_table_is_readable_text(tiny_report):
    report, _ = tiny_report
    table = harness.format_table(report)
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["workload", "backend", "tconv"]
    assert any(line.startswith("worked example ") for line in lines)
    assert any(line.startswith("1ch-64 ") for line in lines)
    assert "sgemm" in table and report["machine"]["cpu"] in table


def test_the_table_shows_the_columns_asked_for(tiny_report):
    report, _ = tiny_report
    table = harness.format_table(report, columns=("workload", "torch/tconv", "% sgemm"))
    lines = table.splitlines()
    assert lines[0].split() == ["workload", "torch/tconv", "%", "sgemm"]
    row = next(line for line in lines if line.startswith("1ch-64 "))
    record = next(r for r in report["workloads"] if r["name"] == "1ch-64")
    assert row.split()[1] == f"{record['speedup']['torch']:.2f}x" or "n/a" in row
    # The notes below the table are wrapped to fit a chapter's box.
    notes = lines[lines.index("") + 1:]
    assert notes and all(len(line) <= harness.NOTES_WIDTH for line in notes)
    for bad in ((), ("workload", "speed")):
        with pytest.raises(ValueError, match="columns must be a non-empty selection"):
            harness.format_table(report, columns=bad)


def test_torch_and_scipy_are_optional(monkeypatch):
    """Without them, tconv is still timed and their columns read n/a."""
    real = harness._optional
    monkeypatch.setattr(harness, "_optional",
                        lambda name: None if name in ("torch", "scipy.signal") else real(name))
    report = harness.run(["worked example"], threads=1, repeat=1, progress=None)
    record = report["workloads"][0]
    assert list(record["seconds"]) == ["tconv"]
    assert record["speedup"] == {} and record["checked_against"] is None
    assert "n/a" in harness.format_table(report)


def test_a_wrong_kernel_cannot_win(monkeypatch):
    """The result is checked against the reference before anything is timed."""
    pytest.importorskip("torch")
    real = harness._contenders

    def broken(workload, x, w, task="forward"):
        contenders = real(workload, x, w, task)
        good, note = contenders["tconv"]
        contenders["tconv"] = (lambda: good() * 1.01, note)
        return contenders

    monkeypatch.setattr(harness, "_contenders", broken)
    with pytest.raises(AssertionError, match="differs from torch"):
        harness.run(["1ch-64"], threads=1, repeat=1, progress=None)


def test_the_command_line_prints_the_table_and_writes_json(tmp_path, capsys):
    path = tmp_path / "out.json"
    assert main(["--workloads", "worked example", "--threads", "1", "--repeat", "1",
                 "--json", str(path)]) == 0
    captured = capsys.readouterr()
    assert "worked example" in captured.out and "torch/tconv" in captured.out
    assert "worked example: tconv" in captured.err  # one progress line per workload
    assert json.loads(path.read_text())["workloads"][0]["name"] == "worked example"


def test_the_command_line_refuses_unknown_workloads(capsys):
    with pytest.raises(SystemExit):
        main(["--workloads", "worked example,unknown", "--repeat", "1"])
    assert "workload must be one of" in capsys.readouterr().err


def test_geometric_mean():
    assert harness.geometric_mean([2.0, 8.0]) == pytest.approx(4.0)
    assert math.isnan(harness.geometric_mean([]))


@pytest.mark.parametrize("suite, name, tasks", [
    ("conv", "1x1", ["forward"]),
    ("grad", "1x1", ["input gradient", "weight gradient"]),
    ("grad", "U-Net", ["input gradient", "weight gradient"]),
])
def test_the_convolution_and_gradient_suites_check_and_time_each_task(suite, name, tasks):
    report = harness.run([name], threads=1, repeat=1, progress=None, suite=suite)
    assert report["suite"] == suite
    assert [r["task"] for r in report["workloads"]] == tasks
    for record in report["workloads"]:
        assert record["workload"] == name and record["seconds"]["tconv"] > 0
        if "torch" in record["seconds"]:  # checked against PyTorch's autograd before timing
            assert record["checked_against"] == "torch"
            assert record["max_relative_error"] <= 1e-4


def test_a_wrong_gradient_cannot_win(monkeypatch):
    pytest.importorskip("torch")
    real = harness._gradient_contenders

    def broken(workload, x, w, task):
        contenders = real(workload, x, w, task)
        good, note = contenders["tconv"]
        contenders["tconv"] = (lambda: good() * 1.01, note)
        return contenders

    monkeypatch.setattr(harness, "_gradient_contenders", broken)
    with pytest.raises(AssertionError, match="differs from torch"):
        harness.run(["1x1"], threads=1, repeat=1, progress=None, suite="grad")


def test_an_unknown_suite_or_a_workload_of_another_suite_is_refused():
    with pytest.raises(ValueError, match="suite must be one of"):
        harness.run(suite="backward", progress=None)
    with pytest.raises(ValueError, match="workload must be one of"):
        harness.run(["DCGAN"], suite="conv", progress=None)
