"""Every backend of the transposed convolution against the explicit matrix, and each other."""

import numpy as np
import pytest
from hypothesis import given, settings

import tconv
from tconv.course import single_channel

import naive
from conftest import transpose_cases

BACKENDS = [b for b in tconv.BACKENDS]


@settings(deadline=None, max_examples=250)
@given(transpose_cases())
def test_every_backend_equals_the_matrix_product(case):
    expected = case.expected()
    for backend in BACKENDS:
        y = case.function()(case.x, case.weight, case.bias, **case.kwargs, backend=backend)
        assert y.shape == expected.shape, backend
        assert y.dtype == np.float64
        np.testing.assert_allclose(y, expected, rtol=1e-10, atol=1e-10, err_msg=backend)


@settings(deadline=None, max_examples=80)
@given(transpose_cases(dtype=np.float32))
def test_float32_stays_float32_and_agrees_with_the_matrix(case):
    expected = case.expected().astype(np.float64)
    scale = max(1.0, float(np.abs(expected).max()))
    for backend in BACKENDS:
        y = case.function()(case.x, case.weight, case.bias, **case.kwargs, backend=backend)
        assert y.dtype == np.float32, backend
        np.testing.assert_allclose(y, expected, rtol=0, atol=1e-5 * scale, err_msg=backend)


@settings(deadline=None, max_examples=60)
@given(transpose_cases(ndims=(1, 2)))
def test_matrix_oracle_itself_equals_the_naive_scatter(case):
    """The oracle's oracle: C_K^T x equals stamping kernels with Python loops."""
    samples = case.x if case.batched else case.x[None]
    expected = case.expected()
    expected = expected if case.batched else expected[None]
    for sample, out in zip(samples, expected):
        y = naive.conv_transpose_by_scatter(sample, case.weight, **case.kwargs)
        if case.bias is not None:
            y = y + case.bias.reshape((-1,) + (1,) * case.ndim)
        np.testing.assert_allclose(out, y, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("backend", ["scatter", "gather", "direct", "gemm", "auto"])
def test_parallel_kernels_are_deterministic(backend, rng):
    x = rng.standard_normal((3, 8, 9, 7)).astype(np.float32)
    w = rng.standard_normal((8, 6, 4, 4)).astype(np.float32)
    first = tconv.conv_transpose2d(x, w, stride=2, padding=1, backend=backend)
    for _ in range(3):
        np.testing.assert_array_equal(tconv.conv_transpose2d(x, w, stride=2, padding=1,
                                                             backend=backend), first)


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_unbatched_input_equals_a_batch_of_one(ndim, rng):
    x = rng.standard_normal((2,) + (3,) * ndim)
    w = rng.standard_normal((2, 3) + (2,) * ndim)
    f = getattr(tconv, f"conv_transpose{ndim}d")
    np.testing.assert_array_equal(f(x, w, stride=2), f(x[None], w, stride=2)[0])


def test_integer_input_is_computed_in_float64():
    x = np.arange(4).reshape(1, 1, 2, 2)
    w = np.arange(1, 10).reshape(1, 1, 3, 3)
    y = tconv.conv_transpose2d(x, w)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y[0, 0], single_channel.conv_transpose2d_single(x[0, 0], w[0, 0]))


def test_weight_is_cast_to_the_input_dtype(rng):
    x = rng.standard_normal((1, 2, 3, 3)).astype(np.float32)
    w = rng.standard_normal((2, 1, 2, 2))  # float64
    y = tconv.conv_transpose2d(x, w)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, tconv.conv_transpose2d(x.astype(np.float64), w), rtol=1e-5,
                               atol=1e-5)
