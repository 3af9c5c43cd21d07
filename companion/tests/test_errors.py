"""Bad input, special values, memory layouts and dtypes (the contract's "Bad input" section).

Every bad-input check asserts the exception type (ValueError for a bad value, TypeError for a
bad type) and that the message both names the argument and shows the value that was given.
"""

import re
import tracemalloc
from dataclasses import dataclass, field

import numpy as np
import pytest
import scipy.sparse

import tconv
from tconv.course import single_channel

NDIMS = (1, 2, 3)
BACKENDS = ("auto", "matrix", "scatter", "gather")


# ---------------------------------------------------------------------------------------------
# message matching
# ---------------------------------------------------------------------------------------------


def number(value):
    """Regex for a number shown on its own (not as part of a longer number)."""
    return rf"(?<![\w.]){re.escape(str(value))}(?![\w]|\.\d)"


def sequence(values):
    """Regex for a tuple or list display of the values, e.g. (1, 1, 1) or [1, 1, 1]."""
    inner = r",\s*".join(re.escape(str(v)) for v in values)
    return rf"[(\[]\s*{inner}\s*,?\s*[)\]]"


def either(*patterns):
    return "|".join(f"(?:{p})" for p in patterns)


def names_and_shows(name, shown):
    """A pytest `match` pattern: the message contains `name` and `shown` (both regexes)."""
    return rf"(?s)(?=.*(?:{name}))(?=.*(?:{shown}))"


DTYPE_SHOWN = {
    "bool": "bool",
    "complex": "complex",
    "float16": either("float16", "half", "f2"),
    "str": either("str", "<U", r"\bU\d"),
    "object": either("object", r"\bO\b"),
}

NON_NUMERIC = {kind: shown for kind, shown in DTYPE_SHOWN.items() if kind != "float16"}


def bad_dtype_array(kind, shape, rng):
    values = rng.standard_normal(shape)
    if kind == "bool":
        return values > 0
    if kind == "complex":
        return values + 1j
    if kind == "float16":
        return values.astype(np.float16)
    if kind == "str":
        return np.full(shape, "a")
    if kind == "object":
        return values.astype(object)
    raise AssertionError(kind)


# ---------------------------------------------------------------------------------------------
# valid default problems; each bad case overrides one argument
# ---------------------------------------------------------------------------------------------


def conv_problem(nd, *, batch=2, c_in=4, c_out=6, size=7, kernel=3):
    rng = np.random.default_rng(nd)
    return dict(
        input=rng.standard_normal((batch, c_in) + (size,) * nd),
        weight=rng.standard_normal((c_out, c_in) + (kernel,) * nd),
        bias=rng.standard_normal(c_out),
    )


def conv_transpose_problem(nd, *, batch=2, c_in=4, c_out=6, size=5, kernel=3):
    rng = np.random.default_rng(10 + nd)
    return dict(
        input=rng.standard_normal((batch, c_in) + (size,) * nd),
        weight=rng.standard_normal((c_in, c_out) + (kernel,) * nd),
        bias=rng.standard_normal(c_out),
    )


def call_conv(nd, **kw):
    args = conv_problem(nd)
    args.update(kw)
    return getattr(tconv, f"conv{nd}d")(**args)


def call_conv_transpose(nd, **kw):
    args = conv_transpose_problem(nd)
    args.update(kw)
    return getattr(tconv, f"conv_transpose{nd}d")(**args)


def call_conv_matrix(nd, **kw):
    problem = conv_problem(nd, size=5)
    args = dict(weight=problem["weight"], input_shape=problem["input"].shape[1:])
    args.update(kw)
    return tconv.conv_matrix(**args)


def call_conv_transpose_matrix(nd, **kw):
    problem = conv_transpose_problem(nd, size=4)
    args = dict(weight=problem["weight"], input_shape=problem["input"].shape[1:])
    args.update(kw)
    return tconv.conv_transpose_matrix(**args)


CALLERS = {
    "conv": call_conv,
    "conv_transpose": call_conv_transpose,
    "conv_matrix": call_conv_matrix,
    "conv_transpose_matrix": call_conv_transpose_matrix,
}
TRANSPOSED = ("conv_transpose", "conv_transpose_matrix")


@dataclass
class Bad:
    """One bad call: keyword overrides, the expected exception, and what its message shows."""

    id: str
    kwargs: dict
    exc: type
    name: str
    shown: str
    ops: tuple = field(default=tuple(CALLERS))


def hyper_parameter_cases(nd):
    """Bad stride / dilation / padding / groups / output_padding values, for every operator."""
    too_long = (1,) * (nd + 1)
    cases = []
    for arg in ("stride", "dilation"):
        cases += [
            Bad(f"{arg}=0", {arg: 0}, ValueError, arg, number(0)),
            Bad(f"{arg}=-1", {arg: -1}, ValueError, arg, number(-1)),
            Bad(f"{arg}-tuple-with-0", {arg: (1,) * (nd - 1) + (0,)}, ValueError, arg, number(0)),
            Bad(f"{arg}=2.0", {arg: 2.0}, TypeError, arg, number(2.0)),
            Bad(f"{arg}=True", {arg: True}, TypeError, arg, "True"),
            Bad(f"{arg}='2'", {arg: "2"}, TypeError, arg, "2"),
            Bad(f"{arg}-tuple-with-float", {arg: (1,) * (nd - 1) + (1.5,)}, TypeError, arg, number(1.5)),
            Bad(f"{arg}-tuple-too-long", {arg: too_long}, ValueError, arg, sequence(too_long)),
        ]
    cases += [
        Bad("padding=-1", {"padding": -1}, ValueError, "padding", number(-1)),
        Bad("padding-tuple-with--2", {"padding": (0,) * (nd - 1) + (-2,)}, ValueError, "padding", number(-2)),
        Bad("padding=1.5", {"padding": 1.5}, TypeError, "padding", number(1.5)),
        Bad("padding-tuple-too-long", {"padding": too_long}, ValueError, "padding", sequence(too_long)),
        Bad("padding='full'", {"padding": "full"}, ValueError, "padding", "full"),
        Bad("groups=0", {"groups": 0}, ValueError, "groups", number(0)),
        Bad("groups=-1", {"groups": -1}, ValueError, "groups", number(-1)),
        Bad("groups=2.0", {"groups": 2.0}, TypeError, "groups", number(2.0)),
        Bad("groups='2'", {"groups": "2"}, TypeError, "groups", "2"),
        Bad("groups=True", {"groups": True}, TypeError, "groups", "True"),
    ]
    transposed_only = [
        Bad("output_padding=-1", {"output_padding": -1}, ValueError, "output_padding", number(-1)),
        Bad(
            "output_padding=stride",
            {"output_padding": 2, "stride": 2},
            ValueError,
            "output_padding",
            number(2),
        ),
        Bad("output_padding-with-stride-1", {"output_padding": 1}, ValueError, "output_padding", number(1)),
        Bad(
            "output_padding=max(stride,dilation)",
            {"output_padding": 3, "stride": 2, "dilation": 3},
            ValueError,
            "output_padding",
            number(3),
        ),
        Bad(
            "output_padding-tuple-with-2",
            {"output_padding": (0,) * (nd - 1) + (2,), "stride": 2},
            ValueError,
            "output_padding",
            number(2),
        ),
        Bad("output_padding=1.0", {"output_padding": 1.0, "stride": 2}, TypeError, "output_padding", number(1.0)),
        Bad(
            "same-with-output_padding=stride",
            {"padding": "same", "output_padding": 2, "stride": 2},
            ValueError,
            "output_padding",
            number(2),
        ),
        Bad(
            "padding-pair-crops-everything",
            {"padding": ((0, 0),) * (nd - 1) + ((1, 8),)},
            ValueError,
            "(?i:no output)",
            r"\(1, 8\)",
        ),
    ]
    cases += [
        Bad(c.id, c.kwargs, c.exc, c.name, c.shown, ops=TRANSPOSED) for c in transposed_only
    ]
    pairs = ((0, 0),) * (nd - 1)
    cases += [
        Bad("padding-pair-with--1", {"padding": pairs + ((1, -1),)}, ValueError, "padding", number(-1)),
        Bad("padding-pair-with-float", {"padding": pairs + ((0, 1.5),)}, TypeError, "padding", number(1.5)),
        Bad("padding-pair-of-three", {"padding": pairs + ((1, 2, 3),)}, ValueError, "padding",
            sequence((1, 2, 3))),
        Bad("padding-pair-of-one", {"padding": pairs + ((1,),)}, ValueError, "padding", sequence((1,))),
        Bad("padding-pairs-too-many", {"padding": ((1, 1),) * (nd + 1)}, ValueError, "padding",
            number(nd + 1)),
        Bad("padding-pair-string", {"padding": pairs + ("same",)}, TypeError, "padding", "same"),
        Bad("padding-set", {"padding": {1}}, TypeError, "padding", "set"),
        Bad("padding='same_upper'", {"padding": "same_upper"}, ValueError, "padding", "same_upper"),
    ]
    return cases


HYPER_CASES = [
    pytest.param(op, nd, case, id=f"{op}{nd}d-{case.id}")
    for nd in NDIMS
    for case in hyper_parameter_cases(nd)
    for op in case.ops
]


@pytest.mark.parametrize("op, nd, case", HYPER_CASES)
def test_bad_hyper_parameter(op, nd, case):
    with pytest.raises(case.exc, match=names_and_shows(case.name, case.shown)):
        CALLERS[op](nd, **case.kwargs)


def test_valid_arguments_of_the_bad_cases_are_accepted():
    """The bad cases above differ from a valid call in one argument only."""
    for nd in NDIMS:
        grouped_conv_weight = np.ones((6, 2) + (3,) * nd)
        for op, call in CALLERS.items():
            call(nd)
            call(nd, stride=2, dilation=2, padding=1)
            grouped = {"bias": None} if op == "conv_transpose" else {}
            if op in ("conv", "conv_matrix"):
                grouped["weight"] = grouped_conv_weight
            call(nd, groups=2, **grouped)
        call_conv_transpose(nd, output_padding=1, stride=2)
        call_conv_transpose(nd, output_padding=2, stride=2, dilation=3)
        call_conv_transpose(nd, output_padding=1, stride=1, dilation=2)
        call_conv_transpose_matrix(nd, output_padding=1, stride=2)
        call_conv(nd, padding="same")
        call_conv(nd, padding="valid")
        call_conv_transpose(nd, padding="same", stride=2)
        call_conv_transpose(nd, padding="same_lower", stride=2)
        call_conv_transpose(nd, padding="same", output_padding=1, stride=2)
        call_conv_transpose(nd, padding="valid", output_padding=1, stride=2)
        pairs = ((0, 0),) * (nd - 1)
        for call in CALLERS.values():
            call(nd, padding=pairs + ((1, 0),))
            call(nd, padding=[[0, 0]] * (nd - 1) + [[0, 1]])
            call(nd, padding=pairs + ((1, 6),), stride=2)
        call_conv(nd, padding="same", stride=2, dilation=2)
        call_conv(nd, padding="same_lower", stride=3)
        call_conv_matrix(nd, padding="same", stride=2)


def test_a_bare_pair_in_1d_is_explained():
    """In 1-D, (1, 2) has two entries for one dimension: the message says how to write a pair."""
    with pytest.raises(ValueError, match=re.escape("write ((1, 2),)")):
        call_conv(1, padding=(1, 2))
    assert call_conv(1, padding=((1, 2),)).shape[-1] == call_conv(1, padding=1).shape[-1] + 1


def test_numpy_integers_are_integers():
    x, w = conv_problem(2)["input"], conv_problem(2)["weight"]
    expected = tconv.conv2d(x, w, stride=2, padding=1, dilation=2)
    got = tconv.conv2d(x, w, stride=np.int64(2), padding=np.int32(1), dilation=(np.int64(2), 2))
    np.testing.assert_array_equal(got, expected)
    assert tconv.conv_output_size(np.int64(7), np.int64(3), stride=np.int64(2)) == 3


# ---------------------------------------------------------------------------------------------
# shapes and channels
# ---------------------------------------------------------------------------------------------


def rank_shown(array):
    return either(number(array.ndim), sequence(array.shape))


def shape_cases(nd):
    """(id, caller name, kwargs, exception, name regex, shown regex)."""
    rng = np.random.default_rng(nd)
    spatial = (7,) * nd
    k = (3,) * nd
    cases = []
    # ranks
    too_few = rng.standard_normal(spatial)
    too_many = rng.standard_normal((1, 1, 4) + spatial)
    for op in ("conv", "conv_transpose"):
        cases += [
            (f"{op}-input-rank-{nd}", op, {"input": too_few}, ValueError, "input", rank_shown(too_few)),
            (f"{op}-input-rank-{nd + 3}", op, {"input": too_many}, ValueError, "input", rank_shown(too_many)),
        ]
    for op, channels in (("conv", (6, 4)), ("conv_transpose", (4, 6))):
        weight_short = rng.standard_normal(channels + k[1:])
        weight_long = rng.standard_normal(channels + (1,) + k)
        for w in (weight_short, weight_long):
            cases.append((f"{op}-weight-rank-{w.ndim}", op, {"weight": w}, ValueError, "weight", rank_shown(w)))
    # channels
    cases += [
        (
            "conv-input-channels-5-for-weight-4",
            "conv",
            {"input": rng.standard_normal((2, 5) + spatial)},
            ValueError,
            "channel|input",
            number(5),
        ),
        (
            "conv_transpose-input-channels-5-for-weight-4",
            "conv_transpose",
            {"input": rng.standard_normal((2, 5) + spatial)},
            ValueError,
            "channel|input",
            number(5),
        ),
        (
            "conv-groups-4-not-dividing-out-channels-6",
            "conv",
            {"weight": rng.standard_normal((6, 1) + k), "groups": 4},
            ValueError,
            "groups",
            number(4),
        ),
        (
            "conv-groups-3-input-channels-4",
            "conv",
            {"weight": rng.standard_normal((6, 2) + k), "groups": 3},
            ValueError,
            "groups|channel|input",
            number(4),
        ),
        (
            "conv_transpose-groups-4-not-dividing-in-channels-6",
            "conv_transpose",
            {"input": rng.standard_normal((2, 6) + spatial), "weight": rng.standard_normal((6, 1) + k), "groups": 4},
            ValueError,
            "groups",
            number(4),
        ),
        (
            "conv_matrix-groups-4-not-dividing-out-channels-6",
            "conv_matrix",
            {"weight": rng.standard_normal((6, 1) + k), "input_shape": (4,) + spatial, "groups": 4},
            ValueError,
            "groups",
            number(4),
        ),
        (
            "conv_transpose_matrix-groups-4-not-dividing-in-channels-6",
            "conv_transpose_matrix",
            {"weight": rng.standard_normal((6, 1) + k), "input_shape": (6,) + spatial, "groups": 4},
            ValueError,
            "groups",
            number(4),
        ),
        (
            "conv_matrix-input_shape-channels-5-for-weight-4",
            "conv_matrix",
            {"input_shape": (5,) + spatial},
            ValueError,
            "channel|input_shape",
            number(5),
        ),
        (
            "conv_transpose_matrix-input_shape-channels-5-for-weight-4",
            "conv_transpose_matrix",
            {"input_shape": (5,) + spatial},
            ValueError,
            "channel|input_shape",
            number(5),
        ),
    ]
    # zero sizes (batch 0 is fine, see test_empty_batch)
    zero_spatial = (7,) * (nd - 1) + (0,)
    for op in ("conv", "conv_transpose"):
        cases += [
            (
                f"{op}-zero-size-spatial-dim",
                op,
                {"input": np.zeros((2, 4) + zero_spatial)},
                ValueError,
                "input",
                either(number(0), sequence((2, 4) + zero_spatial)),
            ),
        ]
    cases += [
        (
            "conv-zero-input-channels",
            "conv",
            {"input": np.zeros((2, 0) + spatial), "weight": np.zeros((6, 0) + k)},
            ValueError,
            "channel|input|weight",
            number(0),
        ),
        ("conv-zero-output-channels", "conv", {"weight": np.zeros((0, 4) + k), "bias": None}, ValueError, "channel|weight", number(0)),
        (
            "conv_transpose-zero-input-channels",
            "conv_transpose",
            {"input": np.zeros((2, 0) + spatial), "weight": np.zeros((0, 6) + k)},
            ValueError,
            "channel|input|weight",
            number(0),
        ),
        (
            "conv_transpose-zero-output-channels",
            "conv_transpose",
            {"weight": np.zeros((4, 0) + k), "bias": None},
            ValueError,
            "channel|weight",
            number(0),
        ),
        (
            "conv_matrix-zero-size-input_shape",
            "conv_matrix",
            {"input_shape": (4,) + zero_spatial},
            ValueError,
            "input_shape",
            number(0),
        ),
        (
            "conv_matrix-negative-input_shape",
            "conv_matrix",
            {"input_shape": (4,) + (7,) * (nd - 1) + (-3,)},
            ValueError,
            "input_shape",
            number(-3),
        ),
        (
            "conv_transpose_matrix-zero-size-input_shape",
            "conv_transpose_matrix",
            {"input_shape": (4,) + zero_spatial},
            ValueError,
            "input_shape",
            number(0),
        ),
        (
            "conv_matrix-input_shape-length-mismatch",
            "conv_matrix",
            {"input_shape": spatial},
            ValueError,
            "input_shape|weight",
            either(sequence(spatial), number(nd)),
        ),
        (
            "conv_transpose_matrix-input_shape-length-mismatch",
            "conv_transpose_matrix",
            {"input_shape": spatial},
            ValueError,
            "input_shape|weight",
            either(sequence(spatial), number(nd)),
        ),
    ]
    # bias
    for op in ("conv", "conv_transpose"):
        cases += [
            (f"{op}-bias-length-7", op, {"bias": np.ones(7)}, ValueError, "bias", number(7)),
            (f"{op}-bias-rank-2", op, {"bias": np.ones((1, 6))}, ValueError, "bias", either(number(2), sequence((1, 6)))),
        ]
    # no output: kernel 5 on 3 samples, or a crop of 2 on a transposed output of 3
    cases += [
        (
            "conv-kernel-larger-than-padded-input",
            "conv",
            {"input": np.ones((1, 4) + (3,) * nd), "weight": np.ones((6, 4) + (5,) * nd)},
            ValueError,
            "(?i:output|kernel|input)",
            either(number(5), number(-1)),
        ),
        (
            "conv_matrix-kernel-larger-than-input",
            "conv_matrix",
            {"weight": np.ones((6, 4) + (5,) * nd), "input_shape": (4,) + (3,) * nd},
            ValueError,
            "(?i:output|kernel|input)",
            either(number(5), number(-1)),
        ),
        (
            "conv_transpose-padding-crops-everything",
            "conv_transpose",
            {"input": np.ones((1, 4) + (1,) * nd), "padding": 2},
            ValueError,
            "(?i:output|padding)",
            either(number(2), number(-1)),
        ),
        (
            "conv_transpose_matrix-padding-crops-everything",
            "conv_transpose_matrix",
            {"input_shape": (4,) + (1,) * nd, "padding": 2},
            ValueError,
            "(?i:output|padding)",
            either(number(2), number(-1)),
        ),
    ]
    # non-numeric input and weight
    for kind, shown in DTYPE_SHOWN.items():
        for op in ("conv", "conv_transpose"):
            problem = (conv_problem if op == "conv" else conv_transpose_problem)(nd)
            cases.append(
                (
                    f"{op}-input-{kind}",
                    op,
                    {"input": bad_dtype_array(kind, problem["input"].shape, rng)},
                    TypeError,
                    "input",
                    shown,
                )
            )
            if kind == "float16":
                continue  # weights are cast to the input's dtype; float16 is only a bad input
            cases.append(
                (
                    f"{op}-weight-{kind}",
                    op,
                    {"weight": bad_dtype_array(kind, problem["weight"].shape, rng)},
                    TypeError,
                    "weight",
                    shown,
                )
            )
        for op in ("conv_matrix", "conv_transpose_matrix"):
            if kind == "float16":
                continue  # the matrices keep the kernel's dtype; only non-numeric kernels are bad
            problem = (conv_problem if op == "conv_matrix" else conv_transpose_problem)(nd)
            cases.append(
                (
                    f"{op}-weight-{kind}",
                    op,
                    {"weight": bad_dtype_array(kind, problem["weight"].shape, rng)},
                    TypeError,
                    "weight",
                    shown,
                )
            )
    return cases


SHAPE_CASES = [
    pytest.param(op, nd, kwargs, exc, name, shown, id=f"{nd}d-{case_id}")
    for nd in NDIMS
    for case_id, op, kwargs, exc, name, shown in shape_cases(nd)
]


@pytest.mark.parametrize("op, nd, kwargs, exc, name, shown", SHAPE_CASES)
def test_bad_shape_channels_or_dtype(op, nd, kwargs, exc, name, shown):
    with pytest.raises(exc, match=names_and_shows(name, shown)):
        CALLERS[op](nd, **kwargs)


@pytest.mark.parametrize("backend", ["fast", "Matrix", "", "numba"])
@pytest.mark.parametrize("nd", NDIMS)
def test_unknown_backend_lists_the_valid_ones(nd, backend):
    pattern = names_and_shows("backend", re.escape(repr(backend)) if backend == "" else re.escape(backend))
    with pytest.raises(ValueError, match=pattern) as info:
        call_conv_transpose(nd, backend=backend)
    for valid in BACKENDS:
        assert valid in str(info.value)


# ---------------------------------------------------------------------------------------------
# size functions
# ---------------------------------------------------------------------------------------------

SIZE_CASES = [
    # (id, function, args, kwargs, exception, name regex, shown regex)
    ("conv-stride-0", tconv.conv_output_size, (7, 3), {"stride": 0}, ValueError, "stride", number(0)),
    ("conv-stride--2", tconv.conv_output_size, (7, 3), {"stride": -2}, ValueError, "stride", number(-2)),
    ("conv-stride-2.0", tconv.conv_output_size, (7, 3), {"stride": 2.0}, TypeError, "stride", number(2.0)),
    ("conv-stride-True", tconv.conv_output_size, (7, 3), {"stride": True}, TypeError, "stride", "True"),
    ("conv-stride-str", tconv.conv_output_size, (7, 3), {"stride": "2"}, TypeError, "stride", "2"),
    ("conv-dilation-0", tconv.conv_output_size, (7, 3), {"dilation": 0}, ValueError, "dilation", number(0)),
    ("conv-dilation-1.0", tconv.conv_output_size, (7, 3), {"dilation": 1.0}, TypeError, "dilation", number(1.0)),
    ("conv-padding--1", tconv.conv_output_size, (7, 3), {"padding": -1}, ValueError, "padding", number(-1)),
    ("conv-padding-0.5", tconv.conv_output_size, (7, 3), {"padding": 0.5}, TypeError, "padding", number(0.5)),
    ("conv-kernel-0", tconv.conv_output_size, (7, 0), {}, ValueError, "kernel_size", number(0)),
    ("conv-kernel--3", tconv.conv_output_size, (7, -3), {}, ValueError, "kernel_size", number(-3)),
    ("conv-kernel-3.0", tconv.conv_output_size, (7, 3.0), {}, TypeError, "kernel_size", number(3.0)),
    ("conv-input-0", tconv.conv_output_size, (0, 3), {}, ValueError, "input_size", number(0)),
    ("conv-input--7", tconv.conv_output_size, (-7, 3), {}, ValueError, "input_size", number(-7)),
    ("conv-input-7.0", tconv.conv_output_size, (7.0, 3), {}, TypeError, "input_size", number(7.0)),
    ("conv-input-str", tconv.conv_output_size, ("7", 3), {}, TypeError, "input_size", "7"),
    ("conv-no-output", tconv.conv_output_size, (2, 5), {}, ValueError, "(?i:output|kernel|input)", either(number(5), number(-2))),
    (
        "conv-no-output-dilated",
        tconv.conv_output_size,
        (4, 3),
        {"dilation": 3},
        ValueError,
        "(?i:output|kernel|dilation|input)",
        either(number(3), number(-2), number(4), number(7)),  # kernel/dilation, output, input, k_hat
    ),
    (
        "conv-tuple-length-mismatch",
        tconv.conv_output_size,
        ((7, 7), (3, 3, 3)),
        {},
        ValueError,
        "kernel_size|input_size",
        sequence((3, 3, 3)),
    ),
    (
        "conv-stride-tuple-length-mismatch",
        tconv.conv_output_size,
        ((7, 7), 3),
        {"stride": (1, 1, 1)},
        ValueError,
        "stride",
        sequence((1, 1, 1)),
    ),
    ("conv-tuple-with-0", tconv.conv_output_size, ((7, 7), (3, 0)), {}, ValueError, "kernel_size", number(0)),
    ("ct-stride-0", tconv.conv_transpose_output_size, (4, 3), {"stride": 0}, ValueError, "stride", number(0)),
    ("ct-dilation--1", tconv.conv_transpose_output_size, (4, 3), {"dilation": -1}, ValueError, "dilation", number(-1)),
    ("ct-padding--1", tconv.conv_transpose_output_size, (4, 3), {"padding": -1}, ValueError, "padding", number(-1)),
    ("ct-kernel-0", tconv.conv_transpose_output_size, (4, 0), {}, ValueError, "kernel_size", number(0)),
    ("ct-input-0", tconv.conv_transpose_output_size, (0, 3), {}, ValueError, "input_size", number(0)),
    ("ct-output_padding--1", tconv.conv_transpose_output_size, (4, 3), {"output_padding": -1}, ValueError, "output_padding", number(-1)),
    (
        "ct-output_padding-equal-stride",
        tconv.conv_transpose_output_size,
        (4, 3),
        {"stride": 2, "output_padding": 2},
        ValueError,
        "output_padding",
        number(2),
    ),
    (
        "ct-output_padding-equal-dilation",
        tconv.conv_transpose_output_size,
        (4, 3),
        {"stride": 1, "dilation": 2, "output_padding": 2},
        ValueError,
        "output_padding",
        number(2),
    ),
    ("ct-output_padding-1.0", tconv.conv_transpose_output_size, (4, 3), {"stride": 2, "output_padding": 1.0}, TypeError, "output_padding", number(1.0)),
    ("ct-stride-True", tconv.conv_transpose_output_size, (4, 3), {"stride": True}, TypeError, "stride", "True"),
    ("ct-no-output", tconv.conv_transpose_output_size, (1, 3), {"padding": 2}, ValueError, "(?i:output|padding)", either(number(2), number(-1))),
    (
        "ct-tuple-length-mismatch",
        tconv.conv_transpose_output_size,
        ((4, 4), 3),
        {"output_padding": (0, 0, 0)},
        ValueError,
        "output_padding",
        sequence((0, 0, 0)),
    ),
    ("opfs-too-small", tconv.output_padding_for_size, (4, 8, 3), {"stride": 2}, ValueError, "output_size", number(8)),
    ("opfs-too-large", tconv.output_padding_for_size, (4, 11, 3), {"stride": 2}, ValueError, "output_size", number(11)),
    ("opfs-output-0", tconv.output_padding_for_size, (4, 0, 3), {}, ValueError, "output_size", number(0)),
    ("opfs-output-9.0", tconv.output_padding_for_size, (4, 9.0, 3), {"stride": 2}, TypeError, "output_size", number(9.0)),
    ("opfs-stride-0", tconv.output_padding_for_size, (4, 9, 3), {"stride": 0}, ValueError, "stride", number(0)),
    ("opfs-padding--1", tconv.output_padding_for_size, (4, 9, 3), {"padding": -1}, ValueError, "padding", number(-1)),
    (
        "opfs-tuple-length-mismatch",
        tconv.output_padding_for_size,
        ((4, 4), (9, 9, 9), 3),
        {"stride": 2},
        ValueError,
        "output_size|input_size",
        sequence((9, 9, 9)),
    ),
    ("cs-pair--1", tconv.conv_output_size, (7, 3), {"padding": ((1, -1),)}, ValueError, "padding", number(-1)),
    ("cs-pair-of-three", tconv.conv_output_size, (7, 3), {"padding": ((1, 2, 3),)}, ValueError, "padding",
     sequence((1, 2, 3))),
    ("cs-pairs-length-mismatch", tconv.conv_output_size, ((7, 7), 3), {"padding": ((1, 2),)}, ValueError,
     "padding|input_size", sequence((7, 7))),
    ("cs-same-no-output", tconv.conv_output_size, (2, 5), {"padding": ((0, 1),)}, ValueError, "(?i:no output)",
     r"\(0, 1\)"),
    ("ct-pair-no-output", tconv.conv_transpose_output_size, (2, 3), {"padding": ((3, 1),)}, ValueError,
     "(?i:no output)", r"\(3, 1\)"),
    ("opfs-same", tconv.output_padding_for_size, (4, 8, 3), {"stride": 2, "padding": "same"}, ValueError,
     "padding", "same"),
    ("cs-same-input-0", tconv.same_padding, (0, 3), {}, ValueError, "input_size", number(0)),
    ("cs-same-stride-1.0", tconv.same_padding, (5, 3), {"stride": 1.0}, TypeError, "stride", number(1.0)),
    ("cs-same-lower-1", tconv.same_padding, (5, 3), {"lower": 1}, TypeError, "lower", number(1)),
    ("same-output_padding-2", tconv.same_padding_transpose, (3,), {"stride": 2, "output_padding": 2}, ValueError,
     "output_padding", number(2)),
    ("same-kernel-0", tconv.same_padding_transpose, (0,), {}, ValueError, "kernel_size", number(0)),
    ("same-kernel--1", tconv.same_padding_transpose, (-1,), {}, ValueError, "kernel_size", number(-1)),
    ("same-kernel-3.0", tconv.same_padding_transpose, (3.0,), {}, TypeError, "kernel_size", number(3.0)),
    ("same-stride-0", tconv.same_padding_transpose, (3,), {"stride": 0}, ValueError, "stride", number(0)),
    ("same-stride-2.0", tconv.same_padding_transpose, (3,), {"stride": 2.0}, TypeError, "stride", number(2.0)),
    ("same-dilation-0", tconv.same_padding_transpose, (3,), {"dilation": 0}, ValueError, "dilation", number(0)),
    ("same-dilation-True", tconv.same_padding_transpose, (3,), {"dilation": True}, TypeError, "dilation", "True"),
    (
        "same-tuple-length-mismatch",
        tconv.same_padding_transpose,
        ((3, 3),),
        {"stride": (1, 2, 1)},
        ValueError,
        "stride",
        sequence((1, 2, 1)),
    ),
]


@pytest.mark.parametrize(
    "function, args, kwargs, exc, name, shown",
    [pytest.param(*case[1:], id=case[0]) for case in SIZE_CASES],
)
def test_bad_size_arguments(function, args, kwargs, exc, name, shown):
    with pytest.raises(exc, match=names_and_shows(name, shown)):
        function(*args, **kwargs)


# ---------------------------------------------------------------------------------------------
# single-channel helpers
# ---------------------------------------------------------------------------------------------

IMAGE = np.arange(36.0).reshape(6, 6)
KERNEL = np.arange(9.0).reshape(3, 3)
SINGLE_HELPERS = ("conv2d_single", "conv_transpose2d_single", "conv_transpose2d_by_zero_insertion")


def single_cases():
    rng = np.random.default_rng(5)
    common = [
        ("stride-0", {"stride": 0}, ValueError, "stride", number(0)),
        ("stride--1", {"stride": -1}, ValueError, "stride", number(-1)),
        ("stride-2.0", {"stride": 2.0}, TypeError, "stride", number(2.0)),
        ("stride-True", {"stride": True}, TypeError, "stride", "True"),
        ("dilation-0", {"dilation": 0}, ValueError, "dilation", number(0)),
        ("dilation-1.5", {"dilation": 1.5}, TypeError, "dilation", number(1.5)),
        ("padding--1", {"padding": -1}, ValueError, "padding", number(-1)),
        ("stride-tuple-too-long", {"stride": (1, 1, 1)}, ValueError, "stride", sequence((1, 1, 1))),
        ("image-3d", {"image": np.ones((1, 6, 6))}, ValueError, "image", either(number(3), sequence((1, 6, 6)))),
        ("image-1d", {"image": np.ones(6)}, ValueError, "image", either(number(1), sequence((6,)))),
        ("kernel-3d", {"kernel": np.ones((1, 3, 3))}, ValueError, "kernel", either(number(3), sequence((1, 3, 3)))),
        ("image-zero-size", {"image": np.ones((0, 6))}, ValueError, "image", number(0)),
        ("kernel-zero-size", {"kernel": np.ones((3, 0))}, ValueError, "kernel", number(0)),
    ]
    for kind, shown in NON_NUMERIC.items():
        common.append((f"image-{kind}", {"image": bad_dtype_array(kind, IMAGE.shape, rng)}, TypeError, "image", shown))
        common.append((f"kernel-{kind}", {"kernel": bad_dtype_array(kind, KERNEL.shape, rng)}, TypeError, "kernel", shown))
    cases = [(helper, *case) for helper in SINGLE_HELPERS for case in common]
    cases.append(
        (
            "conv2d_single",
            "kernel-larger-than-image",
            {"image": np.ones((2, 2))},
            ValueError,
            "(?i:output|kernel|image)",
            either(number(3), number(0)),
        )
    )
    for helper in SINGLE_HELPERS[1:]:
        cases += [
            (helper, "output_padding--1", {"output_padding": -1}, ValueError, "output_padding", number(-1)),
            (helper, "output_padding=stride", {"output_padding": 2, "stride": 2}, ValueError, "output_padding", number(2)),
            (helper, "output_padding-with-stride-1", {"output_padding": 1}, ValueError, "output_padding", number(1)),
            (helper, "padding-crops-everything", {"image": np.ones((1, 1)), "padding": 2}, ValueError, "(?i:output|padding)", either(number(2), number(-1))),
        ]
    return cases


@pytest.mark.parametrize(
    "helper, kwargs, exc, name, shown",
    [pytest.param(helper, *rest, id=f"{helper}-{case_id}") for helper, case_id, *rest in single_cases()],
)
def test_bad_single_channel_arguments(helper, kwargs, exc, name, shown):
    args = {"image": IMAGE, "kernel": KERNEL}
    args.update(kwargs)
    with pytest.raises(exc, match=names_and_shows(name, shown)):
        getattr(single_channel, helper)(**args)


@pytest.mark.parametrize(
    "stride, exc, shown",
    [(0, ValueError, number(0)), (-2, ValueError, number(-2)), (2.0, TypeError, number(2.0)), (True, TypeError, "True")],
)
def test_bad_insert_zeros_stride(stride, exc, shown):
    with pytest.raises(exc, match=names_and_shows("stride", shown)):
        single_channel.insert_zeros(IMAGE, stride)


# ---------------------------------------------------------------------------------------------
# dense matrices: refused before allocating; sparse works for the same shape
# ---------------------------------------------------------------------------------------------


def peak_traced_bytes(function):
    """Run function(); return (its result or exception, peak bytes traced by tracemalloc)."""
    tracemalloc.start()
    try:
        try:
            result = function()
        except Exception as error:  # noqa: BLE001 - returned to the caller for checking
            result = error
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


HUGE = [
    # (id, function, weight, input_shape): dense matrices of 64 GB to 340 GB
    ("conv_matrix-kernel-300x300", tconv.conv_matrix, np.arange(1.0, 10.0).reshape(3, 3), (300, 300)),
    ("conv_matrix-channels-3x200x200", tconv.conv_matrix, np.arange(1.0, 55.0).reshape(2, 3, 3, 3), (3, 200, 200)),
    ("conv_transpose_matrix-kernel-298x298", tconv.conv_transpose_matrix, np.arange(1.0, 10.0).reshape(3, 3), (298, 298)),
    ("conv_matrix-3d-1x60x60x60", tconv.conv_matrix, np.arange(1.0, 28.0).reshape(1, 1, 3, 3, 3), (1, 60, 60, 60)),
]


@pytest.mark.parametrize("function, weight, input_shape", [pytest.param(*c[1:], id=c[0]) for c in HUGE])
def test_huge_dense_matrix_refused_before_allocating(function, weight, input_shape):
    error, peak = peak_traced_bytes(lambda: function(weight, input_shape))
    assert isinstance(error, ValueError), error
    assert "sparse=True" in str(error)
    assert peak < 16 * 2**20  # the dense matrix would need tens of gigabytes


BAD_ON_LARGE_INPUT = [
    ("conv2d-stride-0", "conv2d", dict(stride=0)),
    ("conv2d-groups-3", "conv2d", dict(groups=3)),
    ("conv_transpose2d-output_padding-2", "conv_transpose2d", dict(output_padding=2)),
    ("conv_transpose2d-backend", "conv_transpose2d", dict(backend="fast")),
    ("conv_transpose2d-bias-length", "conv_transpose2d", dict(bias=np.ones(5, dtype=np.float32))),
]


@pytest.mark.parametrize("function, kwargs", [pytest.param(f, k, id=i) for i, f, k in BAD_ON_LARGE_INPUT])
def test_bad_arguments_refused_before_any_work(function, kwargs):
    """A 16 MB float32 input: no copy, cast or output is made before the bad argument is seen."""
    x = np.ones((1, 4, 1024, 1024), dtype=np.float32)
    w = np.ones((4, 4, 3, 3), dtype=np.float32)
    error, peak = peak_traced_bytes(lambda: getattr(tconv, function)(x, w, **kwargs))
    assert isinstance(error, ValueError), error
    assert peak < 2**20


def conv_shapes(weight, input_shape, transposed):
    """(rows, columns) of the matrix, from the size arithmetic."""
    spatial_nd = weight.ndim if weight.ndim == len(input_shape) else weight.ndim - 2
    kernel = weight.shape[-spatial_nd:]
    spatial = input_shape[-spatial_nd:]
    if weight.ndim == len(input_shape):
        channels_out = 1
    else:
        channels_out = weight.shape[1] if transposed else weight.shape[0]
    size = tconv.conv_transpose_output_size if transposed else tconv.conv_output_size
    out_spatial = size(tuple(spatial), tuple(kernel))
    return channels_out * int(np.prod(out_spatial)), int(np.prod(input_shape)), out_spatial


@pytest.mark.parametrize("function, weight, input_shape", [pytest.param(*c[1:], id=c[0]) for c in HUGE])
def test_huge_matrix_works_with_sparse_true(function, weight, input_shape):
    transposed = function is tconv.conv_transpose_matrix
    matrix = function(weight, input_shape, sparse=True)
    assert scipy.sparse.issparse(matrix)
    rows, columns, out_spatial = conv_shapes(weight, input_shape, transposed)
    assert matrix.shape == (rows, columns)
    # every weight is nonzero, there is no padding, and each (output, input) pair meets at most
    # one tap: one stored entry per (output of the convolution, tap feeding it), where for the
    # transposed matrix the convolution is its adjoint (outputs = the columns)
    one_channel = weight.ndim == len(input_shape)
    taps = weight.size if one_channel else int(np.prod(weight.shape[1:]))
    assert matrix.nnz == (columns if transposed else rows) * taps
    x = np.random.default_rng(0).standard_normal(input_shape)
    if function is tconv.conv_matrix and weight.ndim == len(input_shape):
        expected = single_channel.conv2d_single(x, weight).ravel()
    elif function is tconv.conv_matrix:
        conv = getattr(tconv, f"conv{weight.ndim - 2}d")
        expected = conv(x, weight).ravel()
    else:
        expected = single_channel.conv_transpose2d_single(x, weight).ravel()
    np.testing.assert_allclose(matrix @ x.ravel(), expected, rtol=1e-10, atol=1e-10)


def test_max_dense_bytes_is_the_limit():
    kernel = np.arange(1.0, 10.0).reshape(3, 3)  # A is 4 x 16 float64 = 512 bytes
    assert tconv.conv_matrix(kernel, (4, 4), max_dense_bytes=512).shape == (4, 16)
    with pytest.raises(ValueError, match="sparse=True"):
        tconv.conv_matrix(kernel, (4, 4), max_dense_bytes=511)
    with pytest.raises(ValueError, match="sparse=True"):
        tconv.conv_transpose_matrix(kernel, (2, 2), max_dense_bytes=511)
    sparse = tconv.conv_matrix(kernel, (4, 4), max_dense_bytes=1, sparse=True)
    np.testing.assert_array_equal(sparse.toarray(), tconv.conv_matrix(kernel, (4, 4)))


# ---------------------------------------------------------------------------------------------
# NaN and inf propagate exactly along the matrix's sparsity pattern
# ---------------------------------------------------------------------------------------------


def nonzero_weight(shape, rng):
    """Weights bounded away from zero, so the sparse pattern is exactly the connectivity."""
    return rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)


def touched_outputs(matrix, column):
    """Boolean mask over the matrix's rows that have a nonzero entry in `column`."""
    coo = scipy.sparse.coo_array(matrix)
    mask = np.zeros(matrix.shape[0], dtype=bool)
    mask[coo.row[(coo.col == column) & (coo.data != 0)]] = True
    return mask


SPECIAL_CONFIGS = [
    # (id, transposed, kwargs)
    ("conv-plain", False, dict()),
    ("conv-strided-padded", False, dict(stride=2, padding=1)),
    ("conv-dilated-groups", False, dict(dilation=2, groups=2, padding=2)),
    ("conv_transpose-plain", True, dict()),
    ("conv_transpose-strided", True, dict(stride=2, padding=1, output_padding=1)),
    ("conv_transpose-dilated-groups", True, dict(dilation=2, groups=2, padding=1)),
]


def special_problem(nd, transposed, kwargs, rng):
    groups = kwargs.get("groups", 1)
    c_in, c_out = 4, 6
    size = 9 if nd < 3 else 6
    x = rng.standard_normal((2, c_in) + (size,) * nd)
    if transposed:
        w = nonzero_weight((c_in, c_out // groups) + (3,) * nd, rng)
    else:
        w = nonzero_weight((c_out, c_in // groups) + (3,) * nd, rng)
    return x, w, rng.standard_normal(c_out)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("transposed, kwargs", [pytest.param(t, k, id=i) for i, t, k in SPECIAL_CONFIGS])
@pytest.mark.parametrize("nd", NDIMS)
def test_nan_and_inf_reach_exactly_the_connected_outputs(nd, transposed, kwargs, value):
    rng = np.random.default_rng(7)
    x, w, b = special_problem(nd, transposed, kwargs, rng)
    where = (1,) + tuple(s // 2 for s in x.shape[2:])  # a central position of channel 1
    x[(0,) + where] = value
    if transposed:
        matrix = tconv.conv_transpose_matrix(w, x.shape[1:], sparse=True, **kwargs)
        operators = [
            lambda backend=backend: getattr(tconv, f"conv_transpose{nd}d")(x, w, b, backend=backend, **kwargs)
            for backend in BACKENDS
        ]
    else:
        matrix = tconv.conv_matrix(w, x.shape[1:], sparse=True, **kwargs)
        operators = [lambda: getattr(tconv, f"conv{nd}d")(x, w, b, **kwargs)]
    touched = touched_outputs(matrix, np.ravel_multi_index(where, x.shape[1:]))
    assert touched.any() and not touched.all()
    for operator in operators:
        out = operator()
        first = out[0].ravel()
        if np.isnan(value):
            assert np.isnan(first[touched]).all()
        else:
            assert np.isinf(first[touched]).all()
        assert np.isfinite(first[~touched]).all()
        assert np.isfinite(out[1]).all()  # the other batch element is untouched


# ---------------------------------------------------------------------------------------------
# inputs are never modified; layouts and read-only arrays give the same results
# ---------------------------------------------------------------------------------------------


def all_operators(nd):
    """(name, function(x, w, b)) for every operator on the default problems."""
    ops = [("conv", lambda x, w, b: getattr(tconv, f"conv{nd}d")(x, w, b, stride=2, padding=1, groups=2))]
    for backend in BACKENDS:
        ops.append(
            (
                f"conv_transpose-{backend}",
                lambda x, w, b, backend=backend: getattr(tconv, f"conv_transpose{nd}d")(
                    x, w, b, stride=2, padding=1, output_padding=1, groups=2, backend=backend
                ),
            )
        )
    ops.append(("conv_matrix", lambda x, w, b: tconv.conv_matrix(w, x.shape[1:], stride=2, padding=1, groups=2)))
    ops.append(
        (
            "conv_transpose_matrix",
            lambda x, w, b: tconv.conv_transpose_matrix(w, x.shape[1:], stride=2, padding=1, output_padding=1, groups=2),
        )
    )
    return ops


def operator_problem(name, nd, rng):
    c_in, c_out, size = 4, 6, (6 if nd < 3 else 4)
    x = rng.standard_normal((2, c_in) + (size,) * nd)
    if name.startswith("conv_transpose"):
        w = rng.standard_normal((c_in, c_out // 2) + (3,) * nd)
    else:
        w = rng.standard_normal((c_out, c_in // 2) + (3,) * nd)
    return x, w, rng.standard_normal(c_out)


OPERATOR_CASES = [
    pytest.param(nd, name, function, id=f"{nd}d-{name}") for nd in NDIMS for name, function in all_operators(nd)
]


@pytest.mark.parametrize("nd, name, function", OPERATOR_CASES)
def test_inputs_are_not_modified(nd, name, function):
    x, w, b = operator_problem(name, nd, np.random.default_rng(3))
    copies = [a.copy() for a in (x, w, b)]
    function(x, w, b)
    for original, copy in zip((x, w, b), copies):
        np.testing.assert_array_equal(original, copy)


def read_only(array):
    array = array.copy()
    array.flags.writeable = False
    return array


def strided(array):
    """A non-contiguous view with the same values: every other element of a larger array."""
    big = np.zeros(tuple(2 * s for s in array.shape), dtype=array.dtype)
    view = big[tuple(slice(None, None, 2) for _ in array.shape)]
    view[...] = array
    return view


def reversed_strides(array):
    """A view with negative strides and the same values."""
    flipped = array[tuple(slice(None, None, -1) for _ in array.shape)].copy()
    return flipped[tuple(slice(None, None, -1) for _ in array.shape)]


def strided_read_only_fortran(array):
    view = strided(np.asfortranarray(array))
    view.flags.writeable = False
    return view


LAYOUTS = {
    "strided": strided,
    "fortran": np.asfortranarray,
    "read-only": read_only,
    "negative-strides": reversed_strides,
    "strided-read-only": strided_read_only_fortran,
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("nd, name, function", OPERATOR_CASES)
def test_layouts_give_the_same_result(nd, name, function, layout):
    x, w, b = operator_problem(name, nd, np.random.default_rng(4))
    expected = function(x, w, b)
    make = LAYOUTS[layout]
    x2, w2, b2 = make(x), make(w), make(b)
    if layout in ("strided", "negative-strides"):
        assert not x2.flags.c_contiguous and not w2.flags.c_contiguous
    if layout == "fortran" and nd > 0:
        assert not x2.flags.c_contiguous
    for original, changed in zip((x, w, b), (x2, w2, b2)):
        np.testing.assert_array_equal(original, changed)
    got = function(x2, w2, b2)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("helper", SINGLE_HELPERS)
def test_single_channel_helpers_accept_any_layout(helper, layout):
    rng = np.random.default_rng(8)
    image, kernel = rng.standard_normal((5, 6)), rng.standard_normal((3, 2))
    expected = getattr(single_channel, helper)(image, kernel, stride=2, padding=1, dilation=1)
    got = getattr(single_channel, helper)(LAYOUTS[layout](image), LAYOUTS[layout](kernel), stride=2, padding=1, dilation=1)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("helper", SINGLE_HELPERS)
def test_single_channel_helpers_do_not_modify_inputs(helper):
    image, kernel = np.arange(30.0).reshape(5, 6), np.arange(6.0).reshape(3, 2)
    image_copy, kernel_copy = image.copy(), kernel.copy()
    getattr(single_channel, helper)(image, kernel, stride=2, padding=1)
    getattr(single_channel, helper)(read_only(image), read_only(kernel), stride=2, padding=1)
    np.testing.assert_array_equal(image, image_copy)
    np.testing.assert_array_equal(kernel, kernel_copy)


# ---------------------------------------------------------------------------------------------
# batch size 0
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("nd", NDIMS)
def test_empty_batch_conv(nd):
    problem = conv_problem(nd)
    x = np.zeros((0,) + problem["input"].shape[1:])
    out = getattr(tconv, f"conv{nd}d")(x, problem["weight"], problem["bias"], stride=2, padding=1)
    assert out.shape == (0, 6) + tconv.conv_output_size((7,) * nd, 3, stride=2, padding=1)
    assert out.dtype == np.float64


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("nd", NDIMS)
def test_empty_batch_conv_transpose(nd, backend):
    problem = conv_transpose_problem(nd)
    x = np.zeros((0,) + problem["input"].shape[1:], dtype=np.float32)
    out = getattr(tconv, f"conv_transpose{nd}d")(
        x, problem["weight"], problem["bias"], stride=2, padding=1, output_padding=1, backend=backend
    )
    expected_spatial = tconv.conv_transpose_output_size((5,) * nd, 3, 2, 1, 1)
    assert out.shape == (0, 6) + expected_spatial
    assert out.dtype == np.float32


# ---------------------------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------------------------

DTYPE_RULES = [
    # (input dtype, weight dtype, bias dtype, result dtype)
    (np.float32, np.float32, np.float32, np.float32),
    (np.float32, np.float64, np.float64, np.float32),
    (np.float64, np.float32, np.float32, np.float64),
    (np.float64, np.float64, None, np.float64),
    (np.int64, np.float64, np.float64, np.float64),
    (np.int32, np.float32, np.float32, np.float64),
    (np.uint8, np.int64, np.int16, np.float64),
    (np.int16, np.int16, None, np.float64),
]


def random_array(shape, dtype, rng):
    """Small integers for integer dtypes (0..4 for unsigned), normal samples for floats."""
    kind = np.dtype(dtype).kind
    if kind == "u":
        return rng.integers(0, 5, shape).astype(dtype)
    if kind == "i":
        return rng.integers(-3, 4, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def dtype_problem(transposed, x_dtype, w_dtype, b_dtype, rng):
    x = random_array((2, 4, 5, 5), x_dtype, rng)
    w = random_array((4, 3, 3, 3) if transposed else (3, 4, 3, 3), w_dtype, rng)
    b = None if b_dtype is None else random_array(3, b_dtype, rng)
    return x, w, b


@pytest.mark.parametrize("x_dtype, w_dtype, b_dtype, result", DTYPE_RULES, ids=lambda d: getattr(d, "__name__", str(d)))
@pytest.mark.parametrize("op", ["conv2d"] + [f"conv_transpose2d-{b}" for b in BACKENDS])
def test_dtype_rules(op, x_dtype, w_dtype, b_dtype, result):
    rng = np.random.default_rng(2)
    transposed = op.startswith("conv_transpose")
    x, w, b = dtype_problem(transposed, x_dtype, w_dtype, b_dtype, rng)
    if transposed:
        backend = op.split("-")[1]
        run = lambda *a: tconv.conv_transpose2d(*a, stride=2, output_padding=1, backend=backend)  # noqa: E731
    else:
        run = lambda *a: tconv.conv2d(*a, stride=2)  # noqa: E731
    out = run(x, w, b)
    assert out.dtype == result
    # reference: everything cast to the result dtype first, then computed in float64
    cast = lambda a: None if a is None else a.astype(result).astype(np.float64)  # noqa: E731
    reference = run(cast(x), cast(w), cast(b))
    tolerance = 1e-5 if result == np.float32 else 1e-12
    np.testing.assert_allclose(out, reference, rtol=tolerance, atol=tolerance * np.abs(reference).max())


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32])
def test_conv_matrix_keeps_the_kernel_dtype(dtype):
    kernel = np.arange(1, 10).reshape(3, 3).astype(dtype)
    for sparse in (False, True):
        a = tconv.conv_matrix(kernel, (4, 4), sparse=sparse)
        b = tconv.conv_transpose_matrix(kernel, (2, 2), sparse=sparse)
        assert a.dtype == dtype and b.dtype == dtype
        a = a.toarray() if sparse else a
        b = b.toarray() if sparse else b
        assert a[0, :3].tolist() == [1, 2, 3] and a[0, 4:7].tolist() == [4, 5, 6]
        np.testing.assert_array_equal(b, a.T)


@pytest.mark.parametrize(
    "image_dtype, kernel_dtype",
    [(np.int64, np.int64), (np.int32, np.int64), (np.int64, np.float64), (np.float32, np.float32), (np.float32, np.float64)],
)
@pytest.mark.parametrize("helper", SINGLE_HELPERS)
def test_single_channel_result_type(helper, image_dtype, kernel_dtype):
    image = np.arange(16).reshape(4, 4).astype(image_dtype)
    kernel = np.arange(1, 10).reshape(3, 3).astype(kernel_dtype)
    out = getattr(single_channel, helper)(image, kernel)
    assert out.dtype == np.result_type(image_dtype, kernel_dtype)
    exact = getattr(single_channel, helper)(image.astype(np.float64), kernel.astype(np.float64))
    np.testing.assert_allclose(out, exact, rtol=1e-6)


@pytest.mark.parametrize("ndim", NDIMS)
def test_absurd_sizes_are_refused_naming_the_arguments(ndim):
    x = np.ones((1, 1) + (2,) * ndim)
    w = np.ones((1, 1) + (1,) * ndim)
    transpose = getattr(tconv, f"conv_transpose{ndim}d")
    conv = getattr(tconv, f"conv{ndim}d")
    with pytest.raises(ValueError, match=r"the output, of shape \(1, 1, 4611686018427387905[,)].*"
                                         r"more than this machine's memory .*; check stride "
                                         r"\(4611686018427387904"):
        transpose(x, w, stride=2**62)
    with pytest.raises(ValueError, match=r"more than this machine's memory .*; check stride .* "
                                         r"padding \(4611686018427387904"):
        conv(x, w, padding=2**62)
