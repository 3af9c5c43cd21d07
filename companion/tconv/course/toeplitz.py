"""The block structure of a convolution's matrix: doubly block Toeplitz.

The matrix :math:`C_K` of a 2-D convolution (:func:`tconv.conv_matrix`, rows and columns in C
order) cuts into blocks, one per pair (output row, input row). Each block maps one image row
to one output row. Block ``(i, r)`` applies kernel row ``r - i`` (shifted by the padding) along
the image row, so the blocks repeat down the block diagonals and each block is constant along
its own diagonals: a *Toeplitz* matrix of Toeplitz blocks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["matrix_blocks", "is_toeplitz"]


def matrix_blocks(matrix: Any, out_width: int, in_width: int) -> dict[tuple[int, int], Any]:
    """Cut a 2-D convolution's matrix into its (output row, input row) blocks.

    Parameters
    ----------
    matrix : array_like
        2-D, with rows in C order of an output ``(out_height, out_width)`` and columns in C
        order of an input ``(in_height, in_width)``, as :func:`tconv.conv_matrix` builds it.
    out_width, in_width : int
        Widths of the output and of the input: the height and width of each block.

    Returns
    -------
    dict
        ``{(i, r): block}`` for every output row ``i`` and input row ``r``; each block is a
        view of ``matrix``, ``out_width`` by ``in_width``.

    Raises
    ------
    ValueError
        If ``matrix`` is not 2-D, if a width is not a positive integer, or if the matrix's
        shape is not a whole number of blocks.

    Examples
    --------
    >>> import numpy as np
    >>> import tconv
    >>> A = tconv.conv_matrix(np.arange(1, 10).reshape(3, 3), (4, 4))
    >>> blocks = matrix_blocks(A, 2, 4)
    >>> sorted(blocks)[:3]
    [(0, 0), (0, 1), (0, 2)]
    >>> blocks[(0, 1)]             # kernel row 1 along an image row
    array([[4, 5, 6, 0],
           [0, 4, 5, 6]])
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2:
        raise ValueError(f"matrix must be 2-D, got shape {matrix.shape}")
    for name, width in (("out_width", out_width), ("in_width", in_width)):
        if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
            raise ValueError(f"{name} must be a positive integer, got {width!r}")
    if matrix.shape[0] % out_width or matrix.shape[1] % in_width:
        raise ValueError(f"matrix of shape {matrix.shape} is not a whole number of "
                         f"{out_width}×{in_width} blocks: its rows must be a multiple of "
                         f"out_width and its columns of in_width")
    rows, cols = matrix.shape[0] // out_width, matrix.shape[1] // in_width
    return {(i, r): matrix[i * out_width:(i + 1) * out_width, r * in_width:(r + 1) * in_width]
            for i in range(rows) for r in range(cols)}


def is_toeplitz(block: Any) -> bool:
    """Whether a 2-D array is constant along each of its diagonals.

    Entry ``(m, n)`` of a Toeplitz matrix depends only on ``n - m``.

    Parameters
    ----------
    block : array_like
        2-D, any shape (a 0-row or 0-column array is Toeplitz).

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        If ``block`` is not 2-D.

    Examples
    --------
    >>> import numpy as np
    >>> is_toeplitz([[1, 2, 3], [0, 1, 2]])
    True
    >>> is_toeplitz(np.arange(6).reshape(2, 3))
    False
    """
    block = np.asarray(block)
    if block.ndim != 2:
        raise ValueError(f"block must be 2-D, got shape {block.shape}")
    if block.size == 0:
        return True
    return all(bool(np.all(np.diagonal(block, offset) == np.diagonal(block, offset)[0]))
               for offset in range(-block.shape[0] + 1, block.shape[1]))
