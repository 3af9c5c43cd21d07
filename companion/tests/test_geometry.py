"""The geometry object: one checked description that every path reads."""

import dataclasses

import numpy as np
import pytest

import tconv
from tconv import ConvGeometry


def test_transposed_geometry_of_a_dcgan_layer():
    g = ConvGeometry.for_conv_transpose((256, 128, 4, 4), (256, 16, 16), stride=2, padding=1)
    assert g.transposed and g.ndim == 2
    assert (g.in_channels, g.out_channels) == (256, 128)
    assert g.output_shape == (32, 32)
    assert g.weight_shape == (256, 128, 4, 4)
    assert g.output_padding == (0, 0)
    assert g.matrix_shape == (128 * 32 * 32, 256 * 16 * 16)


def test_geometry_is_immutable():
    g = ConvGeometry.for_conv((1, 1, 3), (1, 5))
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.stride = (2,)


def test_groups_change_the_weight_shape():
    g = ConvGeometry.for_conv_transpose((6, 2, 3), (6, 4), groups=3)
    assert g.out_channels == 6 and g.weight_shape == (6, 2, 3)
    c = ConvGeometry.for_conv((4, 3, 3), (6, 8), groups=2)
    assert c.out_channels == 4 and c.in_channels == 6 and c.weight_shape == (4, 3, 3)


def test_every_path_reads_the_same_output_shape(rng):
    """Matrix, kernels and size function agree on the shape the geometry gives."""
    w = rng.standard_normal((3, 2, 3, 2))
    x = rng.standard_normal((3, 5, 4))
    kw = dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), dilation=(1, 2))
    g = ConvGeometry.for_conv_transpose(w.shape, x.shape, **kw)
    assert g.output_shape == tconv.conv_transpose_output_size(x.shape[1:], w.shape[2:], **kw)
    assert tconv.conv_transpose_matrix(w, x.shape, **kw).shape == g.matrix_shape
    for backend in tconv.BACKENDS:
        assert tconv.conv_transpose2d(x, w, **kw, backend=backend).shape == (2,) + g.output_shape


def test_the_full_shape_is_the_output_before_the_crop_and_the_padded_input():
    t = ConvGeometry.for_conv_transpose((1, 1, 3, 4), (1, 5, 6), (2, 3), (1, 2), (1, 0), (1, 2))
    # (i - 1) s + d (k - 1) + 1, whatever is cropped: (5-1)*2 + 2 + 1, (6-1)*3 + 2*3 + 1
    assert t.full_shape == (11, 22)
    assert t.output_shape == tuple(f - b - e for f, b, e in
                                   zip(t.full_shape, t.padding, t.padding_end))
    c = ConvGeometry.for_conv((1, 1, 3), (1, 7), stride=2, padding=2)
    assert c.full_shape == (11,)  # 7 + 2 + 2
    assert c.large_shape == (7,) and c.small_shape == c.output_shape == (5,)


def test_in_3d_puts_size_one_dimensions_in_front():
    g = ConvGeometry.for_conv_transpose((2, 3, 4), (2, 9), stride=2, padding=1,
                                        output_padding=1, dilation=3)
    g3 = g.in_3d
    assert g3.ndim == 3 and g3.in_3d is g3
    assert (g3.input_shape, g3.output_shape, g3.kernel_size) == ((1, 1, 9), (1, 1) + g.output_shape,
                                                                 (1, 1, 4))
    assert (g3.stride, g3.padding, g3.padding_end, g3.dilation) == (
        (1, 1, 2), (0, 0, 1), (0, 0, 0), (1, 1, 3))
    assert g3.macs == g.macs and g3.matrix_shape == g.matrix_shape


@pytest.mark.parametrize("geometry", [
    ConvGeometry.for_conv_transpose((3, 4, 2, 3), (3, 5, 5), 2, (0, 1), groups=1),
    ConvGeometry.for_conv_transpose((4, 2, 3), (4, 6), 3, 1, 2, groups=2),
    ConvGeometry.for_conv((6, 2, 3, 3), (4, 7, 7), 2, 1, groups=2),
])
def test_macs_are_the_entries_of_the_unpadded_matrix(geometry):
    """Every small-grid element meets every tap of its weights: the non-zeros of the operator
    with nothing cropped and nothing padded."""
    weight = np.ones(geometry.weight_shape)
    k = geometry.kernel_size
    if geometry.transposed:
        unpadded = ConvGeometry.for_conv_transpose(geometry.weight_shape,
                                                   (geometry.in_channels, *geometry.input_shape),
                                                   geometry.stride, 0, 0, geometry.dilation,
                                                   geometry.groups)
    else:  # the convolution whose windows all lie inside: the small grid read whole
        full = tuple((o - 1) * s + d * (kk - 1) + 1 for o, s, d, kk in
                     zip(geometry.output_shape, geometry.stride, geometry.dilation, k))
        unpadded = ConvGeometry.for_conv(geometry.weight_shape, (geometry.in_channels, *full),
                                         geometry.stride, 0, geometry.dilation, geometry.groups)
    assert tconv.operator_matrix(unpadded, weight, sparse=True).nnz == geometry.macs


def test_an_ordinary_layer_is_not_trimmed():
    g = ConvGeometry.for_conv_transpose((256, 128, 4, 4), (256, 16, 16), 2, 1)
    trim = g.trimmed()
    assert trim.geometry is g
    assert trim.small == (slice(0, 16), slice(0, 16)) and trim.taps == (slice(0, 4),) * 2


@pytest.mark.parametrize("kwargs, small, taps, stride, dilation", [
    # one input element lands in the output: the stride no longer matters
    (dict(stride=10**12, padding=10**12), (slice(1, 2),), (slice(0, 3),), (1,), (1,)),
    # only the middle tap lands: the dilation no longer matters
    (dict(dilation=10**9, padding=10**9), (slice(0, 3),), (slice(1, 2),), (1,), (1,)),
    # the first input element is cropped away; the other two keep their stride
    (dict(stride=2, padding=3, output_padding=1), (slice(1, 3),), (slice(0, 3),), (2,), (1,)),
])
def test_trimming_keeps_what_reaches_the_output(kwargs, small, taps, stride, dilation, rng):
    g = ConvGeometry.for_conv_transpose((1, 1, 3), (1, 3), **kwargs)
    trim = g.trimmed()
    assert (trim.small, trim.taps) == (small, taps)
    assert (trim.geometry.stride, trim.geometry.dilation) == (stride, dilation)
    assert trim.geometry.output_shape == g.output_shape
    x, w = rng.standard_normal((1, 3)), rng.standard_normal((1, 1, 3))
    whole = tconv.operator_matrix(g, w, sparse=True) @ x.ravel()
    part = tconv.operator_matrix(trim.geometry, w[(slice(None),) * 2 + taps], sparse=True) @ \
        x[(slice(None),) + small].ravel()
    np.testing.assert_allclose(part, whole, rtol=1e-12, atol=0)


def test_a_geometry_where_nothing_lands_keeps_one_pair_outside():
    g = ConvGeometry.for_conv_transpose((1, 1, 1), (1, 2), stride=10, padding=3)  # 0 and 10 land
    assert g.output_shape == (5,)  # elements 3 .. 7 of the full 11: none reached
    trim = g.trimmed()
    assert tconv.operator_matrix(trim.geometry, np.ones((1, 1, 1)), sparse=True).nnz == 0
    np.testing.assert_array_equal(tconv.conv_transpose1d(np.ones((1, 1, 2)), np.ones((1, 1, 1)),
                                                         np.array([7.0]), 10, 3),
                                  np.full((1, 1, 5), 7.0))
