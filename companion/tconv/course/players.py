"""Pictures as PNG, GIF and self-contained HTML players, for the static book.

Pictures are :class:`Frames` (a drawing function and a count); :func:`render_png` draws one,
:func:`save_gif` writes them all with matplotlib's ``PillowWriter`` and :func:`player` embeds
them, as PNG images, in one HTML block that needs no kernel and no network: a
``div.tconv-player`` with ``<input type="range">`` sliders, an ``img.tconv-frame`` and a few
lines of inline JavaScript.

Matplotlib is needed (``pip install tconv[course]``); it is imported when a picture is drawn.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import math
import os
from dataclasses import dataclass
from typing import Any, Callable, Sequence, Union

from .._validate import as_int

__all__ = ["Frames", "render_png", "save_gif", "Player", "player", "NEEDS_SCRIPT"]


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
        >>> import matplotlib.pyplot as plt
        >>> frames = Frames(
        ...     lambda fig, i: fig.add_subplot().set_title(f"picture {i}"),
        ...     2,
        ...     (2.0, 1.5),
        ...     ("one", "two"),
        ... )
        >>> fig = frames.figure(1)
        >>> fig.axes[0].get_title()
        'picture 1'
        >>> plt.close(fig)
        """
        import matplotlib.pyplot as plt

        i = as_int(i, "i", minimum=0)
        if i >= self.count:
            raise ValueError(f"i must be < {self.count} (the number of pictures), got {i}")
        fig = plt.figure(figsize=self.figsize)
        self.draw(fig, i)
        return fig


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
    >>> from tconv.course.step_frames import scatter_frames
    >>> frames = scatter_frames(
    ...     [[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3)
    ... )
    >>> png = render_png(frames, 0, dpi=40)
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n", png == render_png(
    ...     frames, 0, dpi=40
    ... )
    (True, True)
    """
    import matplotlib.pyplot as plt

    if not isinstance(frames, Frames):
        raise TypeError(f"frames must be a tconv.course.players.Frames, got {type(frames).__name__}")
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
    >>> from tconv.course.step_frames import scatter_frames
    >>> frames = scatter_frames(
    ...     [[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3)
    ... )
    >>> path = os.path.join(tempfile.mkdtemp(), "scatter.gif")
    >>> save_gif(frames, path, dpi=30)
    >>> open(path, "rb").read(6)
    b'GIF89a'
    """
    import matplotlib.pyplot as plt
    from matplotlib.animation import PillowWriter

    if not isinstance(frames, Frames):
        raise TypeError(f"frames must be a tconv.course.players.Frames, got {type(frames).__name__}")
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


#: The note a player shows, with its controls disabled, until its script runs. (Jupyter does
#: not run the scripts stored in a notebook that its reader has not trusted.)
NEEDS_SCRIPT = ("The sliders come alive when this player's script runs: in Jupyter, run this "
                "cell (Jupyter does not run the scripts stored in a notebook you have not "
                "trusted).")

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
    // The block is stored disabled, with a note for a Jupyter that drops this script.
    sliders.forEach(function (s) { s.disabled = false; });
    if (button) { button.disabled = false; }
    var note = root.querySelector('.tconv-needs-script');
    if (note) { note.remove(); }
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

    In Jupyter, the block is stored with its controls disabled and a note,
    :data:`NEEDS_SCRIPT`, that the script removes when it enables them: a notebook its reader
    has not trusted shows the first picture and says to run the cell, instead of sliders that
    do nothing. The block carries ``data-lm-suppress-shortcuts`` so that JupyterLab's
    command-mode shortcuts leave the arrow keys to the sliders.

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
    >>> from tconv.course.step_frames import scatter_frames
    >>> frames = scatter_frames(
    ...     [[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3)
    ... )
    >>> p = player(frames, dpi=30)
    >>> p
    Player(4 pictures; sliders: step (4 values))
    >>> p.html.count('type="range"'), p.html.count(
    ...     'class="tconv-frame"'
    ... ), "https:" in p.html
    (1, 1, False)
    """
    if not isinstance(frames, Frames):
        raise TypeError(f"frames must be a tconv.course.players.Frames, got {type(frames).__name__}")
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
            f'value="0" disabled style="vertical-align:middle;margin-right:1.2em">'
        )
    if play:
        controls.append('<button type="button" class="tconv-play" disabled>Play</button>')
    # data-lm-suppress-shortcuts: JupyterLab leaves the keys to the sliders (arrow keys would
    # otherwise move between cells).
    block = (
        f'<div class="tconv-player" data-tconv-id="{player_id}" '
        f'data-lm-suppress-shortcuts="true" style="margin:0.5em 0 1em 0">\n'
        + (f'<p style="margin:0 0 0.3em 0"><strong>{html.escape(title)}</strong></p>\n'
           if title else "")
        + '<div class="tconv-controls" style="margin-bottom:0.3em">' + "".join(controls)
        + "</div>\n"
        f'<img class="tconv-frame" src="data:image/png;base64,{pngs[0]}" '
        f'alt="{html.escape(frames.captions[0])}" style="max-width:100%;height:auto">\n'
        f'<p class="tconv-caption" style="margin:0.2em 0;font-size:90%">'
        f"{html.escape(frames.captions[0])}</p>\n"
        f'<p class="tconv-needs-script" style="margin:0.2em 0;font-size:90%">{NEEDS_SCRIPT}</p>\n'
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
