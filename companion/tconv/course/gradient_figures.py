"""The weight gradient in pictures: the residual, dilated by the stride, laid over the input.

The numbers come from :func:`tconv.course.gradients.weight_gradient_taps`, which checks them
against :func:`tconv.grad.conv2d_weight`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .figures import value_grid
from .gradients import weight_gradient_taps

__all__ = ["weight_gradient_figure"]

_RESIDUAL_TEXT = "#1b6b2a"  # the residual's values, written in the cells they multiply


def _fmt(value: float) -> str:
    return f"{value:g}"


def weight_gradient_figure(x: Any, residual: Any, kernel_size: int, shown: Any, *,
                           stride: int = 1, padding: int = 0) -> Any:
    """Draw how chosen taps of the weight gradient add up residual times input.

    Panels, left to right: the residual ``r`` (the gradient with respect to the output); for
    each tap ``(m, n)`` in ``shown``, the padded input with the cells that tap multiplied
    framed and the residual value that multiplies each written in its corner (the residual,
    dilated by the stride, shifted by the tap; padded cells hatched); and the weight gradient,
    with the shown taps framed.

    Parameters
    ----------
    x, residual, kernel_size, stride, padding
        As :func:`tconv.course.gradients.weight_gradient_taps`.
    shown : iterable of (int, int)
        The taps to draw, 1 to 3 of them, each inside the kernel.

    Returns
    -------
    matplotlib.figure.Figure
        Its panels' titles start ``"residual r"``, ``"tap (m, n): cells (si+m, sj+n)"``
        (then ``"∂L/∂w[m,n] = Σ r·x = value"``) and ``"weight gradient"``.

    Raises
    ------
    ValueError
        If ``shown`` holds no tap, more than 3, or a tap outside the kernel, and as
        :func:`~tconv.course.gradients.weight_gradient_taps`.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> fig = weight_gradient_figure(
    ...     x, np.ones((2, 2)), 2, [(0, 0)], stride=2
    ... )
    >>> [ax.get_title().splitlines()[0] for ax in fig.axes]
    ['residual r', 'tap (0, 0): cells (2i+0, 2j+0)', 'weight gradient']
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    shown = [tuple(tap) for tap in shown]
    if not 1 <= len(shown) <= 3:
        raise ValueError(f"shown must hold 1 to 3 taps (one panel each), got {len(shown)}")
    for tap in shown:
        if len(tap) != 2 or not all(0 <= t < kernel_size for t in tap):
            raise ValueError(f"each tap in shown must be (m, n) with 0 <= m, n < kernel_size "
                             f"= {kernel_size}, got {tap!r}")
    padded, taps = weight_gradient_taps(x, residual, kernel_size, stride=stride,
                                        padding=padding)
    by_tap = {t.tap: t for t in taps}
    gradient = np.array([t.value for t in taps]).reshape(kernel_size, kernel_size)
    residual = np.asarray(residual)
    widths = [residual.shape[1]] + [padded.shape[1]] * len(shown) + [kernel_size]
    cell = min(0.42, 8.6 / (sum(widths) + 1.0 * len(widths)))  # inches per cell
    fig, axes = plt.subplots(1, len(widths), width_ratios=widths, layout="constrained",
                             figsize=(cell * (sum(widths) + 1.0 * len(widths)),
                                      cell * padded.shape[0] + 0.9))
    value_grid(residual, axes[0], role="output", title="residual r\n(gradient of y)")
    inside = np.zeros(padded.shape, dtype=bool)
    inside[padding:padding + np.shape(x)[0], padding:padding + np.shape(x)[1]] = True
    for ax, tap in zip(axes[1:], shown):
        record = by_tap[tap]
        (m, n), s = tap, stride
        value_grid(padded, ax, role="input",
                   title=(f"tap ({m}, {n}): cells ({s}i+{m}, {s}j+{n})\n"
                          f"∂L/∂w[{m},{n}] = Σ r·x = {_fmt(record.value)}"))
        for row, col in zip(*np.nonzero(~inside)):
            ax.add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, facecolor="0.45", alpha=0.2,
                                   hatch="///", edgecolor="0.6", linewidth=0))
        for (row, col), r in zip(record.cells, record.residuals):
            ax.add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="0.1",
                                   linewidth=2.2))
            ax.text(col + 0.47, row - 0.47, f"×{_fmt(r)}", ha="right", va="top",
                    fontsize=8, color=_RESIDUAL_TEXT, fontweight="bold",
                    bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=0.6))
    mark = np.zeros(gradient.shape, dtype=bool)
    for tap in shown:
        mark[tap] = True
    value_grid(gradient, axes[-1], role="kernel", highlight=mark,
               title="weight gradient\n∂L/∂w")
    for ax in axes:
        ax.set_anchor("N")
    return fig
