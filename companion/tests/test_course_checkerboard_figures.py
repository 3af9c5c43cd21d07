"""The checkerboard pictures (tconv.course.checkerboard_figures): what they show."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from tconv.course.checkerboard import (  # noqa: E402
    interior_unevenness,
    overlap_counts,
    stacked_overlap_counts,
)
from tconv.course.checkerboard_figures import (  # noqa: E402
    draw_overlap,
    draw_relative,
    overlap_explorer,
    overlap_frames,
)


def written(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def outlined_cells(ax) -> list[int]:
    """Columns (1-D strips) of the cells that value_grid outlined."""
    return sorted(round(p.get_x() + 0.5) for p in ax.patches)


def test_drawing_in_one_dimension_shows_copies_counts_and_interior():
    fig = draw_overlap(5, [(3, 2)])
    stamps, strip = fig.axes
    image = np.asarray(stamps.images[0].get_array())
    counts = overlap_counts(5, 3, 2)
    # One row per input element with k cells each; summed down the columns: the counts.
    assert image.shape == (5, len(counts))
    np.testing.assert_array_equal(image.sum(axis=1), [3] * 5)
    np.testing.assert_array_equal(image.sum(axis=0), counts)
    assert written(strip) == [str(c) for c in counts]
    assert outlined_cells(strip) == list(range(2, len(counts) - 2))
    assert strip.get_title() == "after layer 1 (k=3, s=2): 11 elements, interior max/min = 2"
    assert strip.get_xlabel() == "output element" and stamps.get_ylabel() == "input\nelement"
    assert fig.get_size_inches()[0] <= 9
    plt.close(fig)


def test_drawing_stacked_layers_gives_one_strip_per_layer():
    layers = [(3, 2), (3, 2)]
    fig = draw_overlap(4, layers)
    assert len(fig.axes) == 3
    for n, ax in enumerate(fig.axes[1:]):
        expected = stacked_overlap_counts(4, layers[: n + 1])
        assert written(ax) == [str(c) for c in expected]
        assert f"interior max/min = {interior_unevenness(layers[: n + 1]):.3g}" in ax.get_title()
    plt.close(fig)


def test_drawing_in_two_dimensions_writes_the_counts_grid():
    fig = draw_overlap((3, 3), [(3, 2)])
    (ax,) = fig.axes
    assert written(ax) == [str(c) for c in overlap_counts((3, 3), 3, 2).ravel()]
    assert len(ax.patches) == 9  # the 3x3 interior of the 7x7 counts
    assert "max/min = 4" in ax.get_title()
    plt.close(fig)


def test_drawing_without_an_interior_says_so():
    fig = draw_overlap(2, [(5, 1)])
    assert "(no interior)" in fig.axes[1].get_title()
    assert len(fig.axes[1].patches) == 0
    plt.close(fig)


def test_explorer_has_the_controls_and_redraws_when_they_move():
    pytest.importorskip("ipywidgets")
    explorer = overlap_explorer(max_kernel=6, max_stride=3, max_layers=2)
    kernel, stride, layers, dims = explorer.children[:4]
    assert (kernel.description, kernel.min, kernel.max) == ("kernel size", 1, 6)
    assert (stride.description, stride.max, layers.max) == ("stride", 3, 2)
    first = explorer.result
    kernel.value = 4
    assert explorer.result is not first
    assert explorer.result.axes[1].get_title().startswith("after layer 1 (k=4, s=2)")
    layers.value = 2
    dims.value = 2
    assert len(explorer.result.axes) == 2  # two 2-D grids side by side
    assert "k=4, s=2" in explorer.result.axes[1].get_title()
    plt.close("all")


def test_overlap_frames_draw_every_configuration_of_the_sliders():
    frames = overlap_frames((2, 3, 4), (1, 2), input_size=4)
    assert frames.count == 6
    assert frames.captions[3] == "kernel size 3, stride 2: interior max/min = 2"
    assert frames.captions[5] == "kernel size 4, stride 2: interior max/min = 1"
    fig = frames.figure(3)
    assert written(fig.axes[1]) == [str(c) for c in overlap_counts(4, 3, 2)]
    assert tuple(fig.get_size_inches()) == pytest.approx(frames.figsize)
    plt.close(fig)
    with pytest.raises(ValueError, match=r"strides must be a non-empty sequence of ints, got \(\)"):
        overlap_frames((2,), ())
    with pytest.raises(ValueError, match=r"kernel_sizes must be >= 1, got 0"):
        overlap_frames((0,), (1,))


@pytest.mark.parametrize("call, error, message", [
    (lambda: draw_overlap((2, 2, 2), [(3, 2)]), ValueError, r"1 or 2 spatial sizes to be drawn"),
    (lambda: overlap_explorer(max_kernel=0), ValueError, r"max_kernel must be >= 1, got 0"),
])
def test_bad_arguments_of_the_pictures_are_refused_with_a_message(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_draw_relative_shows_each_image_over_its_mean_on_one_scale():
    import tconv

    constant = np.ones((1, 1, 8, 8))
    rng = np.random.default_rng(3)
    weights = {k: rng.uniform(0.5, 1.5, (1, 1, k, k)) for k in (3, 4)}
    images = {f"k={k}": tconv.conv_transpose2d(constant, w, stride=2, padding=1,
                                               output_padding=int(k == 3))[0, 0]
              for k, w in weights.items()}
    fig = draw_relative(images, border=2, title="constant input")
    *panels, bar = fig.axes
    assert len(panels) == 2 and bar.get_ylabel() == "value / the panel's mean"
    for ax, (name, image) in zip(panels, images.items()):
        inner = image[2:-2, 2:-2]
        np.testing.assert_allclose(ax.images[0].get_array(), inner / inner.mean())
        assert ax.get_title() == f"{name}\nmax/min = {inner.max() / inner.min():.2f}"
    # One scale: from the smallest to the largest relative value of all panels.
    lows = [(im[2:-2, 2:-2] / im[2:-2, 2:-2].mean()).min() for im in images.values()]
    highs = [(im[2:-2, 2:-2] / im[2:-2, 2:-2].mean()).max() for im in images.values()]
    for ax in panels:
        np.testing.assert_allclose(ax.images[0].get_clim(), (min(lows), max(highs)))
    assert fig._suptitle.get_text() == "constant input"
    plt.close(fig)


@pytest.mark.parametrize("images, border, error, message", [
    ([np.ones((3, 3))], 0, TypeError, r"images must be a dict .* got list"),
    ({}, 0, ValueError, r"images must hold 1 to 4 panels, got 0"),
    ({str(n): np.ones((3, 3)) for n in range(5)}, 0, ValueError, r"got 5"),
    ({"a": np.ones(3)}, 0, ValueError, r"images\['a'\] must be 2-D, got shape \(3,\)"),
    ({"a": np.ones((4, 4))}, 2, ValueError, r"nothing left after removing a border of 2"),
    ({"a": -np.ones((3, 3))}, 0, ValueError, r"images\['a'\] must be positive"),
])
def test_draw_relative_refuses_bad_images(images, border, error, message):
    with pytest.raises(error, match=message):
        draw_relative(images, border=border)
    plt.close("all")
