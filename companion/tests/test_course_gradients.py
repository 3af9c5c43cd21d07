"""tconv.course.gradients and gradient_figures: finite differences and the weight gradient tap
by tap, checked against exact gradients, the explicit matrix and tconv.grad."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import tconv  # noqa: E402
from tconv.course.gradient_figures import weight_gradient_figure  # noqa: E402
from tconv.course.gradients import finite_differences, weight_gradient_taps  # noqa: E402


def test_finite_differences_of_a_least_squares_loss_match_the_matrix_gradient():
    rng = np.random.default_rng(1)
    kernel = rng.standard_normal((1, 1, 3, 3))
    x = rng.standard_normal((1, 1, 5, 5))
    t = rng.standard_normal((1, 1, 3, 3))
    C = tconv.conv_matrix(kernel, (1, 5, 5))

    def loss(z):
        r = C @ z.ravel() - t.ravel()
        return 0.5 * r @ r

    exact = (C.T @ (C @ x.ravel() - t.ravel())).reshape(x.shape)
    numeric = finite_differences(loss, x)
    assert numeric.shape == x.shape and numeric.dtype == np.float64
    np.testing.assert_allclose(numeric, exact, rtol=1e-7, atol=1e-8)


def test_finite_differences_leave_x_alone_and_accept_integers():
    x = np.array([[1, 2], [3, 4]])
    before = x.copy()
    g = finite_differences(lambda z: float(np.sum(z ** 3)), x, h=1e-4)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(g, 3 * x ** 2, rtol=1e-7)


def test_finite_differences_refuse_bad_arguments():
    with pytest.raises(TypeError, match="f must be a callable"):
        finite_differences(3, np.zeros(2))
    with pytest.raises(TypeError, match="x must be an array of real numbers, got dtype complex"):
        finite_differences(np.sum, np.zeros(2, complex))
    with pytest.raises(TypeError, match="dtype bool"):
        finite_differences(np.sum, np.zeros(2, bool))
    for h in (0, -1e-5, float("inf"), True, "0.1"):
        with pytest.raises(ValueError, match="h must be a positive finite number"):
            finite_differences(np.sum, np.zeros(2), h=h)


@pytest.mark.parametrize("size,k,stride,padding", [(5, 3, 2, 1), (7, 3, 2, 0), (6, 2, 1, 0),
                                                   (8, 4, 3, 2), (4, 1, 2, 0)])
def test_tap_sums_are_the_finite_difference_weight_gradient(size, k, stride, padding):
    rng = np.random.default_rng(size * 10 + k)
    x = rng.standard_normal((size, size))
    w = rng.standard_normal((k, k))
    y = tconv.conv2d(x[None, None], w[None, None], stride=stride, padding=padding)[0, 0]
    target = rng.standard_normal(y.shape)
    padded, taps = weight_gradient_taps(x, y - target, k, stride=stride, padding=padding)
    np.testing.assert_array_equal(padded[padding:padding + size, padding:padding + size], x)
    assert padded.shape == (size + 2 * padding,) * 2 and not np.pad(
        np.zeros_like(x), padding, constant_values=1)[padded != 0].any()

    def loss(weight):
        r = tconv.conv2d(x[None, None], weight[None, None], stride=stride,
                         padding=padding)[0, 0] - target
        return 0.5 * np.vdot(r, r)

    numeric = finite_differences(loss, w)
    listed = np.array([t.value for t in taps]).reshape(k, k)
    np.testing.assert_allclose(listed, numeric, rtol=1e-6, atol=1e-8)
    assert [t.tap for t in taps] == list(np.ndindex(k, k))
    for t in taps:  # each cell is (s i + a, s j + b), its product a term of the sum
        a, b = t.tap
        assert t.cells == tuple((stride * i + a, stride * j + b)
                                for i, j in np.ndindex(*y.shape))
        assert t.inputs == tuple(padded[c] for c in t.cells)
        assert t.residuals == tuple((y - target).ravel())
        assert np.isclose(t.value, np.dot(t.residuals, t.inputs))


def test_weight_gradient_taps_refuse_a_residual_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"residual must have the convolution's output shape "
                                         r"\(3, 3\).*got \(4, 4\)"):
        weight_gradient_taps(np.zeros((5, 5)), np.zeros((4, 4)), 3, stride=2, padding=1)
    with pytest.raises(ValueError, match="x must be 2-D"):
        weight_gradient_taps(np.zeros(5), np.zeros(3), 3)
    with pytest.raises(ValueError, match="kernel_size must be an integer >= 1, got 0"):
        weight_gradient_taps(np.zeros((5, 5)), np.zeros((3, 3)), 0)
    with pytest.raises(ValueError, match="stride must be an integer >= 1, got 1.5"):
        weight_gradient_taps(np.zeros((5, 5)), np.zeros((3, 3)), 3, stride=1.5)


def test_figure_frames_each_shown_taps_cells_and_writes_its_residuals():
    x = np.arange(1.0, 26.0).reshape(5, 5)
    r = np.array([[1.0, -1, 2], [2, 1, -1], [-1, 2, 1]])
    fig = weight_gradient_figure(x, r, 3, [(0, 0), (1, 2)], stride=2, padding=1)
    _, taps = weight_gradient_taps(x, r, 3, stride=2, padding=1)
    by_tap = {t.tap: t for t in taps}
    axes = fig.axes
    assert len(axes) == 4
    for ax, tap in zip(axes[1:3], [(0, 0), (1, 2)]):
        record = by_tap[tap]
        assert ax.get_title().endswith(f"= {record.value:g}")
        framed = {(round(p.get_y() + 0.5), round(p.get_x() + 0.5)) for p in ax.patches
                  if not p.get_fill()}
        assert framed == set(record.cells)
        corners = sorted(t.get_text() for t in ax.texts if t.get_text().startswith("×"))
        assert corners == sorted(f"×{v:g}" for v in record.residuals)
        hatched = [p for p in ax.patches if p.get_fill()]
        assert len(hatched) == 7 * 7 - 5 * 5  # the padding ring
    gradient_texts = [t.get_text() for t in axes[-1].texts]
    assert gradient_texts == [f"{t.value:g}" for t in taps]
    plt.close(fig)


def test_figure_refuses_taps_outside_the_kernel_and_too_many_panels():
    x, r = np.ones((5, 5)), np.ones((3, 3))
    with pytest.raises(ValueError, match=r"0 <= m, n < kernel_size = 3, got \(3, 0\)"):
        weight_gradient_figure(x, r, 3, [(3, 0)], stride=2, padding=1)
    with pytest.raises(ValueError, match="1 to 3 taps"):
        weight_gradient_figure(x, r, 3, [], stride=2, padding=1)
    with pytest.raises(ValueError, match="1 to 3 taps"):
        weight_gradient_figure(x, r, 3, [(0, 0)] * 4, stride=2, padding=1)
