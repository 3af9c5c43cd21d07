"""The CUDA kernels against the explicit matrix and the CPU backends (in the CUDA simulator)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import cuda

import tconv
from tconv import cuda as tcuda
from tconv._validate import is_device_array

from conftest import ON_GPU, cases

CUDA_BACKENDS = list(tcuda.CUDA_BACKENDS)
# Every CPU backend that exists at run time ("auto" on host data is one of them).
CPU_BACKENDS = [b for b in tconv.BACKENDS if b not in CUDA_BACKENDS]


def host(array) -> np.ndarray:
    assert is_device_array(array), f"expected a device array, got {type(array).__name__}"
    return array.copy_to_host()


@settings(deadline=None, max_examples=80)
@given(cases())
def test_cuda_kernels_equal_the_matrix_and_every_cpu_backend(case):
    expected = case.expected()
    for backend in CUDA_BACKENDS:
        y = case.function()(case.x, case.weight, case.bias, **case.kwargs, backend=backend)
        assert isinstance(y, np.ndarray) and y.dtype == np.float64, backend
        assert y.shape == expected.shape, backend
        np.testing.assert_allclose(y, expected, rtol=1e-10, atol=1e-10, err_msg=backend)
        for cpu in CPU_BACKENDS:
            y_cpu = case.function()(case.x, case.weight, case.bias, **case.kwargs, backend=cpu)
            np.testing.assert_allclose(y, y_cpu, rtol=1e-10, atol=1e-10,
                                       err_msg=f"{backend} vs {cpu}")


@settings(deadline=None, max_examples=30)
@given(cases(dtype=np.float32))
def test_float32_stays_float32_and_agrees_with_the_matrix(case):
    expected = case.expected()
    scale = max(1.0, float(np.abs(expected).max()))
    for backend in CUDA_BACKENDS:
        y = case.function()(case.x, case.weight, case.bias, **case.kwargs, backend=backend)
        assert y.dtype == np.float32, backend
        np.testing.assert_allclose(y, expected, rtol=0, atol=1e-5 * scale, err_msg=backend)


@pytest.mark.parametrize("ndim", [1, 2, 3])
@pytest.mark.parametrize("backend", CUDA_BACKENDS)
def test_overlapping_strided_stamps_with_groups_in_every_rank(ndim, backend, rng):
    """Kernel larger than the stride: stamps overlap (the scatter's atomics are exercised)."""
    size = {1: 6, 2: 4, 3: 3}[ndim]
    x = rng.standard_normal((2, 4) + (size,) * ndim)
    w = rng.standard_normal((4, 3) + (3,) * ndim)
    b = rng.standard_normal(6)
    f = getattr(tconv, f"conv_transpose{ndim}d")
    kwargs = dict(stride=2, padding=1, output_padding=1, groups=2, dilation=1)
    expected = f(x, w, b, **kwargs, backend="matrix")
    np.testing.assert_allclose(f(x, w, b, **kwargs, backend=backend), expected,
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("launch", [(1, 1), (3, 1), (64, 4)])
@pytest.mark.parametrize("backend", CUDA_BACKENDS)
def test_grid_stride_loops_cover_the_work_at_any_launch_size(launch, backend, rng, monkeypatch):
    """One thread doing everything, a few threads looping, more threads than elements."""
    if ON_GPU:
        monkeypatch.setattr(tcuda, "THREADS_PER_BLOCK", launch[0])
        monkeypatch.setattr(tcuda, "MAX_BLOCKS", launch[1])
    else:
        monkeypatch.setattr(tcuda, "SIMULATOR_THREADS_PER_BLOCK", launch[0])
        monkeypatch.setattr(tcuda, "SIMULATOR_MAX_BLOCKS", launch[1])
    x = rng.standard_normal((2, 3, 4))
    w = rng.standard_normal((2, 2, 3, 2))
    b = rng.standard_normal(2)
    y = tconv.conv_transpose2d(x, w, b, stride=(2, 1), dilation=(1, 2), backend=backend)
    expected = tconv.conv_transpose2d(x, w, b, stride=(2, 1), dilation=(1, 2), backend="matrix")
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


def test_the_gather_kernel_is_deterministic(rng):
    x = rng.standard_normal((1, 4, 5, 5)).astype(np.float32)
    w = rng.standard_normal((4, 2, 4, 4)).astype(np.float32)
    first = tconv.conv_transpose2d(x, w, stride=2, padding=1, backend="cuda")
    second = tconv.conv_transpose2d(x, w, stride=2, padding=1, backend="cuda")
    np.testing.assert_array_equal(first, second)
    expected = tconv.conv_transpose2d(x.astype(np.float64), w.astype(np.float64), stride=2,
                                      padding=1, backend="matrix")
    np.testing.assert_allclose(first, expected, rtol=0, atol=1e-5 * np.abs(expected).max())


def _unaligned(a: np.ndarray) -> np.ndarray:
    raw = np.zeros(a.nbytes + 1, dtype=np.uint8)
    view = raw[1:].view(a.dtype).reshape(a.shape)
    view[...] = a
    return view


LAYOUTS = {
    "big-endian": lambda a: a.astype(a.dtype.newbyteorder(">")),
    "unaligned": _unaligned,
    "strided": lambda a: np.repeat(a, 2, axis=-1)[..., ::2],
}


@settings(deadline=None, max_examples=20)
@given(cases(), st.sampled_from(sorted(LAYOUTS)))
def test_host_data_of_any_byte_order_and_alignment_and_repeated_calls(case, layout):
    """Host arrays reach the GPU as checked native arrays, on the first call and the next."""
    expected = case.expected()
    change = LAYOUTS[layout]
    bias = None if case.bias is None else change(case.bias)
    for backend in CUDA_BACKENDS:
        for _ in range(2):
            y = case.function()(change(case.x), change(case.weight), bias, backend=backend,
                                **case.kwargs)
            np.testing.assert_allclose(y, expected, rtol=1e-10, atol=1e-10, err_msg=backend)


# --- where the data lives ----------------------------------------------------------------
@pytest.mark.parametrize("backend", ["auto"] + CUDA_BACKENDS)
def test_a_device_array_input_gives_a_device_array_result(backend, rng):
    x = rng.standard_normal((2, 3, 5)).astype(np.float32)
    w = rng.standard_normal((3, 2, 3)).astype(np.float32)
    x_device = cuda.to_device(x)
    y = tconv.conv_transpose1d(x_device, w, stride=2, padding=1, backend=backend)
    assert not isinstance(y, np.ndarray)
    result = host(y)
    assert result.dtype == np.float32 and result.shape == (2, 2, 9)
    expected = tconv.conv_transpose1d(x, w, stride=2, padding=1, backend="matrix")
    np.testing.assert_allclose(result, expected, rtol=0, atol=1e-5 * np.abs(expected).max())
    np.testing.assert_array_equal(x_device.copy_to_host(), x)  # the input is not modified


def test_auto_keeps_host_data_on_the_cpu(rng):
    """'auto' with NumPy input never touches the CUDA path, even here where it would work."""
    x = rng.standard_normal((1, 2, 3, 3))
    w = rng.standard_normal((2, 1, 2, 2))
    y = tconv.conv_transpose2d(x, w, backend="auto")
    assert isinstance(y, np.ndarray)
    np.testing.assert_allclose(y, tconv.conv_transpose2d(x, w, backend="matrix"), atol=1e-12)


def test_device_weight_and_bias_and_integer_device_input(rng):
    """Integer input is computed in float64 (cast on the device); weight and bias follow."""
    x = rng.integers(-5, 5, size=(2, 3, 3))
    w = rng.standard_normal((2, 1, 2, 3)).astype(np.float32)
    b = rng.standard_normal(1).astype(np.float32)
    y = tconv.conv_transpose2d(cuda.to_device(x), cuda.to_device(w), cuda.to_device(b),
                               stride=2, backend="cuda")
    result = host(y)
    assert result.dtype == np.float64
    expected = tconv.conv_transpose2d(x, w.astype(np.float64), b.astype(np.float64), stride=2,
                                      backend="matrix")
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("backend", CUDA_BACKENDS)
def test_a_float32_input_casts_a_float64_weight_like_the_cpu(backend, rng):
    x = rng.standard_normal((1, 2, 4)).astype(np.float32)
    w = rng.standard_normal((2, 2, 3))
    y = tconv.conv_transpose1d(x, w, backend=backend)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, tconv.conv_transpose1d(x, w, backend="gather"), rtol=0,
                               atol=1e-5)


@pytest.mark.parametrize("ndim", [1, 2, 3])
@pytest.mark.parametrize("backend", CUDA_BACKENDS)
def test_unbatched_input_equals_a_batch_of_one(ndim, backend, rng):
    x = rng.standard_normal((2,) + (2,) * ndim)
    w = rng.standard_normal((2, 3) + (2,) * ndim)
    f = getattr(tconv, f"conv_transpose{ndim}d")
    y = f(x, w, stride=2, backend=backend)
    assert y.shape == (3,) + (4,) * ndim
    np.testing.assert_array_equal(y, f(x[None], w, stride=2, backend=backend)[0])
    np.testing.assert_allclose(y, f(x, w, stride=2, backend="matrix"), atol=1e-12)


@pytest.mark.parametrize("backend", CUDA_BACKENDS)
def test_an_empty_batch_gives_an_empty_result_like_the_cpu(backend):
    x = np.zeros((0, 2, 3))
    w = np.ones((2, 2, 2))
    y = tconv.conv_transpose1d(x, w, backend=backend)
    assert y.shape == tconv.conv_transpose1d(x, w, backend="matrix").shape == (0, 2, 4)
    y_device = tconv.conv_transpose1d(cuda.to_device(x), w, backend=backend)
    assert host(y_device).shape == (0, 2, 4)


def test_the_worked_example_on_the_gpu_path():
    """The course's 2x2 input and 3x3 kernel: the first input element stamps the kernel."""
    x = np.array([[[[1.0, 0.0], [0.0, 0.0]]]])
    w = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    for backend in CUDA_BACKENDS:
        y = tconv.conv_transpose2d(x, w, backend=backend)[0, 0]
        np.testing.assert_array_equal(y[:3, :3], w[0, 0])
        assert not y[3].any() and not y[:, 3].any()


# --- dispatch ------------------------------------------------------------------------------
def test_auto_follows_where_the_input_lives_and_cpu_backends_refuse_device_arrays(rng):
    x = rng.standard_normal((1, 1, 2))
    w = np.ones((1, 1, 2))
    assert is_device_array(tconv.conv_transpose1d(cuda.to_device(x), w))  # auto: the GPU
    assert isinstance(tconv.conv_transpose1d(x, w), np.ndarray)  # auto: the CPU
    for backend in ("gather", "direct", "gemm", "matrix"):  # a CPU backend, asked for by name
        with pytest.raises(TypeError, match=r"lives in GPU memory.*backend=.cuda."):
            tconv.conv_transpose1d(cuda.to_device(x), w, backend=backend)
    assert is_device_array(_FakeCudaArray((1, 1, 2), "<f4"))


@pytest.mark.parametrize("backend", CUDA_BACKENDS)
def test_device_arrays_of_a_trimmed_operator_are_windowed_on_the_device(backend, rng):
    """A stride so large that one input element reaches the output: the kernels get the
    window of the input (and of the weight's taps) that matters, copied on the device."""
    x = rng.standard_normal((2, 1, 3))
    w = rng.standard_normal((1, 2, 3))
    kwargs = dict(stride=10**12, padding=10**12 - 1, dilation=5)
    y = tconv.conv_transpose1d(cuda.to_device(x), cuda.to_device(w), backend=backend, **kwargs)
    expected = tconv.conv_transpose1d(x, w, backend="matrix", **kwargs)
    assert expected.shape == (2, 2, 13)  # only input element 1 lands in it, at 1, 6 and 11
    np.testing.assert_allclose(host(y), expected, rtol=1e-12, atol=1e-12)


def test_a_pytorch_cpu_tensor_is_host_data():
    torch = pytest.importorskip("torch")
    t = torch.ones((1, 1, 3))
    assert not is_device_array(t)
    y = tconv.conv_transpose1d(t, torch.ones((1, 1, 2)), backend="auto")
    np.testing.assert_array_equal(y, [[[1.0, 2.0, 2.0, 1.0]]])


def test_ptx_is_refused_in_the_simulator():
    if ON_GPU:
        pytest.skip("the simulator is off")
    with pytest.raises(tcuda.CudaUnavailableError, match="simulator"):
        tcuda.ptx()


# --- errors: the same as on the CPU ----------------------------------------------------------
class _FakeCudaArray:
    """An object with ``__cuda_array_interface__`` (as CuPy and PyTorch CUDA tensors have)."""

    def __init__(self, shape, typestr, strides=None):
        self.__cuda_array_interface__ = {"shape": shape, "typestr": typestr, "strides": strides,
                                         "data": (0, False), "version": 3}


def _x():
    return np.ones((1, 2, 3, 3))


def _w():
    return np.ones((2, 1, 2, 2))


BAD_CALLS = {
    "weight rank": lambda: dict(input=_x(), weight=np.ones((2, 1, 2))),
    "input rank": lambda: dict(input=np.ones((2, 3)), weight=_w()),
    "channels": lambda: dict(input=np.ones((1, 3, 3, 3)), weight=_w()),
    "groups": lambda: dict(input=_x(), weight=_w(), groups=4),
    "groups type": lambda: dict(input=_x(), weight=_w(), groups=1.0),
    "stride": lambda: dict(input=_x(), weight=_w(), stride=0),
    "padding": lambda: dict(input=_x(), weight=_w(), padding=-1),
    "padding string": lambda: dict(input=_x(), weight=_w(), padding="full"),
    "padding pair": lambda: dict(input=_x(), weight=_w(), padding=((1, -1), 0)),
    "output_padding": lambda: dict(input=_x(), weight=_w(), stride=2, output_padding=2),
    "dilation": lambda: dict(input=_x(), weight=_w(), dilation=(1, 0)),
    "crop": lambda: dict(input=np.ones((1, 2, 1, 1)), weight=_w(), padding=1),
    "bias shape": lambda: dict(input=_x(), weight=_w(), bias=np.ones(2)),
    "bool input": lambda: dict(input=_x().astype(bool), weight=_w()),
    "float16 input": lambda: dict(input=_x().astype(np.float16), weight=_w()),
    "complex weight": lambda: dict(input=_x(), weight=_w().astype(complex)),
    "string input": lambda: dict(input="x", weight=_w()),
    "empty spatial": lambda: dict(input=np.ones((1, 2, 0, 3)), weight=_w()),
}


def _error(backend, call):
    with pytest.raises((TypeError, ValueError)) as info:
        tconv.conv_transpose2d(**call, backend=backend)
    return type(info.value), str(info.value)


@pytest.mark.parametrize("bad", list(BAD_CALLS))
@pytest.mark.parametrize("backend", CUDA_BACKENDS)
def test_bad_arguments_give_the_cpu_backends_error(bad, backend):
    assert _error(backend, BAD_CALLS[bad]()) == _error("gather", BAD_CALLS[bad]())


@pytest.mark.parametrize("bad", ["weight rank", "input rank", "channels", "bias shape",
                                 "bool input", "float16 input", "complex weight", "empty spatial"])
def test_bad_device_arrays_give_the_cpu_backends_error(bad):
    """Checked on shape and dtype alone, before any device memory is read."""
    call = BAD_CALLS[bad]()
    on_device = {k: (_FakeCudaArray(v.shape, v.dtype.str) if isinstance(v, np.ndarray) else v)
                 for k, v in call.items()}
    assert _error("cuda", on_device) == _error("gather", call)


def test_a_non_contiguous_device_array_is_refused_naming_it():
    x = cuda.to_device(np.ones((1, 2, 3, 6)))[:, :, :, ::2]
    with pytest.raises(ValueError, match=r"input is a device array that is not C-contiguous"):
        tconv.conv_transpose2d(x, _w(), backend="cuda")
    w = _FakeCudaArray((2, 1, 2, 2), "<f8", strides=(8, 8, 8, 8))
    with pytest.raises(ValueError, match=r"weight is a device array that is not C-contiguous"):
        tconv.conv_transpose2d(_x(), w, backend="cuda")


def test_gpu_memory_is_refused_by_the_simulator():
    if ON_GPU:
        pytest.skip("the simulator is off")
    with pytest.raises(TypeError, match="simulator cannot read"):
        tconv.conv_transpose2d(_FakeCudaArray((1, 2, 3, 3), "<f8"), _w(), backend="cuda")
    # A dimension of size 1 may have any stride and still be C-contiguous (as in NumPy):
    # this one passes the checks and reaches the same refusal.
    odd = _FakeCudaArray((1, 2, 3, 3), "<f8", strides=(7, 72, 24, 8))
    with pytest.raises(TypeError, match="simulator cannot read"):
        tconv.conv_transpose2d(odd, _w(), backend="cuda")


def test_the_cpu_path_still_rejects_unknown_backends():
    with pytest.raises(ValueError, match="backend must be one of"):
        tconv.conv_transpose2d(_x(), _w(), backend="cuda_gather")
