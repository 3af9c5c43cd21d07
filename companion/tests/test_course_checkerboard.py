"""Overlap counts, resize-convolution and the checkerboard pictures (tconv.course.checkerboard).

The oracle for the counts is the explicit matrix: with a kernel of ones, row r of C_K^T has a 1
for every input element whose kernel copy covers output element r, so its row sums are the counts.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tconv
from tconv.course.checkerboard import (
    interior,
    interior_unevenness,
    overlap_counts,
    resize_conv2d,
    stacked_overlap_counts,
    unevenness,
    upsample2d,
)


# --- counts against the matrix ---------------------------------------------------------------
@st.composite
def single_layers(draw):
    """A random transposed convolution in 1 or 2 dims, as keyword arguments of overlap_counts."""
    ndim = draw(st.sampled_from([1, 2]))
    shape = tuple(draw(st.integers(1, 6)) for _ in range(ndim))
    kernel = tuple(draw(st.integers(1, 5)) for _ in range(ndim))
    stride = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(ndim))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    padding = tuple(
        draw(st.integers(0, ((i - 1) * s + d * (k - 1) + a) // 2))
        for i, k, s, d, a in zip(shape, kernel, stride, dilation, output_padding)
    )
    return dict(input_shape=shape, kernel_size=kernel, stride=stride, padding=padding,
                output_padding=output_padding, dilation=dilation)


@settings(max_examples=60, deadline=None)
@given(single_layers())
def test_counts_are_the_row_sums_of_the_transposed_matrix_of_a_kernel_of_ones(case):
    matrix = tconv.conv_transpose_matrix(
        np.ones(case["kernel_size"]), case["input_shape"], case["stride"], case["padding"],
        case["output_padding"], case["dilation"],
    )
    counts = overlap_counts(**case)
    expected_shape = tconv.conv_transpose_output_size(
        case["input_shape"], case["kernel_size"], case["stride"], case["padding"],
        case["output_padding"], case["dilation"],
    )
    assert counts.shape == tuple(expected_shape)
    assert counts.dtype == np.int64
    np.testing.assert_array_equal(counts.ravel(), matrix.sum(axis=1))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([1, 2]), st.integers(1, 4),
       st.lists(st.tuples(st.integers(1, 4), st.integers(1, 3)), min_size=1, max_size=3))
def test_stacked_counts_are_the_product_of_the_layers_matrices(ndim, size, layers):
    shape = (size,) * ndim
    product = np.ones(math.prod(shape))
    for kernel, stride in layers:
        matrix = tconv.conv_transpose_matrix(np.ones((kernel,) * ndim), shape, stride)
        product = matrix @ product
        shape = tuple(tconv.conv_transpose_output_size(shape, kernel, stride))
    counts = stacked_overlap_counts((size,) * ndim, layers)
    assert counts.shape == shape
    np.testing.assert_array_equal(counts.ravel(), product)


def test_one_layer_stacked_is_overlap_counts():
    np.testing.assert_array_equal(stacked_overlap_counts((3, 4), [((2, 3), (2, 1))]),
                                  overlap_counts((3, 4), (2, 3), stride=(2, 1)))


def test_two_dimensional_counts_are_the_outer_product_of_one_dimensional_counts():
    for kernel, stride in [(3, 2), (4, 2), (5, 3), (2, 3)]:
        row = overlap_counts(4, kernel, stride)
        col = overlap_counts(3, kernel, stride)
        np.testing.assert_array_equal(overlap_counts((4, 3), kernel, stride), np.outer(row, col))


# --- the known result: even coverage iff k is a multiple of s --------------------------------
def copies_on_an_endless_input(t: int, kernel: int, stride: int) -> int:
    """Number of j (any integer) with 0 <= t - j*stride <= kernel - 1: no border anywhere."""
    return sum(1 for j in range(-kernel - 1, t + 2) if 0 <= t - j * stride <= kernel - 1)


@pytest.mark.parametrize("kernel", range(1, 9))
@pytest.mark.parametrize("stride", range(1, 5))
def test_interior_is_what_an_endless_input_gives(kernel, stride):
    size = 10
    counts = overlap_counts(size, kernel, stride)
    inner = interior(counts, [(kernel, stride)])
    border = kernel - 1
    expected = [copies_on_an_endless_input(t, kernel, stride)
                for t in range(border, len(counts) - border)]
    np.testing.assert_array_equal(inner, expected)
    # Every interior element gets floor(k/s) or ceil(k/s) copies.
    assert set(inner.tolist()) <= {kernel // stride, -(-kernel // stride)}


@pytest.mark.parametrize("ndim", [1, 2])
def test_coverage_is_even_exactly_when_the_kernel_size_is_a_multiple_of_the_stride(ndim):
    for kernel in range(1, 9):
        for stride in range(1, 5):
            ratio = interior_unevenness([(kernel, stride)], ndim=ndim)
            if kernel % stride == 0:
                assert ratio == 1.0, (kernel, stride)
            elif kernel < stride:
                assert ratio == math.inf, (kernel, stride)  # some elements get no copy
            else:
                low, high = kernel // stride, kernel // stride + 1
                assert ratio == pytest.approx((high / low) ** ndim), (kernel, stride)


def test_stacking_layers_makes_the_pattern_worse_and_even_layers_stay_even():
    one, two, three = (interior_unevenness([(3, 2)] * n) for n in (1, 2, 3))
    assert 1 < one < two < three
    assert interior_unevenness([(4, 2)] * 3) == 1.0
    assert interior_unevenness([(4, 2)] * 2, ndim=2) == 1.0


def test_interior_of_an_even_stack_is_constant_and_of_an_uneven_one_periodic():
    layers = [(3, 2), (3, 2)]
    inner = interior(stacked_overlap_counts(9, layers), layers)
    assert len(inner) >= 8
    np.testing.assert_array_equal(inner[4:], inner[:-4])  # period: total stride 4
    assert len(set(inner.tolist())) > 1
    even = [(2, 2), (4, 2)]
    assert len(set(interior(stacked_overlap_counts(9, even), even).tolist())) == 1


def test_unevenness_values():
    assert unevenness([3, 3, 3]) == 1.0
    assert unevenness([[1, 2], [4, 2]]) == 4.0
    assert unevenness(np.array([0, 2])) == math.inf


# --- resize-convolution -------------------------------------------------------------------------
def test_nearest_upsampling_repeats_every_element(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    up = upsample2d(x, 3)
    assert up.shape == (2, 3, 12, 15)
    np.testing.assert_array_equal(up, np.kron(x, np.ones((3, 3))))


def test_bilinear_upsampling_of_a_ramp_and_of_a_constant():
    # A linear ramp stays linear between the first and last centres, flat outside them.
    ramp = upsample2d(np.array([[0.0, 4.0, 8.0]]), 2, mode="bilinear")[0]
    np.testing.assert_allclose(ramp, [0, 1, 3, 5, 7, 8])
    np.testing.assert_allclose(upsample2d(np.full((3, 2), 7.0), 4, mode="bilinear"),
                               np.full((12, 8), 7.0))
    assert upsample2d(np.ones((2, 2), dtype=np.float32), 2, mode="bilinear").dtype == np.float32


@pytest.mark.parametrize("factor", [1, 2, 3])
def test_bilinear_upsampling_matches_pytorch(rng, factor):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((1, 2, 4, 5))
    expected = torch.nn.functional.interpolate(torch.from_numpy(x), scale_factor=factor,
                                               mode="bilinear", align_corners=False).numpy()
    np.testing.assert_allclose(upsample2d(x, factor, mode="bilinear"), expected, atol=1e-12)


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_resize_conv_is_upsampling_then_the_same_padded_convolution_matrix(rng, mode):
    x = rng.standard_normal((2, 2, 3, 4))
    w = rng.standard_normal((3, 2, 3, 3))
    bias = rng.standard_normal(3)
    out = resize_conv2d(x, w, 2, mode, bias=bias)
    assert out.shape == (2, 3, 6, 8)
    matrix = tconv.conv_matrix(w, (2, 6, 8), padding="same")
    for n in range(2):
        expected = matrix @ upsample2d(x[n], 2, mode).ravel()
        np.testing.assert_allclose(out[n].ravel(), expected + np.repeat(bias, 48), atol=1e-12)


def test_resize_conv_keeps_a_constant_image_constant_but_a_strided_transpose_does_not(rng):
    w = rng.uniform(0.5, 1.5, (1, 1, 3, 3))
    resized = resize_conv2d(np.ones((1, 1, 6, 6)), w)[0, 0, 1:-1, 1:-1]
    np.testing.assert_allclose(resized, w.sum())
    transposed = tconv.conv_transpose2d(np.ones((1, 1, 6, 6)), w, stride=2)[0, 0, 2:-2, 2:-2]
    assert transposed.max() - transposed.min() > 0.1


# --- errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, error, message", [
    (lambda: overlap_counts(0, 3), ValueError, r"input_shape must be >= 1, got 0"),
    (lambda: overlap_counts((2, 2, 2, 2), 3), ValueError, r"input_shape must have 1, 2 or 3"),
    (lambda: overlap_counts("4", 3), TypeError, r"input_shape must be an integer, got '4'"),
    (lambda: overlap_counts(4, 0), ValueError, r"kernel_size must be >= 1"),
    (lambda: overlap_counts(4, 2.5), TypeError, r"kernel_size must be an int"),
    (lambda: overlap_counts(4, 3, stride=0), ValueError, r"stride"),
    (lambda: stacked_overlap_counts(4, []), ValueError, r"layers must be a non-empty sequence"),
    (lambda: stacked_overlap_counts(4, [3, 2]), ValueError, r"layers\[0\] must be a pair"),
    (lambda: stacked_overlap_counts(4, [(3, 2), (3, 0)]), ValueError,
     r"stride of layers\[1\] must be >= 1"),
    (lambda: interior(overlap_counts(1, 5), [(5, 1)]), ValueError,
     r"counts of shape \(5,\) have no interior: .* \(4,\) elements wide"),
    (lambda: unevenness([]), ValueError, r"values must not be empty"),
    (lambda: unevenness([1, -1]), ValueError, r"values must be counts \(>= 0\), got a minimum of -1"),
    (lambda: interior_unevenness([(3, 2)], ndim=4), ValueError, r"ndim must be 1, 2 or 3, got 4"),
    (lambda: upsample2d(np.ones((2, 2)), 0), ValueError, r"factor must be >= 1, got 0"),
    (lambda: upsample2d(np.ones((2, 2)), 2, mode="cubic"), ValueError,
     r"mode must be 'nearest' or 'bilinear', got 'cubic'"),
    (lambda: upsample2d(np.ones((2, 2)), 2, mode=1), TypeError, r"mode must be .* got 1 of type int"),
    (lambda: upsample2d(np.ones(4), 2), ValueError, r"input must have at least 2 dimensions .* \(4,\)"),
    (lambda: upsample2d(np.array([["a"]]), 2), TypeError, r"input must hold real numbers"),
    (lambda: resize_conv2d(np.ones((2, 2)), np.ones((1, 1, 3, 3))), ValueError,
     r"input of resize_conv2d must be 4-D .* got shape \(2, 2\)"),
    (lambda: resize_conv2d(np.ones((1, 2, 2)), np.ones((3, 3))), ValueError,
     r"weight of resize_conv2d must be 4-D .* got shape \(3, 3\)"),
])
def test_bad_arguments_are_refused_with_a_message(call, error, message):
    with pytest.raises(error, match=message):
        call()
