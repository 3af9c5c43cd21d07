"""Figures for the book, drawn with matplotlib (an optional dependency: ``pip install tconv[course]``).

Conventions shared by every figure: rows of a matrix are output elements and columns are input
elements, both numbered in the C order that :func:`tconv.conv_matrix` flattens in; the colours
of the input, the kernel and the output are :data:`COLORS`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["COLORS", "matrix_heatmap", "value_grid", "shade_crop", "scatter_terms",
           "padding_windows", "size_staircase"]

#: One colour map per role, used by every figure of the book.
COLORS = {"input": "Blues", "kernel": "Oranges", "output": "Greens", "matrix": "Purples"}

_EDGE = "0.1"  # colour of outlines that mark cells (highlights, stamped blocks)
_CROP_COLOR = "0.45"  # cells that the padding crops


def matrix_heatmap(
    matrix: Any,
    ax: Any = None,
    *,
    title: str = "",
    row_label: str = "output element",
    col_label: str = "input element",
    annotate: bool = True,
    cmap: str = COLORS["matrix"],
    blocks: tuple[int, int] | None = None,
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
    blocks : (int, int), optional
        Draw a line after every ``blocks[0]`` rows and every ``blocks[1]`` columns, to show the
        blocks of a 2-D convolution's matrix (one block per pair of image rows).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        If ``matrix`` is not 2-D or ``blocks`` is not two positive ints.

    Examples
    --------
    >>> import numpy as np, tconv
    >>> from tconv.course.figures import matrix_heatmap
    >>> ax = matrix_heatmap(
    ...     tconv.conv_matrix(np.arange(1, 10).reshape(3, 3), (4, 4))
    ... )
    >>> len(ax.texts)   # the 36 non-zero entries of the worked example's A
    36
    """
    import matplotlib.pyplot as plt

    if hasattr(matrix, "toarray"):
        matrix = matrix.toarray()
    matrix = np.asarray(matrix)
    if matrix.ndim != 2:
        raise ValueError(f"matrix must be 2-D, got shape {matrix.shape}")
    if blocks is not None and (
        not isinstance(blocks, tuple) or len(blocks) != 2
        or not all(isinstance(b, int) and not isinstance(b, bool) and b >= 1 for b in blocks)
    ):
        raise ValueError(f"blocks must be a pair of ints >= 1 (rows, columns per block), "
                         f"got {blocks!r}")
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
    ax.tick_params(labelsize=8)
    ax.set_xlabel(col_label)
    ax.set_ylabel(row_label)
    if blocks is not None:
        for row in range(blocks[0], matrix.shape[0], blocks[0]):
            ax.axhline(row - 0.5, color="0.2", linewidth=1.2)
        for col in range(blocks[1], matrix.shape[1], blocks[1]):
            ax.axvline(col - 0.5, color="0.2", linewidth=1.2)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def value_grid(
    values: Any,
    ax: Any = None,
    *,
    role: str = "input",
    title: str = "",
    annotate: bool = True,
    highlight: Any = None,
    vmax: float | None = None,
    fmt: str = "g",
) -> Any:
    """Draw a 2-D array as a grid of labelled cells in the colour of its role.

    Every cell has a thin border so a reader can count them; rows and columns are numbered from 0
    (row index down, column index across, as NumPy prints arrays).

    Parameters
    ----------
    values : array_like
        2-D.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made if omitted.
    role : {'input', 'kernel', 'output', 'matrix'}, default 'input'
        Picks the colour map from :data:`COLORS`, the same in every figure.
    title : str
        Title above the grid.
    annotate : bool, default True
        Write each value in its cell.
    highlight : array_like of bool, optional
        Same shape as ``values``; those cells get a thick dark border.
    vmax : float, optional
        Value of the darkest colour (default: the largest absolute value), to share a scale
        between several grids.
    fmt : str, default 'g'
        Format of the written values.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from tconv.course.figures import value_grid
    >>> ax = value_grid(
    ...     np.arange(1, 10).reshape(3, 3), role="kernel", title="K"
    ... )
    >>> [t.get_text() for t in ax.texts][:3]
    ['1', '2', '3']
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    if role not in COLORS:
        raise ValueError(f"role must be one of {', '.join(map(repr, COLORS))}, got {role!r}")
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"values must be 2-D, got shape {values.shape}")
    mask = None
    if highlight is not None:
        mask = np.asarray(highlight, dtype=bool)
        if mask.shape != values.shape:
            raise ValueError(f"highlight must have the shape of values {values.shape}, "
                             f"got {mask.shape}")
    rows, cols = values.shape
    if ax is None:
        _, ax = plt.subplots(figsize=(max(1.6, 0.45 * cols + 0.8), max(1.6, 0.45 * rows + 0.8)))
    top = float(np.abs(values).max()) if values.size else 0.0
    top = vmax if vmax is not None else (top or 1.0)
    ax.imshow(np.abs(values.astype(float)), cmap=COLORS[role], vmin=0, vmax=1.8 * top,
              extent=(-0.5, cols - 0.5, rows - 0.5, -0.5))
    for edge in range(cols + 1):
        ax.axvline(edge - 0.5, color="0.55", linewidth=0.6)
    for edge in range(rows + 1):
        ax.axhline(edge - 0.5, color="0.55", linewidth=0.6)
    if annotate:
        size = 9 if max(rows, cols) <= 8 else 7
        for (row, col), value in np.ndenumerate(values):
            ax.text(col, row, format(value, fmt), ha="center", va="center", fontsize=size)
    if mask is not None:
        for row, col in zip(*np.nonzero(mask)):
            ax.add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False,
                                   edgecolor="0.1", linewidth=2.2))
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.tick_params(labelsize=8, length=0)
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    if title:
        ax.set_title(title, fontsize=10)
    return ax



def shade_crop(ax: Any, shape: tuple[int, int], crop: tuple[slice, slice]) -> None:
    """Grey out the cells of a full output that the padding crops, and frame the rest.

    ``crop`` is where the output lies in the full grid of ``shape`` (as
    :attr:`tconv.course.steps.ScatterStep.crop`).
    """
    from matplotlib.patches import Rectangle

    keep = np.zeros(shape, dtype=bool)
    keep[crop] = True
    for r, c in zip(*np.nonzero(~keep)):
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=_CROP_COLOR, alpha=0.22,
                               hatch="///", edgecolor="0.6", linewidth=0))
    if not keep.all():
        (r0, r1), (c0, c1) = ((crop[0].start, crop[0].stop), (crop[1].start, crop[1].stop))
        ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0, fill=False,
                               edgecolor="black", linewidth=1.6, linestyle="--"))


def scatter_terms(x: Any, kernel: Any, *, stride: int = 1, padding: int = 0) -> Any:
    """Draw a transposed convolution as a sum: every input value stamps the scaled kernel.

    One panel per input element ``x[r, c]`` shows its term, the transposed convolution of an
    input that holds only that value (the kernel times ``x[r, c]``, placed at ``stride`` times
    the position, cropped by ``padding``), with the cells it writes outlined; the last panel is
    the sum, :func:`tconv.course.single_channel.conv_transpose2d_single` of the whole input. A frame surrounds the
    block of cells each term writes. Every term is computed
    by that function, so the figure shows what tconv computes.

    Parameters
    ----------
    x, kernel : array_like
        2-D arrays of real numbers (the input, with few elements: one panel each).
    stride, padding : int
        As :func:`tconv.course.single_channel.conv_transpose2d_single`.

    Returns
    -------
    matplotlib.figure.Figure
        Panels, left to right, in C order of ``x``: the terms, then ``y``, titled
        ``"x[r,c] K"`` and ``"y"``; all on one colour scale.

    Raises
    ------
    ValueError
        If ``x`` has more than 16 elements (the figure would not fit the page), and as
        :func:`tconv.course.single_channel.conv_transpose2d_single`.

    Examples
    --------
    >>> import numpy as np
    >>> from tconv.course.figures import scatter_terms
    >>> fig = scatter_terms(
    ...     np.array([[1, 2], [3, 4]]), np.arange(1, 10).reshape(3, 3)
    ... )
    >>> for ax in fig.axes:
    ...     print(ax.get_title())
    1 K  (x[0,0])
    + 2 K  (x[0,1])
    + 3 K  (x[1,0])
    + 4 K  (x[1,1])
    = y
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from .single_channel import conv_transpose2d_single

    x = np.asarray(x)
    if x.size > 16:
        raise ValueError(f"x must have at most 16 elements (one panel each), got shape {x.shape}")
    y = conv_transpose2d_single(x, kernel, stride=stride, padding=padding)
    terms, reach = [], []
    for index in np.ndindex(*x.shape):
        alone = np.zeros_like(x)
        alone[index] = x[index]
        terms.append((index, conv_transpose2d_single(alone, kernel, stride=stride,
                                                     padding=padding)))
        # The cells this element writes, whatever its value (or the kernel's zeros).
        one = np.zeros(x.shape)
        one[index] = 1.0
        reach.append(conv_transpose2d_single(one, np.ones(np.shape(kernel)), stride=stride,
                                             padding=padding) != 0)
    top = max(float(np.abs(y).max()), max(float(np.abs(t).max()) for _, t in terms)) or 1.0
    panels = len(terms) + 1
    width = min(9.0, 1.55 * panels)
    fig, axes = plt.subplots(1, panels, figsize=(width, width / panels + 0.5),
                             layout="constrained")
    for number, ((index, term), cells, ax) in enumerate(zip(terms, reach, axes)):
        label = f"{x[index]:g} K  (x[{index[0]},{index[1]}])"
        value_grid(term, ax, role="output", title=("+ " if number else "") + label, vmax=top)
        if cells.any():  # one frame around the block the stamp writes
            rows, cols = np.nonzero(cells)
            ax.add_patch(Rectangle((cols.min() - 0.5, rows.min() - 0.5),
                                   cols.max() - cols.min() + 1, rows.max() - rows.min() + 1,
                                   fill=False, edgecolor=_EDGE, linewidth=2.2))
    value_grid(y, axes[-1], role="output", title="= y", vmax=top)
    return fig


def padding_windows(x: Any, kernel: Any, cases: Any, *, stride: int = 1) -> Any:
    """Draw which part of the full output ``padding`` and ``output_padding`` keep.

    A transposed convolution first adds up every stamp on the *full* output, then keeps the
    window that starts ``padding`` elements in and has the output's size: ``padding`` crops
    that many rows and columns at each side, and ``output_padding`` gives back as many at the
    end (bottom and right), zeros where no stamp reached. One panel per case shows the full
    output, extended with zeros where the window reaches past it, the cropped cells hatched
    and the kept window framed. The full output is the matrix of the uncropped operator
    (:func:`tconv.course.steps.full_operator`) times ``x``; the tests check each window
    against :func:`tconv.conv_transpose2d`.

    Parameters
    ----------
    x, kernel : array_like
        2-D arrays of real numbers.
    cases : iterable of (int, int)
        ``(padding, output_padding)`` pairs, one panel each (at most 4).
    stride : int, default 1
        As :func:`tconv.conv_transpose2d`.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per case, titled with its arguments and the output's shape; all on one
        colour scale.

    Raises
    ------
    ValueError
        If there are no cases or more than 4, if a case is not a pair, and as
        :func:`tconv.conv_transpose2d` for arguments it refuses (an ``output_padding`` not
        smaller than the stride, a padding that crops everything).

    Examples
    --------
    >>> import numpy as np
    >>> from tconv.course.figures import padding_windows
    >>> fig = padding_windows(
    ...     np.array([[1, 2], [3, 4]]), np.ones((3, 3)),
    ...     [(0, 0), (1, 0), (1, 1)], stride=2,
    ... )
    >>> for ax in fig.axes:
    ...     print(ax.get_title().replace("\\n", " "))
    padding=0, output_padding=0 output 5×5
    padding=1, output_padding=0 output 3×3
    padding=1, output_padding=1 output 4×4
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from .steps import canvas_shape, full_operator, image_and_kernel, single_geometry

    cases = list(cases)
    if not 1 <= len(cases) <= 4:
        raise ValueError(f"cases must hold 1 to 4 (padding, output_padding) pairs (one panel "
                         f"each), got {len(cases)}")
    for case in cases:
        if not isinstance(case, (tuple, list)) or len(case) != 2:
            raise ValueError(f"each case must be a (padding, output_padding) pair, got {case!r}")
    x, kernel = image_and_kernel(x, kernel)
    canvases = []  # (full output, extended with zeros where the window reaches past it; crop)
    for padding, output_padding in cases:
        geometry = single_geometry(x, kernel, stride, padding, output_padding)
        matrix, _, crop = full_operator(geometry, kernel)
        canvases.append(((matrix @ x.ravel()).reshape(canvas_shape(geometry)), crop))
    top = max(float(np.abs(canvas).max()) for canvas, _ in canvases) or 1.0
    widths = [canvas.shape[1] for canvas, _ in canvases]
    cell = min(0.42, (9.0 - 0.9 * len(cases)) / sum(widths))  # inches per cell, 9 in at most
    height = cell * max(canvas.shape[0] for canvas, _ in canvases) + 1.2
    fig, axes = plt.subplots(1, len(cases), figsize=(cell * sum(widths) + 0.9 * len(cases),
                                                      height),
                             width_ratios=widths, layout="constrained", squeeze=False)
    for (padding, output_padding), (canvas, crop), ax in zip(cases, canvases, axes[0]):
        rows, cols = canvas[crop].shape
        value_grid(canvas, ax, role="output", vmax=top,
                   title=(f"padding={padding},\noutput_padding={output_padding}\n"
                          f"output {rows}×{cols}"))
        shade_crop(ax, canvas.shape, crop)
        if (rows, cols) == canvas.shape:  # nothing cropped: frame it all the same
            ax.add_patch(Rectangle((-0.5, -0.5), canvas.shape[1], canvas.shape[0],
                                   fill=False, edgecolor="black", linewidth=1.6,
                                   linestyle="--"))
        ax.set_anchor("N")
    return fig


def size_staircase(
    ax: Any = None,
    *,
    kernel_size: int = 3,
    strides: Any = (1, 2, 3),
    padding: int = 0,
    dilation: int = 1,
    input_sizes: Any = range(1, 17),
) -> Any:
    """Plot a convolution's output size against its input size, one staircase per stride.

    With stride ``s`` the size grows by one every ``s`` inputs: ``s`` input sizes share an
    output size, which is why a transposed convolution needs ``output_padding`` to pick one.
    Sizes come from :func:`tconv.conv_output_size`; inputs that leave no output are skipped.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made if omitted.
    kernel_size, padding, dilation : int
        As :func:`tconv.conv_output_size`.
    strides : iterable of int
        One staircase each.
    input_sizes : iterable of int
        The input sizes on the horizontal axis.

    Returns
    -------
    matplotlib.axes.Axes
        One line per stride, labelled ``"s = ..."``, with a legend.

    Examples
    --------
    >>> from tconv.course.figures import size_staircase
    >>> ax = size_staircase(
    ...     kernel_size=3, strides=(1, 2), input_sizes=range(3, 8)
    ... )
    >>> [line.get_ydata().tolist() for line in ax.get_lines()]
    [[1, 2, 3, 4, 5], [1, 1, 2, 2, 3]]
    """
    import matplotlib.pyplot as plt

    from ..arithmetic import conv_output_size

    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.5))
    sizes = list(input_sizes)
    for number, stride in enumerate(strides):
        points = []
        for i in sizes:
            try:
                points.append((i, conv_output_size(i, kernel_size, stride, padding, dilation)))
            except ValueError as error:
                if "leaves no output" not in str(error):
                    raise
        xs, ys = zip(*points) if points else ((), ())
        ax.plot(xs, ys, drawstyle="steps-post", marker="o", markersize=3.5,
                label=f"s = {stride}", color=plt.get_cmap(COLORS["output"])(0.9 - 0.25 * number))
    ax.set_xlabel("input size i")
    ax.set_ylabel("output size o")
    ax.set_xticks(sizes)
    ax.tick_params(labelsize=8)
    ax.grid(True, color="0.9")
    ax.legend(fontsize=8)
    ax.set_title(f"convolution: k = {kernel_size}, p = {padding}"
                 + (f", d = {dilation}" if dilation != 1 else ""), fontsize=10)
    return ax
