"""tconv.course.toeplitz: the block structure of C_K, checked on the matrices tconv builds."""

import numpy as np
import pytest

import tconv
from tconv.course.toeplitz import is_toeplitz, matrix_blocks
from tconv.course.worked_example import A, KERNEL


def test_worked_example_blocks_are_the_one_dimensional_matrices_of_the_kernel_rows():
    blocks = matrix_blocks(A, 2, 4)
    assert sorted(blocks) == [(i, r) for i in range(2) for r in range(4)]
    for (i, r), block in blocks.items():
        assert block.shape == (2, 4) and is_toeplitz(block)
        if 0 <= r - i <= 2:
            np.testing.assert_array_equal(block, tconv.conv_matrix(KERNEL[r - i], (4,)))
        else:
            assert not block.any()


@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("shape", [(3, 5), (5, 4)])
def test_every_block_of_a_padded_matrix_is_toeplitz_and_depends_on_r_minus_i(shape, padding):
    rng = np.random.default_rng(7)
    kernel = rng.standard_normal((3, 3))
    matrix = tconv.conv_matrix(kernel, shape, padding=padding)
    out_h, out_w = tconv.conv_output_size(shape, 3, 1, padding)
    blocks = matrix_blocks(matrix, out_w, shape[1])
    for (i, r), block in blocks.items():
        assert is_toeplitz(block)
        u = r - i + padding  # the kernel row that meets image row r
        if 0 <= u <= 2:
            np.testing.assert_array_equal(
                block, tconv.conv_matrix(kernel[u], (shape[1],), padding=padding))
        else:
            assert not block.any()
    assert len(blocks) == out_h * shape[0]


def test_is_toeplitz_sees_a_single_changed_entry():
    block = tconv.conv_matrix(np.array([1.0, 2.0, 3.0]), (6,))
    assert is_toeplitz(block)
    for index in np.ndindex(block.shape):
        changed = block.copy()
        changed[index] += 1.0
        # A corner entry is a diagonal of its own, so changing it keeps the matrix Toeplitz.
        corner = index in {(0, block.shape[1] - 1), (block.shape[0] - 1, 0)}
        assert is_toeplitz(changed) == corner, index
    assert is_toeplitz(np.zeros((0, 3)))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="matrix must be 2-D"):
        matrix_blocks(np.zeros(4), 2, 2)
    with pytest.raises(ValueError, match="out_width must be a positive integer, got 0"):
        matrix_blocks(A, 0, 4)
    with pytest.raises(ValueError, match="in_width must be a positive integer"):
        matrix_blocks(A, 2, 2.0)
    with pytest.raises(ValueError, match="not a whole number of 3×4 blocks"):
        matrix_blocks(A, 3, 4)
    with pytest.raises(ValueError, match="block must be 2-D"):
        is_toeplitz([1, 2, 3])
