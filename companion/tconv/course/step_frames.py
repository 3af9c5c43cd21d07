"""Pictures of the scatter and gather steps (:mod:`tconv.course.steps`), as :class:`~tconv.course.players.Frames`.

:func:`scatter_frames` draws, for each input element, the input, the kernel, the stamp it adds
and the output so far; :func:`gather_frames` draws, for each output element, the inputs and
taps it sums; :func:`sliding_gather_frames` draws the same sums as the gather view computes
them, the flipped kernel sliding over the zero-inserted, padded input. Give any of them to
:func:`tconv.course.players.player` for the book or :func:`~tconv.course.players.save_gif`
for a GIF.
"""

from __future__ import annotations

from typing import Any, Sequence, Union

import numpy as np

from .figures import shade_crop, value_grid
from .players import Frames
from .single_channel import gather_input
from .steps import gather_steps, image_and_kernel, scatter_steps, single_geometry

__all__ = ["scatter_frames", "gather_frames", "sliding_gather_frames"]

IntOrPair = Union[int, Sequence[int]]


def _fmt(value: float) -> str:
    return format(value, "g")


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
    """Pictures of :func:`~tconv.course.steps.scatter_steps`: input, kernel, this step's stamp, output so far.

    Picture ``j`` highlights input element ``j``, shows ``x[r, c] K``, and draws the full output
    after step ``j`` with the cells just stamped framed and the cropped ``padding`` border
    shaded (the dashed frame is what :func:`tconv.conv_transpose2d` returns).

    Parameters
    ----------
    x, kernel, stride, padding, output_padding, dilation
        As :func:`~tconv.course.steps.scatter_steps`.

    Returns
    -------
    tconv.course.players.Frames
        One picture per input element.

    Examples
    --------
    >>> import numpy as np
    >>> frames = scatter_frames(
    ...     [[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3)
    ... )
    >>> frames.count
    4
    >>> frames.captions[1]
    'step 2 of 4: x[0, 1] = 2 stamps 2·K at (0, 1) = stride·(0, 1)'
    """
    steps = scatter_steps(x, kernel, stride, padding, output_padding, dilation)
    x, kernel = image_and_kernel(x, kernel)
    geometry = single_geometry(x, kernel, stride, padding, output_padding, dilation)
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
        shade_crop(ax_y, canvas_shape, step.crop)
        fig.suptitle(captions[j] + f"   (stride {geometry.stride[0]}, padding "
                     f"{geometry.padding[0]})", fontsize=10)

    return Frames(draw, len(steps), _row_figsize(shapes), captions)


def gather_frames(x: Any, kernel: Any, stride: IntOrPair = 1, padding: IntOrPair = 0,
                  output_padding: IntOrPair = 0, dilation: IntOrPair = 1) -> Frames:
    """Pictures of :func:`~tconv.course.steps.gather_steps`: which inputs reach each output element.

    Picture ``m`` frames the inputs that reach output element ``m``, each labelled with the
    kernel tap it is multiplied by, frames those taps in the kernel, and shows the output
    computed so far (later elements are left blank).

    Parameters
    ----------
    x, kernel, stride, padding, output_padding, dilation
        As :func:`~tconv.course.steps.gather_steps`.

    Returns
    -------
    tconv.course.players.Frames
        One picture per output element.

    Examples
    --------
    >>> import numpy as np
    >>> frames = gather_frames(
    ...     [[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3)
    ... )
    >>> frames.count
    16
    >>> frames.captions[5]
    'y[1, 1] = 5·1 + 4·2 + 2·3 + 1·4 = 23'
    """
    steps = gather_steps(x, kernel, stride, padding, output_padding, dilation)
    x, kernel = image_and_kernel(x, kernel)
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


def sliding_gather_frames(x: Any, kernel: Any, stride: IntOrPair = 1, padding: IntOrPair = 0,
                          output_padding: IntOrPair = 0, dilation: IntOrPair = 1) -> Frames:
    """Pictures of the gather view: the flipped kernel slides over the zero-inserted input.

    The input of the gather's convolution is :func:`~tconv.course.single_channel.gather_input`:
    ``x`` with ``stride - 1`` zeros between its elements, padded (or cropped) so that a
    stride-1 convolution gives the output. Picture ``m`` puts the window of the flipped
    (and dilated) kernel on output element ``m``'s place in that array, writes each tap's
    value in the corner of the cell it multiplies, outlines the input elements (the other
    cells are inserted or padded zeros), and shows the output so far. Each picture's sum is
    checked against :func:`~tconv.course.steps.gather_steps` (row ``m`` of ``C_K^T`` times
    ``x``), so the pictures show, frame for frame, the numbers the scatter adds up.

    Parameters
    ----------
    x, kernel, stride, padding, output_padding, dilation
        As :func:`~tconv.course.steps.gather_steps`.

    Returns
    -------
    tconv.course.players.Frames
        One picture per output element, in C order.

    Raises
    ------
    TypeError, ValueError
        As :func:`~tconv.course.steps.gather_steps`.

    Examples
    --------
    >>> import numpy as np
    >>> frames = sliding_gather_frames(
    ...     [[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3), stride=2
    ... )
    >>> frames.count                     # the 5x5 output
    25
    >>> frames.captions[6]
    'y[1, 1]: window of 9 cells, 1 input in it: 5·1 = 5'
    """
    steps = gather_steps(x, kernel, stride, padding, output_padding, dilation)
    x, kernel = image_and_kernel(x, kernel)
    geometry = single_geometry(x, kernel, stride, padding, output_padding, dilation)
    canvas = gather_input(x.astype(np.float64), kernel, stride, padding, output_padding, dilation)
    # Where the inputs landed: the same array built from input numbers 1, 2, ...
    ids = np.arange(1, x.size + 1, dtype=np.int64).reshape(x.shape)
    landed = gather_input(ids, kernel, stride, padding, output_padding, dilation)
    flipped = kernel[::-1, ::-1].astype(np.float64)
    (dh, dw), (kh, kw) = geometry.dilation, kernel.shape
    out_shape = steps[-1].output.shape
    top = float(np.abs(steps[-1].output).max()) or 1.0
    captions = []
    for step in steps:
        u, v = step.index
        window = canvas[u:u + dh * (kh - 1) + 1:dh, v:v + dw * (kw - 1) + 1:dw]
        inside = landed[u:u + dh * (kh - 1) + 1:dh, v:v + dw * (kw - 1) + 1:dw] > 0
        total = float((window * flipped).sum())
        if not np.isclose(total, step.value, rtol=1e-12, atol=1e-12):
            raise RuntimeError("the sliding window's sum differs from the gather step: this is "
                               "a bug in tconv.course.step_frames")
        terms = " + ".join(f"{_fmt(k)}·{_fmt(v)}" for k, v in
                           zip(flipped[inside], window[inside]))
        count = int(inside.sum())
        captions.append(f"y[{u}, {v}]: window of {kh * kw} cells, {count} input"
                        f"{'' if count == 1 else 's'} in it: "
                        + (f"{terms} = {_fmt(total)}" if count else "0"))
    shapes = [canvas.shape, kernel.shape, out_shape]

    def draw(fig: Any, m: int) -> None:
        from matplotlib.patches import Rectangle

        u, v = steps[m].index
        ax_in, ax_k, ax_y = _grid_axes(fig, shapes)
        value_grid(canvas, ax_in, role="input", highlight=landed > 0,
                   title="zero-inserted, padded input")
        ax_in.add_patch(Rectangle((v - 0.5, u - 0.5), dw * (kw - 1) + 1, dh * (kh - 1) + 1,
                                  fill=False, edgecolor="#b34700", linewidth=2.6))
        for (a, b), tap in np.ndenumerate(flipped):
            ax_in.text(v + b * dw + 0.45, u + a * dh - 0.45, f"×{_fmt(tap)}", ha="right",
                       va="top", fontsize=6.5, color="#b34700")
        value_grid(flipped, ax_k, role="kernel", title="flipped kernel")
        current = np.zeros(out_shape, dtype=bool)
        current[u, v] = True
        value_grid(steps[m].output, ax_y, role="output", vmax=top, highlight=current,
                   title="output y so far")
        for text in ax_y.texts:
            col, row = (round(p) for p in text.get_position())
            if (row, col) > (u, v):
                text.set_text("")
        fig.suptitle(captions[m], fontsize=10)

    return Frames(draw, len(steps), _row_figsize(shapes), tuple(captions))
