"""The worked example the course starts from, as data.

The 3x3 kernel ``[[1, 2, 3], [4, 5, 6], [7, 8, 9]]`` on a 4x4 image: its convolution is a 4x16
matrix ``A``; the transposed convolution is ``B = A^T``, 16x4, from 2x2 back to 4x4; and the
products ``AB`` (4x4) and ``BA`` (16x16) are not identity matrices: the two are not inverses.

The constants (:data:`KERNEL`, :data:`A`, :data:`B`, :data:`AB`, :data:`BA_ROWS`) are those
numbers written out by hand, as the course prints them (``BA_ROWS`` holds six rows of ``BA``:
the first three and the last three). :func:`compute` computes the same matrices through
tconv's API; the tests check that the two agree exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..matrix import conv_matrix, conv_transpose_matrix

__all__ = [
    "KERNEL",
    "INPUT_SHAPE",
    "OUTPUT_SHAPE",
    "A",
    "B",
    "AB",
    "BA_ROWS",
    "WorkedExample",
    "compute",
]


def _frozen(rows: list) -> np.ndarray:
    array = np.array(rows, dtype=np.int64)
    array.flags.writeable = False
    return array


#: The 3x3 kernel.
KERNEL = _frozen([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
#: The image the convolution reads (and the transposed convolution writes).
INPUT_SHAPE = (4, 4)
#: The convolution's output (the transposed convolution's input).
OUTPUT_SHAPE = (2, 2)

#: The convolution matrix A (4x16).
A = _frozen([
    [1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0, 0],
    [0, 1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0],
    [0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0],
    [0, 0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9],
])

#: The transposed convolution matrix B = A^T (16x4).
B = _frozen([
    [1, 0, 0, 0],
    [2, 1, 0, 0],
    [3, 2, 0, 0],
    [0, 3, 0, 0],
    [4, 0, 1, 0],
    [5, 4, 2, 1],
    [6, 5, 3, 2],
    [0, 6, 0, 3],
    [7, 0, 4, 0],
    [8, 7, 5, 4],
    [9, 8, 6, 5],
    [0, 9, 0, 6],
    [0, 0, 7, 0],
    [0, 0, 8, 7],
    [0, 0, 9, 8],
    [0, 0, 0, 9],
])

#: AB (4x4).
AB = _frozen([
    [285, 186, 154, 94],
    [186, 285, 106, 154],
    [154, 106, 285, 186],
    [94, 154, 186, 285],
])

#: Six rows of BA (16x16): the first three and the last three.
BA_ROWS = {
    0: _frozen([1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0, 0]),
    1: _frozen([2, 5, 8, 3, 8, 14, 17, 6, 14, 23, 26, 9, 0, 0, 0, 0]),
    2: _frozen([3, 8, 13, 6, 12, 23, 28, 12, 21, 38, 43, 18, 0, 0, 0, 0]),
    13: _frozen([0, 0, 0, 0, 8, 23, 38, 21, 32, 68, 83, 42, 56, 113, 128, 63]),
    14: _frozen([0, 0, 0, 0, 9, 26, 43, 24, 36, 77, 94, 48, 63, 128, 145, 72]),
    15: _frozen([0, 0, 0, 0, 0, 9, 18, 27, 0, 36, 45, 54, 0, 63, 72, 81]),
}


@dataclass(frozen=True)
class WorkedExample:
    """The worked example's matrices, computed by tconv.

    Attributes
    ----------
    kernel : numpy.ndarray
        The 3x3 kernel.
    A : numpy.ndarray
        The convolution matrix, 4x16 (``conv_matrix(kernel, (4, 4))``).
    B : numpy.ndarray
        The transposed convolution matrix, 16x4 (``conv_transpose_matrix(kernel, (2, 2))``).
    AB : numpy.ndarray
        4x4: not the identity.
    BA : numpy.ndarray
        16x16: not the identity either; its rank is 4.
    """

    kernel: np.ndarray
    A: np.ndarray
    B: np.ndarray
    AB: np.ndarray
    BA: np.ndarray


def compute() -> WorkedExample:
    """Compute the worked example's matrices through tconv's API.

    Examples
    --------
    >>> ex = compute()
    >>> ex.A.shape, ex.B.shape
    ((4, 16), (16, 4))
    >>> ex.AB[0]
    array([285, 186, 154,  94])
    """
    kernel = np.array(KERNEL)
    a = conv_matrix(kernel, INPUT_SHAPE)
    b = conv_transpose_matrix(kernel, OUTPUT_SHAPE)
    return WorkedExample(kernel=kernel, A=a, B=b, AB=a @ b, BA=b @ a)
