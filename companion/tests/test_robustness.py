"""Inputs beyond the ordinary: every one gets the matrix's answer or a clear error, never a
wrong value, a hang, a crash or memory out of proportion.

Each test here failed before the library gave it its answer: byte-swapped and unaligned arrays
after a call was remembered, strides near 2**62, forked processes and competing threads, an
infinite weight tap, huge strides and dilations with tiny outputs, and sizes beyond memory.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import subprocess
import sys
import textwrap
import threading
import tracemalloc

import numba
import numpy as np
import pytest
import scipy.sparse
from hypothesis import given, settings
from hypothesis import strategies as st

import tconv
from tconv import ConvGeometry
from tconv.course import single_channel
from tconv.kernels import direct

from conftest import transpose_cases

BACKENDS = [b for b in tconv.BACKENDS]  # the CPU ones; the CUDA ones are in tests_cuda


def expected_by_matrix(x, w, bias=None, **kwargs):
    """The oracle, in float64, from the sparse matrix: each output is the sum over the pairs
    of the index relation (so an infinite tap makes NaN or inf only where it reaches)."""
    batched = x.ndim == w.ndim
    samples = x if batched else x[None]
    matrix = tconv.conv_transpose_matrix(np.asarray(w, np.float64), samples.shape[1:],
                                         sparse=True, **kwargs)
    geometry = ConvGeometry.for_conv_transpose(w.shape, samples.shape[1:], **kwargs)
    with np.errstate(invalid="ignore"):
        out = np.stack([matrix @ np.asarray(s, np.float64).ravel() for s in samples])
    out = out.reshape((len(samples), geometry.out_channels) + geometry.output_shape)
    if bias is not None:
        out = out + np.asarray(bias, np.float64).reshape((1, -1) + (1,) * geometry.ndim)
    return out if batched else out[0]


# --- layouts: byte order, alignment, strides, read-only, repeated calls ------------------------
def unaligned(a: np.ndarray) -> np.ndarray:
    raw = np.zeros(a.nbytes + a.itemsize, dtype=np.uint8)
    view = raw[1:1 + a.nbytes].view(a.dtype).reshape(a.shape)
    view[...] = a
    assert a.itemsize == 1 or not view.flags.aligned
    return view


def read_only(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    a.flags.writeable = False
    return a


LAYOUTS = {
    "native": lambda a: a,
    "big-endian": lambda a: a.astype(a.dtype.newbyteorder(">")),
    "unaligned": unaligned,
    "unaligned big-endian": lambda a: unaligned(a.astype(a.dtype.newbyteorder(">"))),
    "strided": lambda a: np.repeat(a, 2, axis=-1)[..., ::2],
    "fortran": np.asfortranarray,
    "read-only": read_only,
}


@settings(deadline=None, max_examples=60)
@given(transpose_cases(), st.sampled_from([np.float32, np.float64]),
       st.sampled_from(sorted(LAYOUTS)), st.sampled_from(sorted(LAYOUTS)),
       st.sampled_from(sorted(LAYOUTS)))
def test_every_backend_on_every_layout_and_again(case, dtype, x_layout, w_layout, b_layout):
    """Any byte order or alignment, first or third call alike: the matrix's answer."""
    x, w = case.x.astype(dtype), case.weight.astype(dtype)
    bias = None if case.bias is None else LAYOUTS[b_layout](case.bias.astype(dtype))
    expected = expected_by_matrix(x, w, bias, **case.kwargs)
    f = case.function()
    tolerance = 1e-10 if dtype == np.float64 else 2e-5 * max(1.0, float(np.abs(expected).max()))
    for backend in BACKENDS:
        f(x, w, bias, backend=backend, **case.kwargs)  # a native call first: the plan is kept
        for _ in range(2):
            y = f(LAYOUTS[x_layout](x), LAYOUTS[w_layout](w), bias, backend=backend,
                  **case.kwargs)
            assert y.dtype == dtype and y.dtype.isnative
            np.testing.assert_allclose(y, expected, rtol=0, atol=tolerance, err_msg=backend)


def test_a_big_endian_weight_after_remembered_calls_is_read_as_its_values():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 1, 3, 3)), rng.standard_normal((1, 1, 3, 3))
    native = tconv.conv_transpose2d(x, w)
    tconv.conv_transpose2d(x, w)
    swapped = tconv.conv_transpose2d(x, w.astype(">f8"))
    np.testing.assert_array_equal(swapped, native)
    np.testing.assert_array_equal(tconv.conv_transpose2d(x.astype(">f8"), w), native)


# --- index arithmetic -------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_stride_of_2_to_the_62_leaves_one_input_in_the_output(backend):
    s = 2**62
    y = tconv.conv_transpose1d(np.array([[[1.0, 2.0, 3.0]]]), np.array([[[5.0]]]), stride=s,
                               padding=s, backend=backend)
    np.testing.assert_array_equal(y, [[[10.0]]])  # input element 1 lands at 0


def test_a_convolution_with_a_padding_of_2_to_the_62():
    s = 2**62
    x, w = np.array([[[1.0, 2.0, 3.0]]]), np.array([[[5.0]]])
    y = tconv.conv1d(x, w, stride=s, padding=s)
    assert y.shape == (1, 1, 3)
    np.testing.assert_array_equal(y, [[[0.0, 5.0, 0.0]]])  # windows at -s, 0 and s
    np.testing.assert_array_equal(y.ravel(), tconv.conv_matrix(w, (1, 3), s, s) @ x.ravel())


def test_strides_and_dilations_that_together_overflow_are_refused():
    with pytest.raises(ValueError, match=r"stride \(4611686018427387904,\) and dilation "
                                         r"\(4611686018427387904,\) are too large together"):
        tconv.conv_transpose1d(np.ones((1, 1, 2)), np.ones((1, 1, 2)), stride=2**62,
                               dilation=2**62, padding=2**62)


# --- fork and threads -------------------------------------------------------------------------
def _compute_all():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 16, 12, 12)).astype(np.float32)
    w = rng.standard_normal((16, 8, 4, 4)).astype(np.float32)
    image = rng.standard_normal((1, 1, 300, 300))
    kernel = rng.standard_normal((1, 1, 5, 5))
    return [tconv.conv_transpose2d(x, w, stride=2, padding=1, backend="gemm"),
            tconv.conv_transpose2d(image, kernel, backend="direct"),  # shared among threads
            tconv.conv_transpose2d(x[:1, :2], w[:2, :2], stride=2, backend="scatter"),
            tconv.conv2d(image, kernel)]


def _child(expected, queue):
    results = _compute_all()
    queue.put(all(np.array_equal(a, b) for a, b in zip(results, expected)))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_computes_after_its_parent_used_every_kernel():
    """A child inherits the worker pool without its threads; it must start its own."""
    previous = numba.get_num_threads()
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    try:
        expected = _compute_all()
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        child = context.Process(target=_child, args=(expected, queue))
        child.start()
        child.join(timeout=300)  # a liveness limit (the work takes well under a second)
        if child.is_alive():
            child.kill()
            pytest.fail("the forked child hung")
    finally:
        numba.set_num_threads(previous)
    assert child.exitcode == 0
    assert queue.get(timeout=10) is True


def test_threads_with_their_own_thread_counts_share_the_kernels():
    """numba.set_num_threads is per thread: callers asking for 1 and 2 threads at once."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 24, 10, 10)).astype(np.float32)
    w = rng.standard_normal((24, 12, 4, 4)).astype(np.float32)
    expected = {backend: tconv.conv_transpose2d(x, w, stride=2, padding=1, backend=backend)
                for backend in ("gemm", "direct")}
    errors, mismatches = [], []

    def caller(threads: int) -> None:
        try:
            numba.set_num_threads(threads)
            for _ in range(15):
                for backend, reference in expected.items():
                    y = tconv.conv_transpose2d(x, w, stride=2, padding=1, backend=backend)
                    if not np.allclose(y, reference, rtol=1e-5, atol=1e-5):
                        mismatches.append(backend)
        except Exception as error:  # noqa: BLE001 - every failure is reported below
            errors.append(repr(error))

    counts = [1, min(2, numba.config.NUMBA_NUM_THREADS)] * 2
    callers = [threading.Thread(target=caller, args=(n,)) for n in counts]
    for t in callers:
        t.start()
    for t in callers:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in callers), "a caller hung"
    assert errors == [] and mismatches == []


# --- NaN and inf only where the matrix puts them ----------------------------------------------
@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("ndim", [1, 2])
@pytest.mark.parametrize("stride", [1, 2])
def test_a_non_finite_weight_tap_reaches_only_its_outputs(value, backend, ndim, stride):
    x = np.ones((1, 1) + (4,) * ndim)
    w = np.ones((1, 1) + (3,) * ndim)
    w[(0, 0) + (2,) * ndim] = value
    expected = expected_by_matrix(x, w, stride=stride, padding=1)
    y = getattr(tconv, f"conv_transpose{ndim}d")(
        x, w, stride=stride, padding=1, backend=backend)
    assert np.isfinite(expected).any() and not np.isfinite(expected).all()
    np.testing.assert_array_equal(np.isnan(y), np.isnan(expected))
    np.testing.assert_array_equal(np.isposinf(y), np.isposinf(expected))
    np.testing.assert_array_equal(np.isneginf(y), np.isneginf(expected))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(y[finite], expected[finite], rtol=1e-12)


@pytest.mark.parametrize("planes", [True, False])
def test_the_direct_kernels_keep_a_non_finite_tap_to_its_outputs(planes):
    x = np.ones((2, 1, 5, 7))
    w = np.ones((1, 1, 2, 3))
    w[0, 0, 1, 0] = np.inf
    g = ConvGeometry.for_conv_transpose(w.shape, x.shape[1:], (1, 2), (0, 1))
    y = direct.conv_transpose_direct(g, x, w, planes=planes)
    expected = expected_by_matrix(x, w, stride=(1, 2), padding=(0, 1))
    np.testing.assert_array_equal(np.isinf(y), np.isinf(expected))
    assert not np.isnan(y).any()


# --- memory in proportion to the input and the output -----------------------------------------
# The peak resident memory of this process (VmHWM; ru_maxrss would carry the parent's over exec).
PEAK = """
def peak():
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024
"""

MEMORY_PROBE = PEAK + """
import numpy as np, tconv
def calls():
    yield tconv.conv_transpose2d, np.ones((1, 1, 2, 2)), np.ones((1, 1, 1, 1)), dict(
        stride=10**7, padding=5 * 10**6)                    # a 1x1 output
    yield tconv.conv_transpose2d, np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), dict(
        dilation=3000, padding=3000)                        # a 4x4 output
    yield tconv.conv_transpose1d, np.ones((1, 1, 2)), np.ones((1, 1, 2)), dict(
        stride=10**7, dilation=10**7, padding=10**7)        # one element, two pairs
for backend in tconv.BACKENDS:  # compile (or load) every kernel first
    tconv.conv_transpose2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), stride=3,
                           backend=backend)
    tconv.conv_transpose1d(np.ones((1, 1, 3)), np.ones((1, 1, 2)), stride=3, backend=backend)
before = peak()
for backend in tconv.BACKENDS:
    for f, x, w, kwargs in calls():
        y = f(x, w, backend=backend, **kwargs)
        assert y.size <= 16, y.shape
print(peak() - before)
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux's /proc")
def test_huge_strides_and_dilations_with_tiny_outputs_take_little_memory():
    """Peak memory of a fresh process: strides of 10**7 and dilations of 3000, tiny outputs."""
    done = subprocess.run([sys.executable, "-c", MEMORY_PROBE], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    growth = int(done.stdout.strip())
    assert growth < 64 * 2**20, f"peak memory grew by {growth / 2**20:.0f} MiB"


# --- sizes refused before any allocation, with the size stated ---------------------------------
def traced_peak(call) -> tuple[BaseException | None, int]:
    tracemalloc.start()
    try:
        call()
        error = None
    except (ValueError, TypeError) as caught:
        error = caught
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return error, peak


@pytest.mark.parametrize("call, message", [
    pytest.param(lambda b: tconv.conv_transpose1d(np.ones((1, 1, 2)), np.ones((1, 1, 2)),
                                                  dilation=10**12, backend=b),
                 r"the output, of shape \(1, 1, 1000000000002\) and dtype float64, would take "
                 r"7.3 TiB, more than this machine's memory", id="dilation"),
    pytest.param(lambda b: tconv.conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 1, 1)),
                                                  stride=10**6, backend=b),
                 r"of shape \(1, 1, 1000001, 1000001\) .* 7.3 TiB", id="stride"),
    pytest.param(lambda b: tconv.conv1d(np.ones((1, 1, 2)), np.ones((1, 1, 1)),
                                        padding=5 * 10**11),
                 r"of shape \(1, 1, 1000000000002\) .* 7.3 TiB", id="conv padding"),
])
@pytest.mark.parametrize("backend", BACKENDS)
def test_outputs_beyond_memory_are_refused_before_allocation(call, message, backend):
    error, peak = traced_peak(lambda: call(backend))
    assert isinstance(error, ValueError) and error.args, error
    assert re.search(message, str(error)), str(error)
    assert peak < 2**20


@pytest.mark.parametrize("call, message", [
    (lambda: single_channel.conv_transpose2d_single(np.ones((2, 2)), np.ones((2, 2)),
                                                    dilation=10**6),
     r"the full \(uncropped\) output, of shape \(1000002, 1000002\) .* 7.3 TiB"),
    (lambda: single_channel.conv2d_single(np.ones((2, 2)), np.ones((1, 1)), padding=10**6),
     r"the padded image, of shape \(2000002, 2000002\) .* 29.1 TiB"),
    (lambda: single_channel.insert_zeros(np.ones((2, 2)), 10**6),
     r"the image with zeros inserted, of shape \(1000001, 1000001\)"),
    (lambda: single_channel.conv_transpose2d_by_zero_insertion(np.ones((2, 2)), np.ones((1, 1)),
                                                               stride=10**6),
     r"the image with zeros inserted"),
    (lambda: tconv.conv_transpose_matrix(np.ones((2, 2)), (2, 2), dilation=10**6, sparse=True),
     r"a sparse matrix of shape \(1000004000004, 4\) with 16 stored entries would take 7.3 TiB"),
])
def test_every_builder_refuses_an_array_beyond_memory_first(call, message):
    error, peak = traced_peak(call)
    assert isinstance(error, ValueError), error
    assert re.search(message, str(error)), str(error)
    assert peak < 2**20


# --- errors that name the argument ------------------------------------------------------------
def test_a_geometry_with_groups_zero_is_refused_naming_groups():
    with pytest.raises(ValueError, match=r"ConvGeometry.groups must be >= 1, got 0"):
        ConvGeometry(True, 1, 1, (2, 2), (4, 4), (3, 3), (1, 1), (0, 0), (0, 0), (1, 1), 0)


def test_a_geometry_whose_output_does_not_follow_is_refused():
    with pytest.raises(ValueError, match=r"output_shape \(5, 4\) does not follow"):
        ConvGeometry(True, 1, 1, (2, 2), (5, 4), (3, 3), (1, 1), (0, 0), (0, 0), (1, 1), 1)
    with pytest.raises(TypeError, match=r"ConvGeometry.stride must be a tuple of 1, 2 or 3 ints"):
        ConvGeometry(True, 1, 1, (2, 2), (4, 4), (3, 3), (1.0, 1), (0, 0), (0, 0), (1, 1), 1)


def test_operator_matrix_takes_a_nested_list_and_names_a_bad_weight():
    g = ConvGeometry.for_conv_transpose((1, 1, 2), (1, 2))
    np.testing.assert_array_equal(tconv.operator_matrix(g, [[[1, 2]]]),
                                  tconv.operator_matrix(g, np.array([[[1, 2]]])))
    with pytest.raises(TypeError, match=r"weight must hold real numbers"):
        tconv.operator_matrix(g, [[["a", "b"]]])
    with pytest.raises(TypeError, match=r"geometry must be a tconv.ConvGeometry, got str"):
        tconv.operator_matrix("g", [[[1, 2]]])
    assert scipy.sparse.issparse(tconv.operator_matrix(g, [[[1, 2]]], sparse=True))


def test_a_0d_kernel_is_reported_as_0d():
    with pytest.raises(ValueError, match=r"got a 0-d array \(shape \(\)\)"):
        tconv.conv_matrix(np.array(5.0), ())


@pytest.mark.parametrize("call, name", [
    (lambda: tconv.conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), stride=10**30),
     "stride"),
    (lambda: tconv.conv_matrix(np.ones((3, 3)), (4, 4), padding=10**20), "padding"),
    (lambda: tconv.conv_transpose1d(np.ones((1, 1, 2)), np.ones((1, 1, 2)),
                                    dilation=np.uint64(2**63)), "dilation"),
    (lambda: tconv.conv1d(np.ones((2, 1, 2)), np.ones((1, 1, 1)), groups=2**70), "groups"),
    (lambda: ConvGeometry.for_conv((1, 1, 3), (1, 2**70)), "input_shape"),
])
def test_huge_integers_are_refused_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"{name} must be at most 2\*\*62"):
        call()


def test_a_float16_message_names_the_supported_types_with_either_byte_order():
    with pytest.raises(TypeError, match=r"float32, float64 \(either byte order\)"):
        tconv.conv_transpose1d(np.ones((1, 1, 2), np.float16), np.ones((1, 1, 2)))


def test_a_big_endian_integer_input_is_computed_in_float64():
    x = np.arange(4, dtype=">i4").reshape(1, 1, 4)
    y = tconv.conv_transpose1d(x, np.ones((1, 1, 2)))
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, [[[0.0, 1.0, 3.0, 5.0, 3.0]]])


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux's /proc")
def test_the_memory_probe_reports_a_large_allocation():
    """The memory test above could pass with a broken probe: 200 MiB must show."""
    code = PEAK + textwrap.dedent("""
        import numpy as np
        before = peak()
        a = np.ones(25 * 2**20)
        print(peak() - before)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert int(done.stdout.strip()) > 150 * 2**20
