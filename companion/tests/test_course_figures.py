"""The book's figures are drawn by tconv.course.figures; check what they show, not how they look."""

import numpy as np
import pytest
import scipy.sparse

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import tconv  # noqa: E402
from tconv.course.worked_example import A, KERNEL  # noqa: E402
from tconv.course.figures import (  # noqa: E402
    matrix_heatmap, padding_windows, scatter_terms, size_staircase, value_grid,
)


def test_heatmap_writes_every_nonzero_entry_of_the_worked_example_matrix():
    fig, ax = plt.subplots()
    returned = matrix_heatmap(A, ax, title="A", row_label="rows", col_label="cols")
    assert returned is ax
    written = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text()
               for t in ax.texts}
    expected = {(r, c): str(v) for (r, c), v in np.ndenumerate(A) if v}
    assert written == expected
    np.testing.assert_array_equal(ax.images[0].get_array(), A)
    assert (ax.get_title(), ax.get_ylabel(), ax.get_xlabel()) == ("A", "rows", "cols")
    assert len(ax.get_xticks()) == 16 and len(ax.get_yticks()) == 4
    plt.close(fig)


def test_heatmap_accepts_sparse_and_float_matrices():
    m = tconv.conv_transpose_matrix(np.array([0.5, -1.0]), (3,), sparse=True)
    assert isinstance(m, scipy.sparse.csr_array)
    ax = matrix_heatmap(m, annotate=True)
    assert sorted(t.get_text() for t in ax.texts) == sorted(["0.5", "-1"] * 3)
    np.testing.assert_array_equal(ax.images[0].get_array(), m.toarray())
    plt.close(ax.figure)


def test_heatmap_refuses_other_ranks():
    with pytest.raises(ValueError, match=r"matrix must be 2-D, got shape \(2, 2, 2\)"):
        matrix_heatmap(np.ones((2, 2, 2)))


def test_heatmap_draws_block_boundaries():
    ax = matrix_heatmap(tconv.conv_matrix(KERNEL, (4, 4), padding=1), blocks=(4, 4))
    # 16x16 matrix, blocks of 4: three inner boundaries each way, at the block edges.
    horizontal = sorted(line.get_ydata()[0] for line in ax.get_lines()
                        if line.get_ydata()[0] == line.get_ydata()[1])
    vertical = sorted(line.get_xdata()[0] for line in ax.get_lines()
                      if line.get_xdata()[0] == line.get_xdata()[1])
    assert horizontal == vertical == [3.5, 7.5, 11.5]
    plt.close(ax.figure)
    for bad in [(0, 4), (4,), [4, 4], (4, 2.0), (True, 4)]:
        with pytest.raises(ValueError, match=r"blocks must be a pair of ints >= 1"):
            matrix_heatmap(A, blocks=bad)
    plt.close("all")


def _grid_values(ax):
    """The numbers written in a value_grid, as an array indexed by (row, column)."""
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): float(t.get_text())
             for t in ax.texts}
    rows = max(r for r, _ in cells) + 1
    cols = max(c for _, c in cells) + 1
    out = np.full((rows, cols), np.nan)
    for (r, c), v in cells.items():
        out[r, c] = v
    return out


def test_value_grid_writes_every_value_and_outlines_highlighted_cells():
    values = np.array([[1.5, -2.0, 0.0], [4.0, 5.0, 6.0]])
    highlight = np.array([[True, False, False], [False, False, True]])
    fig, ax = plt.subplots()
    assert value_grid(values, ax, role="kernel", title="K", highlight=highlight) is ax
    np.testing.assert_array_equal(_grid_values(ax), values)
    corners = sorted(patch.get_xy() for patch in ax.patches)
    assert corners == [(-0.5, -0.5), (1.5, 0.5)]
    assert ax.images[0].get_cmap().name == "Oranges" and ax.get_title() == "K"
    assert len(ax.get_xticks()) == 3 and len(ax.get_yticks()) == 2
    plt.close(fig)


def test_value_grid_refuses_bad_input():
    with pytest.raises(ValueError, match=r"role must be one of 'input', .* got 'weights'"):
        value_grid(np.ones((2, 2)), role="weights")
    with pytest.raises(ValueError, match=r"values must be 2-D, got shape \(4,\)"):
        value_grid(np.ones(4))
    with pytest.raises(ValueError, match=r"highlight must have the shape of values \(2, 2\), "
                                         r"got \(3,\)"):
        value_grid(np.ones((2, 2)), highlight=[True, False, True])
    plt.close("all")


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 0), (2, 1), (3, 1)])
def test_scatter_terms_shows_each_column_of_the_transposed_matrix_and_their_sum(stride, padding):
    x = np.array([[1, -2], [3, 4]])
    kernel = np.array(KERNEL)
    matrix = tconv.conv_transpose_matrix(kernel, x.shape, stride=stride, padding=padding)
    out_shape = (tconv.conv_transpose_output_size(2, 3, stride, padding),) * 2
    fig = scatter_terms(x, kernel, stride=stride, padding=padding)
    *term_axes, sum_ax = fig.axes
    assert len(term_axes) == 4
    support = tconv.conv_transpose_matrix(np.ones((3, 3)), x.shape, stride, padding) != 0
    for column, ax in enumerate(term_axes):
        # Term `column` is column `column` of C^T, scaled by that input value.
        expected = (matrix[:, column] * x.flat[column]).reshape(out_shape)
        np.testing.assert_array_equal(_grid_values(ax), expected)
        r, c = divmod(column, 2)
        assert ax.get_title().endswith(f"{x[r, c]} K  (x[{r},{c}])")
        rows, cols = np.nonzero(support[:, column].reshape(out_shape))
        (frame,) = ax.patches
        assert frame.get_xy() == (cols.min() - 0.5, rows.min() - 0.5)
        assert (frame.get_width(), frame.get_height()) == (np.ptp(cols) + 1, np.ptp(rows) + 1)
    np.testing.assert_array_equal(_grid_values(sum_ax), (matrix @ x.ravel()).reshape(out_shape))
    assert sum_ax.get_title() == "= y"
    assert fig.get_size_inches()[0] <= 9
    plt.close(fig)


CASES = [(0, 0), (1, 0), (1, 1), (0, 1)]


def test_padding_windows_frame_the_output_inside_the_full_output():
    x = np.array([[1, -2], [3, 4]])
    kernel = np.array(KERNEL)
    full = (tconv.conv_transpose_matrix(kernel, x.shape, stride=2) @ x.ravel()).reshape(5, 5)
    fig = padding_windows(x, kernel, CASES, stride=2)
    assert len(fig.axes) == len(CASES)
    for (padding, output_padding), ax in zip(CASES, fig.axes):
        out = tconv.conv_transpose2d(x[None, None], kernel[None, None], stride=2,
                                     padding=padding, output_padding=output_padding)[0, 0]
        # The panel is the full output, with zeros past it where the window reaches beyond.
        extra = max(0, output_padding - padding)
        np.testing.assert_array_equal(_grid_values(ax), np.pad(full, (0, extra)))
        # The dashed frame holds exactly tconv's output; the other cells are hatched.
        frames = [p for p in ax.patches if p.get_linestyle() == "--"]
        hatched = [p for p in ax.patches if p.get_hatch()]
        cropped = (5 + extra) ** 2 - out.size
        assert len(hatched) == cropped
        (frame,) = frames
        assert frame.get_xy() == (padding - 0.5, padding - 0.5)
        assert (frame.get_height(), frame.get_width()) == out.shape
        window = _grid_values(ax)[padding:padding + out.shape[0], padding:padding + out.shape[1]]
        np.testing.assert_array_equal(window, out)
        assert ax.get_title() == (f"padding={padding},\noutput_padding={output_padding}\n"
                                  f"output {out.shape[0]}×{out.shape[1]}")
    assert fig.get_size_inches()[0] <= 9
    plt.close(fig)


@pytest.mark.parametrize("cases, message", [
    ([], r"cases must hold 1 to 4 .* got 0"),
    ([(0, 0)] * 5, r"cases must hold 1 to 4 .* got 5"),
    ([1], r"each case must be a \(padding, output_padding\) pair, got 1"),
    ([(0, 0, 0)], r"each case must be a \(padding, output_padding\) pair, got \(0, 0, 0\)"),
    ([(0, 2)], r"output_padding"),
])
def test_padding_windows_refuses_bad_cases(cases, message):
    with pytest.raises(ValueError, match=message):
        padding_windows(np.ones((2, 2)), np.ones((3, 3)), cases, stride=2)
    plt.close("all")


def test_scatter_terms_refuses_large_inputs():
    with pytest.raises(ValueError, match=r"x must have at most 16 elements .* got shape \(5, 4\)"):
        scatter_terms(np.ones((5, 4)), np.ones((3, 3)))


def test_size_staircase_plots_the_output_size_of_each_stride():
    ax = size_staircase(kernel_size=4, strides=(1, 2, 3), padding=0, input_sizes=range(1, 12))
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["s = 1", "s = 2", "s = 3"]
    for stride, line in zip((1, 2, 3), lines):
        # Inputs smaller than the kernel leave no output and are left out.
        assert line.get_xdata().tolist() == list(range(4, 12))
        assert line.get_ydata().tolist() == [(i - 4) // stride + 1 for i in range(4, 12)]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("input size i", "output size o")
    plt.close(ax.figure)
