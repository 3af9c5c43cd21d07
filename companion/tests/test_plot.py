"""The book's figures are drawn by tconv.plot; check what they show, not how they look."""

import numpy as np
import pytest
import scipy.sparse

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import tconv  # noqa: E402
from tconv.examples import SEED_A  # noqa: E402
from tconv.plot import matrix_heatmap  # noqa: E402


def test_heatmap_writes_every_nonzero_entry_of_the_seed_matrix():
    fig, ax = plt.subplots()
    returned = matrix_heatmap(SEED_A, ax, title="A", row_label="rows", col_label="cols")
    assert returned is ax
    written = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text()
               for t in ax.texts}
    expected = {(r, c): str(v) for (r, c), v in np.ndenumerate(SEED_A) if v}
    assert written == expected
    np.testing.assert_array_equal(ax.images[0].get_array(), SEED_A)
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
