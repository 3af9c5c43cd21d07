"""Checkerboard artifacts, in pictures: the overlap counts of stacked transposed convolutions.

:func:`draw_overlap` draws them for 1-D and 2-D inputs; :func:`overlap_frames` gives a grid of
them for a static player (:func:`tconv.course.players.player`); :func:`overlap_explorer` puts
ipywidgets sliders on them in Jupyter. The numbers come from :mod:`tconv.course.checkerboard`.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._validate import as_int
from ..geometry import ConvGeometry
from .checkerboard import (
    IntOrSeq,
    Layer,
    as_input_shape,
    as_layers,
    interior,
    interior_unevenness,
    stacked_overlap_counts,
    unevenness,
)
from .figures import value_grid
from .players import Frames

__all__ = ["draw_overlap", "draw_relative", "overlap_frames", "overlap_explorer"]


def _stamps(input_size: int, kernel: int, stride: int, length: int) -> np.ndarray:
    """One row per input element, 1 where its kernel copy lands (single layer, 1-D)."""
    rows = np.zeros((input_size, length), dtype=np.int64)
    for j in range(input_size):
        rows[j, j * stride: j * stride + kernel] = 1
    return rows


def _interior_mask(shape: tuple[int, ...], layers: list) -> np.ndarray:
    mask = np.zeros(shape, dtype=np.int8)
    try:
        interior(mask, layers)[...] = 1
    except ValueError:  # too small to have an interior: nothing to highlight
        pass
    return mask.astype(bool)


def draw_overlap(input_shape: IntOrSeq, layers: Sequence[Layer], *, annotate_limit: int = 48,
                 fig: Any = None) -> Any:
    """Draw the overlap counts of stacked transposed convolutions, for 1-D or 2-D inputs.

    1-D: the first layer's kernel copies (one row per input element, in the kernel's colour),
    then the counts after each layer as a strip of cells (output colour). 2-D: the counts after
    each layer as grids, side by side. The interior (see :func:`~tconv.course.checkerboard.interior`) is outlined, and each
    title gives the interior's :func:`~tconv.course.checkerboard.unevenness`.

    Parameters
    ----------
    input_shape : int or tuple of int
        1 or 2 spatial sizes.
    layers : sequence of (kernel_size, stride)
        The stacked layers, first to last.
    annotate_limit : int, default 48
        Write the counts in the cells only when no axis has more cells than this (2-D grids:
        than 16 at most, where the numbers no longer fit).
    fig : matplotlib.figure.Figure, optional
        An empty figure to draw on, kept at its size; by default a new one, sized to fit.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError, ValueError
        For a bad shape or layer, or a 3-D shape.

    Examples
    --------
    >>> fig = draw_overlap(4, [(3, 2)])
    >>> [ax.get_title() for ax in fig.axes][1]
    'after layer 1 (k=3, s=2): 9 elements, interior max/min = 2'
    """
    import matplotlib.pyplot as plt

    shape = as_input_shape(input_shape)
    if len(shape) > 2:
        raise ValueError(f"input_shape must have 1 or 2 spatial sizes to be drawn, got {shape}")
    checked = as_layers(layers, len(shape))
    annotate_limit = as_int(annotate_limit, "annotate_limit", minimum=0)
    results = [stacked_overlap_counts(shape, checked[: n + 1]) for n in range(len(checked))]

    def title(n: int, counts: np.ndarray) -> str:
        kernel, stride = checked[n]
        k = kernel[0] if len(set(kernel)) == 1 else kernel
        s = stride[0] if len(set(stride)) == 1 else stride
        size = "x".join(map(str, counts.shape))
        try:
            ratio = f"{unevenness(interior(counts, checked[: n + 1])):.3g}"
        except ValueError:
            ratio = "(no interior)"
        return f"after layer {n + 1} (k={k}, s={s}): {size} elements, interior max/min = {ratio}"

    if len(shape) == 1:
        widest = max(len(c) for c in results)
        (kernel,), (stride,) = checked[0]
        stamps = _stamps(shape[0], kernel, stride, len(results[0]))
        width = min(9.0, 0.32 * widest + 1.6)
        cell = (width - 1.6) / widest
        heights = [cell * shape[0] + 0.75] + [cell + 0.75] * len(results)
        if fig is None:
            fig = plt.figure(figsize=(width, sum(heights)))
        axes = fig.subplots(len(heights), 1, gridspec_kw={"height_ratios": heights},
                            squeeze=False)[:, 0]
        value_grid(stamps, axes[0], role="kernel", annotate=False,
                   title=f"kernel copies of layer 1: one row per input element, stride {stride}")
        axes[0].set_ylabel("input\nelement")
        for n, counts in enumerate(results):
            ax = axes[n + 1]
            value_grid(counts[None, :], ax, role="output", title=title(n, counts),
                       annotate=widest <= annotate_limit,
                       highlight=_interior_mask(counts.shape, checked[: n + 1])[None, :])
            ax.set_yticks([])
        step = 1 if widest <= 24 else 5  # tick labels, readable at every width
        for ax in axes:  # one column width for all, so the copies line up with the counts
            ax.set_aspect("auto")
            ax.set_xlim(-0.5, widest - 0.5)
            ax.set_xticks(range(0, widest, step))
        axes[-1].set_xlabel("output element")
    else:
        columns = len(results)
        if fig is None:
            fig = plt.figure(figsize=(min(9.0, 3.2 * columns + 0.4), 3.6))
        axes = fig.subplots(1, columns, squeeze=False)
        for n, counts in enumerate(results):
            ax = axes[0, n]
            value_grid(counts, ax, role="output",
                       annotate=max(counts.shape) <= min(annotate_limit, 16),
                       highlight=_interior_mask(counts.shape, checked[: n + 1]))
            ax.set_title(title(n, counts).replace(": ", ":\n", 1), fontsize=8)
            if max(counts.shape) > 16:
                ax.set_xticks([])
                ax.set_yticks([])
    fig.tight_layout()
    return fig


def draw_relative(images: dict[str, Any], *, border: int = 0, title: str = "") -> Any:
    """Draw 2-D images side by side, each divided by its mean, on one colour scale.

    A checkerboard's strength is how far the values stray from their mean, not their range:
    with a colour scale per panel, a ripple of 1.4 looks as strong as one of 5. Here every
    panel shows ``image / image.mean()`` (after removing ``border`` rows and columns at each
    side) and all panels share one scale and one colour bar, so equal contrast means equal
    unevenness. Each title gives the panel's max/min.

    Parameters
    ----------
    images : dict of str to array_like
        Panel title to 2-D array of positive numbers (at most 4 panels).
    border : int, default 0
        Rows and columns removed at each side first (to look away from the edges).
    title : str
        A title over all panels.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per image, then the colour bar's.

    Raises
    ------
    TypeError
        If ``images`` is not a dict.
    ValueError
        For no images or more than 4, an image that is not 2-D, too small for the border, or
        not positive.

    Examples
    --------
    >>> import numpy as np
    >>> fig = draw_relative({"flat": np.ones((4, 4)),
    ...                      "ripple": np.array([[1.0, 2.0], [2.0, 1.0]])})
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['flat\\nmax/min = 1.00', 'ripple\\nmax/min = 2.00']
    >>> fig.axes[0].images[0].get_clim() == fig.axes[1].images[0].get_clim()
    True
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from .figures import COLORS

    border = as_int(border, "border", minimum=0)
    if not isinstance(images, dict):
        raise TypeError(f"images must be a dict of titled 2-D arrays, got {type(images).__name__}")
    if not 1 <= len(images) <= 4:
        raise ValueError(f"images must hold 1 to 4 panels, got {len(images)}")
    relative = {}
    for name, image in images.items():
        image = np.asarray(image, dtype=float)
        if image.ndim != 2:
            raise ValueError(f"images[{name!r}] must be 2-D, got shape {image.shape}")
        if min(image.shape) <= 2 * border:
            raise ValueError(f"images[{name!r}] of shape {image.shape} has nothing left after "
                             f"removing a border of {border}")
        inner = image[border:image.shape[0] - border, border:image.shape[1] - border]
        if not (inner > 0).all():
            raise ValueError(f"images[{name!r}] must be positive to be divided by its mean")
        relative[name] = (inner / inner.mean(), inner.max() / inner.min())
    low = min(r.min() for r, _ in relative.values())
    high = max(r.max() for r, _ in relative.values())
    width = min(9.0, 2.9 * len(relative) + 0.9)
    fig, axes = plt.subplots(1, len(relative), figsize=(width, 3.3), layout="constrained",
                             squeeze=False)
    for ax, (name, (values, ratio)) in zip(axes[0], relative.items()):
        shown = ax.imshow(values, cmap=COLORS["output"], vmin=low, vmax=high)
        ax.set_title(f"{name}\nmax/min = {ratio:.2f}", fontsize=9)
        ax.set_xlabel("column", fontsize=9)
        ax.set_ylabel("row", fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=8)
    bar = fig.colorbar(shown, ax=axes[0].tolist(), shrink=0.85)
    bar.set_label("value / the panel's mean", fontsize=9)
    bar.ax.tick_params(labelsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def overlap_frames(kernel_sizes: Sequence[int] = (2, 3, 4, 5, 6), strides: Sequence[int] = (1, 2, 3),
                   input_size: int = 5) -> Any:
    """Pictures of :func:`draw_overlap` for one 1-D layer over a grid of kernel sizes and strides.

    For :func:`tconv.course.players.player` with the sliders ``("kernel size", kernel_sizes)`` and
    ``("stride", strides)``: picture ``n`` is ``kernel_sizes[n // len(strides)]`` with
    ``strides[n % len(strides)]``. Every picture has the same size.

    Parameters
    ----------
    kernel_sizes, strides : sequence of int
        The values of the two sliders, each >= 1.
    input_size : int, default 5
        Size of the transposed convolution's input.

    Returns
    -------
    tconv.course.players.Frames

    Examples
    --------
    >>> frames = overlap_frames((2, 3), (1, 2))
    >>> frames.count, frames.captions[3]
    (4, 'kernel size 3, stride 2: interior max/min = 2')
    """
    for name, values in (("kernel_sizes", kernel_sizes), ("strides", strides)):
        if not isinstance(values, (tuple, list, range)) or len(values) == 0:
            raise ValueError(f"{name} must be a non-empty sequence of ints, got {values!r}")
    grid = [(as_int(k, "kernel_sizes", minimum=1), as_int(s, "strides", minimum=1))
            for k in kernel_sizes for s in strides]
    input_size = as_int(input_size, "input_size", minimum=1)
    widest = max(ConvGeometry.for_conv_transpose((1, 1, k), (1, input_size), s).full_shape[0]
                 for k, s in grid)
    captions = []
    for k, s in grid:
        try:
            ratio = f"{interior_unevenness([(k, s)]):.3g}"
        except ValueError:
            ratio = "(no interior)"
        captions.append(f"kernel size {k}, stride {s}: interior max/min = {ratio}")

    def draw(fig: Any, n: int) -> None:
        draw_overlap(input_size, [grid[n]], fig=fig, annotate_limit=widest)
        for ax in fig.axes:
            ax.set_xlim(-0.5, widest - 0.5)

    width = min(9.0, 0.32 * widest + 1.6)
    cell = (width - 1.6) / widest
    height = cell * (input_size + 1) + 1.5
    return Frames(draw, len(grid), (width, height), tuple(captions))


def overlap_explorer(max_kernel: int = 7, max_stride: int = 4, max_layers: int = 3) -> Any:
    """Sliders for kernel size, stride, number of layers and dimension over :func:`draw_overlap`.

    For Jupyter (needs ``ipywidgets``); every layer has the same kernel size and stride. The
    returned widget's ``result`` is the figure drawn last.

    Parameters
    ----------
    max_kernel, max_stride, max_layers : int
        Upper ends of the sliders, each >= 1.

    Returns
    -------
    ipywidgets.interactive

    Examples
    --------
    >>> explorer = overlap_explorer()
    >>> [child.description for child in explorer.children[:4]]
    ['kernel size', 'stride', 'layers', 'dimensions']
    >>> explorer.result.axes[1].get_title()
    'after layer 1 (k=3, s=2): 11 elements, interior max/min = 2'
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    max_kernel = as_int(max_kernel, "max_kernel", minimum=1)
    max_stride = as_int(max_stride, "max_stride", minimum=1)
    max_layers = as_int(max_layers, "max_layers", minimum=1)
    drawn: list = []

    def show(kernel_size: int, stride: int, layers: int, dimensions: int) -> Any:
        for old in drawn:
            plt.close(old)
        drawn.clear()
        shape = (5,) if dimensions == 1 else (3, 3)
        fig = draw_overlap(shape, [(kernel_size, stride)] * layers)
        drawn.append(fig)
        if in_ipython:
            # Displayed here, inside the widget's output area, and closed so that the inline
            # backend does not show it again after the cell (or, for a moved slider, after the
            # widget's output area has stopped capturing, where no one sees it).
            from IPython.display import display

            display(fig)
            plt.close(fig)
        return fig

    style = {"description_width": "initial"}
    controls = dict(
        kernel_size=widgets.IntSlider(min(3, max_kernel), 1, max_kernel, description="kernel size",
                                      style=style),
        stride=widgets.IntSlider(min(2, max_stride), 1, max_stride, description="stride",
                                 style=style),
        layers=widgets.IntSlider(1, 1, max_layers, description="layers", style=style),
        dimensions=widgets.ToggleButtons(options=[("1-D", 1), ("2-D", 2)], value=1,
                                         description="dimensions", style=style),
    )
    # Outside IPython clearing the output area only prints terminal escape codes.
    in_ipython = _in_ipython()
    return widgets.interactive(show, {"auto_display": False}, clear_output=in_ipython,
                               **controls)


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - ipywidgets depends on IPython
        return False
    return get_ipython() is not None
