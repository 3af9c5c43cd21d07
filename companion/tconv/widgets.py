"""A live explorer of transposed-convolution parameters, with ipywidgets (for Jupyter).

Six sliders (stride, padding, kernel size, input size, dilation, output_padding) redraw
:func:`tconv.animate.draw_configuration`: input, kernel, output, overlap counts and ``C^T``. The
static book cannot run it (it needs a kernel); there :func:`tconv.animate.explorer_player` shows
the same pictures, precomputed. A combination that tconv refuses is drawn as a message.

Needs ipywidgets and matplotlib (``pip install tconv[plot]``).

Examples
--------
>>> from tconv.widgets import Explorer
>>> ex = Explorer(stride=2, display_figures=False)
>>> ex.values()["stride"], ex.message is None
(2, True)
>>> ex.sliders["output_padding"].value = 2     # not smaller than stride 2 or dilation 1
>>> ex.message[:40]
'output_padding must be smaller than eith'
"""

from __future__ import annotations

from typing import Any

from ._validate import as_int
from .animate import configuration_error, draw_configuration

__all__ = ["Explorer", "SLIDER_RANGES"]

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
    :meth:`update`, which redraws :func:`tconv.animate.draw_configuration` in :attr:`output`.

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
        """The current slider values, keyed by :func:`~tconv.animate.draw_configuration`'s
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
