"""The stride-and-padding explorer: one picture of a square transposed convolution per setting.

:func:`draw_configuration` draws input, kernel, output, overlap counts and ``C^T`` for one
combination of stride, padding, kernel size, input size, dilation and output padding (a
combination tconv refuses is drawn as its message). Two forms put it under sliders:

- :func:`explorer_player`, for the static book: the pictures for a grid of strides and
  paddings, precomputed into a self-contained player (:func:`tconv.course.players.player`);
- :class:`Explorer`, for Jupyter: six ipywidgets sliders that redraw the picture live.

Needs matplotlib, and ipywidgets for :class:`Explorer` (``pip install tconv[course]``).

Examples
--------
>>> ex = Explorer(stride=2, display_figures=False)
>>> ex.values()["stride"], ex.message is None
(2, True)
>>> # not smaller than stride 2 or dilation 1
>>> ex.sliders["output_padding"].value = 2
>>> ex.message[:40]
'output_padding must be smaller than eith'
"""

from __future__ import annotations

import itertools
import math
import textwrap
from typing import Any, Sequence

import numpy as np

from .._validate import as_int
from ..functional import conv_transpose2d
from ..geometry import ConvGeometry
from ..matrix import conv_transpose_matrix
from .figures import matrix_heatmap, shade_crop, value_grid
from .players import Frames, Player, player
from .steps import canvas_shape, full_operator, single_geometry

__all__ = [
    "draw_configuration",
    "configuration_error",
    "configuration_frames",
    "explorer_player",
    "Explorer",
    "CONFIGURATION_FIGSIZE",
    "SLIDER_RANGES",
]


def draw_configuration(stride: int = 1, padding: int | tuple[int, int] = 0, kernel_size: int = 3,
                       input_size: int = 3, dilation: int = 1, output_padding: int = 0,
                       *, fig: Any = None) -> Any:
    """Draw one square transposed convolution: input, kernel, output, overlap counts and C^T.

    The input holds 1, 2, ... and the kernel 1, 2, ... in C order (for a 3x3 kernel, the worked
    example's kernel). The overlap panel shows, on the full output before the crop, how many stamps cover
    each cell, with the cropped ``padding`` border shaded. A combination that tconv refuses
    (e.g. ``output_padding`` not smaller than ``stride`` or ``dilation``, or a padding that
    crops everything) is drawn as a message, not raised: this is what an explorer shows while
    a reader moves sliders.

    Parameters
    ----------
    stride, padding, kernel_size, input_size, dilation, output_padding : int
        Each an ``int`` with stride, kernel_size, input_size, dilation >= 1 and padding,
        output_padding >= 0; the same in both dimensions. ``padding`` may also be a
        ``(begin, end)`` pair: ``begin`` cropped at the start, ``end`` at the end.
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
    >>> # cropped at the end only
    >>> fig = draw_configuration(stride=2, padding=(0, 2))
    >>> fig.axes[2].get_title()
    'output y (5×5)'
    >>> plt.close(fig)
    >>> # refused by tconv: a message
    >>> fig = draw_configuration(stride=1, output_padding=1)
    >>> "output_padding must be smaller" in fig.axes[0].texts[0].get_text()
    True
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

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
    begin, end = (p, p) if isinstance(p, int) else p
    crops = f"2·{p}" if begin == end else f"{begin} - {end}"
    p = p if isinstance(p, int) else (p, p)  # the same pair in both dimensions
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
    geometry = single_geometry(x, kernel, s, p, a, d)
    y = conv_transpose2d(x[None, None], kernel[None, None], None, s, p, a, 1, d)[0, 0]
    matrix = conv_transpose_matrix(kernel, x.shape, s, p, a, d)
    _, taps, crop = full_operator(geometry, kernel)
    full_shape = canvas_shape(geometry)
    counts = (taps != 0).sum(axis=1).reshape(full_shape)
    o = geometry.output_shape[0]

    grid = fig.add_gridspec(2, 3, width_ratios=[1, 1, 1.25], hspace=0.45, wspace=0.35)
    small = max(full_shape[0], k, i) <= 12
    value_grid(x, fig.add_subplot(grid[0, 0]), role="input", title=f"input x ({i}×{i})",
               annotate=i <= 8)
    value_grid(kernel, fig.add_subplot(grid[0, 1]), role="kernel",
               title=f"kernel K ({k}×{k})", annotate=k <= 8)
    value_grid(y, fig.add_subplot(grid[1, 0]), role="output", title=f"output y ({o}×{o})",
               annotate=o <= 9)
    ax_c = fig.add_subplot(grid[1, 1])
    cropped = any(geometry.padding) or any(geometry.padding_end)
    value_grid(counts, ax_c, role="output", annotate=small,
               title="overlap counts" + ("\n(shaded: cropped)" if cropped else ""))
    shade_crop(ax_c, full_shape, crop)
    ax_m = fig.add_subplot(grid[:, 2])
    matrix_heatmap(matrix, ax_m, title=f"$C^T$ ({matrix.shape[0]}×{matrix.shape[1]})",
                   annotate=matrix.shape[0] <= 25 and matrix.shape[1] <= 16)
    for axis, n in ((ax_m.yaxis, matrix.shape[0]), (ax_m.xaxis, matrix.shape[1])):
        step = max(1, math.ceil(n / 16))
        axis.set_ticks(range(0, n, step))
    ax_m.set_aspect("auto")
    fig.suptitle(heading + f"\noutput size o = ({i}-1)·{s} - {crops} + {d}·({k}-1) + {a} + 1 = {o}",
                 fontsize=10)
    return fig


#: Size of :func:`draw_configuration`'s figure, in inches (the book is about 9 inches wide).
CONFIGURATION_FIGSIZE = (8.6, 5.6)


def configuration_error(stride: int = 1, padding: int | tuple[int, int] = 0, kernel_size: int = 3,
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
    padding = v["padding"] if isinstance(v["padding"], int) else (v["padding"],) * 2
    try:
        ConvGeometry.for_conv_transpose((1, 1, v["kernel_size"], v["kernel_size"]),
                                        (1, v["input_size"], v["input_size"]), v["stride"],
                                        padding, v["output_padding"], v["dilation"])
    except ValueError as error:
        return str(error)
    return None


_CONFIGURATION_LIMITS = {"stride": 1, "padding": 0, "kernel_size": 1, "input_size": 1,
                         "dilation": 1, "output_padding": 0}


def _configuration_args(**values: Any) -> dict[str, Any]:
    """Check each explorer argument on its own: an int within its range (``padding`` may be a
    ``(begin, end)`` pair of them)."""
    checked: dict[str, Any] = {}
    for name, value in values.items():
        if name == "padding" and isinstance(value, (tuple, list)):
            if len(value) != 2:
                raise ValueError(f"padding must be an int or a (begin, end) pair, got {value!r}")
            checked[name] = tuple(as_int(v, name, minimum=0) for v in value)
        else:
            checked[name] = as_int(value, name, minimum=_CONFIGURATION_LIMITS[name])
    return checked


def configuration_frames(strides: Sequence[int] = (1, 2, 3), paddings: Sequence[int] = (0, 1, 2),
                         **fixed: int) -> Frames:
    """Pictures of :func:`draw_configuration` over a grid of strides and paddings.

    Picture ``n`` is ``strides[n // len(paddings)]`` with ``paddings[n % len(paddings)]`` (the
    order of :func:`~tconv.course.players.player`'s sliders).

    Parameters
    ----------
    strides, paddings : sequence of int
        The values of the two sliders; each non-empty, without repeats.
    **fixed : int
        Other arguments of :func:`draw_configuration` (``kernel_size``, ``input_size``,
        ``dilation``, ``output_padding``), the same in every picture.

    Returns
    -------
    tconv.course.players.Frames

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
    tconv.course.players.Player

    Examples
    --------
    >>> p = explorer_player((1, 2), (0,), dpi=20)
    >>> p.count, p.sliders
    (2, (('stride s', ('1', '2')), ('padding p', ('0',))))
    """
    frames = configuration_frames(strides, paddings, **fixed)
    return player(frames, [("stride s", strides), ("padding p", paddings)], dpi=dpi, play=False)


#: The range (min, max) of each slider; the explorer's arguments must lie in it.
SLIDER_RANGES = {
    "stride": (1, 4),
    "padding": (0, 4),
    "kernel_size": (1, 5),
    "input_size": (1, 6),
    "dilation": (1, 3),
    "output_padding": (0, 3),
}

_DEFAULTS = {"stride": 1, "padding": 0, "kernel_size": 3, "input_size": 3, "dilation": 1,
             "output_padding": 0}
_DESCRIPTIONS = {"stride": "stride s", "padding": "padding p", "kernel_size": "kernel k",
                 "input_size": "input i", "dilation": "dilation d",
                 "output_padding": "out. pad. a"}


class Explorer:
    """Sliders for the parameters of a square 2-D transposed convolution, and its picture.

    Display it in Jupyter (it displays its :attr:`widget`); moving a slider calls
    :meth:`update`, which redraws :func:`draw_configuration` in :attr:`output`.

    Parameters
    ----------
    stride, padding, kernel_size, input_size, dilation, output_padding : int
        Initial slider values, each within :data:`SLIDER_RANGES`.
    display_figures : bool, default True
        Show each figure in :attr:`output`; False only draws it (for tests and scripts).

    Attributes
    ----------
    sliders : dict of str to ipywidgets.IntSlider
        One slider per parameter, keyed by the argument name.
    output : ipywidgets.Output
        Where the figure appears.
    widget : ipywidgets.VBox
        The sliders above the output: what Jupyter displays.
    figure : matplotlib.figure.Figure
        The last figure drawn (already closed: it stays readable, but holds no window).
    message : str or None
        Why tconv refuses the current combination, or None when it is valid.

    Raises
    ------
    TypeError
        If an argument is not an int (or ``display_figures`` not a bool).
    ValueError
        If an argument is outside its slider's range.
    """

    def __init__(self, *, stride: int = 1, padding: int = 0, kernel_size: int = 3,
                 input_size: int = 3, dilation: int = 1, output_padding: int = 0,
                 display_figures: bool = True) -> None:
        import ipywidgets as widgets

        initial = dict(stride=stride, padding=padding, kernel_size=kernel_size,
                       input_size=input_size, dilation=dilation, output_padding=output_padding)
        for name, value in initial.items():
            low, high = SLIDER_RANGES[name]
            value = as_int(value, name, minimum=low)
            if value > high:
                raise ValueError(f"{name} must be between {low} and {high} (the slider's range), "
                                 f"got {value}")
        if not isinstance(display_figures, bool):
            raise TypeError(f"display_figures must be True or False, got {display_figures!r}")
        self._display = display_figures
        self.sliders = {
            name: widgets.IntSlider(value=int(initial[name]), min=low, max=high, step=1,
                                    description=_DESCRIPTIONS[name], continuous_update=False,
                                    style={"description_width": "6em"},
                                    layout=widgets.Layout(width="18em"))
            for name, (low, high) in SLIDER_RANGES.items()
        }
        self.output = widgets.Output()
        names = list(SLIDER_RANGES)
        columns = [widgets.VBox([self.sliders[n] for n in names[i:i + 2]]) for i in range(0, 6, 2)]
        self.widget = widgets.VBox([widgets.HBox(columns), self.output])
        self.figure: Any = None
        self.message: str | None = None
        for slider in self.sliders.values():
            slider.observe(self._on_change, names="value")
        self.update()

    def values(self) -> dict[str, int]:
        """The current slider values, keyed by :func:`draw_configuration`'s
        argument names."""
        return {name: int(slider.value) for name, slider in self.sliders.items()}

    def update(self) -> Any:
        """Redraw the picture for the current values; return the (closed) figure."""
        import matplotlib.pyplot as plt

        values = self.values()
        self.message = configuration_error(**values)
        fig = draw_configuration(**values)
        plt.close(fig)
        self.figure = fig
        if self._display:
            from IPython.display import clear_output, display

            with self.output:
                clear_output(wait=True)
                display(fig)
        return fig

    def _on_change(self, change: dict) -> None:
        self.update()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
