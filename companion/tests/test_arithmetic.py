"""Size arithmetic of convolution and transposed convolution.

Checks tconv.conv_output_size, conv_transpose_output_size, output_padding_for_size and
same_padding_transpose against brute-force counting and against every relationship of
Dumoulin & Visin, "A guide to convolution arithmetic for deep learning" (arXiv:1603.07285).
Notation as in the guide: i input size, k kernel size, s stride, p zero padding, o output size,
d dilation, k_hat = k + (k - 1)(d - 1) the effective (dilated) kernel size; primed quantities
belong to the transposed convolution.
"""

import numbers

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tconv
from tconv.course import single_channel

EXAMPLES = settings(deadline=None, max_examples=150)

sizes = st.integers(1, 40)
kernels = st.integers(1, 7)
strides = st.integers(1, 5)
dilations = st.integers(1, 4)
paddings = st.integers(0, 8)


# ---------------------------------------------------------------------------------------------
# brute-force references
# ---------------------------------------------------------------------------------------------


def effective_kernel(k, d):
    """k_hat: the extent of a kernel of size k with dilation d."""
    return k + (k - 1) * (d - 1)


def count_window_positions(i, k, s=1, p=0, d=1):
    """Number of positions of a (dilated) window sliding with step s over the padded input."""
    padded = [0] * p + [1] * i + [0] * p
    extent = effective_kernel(k, d)
    count = 0
    start = 0
    while start + extent <= len(padded):
        count += 1
        start += s
    return count


def scatter_extent(i, k, s=1, p=0, op=0, d=1):
    """Size of a transposed convolution computed by scattering: every input position j writes
    k taps at j*s + t*d of the full output; then p is cropped at both ends and op is added."""
    written = {j * s + t * d for j in range(i) for t in range(k)}
    full = max(written) + 1
    return full - 2 * p + op


def transposed_size(i, k, s=1, p=0, op=0, d=1):
    """The transposed output size by the formula; may be < 1 (used to filter cases)."""
    return (i - 1) * s - 2 * p + d * (k - 1) + op + 1


def is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_int_tuple(value, length):
    return isinstance(value, tuple) and len(value) == length and all(is_int(v) for v in value)


@st.composite
def conv_case(draw, max_size=40):
    """(i, k, s, p, d) of a convolution with at least one output position."""
    i = draw(st.integers(1, max_size))
    k = draw(kernels)
    s = draw(strides)
    d = draw(dilations)
    p = draw(paddings)
    assume(i + 2 * p >= effective_kernel(k, d))
    return i, k, s, p, d


@st.composite
def transposed_case(draw):
    """(i', k, s, p, op, d) of a transposed convolution with a non-empty output; p is at most
    k_hat - 1 (the range of padding a transposed convolution can crop), op < max(s, d)."""
    i = draw(st.integers(1, 30))
    k = draw(kernels)
    s = draw(strides)
    d = draw(dilations)
    p = draw(st.integers(0, effective_kernel(k, d) - 1))
    op = draw(st.integers(0, max(s, d) - 1))
    assume(transposed_size(i, k, s, p, op, d) >= 1)
    return i, k, s, p, op, d


# ---------------------------------------------------------------------------------------------
# conv_output_size
# ---------------------------------------------------------------------------------------------


@EXAMPLES
@given(conv_case())
def test_conv_output_size_counts_window_positions(case):
    i, k, s, p, d = case
    got = tconv.conv_output_size(i, k, stride=s, padding=p, dilation=d)
    assert is_int(got)
    assert got == count_window_positions(i, k, s, p, d)


@EXAMPLES
@given(conv_case())
def test_conv_output_size_positional_arguments(case):
    i, k, s, p, d = case
    assert tconv.conv_output_size(i, k, s, p, d) == count_window_positions(i, k, s, p, d)


def test_conv_output_size_defaults():
    assert tconv.conv_output_size(5, 3) == 3
    assert tconv.conv_output_size(1, 1) == 1


@pytest.mark.parametrize(
    "i, k, s, p, d, expected",
    [
        (4, 3, 1, 0, 1, 2),  # the worked example: 4x4 input, 3x3 kernel -> 2x2
        (5, 3, 2, 1, 1, 3),
        (7, 3, 2, 0, 2, 2),
        (6, 4, 3, 2, 1, 3),
        (10, 1, 4, 0, 1, 3),
        (3, 5, 1, 1, 1, 1),
    ],
)
def test_conv_output_size_known_values(i, k, s, p, d, expected):
    assert tconv.conv_output_size(i, k, s, p, d) == expected
    assert count_window_positions(i, k, s, p, d) == expected


# ---------------------------------------------------------------------------------------------
# Dumoulin & Visin: convolution relationships
# ---------------------------------------------------------------------------------------------


@EXAMPLES
@given(i=sizes, k=kernels)
def test_relationship_1_no_padding_unit_strides(i, k):
    """o = (i - k) + 1"""
    assume(i >= k)
    assert tconv.conv_output_size(i, k) == i - k + 1


@EXAMPLES
@given(i=sizes, k=kernels, p=paddings)
def test_relationship_2_zero_padding_unit_strides(i, k, p):
    """o = (i - k) + 2p + 1"""
    assume(i + 2 * p >= k)
    assert tconv.conv_output_size(i, k, padding=p) == i - k + 2 * p + 1


@EXAMPLES
@given(i=sizes, n=st.integers(0, 5))
def test_relationship_3_half_same_padding(i, n):
    """k = 2n + 1, s = 1, p = floor(k/2) = n: o = i"""
    k = 2 * n + 1
    assert tconv.conv_output_size(i, k, stride=1, padding=k // 2) == i


@EXAMPLES
@given(i=sizes, k=kernels)
def test_relationship_4_full_padding(i, k):
    """p = k - 1, s = 1: o = i + (k - 1)"""
    assert tconv.conv_output_size(i, k, stride=1, padding=k - 1) == i + k - 1


@EXAMPLES
@given(i=sizes, k=kernels, s=strides)
def test_relationship_5_no_padding_non_unit_strides(i, k, s):
    """o = floor((i - k) / s) + 1"""
    assume(i >= k)
    assert tconv.conv_output_size(i, k, stride=s) == (i - k) // s + 1


@EXAMPLES
@given(i=sizes, k=kernels, s=strides, p=paddings)
def test_relationship_6_padding_and_strides(i, k, s, p):
    """o = floor((i + 2p - k) / s) + 1"""
    assume(i + 2 * p >= k)
    assert tconv.conv_output_size(i, k, stride=s, padding=p) == (i + 2 * p - k) // s + 1


@EXAMPLES
@given(conv_case())
def test_relationship_15_dilation(case):
    """o = floor((i + 2p - k - (k - 1)(d - 1)) / s) + 1, i.e. relationship 6 with k_hat"""
    i, k, s, p, d = case
    expected = (i + 2 * p - k - (k - 1) * (d - 1)) // s + 1
    assert tconv.conv_output_size(i, k, s, p, d) == expected
    assert tconv.conv_output_size(i, effective_kernel(k, d), s, p, 1) == expected


# ---------------------------------------------------------------------------------------------
# conv_transpose_output_size
# ---------------------------------------------------------------------------------------------


@EXAMPLES
@given(transposed_case())
def test_conv_transpose_output_size_formula(case):
    i, k, s, p, op, d = case
    got = tconv.conv_transpose_output_size(i, k, stride=s, padding=p, output_padding=op, dilation=d)
    assert is_int(got)
    assert got == (i - 1) * s - 2 * p + d * (k - 1) + op + 1


@EXAMPLES
@given(transposed_case())
def test_conv_transpose_output_size_is_the_scatter_extent(case):
    i, k, s, p, op, d = case
    assert tconv.conv_transpose_output_size(i, k, s, p, op, d) == scatter_extent(i, k, s, p, op, d)


@EXAMPLES
@given(transposed_case())
def test_conv_transpose_output_size_inverts_conv_output_size(case):
    """For every op < s the transposed output size o' is an input size of the convolution
    (same k, s, p, d) that produces i' positions; op = 0 gives the smallest such size."""
    i, k, s, p, op, d = case
    assume(op < s)
    assume(transposed_size(i, k, s, p, 0, d) >= 1)
    smallest = tconv.conv_transpose_output_size(i, k, s, p, 0, d)
    o = tconv.conv_transpose_output_size(i, k, s, p, op, d)
    assert count_window_positions(o, k, s, p, d) == i
    assert count_window_positions(smallest - 1, k, s, p, d) == i - 1


def test_conv_transpose_output_size_defaults():
    # stride 1, no padding: o' = i' + k - 1 (the worked example: 2x2 -> 4x4 with a 3x3 kernel)
    assert tconv.conv_transpose_output_size(2, 3) == 4
    assert tconv.conv_transpose_output_size(1, 1) == 1


def test_output_padding_allowed_up_to_dilation():
    # PyTorch: output_padding must be smaller than either stride or dilation
    assert tconv.conv_transpose_output_size(4, 3, stride=1, output_padding=1, dilation=2) == 9
    assert tconv.conv_transpose_output_size(4, 3, stride=2, output_padding=2, dilation=3) == 15


# ---------------------------------------------------------------------------------------------
# Dumoulin & Visin: transposed convolution relationships
# ---------------------------------------------------------------------------------------------


@EXAMPLES
@given(i_t=sizes, k=kernels)
def test_relationship_8_transpose_of_no_padding_unit_strides(i_t, k):
    """o' = i' + (k - 1)"""
    assert tconv.conv_transpose_output_size(i_t, k) == i_t + k - 1


@EXAMPLES
@given(i_t=sizes, k=kernels, data=st.data())
def test_relationship_9_transpose_of_zero_padding_unit_strides(i_t, k, data):
    """o' = i' + (k - 1) - 2p"""
    p = data.draw(st.integers(0, k - 1))
    assume(i_t + k - 1 - 2 * p >= 1)
    assert tconv.conv_transpose_output_size(i_t, k, padding=p) == i_t + k - 1 - 2 * p


@EXAMPLES
@given(i_t=sizes, n=st.integers(0, 5))
def test_relationship_10_transpose_of_half_padding(i_t, n):
    """k = 2n + 1, s = 1, p = n: o' = i'"""
    k = 2 * n + 1
    assert tconv.conv_transpose_output_size(i_t, k, padding=n) == i_t


@EXAMPLES
@given(i_t=sizes, k=kernels)
def test_relationship_11_transpose_of_full_padding(i_t, k):
    """p = k - 1, s = 1: o' = i' - (k - 1)"""
    assume(i_t - (k - 1) >= 1)
    assert tconv.conv_transpose_output_size(i_t, k, padding=k - 1) == i_t - (k - 1)


@EXAMPLES
@given(i_t=sizes, k=kernels, s=strides)
def test_relationship_12_transpose_of_no_padding_strides(i_t, k, s):
    """p = 0, (i - k) a multiple of s: o' = s(i' - 1) + k"""
    o = tconv.conv_transpose_output_size(i_t, k, stride=s)
    assert o == s * (i_t - 1) + k
    assert (o - k) % s == 0
    assert tconv.conv_output_size(o, k, stride=s) == i_t


@EXAMPLES
@given(i_t=sizes, k=kernels, s=strides, data=st.data())
def test_relationship_13_transpose_of_padding_and_strides(i_t, k, s, data):
    """(i + 2p - k) a multiple of s: o' = s(i' - 1) + k - 2p"""
    p = data.draw(st.integers(0, k - 1))
    assume(s * (i_t - 1) + k - 2 * p >= 1)
    o = tconv.conv_transpose_output_size(i_t, k, stride=s, padding=p)
    assert o == s * (i_t - 1) + k - 2 * p
    assert (o + 2 * p - k) % s == 0
    assert tconv.conv_output_size(o, k, stride=s, padding=p) == i_t


@EXAMPLES
@given(conv_case())
def test_relationship_14_transpose_restores_the_input_size(case):
    """A convolution (i, k, s, p, d) gives o; its transpose with input size o and
    output_padding a = (i + 2p - k_hat) mod s has o' = s(o - 1) + a + k_hat - 2p = i."""
    i, k, s, p, d = case
    k_hat = effective_kernel(k, d)
    assume(p <= k_hat - 1)
    o = tconv.conv_output_size(i, k, s, p, d)
    a = (i + 2 * p - k_hat) % s
    assert s * (o - 1) + a + k_hat - 2 * p == i
    assert tconv.conv_transpose_output_size(o, k, s, p, a, d) == i
    assert tconv.output_padding_for_size(o, i, k, s, p, d) == a


@EXAMPLES
@given(conv_case(max_size=25))
def test_transpose_equals_stride_one_conv_of_the_stretched_input(case):
    """The guide's equivalent direct convolution: insert s - 1 zeros between the i' input units
    (size i~' = i' + (i' - 1)(s - 1)), add a zeros at the end and pad by p' = k_hat - p - 1;
    a stride-1 convolution with the same (dilated) kernel then has the transposed output size."""
    i, k, s, p, d = case
    k_hat = effective_kernel(k, d)
    assume(p <= k_hat - 1)
    i_t = tconv.conv_output_size(i, k, s, p, d)
    a = (i + 2 * p - k_hat) % s
    stretched = single_channel.insert_zeros(np.ones((i_t, 1)), s)
    assert stretched.shape == (i_t + (i_t - 1) * (s - 1), 1)
    o_direct = tconv.conv_output_size(stretched.shape[0] + a, k, 1, k_hat - p - 1, d)
    assert o_direct == tconv.conv_transpose_output_size(i_t, k, s, p, a, d) == i


# ---------------------------------------------------------------------------------------------
# tuples
# ---------------------------------------------------------------------------------------------


@st.composite
def per_dim_conv_cases(draw):
    ndim = draw(st.integers(1, 3))
    cases = [draw(conv_case(max_size=20)) for _ in range(ndim)]
    return ndim, cases


def as_argument(values, draw_int):
    """A tuple of per-dimension values, or a single int when they agree and draw_int is set."""
    if draw_int and len(set(values)) == 1:
        return values[0]
    return tuple(values)


@EXAMPLES
@given(per_dim_conv_cases(), st.lists(st.booleans(), min_size=5, max_size=5))
def test_conv_output_size_tuples_are_per_dimension(per_dim, use_ints):
    ndim, cases = per_dim
    columns = list(zip(*cases))  # i, k, s, p, d, each a tuple over dims
    args = [as_argument(col, flag) for col, flag in zip(columns, use_ints)]
    if not any(isinstance(a, tuple) for a in args):
        args[0] = tuple(columns[0])
    got = tconv.conv_output_size(*args)
    assert is_int_tuple(got, ndim)
    assert got == tuple(count_window_positions(*case) for case in cases)


@EXAMPLES
@given(st.integers(1, 3), st.data())
def test_conv_transpose_output_size_tuples_are_per_dimension(ndim, data):
    cases = [data.draw(transposed_case()) for _ in range(ndim)]
    i, k, s, p, op, d = (tuple(col) for col in zip(*cases))
    got = tconv.conv_transpose_output_size(i, k, s, p, op, d)
    assert is_int_tuple(got, ndim)
    assert got == tuple(tconv.conv_transpose_output_size(*case) for case in cases)


def test_ints_broadcast_against_a_tuple():
    assert tconv.conv_output_size((5, 7, 9), 3) == (3, 5, 7)
    assert tconv.conv_output_size(9, (1, 3), stride=2) == (5, 4)
    assert tconv.conv_output_size(9, 3, padding=(0, 1, 2)) == (7, 9, 11)
    assert tconv.conv_transpose_output_size((2, 3), 3, stride=2) == (5, 7)
    assert tconv.conv_transpose_output_size(3, 3, stride=2, output_padding=(0, 1)) == (7, 8)
    assert tconv.output_padding_for_size(3, (7, 8), 3, stride=2) == (0, 1)


def test_one_element_tuple_gives_a_tuple():
    assert tconv.conv_output_size((5,), 3) == (3,)
    assert tconv.conv_output_size(5, 3, stride=(1,)) == (3,)
    assert tconv.conv_transpose_output_size(3, (3,)) == (5,)


# ---------------------------------------------------------------------------------------------
# output_padding_for_size
# ---------------------------------------------------------------------------------------------


@EXAMPLES
@given(transposed_case())
def test_output_padding_for_size_round_trips(case):
    i, k, s, p, op, d = case
    assume(op < s)
    o = tconv.conv_transpose_output_size(i, k, s, p, op, d)
    got = tconv.output_padding_for_size(i, o, k, stride=s, padding=p, dilation=d)
    assert is_int(got)
    assert got == op
    assert tconv.conv_transpose_output_size(i, k, s, p, got, d) == o


@EXAMPLES
@given(transposed_case())
def test_output_padding_for_size_reachable_range(case):
    """Reachable: min_size .. min_size + s - 1; min_size - 1 and min_size + s are not."""
    i, k, s, p, _, d = case
    assume(transposed_size(i, k, s, p, 0, d) >= 1)
    min_size = tconv.conv_transpose_output_size(i, k, s, p, 0, d)
    for o in range(min_size, min_size + s):
        assert tconv.output_padding_for_size(i, o, k, s, p, d) == o - min_size
    for o in (min_size - 1, min_size + s):
        if o < 1:
            continue
        with pytest.raises(ValueError, match="output_size"):
            tconv.output_padding_for_size(i, o, k, s, p, d)


@pytest.mark.parametrize("output_size", [8, 11, 12])
def test_output_padding_for_size_unreachable_even_with_large_dilation(output_size):
    # i=4, k=2, s=2, d=3: min_size = 3*2 + 3 + 1 = 10, reachable sizes 10, 11 (stride 2) although
    # output_padding 2 would be allowed by the dilation: PyTorch only reaches min .. min + s - 1.
    assert tconv.conv_transpose_output_size(4, 2, 2, 0, 0, 3) == 10
    if output_size == 11:
        assert tconv.output_padding_for_size(4, 11, 2, 2, 0, 3) == 1
    else:
        with pytest.raises(ValueError, match=f"output_size.*{output_size}|{output_size}.*output_size"):
            tconv.output_padding_for_size(4, output_size, 2, 2, 0, 3)


@EXAMPLES
@given(st.integers(1, 3), st.data())
def test_output_padding_for_size_tuples(ndim, data):
    cases = [data.draw(transposed_case()) for _ in range(ndim)]
    cases = [(i, k, s, p, op % s, d) for i, k, s, p, op, d in cases]
    assume(all(transposed_size(*case) >= 1 for case in cases))
    i, k, s, p, op, d = (tuple(col) for col in zip(*cases))
    o = tconv.conv_transpose_output_size(i, k, s, p, op, d)
    got = tconv.output_padding_for_size(i, o, k, s, p, d)
    assert is_int_tuple(got, ndim)
    assert got == op


# ---------------------------------------------------------------------------------------------
# same_padding_transpose
# ---------------------------------------------------------------------------------------------

def total_crop(k, s, d):
    return d * (k - 1) + 1 - s


@st.composite
def same_cases(draw, negative_total=False):
    """(k, s, d) whose total crop T = d(k - 1) + 1 - s is >= 0 (or < 0 if negative_total)."""
    k, d = draw(kernels), draw(dilations)
    extent = effective_kernel(k, d)
    if negative_total:
        s = extent + draw(st.integers(1, 3))
    else:
        s = draw(st.integers(1, min(extent, 5)))
    return k, s, d


@EXAMPLES
@given(same_cases())
def test_same_padding_transpose_split(case):
    k, s, d = case
    total = total_crop(k, s, d)
    upper = tconv.same_padding_transpose(k, s, d)
    lower = tconv.same_padding_transpose(k, s, d, lower=True)
    for begin_end in (upper, lower):
        assert isinstance(begin_end, tuple) and len(begin_end) == 2
        assert all(is_int(v) for v in begin_end)
    assert upper == (total // 2, total - total // 2)  # ONNX SAME_UPPER: extra crop at the end
    assert lower == (total - total // 2, total // 2)  # ONNX SAME_LOWER: extra crop at the start
    assert lower[0] >= upper[0]


@settings(deadline=None, max_examples=50)
@given(same_cases(negative_total=True), sizes)
def test_same_padding_transpose_when_stride_exceeds_the_kernel_extent(case, i):
    """T < 0 (e.g. k=1, s=2): the full output is shorter than input*stride; it is extended
    with -T zeros at the end in both modes (as TensorFlow's SAME and PyTorch's output_padding),
    and begin + end = T still describes the (negative) crop giving input*stride."""
    k, s, d = case
    for lower in (False, True):
        begin, end = tconv.same_padding_transpose(k, s, d, lower=lower)
        assert begin == 0
        assert begin + end == total_crop(k, s, d)
        assert tconv.conv_transpose_output_size(i, k, s, 0, 0, d) - begin - end == i * s


def test_same_padding_transpose_defaults_and_known_values():
    assert tconv.same_padding_transpose(3) == (1, 1)
    assert tconv.same_padding_transpose(4, 2) == (1, 1)
    assert tconv.same_padding_transpose(4, 1) == (1, 2)
    assert tconv.same_padding_transpose(4, 1, lower=True) == (2, 1)
    assert tconv.same_padding_transpose(3, 1, 2) == (2, 2)
    assert tconv.same_padding_transpose(5, 2, 1) == (1, 2)
    assert tconv.same_padding_transpose(5, 2, 1, lower=True) == (2, 1)


@EXAMPLES
@given(same_cases(), sizes)
def test_same_padding_transpose_gives_input_times_stride(case, i):
    k, s, d = case
    for lower in (False, True):
        begin, end = tconv.same_padding_transpose(k, s, d, lower=lower)
        full = tconv.conv_transpose_output_size(i, k, s, 0, 0, d)
        assert full - begin - end == i * s


@EXAMPLES
@given(same_cases(), sizes)
def test_same_padding_transpose_as_pytorch_arguments(case, i):
    """padding=begin, output_padding=begin-end gives input*stride when that is allowed."""
    k, s, d = case
    for lower in (False, True):
        begin, end = tconv.same_padding_transpose(k, s, d, lower=lower)
        op = begin - end
        if begin >= 0 and 0 <= op < max(s, d):
            assert tconv.conv_transpose_output_size(i, k, s, begin, op, d) == i * s


def test_same_padding_transpose_tuples():
    begin, end = tconv.same_padding_transpose((3, 4), 1)
    assert is_int_tuple(begin, 2) and is_int_tuple(end, 2)
    assert (begin, end) == ((1, 1), (1, 2))
    begin, end = tconv.same_padding_transpose(4, (1, 2), lower=True)
    assert (begin, end) == ((2, 1), (1, 1))
    begin, end = tconv.same_padding_transpose((5, 3, 2), (2, 1, 1), (1, 2, 1))
    assert (begin, end) == ((1, 2, 0), (2, 2, 1))


@st.composite
def same_transposed_configs(draw, negative_total=False):
    """kernel, stride, dilation pairs for 2-D; with negative_total the first dim has T < 0."""
    (kh, sh, dh), (kw, sw, dw) = draw(same_cases(negative_total)), draw(same_cases())
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    return (kh, kw), (sh, sw), (dh, dw), (h, w), seed


def random_transposed_problem(kernel, spatial, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3, *spatial))
    weight = rng.standard_normal((3, 2, *kernel))
    return x, weight


@settings(deadline=None, max_examples=60)
@given(same_transposed_configs())
def test_conv_transpose2d_same_crops_the_full_output(config):
    kernel, stride, dilation, spatial, seed = config
    x, weight = random_transposed_problem(kernel, spatial, seed)
    full = tconv.conv_transpose2d(x, weight, stride=stride, dilation=dilation)
    expected_shape = (2, 2, spatial[0] * stride[0], spatial[1] * stride[1])
    starts = {}
    for name, lower in (("same", False), ("same_lower", True)):
        out = tconv.conv_transpose2d(x, weight, stride=stride, padding=name, dilation=dilation)
        assert out.shape == expected_shape
        begin, _ = tconv.same_padding_transpose(kernel, stride, dilation, lower=lower)
        window = full[:, :, begin[0] : begin[0] + expected_shape[2], begin[1] : begin[1] + expected_shape[3]]
        np.testing.assert_allclose(out, window, rtol=1e-12, atol=1e-12)
        starts[name] = begin
    assert all(lo >= up for lo, up in zip(starts["same_lower"], starts["same"]))


@settings(deadline=None, max_examples=60)
@given(same_transposed_configs())
def test_conv_transpose2d_same_equals_explicit_pytorch_arguments(config):
    kernel, stride, dilation, spatial, seed = config
    x, weight = random_transposed_problem(kernel, spatial, seed)
    for name, lower in (("same", False), ("same_lower", True)):
        begin, end = tconv.same_padding_transpose(kernel, stride, dilation, lower=lower)
        op = tuple(b - e for b, e in zip(begin, end))
        if all(0 <= o < max(s, d) for o, s, d in zip(op, stride, dilation)):
            explicit = tconv.conv_transpose2d(
                x, weight, stride=stride, padding=begin, output_padding=op, dilation=dilation
            )
            out = tconv.conv_transpose2d(x, weight, stride=stride, padding=name, dilation=dilation)
            np.testing.assert_allclose(out, explicit, rtol=1e-12, atol=1e-12)


@settings(deadline=None, max_examples=30)
@given(same_transposed_configs(negative_total=True))
def test_conv_transpose2d_same_shape_when_stride_exceeds_the_kernel_extent(config):
    """The contract's rule output = input*stride has no exception for d(k-1)+1 < s
    (e.g. k=1, s=2), where the full output is shorter than input*stride."""
    kernel, stride, dilation, spatial, seed = config
    x, weight = random_transposed_problem(kernel, spatial, seed)
    for name in ("same", "same_lower"):
        out = tconv.conv_transpose2d(x, weight, stride=stride, padding=name, dilation=dilation)
        assert out.shape == (2, 2, spatial[0] * stride[0], spatial[1] * stride[1])
