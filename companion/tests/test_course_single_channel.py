"""The single-channel teaching helpers: plain 2-D arrays, exact integers, both pictures."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tconv
from tconv.course import single_channel


@st.composite
def single_cases(draw):
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    padding = []
    for i, k, s, d, a in zip((h, w), (kh, kw), stride, dilation, output_padding):
        padding.append(draw(st.integers(0, ((i - 1) * s + d * (k - 1) + a) // 2)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    image = rng.integers(-5, 6, (h, w))
    kernel = rng.integers(-5, 6, (kh, kw))
    same = draw(st.sampled_from([None, "same", "same_lower", "pairs"]))
    if same == "pairs":  # (begin, end) crops, each end on its own
        padding = []
        for i, k, s, d, a in zip((h, w), (kh, kw), stride, dilation, output_padding):
            full = (i - 1) * s + d * (k - 1) + 1 + a
            begin = draw(st.integers(0, full - 1))
            padding.append((begin, draw(st.integers(0, full - 1 - begin))))
    elif same is not None:  # output = input * stride; may crop or extend at either end
        return image, kernel, dict(stride=stride, padding=same, output_padding=output_padding,
                                   dilation=dilation)
    return image, kernel, dict(stride=stride, padding=tuple(padding),
                               output_padding=output_padding, dilation=dilation)


@settings(deadline=None, max_examples=200)
@given(single_cases())
def test_scatter_and_zero_insertion_equal_the_matrix_exactly(case):
    image, kernel, kw = case
    m = tconv.conv_transpose_matrix(kernel, image.shape, **kw)
    expected = m @ image.ravel()
    by_scatter = single_channel.conv_transpose2d_single(image, kernel, **kw)
    by_gather = single_channel.conv_transpose2d_by_zero_insertion(image, kernel, **kw)
    for y in (by_scatter, by_gather):
        assert y.dtype.kind == "i"  # integers stay exact
        np.testing.assert_array_equal(y.ravel(), expected)
    np.testing.assert_allclose(
        tconv.conv_transpose2d(image[None, None], kernel[None, None], **kw)[0, 0], by_scatter)


@settings(deadline=None, max_examples=150)
@given(single_cases())
def test_conv2d_single_equals_the_matrix_exactly(case):
    image, kernel, kw = case
    padding = 1 if isinstance(kw["padding"], str) else kw["padding"]
    kw = dict(stride=kw["stride"], dilation=kw["dilation"], padding=padding)
    image = np.pad(image, 3)  # large enough for every kernel drawn
    m = tconv.conv_matrix(kernel, image.shape, **kw)
    y = single_channel.conv2d_single(image, kernel, **kw)
    np.testing.assert_array_equal(y.ravel(), m @ image.ravel())
    np.testing.assert_allclose(y, tconv.conv2d(image[None], kernel[None, None], **kw)[0])


def test_insert_zeros():
    x = np.array([[1, 2, 3], [4, 5, 6]])
    z = single_channel.insert_zeros(x, (3, 2))
    assert z.shape == (4, 5)
    np.testing.assert_array_equal(z[::3, ::2], x)
    assert z.sum() == x.sum() and np.count_nonzero(z) == 6
    np.testing.assert_array_equal(single_channel.insert_zeros(x, 1), x)
    np.testing.assert_array_equal(single_channel.insert_zeros([1, 2], 2), [1, 0, 2])


def test_single_channel_helpers_reject_other_ranks():
    with pytest.raises(ValueError, match=r"image must be a 2-D array, got shape \(1, 2, 2\)"):
        single_channel.conv_transpose2d_single(np.ones((1, 2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"kernel must be a 2-D array, got shape \(3,\)"):
        single_channel.conv2d_single(np.ones((4, 4)), np.ones(3))
    with pytest.raises(ValueError, match=r"stride must be >= 1 in every dimension, got 0"):
        single_channel.insert_zeros(np.ones((2, 2)), 0)


def test_float_inputs_keep_float_results():
    y = single_channel.conv_transpose2d_single(np.ones((2, 2), np.float32), np.ones((2, 2), np.float32))
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_same_padding_with_a_stride_beyond_the_kernel_extends_the_output():
    """Kernel 1, stride 3: the full output is 4 long, 'same' asks for 6: zeros go at the end."""
    x = np.array([[1, 2], [3, 4]])
    y = single_channel.conv_transpose2d_single(x, np.ones((1, 1), int), stride=3, padding="same")
    expected = np.zeros((6, 6), int)
    expected[::3, ::3] = x
    np.testing.assert_array_equal(y, expected)
    np.testing.assert_array_equal(
        single_channel.conv_transpose2d_by_zero_insertion(x, np.ones((1, 1), int), stride=3,
                                                 padding="same"), expected)


def test_small_integer_types_do_not_wrap_around():
    image = np.full((2, 2), 200, np.uint8)
    kernel = np.full((2, 2), 2, np.uint8)
    y = single_channel.conv2d_single(image, kernel)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, [[1600]])
    t = single_channel.conv_transpose2d_single(image, kernel)
    np.testing.assert_array_equal(t, [[400, 800, 400], [800, 1600, 800], [400, 800, 400]])
    z = single_channel.conv_transpose2d_by_zero_insertion((image // 2).astype(np.int8), kernel.astype(np.int8))
    np.testing.assert_array_equal(z, [[200, 400, 200], [400, 800, 400], [200, 400, 200]])


@settings(deadline=None, max_examples=100)
@given(single_cases())
def test_gather_input_is_what_the_flipped_kernel_slides_over(case):
    image, kernel, kw = case
    spread = single_channel.gather_input(image, kernel, **kw)
    out = tconv.conv_transpose2d(image[None, None], kernel[None, None], **kw)[0, 0]
    dilation = kw["dilation"]
    reach = tuple(d * (k - 1) for d, k in zip(dilation, kernel.shape))
    assert spread.shape == tuple(o + r for o, r in zip(out.shape, reach))
    by_window = single_channel.conv2d_single(spread, kernel[::-1, ::-1], dilation=dilation)
    np.testing.assert_array_equal(by_window, out)
    # Every input element that is not cropped appears once, the rest is zeros.
    ids = np.arange(1, image.size + 1).reshape(image.shape)
    landed = single_channel.gather_input(ids, kernel, **kw)
    kept = landed[landed > 0]
    assert len(set(kept.tolist())) == kept.size


def test_gather_input_spreads_and_pads_the_worked_example():
    x = np.array([[1, 2], [3, 4]])
    spread = single_channel.gather_input(x, np.ones((3, 3)), stride=2)
    expected = np.zeros((7, 7), dtype=int)
    expected[2:5:2, 2:5:2] = x  # k - 1 = 2 zeros around, one zero between
    np.testing.assert_array_equal(spread, expected)
    with pytest.raises(ValueError, match=r"output_padding must be smaller"):
        single_channel.gather_input(x, np.ones((3, 3)), stride=2, output_padding=2)
