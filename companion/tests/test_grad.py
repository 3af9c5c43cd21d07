"""tconv.grad: every gradient checked three ways on random operators (1-3 D, every stride,
padding form, output_padding, dilation and groups, float32 and float64).

1. the explicit matrix: the input gradient is C^T g, and weight entry j's gradient is
   <g, C_(E_j) x>, with C_(E_j) the matrix of the unit weight E_j (loop-built for the
   convolution, by naive.conv_matrix);
2. finite differences of L = |op(x, W)|^2 / 2 along random directions;
3. PyTorch's autograd (where PyTorch is installed, for the padding forms it has).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tconv
from tconv import ConvGeometry, grad

import naive
from conftest import conv_cases, transpose_cases

INPUT_BACKENDS = {False: tuple(tconv.BACKENDS),  # a convolution's input gradient runs these
                  True: ("auto", *tconv.functional.CONV_BACKENDS)}
WEIGHT_BACKENDS = grad.WEIGHT_BACKENDS


def _functions(transposed: bool, ndim: int):
    prefix = f"conv_transpose{ndim}d" if transposed else f"conv{ndim}d"
    return (getattr(tconv, prefix), getattr(grad, f"{prefix}_input"),
            getattr(grad, f"{prefix}_weight"))


def _kwargs(case_kwargs: dict, transposed: bool) -> dict:
    keys = ("stride", "padding", "output_padding", "dilation", "groups") if transposed else \
        ("stride", "padding", "dilation", "groups")
    return {k: case_kwargs[k] for k in keys}


@st.composite
def problems(draw, dtype=np.float64):
    """(transposed, x, w, kwargs, g): a random operator, batched input, weight, and a gradient
    of its output."""
    transposed = draw(st.booleans())
    if transposed:
        case = draw(transpose_cases(dtype=dtype))
        x = case.x if case.batched else case.x[None]
        w, kwargs = case.weight, _kwargs(case.kwargs, True)
        seed = int(abs(x.ravel()[0]) * 1e6)
    else:
        case = draw(conv_cases())
        rng = np.random.default_rng(case.seed)
        x = rng.standard_normal((draw(st.integers(1, 2)),) + case.input_shape).astype(dtype)
        w = rng.standard_normal(case.weight_shape).astype(dtype)
        kwargs, seed = dict(case.kwargs), case.seed
    forward = _functions(transposed, w.ndim - 2)[0]
    y = forward(x, w, **kwargs)
    g = np.random.default_rng(seed + 1).standard_normal(y.shape).astype(dtype)
    return transposed, x, w, kwargs, g


def _matrix(transposed: bool, w: np.ndarray, sample_shape: tuple, kwargs: dict) -> np.ndarray:
    """The dense matrix of the operator with weight ``w``: loop-built for the convolution."""
    if transposed:
        return tconv.conv_transpose_matrix(w, sample_shape, **kwargs)
    return naive.conv_matrix(w, sample_shape, kwargs["stride"], kwargs["padding"],
                             kwargs["dilation"], kwargs["groups"])


@settings(deadline=None, max_examples=120)
@given(problems())
def test_gradients_equal_the_explicit_matrix(problem):
    transposed, x, w, kwargs, g = problem
    _, input_grad, weight_grad = _functions(transposed, w.ndim - 2)
    m = _matrix(transposed, w, x.shape[1:], kwargs)
    expected_dx = np.stack([(m.T @ gs.ravel()).reshape(x.shape[1:]) for gs in g])
    expected_dw = np.zeros(w.shape)
    for j in np.ndindex(*w.shape):  # <g, C_(E_j) x> for the unit weight E_j
        unit = np.zeros(w.shape)
        unit[j] = 1.0
        m_j = _matrix(transposed, unit, x.shape[1:], kwargs)
        expected_dw[j] = sum(gs.ravel() @ m_j @ xs.ravel() for gs, xs in zip(g, x))
    for backend in INPUT_BACKENDS[transposed]:
        dx = input_grad(x.shape, w, g, **kwargs, backend=backend)
        assert dx.shape == x.shape, backend
        np.testing.assert_allclose(dx, expected_dx, rtol=1e-10, atol=1e-10, err_msg=backend)
    for backend in WEIGHT_BACKENDS:
        dw = weight_grad(x, w.shape, g, **kwargs, backend=backend)
        assert dw.shape == w.shape and dw.dtype == np.float64, backend
        np.testing.assert_allclose(dw, expected_dw, rtol=1e-10, atol=1e-10, err_msg=backend)


@settings(deadline=None, max_examples=60)
@given(problems(dtype=np.float32))
def test_float32_gradients_stay_float32_and_agree_with_float64(problem):
    transposed, x, w, kwargs, g = problem
    _, input_grad, weight_grad = _functions(transposed, w.ndim - 2)
    dx = input_grad(x.shape, w, g, **kwargs)
    dw = weight_grad(x, w.shape, g, **kwargs)
    assert dx.dtype == dw.dtype == np.float32
    x64, w64, g64 = (a.astype(np.float64) for a in (x, w, g))
    np.testing.assert_allclose(dx, input_grad(x.shape, w64, g64, **kwargs), rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(dw, weight_grad(x64, w.shape, g64, **kwargs), rtol=1e-4,
                               atol=1e-4)


@settings(deadline=None, max_examples=60)
@given(problems(), st.integers(0, 2**32 - 1))
def test_gradients_equal_finite_differences(problem, seed):
    """L(x, W) = |op(x, W)|^2 / 2 has gradients input_grad(..., op(x, W)) and
    weight_grad(..., op(x, W)); central differences along random directions agree."""
    transposed, x, w, kwargs, _ = problem
    forward, input_grad, weight_grad = _functions(transposed, w.ndim - 2)

    def loss(x_, w_):
        return 0.5 * np.sum(forward(x_, w_, **kwargs) ** 2)

    y = forward(x, w, **kwargs)
    rng = np.random.default_rng(seed)
    u, v = rng.standard_normal(x.shape), rng.standard_normal(w.shape)
    h = 1e-5
    along_x = (loss(x + h * u, w) - loss(x - h * u, w)) / (2 * h)
    along_w = (loss(x, w + h * v) - loss(x, w - h * v)) / (2 * h)
    scale = 1.0 + np.sum(y ** 2)
    assert np.isclose(np.vdot(input_grad(x.shape, w, y, **kwargs), u), along_x,
                      rtol=1e-6, atol=1e-7 * scale)
    assert np.isclose(np.vdot(weight_grad(x, w.shape, y, **kwargs), v), along_w,
                      rtol=1e-6, atol=1e-7 * scale)


def _symmetric_ints(padding) -> bool:
    return isinstance(padding, tuple) and all(type(p) is int for p in padding)


@settings(deadline=None, max_examples=80)
@given(problems())
def test_gradients_equal_pytorch_autograd(problem):
    torch = pytest.importorskip("torch")
    transposed, x, w, kwargs, g = problem
    assume(_symmetric_ints(kwargs["padding"]) or kwargs["padding"] == "valid")
    ndim = w.ndim - 2
    _, input_grad, weight_grad = _functions(transposed, ndim)
    name = f"conv_transpose{ndim}d" if transposed else f"conv{ndim}d"
    padding = kwargs["padding"]
    if padding == "valid":
        assume(not transposed)
    xt = torch.from_numpy(x).requires_grad_()
    wt = torch.from_numpy(w).requires_grad_()
    yt = getattr(torch.nn.functional, name)(xt, wt, **{**kwargs, "padding": padding})
    dx, dw = torch.autograd.grad(yt, (xt, wt), torch.from_numpy(g))
    np.testing.assert_allclose(input_grad(x.shape, w, g, **kwargs), dx.numpy(), rtol=1e-10,
                               atol=1e-10)
    np.testing.assert_allclose(weight_grad(x, w.shape, g, **kwargs), dw.numpy(), rtol=1e-10,
                               atol=1e-10)


def test_torch_nn_grad_agrees_on_a_layer(rng):
    """torch.nn.grad's own functions, called with the same arguments."""
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 4, 9, 7))
    w = rng.standard_normal((6, 2, 3, 2))
    kwargs = dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)
    g = rng.standard_normal(tconv.conv2d(x, w, **kwargs).shape)
    xt, wt, gt = (torch.from_numpy(a) for a in (x, w, g))
    np.testing.assert_allclose(grad.conv2d_input(x.shape, w, g, **kwargs),
                               torch.nn.grad.conv2d_input(x.shape, wt, gt, **kwargs).numpy(),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grad.conv2d_weight(x, w.shape, g, **kwargs),
                               torch.nn.grad.conv2d_weight(xt, w.shape, gt, **kwargs).numpy(),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("buffer_bytes", [1, 200, 10**9])
def test_weight_gradient_does_not_depend_on_the_column_buffer(buffer_bytes, rng):
    from tconv.kernels.im2col import weight_gradient_gemm
    g3 = ConvGeometry.for_conv((4, 3, 2, 3, 2), (6, 5, 6, 4), stride=(1, 2, 1), padding=1,
                               groups=2)
    x = rng.standard_normal((3, 6, 5, 6, 4))
    go = rng.standard_normal((3, 4) + g3.output_shape)
    expected = grad.conv3d_weight(x, (4, 3, 2, 3, 2), go, stride=(1, 2, 1), padding=1,
                                  groups=2, backend="matrix")
    np.testing.assert_allclose(weight_gradient_gemm(g3, go, x, buffer_bytes=buffer_bytes),
                               expected, rtol=1e-12, atol=1e-12)


def test_gradients_are_bitwise_reproducible(rng):
    x = rng.standard_normal((3, 8, 20, 20)).astype(np.float32)
    w = rng.standard_normal((16, 8, 3, 3)).astype(np.float32)
    g = rng.standard_normal((3, 16, 10, 10)).astype(np.float32)
    first = grad.conv2d_weight(x, w.shape, g, stride=2, padding=1)
    for _ in range(3):
        assert np.array_equal(grad.conv2d_weight(x, w.shape, g, stride=2, padding=1), first)


def test_sizes_with_or_without_batch_and_channels(rng):
    x = rng.standard_normal((2, 3, 7))
    w = rng.standard_normal((4, 3, 3))
    g = tconv.conv1d(x, w, stride=2)
    full = grad.conv1d_input((2, 3, 7), w, g, stride=2)
    np.testing.assert_array_equal(grad.conv1d_input((7,), w, g, stride=2), full)
    np.testing.assert_array_equal(grad.conv1d_input((3, 7), w, g[0], stride=2), full[0])
    # an unbatched input and gradient give an unbatched weight gradient of the same value
    np.testing.assert_allclose(grad.conv1d_weight(x[0], w.shape, g[0], stride=2),
                               grad.conv1d_weight(x[:1], w.shape, g[:1], stride=2))
    # input_size picks between the input sizes that give the same output: 7 and 8 here
    assert grad.conv1d_input((8,), w, g, stride=2).shape == (2, 3, 8)


def test_the_bias_gradient_is_the_sum_the_docs_give(rng):
    torch = pytest.importorskip("torch")
    x, w, b = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3)), \
        rng.standard_normal(4)
    g = rng.standard_normal((2, 4, 4, 4))
    bt = torch.from_numpy(b).requires_grad_()
    y = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), bt)
    (db,) = torch.autograd.grad(y, bt, torch.from_numpy(g))
    np.testing.assert_allclose(g.sum(axis=(0, 2, 3)), db.numpy(), rtol=1e-12)


@pytest.mark.parametrize("call, error, message", [
    (lambda x, w, g: grad.conv2d_input((2, 3, 5, 5), w, g), ValueError,
     r"input_size of conv2d_input must be \(1, 3, \*spatial\)"),
    (lambda x, w, g: grad.conv2d_input((5, 5, 5), w, g), ValueError,
     "must have 2 entries .* or 4"),
    (lambda x, w, g: grad.conv2d_input((6, 6), w, g), ValueError,
     r"grad_output of conv2d_input must have shape \(N, 4, 4, 4\)"),
    (lambda x, w, g: grad.conv2d_input("5, 5", w, g), TypeError, "input_size must be a tuple"),
    (lambda x, w, g: grad.conv2d_input((5, 5), w, "g"), TypeError, "grad_output must be"),
    (lambda x, w, g: grad.conv2d_input((5, 5), w, g, backend="fast"), ValueError,
     "backend must be one of"),
    (lambda x, w, g: grad.conv2d_weight(x, (4, 3, 3), g), ValueError,
     "weight_size of conv2d_weight must be the weight's whole shape, 4 entries"),
    (lambda x, w, g: grad.conv2d_weight(x, (4, 2, 3, 3), g), ValueError, "channels"),
    (lambda x, w, g: grad.conv2d_weight(x, (4, 3, 3, 3), g[0]), ValueError,
     "both have a batch axis"),
    (lambda x, w, g: grad.conv2d_weight(x, (4, 3, 3, 3), g, backend="loops"), ValueError,
     r"backend must be one of \('auto', 'gemm', 'matrix'\)"),
    (lambda x, w, g: grad.conv2d_weight(x, (4, 3, 3, 3), g, stride=0), ValueError,
     "stride must be >= 1"),
    (lambda x, w, g: grad.conv2d_weight(x.astype(np.float16), (4, 3, 3, 3), g), TypeError,
     "float16"),
    (lambda x, w, g: grad.conv_transpose2d_weight(g, (4, 3, 3, 3), x[..., :4]), ValueError,
     r"grad_output of conv_transpose2d_weight must have shape \(N, 3, 5, 5\)"),
    (lambda x, w, g: grad.conv_transpose2d_input((3, 3), w, x, output_padding=1), ValueError,
     "output_padding"),
])
def test_bad_arguments_are_refused_with_a_message(call, error, message, rng):
    x = rng.standard_normal((1, 3, 5, 5))
    w = rng.standard_normal((4, 3, 3, 3))
    g = rng.standard_normal((1, 4, 3, 3))
    with pytest.raises(error, match=message):
        call(x, w, g)
