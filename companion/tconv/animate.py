"""Step-by-step pictures of a transposed convolution: scatter and gather animations, saved GIFs
and self-contained HTML players for the static book.

A 2-D single-channel transposed convolution ``y = C_K^T x`` can be computed in two orders:

- **scatter**: one step per input element ``x[r, c]``: it scales the kernel and adds the stamp
  ``x[r, c] K`` into the output at ``stride`` times its position. Each step adds one column of
  ``C_K^T`` times ``x[r, c]``.
- **gather**: one step per output element ``y[u, v]``: it sums the inputs that reach it, each
  times the kernel tap that connects them. Each step is one row of ``C_K^T`` times ``x``.

:func:`scatter_steps` and :func:`gather_steps` compute those steps with tconv's explicit
matrices (:func:`tconv.conv_transpose_matrix`) and check that the last step equals
:func:`tconv.conv_transpose2d`. The scatter draws on the *full* output (before the crop), with
the ``padding`` border that is cropped away shaded.

Pictures are :class:`Frames` (a drawing function and a count); :func:`save_gif` writes them with
matplotlib's ``PillowWriter`` and :func:`player` embeds them, as PNG images, in one HTML block
that needs no kernel and no network: a ``div.tconv-player`` with ``<input type="range">``
sliders, an ``img.tconv-frame`` and a few lines of inline JavaScript. :func:`explorer_player`
precomputes :func:`draw_configuration` over a grid of strides and paddings; the live
:mod:`tconv.widgets` explorer draws the same function.

Matplotlib is needed (``pip install tconv[plot]``); it is imported when a picture is drawn.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
import math
import os
import textwrap
from dataclasses import dataclass
from typing import Any, Callable, Sequence, Union

import numpy as np

from . import single_channel
from ._validate import as_int
from .arithmetic import conv_transpose_size
from .functional import conv_transpose2d
from .geometry import ConvGeometry
from .matrix import conv_transpose_matrix

__all__ = [
    "ScatterStep",
    "GatherStep",
    "scatter_steps",
    "gather_steps",
    "Frames",
    "scatter_frames",
    "gather_frames",
    "configuration_frames",
    "draw_configuration",
    "configuration_error",
    "CONFIGURATION_FIGSIZE",
    "save_gif",
    "render_png",
    "Player",
    "player",
    "explorer_player",
    "MAX_STEPS",
]

IntOrPair = Union[int, Sequence[int]]

#: Most steps (input or output elements) an animation may have: one picture per step.
MAX_STEPS = 100

_CROP_COLOR = "0.45"


# --- the computation, step by step -----------------------------------------------------------
@dataclass(frozen=True)
class ScatterStep:
    """One step of the scatter: input element ``index`` stamps ``value * kernel``.

    Arrays on the full (uncropped) output have the shape of :attr:`canvas`; the output that
    :func:`tconv.conv_transpose2d` returns is ``canvas[crop]``.

    Attributes
    ----------
    index : tuple of int
        ``(r, c)``, the input element of this step.
    value : float
        ``x[r, c]``.
    stamp : numpy.ndarray
        ``x[r, c]`` times the kernel, shape of the kernel.
    added : numpy.ndarray
        What this step adds to the full output (the stamp at its place, zeros elsewhere).
    stamped : numpy.ndarray of bool
        The cells of the full output this step writes to.
    canvas : numpy.ndarray
        The full output after this step.
    output : numpy.ndarray
        The cropped output after this step: the first ``j + 1`` columns of ``C_K^T`` times
        the first ``j + 1`` inputs.
    crop : tuple of slice
        Where the output lies in the full canvas (``padding`` cropped at the start, ``padding
        - output_padding`` at the end).
    """

    index: tuple[int, int]
    value: float
    stamp: np.ndarray
    added: np.ndarray
    stamped: np.ndarray
    canvas: np.ndarray
    output: np.ndarray
    crop: tuple[slice, slice]


@dataclass(frozen=True)
class GatherStep:
    """One step of the gather: output element ``index`` sums the inputs that reach it.

    Attributes
    ----------
    index : tuple of int
        ``(u, v)``, the output element of this step.
    value : float
        ``y[u, v]``.
    inputs : numpy.ndarray of bool
        Shape of ``x``: the input elements that reach ``y[u, v]``.
    taps : numpy.ndarray of int
        Shape of ``x``: for each input that reaches ``y[u, v]``, the flat index of the kernel tap
        that connects them (``-1`` for the others).
    terms : tuple of (float, float) pairs
        ``(kernel value, input value)`` for every input that reaches ``y[u, v]``, in C order of
        the inputs; their products sum to :attr:`value`.
    output : numpy.ndarray
        The output so far: elements up to this one hold their values, later ones 0.
    """

    index: tuple[int, int]
    value: float
    inputs: np.ndarray
    taps: np.ndarray
    terms: tuple[tuple[float, float], ...]
    output: np.ndarray


def _image_and_kernel(x: Any, kernel: Any) -> tuple[np.ndarray, np.ndarray]:
    return single_channel._image_and_kernel(x, kernel, image_name="x")


def _geometry(x: np.ndarray, kernel: np.ndarray, stride: IntOrPair, padding: IntOrPair,
              output_padding: IntOrPair, dilation: IntOrPair) -> ConvGeometry:
    return ConvGeometry.for_conv_transpose((1, 1) + kernel.shape, (1,) + x.shape, stride,
                                           padding, output_padding, dilation)


def _tap_ids(kernel_shape: tuple[int, ...]) -> np.ndarray:
    """1, 2, ... in the kernel's C order: a matrix built from them says which tap links what."""
    return np.arange(1, math.prod(kernel_shape) + 1, dtype=np.int64).reshape(kernel_shape)


def _full_operator(geometry: ConvGeometry, kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                         tuple[slice, slice]]:
    """C_K^T of the uncropped output, its tap-id twin, and where the cropped output lies in it.

    The canvas is the full output, extended with zeros at the end where ``output_padding`` (or
    a ``"same"`` padding) reaches past it.
    """
    extend = tuple(max(0, -e) for e in geometry.padding_end)
    args = (geometry.input_shape, geometry.stride, 0, extend, geometry.dilation)
    matrix = conv_transpose_matrix(kernel, *args)
    taps = conv_transpose_matrix(_tap_ids(kernel.shape), *args)
    crop = tuple(slice(b, b + o) for b, o in zip(geometry.padding, geometry.output_shape))
    return matrix, taps, crop


def _check_steps(count: int, what: str) -> None:
    if count > MAX_STEPS:
        raise ValueError(f"{what} has {count} elements; an animation draws one picture per "
                         f"element, at most MAX_STEPS = {MAX_STEPS}")


def _check_final(result: np.ndarray, x: np.ndarray, kernel: np.ndarray, stride: IntOrPair,
                 padding: IntOrPair, output_padding: IntOrPair, dilation: IntOrPair) -> None:
    expected = conv_transpose2d(x[None, None], kernel[None, None], None, stride, padding,
                                output_padding, 1, dilation)[0, 0]
    if result.shape != expected.shape or not np.allclose(result, expected, rtol=1e-12, atol=1e-12):
        raise RuntimeError("the step-by-step result differs from tconv.conv_transpose2d: "
                           "this is a bug in tconv.animate")


def scatter_steps(x: Any, kernel: Any, stride: IntOrPair = 1, padding: IntOrPair = 0,
                  output_padding: IntOrPair = 0, dilation: IntOrPair = 1) -> list[ScatterStep]:
    """The scatter computation of ``conv_transpose2d``, one step per input element.

    Step ``j`` (input element ``(r, c)`` in C order) adds column ``j`` of the full operator's
    matrix times ``x[r, c]``: the kernel scaled by ``x[r, c]``, placed at ``stride * (r, c)``
    with taps ``dilation`` apart. The last step's :attr:`ScatterStep.output` is checked against
    :func:`tconv.conv_transpose2d` (a ``RuntimeError`` would be a bug).

    Parameters
    ----------
    x, kernel : array_like
        2-D arrays of real numbers (computed in float64); ``x`` has at most :data:`MAX_STEPS`
        elements.
    stride, padding, output_padding, dilation : int or pair of int
        As :func:`tconv.conv_transpose2d` (``padding`` may also be ``'same'`` or
        ``'same_lower'``).

    Returns
    -------
    list of ScatterStep

    Raises
    ------
    TypeError, ValueError
        As :func:`tconv.conv_transpose2d` (naming ``x`` and ``kernel``), and for an ``x``
        with more than :data:`MAX_STEPS` elements.

    Examples
    --------
    The seed's example: the 2x2 input ``[[1, 2], [3, 4]]`` and the 3x3 kernel 1..9.

    >>> import numpy as np
    >>> steps = scatter_steps([[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3))
    >>> len(steps), steps[1].index, steps[1].value
    (4, (0, 1), 2.0)
    >>> steps[1].output
    array([[ 1.,  4.,  7.,  6.],
           [ 4., 13., 16., 12.],
           [ 7., 22., 25., 18.],
           [ 0.,  0.,  0.,  0.]])
    """
    x, kernel = _image_and_kernel(x, kernel)
    geometry = _geometry(x, kernel, stride, padding, output_padding, dilation)
    _check_steps(x.size, "x")
    x, kernel = x.astype(np.float64), kernel.astype(np.float64)
    matrix, taps, crop = _full_operator(geometry, kernel)
    canvas_shape = _canvas_shape(geometry)
    canvas = np.zeros(canvas_shape)
    steps = []
    for j, (index, value) in enumerate(np.ndenumerate(x)):
        added = (matrix[:, j] * value).reshape(canvas_shape)
        stamped = (taps[:, j] != 0).reshape(canvas_shape)
        canvas = canvas + added
        steps.append(ScatterStep(
            index=tuple(int(i) for i in index), value=float(value), stamp=kernel * value,
            added=added, stamped=stamped, canvas=canvas, output=canvas[crop].copy(), crop=crop,
        ))
    _check_final(steps[-1].output, x, kernel, stride, padding, output_padding, dilation)
    return steps


def _canvas_shape(geometry: ConvGeometry) -> tuple[int, int]:
    """Shape of the full canvas: the full output plus any extension at the end."""
    return tuple(
        conv_transpose_size(n, k, s, 0, min(0, e), d)
        for n, k, s, e, d in zip(geometry.input_shape, geometry.kernel_size, geometry.stride,
                                 geometry.padding_end, geometry.dilation)
    )


def gather_steps(x: Any, kernel: Any, stride: IntOrPair = 1, padding: IntOrPair = 0,
                 output_padding: IntOrPair = 0, dilation: IntOrPair = 1) -> list[GatherStep]:
    """The gather computation of ``conv_transpose2d``, one step per output element.

    Step ``m`` (output element ``(u, v)`` in C order) is row ``m`` of ``C_K^T`` times ``x``:
    the sum, over the inputs that reach ``y[u, v]``, of each input times the kernel tap that
    connects it to ``y[u, v]``. The tap of each pair is read from the matrix of the same operator
    built from a kernel of tap numbers. The output is checked against
    :func:`tconv.conv_transpose2d`.

    Parameters
    ----------
    x, kernel, stride, padding, output_padding, dilation
        As :func:`scatter_steps`; the *output* has at most :data:`MAX_STEPS` elements.

    Returns
    -------
    list of GatherStep

    Raises
    ------
    TypeError, ValueError
        As :func:`scatter_steps`.

    Examples
    --------
    >>> import numpy as np
    >>> steps = gather_steps([[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3))
    >>> len(steps)                      # one per element of the 4x4 output
    16
    >>> s = steps[5]                    # y[1, 1]: every input reaches it
    >>> s.index, s.value, s.terms
    ((1, 1), 23.0, ((5.0, 1.0), (4.0, 2.0), (2.0, 3.0), (1.0, 4.0)))
    """
    x, kernel = _image_and_kernel(x, kernel)
    geometry = _geometry(x, kernel, stride, padding, output_padding, dilation)
    _check_steps(math.prod(geometry.output_shape), "the output")
    x, kernel = x.astype(np.float64), kernel.astype(np.float64)
    args = (x.shape, stride, padding, output_padding, dilation)
    matrix = conv_transpose_matrix(kernel, *args)
    taps = conv_transpose_matrix(_tap_ids(kernel.shape), *args)
    flat_x, flat_k = x.ravel(), kernel.ravel()
    output = np.zeros(geometry.output_shape)
    steps = []
    for m, index in enumerate(np.ndindex(*geometry.output_shape)):
        reach = taps[m] != 0
        value = float(matrix[m] @ flat_x)
        output = output.copy()
        output[index] = value
        steps.append(GatherStep(
            index=tuple(int(i) for i in index), value=value, inputs=reach.reshape(x.shape),
            taps=np.where(reach, taps[m] - 1, -1).reshape(x.shape),
            terms=tuple((float(flat_k[taps[m][j] - 1]), float(flat_x[j]))
                        for j in np.flatnonzero(reach)),
            output=output,
        ))
    _check_final(steps[-1].output, x, kernel, stride, padding, output_padding, dilation)
    return steps


# --- drawing ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Frames:
    """A sequence of pictures drawn on demand.

    Attributes
    ----------
    draw : callable
        ``draw(fig, i)`` draws picture ``i`` on an empty :class:`matplotlib.figure.Figure`.
    count : int
        Number of pictures.
    figsize : tuple of float
        Size of the figure in inches.
    captions : tuple of str
        One short description per picture (the players show it and use it as alt text).
    """

    draw: Callable[[Any, int], None]
    count: int
    figsize: tuple[float, float]
    captions: tuple[str, ...]

    def figure(self, i: int) -> Any:
        """Picture ``i`` as a new figure (close it with ``plt.close(fig)``).

        Examples
        --------
        >>> import numpy as np, matplotlib.pyplot as plt
        >>> frames = scatter_frames([[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3))
        >>> fig = frames.figure(0)
        >>> len(fig.axes)
        4
        >>> plt.close(fig)
        """
        import matplotlib.pyplot as plt

        i = as_int(i, "i", minimum=0)
        if i >= self.count:
            raise ValueError(f"i must be < {self.count} (the number of pictures), got {i}")
        fig = plt.figure(figsize=self.figsize)
        self.draw(fig, i)
        return fig


def _fmt(value: float) -> str:
    return format(value, "g")


def _shade_crop(ax: Any, shape: tuple[int, int], crop: tuple[slice, slice]) -> None:
    """Grey out the cells of the full output that the padding crops, and frame the rest."""
    from matplotlib.patches import Rectangle

    rows, cols = shape
    keep = np.zeros(shape, dtype=bool)
    keep[crop] = True
    for r, c in zip(*np.nonzero(~keep)):
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=_CROP_COLOR, alpha=0.22,
                               hatch="///", edgecolor="0.6", linewidth=0))
    if not keep.all():
        (r0, r1), (c0, c1) = ((crop[0].start, crop[0].stop), (crop[1].start, crop[1].stop))
        ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0, fill=False,
                               edgecolor="black", linewidth=1.6, linestyle="--"))


def _grid_axes(fig: Any, shapes: Sequence[tuple[int, int]]) -> list[Any]:
    """One axes per grid in a row, widths proportional to the grids' widths."""
    widths = [max(2, s[1]) for s in shapes]
    axes = list(fig.subplots(1, len(shapes), gridspec_kw={"width_ratios": widths}))
    fig.subplots_adjust(left=0.03, right=0.99, bottom=0.08, top=0.8, wspace=0.25)
    return axes


def _row_figsize(shapes: Sequence[tuple[int, int]]) -> tuple[float, float]:
    width = sum(max(2, s[1]) for s in shapes)
    height = max(s[0] for s in shapes)
    scale = min(0.42, 8.6 / (width + 1.5 * len(shapes)))
    return (round(min(9.0, scale * width + 0.65 * len(shapes) + 0.4), 1),
            round(max(2.2, scale * height + 1.0), 1))


def scatter_frames(x: Any, kernel: Any, stride: IntOrPair = 1, padding: IntOrPair = 0,
                   output_padding: IntOrPair = 0, dilation: IntOrPair = 1) -> Frames:
    """Pictures of :func:`scatter_steps`: input, kernel, this step's stamp, output so far.

    Picture ``j`` highlights input element ``j``, shows ``x[r, c] K``, and draws the full output
    after step ``j`` with the cells just stamped framed and the cropped ``padding`` border
    shaded (the dashed frame is what :func:`tconv.conv_transpose2d` returns).

    Parameters
    ----------
    x, kernel, stride, padding, output_padding, dilation
        As :func:`scatter_steps`.

    Returns
    -------
    Frames
        One picture per input element.

    Examples
    --------
    >>> import numpy as np
    >>> frames = scatter_frames([[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3))
    >>> frames.count
    4
    >>> frames.captions[1]
    'step 2 of 4: x[0, 1] = 2 stamps 2·K at (0, 1) = stride·(0, 1)'
    """
    from .plot import value_grid

    steps = scatter_steps(x, kernel, stride, padding, output_padding, dilation)
    x, kernel = _image_and_kernel(x, kernel)
    geometry = _geometry(x, kernel, stride, padding, output_padding, dilation)
    (sh, sw) = geometry.stride
    canvas_shape = steps[-1].canvas.shape
    top = float(np.abs(steps[-1].canvas).max()) or 1.0
    stamp_top = max(float(np.abs(s.stamp).max()) for s in steps) or 1.0
    shapes = [x.shape, kernel.shape, kernel.shape, canvas_shape]
    captions = tuple(
        f"step {j + 1} of {len(steps)}: x[{s.index[0]}, {s.index[1]}] = {_fmt(s.value)} stamps "
        f"{_fmt(s.value)}·K at ({s.index[0] * sh}, {s.index[1] * sw}) = stride·({s.index[0]}, "
        f"{s.index[1]})"
        for j, s in enumerate(steps)
    )
    cropped = any(geometry.padding) or any(geometry.padding_end)

    def draw(fig: Any, j: int) -> None:
        step = steps[j]
        ax_x, ax_k, ax_s, ax_y = _grid_axes(fig, shapes)
        current = np.zeros(x.shape, dtype=bool)
        current[step.index] = True
        value_grid(x, ax_x, role="input", title="input x", highlight=current)
        value_grid(kernel, ax_k, role="kernel", title="kernel K")
        value_grid(step.stamp, ax_s, role="kernel", vmax=stamp_top,
                   title=f"x[{step.index[0]},{step.index[1]}]·K = {_fmt(step.value)}·K")
        value_grid(step.canvas, ax_y, role="output", vmax=top, highlight=step.stamped,
                   title="output so far" + (" (shaded: cropped)" if cropped else ""))
        _shade_crop(ax_y, canvas_shape, step.crop)
        fig.suptitle(captions[j] + f"   (stride {geometry.stride[0]}, padding "
                     f"{geometry.padding[0]})", fontsize=10)

    return Frames(draw, len(steps), _row_figsize(shapes), captions)


def gather_frames(x: Any, kernel: Any, stride: IntOrPair = 1, padding: IntOrPair = 0,
                  output_padding: IntOrPair = 0, dilation: IntOrPair = 1) -> Frames:
    """Pictures of :func:`gather_steps`: which inputs reach each output element.

    Picture ``m`` frames the inputs that reach output element ``m``, each labelled with the
    kernel tap it is multiplied by, frames those taps in the kernel, and shows the output
    computed so far (later elements are left blank).

    Parameters
    ----------
    x, kernel, stride, padding, output_padding, dilation
        As :func:`gather_steps`.

    Returns
    -------
    Frames
        One picture per output element.

    Examples
    --------
    >>> import numpy as np
    >>> frames = gather_frames([[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3))
    >>> frames.count
    16
    >>> frames.captions[5]
    'y[1, 1] = 5·1 + 4·2 + 2·3 + 1·4 = 23'
    """
    from .plot import value_grid

    steps = gather_steps(x, kernel, stride, padding, output_padding, dilation)
    x, kernel = _image_and_kernel(x, kernel)
    out_shape = steps[-1].output.shape
    top = float(np.abs(steps[-1].output).max()) or 1.0
    shapes = [x.shape, kernel.shape, out_shape]
    captions = tuple(
        f"y[{s.index[0]}, {s.index[1]}] = "
        + (" + ".join(f"{_fmt(k)}·{_fmt(v)}" for k, v in s.terms) or "0 (no input reaches it)")
        + (f" = {_fmt(s.value)}" if len(s.terms) > 0 else "")
        for s in steps
    )

    def draw(fig: Any, m: int) -> None:
        step = steps[m]
        ax_x, ax_k, ax_y = _grid_axes(fig, shapes)
        value_grid(x, ax_x, role="input", title="input x (tap used)", highlight=step.inputs)
        for (r, c), tap in np.ndenumerate(step.taps):
            if tap >= 0:
                ax_x.text(c + 0.42, r + 0.42, f"K{tap // kernel.shape[1]}{tap % kernel.shape[1]}",
                          ha="right", va="bottom", fontsize=8, color="0.15")
        used = np.zeros(kernel.shape, dtype=bool)
        used.flat[step.taps[step.taps >= 0]] = True
        value_grid(kernel, ax_k, role="kernel", title="kernel K (taps used)", highlight=used)
        current = np.zeros(out_shape, dtype=bool)
        current[step.index] = True
        value_grid(step.output, ax_y, role="output", vmax=top, highlight=current,
                   title="output y so far")
        for text in ax_y.texts:
            col, row = (round(v) for v in text.get_position())
            if (row, col) > step.index:
                text.set_text("")
        fig.suptitle(captions[m], fontsize=10)

    return Frames(draw, len(steps), _row_figsize(shapes), captions)


def draw_configuration(stride: int = 1, padding: int = 0, kernel_size: int = 3,
                       input_size: int = 3, dilation: int = 1, output_padding: int = 0,
                       *, fig: Any = None) -> Any:
    """Draw one square transposed convolution: input, kernel, output, overlap counts and C^T.

    The input holds 1, 2, ... and the kernel 1, 2, ... in C order (for a 3x3 kernel, the seed's
    kernel). The overlap panel shows, on the full output before the crop, how many stamps cover
    each cell, with the cropped ``padding`` border shaded. A combination that tconv refuses
    (e.g. ``output_padding`` not smaller than ``stride`` or ``dilation``, or a padding that
    crops everything) is drawn as a message, not raised: this is what an explorer shows while
    a reader moves sliders.

    Parameters
    ----------
    stride, padding, kernel_size, input_size, dilation, output_padding : int
        Each an ``int`` with stride, kernel_size, input_size, dilation >= 1 and padding,
        output_padding >= 0; the same in both dimensions.
    fig : matplotlib.figure.Figure, optional
        An empty figure to draw on; a new one is made if omitted.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If an argument is not an int.
    ValueError
        If an argument is out of its own range (e.g. ``stride=0``).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = draw_configuration(stride=2, padding=1)
    >>> fig.axes[2].get_title()
    'output y (5×5)'
    >>> plt.close(fig)
    >>> fig = draw_configuration(stride=1, output_padding=1)      # refused by tconv: a message
    >>> "output_padding must be smaller" in fig.axes[0].texts[0].get_text()
    True
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    from .plot import matrix_heatmap, value_grid

    values = _configuration_args(stride=stride, padding=padding, kernel_size=kernel_size,
                                 input_size=input_size, dilation=dilation,
                                 output_padding=output_padding)
    s, p, k, i, d, a = (values[n] for n in ("stride", "padding", "kernel_size", "input_size",
                                            "dilation", "output_padding"))
    if fig is None:
        fig = plt.figure(figsize=CONFIGURATION_FIGSIZE)
    x = np.arange(1, i * i + 1, dtype=np.float64).reshape(i, i)
    kernel = np.arange(1, k * k + 1, dtype=np.float64).reshape(k, k)
    heading = f"input {i}×{i}, kernel {k}×{k}, stride {s}, padding {p}, dilation {d}, " \
              f"output_padding {a}"
    error = configuration_error(**values)
    if error is not None:
        # One blank axes holds the message: Jupyter does not show a figure without axes.
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.55, "This combination is not valid:\n\n"
                + "\n".join(textwrap.wrap(error, 70)),
                ha="center", va="center", fontsize=12, transform=ax.transAxes,
                bbox={"boxstyle": "round", "facecolor": "0.95", "edgecolor": "0.6"})
        fig.suptitle(heading, fontsize=10)
        return fig
    geometry = _geometry(x, kernel, s, p, a, d)
    y = conv_transpose2d(x[None, None], kernel[None, None], None, s, p, a, 1, d)[0, 0]
    matrix = conv_transpose_matrix(kernel, x.shape, s, p, a, d)
    _, taps, crop = _full_operator(geometry, kernel)
    full_shape = _canvas_shape(geometry)
    counts = (taps != 0).sum(axis=1).reshape(full_shape)
    o = geometry.output_shape[0]

    grid = fig.add_gridspec(2, 3, width_ratios=[1, 1, 1.25], hspace=0.45, wspace=0.35)
    small = max(full_shape[0], k, i) <= 12
    value_grid(x, fig.add_subplot(grid[0, 0]), role="input", title=f"input x ({i}×{i})",
               annotate=i <= 8)
    value_grid(kernel, fig.add_subplot(grid[0, 1]), role="kernel",
               title=f"kernel K ({k}×{k})", annotate=k <= 8)
    value_grid(y, fig.add_subplot(grid[1, 0]), role="output", title=f"output y ({o}×{o})",
               annotate=o <= 7)
    ax_c = fig.add_subplot(grid[1, 1])
    cropped = any(geometry.padding) or any(geometry.padding_end)
    value_grid(counts, ax_c, role="output", annotate=small,
               title="overlap counts\n(full output" + (", shaded: cropped)" if cropped else ")"))
    _shade_crop(ax_c, full_shape, crop)
    ax_m = fig.add_subplot(grid[:, 2])
    matrix_heatmap(matrix, ax_m, title=f"$C^T$ ({matrix.shape[0]}×{matrix.shape[1]})",
                   annotate=matrix.shape[0] <= 25 and matrix.shape[1] <= 16)
    for axis, n in ((ax_m.yaxis, matrix.shape[0]), (ax_m.xaxis, matrix.shape[1])):
        step = max(1, math.ceil(n / 16))
        axis.set_ticks(range(0, n, step))
    ax_m.set_aspect("auto")
    fig.suptitle(heading + f"\noutput size o = ({i}-1)·{s} - 2·{p} + {d}·({k}-1) + {a} + 1 = {o}",
                 fontsize=10)
    return fig


#: Size of :func:`draw_configuration`'s figure, in inches (the book is about 9 inches wide).
CONFIGURATION_FIGSIZE = (8.6, 5.6)


def configuration_error(stride: int = 1, padding: int = 0, kernel_size: int = 3,
                        input_size: int = 3, dilation: int = 1,
                        output_padding: int = 0) -> str | None:
    """Why tconv refuses this combination of :func:`draw_configuration`'s arguments, or None.

    Each argument must be valid on its own (else ``TypeError``/``ValueError``); what this
    reports is a combination that does not work, in tconv's own words.

    Examples
    --------
    >>> configuration_error(stride=2, padding=1) is None
    True
    >>> configuration_error(input_size=1, kernel_size=1, padding=1)[:44]
    'the transposed convolution leaves no output:'
    >>> configuration_error(stride=2, output_padding=2)[:49]
    'output_padding must be smaller than either stride'
    """
    v = _configuration_args(stride=stride, padding=padding, kernel_size=kernel_size,
                            input_size=input_size, dilation=dilation,
                            output_padding=output_padding)
    try:
        ConvGeometry.for_conv_transpose((1, 1, v["kernel_size"], v["kernel_size"]),
                                        (1, v["input_size"], v["input_size"]), v["stride"],
                                        v["padding"], v["output_padding"], v["dilation"])
    except ValueError as error:
        return str(error)
    return None


_CONFIGURATION_LIMITS = {"stride": 1, "padding": 0, "kernel_size": 1, "input_size": 1,
                         "dilation": 1, "output_padding": 0}


def _configuration_args(**values: Any) -> dict[str, int]:
    """Check each explorer argument on its own: an int within its range."""
    return {name: as_int(value, name, minimum=_CONFIGURATION_LIMITS[name])
            for name, value in values.items()}


def configuration_frames(strides: Sequence[int] = (1, 2, 3), paddings: Sequence[int] = (0, 1, 2),
                         **fixed: int) -> Frames:
    """Pictures of :func:`draw_configuration` over a grid of strides and paddings.

    Picture ``n`` is ``strides[n // len(paddings)]`` with ``paddings[n % len(paddings)]`` (the
    order of :func:`player`'s sliders).

    Parameters
    ----------
    strides, paddings : sequence of int
        The values of the two sliders; each non-empty, without repeats.
    **fixed : int
        Other arguments of :func:`draw_configuration` (``kernel_size``, ``input_size``,
        ``dilation``, ``output_padding``), the same in every picture.

    Returns
    -------
    Frames

    Examples
    --------
    >>> frames = configuration_frames((1, 2), (0, 1))
    >>> frames.count, frames.captions[3]
    (4, 'stride 2, padding 1')
    """
    strides = _slider_values(strides, "strides", minimum=1)
    paddings = _slider_values(paddings, "paddings", minimum=0)
    unknown = set(fixed) - {"kernel_size", "input_size", "dilation", "output_padding"}
    if unknown:
        raise TypeError(f"configuration_frames got unexpected arguments {sorted(unknown)}; "
                        f"it accepts kernel_size, input_size, dilation and output_padding")
    _configuration_args(**fixed)
    grid = list(itertools.product(strides, paddings))
    captions = tuple(f"stride {s}, padding {p}" for s, p in grid)

    def draw(fig: Any, n: int) -> None:
        s, p = grid[n]
        draw_configuration(stride=s, padding=p, fig=fig, **fixed)

    return Frames(draw, len(grid), CONFIGURATION_FIGSIZE, captions)


def _slider_values(values: Any, name: str, *, minimum: int) -> tuple[int, ...]:
    if not isinstance(values, (tuple, list, range)):
        raise TypeError(f"{name} must be a sequence of ints, got {values!r}")
    values = tuple(as_int(v, name, minimum=minimum) for v in values)
    if not values or len(set(values)) != len(values):
        raise ValueError(f"{name} must be non-empty and without repeats, got {values!r}")
    return values


# --- output: PNG, GIF, HTML ------------------------------------------------------------------
def render_png(frames: Frames, i: int, *, dpi: int = 72, palette: bool = True) -> bytes:
    """Picture ``i`` as PNG bytes, without the date or version in the metadata (byte-stable).

    Parameters
    ----------
    frames : Frames
        The pictures.
    i : int
        Which one, ``0 <= i < frames.count``.
    dpi : int, default 72
        Resolution, >= 10.
    palette : bool, default True
        Reduce the picture to 256 colours (with Pillow, no dithering): about a third of the
        bytes, for pages that embed many pictures.

    Returns
    -------
    bytes

    Examples
    --------
    >>> import numpy as np
    >>> frames = scatter_frames([[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3))
    >>> png = render_png(frames, 0, dpi=40)
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n", png == render_png(frames, 0, dpi=40)
    (True, True)
    """
    import matplotlib.pyplot as plt

    if not isinstance(frames, Frames):
        raise TypeError(f"frames must be a tconv.animate.Frames, got {type(frames).__name__}")
    dpi = as_int(dpi, "dpi", minimum=10)
    if not isinstance(palette, bool):
        raise TypeError(f"palette must be True or False, got {palette!r}")
    fig = frames.figure(i)
    try:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    finally:
        plt.close(fig)
    if not palette:
        return buffer.getvalue()
    from PIL import Image

    with Image.open(buffer) as image:
        reduced = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                dither=Image.Dither.NONE)
    out = io.BytesIO()
    reduced.save(out, format="PNG", optimize=True)
    return out.getvalue()


def save_gif(frames: Frames, path: Union[str, os.PathLike], *, fps: float = 1.0,
             dpi: int = 60) -> None:
    """Write the pictures as an animated GIF, with matplotlib's ``PillowWriter``.

    Parameters
    ----------
    frames : Frames
        What to draw.
    path : str or path-like
        The GIF file to write (its folder must exist).
    fps : float, default 1.0
        Pictures per second, > 0.
    dpi : int, default 60
        Resolution; the size in pixels is ``frames.figsize * dpi``.

    Raises
    ------
    TypeError
        If ``frames`` is not a :class:`Frames` or ``path`` not a path.
    ValueError
        If ``fps`` is not positive, ``dpi`` < 10, or the folder of ``path`` does not exist.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> frames = scatter_frames([[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3))
    >>> path = os.path.join(tempfile.mkdtemp(), "seed.gif")
    >>> save_gif(frames, path, dpi=30)
    >>> open(path, "rb").read(6)
    b'GIF89a'
    """
    import matplotlib.pyplot as plt
    from matplotlib.animation import PillowWriter

    if not isinstance(frames, Frames):
        raise TypeError(f"frames must be a tconv.animate.Frames, got {type(frames).__name__}")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or path-like, got {path!r}")
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not fps > 0:
        raise ValueError(f"fps must be a positive number, got {fps!r}")
    dpi = as_int(dpi, "dpi", minimum=10)
    folder = os.path.dirname(os.fspath(path)) or "."
    if not os.path.isdir(folder):
        raise ValueError(f"path must be in an existing folder, got {os.fspath(path)!r}")
    fig = plt.figure(figsize=frames.figsize)
    try:
        writer = PillowWriter(fps=fps)
        with writer.saving(fig, os.fspath(path), dpi):
            for i in range(frames.count):
                fig.clear()
                frames.draw(fig, i)
                writer.grab_frame()
    finally:
        plt.close(fig)


@dataclass(frozen=True)
class Player:
    """A self-contained HTML player; Jupyter and Jupyter Book display it as HTML.

    Attributes
    ----------
    html : str
        The ``<div class="tconv-player">`` block.
    count : int
        Number of pictures.
    sliders : tuple of (str, tuple of str)
        Each slider's label and its values' labels.
    """

    html: str
    count: int
    sliders: tuple[tuple[str, tuple[str, ...]], ...]

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        names = ", ".join(f"{label} ({len(values)} values)" for label, values in self.sliders)
        return f"Player({self.count} pictures; sliders: {names})"


_SCRIPT = """(function () {
  var frames = %(frames)s, captions = %(captions)s, values = %(values)s;
  var players = document.querySelectorAll('div.tconv-player[data-tconv-id="%(id)s"]');
  players.forEach(function (root) {
    if (root.getAttribute('data-tconv-ready')) { return; }
    root.setAttribute('data-tconv-ready', '1');
    var sliders = root.querySelectorAll('input[type=range]');
    var img = root.querySelector('img.tconv-frame');
    var caption = root.querySelector('.tconv-caption');
    var button = root.querySelector('button.tconv-play');
    var timer = null;
    function show() {
      var n = 0;
      sliders.forEach(function (s, k) {
        n = n * values[k].length + Number(s.value);
        root.querySelector('.tconv-value-' + k).textContent = values[k][Number(s.value)];
      });
      img.src = 'data:image/png;base64,' + frames[n];
      img.alt = captions[n];
      caption.textContent = captions[n];
    }
    function stop() { clearInterval(timer); timer = null; button.textContent = 'Play'; }
    sliders.forEach(function (s) {
      s.addEventListener('input', function () { if (timer) { stop(); } show(); });
    });
    if (button) {
      button.addEventListener('click', function () {
        if (timer) { stop(); return; }
        button.textContent = 'Pause';
        var s = sliders[sliders.length - 1];
        timer = setInterval(function () {
          s.value = (Number(s.value) + 1) %% (Number(s.max) + 1);
          show();
        }, %(interval)d);
      });
    }
    show();
  });
})();"""


def player(frames: Frames, sliders: Sequence[tuple[str, Sequence[Any]]] | None = None, *,
           dpi: int = 72, play: bool | None = None, interval_ms: int = 1000,
           title: str = "") -> Player:
    """Render the pictures as PNG and wrap them in a self-contained HTML player.

    The block is a ``<div class="tconv-player">`` holding one ``<input type="range">`` per
    slider, each with a ``<label>`` that shows its current value, an ``<img class="tconv-frame">``
    whose ``src`` is a ``data:image/png;base64,...`` URI, a caption, and optionally a Play/Pause
    button that steps the last slider. A few lines of inline JavaScript swap the picture on
    every ``input`` event. Nothing is loaded from the network and no kernel is needed, so it
    works in the static HTML book. Its ``data-tconv-id`` is a hash of its content: the same
    pictures give the same HTML, byte for byte.

    Parameters
    ----------
    frames : Frames
        The pictures; their number must be the product of the sliders' lengths.
    sliders : sequence of (label, values), optional
        One slider per entry; picture ``n`` belongs to the values' combination ``n`` in C order
        (the last slider varies fastest). Default: one slider "step" over ``1 .. frames.count``.
    dpi : int, default 72
        Resolution of the PNG pictures.
    play : bool, optional
        Add a Play/Pause button (default: only with the default "step" slider).
    interval_ms : int, default 1000
        Time between pictures while playing, >= 50.
    title : str
        A line above the player.

    Returns
    -------
    Player

    Raises
    ------
    TypeError, ValueError
        For a ``frames`` that is not a :class:`Frames`, sliders whose lengths do not multiply to
        ``frames.count``, or out-of-range numbers, naming the argument.

    Examples
    --------
    >>> import numpy as np
    >>> frames = scatter_frames([[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3))
    >>> p = player(frames, dpi=30)
    >>> p
    Player(4 pictures; sliders: step (4 values))
    >>> p.html.count('type="range"'), p.html.count('class="tconv-frame"'), "https:" in p.html
    (1, 1, False)
    """
    if not isinstance(frames, Frames):
        raise TypeError(f"frames must be a tconv.animate.Frames, got {type(frames).__name__}")
    if sliders is None:
        sliders = [("step", range(1, frames.count + 1))]
        play = True if play is None else play
    sliders = _check_sliders(sliders, frames.count)
    if play is not None and not isinstance(play, bool):
        raise TypeError(f"play must be True, False or None, got {play!r}")
    interval_ms = as_int(interval_ms, "interval_ms", minimum=50)
    if not isinstance(title, str):
        raise TypeError(f"title must be a str, got {title!r}")
    pngs = [base64.b64encode(render_png(frames, n, dpi=dpi)).decode("ascii")
            for n in range(frames.count)]
    digest = hashlib.sha1()
    for part in pngs + list(frames.captions) + [json.dumps(sliders), str(play), title]:
        digest.update(part.encode("utf-8"))
    player_id = "tconv-player-" + digest.hexdigest()[:12]
    script = _SCRIPT % {
        "frames": json.dumps(pngs), "captions": json.dumps(list(frames.captions)),
        "values": json.dumps([list(v) for _, v in sliders]), "id": player_id,
        "interval": interval_ms,
    }
    controls = []
    for k, (label, values) in enumerate(sliders):
        slider_id = f"{player_id}-{k}"
        controls.append(
            f'<label for="{slider_id}" style="margin-right:0.4em">{html.escape(label)} = '
            f'<span class="tconv-value-{k}">{html.escape(values[0])}</span></label>'
            f'<input type="range" id="{slider_id}" min="0" max="{len(values) - 1}" step="1" '
            f'value="0" style="vertical-align:middle;margin-right:1.2em">'
        )
    if play:
        controls.append('<button type="button" class="tconv-play">Play</button>')
    block = (
        f'<div class="tconv-player" data-tconv-id="{player_id}" '
        f'style="margin:0.5em 0 1em 0">\n'
        + (f'<p style="margin:0 0 0.3em 0"><strong>{html.escape(title)}</strong></p>\n'
           if title else "")
        + '<div class="tconv-controls" style="margin-bottom:0.3em">' + "".join(controls)
        + "</div>\n"
        f'<img class="tconv-frame" src="data:image/png;base64,{pngs[0]}" '
        f'alt="{html.escape(frames.captions[0])}" style="max-width:100%;height:auto">\n'
        f'<p class="tconv-caption" style="margin:0.2em 0;font-size:90%">'
        f"{html.escape(frames.captions[0])}</p>\n"
        f"<script>\n{script}\n</script>\n</div>"
    )
    return Player(block, frames.count, tuple((label, tuple(v)) for label, v in sliders))


def _check_sliders(sliders: Any, count: int) -> list[tuple[str, list[str]]]:
    if not isinstance(sliders, (list, tuple)) or not sliders:
        raise TypeError(f"sliders must be a non-empty sequence of (label, values) pairs, "
                        f"got {sliders!r}")
    checked = []
    for entry in sliders:
        if (not isinstance(entry, (list, tuple)) or len(entry) != 2
                or not isinstance(entry[0], str)):
            raise TypeError(f"sliders must hold (label, values) pairs with a str label, "
                            f"got {entry!r}")
        values = [str(v) for v in entry[1]]
        if not values:
            raise ValueError(f"sliders: slider {entry[0]!r} has no values")
        checked.append((entry[0], values))
    total = math.prod(len(v) for _, v in checked)
    if total != count:
        raise ValueError(f"sliders must have as many value combinations as there are pictures: "
                         f"{' x '.join(str(len(v)) for _, v in checked)} = {total}, "
                         f"but frames has {count}")
    return checked


def explorer_player(strides: Sequence[int] = (1, 2, 3), paddings: Sequence[int] = (0, 1, 2), *,
                    dpi: int = 60, **fixed: int) -> Player:
    """The static stride-and-padding explorer: :func:`draw_configuration` precomputed for every
    combination of ``strides`` and ``paddings``, behind two sliders.

    Parameters
    ----------
    strides, paddings : sequence of int
        Values of the two sliders.
    dpi : int, default 60
        Resolution of the pictures.
    **fixed : int
        ``kernel_size``, ``input_size``, ``dilation``, ``output_padding`` (defaults of
        :func:`draw_configuration`).

    Returns
    -------
    Player

    Examples
    --------
    >>> p = explorer_player((1, 2), (0,), dpi=20)
    >>> p.count, p.sliders
    (2, (('stride s', ('1', '2')), ('padding p', ('0',))))
    """
    frames = configuration_frames(strides, paddings, **fixed)
    return player(frames, [("stride s", strides), ("padding p", paddings)], dpi=dpi, play=False)
