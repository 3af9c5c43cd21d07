"""tconv.course.explorer: the live explorer, checked without a front end (its sliders, values and the
figure each change draws)."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
pytest.importorskip("ipywidgets")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import tconv  # noqa: E402
from tconv.course.explorer import SLIDER_RANGES, Explorer  # noqa: E402


@pytest.fixture(autouse=True)
def no_figures_left():
    plt.close("all")
    yield
    assert plt.get_fignums() == []


def output_title(fig):
    return fig.axes[2].get_title()


def test_explorer_has_one_slider_per_parameter_with_its_range():
    ex = Explorer(display_figures=False)
    assert set(ex.sliders) == set(SLIDER_RANGES)
    for name, slider in ex.sliders.items():
        assert (slider.min, slider.max) == SLIDER_RANGES[name]
    shown = [s for column in ex.widget.children[0].children for s in column.children]
    assert shown == list(ex.sliders.values())
    assert ex.widget.children[1] is ex.output
    assert ex.values() == dict(stride=1, padding=0, kernel_size=3, input_size=3, dilation=1,
                               output_padding=0)


def test_moving_a_slider_redraws_with_tconvs_output_size():
    ex = Explorer(display_figures=False)
    first = ex.figure
    assert output_title(first) == "output y (5×5)"
    ex.sliders["stride"].value = 3            # the observer calls update()
    assert ex.figure is not first
    o = tconv.conv_transpose_output_size(3, 3, stride=3)
    assert output_title(ex.figure) == f"output y ({o}×{o})"
    ex.sliders["padding"].value = 2
    o = tconv.conv_transpose_output_size(3, 3, stride=3, padding=2)
    assert output_title(ex.figure) == f"output y ({o}×{o})"
    assert "stride 3, padding 2" in ex.figure._suptitle.get_text()


def test_a_refused_combination_shows_tconvs_message_instead_of_raising():
    ex = Explorer(display_figures=False)
    ex.sliders["output_padding"].value = 1         # stride 1, dilation 1: PyTorch refuses it
    with pytest.raises(ValueError) as refused:
        tconv.conv_transpose2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)), output_padding=1)
    assert ex.message == str(refused.value)
    [ax] = ex.figure.axes
    assert not ax.axison and len(ax.images) == 0
    assert "not valid" in ax.texts[0].get_text()
    ex.sliders["stride"].value = 2                 # now valid again
    assert ex.message is None and len(ex.figure.axes) == 5


def test_update_can_be_called_directly_and_displays_without_a_front_end():
    ex = Explorer(kernel_size=2, input_size=2, display_figures=True)
    fig = ex.update()
    assert fig is ex.figure and output_title(fig) == "output y (3×3)"


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(stride=0), ValueError, r"stride must be >= 1, got 0"),
    (dict(stride=5), ValueError, r"stride must be between 1 and 4 \(the slider's range\), got 5"),
    (dict(padding=1.5), TypeError, r"padding must be an integer"),
    (dict(display_figures=1), TypeError, r"display_figures must be True or False"),
])
def test_bad_arguments_are_refused_naming_them(kwargs, error, match):
    with pytest.raises(error, match=match):
        Explorer(**kwargs)
