"""PyTorch as an independent reference for tconv's operators, matrices and sizes.

Random small configurations in 1, 2 and 3 dimensions (groups, strides, padding, output padding,
dilation, bias, batched and unbatched) are compared with torch.nn.functional; the explicit
matrices are compared with torch's Jacobians.
"""

from dataclasses import dataclass, replace

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402
from hypothesis import assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import tconv  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")

NDIMS = (1, 2, 3)
BACKENDS = ("matrix", "scatter", "gather", "direct", "gemm", "auto")
MAX_SPATIAL = {1: 9, 2: 6, 3: 4}
MAX_KERNEL = {1: 4, 2: 4, 3: 3}


def torch_op(nd, transposed):
    return getattr(F, f"conv_transpose{nd}d" if transposed else f"conv{nd}d")


def tconv_op(nd, transposed):
    return getattr(tconv, f"conv_transpose{nd}d" if transposed else f"conv{nd}d")


# ---------------------------------------------------------------------------------------------
# configurations
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    nd: int
    transposed: bool
    batch: int | None  # None: unbatched input
    groups: int
    in_channels: int
    out_channels: int
    kernel: tuple
    stride: tuple
    padding: tuple
    output_padding: tuple
    dilation: tuple
    spatial: tuple
    bias: bool
    seed: int
    ints_where_possible: bool  # pass a per-dimension parameter as an int when all dims agree

    def output_spatial(self):
        if self.transposed:
            return tuple(
                (i - 1) * s - 2 * p + d * (k - 1) + op + 1
                for i, k, s, p, op, d in zip(
                    self.spatial, self.kernel, self.stride, self.padding, self.output_padding, self.dilation
                )
            )
        return tuple(
            (i + 2 * p - d * (k - 1) - 1) // s + 1
            for i, k, s, p, d in zip(self.spatial, self.kernel, self.stride, self.padding, self.dilation)
        )

    def arg(self, values):
        if self.ints_where_possible and len(set(values)) == 1:
            return values[0]
        return values

    def weight_shape(self):
        if self.transposed:
            return (self.in_channels, self.out_channels // self.groups) + self.kernel
        return (self.out_channels, self.in_channels // self.groups) + self.kernel

    def input_shape(self):
        channels_and_spatial = (self.in_channels,) + self.spatial
        return channels_and_spatial if self.batch is None else (self.batch,) + channels_and_spatial

    def arrays(self, dtype=np.float64):
        rng = np.random.default_rng(self.seed)
        x = rng.standard_normal(self.input_shape()).astype(dtype)
        w = rng.standard_normal(self.weight_shape()).astype(dtype)
        b = rng.standard_normal(self.out_channels).astype(dtype) if self.bias else None
        return x, w, b

    def kwargs(self):
        """Keyword arguments shared by tconv and torch.nn.functional."""
        kw = dict(stride=self.arg(self.stride), padding=self.arg(self.padding), dilation=self.arg(self.dilation))
        kw["groups"] = self.groups
        if self.transposed:
            kw["output_padding"] = self.arg(self.output_padding)
        return kw


@st.composite
def configs(draw, nd, transposed, max_stride=3, max_dilation=2):
    groups = draw(st.integers(1, 3))
    in_channels = groups * draw(st.integers(1, 2))
    out_channels = groups * draw(st.integers(1, 2))
    per_dim = lambda strategy: tuple(draw(strategy) for _ in range(nd))  # noqa: E731
    kernel = per_dim(st.integers(1, MAX_KERNEL[nd]))
    stride = per_dim(st.integers(1, max_stride))
    dilation = per_dim(st.integers(1, max_dilation))
    padding = tuple(draw(st.integers(0, d * (k - 1))) for k, d in zip(kernel, dilation))
    if transposed:
        output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    else:
        output_padding = (0,) * nd
    config = Config(
        nd=nd,
        transposed=transposed,
        batch=draw(st.sampled_from([None, 1, 2])),
        groups=groups,
        in_channels=in_channels,
        out_channels=out_channels,
        kernel=kernel,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
        spatial=per_dim(st.integers(1, MAX_SPATIAL[nd])),
        bias=draw(st.booleans()),
        seed=draw(st.integers(0, 2**32 - 1)),
        ints_where_possible=draw(st.booleans()),
    )
    assume(all(o >= 1 for o in config.output_spatial()))
    return config


def to_torch(array):
    return None if array is None else torch.from_numpy(np.ascontiguousarray(array))


def torch_reference(config, x, w, b):
    """torch.nn.functional's result in float64 (inputs cast up first)."""
    up = lambda a: None if a is None else to_torch(a.astype(np.float64))  # noqa: E731
    with torch.no_grad():
        return torch_op(config.nd, config.transposed)(up(x), up(w), up(b), **config.kwargs()).numpy()


def assert_close_float64(got, expected):
    assert got.dtype == np.float64
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def assert_close_float32(got, expected):
    assert got.dtype == np.float32
    assert got.shape == expected.shape
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * scale)


# ---------------------------------------------------------------------------------------------
# operators
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("nd", NDIMS)
@settings(deadline=None, max_examples=40)
@given(data=st.data())
def test_conv_transpose_matches_torch(nd, backend, data):
    config = data.draw(configs(nd, transposed=True))
    x, w, b = config.arrays()
    got = tconv_op(nd, True)(x, w, b, backend=backend, **config.kwargs())
    expected = torch_reference(config, x, w, b)
    assert expected.shape == config.input_shape()[:-nd - 1] + (config.out_channels,) + config.output_spatial()
    assert_close_float64(got, expected)


@pytest.mark.parametrize("nd", NDIMS)
@settings(deadline=None, max_examples=60)
@given(data=st.data())
def test_conv_matches_torch(nd, data):
    config = data.draw(configs(nd, transposed=False))
    x, w, b = config.arrays()
    got = tconv_op(nd, False)(x, w, b, **config.kwargs())
    assert_close_float64(got, torch_reference(config, x, w, b))


@pytest.mark.parametrize("nd", NDIMS)
@settings(deadline=None, max_examples=20)
@given(data=st.data())
def test_conv_transpose_float32_matches_torch(nd, data):
    config = data.draw(configs(nd, transposed=True))
    x, w, b = config.arrays(np.float32)
    expected = torch_reference(config, x, w, b)
    for backend in BACKENDS:
        got = tconv_op(nd, True)(x, w, b, backend=backend, **config.kwargs())
        assert_close_float32(got, expected)


@pytest.mark.parametrize("nd", NDIMS)
@settings(deadline=None, max_examples=20)
@given(data=st.data())
def test_conv_float32_matches_torch(nd, data):
    config = data.draw(configs(nd, transposed=False))
    x, w, b = config.arrays(np.float32)
    assert_close_float32(tconv_op(nd, False)(x, w, b, **config.kwargs()), torch_reference(config, x, w, b))


@pytest.mark.parametrize("nd", NDIMS)
@settings(deadline=None, max_examples=40)
@given(data=st.data())
def test_conv_string_padding_matches_torch(nd, data):
    """padding="same" (PyTorch puts an odd extra zero at the end) and "valid", stride 1."""
    config = data.draw(configs(nd, transposed=False, max_stride=1))
    x, w, b = config.arrays()
    kw = dict(dilation=config.arg(config.dilation), groups=config.groups)
    for padding in ("same", "valid"):
        if padding == "valid" and any(
            i < d * (k - 1) + 1 for i, k, d in zip(config.spatial, config.kernel, config.dilation)
        ):
            continue
        with torch.no_grad():
            expected = torch_op(nd, False)(to_torch(x), to_torch(w), to_torch(b), padding=padding, **kw).numpy()
        got = tconv_op(nd, False)(x, w, b, padding=padding, **kw)
        assert_close_float64(got, expected)
        if padding == "same":
            assert got.shape[-nd:] == config.spatial


@pytest.mark.parametrize("nd", NDIMS)
@settings(deadline=None, max_examples=30)
@given(data=st.data())
def test_conv_transpose_same_padding_is_a_crop_of_torch_full_output(nd, data):
    """"same" crops T = d(k-1)+1-s as begin = floor(T/2) (ONNX SAME_UPPER), "same_lower" as
    begin = T - floor(T/2); the output has input*stride samples."""
    config = data.draw(configs(nd, transposed=True))
    totals = [d * (k - 1) + 1 - s for k, s, d in zip(config.kernel, config.stride, config.dilation)]
    assume(all(t >= 0 for t in totals))
    x, w, b = config.arrays()
    with torch.no_grad():
        full = torch_op(nd, True)(
            to_torch(x), to_torch(w), to_torch(b), stride=config.stride, dilation=config.dilation, groups=config.groups
        ).numpy()
    for padding, begins in (("same", [t // 2 for t in totals]), ("same_lower", [t - t // 2 for t in totals])):
        crop = tuple(slice(bg, bg + i * s) for bg, i, s in zip(begins, config.spatial, config.stride))
        expected = full[(Ellipsis,) + crop]
        for backend in BACKENDS:
            got = tconv_op(nd, True)(
                x,
                w,
                b,
                stride=config.arg(config.stride),
                padding=padding,
                dilation=config.arg(config.dilation),
                groups=config.groups,
                backend=backend,
            )
            assert got.shape[-nd:] == tuple(i * s for i, s in zip(config.spatial, config.stride))
            assert_close_float64(got, expected)


# ---------------------------------------------------------------------------------------------
# matrices = Jacobians
# ---------------------------------------------------------------------------------------------


def torch_jacobian(function, x):
    """d function(x).ravel() / d x.ravel() as a 2-D numpy array."""
    x_t = to_torch(x)
    out = function(x_t)
    jac = torch.autograd.functional.jacobian(function, x_t)
    return jac.reshape(out.numel(), x_t.numel()).numpy()


def assert_matrix_is_jacobian(config, extra=None):
    """conv_matrix / conv_transpose_matrix of an unbatched input equals torch's Jacobian."""
    extra = extra or {}
    rng = np.random.default_rng(config.seed)
    x = rng.standard_normal((config.in_channels,) + config.spatial)
    w = rng.standard_normal(config.weight_shape())
    kw = {**config.kwargs(), **extra}
    w_t = to_torch(w)
    expected = torch_jacobian(lambda t: torch_op(config.nd, config.transposed)(t, w_t, **kw), x)
    build = tconv.conv_transpose_matrix if config.transposed else tconv.conv_matrix
    dense = build(w, x.shape, **kw)
    assert isinstance(dense, np.ndarray)
    np.testing.assert_allclose(dense, expected, rtol=1e-12, atol=1e-12)
    sparse = build(w, x.shape, sparse=True, **kw)
    np.testing.assert_allclose(sparse.toarray(), expected, rtol=1e-12, atol=1e-12)
    # and the matrix reproduces the operator on that input
    out = tconv_op(config.nd, config.transposed)(x, w, **kw)
    np.testing.assert_allclose(dense @ x.ravel(), out.ravel(), rtol=1e-10, atol=1e-10)


def fixed_config(transposed, nd=2, **changes):
    base = dict(
        nd=nd,
        transposed=transposed,
        batch=None,
        groups=2,
        in_channels=4,
        out_channels=6,
        kernel=(3, 2)[:nd] if nd <= 2 else (3, 2, 2),
        stride=(2, 1, 2)[:nd],
        padding=(1, 0, 1)[:nd],
        output_padding=((1, 0, 1) if transposed else (0, 0, 0))[:nd],
        dilation=(1, 2, 1)[:nd],
        spatial=(5, 4, 3)[:nd],
        bias=False,
        seed=nd,
        ints_where_possible=False,
    )
    base.update(changes)
    return Config(**base)


@pytest.mark.parametrize("transposed", [False, True], ids=["conv_matrix", "conv_transpose_matrix"])
@pytest.mark.parametrize("nd", NDIMS)
def test_matrix_is_torch_jacobian_fixed(nd, transposed):
    assert_matrix_is_jacobian(fixed_config(transposed, nd))


@pytest.mark.parametrize("transposed", [False, True], ids=["conv_matrix", "conv_transpose_matrix"])
@settings(deadline=None, max_examples=25)
@given(data=st.data())
def test_matrix_is_torch_jacobian_random_2d(transposed, data):
    assert_matrix_is_jacobian(data.draw(configs(2, transposed)))


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_conv_matrix_string_padding_is_torch_jacobian(padding):
    config = fixed_config(False, stride=(1, 1), kernel=(4, 3), dilation=(1, 2))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5, 6))
    w = rng.standard_normal(config.weight_shape())
    w_t = to_torch(w)
    expected = torch_jacobian(lambda t: F.conv2d(t, w_t, padding=padding, dilation=(1, 2), groups=2), x)
    got = tconv.conv_matrix(w, x.shape, padding=padding, dilation=(1, 2), groups=2)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_single_channel_kernel_matrices_are_torch_jacobians():
    """The worked example: A = conv_matrix(K, (4, 4)) is 4x16, B = conv_transpose_matrix(K, (2, 2)) = A^T."""
    kernel = np.arange(1, 10).reshape(3, 3)
    k_t = to_torch(kernel.astype(np.float64))[None, None]
    a_expected = torch_jacobian(lambda t: F.conv2d(t[None, None], k_t)[0, 0], np.zeros((4, 4)))
    b_expected = torch_jacobian(lambda t: F.conv_transpose2d(t[None, None], k_t)[0, 0], np.zeros((2, 2)))
    a = tconv.conv_matrix(kernel, (4, 4))
    b = tconv.conv_transpose_matrix(kernel, (2, 2))
    assert a.shape == (4, 16) and b.shape == (16, 4)
    np.testing.assert_array_equal(a, a_expected)
    np.testing.assert_array_equal(b, b_expected)
    np.testing.assert_array_equal(b, a.T)


@pytest.mark.parametrize(
    "kernel_shape, input_shape, kw",
    [
        ((3,), (7,), dict(stride=2, padding=1)),
        ((2, 3), (5, 6), dict(stride=(2, 1), dilation=(1, 2), padding=(1, 0))),
        ((2, 2, 2), (3, 4, 3), dict(stride=2)),
    ],
)
def test_single_channel_kernel_transposed_matrix_is_torch_jacobian(kernel_shape, input_shape, kw):
    rng = np.random.default_rng(1)
    kernel = rng.standard_normal(kernel_shape)
    nd = len(kernel_shape)
    k_t = to_torch(kernel)[None, None]
    op = getattr(F, f"conv_transpose{nd}d")
    expected = torch_jacobian(lambda t: op(t[None, None], k_t, **kw)[0, 0], np.zeros(input_shape))
    np.testing.assert_allclose(tconv.conv_transpose_matrix(kernel, input_shape, **kw), expected, rtol=1e-12, atol=1e-12)
    conv = getattr(F, f"conv{nd}d")
    expected = torch_jacobian(lambda t: conv(t[None, None], k_t, **kw)[0, 0], np.zeros(input_shape))
    np.testing.assert_allclose(tconv.conv_matrix(kernel, input_shape, **kw), expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# output_padding_for_size = ConvTranspose2d's output_size argument
# ---------------------------------------------------------------------------------------------


def torch_module(config, w, b):
    module = torch.nn.ConvTranspose2d(
        config.in_channels,
        config.out_channels,
        config.kernel,
        stride=config.stride,
        padding=config.padding,
        groups=config.groups,
        dilation=config.dilation,
        bias=b is not None,
        dtype=torch.float64,
    )
    with torch.no_grad():
        module.weight.copy_(to_torch(w))
        if b is not None:
            module.bias.copy_(to_torch(b))
    return module


@settings(deadline=None, max_examples=60)
@given(data=st.data())
def test_output_padding_for_size_matches_torch_output_size(data):
    config = data.draw(configs(2, transposed=True))
    config = replace(config, output_padding=(0, 0), batch=1)
    x, w, b = config.arrays()
    smallest = config.output_spatial()
    requested = tuple(
        data.draw(st.integers(max(1, m - 1), m + s), label="requested")
        for m, s in zip(smallest, config.stride)
    )
    module = torch_module(config, w, b)
    try:
        with torch.no_grad():
            expected = module(to_torch(x), output_size=list(requested)).numpy()
    except ValueError:
        with pytest.raises(ValueError):
            tconv.output_padding_for_size(config.spatial, requested, config.kernel, config.stride, config.padding, config.dilation)
        return
    op = tconv.output_padding_for_size(
        config.spatial, requested, config.kernel, config.stride, config.padding, config.dilation
    )
    assert isinstance(op, tuple) and len(op) == 2
    got = tconv.conv_transpose2d(
        x, w, b, stride=config.stride, padding=config.padding, output_padding=op, groups=config.groups, dilation=config.dilation
    )
    assert got.shape[-2:] == requested
    assert_close_float64(got, expected)


@pytest.mark.parametrize(
    "spatial, kernel, stride, padding, dilation, requested",
    [
        ((4, 4), (3, 3), (2, 2), (1, 1), (1, 1), (8, 7)),
        ((3, 5), (2, 4), (3, 2), (0, 1), (1, 2), (8, 15)),
        ((1, 1), (1, 1), (1, 1), (0, 0), (2, 2), (2, 1)),  # output_padding 1 < dilation, but torch refuses
        ((4, 2), (2, 3), (2, 1), (0, 0), (3, 1), (12, 4)),
    ],
)
def test_output_padding_for_size_agrees_with_torch_on_reachability(spatial, kernel, stride, padding, dilation, requested):
    module = torch.nn.ConvTranspose2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation, dtype=torch.float64)
    x = torch.ones((1, 1) + spatial, dtype=torch.float64)
    try:
        with torch.no_grad():
            shape = tuple(module(x, output_size=list(requested)).shape[-2:])
    except ValueError:
        with pytest.raises(ValueError, match="output_size"):
            tconv.output_padding_for_size(spatial, requested, kernel, stride, padding, dilation)
        return
    op = tconv.output_padding_for_size(spatial, requested, kernel, stride, padding, dilation)
    assert shape == requested
    assert tconv.conv_transpose_output_size(spatial, kernel, stride, padding, op, dilation) == requested
