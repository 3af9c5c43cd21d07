"""How a transposed convolution with channels combines them: one stamp per channel pair.

A layer with ``C_in`` input and ``C_out`` output channels holds one kernel per pair: its
weight has PyTorch's layout ``(C_in, C_out / groups, *kernel)``. Each input channel ``c``
stamps its kernel ``weight[c, j]`` into output channel ``j`` of its group, exactly as the
single-channel operator does, and output channel ``o`` is the sum of the stamps it receives,
plus ``bias[o]``. :func:`channel_stamps` computes the stamps one by one, so that the sum can be
checked against :func:`tconv.conv_transpose2d` (and PyTorch); :func:`draw_channel_sum` draws
them for the book.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tconv

from .figures import value_grid

__all__ = ["channel_stamps", "draw_channel_sum"]

_OPERATORS = {1: tconv.conv_transpose1d, 2: tconv.conv_transpose2d, 3: tconv.conv_transpose3d}


def channel_stamps(x: Any, weight: Any, *, stride: Any = 1, padding: Any = 0,
                   output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> np.ndarray:
    """Each input channel's contribution to each output channel, computed separately.

    Parameters
    ----------
    x : array_like
        One sample, ``(C_in, *spatial)`` with 1 to 3 spatial axes (no batch axis).
    weight : array_like
        ``(C_in, C_out / groups, *kernel)``, as :func:`tconv.conv_transpose2d` and PyTorch's
        ``ConvTranspose2d`` hold it.
    stride, padding, output_padding, groups, dilation
        As for :func:`tconv.conv_transpose2d`.

    Returns
    -------
    numpy.ndarray
        ``(C_in, C_out, *output_spatial)``: entry ``[c, o]`` is the single-channel transposed
        convolution of ``x[c]`` with ``weight[c, o % (C_out / groups)]`` when ``c`` and ``o``
        are in the same group, and zeros when they are not. Summed over ``c``, it is the
        layer's output without bias.

    Raises
    ------
    ValueError
        If ``x`` has no spatial axis or more than 3, or ``weight`` does not match it (the
        message of :func:`tconv.conv_transpose2d` and friends).

    Examples
    --------
    >>> import numpy as np
    >>> from tconv.course.channels import channel_stamps
    >>> # 2 channels of 1 x 2
    >>> x = np.array([[[1.0, 2.0]], [[10.0, 20.0]]])
    >>> # 2 in, 3 out, 1 x 2 taps
    >>> w = np.ones((2, 3, 1, 2))
    >>> stamps = channel_stamps(x, w)
    >>> stamps.shape
    (2, 3, 1, 3)
    >>> # each input channel's stamp into output 0
    >>> stamps[:, 0, 0]
    array([[ 1.,  3.,  2.],
           [10., 30., 20.]])
    """
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    if x.ndim - 1 not in _OPERATORS:
        raise ValueError(f"x must be one sample (C_in, *spatial) with 1 to 3 spatial axes, "
                         f"got shape {x.shape}")
    operator = _OPERATORS[x.ndim - 1]
    arguments = dict(stride=stride, padding=padding, output_padding=output_padding,
                     dilation=dilation)
    # One call of the whole layer first: it checks every argument and gives the output shape.
    layer = operator(x[None], weight, groups=groups, **arguments)[0]
    c_in, c_out_group = weight.shape[0], weight.shape[1]
    in_group = c_in // groups
    stamps = np.zeros((c_in, c_out_group * groups) + layer.shape[1:])
    for c in range(c_in):
        group = c // in_group
        for j in range(c_out_group):
            single = operator(x[None, c:c + 1], weight[c:c + 1, j:j + 1], **arguments)
            stamps[c, group * c_out_group + j] = single[0, 0]
    return stamps


def draw_channel_sum(x: Any, weight: Any, bias: Any = None, *, stride: int = 1,
                     padding: int = 0, groups: int = 1) -> Any:
    """Draw a 2-D layer as its stamps: one row per input channel, then the sums.

    Column 0 shows each input channel; column ``1 + o`` shows its stamp into output channel
    ``o`` (blank where the pair is in different groups); the last row shows each output
    channel, the sum of its column plus its bias. Every grid writes its values, and all
    stamps and outputs share one colour scale.

    Parameters
    ----------
    x : array_like
        One sample, ``(C_in, H, W)``.
    weight : array_like
        ``(C_in, C_out / groups, kH, kW)``.
    bias : array_like, optional
        ``(C_out,)``.
    stride, padding, groups : int
        As for :func:`tconv.conv_transpose2d`.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``x`` is not ``(C_in, H, W)`` or ``bias`` is not ``(C_out,)``, and as
        :func:`channel_stamps`.

    Examples
    --------
    >>> import numpy as np
    >>> from tconv.course.channels import draw_channel_sum
    >>> fig = draw_channel_sum(
    ...     np.ones((2, 2, 2)), np.ones((2, 3, 2, 2)), stride=2
    ... )
    >>> len(fig.axes)     # (2 inputs + the sums) x (the input + 3 outputs)
    12
    """
    import matplotlib.pyplot as plt

    x = np.asarray(x, dtype=float)
    if x.ndim != 3:
        raise ValueError(f"x must be one 2-D sample (C_in, H, W), got shape {x.shape}")
    stamps = channel_stamps(x, weight, stride=stride, padding=padding, groups=groups)
    c_in, c_out = stamps.shape[:2]
    bias = np.zeros(c_out) if bias is None else np.asarray(bias, dtype=float)
    if bias.shape != (c_out,):
        raise ValueError(f"bias must have shape ({c_out},) (one value per output channel), "
                         f"got {bias.shape}")
    outputs = stamps.sum(axis=0) + bias[:, None, None]
    top = float(max(np.abs(stamps).max(), np.abs(outputs).max())) or 1.0
    # At most 6.8 inches wide: the book's column shows it at its own size (no shrinking).
    side = min(0.3 * stamps.shape[-1] + 0.5, 6.8 / (c_out + 1))
    fig, axes = plt.subplots(c_in + 1, c_out + 1, squeeze=False,
                             figsize=(side * (c_out + 1), side * (c_in + 1)),
                             layout="constrained")
    in_group = c_in // groups
    out_group = c_out // groups
    for c in range(c_in):
        value_grid(x[c], axes[c, 0], role="input", title=f"input channel {c}")
        for o in range(c_out):
            ax = axes[c, 1 + o]
            if c // in_group != o // out_group:
                ax.set_axis_off()
                ax.text(0.5, 0.5, "other group:\nno kernel", ha="center", va="center",
                        fontsize=9, color="0.4", transform=ax.transAxes)
                continue
            value_grid(stamps[c, o], ax, role="output", vmax=top,
                       title=f"x[{c}] stamps w[{c}, {o % out_group}]")
    axes[c_in, 0].set_axis_off()
    axes[c_in, 0].text(0.5, 0.5, "sum of the\ncolumn above\n+ bias", ha="center",
                       va="center", fontsize=10, transform=axes[c_in, 0].transAxes)
    for o in range(c_out):
        suffix = f" (bias {bias[o]:g})" if bias[o] else ""
        value_grid(outputs[o], axes[c_in, 1 + o], role="output", vmax=top,
                   title=f"output channel {o}{suffix}")
    return fig
