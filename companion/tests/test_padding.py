"""Padding in every form (tconv.padding): ints, (begin, end) pairs and strings.

The backends and the matrices are checked against the naive oracle for every form by the shared
strategies in conftest.py (test_backends, test_matrix, test_adjoint, test_kernels). Here: what
the forms mean, checked without tconv's padding arithmetic (numpy.pad, brute-force counting), the
"same" rules and their adjoints, and ONNX's reference implementation of Conv and ConvTranspose
as an outside reference (skipped when the onnx package is missing, like PyTorch elsewhere).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import naive
import tconv
from tconv import ConvGeometry, functional
from tconv.padding import explicit_padding

EXAMPLES = settings(deadline=None, max_examples=120)


def conv(nd):
    return getattr(tconv, f"conv{nd}d")


def conv_t(nd):
    return getattr(tconv, f"conv_transpose{nd}d")


# --- the forms --------------------------------------------------------------------------------
@pytest.mark.parametrize("padding, expected", [
    (2, ((2, 2), (2, 2))),
    ((1, 2), ((1, 2), (1, 2))),
    (((1, 2), (3, 0)), ((1, 3), (2, 0))),
    ((1, (0, 2)), ((1, 0), (1, 2))),
    ([[1, 2], [3, 0]], ((1, 3), (2, 0))),
    ((np.int64(1), (np.int32(0), 2)), ((1, 0), (1, 2))),
])
def test_every_numeric_form_gives_begin_and_end(padding, expected):
    assert explicit_padding(padding, 2) == expected
    g = ConvGeometry.for_conv((1, 1, 3, 3), (1, 8, 8), padding=padding)
    assert (g.padding, g.padding_end) == expected
    assert g.padding_pairs == tuple(zip(*expected))


@st.composite
def padded_convs(draw):
    """A convolution with (begin, end) pairs in 1-3 D, arrays included."""
    nd = draw(st.integers(1, 3))
    spatial = tuple(draw(st.integers(1, 5)) for _ in range(nd))
    pairs = tuple((draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in range(nd))
    kernel = tuple(draw(st.integers(1, i + b + e)) for i, (b, e) in zip(spatial, pairs))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((2, 2) + spatial)
    w = rng.standard_normal((3, 2) + kernel)
    return x, w, pairs, stride


@EXAMPLES
@given(padded_convs())
def test_pairs_are_numpy_pad_of_the_input(case):
    """padding=pairs is the unpadded convolution of numpy.pad(input, pairs)."""
    x, w, pairs, stride = case
    nd = w.ndim - 2
    padded = np.pad(x, ((0, 0), (0, 0)) + pairs)
    expected = conv(nd)(padded, w, stride=stride)
    np.testing.assert_allclose(conv(nd)(x, w, stride=stride, padding=pairs), expected,
                               rtol=1e-12, atol=1e-12)
    assert tconv.conv_output_size(x.shape[2:], w.shape[2:], stride, pairs) == expected.shape[2:]


@st.composite
def cropped_transposes(draw):
    """A transposed convolution with (begin, end) crops and an output_padding, 1-3 D."""
    nd = draw(st.integers(1, 3))
    spatial = tuple(draw(st.integers(1, 4)) for _ in range(nd))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    extra = tuple(draw(st.integers(0, s - 1)) for s in stride)
    pairs = []
    for i, k, s, a in zip(spatial, kernel, stride, extra):
        full = (i - 1) * s + k + a
        begin = draw(st.integers(0, full - 1))
        pairs.append((begin, draw(st.integers(0, full - 1 - begin))))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((2, 2) + spatial)
    w = rng.standard_normal((2, 3) + kernel)
    return x, w, tuple(pairs), stride, extra


@EXAMPLES
@given(cropped_transposes(), st.sampled_from(tconv.BACKENDS))
def test_pairs_crop_the_full_output(case, backend):
    """padding=pairs with output_padding a: the full output, a zeros added at the end, then
    begin elements cut from the start and end from the end; on every CPU backend."""
    x, w, pairs, stride, extra = case
    nd = w.ndim - 2
    full = np.pad(conv_t(nd)(x, w, stride=stride, backend="matrix"),
                  ((0, 0), (0, 0)) + tuple((0, a) for a in extra))
    crop = tuple(slice(b, n - e) for (b, e), n in zip(pairs, full.shape[2:]))
    expected = full[(slice(None), slice(None)) + crop]
    got = conv_t(nd)(x, w, stride=stride, padding=pairs, output_padding=extra, backend=backend)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert tconv.conv_transpose_output_size(x.shape[2:], w.shape[2:], stride, pairs,
                                            extra) == expected.shape[2:]


def test_crops_pytorch_cannot_write():
    """More cropped at the end than at the start, or at the start by max(stride, dilation) or
    more: one tconv call each, equal to cropping the full output by hand."""
    x = np.arange(1.0, 5.0)[None, None]
    w = np.array([1.0, 10.0, 100.0])[None, None]
    full = tconv.conv_transpose1d(x, w, stride=2)[0, 0]  # 9 elements
    np.testing.assert_array_equal(
        tconv.conv_transpose1d(x, w, stride=2, padding=((0, 3),))[0, 0], full[:-3])
    np.testing.assert_array_equal(
        tconv.conv_transpose1d(x, w, stride=2, padding=((4, 1),))[0, 0], full[4:-1])


def test_a_padding_of_pairs_is_remembered_by_the_plan_cache(rng):
    x, w = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((2, 3, 3, 3))
    pairs = ((0, 2), (1, 0))
    tconv.conv_transpose2d(x, w, stride=2, padding=pairs)
    before = functional._remembered_plan.cache_info().hits
    first = tconv.conv_transpose2d(x, w, stride=2, padding=pairs)
    assert functional._remembered_plan.cache_info().hits == before + 1
    as_lists = tconv.conv_transpose2d(x, w, stride=2, padding=[[0, 2], [1, 0]])
    np.testing.assert_array_equal(first, as_lists)


# --- "same" -----------------------------------------------------------------------------------
GRID = list(itertools.product(range(1, 9), range(1, 6), range(1, 5), range(1, 3)))


@pytest.mark.parametrize("lower", [False, True])
def test_same_padding_is_the_fewest_zeros_for_ceil_of_size_over_stride(lower):
    """Against counting windows zero by zero (naive.conv_pads), at every stride and dilation."""
    mode = "same_lower" if lower else "same"
    for i, k, s, d in GRID:
        expected = naive.conv_pads((i,), (k,), (s,), mode, (d,))[0]
        assert tconv.same_padding(i, k, s, d, lower=lower) == expected, (i, k, s, d)
        assert tconv.conv_output_size(i, k, s, mode, d) == -(-i // s), (i, k, s, d)


@pytest.mark.parametrize("mode", ["same", "same_lower"])
def test_transposed_same_is_the_adjoint_of_convolution_same(mode):
    """conv_transpose(padding='same') on i elements is the adjoint of conv(padding='same') on
    i * stride elements, also when the stride exceeds the dilated kernel (negative total)."""
    for i, k, s, d in GRID:
        w = (1, 1, k)
        conv_g = ConvGeometry.for_conv(w, (1, i * s), s, mode, d)
        assert conv_g.output_shape == (i,)
        assert conv_g.adjoint() == ConvGeometry.for_conv_transpose(w, (1, i), s, mode, 0, d), \
            (i, k, s, d)


def test_the_tensorflow_transpose_recipe_is_the_adjoint_of_same_convolution():
    """TensorFlow's conv_transpose(output_shape=o, padding='SAME') is the adjoint of conv
    'SAME' on o elements; the recipe of tconv.padding's table gives exactly that geometry."""
    for o, k, s, d in itertools.product(range(1, 10), range(1, 5), range(1, 4), range(1, 3)):
        w = (1, 1, k)
        conv_g = ConvGeometry.for_conv(w, (1, o), s, "same", d)
        i = conv_g.output_shape[0]
        pairs = (tconv.same_padding(o, k, s, d),)
        a = tconv.output_padding_for_size(i, o, k, s, pairs, d)
        assert ConvGeometry.for_conv_transpose(w, (1, i), s, pairs, a, d) == conv_g.adjoint()


def test_transposed_same_with_output_padding_keeps_the_size_and_shifts_the_crop():
    x = np.arange(1.0, 5.0)[None, None]
    w = np.array([1.0, 10.0, 100.0])[None, None]
    full = tconv.conv_transpose1d(x, w, stride=2)[0, 0]  # 9 elements, T = 1
    plain = tconv.conv_transpose1d(x, w, stride=2, padding="same")[0, 0]
    shifted = tconv.conv_transpose1d(x, w, stride=2, padding="same", output_padding=1)[0, 0]
    np.testing.assert_array_equal(plain, full[:8])      # T + a = 1: one off the end
    np.testing.assert_array_equal(shifted, full[1:])    # T + a = 2: one off each end
    assert tconv.same_padding_transpose(3, 2, output_padding=1) == (1, 0)
    # where T + a < 0 the zeros go at the end whatever a is
    one = np.array([1.0])[None, None]
    for a in (0, 1, 2):
        y = tconv.conv_transpose1d(x, one, stride=3, padding="same", output_padding=a)[0, 0]
        np.testing.assert_array_equal(y, [1, 0, 0, 2, 0, 0, 3, 0, 0, 4, 0, 0])


# --- ONNX's reference implementation ------------------------------------------------------------
def onnx_node(op, x, w, **attributes):
    """Run one ONNX node with ONNX's reference evaluator (NumPy, float64)."""
    onnx = pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    node = onnx.helper.make_node(op, ["X", "W"], ["Y"], **attributes)
    return ReferenceEvaluator(node).run(None, {"X": x, "W": w})[0]


def onnx_pads(pairs):
    """ONNX writes the begins of every dimension, then the ends."""
    return [b for b, _ in pairs] + [e for _, e in pairs]


AUTO_PAD = {"SAME_UPPER": "same", "SAME_LOWER": "same_lower", "VALID": "valid"}


@st.composite
def onnx_convs(draw):
    nd = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 2))
    spatial = tuple(draw(st.integers(1, 6 if nd < 3 else 4)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    auto_pad = draw(st.sampled_from(["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]))
    pairs = tuple((draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in range(nd))
    room = [i + 2 if auto_pad.startswith("SAME") else i + (b + e) * (auto_pad == "NOTSET")
            for i, (b, e) in zip(spatial, pairs)]
    kernel = tuple(draw(st.integers(1, max(1, (r - 1) // d + 1))) for r, d in zip(room, dilation))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((2, 2 * groups) + spatial)
    w = rng.standard_normal((2 * groups, 2) + kernel)
    return x, w, stride, dilation, groups, auto_pad, pairs


@settings(deadline=None, max_examples=150)
@given(onnx_convs())
def test_conv_agrees_with_onnx(case):
    """ONNX Conv, explicit asymmetric pads or auto_pad at any stride: one tconv call."""
    x, w, stride, dilation, groups, auto_pad, pairs = case
    nd = w.ndim - 2
    attributes = dict(strides=list(stride), dilations=list(dilation), group=groups)
    if auto_pad == "NOTSET":
        attributes["pads"], padding = onnx_pads(pairs), pairs
    else:
        attributes["auto_pad"], padding = auto_pad, AUTO_PAD[auto_pad]
    expected = onnx_node("Conv", x, w, **attributes)
    got = conv(nd)(x, w, stride=stride, padding=padding, dilation=dilation, groups=groups)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@st.composite
def onnx_transposes(draw):
    """ONNX ConvTranspose configurations within what ONNX's reference (1.23) computes: groups=1
    (it slices a group's weight by output channels, and fails when C_out / groups > 1), and
    output_padding < stride (its col2im fails on a larger one, which dilation would allow)."""
    nd = draw(st.integers(1, 3))
    spatial = tuple(draw(st.integers(1, 5 if nd < 3 else 3)) for _ in range(nd))
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    extra = tuple(draw(st.integers(0, s - 1)) for s in stride)
    auto_pad = draw(st.sampled_from(["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]))
    pairs = []
    for i, k, s, d, a in zip(spatial, kernel, stride, dilation, extra):
        full = (i - 1) * s + d * (k - 1) + 1 + a
        begin = draw(st.integers(0, full - 1))
        pairs.append((begin, draw(st.integers(0, full - 1 - begin))))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((2, 2) + spatial)
    w = rng.standard_normal((2, 3) + kernel)
    return x, w, stride, dilation, extra, auto_pad, tuple(pairs)


@settings(deadline=None, max_examples=150)
@given(onnx_transposes())
def test_conv_transpose_agrees_with_onnx(case):
    """ONNX ConvTranspose, explicit pads (any begin and end) or auto_pad, with output_padding:
    one tconv call. Where SAME's total crop d(k-1) + 1 - s + a is negative, ONNX's reference
    splits it as if it were positive, putting zeros at the start; tconv puts them at the end
    (the adjoint of ONNX's Conv: next test). That is the only difference: rolled back, the
    reference's output is tconv's."""
    x, w, stride, dilation, extra, auto_pad, pairs = case
    nd = w.ndim - 2
    attributes = dict(strides=list(stride), dilations=list(dilation),
                      output_padding=list(extra))
    if auto_pad == "NOTSET":
        attributes["pads"], padding = onnx_pads(pairs), pairs
    else:
        attributes["auto_pad"], padding = auto_pad, AUTO_PAD[auto_pad]
    expected = onnx_node("ConvTranspose", x, w, **attributes)
    if auto_pad.startswith("SAME"):
        for axis, (k, s, d, a) in enumerate(zip(w.shape[2:], stride, dilation, extra)):
            total = d * (k - 1) + 1 - s + a
            begin = total // 2 if auto_pad == "SAME_UPPER" else total - total // 2
            if begin < 0:  # the reference's -begin leading zeros belong at the end
                assert not expected.take(range(-begin), axis=2 + axis).any()
                expected = np.roll(expected, begin, axis=2 + axis)
    got = conv_t(nd)(x, w, stride=stride, padding=padding, output_padding=extra,
                     dilation=dilation)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@settings(deadline=None, max_examples=60)
@given(onnx_transposes())
def test_conv_transpose_same_is_the_adjoint_of_onnx_conv(case):
    """<Conv(u), x> = <u, conv_transpose(x)>, with ONNX's Conv and the same auto_pad, at any
    stride: also where the stride exceeds the dilated kernel."""
    x, w, stride, dilation, _, auto_pad, _ = case
    nd = w.ndim - 2
    mode = "SAME_LOWER" if auto_pad == "SAME_LOWER" else "SAME_UPPER"
    got = conv_t(nd)(x, w, stride=stride, padding=AUTO_PAD[mode], dilation=dilation)
    u = np.random.default_rng(0).standard_normal((2, 3) + got.shape[2:])
    # the same weight, read as a Conv's (C_out, C_in, *k), maps 3 channels to 2
    cu = onnx_node("Conv", u, w, strides=list(stride), dilations=list(dilation), auto_pad=mode)
    assert cu.shape == x.shape
    assert np.isclose(np.vdot(cu, x), np.vdot(u, got), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("auto_pad", ["SAME_UPPER", "SAME_LOWER"])
def test_onnx_output_shape_is_a_pair_of_crops(auto_pad, rng):
    """ONNX ConvTranspose with output_shape: the total crop s(i-1) + a + d(k-1) + 1 - o, split
    as auto_pad says, is padding=((begin, end),) with the same output_padding."""
    x, w = rng.standard_normal((1, 2, 4)), rng.standard_normal((2, 3, 3))
    for output_shape in (5, 6, 7, 8, 9):
        for a in (0, 1):
            total = 2 * (4 - 1) + a + 3 - output_shape
            begin = total // 2 if auto_pad == "SAME_UPPER" else total - total // 2
            expected = onnx_node("ConvTranspose", x, w, strides=[2], auto_pad=auto_pad,
                                 output_padding=[a], output_shape=[output_shape])
            got = tconv.conv_transpose1d(x, w, stride=2, padding=((begin, total - begin),),
                                         output_padding=a)
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


# --- ONNX's own node tests --------------------------------------------------------------------
def onnx_node_tests():
    """ONNX's backend test cases for Conv and ConvTranspose (model, inputs, expected output)."""
    try:
        import warnings

        from onnx.backend.test.case import node
    except ImportError:
        return []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cases = node.collect_testcases(None)
    return [pytest.param(case, id=case.name) for case in cases
            if case.model.graph.node[0].op_type in ("Conv", "ConvTranspose")]


def as_tconv_call(op, attributes, x, w, b):
    """One tconv call for one ONNX Conv or ConvTranspose node: tconv.padding's table, as code."""
    nd = x.ndim - 2
    stride = tuple(attributes.get("strides", [1] * nd))
    dilation = tuple(attributes.get("dilations", [1] * nd))
    groups = attributes.get("group", 1)
    auto_pad = attributes.get("auto_pad", b"NOTSET").decode()
    pads = attributes.get("pads", [0] * 2 * nd)
    padding = AUTO_PAD.get(auto_pad, tuple(zip(pads[:nd], pads[nd:])))
    if op == "Conv":
        return conv(nd)(x, w, b, stride=stride, padding=padding, dilation=dilation,
                        groups=groups)
    extra = tuple(attributes.get("output_padding", [0] * nd))
    if "output_shape" in attributes:  # the total crop, split as auto_pad says
        pairs, extras = [], []
        for i, o, k, s, d, a in zip(x.shape[2:], attributes["output_shape"][-nd:],
                                    w.shape[2:], stride, dilation, extra):
            total = s * (i - 1) + a + d * (k - 1) + 1 - o
            begin = total // 2 if auto_pad == "SAME_UPPER" else total - total // 2
            end = total - begin  # below zero: elements added, which output_padding says
            pairs.append((begin, max(end, 0)))
            extras.append(a + max(-end, 0))
        padding, extra = tuple(pairs), tuple(extras)
    return conv_t(nd)(x, w, b, stride=stride, padding=padding, output_padding=extra,
                      groups=groups, dilation=dilation)


@pytest.mark.parametrize("case", onnx_node_tests())
def test_onnx_node_tests_are_one_tconv_call_each(case):
    """Every Conv and ConvTranspose node test that ships with ONNX (the expected outputs are
    ONNX's, stored in the test case), computed by one tconv call."""
    onnx = pytest.importorskip("onnx")
    graph_node = case.model.graph.node[0]
    attributes = {a.name: onnx.helper.get_attribute_value(a) for a in graph_node.attribute}
    for inputs, outputs in case.data_sets:
        x, w, *bias = (np.asarray(v, dtype=np.float64) for v in inputs)
        got = as_tconv_call(graph_node.op_type, attributes, x, w, bias[0] if bias else None)
        np.testing.assert_allclose(got, outputs[0], rtol=1e-5, atol=1e-5)
