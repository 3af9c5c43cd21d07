"""Figures for the book, drawn with matplotlib (an optional dependency: ``pip install tconv[plot]``).

Conventions shared by every figure: rows of a matrix are output elements and columns are input
elements, both numbered in the C order that :func:`tconv.conv_matrix` flattens in; the colours
of the input, the kernel and the output are :data:`COLORS`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["COLORS", "matrix_heatmap"]

#: One colour map per role, used by every figure of the book.
COLORS = {"input": "Blues", "kernel": "Oranges", "output": "Greens", "matrix": "Purples"}


def matrix_heatmap(
    matrix: Any,
    ax: Any = None,
    *,
    title: str = "",
    row_label: str = "output element",
    col_label: str = "input element",
    annotate: bool = True,
    cmap: str = COLORS["matrix"],
) -> Any:
    """Draw a matrix as a heat map, every non-zero entry written in its cell.

    Parameters
    ----------
    matrix : array_like or scipy.sparse matrix
        2-D; sparse matrices are drawn densely (keep them small).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made if omitted.
    title, row_label, col_label : str
        Title and axis labels.
    annotate : bool, default True
        Write each non-zero value in its cell (zeros stay blank, so the structure shows).
    cmap : str
        A matplotlib colour map name.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np, tconv
    >>> from tconv.plot import matrix_heatmap
    >>> ax = matrix_heatmap(tconv.conv_matrix(np.arange(1, 10).reshape(3, 3), (4, 4)))
    >>> len(ax.texts)   # the 36 non-zero entries of the seed's A
    36
    """
    import matplotlib.pyplot as plt

    if hasattr(matrix, "toarray"):
        matrix = matrix.toarray()
    matrix = np.asarray(matrix)
    if matrix.ndim != 2:
        raise ValueError(f"matrix must be 2-D, got shape {matrix.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(3.0, 0.32 * matrix.shape[1] + 1.5),
                                      max(2.5, 0.32 * matrix.shape[0] + 1.2)))
    limit = float(np.abs(matrix).max()) or 1.0
    ax.imshow(matrix, cmap=cmap, vmin=-limit if matrix.min() < 0 else 0, vmax=1.6 * limit)
    if annotate:
        for (row, col), value in np.ndenumerate(matrix):
            if value:
                text = f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)
                ax.text(col, row, text, ha="center", va="center", fontsize=8)
    ax.set_xticks(range(matrix.shape[1]))
    ax.set_yticks(range(matrix.shape[0]))
    ax.tick_params(labelsize=7)
    ax.set_xlabel(col_label)
    ax.set_ylabel(row_label)
    if title:
        ax.set_title(title, fontsize=10)
    return ax
