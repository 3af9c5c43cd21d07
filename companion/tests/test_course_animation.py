"""tconv.course (steps, step_frames, players, explorer): the step-by-step computations against the matrix oracle and a naive loop, the
pictures against the steps, and the HTML players against the static-interactivity contract."""

from __future__ import annotations

import base64
import io
import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402

import tconv  # noqa: E402
from tconv.course import single_channel  # noqa: E402
from tconv.course import explorer, players, step_frames  # noqa: E402
from tconv.course import steps as course_steps  # noqa: E402

K = np.arange(1, 10).reshape(3, 3)

# (x shape, kernel shape, stride, padding, output_padding, dilation)
CONFIGS = [
    ((2, 2), (3, 3), 1, 0, 0, 1),          # the worked example
    ((3, 3), (3, 3), 2, 1, 0, 1),          # strided and padded
    ((3, 2), (2, 3), (2, 3), (0, 1), (1, 2), 1),
    ((2, 3), (3, 2), 1, (1, 0), 0, 2),     # dilated
    ((2, 2), (2, 2), 3, 0, 2, 1),          # output_padding beyond the padding: zeros at the end
    ((1, 1), (1, 1), 1, 0, 0, 1),
]


@pytest.fixture(autouse=True)
def no_figures_left():
    """Every function closes the figures it makes."""
    plt.close("all")
    yield
    assert plt.get_fignums() == []


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def arrays(x_shape, k_shape, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(-4, 6, size=x_shape).astype(float),
            rng.integers(-3, 5, size=k_shape).astype(float))


def naive_full(x, kernel, stride, dilation, shape):
    """Each input element stamps the scaled kernel, taps `dilation` apart, at stride * index;
    returns the per-step additions on a canvas of `shape`."""
    (sh, sw), (dh, dw) = pair(stride), pair(dilation)
    additions = []
    for (r, c), value in np.ndenumerate(x):
        added = np.zeros(shape)
        for (a, b), k in np.ndenumerate(kernel):
            added[r * sh + a * dh, c * sw + b * dw] += value * k
        additions.append(added)
    return additions


@pytest.mark.parametrize("x_shape, k_shape, stride, padding, output_padding, dilation", CONFIGS)
def test_scatter_steps_add_one_column_of_the_matrix_at_a_time(x_shape, k_shape, stride, padding,
                                                              output_padding, dilation):
    x, kernel = arrays(x_shape, k_shape)
    steps = course_steps.scatter_steps(x, kernel, stride, padding, output_padding, dilation)
    matrix = tconv.conv_transpose_matrix(kernel, x.shape, stride, padding, output_padding,
                                         dilation)
    out_shape = tconv.conv_transpose_output_size(x.shape, kernel.shape, pair(stride),
                                                 pair(padding), pair(output_padding),
                                                 pair(dilation))
    assert len(steps) == x.size
    flat = x.ravel()
    for j, step in enumerate(steps):
        assert step.index == np.unravel_index(j, x.shape)
        assert step.value == x[step.index]
        partial = matrix[:, :j + 1] @ flat[:j + 1]
        np.testing.assert_allclose(step.output, partial.reshape(out_shape), atol=1e-12)
    final = tconv.conv_transpose2d(x[None, None], kernel[None, None], None, stride, padding,
                                   output_padding, 1, dilation)[0, 0]
    np.testing.assert_allclose(steps[-1].output, final, atol=1e-12)


@pytest.mark.parametrize("x_shape, k_shape, stride, padding, output_padding, dilation", CONFIGS)
def test_scatter_steps_stamp_the_scaled_kernel_on_the_full_canvas(x_shape, k_shape, stride,
                                                                  padding, output_padding,
                                                                  dilation):
    x, kernel = arrays(x_shape, k_shape, seed=1)
    steps = course_steps.scatter_steps(x, kernel, stride, padding, output_padding, dilation)
    shape = steps[0].canvas.shape
    (sh, sw), (dh, dw), (p0, p1), (a0, a1) = (pair(stride), pair(dilation), pair(padding),
                                              pair(output_padding))
    full = [(n - 1) * s + d * (k - 1) + 1 for n, k, s, d in
            zip(x.shape, kernel.shape, (sh, sw), (dh, dw))]
    assert shape == (full[0] + max(0, a0 - p0), full[1] + max(0, a1 - p1))
    expected = naive_full(x, kernel, stride, dilation, shape)
    canvas = np.zeros(shape)
    for step, added in zip(steps, expected):
        canvas += added
        np.testing.assert_allclose(step.added, added)
        np.testing.assert_allclose(step.canvas, canvas)
        np.testing.assert_array_equal(step.stamp, kernel * step.value)
        footprint = np.zeros(shape, dtype=bool)
        r, c = step.index
        for a, b in np.ndindex(*kernel.shape):
            footprint[r * sh + a * dh, c * sw + b * dw] = True
        np.testing.assert_array_equal(step.stamped, footprint)
        # The output is the canvas without `padding` at the start.
        np.testing.assert_allclose(step.output, canvas[p0:p0 + step.output.shape[0],
                                                       p1:p1 + step.output.shape[1]])


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_scatter_and_gather_match_the_matrix_on_random_configurations(data):
    x_shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=2, max_size=2)))
    k_shape = tuple(data.draw(st.lists(st.integers(1, 3), min_size=2, max_size=2)))
    stride = tuple(data.draw(st.lists(st.integers(1, 3), min_size=2, max_size=2)))
    dilation = tuple(data.draw(st.lists(st.integers(1, 2), min_size=2, max_size=2)))
    output_padding = tuple(data.draw(st.integers(0, max(s, d) - 1))
                           for s, d in zip(stride, dilation))
    padding = tuple(data.draw(st.integers(0, ((n - 1) * s + d * (k - 1) + a) // 2))
                    for n, k, s, d, a in zip(x_shape, k_shape, stride, dilation, output_padding))
    x, kernel = arrays(x_shape, k_shape, seed=data.draw(st.integers(0, 1000)))
    args = (stride, padding, output_padding, dilation)
    matrix = tconv.conv_transpose_matrix(kernel, x_shape, *args)
    y = (matrix @ x.ravel()).reshape(tconv.conv_transpose_output_size(x_shape, k_shape, *args))
    np.testing.assert_allclose(course_steps.scatter_steps(x, kernel, *args)[-1].output, y, atol=1e-12)
    if y.size <= course_steps.MAX_STEPS:            # one picture per output element: capped
        gathered = course_steps.gather_steps(x, kernel, *args)
        np.testing.assert_allclose([s.value for s in gathered], y.ravel(), atol=1e-12)


@pytest.mark.parametrize("x_shape, k_shape, stride, padding, output_padding, dilation", CONFIGS)
def test_gather_steps_sum_the_inputs_that_reach_each_output(x_shape, k_shape, stride, padding,
                                                            output_padding, dilation):
    x, kernel = arrays(x_shape, k_shape, seed=2)
    steps = course_steps.gather_steps(x, kernel, stride, padding, output_padding, dilation)
    y = tconv.conv_transpose2d(x[None, None], kernel[None, None], None, stride, padding,
                               output_padding, 1, dilation)[0, 0]
    (sh, sw), (dh, dw), (p0, p1) = pair(stride), pair(dilation), pair(padding)
    assert len(steps) == y.size
    for m, step in enumerate(steps):
        u, v = step.index
        assert (u, v) == np.unravel_index(m, y.shape)
        assert step.value == pytest.approx(y[u, v], abs=1e-12)
        # Naive: input (r, c) reaches output (u, v) through tap (a, b) when the positions agree.
        reach = np.zeros(x.shape, dtype=bool)
        taps = np.full(x.shape, -1)
        for r, c in np.ndindex(*x.shape):
            for a, b in np.ndindex(*kernel.shape):
                if r * sh + a * dh == u + p0 and c * sw + b * dw == v + p1:
                    reach[r, c] = True
                    taps[r, c] = a * kernel.shape[1] + b
        np.testing.assert_array_equal(step.inputs, reach)
        np.testing.assert_array_equal(step.taps, taps)
        assert step.terms == tuple((kernel.flat[taps[r, c]], x[r, c])
                                   for r, c in zip(*np.nonzero(reach)))
        assert sum(k * value for k, value in step.terms) == pytest.approx(step.value)
        done = np.arange(y.size).reshape(y.shape) <= m
        np.testing.assert_allclose(step.output, np.where(done, y, 0), atol=1e-12)


@pytest.mark.parametrize("padding", ["same", "same_lower"])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_same_padding_steps_match_the_matrix(padding, stride):
    x, kernel = arrays((2, 3), (3, 2), seed=3)
    matrix = tconv.conv_transpose_matrix(kernel, x.shape, stride, padding)
    y = tconv.conv_transpose2d(x[None, None], kernel[None, None], stride=stride,
                               padding=padding)[0, 0]
    scattered = course_steps.scatter_steps(x, kernel, stride, padding)
    for j, step in enumerate(scattered):
        np.testing.assert_allclose(step.output.ravel(), matrix[:, :j + 1] @ x.ravel()[:j + 1],
                                   atol=1e-12)
        assert step.canvas[step.crop].shape == y.shape
    gathered = course_steps.gather_steps(x, kernel, stride, padding)
    np.testing.assert_allclose([g.value for g in gathered], matrix @ x.ravel(), atol=1e-12)


def test_the_worked_example_stamps_the_kernel_itself_first():
    steps = course_steps.scatter_steps([[1, 2], [3, 4]], K)
    expected = np.zeros((4, 4))
    expected[:3, :3] = K
    np.testing.assert_array_equal(steps[0].output, expected)
    np.testing.assert_array_equal(
        steps[-1].output, single_channel.conv_transpose2d_single([[1, 2], [3, 4]], K))


@pytest.mark.parametrize("call, error, match", [
    (lambda: course_steps.scatter_steps(np.ones((2, 2, 2)), K), ValueError, r"x must be a 2-D"),
    (lambda: course_steps.scatter_steps([[1]], "abc"), TypeError, r"kernel must be a numeric"),
    (lambda: course_steps.gather_steps(np.ones((0, 2)), K), ValueError, r"x must not be empty"),
    (lambda: course_steps.scatter_steps(np.ones((11, 10)), K), ValueError,
     r"x has 110 elements.*MAX_STEPS = 100"),
    (lambda: course_steps.gather_steps(np.ones((6, 6)), K, stride=2), ValueError,
     r"the output has 169 elements"),
    (lambda: course_steps.scatter_steps([[1]], K, output_padding=1), ValueError,
     r"output_padding must be smaller"),
    (lambda: course_steps.scatter_steps([[1]], K, stride=0), ValueError, r"stride must be >= 1"),
    (lambda: course_steps.scatter_steps([[1]], K, padding=2.0), TypeError, r"padding must be"),
])
def test_bad_arguments_are_refused_naming_them(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- pictures --------------------------------------------------------------------------------
def cell_texts(ax):
    """{(row, col): text} of the numbers written in a grid's cells (not labels elsewhere)."""
    out = {}
    for text in ax.texts:
        col, row = text.get_position()
        if float(col).is_integer() and float(row).is_integer() and text.get_text():
            out[(int(row), int(col))] = text.get_text()
    return out


def highlighted(ax):
    """Cells framed by a thick rectangle (value_grid's highlight)."""
    cells = set()
    for patch in ax.patches:
        if getattr(patch, "get_linewidth", lambda: 0)() >= 2 and not patch.get_fill():
            x, y = patch.get_xy()
            if patch.get_width() == 1:
                cells.add((int(round(y + 0.5)), int(round(x + 0.5))))
    return cells


def test_scatter_pictures_show_each_step_of_the_computation():
    x = np.arange(1, 10).reshape(3, 3)
    frames = step_frames.scatter_frames(x, K, stride=2, padding=1)
    steps = course_steps.scatter_steps(x, K, stride=2, padding=1)
    assert frames.count == 9
    for j in (0, 4, 8):
        fig = frames.figure(j)
        ax_x, ax_k, ax_s, ax_y = fig.axes
        assert highlighted(ax_x) == {steps[j].index}
        assert cell_texts(ax_y) == {idx: format(v, "g") for idx, v in np.ndenumerate(steps[j].canvas)}
        assert highlighted(ax_y) == set(zip(*np.nonzero(steps[j].stamped)))
        assert cell_texts(ax_s) == {idx: format(v, "g") for idx, v in np.ndenumerate(steps[j].stamp)}
        # The cropped border (padding 1 around a 7x7 canvas) is shaded: 24 hatched cells.
        assert sum(1 for p in ax_y.patches if p.get_hatch()) == 7 * 7 - 5 * 5
        assert "cropped" in ax_y.get_title()
        assert frames.captions[j] in fig._suptitle.get_text()
        plt.close(fig)


def test_gather_pictures_show_the_output_so_far_and_the_inputs_that_reach_it():
    frames = step_frames.gather_frames([[1, 2], [3, 4]], K)
    steps = course_steps.gather_steps([[1, 2], [3, 4]], K)
    fig = frames.figure(5)
    ax_x, ax_k, ax_y = fig.axes
    assert highlighted(ax_x) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert highlighted(ax_y) == {(1, 1)}
    written = cell_texts(ax_y)
    assert written == {idx: format(steps[5].output[idx], "g")
                       for idx in np.ndindex(4, 4) if idx <= (1, 1)}
    assert frames.captions[5] == "y[1, 1] = 5·1 + 4·2 + 2·3 + 1·4 = 23"
    plt.close(fig)


@pytest.mark.parametrize("x_shape, stride, padding, output_padding, dilation", [
    ((2, 2), 1, 0, 0, 1),
    ((3, 3), 2, 1, 1, 1),
    ((2, 3), (2, 1), 0, (1, 0), 1),
    ((2, 2), 1, 1, 0, 2),
])
def test_sliding_gather_slides_the_flipped_kernel_over_the_gather_input(
        x_shape, stride, padding, output_padding, dilation):
    x = np.arange(1, np.prod(x_shape) + 1).reshape(x_shape)
    args = (stride, padding, output_padding, dilation)
    frames = step_frames.sliding_gather_frames(x, K, *args)
    expected = tconv.conv_transpose2d(x[None, None], K[None, None], stride=stride,
                                      padding=padding, output_padding=output_padding,
                                      dilation=dilation)[0, 0]
    canvas = single_channel.gather_input(x, K, *args)
    d = pair(dilation)
    assert frames.count == expected.size
    # Each caption ends with the output value of its element, in C order.
    for caption, value in zip(frames.captions, expected.ravel()):
        assert caption.endswith(f"= {value:g}") or (value == 0 and caption.endswith(": 0"))
    for m in (0, frames.count // 2, frames.count - 1):
        u, v = np.unravel_index(m, expected.shape)
        fig = frames.figure(m)
        ax_in, ax_k, ax_y = fig.axes
        assert cell_texts(ax_in) == {idx: format(float(c), "g")
                                     for idx, c in np.ndenumerate(canvas)}
        flipped = K[::-1, ::-1]
        assert cell_texts(ax_k) == {idx: format(c, "g") for idx, c in np.ndenumerate(flipped)}
        # The window: one thick frame of the dilated kernel's extent at (u, v).
        (window,) = [p for p in ax_in.patches if p.get_width() > 1]
        assert window.get_xy() == (v - 0.5, u - 0.5)
        assert (window.get_height(), window.get_width()) == (d[0] * 2 + 1, d[1] * 2 + 1)
        taps = sorted(t.get_text() for t in ax_in.texts if t.get_text().startswith("×"))
        assert taps == sorted(f"×{c:g}" for c in K.ravel())
        assert highlighted(ax_y) == {(u, v)}
        assert cell_texts(ax_y) == {idx: format(float(expected[idx]), "g")
                                    for idx in np.ndindex(*expected.shape) if idx <= (u, v)}
        plt.close(fig)


def test_sliding_gather_refuses_what_tconv_refuses():
    with pytest.raises(ValueError, match=r"output_padding must be smaller"):
        step_frames.sliding_gather_frames([[1, 2]], K, stride=1, output_padding=1)


def test_frames_figure_refuses_an_index_out_of_range():
    frames = step_frames.scatter_frames([[1]], [[2]])
    with pytest.raises(ValueError, match=r"i must be < 1"):
        frames.figure(1)
    with pytest.raises(TypeError, match=r"i must be an integer"):
        frames.figure(0.0)


def test_configuration_picture_shows_tconvs_output_counts_and_matrix():
    fig = explorer.draw_configuration(stride=2, padding=1, kernel_size=3, input_size=3)
    ax_x, ax_k, ax_y, ax_c, ax_m = fig.axes
    x = np.arange(1, 10).reshape(3, 3).astype(float)
    y = tconv.conv_transpose2d(x[None, None], K[None, None].astype(float), stride=2,
                               padding=1)[0, 0]
    assert cell_texts(ax_y) == {idx: format(v, "g") for idx, v in np.ndenumerate(y)}
    # Overlap counts on the full 7x7 output, counted naively: stamps covering each cell.
    counts = np.zeros((7, 7), dtype=int)
    for r, c, a, b in np.ndindex(3, 3, 3, 3):
        counts[2 * r + a, 2 * c + b] += 1
    assert cell_texts(ax_c) == {idx: str(v) for idx, v in np.ndenumerate(counts)}
    np.testing.assert_array_equal(
        ax_m.images[0].get_array(),
        tconv.conv_transpose_matrix(K, (3, 3), stride=2, padding=1))
    assert "o = (3-1)·2 - 2·1 + 1·(3-1) + 0 + 1 = 5" in fig._suptitle.get_text()
    plt.close(fig)


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(stride=1, output_padding=1), "output_padding must be smaller"),
    (dict(input_size=1, kernel_size=1, padding=1), "leaves no output"),
])
def test_configuration_picture_shows_a_refused_combination_as_a_message(kwargs, fragment):
    fig = explorer.draw_configuration(**kwargs)
    [ax] = fig.axes                                   # one blank axes holding the message
    assert not ax.axison and len(ax.images) == 0 and len(ax.patches) == 0
    assert "not valid" in ax.texts[0].get_text() and fragment in ax.texts[0].get_text()
    assert fragment in explorer.configuration_error(**kwargs)
    plt.close(fig)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(stride=0), ValueError, r"stride must be >= 1, got 0"),
    (dict(padding=-1), ValueError, r"padding must be >= 0, got -1"),
    (dict(kernel_size="3"), TypeError, r"kernel_size must be an integer, got '3'"),
    (dict(dilation=1.0), TypeError, r"dilation must be an integer"),
])
def test_configuration_arguments_are_checked_one_by_one(kwargs, error, match):
    with pytest.raises(error, match=match):
        explorer.draw_configuration(**kwargs)
    with pytest.raises(error, match=match):
        explorer.configuration_error(**kwargs)


def test_configuration_frames_refuse_bad_grids():
    with pytest.raises(ValueError, match=r"strides must be non-empty"):
        explorer.configuration_frames((), (0,))
    with pytest.raises(ValueError, match=r"paddings must be non-empty and without repeats"):
        explorer.configuration_frames((1,), (0, 0))
    with pytest.raises(TypeError, match=r"strides must be a sequence"):
        explorer.configuration_frames(2, (0,))
    with pytest.raises(TypeError, match=r"unexpected arguments \['colour'\]"):
        explorer.configuration_frames((1,), (0,), colour=1)


# --- PNG, GIF, HTML ----------------------------------------------------------------------------
def test_png_is_byte_stable_and_carries_no_software_stamp():
    frames = step_frames.scatter_frames([[1, 2], [3, 4]], K)
    for palette in (True, False):
        first = players.render_png(frames, 2, dpi=40, palette=palette)
        assert first == players.render_png(frames, 2, dpi=40, palette=palette)
        assert b"Software" not in first and b"matplotlib" not in first.lower()
        with Image.open(io.BytesIO(first)) as image:
            assert image.size == (int(frames.figsize[0] * 40), int(frames.figsize[1] * 40))
            assert image.mode == ("P" if palette else "RGBA")


def test_save_gif_writes_one_frame_per_step(tmp_path):
    frames = step_frames.scatter_frames([[1, 2], [3, 4]], K)
    path = tmp_path / "scatter.gif"
    players.save_gif(frames, path, fps=2, dpi=30)
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 4
        assert gif.size == (int(frames.figsize[0] * 30), int(frames.figsize[1] * 30))
        pictures = []
        for n in range(gif.n_frames):
            gif.seek(n)
            pictures.append(np.asarray(gif.convert("RGB")))
    assert all(not np.array_equal(a, b) for a, b in zip(pictures, pictures[1:]))


def test_save_gif_refuses_bad_arguments(tmp_path):
    frames = step_frames.scatter_frames([[1]], [[2]])
    with pytest.raises(ValueError, match=r"fps must be a positive number, got 0"):
        players.save_gif(frames, tmp_path / "a.gif", fps=0)
    with pytest.raises(ValueError, match=r"path must be in an existing folder"):
        players.save_gif(frames, tmp_path / "missing" / "a.gif")
    with pytest.raises(TypeError, match=r"frames must be a tconv.course.players.Frames"):
        players.save_gif([1, 2], tmp_path / "a.gif")
    with pytest.raises(TypeError, match=r"path must be a str or path-like"):
        players.save_gif(frames, 3)
    with pytest.raises(ValueError, match=r"dpi must be >= 10"):
        players.save_gif(frames, tmp_path / "a.gif", dpi=5)


class _Structure(HTMLParser):
    """Collects the elements of a player block."""

    def __init__(self):
        super().__init__()
        self.elements = []
        self.labels_for = []
        self.scripts = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag == "label":
            self.labels_for.append(dict(attrs).get("for"))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def parse_player(text):
    parser = _Structure()
    parser.feed(text)
    script = "".join(parser.scripts)
    frames = json.loads(re.search(r"var frames = (\[.*?\]),", script).group(1))
    return parser, script, frames


def test_player_follows_the_static_interactivity_contract():
    frames = explorer.configuration_frames((1, 2, 3), (0, 1), input_size=2, kernel_size=2)
    p = players.player(frames, [("stride s", (1, 2, 3)), ("padding p", (0, 1))], dpi=20)
    parser, script, pngs = parse_player(p.html)
    tags = parser.elements
    assert tags[0][0] == "div" and tags[0][1]["class"] == "tconv-player"
    sliders = [a for t, a in tags if t == "input"]
    assert [s["type"] for s in sliders] == ["range", "range"]
    assert [(s["min"], s["max"]) for s in sliders] == [("0", "2"), ("0", "1")]
    assert parser.labels_for == [s["id"] for s in sliders]        # every slider has its label
    # Stored disabled, with a note, for a Jupyter that drops the script (untrusted notebook);
    # the script enables the sliders and removes the note (the browser step checks it runs).
    assert all("disabled" in s for s in sliders)
    assert [a for t, a in tags if t == "p" and a.get("class") == "tconv-needs-script"]
    assert players.NEEDS_SCRIPT in p.html and "run this cell" in players.NEEDS_SCRIPT
    assert "s.disabled = false" in script and "note.remove()" in script
    # JupyterLab's command-mode shortcuts leave the arrow keys to the sliders.
    assert tags[0][1]["data-lm-suppress-shortcuts"] == "true"
    images = [a for t, a in tags if t == "img"]
    assert len(images) == 1 and images[0]["class"] == "tconv-frame"
    assert images[0]["src"] == "data:image/png;base64," + pngs[0]
    assert "addEventListener('input'" in script
    assert re.search(r"https?:|//cdn", p.html) is None         # no URL (":" is not base64)
    assert len(pngs) == 6 == p.count
    decoded = [base64.b64decode(f) for f in pngs]
    assert all(d.startswith(b"\x89PNG") for d in decoded)
    assert len(set(decoded)) == 6                               # distinct configurations
    assert not any(t == "button" for t, _ in tags)                # no play button by default
    # Picture n is the configuration of the sliders' values in C order.
    assert decoded[3] == players.render_png(frames, 3, dpi=20)
    assert frames.captions[3] == "stride 2, padding 1"


def test_animation_player_has_a_step_slider_and_a_text_play_button():
    frames = step_frames.scatter_frames([[1, 2], [3, 4]], K)
    p = players.player(frames, dpi=20, interval_ms=500)
    parser, script, pngs = parse_player(p.html)
    buttons = [a for t, a in parser.elements if t == "button"]
    assert len(buttons) == 1 and ">Play</button>" in p.html and "'Pause'" in script
    assert len(pngs) == 4 and p.sliders == (("step", ("1", "2", "3", "4")),)
    assert "500" in script
    assert repr(p) == "Player(4 pictures; sliders: step (4 values))"
    assert p._repr_html_() == p.html


def test_player_ids_are_deterministic_and_differ_between_players():
    first_frames = step_frames.scatter_frames([[1, 2], [3, 4]], K)
    other = step_frames.scatter_frames([[1, 2], [3, 5]], K)
    first, again = players.player(first_frames, dpi=20), players.player(first_frames, dpi=20)
    assert first.html == again.html
    ids = {re.search(r'data-tconv-id="([^"]+)"', p.html).group(1)
           for p in (first, players.player(other, dpi=20))}
    assert len(ids) == 2


def test_player_refuses_bad_arguments():
    frames = step_frames.scatter_frames([[1, 2]], [[1]])
    with pytest.raises(ValueError, match=r"sliders must have as many value combinations.*3 = 3, "
                                         r"but frames has 2"):
        players.player(frames, [("s", (1, 2, 3))])
    with pytest.raises(TypeError, match=r"sliders must hold \(label, values\) pairs"):
        players.player(frames, [(1, (1, 2))])
    with pytest.raises(TypeError, match=r"frames must be a tconv.course.players.Frames"):
        players.player("frames")
    with pytest.raises(ValueError, match=r"interval_ms must be >= 50"):
        players.player(frames, interval_ms=10)
    with pytest.raises(TypeError, match=r"play must be True, False or None"):
        players.player(frames, play="yes")


def test_explorer_player_covers_every_stride_and_padding():
    p = explorer.explorer_player((1, 2, 3), (0, 1, 2), dpi=15)
    _, _, pngs = parse_player(p.html)
    assert p.count == len(pngs) == 9
    assert len(set(pngs)) == 9
    assert p.sliders == (("stride s", ("1", "2", "3")), ("padding p", ("0", "1", "2")))
