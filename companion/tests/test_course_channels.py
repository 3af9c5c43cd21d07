"""tconv.course.channels: a layer's output is the sum of one stamp per channel pair."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tconv
from tconv.course.channels import channel_stamps

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from tconv.course.channels import draw_channel_sum  # noqa: E402


@st.composite
def layers(draw):
    """A random layer: 1-3 D, groups, stride, padding, dilation, output_padding."""
    dims = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 2))
    c_in = groups * draw(st.integers(1, 2))
    c_out_group = draw(st.integers(1, 2))
    kernel = tuple(draw(st.lists(st.integers(1, 3), min_size=dims, max_size=dims)))
    spatial = tuple(draw(st.lists(st.integers(1, 3), min_size=dims, max_size=dims)))
    stride = draw(st.integers(1, 3))
    dilation = draw(st.integers(1, 2))
    padding = draw(st.integers(0, 1))
    output_padding = draw(st.integers(0, max(stride, dilation) - 1))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.integers(-3, 4, (c_in,) + spatial).astype(float)
    w = rng.integers(-3, 4, (c_in, c_out_group) + kernel).astype(float)
    return x, w, dict(stride=stride, padding=padding, output_padding=output_padding,
                      groups=groups, dilation=dilation)


@settings(max_examples=60, deadline=None)
@given(layers())
def test_each_stamp_is_a_column_block_of_the_matrix_and_they_sum_to_the_layer(layer):
    x, w, args = layer
    try:
        expected = tconv.conv_transpose_matrix(w, x.shape, **args) @ x.ravel()
    except ValueError:  # the padding crops everything: the layer refuses too
        with pytest.raises(ValueError):
            channel_stamps(x, w, **args)
        return
    stamps = channel_stamps(x, w, **args)
    c_in, c_out_group = w.shape[:2]
    in_group = c_in // args["groups"]
    assert stamps.shape[:2] == (c_in, c_out_group * args["groups"])
    np.testing.assert_allclose(stamps.sum(axis=0).ravel(), expected, atol=1e-9)
    single = {k: v for k, v in args.items() if k != "groups"}
    for c in range(c_in):
        for o in range(stamps.shape[1]):
            if c // in_group != o // c_out_group:
                assert not stamps[c, o].any()  # a channel of another group gets nothing
                continue
            kernel = w[c, o % c_out_group][None, None]
            alone = tconv.conv_transpose_matrix(kernel, (1,) + x.shape[1:], **single)
            np.testing.assert_allclose(stamps[c, o].ravel(), alone @ x[c].ravel(), atol=1e-9)


def test_stamps_refuse_a_batch_or_no_spatial_axis():
    with pytest.raises(ValueError, match=r"x must be one sample .* got shape \(3,\)"):
        channel_stamps(np.ones(3), np.ones((3, 1, 2)))
    with pytest.raises(ValueError, match=r"got shape \(1, 1, 1, 1, 2\)"):
        channel_stamps(np.ones((1, 1, 1, 1, 2)), np.ones((1, 1, 1, 1, 2)))


def test_the_figure_shows_inputs_stamps_and_sums_with_bias():
    x = np.array([[[1.0, 2.0], [3.0, 4.0]], [[0.0, 10.0], [20.0, 0.0]]])
    w = np.arange(1.0, 17.0).reshape(2, 2, 2, 2)
    bias = np.array([0.0, 0.5])
    fig = draw_channel_sum(x, w, bias, stride=2)
    axes = np.array(fig.axes).reshape(3, 3)
    assert [ax.get_title() for ax in axes[:, 0]] == ["input channel 0", "input channel 1", ""]
    assert axes[0, 2].get_title() == "x[0] stamps w[0, 1]"
    assert axes[2, 2].get_title() == "output channel 1 (bias 0.5)"
    layer = tconv.conv_transpose2d(x[None], w, bias, stride=2)[0]
    for o in range(2):
        written = np.array([float(t.get_text()) for t in axes[2, 1 + o].texts]).reshape(4, 4)
        np.testing.assert_array_equal(written, layer[o])
    plt.close(fig)


def test_the_figure_marks_pairs_in_different_groups():
    fig = draw_channel_sum(np.ones((2, 1, 1)), np.ones((2, 1, 2, 2)), groups=2)
    axes = np.array(fig.axes).reshape(3, 3)
    assert [t.get_text() for t in axes[0, 2].texts] == ["other group:\nno kernel"]
    assert [t.get_text() for t in axes[1, 1].texts] == ["other group:\nno kernel"]
    assert axes[1, 2].get_title() == "x[1] stamps w[1, 0]"
    plt.close(fig)


def test_the_figure_refuses_bad_shapes():
    with pytest.raises(ValueError, match=r"x must be one 2-D sample \(C_in, H, W\)"):
        draw_channel_sum(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))
    with pytest.raises(ValueError, match=r"bias must have shape \(3,\)"):
        draw_channel_sum(np.ones((1, 2, 2)), np.ones((1, 3, 2, 2)), bias=[1.0, 2.0])
