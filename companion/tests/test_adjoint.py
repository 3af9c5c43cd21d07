"""Convolution and transposed convolution are adjoint: <conv(x), y> = <x, conv_transpose(y)>."""

import numpy as np
from hypothesis import given, settings, strategies as st

import tconv
from tconv import ConvGeometry

import naive
from conftest import adjoint_arguments, conv_cases


@st.composite
def conv_problems(draw):
    """A random convolution with a batch of two float64 inputs and its weight."""
    case = draw(conv_cases())
    rng = np.random.default_rng(case.seed)
    x = rng.standard_normal((2,) + case.input_shape)
    w = rng.standard_normal(case.weight_shape)
    return x, w, case.kwargs, rng


@settings(deadline=None, max_examples=200)
@given(conv_problems())
def test_adjoint_identity(problem):
    x, w, kw, rng = problem
    ndim = w.ndim - 2
    conv = getattr(tconv, f"conv{ndim}d")
    conv_t = getattr(tconv, f"conv_transpose{ndim}d")
    cx = conv(x, w, **kw)
    y = rng.standard_normal(cx.shape)
    geometry = ConvGeometry.for_conv(w.shape, x.shape[1:], **kw)
    pairs, output_padding = adjoint_arguments(geometry)
    for backend in tconv.BACKENDS:
        cty = conv_t(y, w, stride=kw["stride"], padding=pairs,
                     output_padding=output_padding, dilation=kw["dilation"],
                     groups=kw["groups"], backend=backend)
        assert cty.shape == x.shape, backend
        lhs, rhs = np.vdot(cx, y), np.vdot(x, cty)
        assert np.isclose(lhs, rhs, rtol=1e-10, atol=1e-10), (backend, lhs, rhs)


@settings(deadline=None, max_examples=150)
@given(conv_problems())
def test_conv_equals_its_matrix_and_the_size_formula(problem):
    x, w, kw, _ = problem
    ndim = w.ndim - 2
    y = getattr(tconv, f"conv{ndim}d")(x, w, **kw)
    for backend in ("auto", *tconv.functional.CONV_BACKENDS):
        other = getattr(tconv, f"conv{ndim}d")(x, w, **kw, backend=backend)
        np.testing.assert_allclose(other, y, rtol=1e-10, atol=1e-10, err_msg=backend)
    spatial = x.shape[2:]
    expected_shape = naive.conv_output_shape(spatial, w.shape[2:], kw["stride"], kw["padding"],
                                             kw["dilation"])
    assert y.shape == (2, w.shape[0]) + expected_shape
    assert tconv.conv_output_size(spatial, w.shape[2:], kw["stride"], kw["padding"],
                                  kw["dilation"]) == expected_shape
    m = naive.conv_matrix(w, x.shape[1:], kw["stride"], kw["padding"], kw["dilation"],
                          kw["groups"])
    for sample, out in zip(x, y):
        np.testing.assert_allclose(out.ravel(), m @ sample.ravel(), rtol=1e-10, atol=1e-10)


@settings(deadline=None, max_examples=100)
@given(conv_problems())
def test_adjoint_geometry_round_trips(problem):
    x, w, kw, _ = problem
    geometry = ConvGeometry.for_conv(w.shape, x.shape[1:], **kw)
    back = geometry.adjoint()
    assert back.transposed and back.output_shape == geometry.input_shape
    assert back.input_shape == geometry.output_shape
    assert back.weight_shape == geometry.weight_shape
    pairs, output_padding = adjoint_arguments(geometry)
    assert all(0 <= a < s for a, s in zip(output_padding, geometry.stride))
    # Twice the adjoint is the same operator. Its end padding may read lower: a strided
    # convolution that never reaches its last input rows is described by the rows it reads.
    twice = back.adjoint()
    assert twice.output_shape == geometry.output_shape and not twice.transposed
    assert all(e2 <= e for e2, e in zip(twice.padding_end, geometry.padding_end))
    np.testing.assert_array_equal(tconv.operator_matrix(twice, w),
                                  tconv.operator_matrix(geometry, w))
    again = ConvGeometry.for_conv_transpose(w.shape, (geometry.out_channels,) + back.input_shape,
                                            kw["stride"], pairs, output_padding,
                                            kw["dilation"], kw["groups"])
    assert again == back
