"""The vectorized matrix builders against a loop-built oracle, and their properties."""

import numpy as np
import pytest
import scipy.sparse
from hypothesis import given, settings, strategies as st

import tconv
from tconv import ConvGeometry

import naive
from conftest import adjoint_arguments, conv_cases


@st.composite
def conv_configs(draw):
    """A random convolution with an integer weight (so matrices compare exactly)."""
    case = draw(conv_cases())
    weight = np.random.default_rng(case.seed).integers(-9, 10, case.weight_shape)
    kw = case.kwargs
    return weight, case.input_shape, kw["stride"], kw["padding"], kw["dilation"], kw["groups"]


@settings(deadline=None, max_examples=150)
@given(conv_configs())
def test_conv_matrix_equals_loop_built_oracle(config):
    weight, input_shape, stride, padding, dilation, groups = config
    expected = naive.conv_matrix(weight, input_shape, stride, padding, dilation, groups)
    dense = tconv.conv_matrix(weight, input_shape, stride, padding, dilation, groups)
    sparse = tconv.conv_matrix(weight, input_shape, stride, padding, dilation, groups, sparse=True)
    assert dense.dtype == weight.dtype
    np.testing.assert_array_equal(dense, expected)
    assert isinstance(sparse, scipy.sparse.csr_array)
    np.testing.assert_array_equal(sparse.toarray(), expected)


@settings(deadline=None, max_examples=150)
@given(conv_configs())
def test_conv_transpose_matrix_is_the_transpose_of_the_adjoint_conv_matrix(config):
    """C_K^T: build the convolution, then ask for the transposed convolution that undoes its shape."""
    weight, input_shape, stride, padding, dilation, groups = config
    conv = ConvGeometry.for_conv(weight.shape, input_shape, stride, padding, dilation, groups)
    pairs, output_padding = adjoint_arguments(conv)
    transposed = tconv.conv_transpose_matrix(
        weight, (conv.out_channels,) + conv.output_shape, stride, pairs, output_padding,
        dilation, groups,
    )
    expected = naive.conv_matrix(weight, input_shape, stride, padding, dilation, groups).T
    np.testing.assert_array_equal(transposed, expected)


def test_output_padding_beyond_stride_adds_zero_rows():
    """With stride 1 and dilation 2, output_padding 1 adds a last row nothing reaches."""
    k = np.array([1.0, 2.0])
    m = tconv.conv_transpose_matrix(k, (3,), stride=1, output_padding=1, dilation=2)
    without = tconv.conv_transpose_matrix(k, (3,), stride=1, dilation=2)
    assert m.shape == (6, 3) and without.shape == (5, 3)
    np.testing.assert_array_equal(m[:5], without)
    np.testing.assert_array_equal(m[5], 0)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.float32, np.float64])
def test_kernel_dtype_is_kept(dtype):
    k = np.ones((2, 2), dtype=dtype)
    assert tconv.conv_matrix(k, (3, 3)).dtype == dtype
    assert tconv.conv_transpose_matrix(k, (2, 2), sparse=True).dtype == dtype


def test_groups_make_a_block_diagonal_matrix(rng):
    w = rng.standard_normal((4, 1, 3))  # depthwise: 4 channels, 4 groups
    m = tconv.conv_matrix(w, (4, 6), groups=4)
    blocks = m.reshape(4, 4, 4, 6)  # (out ch, out pos, in ch, in pos)
    for co in range(4):
        for ci in range(4):
            if co != ci:
                np.testing.assert_array_equal(blocks[co, :, ci], 0)
        np.testing.assert_array_equal(blocks[co, :, co], tconv.conv_matrix(w[co, 0], (6,)))


def test_strided_matrix_skips_rows_of_the_unit_stride_one(rng):
    """Stride s keeps every s-th output: the rows of the stride-1 matrix at those positions."""
    k = rng.standard_normal((3, 3))
    full = tconv.conv_matrix(k, (7, 7))
    strided = tconv.conv_matrix(k, (7, 7), stride=2)
    rows = [r * 5 + c for r in range(0, 5, 2) for c in range(0, 5, 2)]
    np.testing.assert_array_equal(strided, full[rows])


def test_padding_equals_the_matrix_of_the_zero_padded_input(rng):
    k = rng.standard_normal((3, 3))
    padded = tconv.conv_matrix(k, (6, 6))  # acts on the 6x6 zero-padded version of a 4x4 image
    inner = [r * 6 + c for r in range(1, 5) for c in range(1, 5)]
    np.testing.assert_array_equal(tconv.conv_matrix(k, (4, 4), padding=1), padded[:, inner])


def test_matrix_applies_to_flattened_samples(rng):
    """y.ravel() == M @ x.ravel() for one unbatched multi-channel sample."""
    x = rng.standard_normal((2, 3, 4))
    w = rng.standard_normal((2, 3, 2, 2))
    m = tconv.conv_transpose_matrix(w, x.shape, stride=2, padding=1, output_padding=1)
    y = tconv.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)
    np.testing.assert_allclose(m @ x.ravel(), y.ravel(), rtol=1e-12, atol=1e-12)


def test_same_padding_strings_match_explicit_crops():
    k = np.arange(1.0, 5.0)  # kernel 4, stride 2: T = 3 + 1 - 2 = 2, cropped 1 and 1
    same = tconv.conv_transpose_matrix(k, (5,), stride=2, padding="same")
    assert same.shape == (10, 5)
    np.testing.assert_array_equal(same, tconv.conv_transpose_matrix(k, (5,), stride=2, padding=1))
    k3 = np.arange(1.0, 4.0)  # kernel 3, stride 2: T = 1, upper crops the end, lower the start
    upper = tconv.conv_transpose_matrix(k3, (5,), stride=2, padding="same")
    lower = tconv.conv_transpose_matrix(k3, (5,), stride=2, padding="same_lower")
    full = tconv.conv_transpose_matrix(k3, (5,), stride=2)
    assert full.shape == (11, 5)
    np.testing.assert_array_equal(upper, full[:10])
    np.testing.assert_array_equal(lower, full[1:])


def test_conv_same_padding_keeps_the_size_and_pads_the_end_more():
    k = np.arange(1.0, 5.0)  # even kernel: total padding 3 = 1 before + 2 after
    m = tconv.conv_matrix(k, (6,), padding="same")
    assert m.shape == (6, 6)
    padded = tconv.conv_matrix(k, (9,))  # the input with 1 zero before and 2 after
    np.testing.assert_array_equal(m, padded[:, 1:7])
