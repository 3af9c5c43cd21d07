"""The fast CPU kernels (direct, GEMM + col2im) against the explicit matrix, at their edges.

The public path of every backend is compared with the matrix in test_backends.py; here the
kernels are called directly, with what the public path does not vary: serial against parallel
direct kernel, column buffers small enough to cut inputs into row chunks, channel blocks for a
batch smaller than the threads, tiny and empty batches, float32 and float64, and the rule behind
backend="auto".
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tconv
from tconv import ConvGeometry
from tconv.kernels import auto, direct, gemm, workers

from conftest import transpose_cases


def _batched(case):
    return case.x if case.batched else case.x[None]


def _geometry(case) -> ConvGeometry:
    kw = case.kwargs
    return ConvGeometry.for_conv_transpose(case.weight.shape, _batched(case).shape[1:],
                                           kw["stride"], kw["padding"], kw["output_padding"],
                                           kw["dilation"], kw["groups"])


def _expected(case) -> np.ndarray:
    expected = case.expected()
    return expected if case.batched else expected[None]


def _tolerance(dtype, expected):
    scale = max(1.0, float(np.abs(expected).max()))
    return (1e-10, 1e-10) if dtype == np.float64 else (0, 2e-5 * scale)


@settings(deadline=None, max_examples=150)
@given(transpose_cases(), st.sampled_from([np.float32, np.float64]), st.booleans())
def test_direct_row_kernel_equals_the_matrix(case, dtype, parallel):
    expected = _expected(case)
    x, w = _batched(case).astype(dtype), case.weight.astype(dtype)
    bias = None if case.bias is None else case.bias.astype(dtype)
    out = direct.conv_transpose_direct(_geometry(case), x, w, bias, parallel=parallel,
                                       planes=False)
    rtol, atol = _tolerance(dtype, expected)
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=atol)


@settings(deadline=None, max_examples=150)
@given(transpose_cases(ndims=(1, 2), max_size=7), st.sampled_from([np.float32, np.float64]))
def test_direct_plane_kernel_equals_the_matrix(case, dtype):
    """Each tap is one loop over a whole padded plane: spills past row ends must add nothing."""
    expected = _expected(case)
    x, w = _batched(case).astype(dtype), case.weight.astype(dtype)
    bias = None if case.bias is None else case.bias.astype(dtype)
    out = direct.conv_transpose_direct(_geometry(case), x, w, bias, planes=True)
    rtol, atol = _tolerance(dtype, expected)
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=atol)


def test_the_plane_kernel_refuses_3d():
    g = ConvGeometry.for_conv_transpose((1, 1, 2, 2, 2), (1, 2, 2, 2))
    with pytest.raises(ValueError, match="1-D and 2-D"):
        direct.conv_transpose_direct(g, np.ones((1, 1, 2, 2, 2)), np.ones((1, 1, 2, 2, 2)),
                                     planes=True)


def test_plane_kernel_with_same_padding_that_extends_the_output(rng):
    """padding='same' with an even kernel crops less than nothing at one end (negative crop)."""
    x = rng.standard_normal((4, 3, 5, 6))
    w = rng.standard_normal((3, 1, 4, 2))
    for padding in ("same", "same_lower"):
        g = ConvGeometry.for_conv_transpose(w.shape, x.shape[1:], (3, 2), padding, groups=3)
        out = direct.conv_transpose_direct(g, x, w, planes=True)
        matrix = tconv.operator_matrix(g, w, sparse=True)
        expected = np.stack([matrix @ s.ravel() for s in x]).reshape(out.shape)
        np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-10, err_msg=padding)


@settings(deadline=None, max_examples=150)
@given(transpose_cases(), st.sampled_from([np.float32, np.float64]), st.integers(1, 4000),
       st.sampled_from([None, "rows", "channels-last"]))
def test_gemm_kernel_equals_the_matrix_for_any_column_buffer(case, dtype, buffer_bytes, col2im):
    """Small buffers cut the columns into chunks of a few input rows; any cut gives the result,
    with either col2im that handles overlapping taps (or the one chosen by default)."""
    _check_gemm_against_the_matrix(case, dtype, buffer_bytes, col2im)


def _check_gemm_against_the_matrix(case, dtype, buffer_bytes, col2im):
    expected = _expected(case)
    x, w = _batched(case).astype(dtype), case.weight.astype(dtype)
    bias = None if case.bias is None else case.bias.astype(dtype)
    out = gemm.conv_transpose_gemm(_geometry(case), x, w, bias, buffer_bytes=buffer_bytes,
                                   col2im=col2im)
    rtol, atol = _tolerance(dtype, expected)
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=atol)


def test_serial_and_parallel_direct_kernels_are_bitwise_equal(rng):
    x = rng.standard_normal((3, 4, 37, 29)).astype(np.float32)
    w = rng.standard_normal((4, 2, 5, 3)).astype(np.float32)
    g = ConvGeometry.for_conv_transpose(w.shape, x.shape[1:], (3, 2), (1, 2), (2, 1), (1, 2), 2)
    serial = direct.conv_transpose_direct(g, x, w, parallel=False)
    parallel = direct.conv_transpose_direct(g, x, w, parallel=True)
    np.testing.assert_array_equal(serial, parallel)
    matrix = tconv.conv_transpose_matrix(w.astype(np.float64), x.shape[1:], (3, 2), (1, 2),
                                         (2, 1), (1, 2), 2, sparse=True)
    expected = np.stack([matrix @ s.ravel() for s in x.astype(np.float64)]).reshape(serial.shape)
    np.testing.assert_allclose(serial, expected, rtol=0, atol=1e-4)


@settings(deadline=None, max_examples=150)
@given(transpose_cases(disjoint=True), st.sampled_from([np.float32, np.float64]),
       st.integers(1, 4000), st.sampled_from(gemm.COL2IM))
def test_gemm_for_disjoint_taps_equals_the_matrix(case, dtype, buffer_bytes, col2im):
    """Kernel <= stride: each output element is at most one product, interleaved, cropped or
    padded; every col2im gives it."""
    assert gemm.choose_col2im(_geometry(case)) == "interleave"
    _check_gemm_against_the_matrix(case, dtype, buffer_bytes, col2im)


def test_col2im_follows_the_longer_of_row_and_channels():
    def geometry(width, channels, kernel=4, stride=2):
        return ConvGeometry.for_conv_transpose((8, channels, kernel, kernel), (8, 4, width),
                                               stride, 1)

    assert gemm.choose_col2im(geometry(32, 3)) == "rows"  # RGB out
    assert gemm.choose_col2im(geometry(16, 16)) == "rows"  # a tie goes to rows
    assert gemm.choose_col2im(geometry(15, 16)) == "channels-last"
    assert gemm.choose_col2im(geometry(16, 128)) == "channels-last"  # DCGAN
    assert gemm.choose_col2im(geometry(16, 128, kernel=2)) == "interleave"  # U-Net-like
    grouped = ConvGeometry.for_conv_transpose((64, 16, 4, 4), (64, 4, 16), 2, 1, groups=8)
    assert grouped.out_channels == 128
    assert gemm.choose_col2im(grouped) == "rows"  # 16 channels per group, 16 columns


@pytest.mark.parametrize("col2im, message", [
    ("row", "col2im must be one of"),
    ("interleave", "needs taps that never overlap"),
])
def test_gemm_refuses_an_unknown_or_impossible_col2im(col2im, message):
    g = ConvGeometry.for_conv_transpose((2, 3, 4, 4), (2, 5, 5), 2, 1)
    with pytest.raises(ValueError, match=message):
        gemm.conv_transpose_gemm(g, np.ones((1, 2, 5, 5)), np.ones((2, 3, 4, 4)), col2im=col2im)


def test_disjoint_taps_is_kernel_equal_to_stride():
    def geometry(kernel, stride, dilation=1):
        return ConvGeometry.for_conv_transpose((2, 2, kernel, kernel), (2, 5, 5), stride,
                                               dilation=dilation)

    assert gemm.disjoint_taps(geometry(2, 2))
    assert gemm.disjoint_taps(geometry(2, 3))  # gaps between the stamps: bias only
    assert gemm.disjoint_taps(geometry(1, 3, dilation=2))  # one tap: nothing to overlap
    assert not gemm.disjoint_taps(geometry(4, 2))  # DCGAN-like: taps overlap
    assert not gemm.disjoint_taps(geometry(2, 2, dilation=2))  # tap 1 lands on the next


@pytest.mark.parametrize("backend", ["direct", "gemm"])
def test_repeated_calls_are_bitwise_identical(backend, rng):
    x = rng.standard_normal((5, 12, 11, 13)).astype(np.float32)
    w = rng.standard_normal((12, 10, 4, 4)).astype(np.float32)
    first = tconv.conv_transpose2d(x, w, stride=2, padding=1, backend=backend)
    for _ in range(4):
        again = tconv.conv_transpose2d(x, w, stride=2, padding=1, backend=backend)
        np.testing.assert_array_equal(again, first)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two Numba threads")
@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_one_sample_on_two_threads_splits_output_channels(ndim, rng):
    """batch 1 < threads: the tasks are blocks of output channels, which must not overlap."""
    x = rng.standard_normal((1, 6) + (5,) * ndim)
    w = rng.standard_normal((6, 7) + (3,) * ndim)
    g = ConvGeometry.for_conv_transpose(w.shape, x.shape[1:], 2, 1)
    previous = numba.get_num_threads()
    numba.set_num_threads(2)
    try:
        assert gemm.plan(g, 1, 10**9, 8, numba.get_num_threads())[1] == 2
        out = gemm.conv_transpose_gemm(g, x, w)
    finally:
        numba.set_num_threads(previous)
    expected = tconv.conv_transpose_matrix(w, x.shape[1:], 2, 1) @ x.ravel()
    np.testing.assert_allclose(out.ravel(), expected, rtol=1e-10, atol=1e-10)


@settings(deadline=None, max_examples=200)
@given(transpose_cases(), st.integers(1, 40), st.integers(1, 10**6), st.integers(1, 4))
def test_gemm_plan_respects_the_buffer_and_covers_the_work(case, batch, buffer_bytes, workers):
    g = _geometry(case)
    samples, blocks, rows = gemm.plan(g, batch, buffer_bytes, 8, workers)
    rows_per_sample = int(np.prod(g.input_shape[:-1]))
    c_out_g = g.out_channels // g.groups
    assert 1 <= samples <= batch and 1 <= blocks <= c_out_g and 1 <= rows <= rows_per_sample
    if rows < rows_per_sample:
        assert samples == 1  # chunks of rows never span samples
    # one task's buffer: at most its share of the budget, unless one input row exceeds it
    row_bytes = -(-c_out_g // blocks) * int(np.prod(g.kernel_size)) * g.input_shape[-1] * 8
    assert samples * rows * row_bytes <= max(row_bytes, buffer_bytes // workers)
    if batch * g.groups < workers:
        assert blocks > 1 or c_out_g == 1


@pytest.mark.parametrize("backend", ["direct", "gemm"])
@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_an_empty_batch_gives_an_empty_output(backend, ndim, rng):
    x = np.zeros((0, 2) + (4,) * ndim)
    w = rng.standard_normal((2, 3) + (2,) * ndim)
    f = getattr(tconv, f"conv_transpose{ndim}d")
    y = f(x, w, stride=2, backend=backend)
    assert y.shape == (0, 3) + (8,) * ndim


@pytest.mark.parametrize("backend", ["direct", "gemm"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_element_input_stamps_the_kernel(backend, dtype):
    """A single 1 in a 1x1 input: the output is the kernel itself, plus the bias."""
    w = np.arange(1.0, 13.0).reshape(1, 2, 2, 3).astype(dtype)
    y = tconv.conv_transpose2d(np.ones((1, 1, 1, 1), dtype), w, np.array([10.0, 20.0], dtype),
                               backend=backend)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y[0], w[0] + np.array([10.0, 20.0], dtype)[:, None, None])


@pytest.mark.parametrize("width", [1, 15, 16, 17, 63, 64, 65, 129])
def test_direct_kernel_at_vector_and_block_boundaries(width, rng):
    """Row lengths around vector widths and the col2im block (64) of the GEMM kernel."""
    x = rng.standard_normal((2, 1, 3, width))
    w = rng.standard_normal((1, 1, 3, 4))
    matrix = tconv.conv_transpose_matrix(w, x.shape[1:], (1, 2), (0, 1), (0, 1))
    expected = np.stack([matrix @ s.ravel() for s in x])
    for backend in ("direct", "gemm"):
        y = tconv.conv_transpose2d(x, w, stride=(1, 2), padding=(0, 1), output_padding=(0, 1),
                                   backend=backend)
        np.testing.assert_allclose(y.reshape(2, -1), expected, rtol=1e-10, atol=1e-10,
                                   err_msg=backend)


@pytest.mark.parametrize("channels", [(1, 1), (4, 4), (4, 5), (17, 1), (8, 3)])
def test_auto_uses_the_backend_of_its_rule(channels, rng):
    c_in, c_out = channels
    x = rng.standard_normal((2, c_in, 6, 7))
    w = rng.standard_normal((c_in, c_out, 3, 3))
    g = ConvGeometry.for_conv_transpose(w.shape, x.shape[1:], 2)
    chosen = auto.choose_backend(g)
    assert chosen == ("direct" if c_in * c_out <= auto.DIRECT_MAX_CHANNEL_PAIRS else "gemm")
    np.testing.assert_array_equal(tconv.conv_transpose2d(x, w, stride=2),
                                  tconv.conv_transpose2d(x, w, stride=2, backend=chosen))


def test_depthwise_layers_go_to_the_direct_kernel():
    g = ConvGeometry.for_conv_transpose((64, 1, 4, 4), (64, 32, 32), 2, 1, groups=64)
    assert auto.choose_backend(g) == "direct"


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two Numba threads")
def test_each_worker_runs_one_share_of_the_tasks_in_order():
    """Tasks are handed out once, as every worker-th task, not one wake-up per task."""
    import threading

    seen = []
    previous = numba.get_num_threads()
    numba.set_num_threads(2)
    try:
        workers.run_tasks(lambda task: seen.append((threading.get_ident(), task)), range(7))
    finally:
        numba.set_num_threads(previous)
    by_thread: dict = {}
    for ident, task in seen:
        by_thread.setdefault(ident, []).append(task)
    shares = ([0, 2, 4, 6], [1, 3, 5])
    for tasks in by_thread.values():  # whole shares, in order (a thread may run both)
        assert tasks in (shares[0], shares[1], shares[0] + shares[1], shares[1] + shares[0])
    assert sorted(task for _, task in seen) == list(range(7))


def test_worker_exceptions_reach_the_caller():
    def fail(task):
        raise RuntimeError(f"task {task} failed")

    with pytest.raises(RuntimeError, match="task"):
        workers.run_tasks(fail, [1, 2])


def test_inputs_are_not_modified(rng):
    x = rng.standard_normal((2, 5, 6, 6)).astype(np.float32)
    w = rng.standard_normal((5, 4, 3, 3)).astype(np.float32)
    x0, w0 = x.copy(), w.copy()
    for backend in ("direct", "gemm"):
        tconv.conv_transpose2d(x, w, stride=2, backend=backend)
        np.testing.assert_array_equal(x, x0)
        np.testing.assert_array_equal(w, w0)


# --- repeated calls: the second identical call reuses the checked plan ---------------------
def _example_arrays(dtype=np.float64):
    return (np.array([[[[1.0, 2.0], [3.0, 4.0]]]], dtype),
            np.arange(1.0, 10.0, dtype=dtype).reshape(1, 1, 3, 3))


def _example_expected(x, w, **kwargs):
    matrix = tconv.conv_transpose_matrix(w.astype(np.float64), x.shape[1:], **kwargs)
    out_shape = tconv.conv_transpose_output_size(x.shape[2:], w.shape[2:], **kwargs)
    return (matrix @ x.ravel()).reshape((1, 1) + tuple(out_shape))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_repeated_small_calls_equal_the_matrix(dtype):
    x, w = _example_arrays(dtype)
    for _ in range(3):
        y = tconv.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)
        assert y.dtype == dtype
        np.testing.assert_allclose(y, _example_expected(x, w, stride=2, padding=1,
                                                     output_padding=1), rtol=1e-6)
    unbatched = tconv.conv_transpose2d(x[0], w, stride=2, padding=1, output_padding=1)
    np.testing.assert_array_equal(unbatched, y[0])


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_the_remembered_plan_repeats_the_first_call_bit_for_bit(ndim, rng):
    """The first call (plan made) and the next (plan remembered) must pick the same kernel."""
    x = rng.standard_normal((1, 1) + (9,) * ndim).astype(np.float32)
    w = rng.standard_normal((1, 1) + (3,) * ndim).astype(np.float32)
    f = getattr(tconv, f"conv_transpose{ndim}d")
    first = f(x, w, stride=2, padding=1, output_padding=1)
    again = f(x, w, stride=2, padding=1, output_padding=1)
    np.testing.assert_array_equal(again, first)
    matrix = tconv.conv_transpose_matrix(w, x.shape[1:], 2, 1, 1)
    np.testing.assert_allclose(first.ravel(), matrix @ x.ravel().astype(np.float64),
                               rtol=0, atol=1e-5)


def test_small_and_plane_rich_problems_use_the_plane_kernel():
    small = ConvGeometry.for_conv_transpose((1, 1, 3, 3), (1, 64, 64), 2, 1, 1)
    assert direct.use_planes(small, 1, 64)  # one plane, but small: the serial plane kernel
    wide = ConvGeometry.for_conv_transpose((1, 1, 3), (1, 300), 1)
    assert not direct.use_planes(wide, 1, 1)  # rows longer than PLANE_MAX_WIDTH
    volume = ConvGeometry.for_conv_transpose((1, 1, 2, 2, 2), (1, 4, 4, 4))
    assert not direct.use_planes(volume, 1, 1)
    big = ConvGeometry.for_conv_transpose((1, 1, 5, 5), (1, 200, 200))
    assert not direct.use_planes(big, 1, 4)  # one plane, large: the parallel row kernel


def test_a_bad_argument_raises_even_after_an_equal_good_call():
    """stride=True equals stride=1 as a dictionary key; it must still be refused."""
    x, w = _example_arrays()
    tconv.conv_transpose2d(x, w, stride=1)
    tconv.conv_transpose2d(x, w, stride=1)
    with pytest.raises(TypeError, match="stride"):
        tconv.conv_transpose2d(x, w, stride=True)
    with pytest.raises(TypeError, match="stride"):
        tconv.conv_transpose2d(x, w, stride=1.0)
    with pytest.raises(ValueError, match="backend"):
        tconv.conv_transpose2d(x, w, stride=1, backend="fast")


def test_repeated_calls_with_other_layouts_and_types_give_the_same_result():
    x, w = _example_arrays()
    expected = tconv.conv_transpose2d(x, w, stride=2)
    tconv.conv_transpose2d(x, w, stride=2)  # now remembered
    read_only = x.copy()
    read_only.flags.writeable = False
    strided = np.ascontiguousarray(np.repeat(x, 2, axis=3))[..., ::2]
    for variant in (read_only, strided, x.tolist(), x.astype(np.float32)):
        y = tconv.conv_transpose2d(variant, w, stride=2)
        np.testing.assert_allclose(y, expected, rtol=1e-6)
    np.testing.assert_array_equal(tconv.conv_transpose2d(x, w, stride=np.int64(2)), expected)
    bias = np.array([0.5])
    np.testing.assert_array_equal(tconv.conv_transpose2d(x, w, bias, stride=2), expected + 0.5)
