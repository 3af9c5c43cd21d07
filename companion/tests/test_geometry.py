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
