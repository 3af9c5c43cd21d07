"""The worked example, number for number, through the public API."""

import numpy as np
import pytest
import scipy.sparse

import tconv
from tconv.course import single_channel
from tconv.course import worked_example

K = np.array(worked_example.KERNEL)


def test_convolution_matrix_is_the_worked_examples_A():
    a = tconv.conv_matrix(K, (4, 4))
    assert a.shape == (4, 16)
    assert a.dtype.kind == "i"  # an integer kernel gives an integer matrix
    np.testing.assert_array_equal(a, worked_example.A)


def test_transposed_convolution_matrix_is_B_and_A_transposed():
    b = tconv.conv_transpose_matrix(K, (2, 2))
    assert b.shape == (16, 4)
    assert b.dtype.kind == "i"
    np.testing.assert_array_equal(b, worked_example.B)
    np.testing.assert_array_equal(b, tconv.conv_matrix(K, (4, 4)).T)


def test_products_are_AB_and_the_rows_of_BA():
    a = tconv.conv_matrix(K, (4, 4))
    b = tconv.conv_transpose_matrix(K, (2, 2))
    np.testing.assert_array_equal(a @ b, worked_example.AB)
    ba = b @ a
    assert ba.shape == (16, 16)
    for row, values in worked_example.BA_ROWS.items():
        np.testing.assert_array_equal(ba[row], values, err_msg=f"row {row} of BA")


def test_computed_example_matches_the_numbers_written_out():
    ex = worked_example.compute()
    np.testing.assert_array_equal(ex.kernel, K)
    np.testing.assert_array_equal(ex.A, worked_example.A)
    np.testing.assert_array_equal(ex.B, worked_example.B)
    np.testing.assert_array_equal(ex.AB, worked_example.AB)
    np.testing.assert_array_equal(ex.BA, ex.B @ ex.A)


def test_not_inverses():
    ex = worked_example.compute()
    assert not np.array_equal(ex.AB, np.eye(4, dtype=int))
    assert not np.array_equal(ex.BA, np.eye(16, dtype=int))
    # BA maps 16 dimensions through 4: rank 4, so no matrix could undo it.
    assert np.linalg.matrix_rank(ex.BA.astype(float)) == 4
    # AB is symmetric positive definite (A has full row rank), yet far from the identity.
    np.testing.assert_array_equal(ex.AB, ex.AB.T)
    assert np.all(np.linalg.eigvalsh(ex.AB.astype(float)) > 0)


def test_sparse_matrices_equal_the_dense_ones():
    a = tconv.conv_matrix(K, (4, 4), sparse=True)
    b = tconv.conv_transpose_matrix(K, (2, 2), sparse=True)
    assert isinstance(a, scipy.sparse.csr_array) and isinstance(b, scipy.sparse.csr_array)
    np.testing.assert_array_equal(a.toarray(), worked_example.A)
    np.testing.assert_array_equal(b.toarray(), worked_example.B)
    assert a.nnz == 4 * 9  # each output reads the whole kernel: no padding here


@pytest.mark.parametrize("row, col", [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_each_input_pixel_stamps_the_kernel(row, col):
    """The worked example: the transposed convolution scales the kernel by each pixel."""
    x = np.zeros((2, 2), dtype=int)
    x[row, col] = 1
    y = single_channel.conv_transpose2d_single(x, K)
    expected = np.zeros((4, 4), dtype=int)
    expected[row:row + 3, col:col + 3] = K
    np.testing.assert_array_equal(y, expected)
    # ... and that stamp is the column of B for this pixel.
    np.testing.assert_array_equal(y.ravel(), worked_example.B[:, 2 * row + col])


@pytest.mark.parametrize("backend", tconv.BACKENDS)
def test_every_backend_computes_B_times_x(backend):
    x = np.array([[1.5, -2.0], [0.25, 3.0]])
    expected = (worked_example.B @ x.ravel()).reshape(4, 4)
    y = tconv.conv_transpose2d(x[None, None], K[None, None].astype(float), backend=backend)
    np.testing.assert_allclose(y[0, 0], expected, rtol=0, atol=1e-12)


def test_convolution_is_A_times_x():
    x = np.arange(16.0).reshape(4, 4)
    np.testing.assert_array_equal(tconv.conv2d(x[None], K[None, None])[0],
                                  (worked_example.A @ x.ravel()).reshape(2, 2))


def test_the_constants_are_read_only():
    with pytest.raises(ValueError):
        worked_example.A[0, 0] = 99
