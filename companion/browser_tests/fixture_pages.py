"""Small HTML pages, written at test time, that show the checks can pass and can fail.

`player_page` follows the contract of the book's interactive players (``tconv.course.players``):
a ``div.tconv-player`` with labelled ``input[type=range]`` sliders and one
``img.tconv-frame`` whose ``src`` (a ``data:image/png;base64`` URI) changes on the
slider's ``input`` event; frames are precomputed, the script is inline, nothing is fetched.
Its options break the contract in one way each.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A PNG of one colour (8-bit RGB), written with the standard library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width  # filter type 0, then the pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def png_data_uri(rgb: tuple[int, int, int]) -> str:
    return "data:image/png;base64," + base64.b64encode(png(12, 8, rgb)).decode("ascii")


def page(body: str, head: str = "") -> str:
    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>fixture</title>{head}"
            f"</head>\n<body>\n{body}\n</body></html>\n")


def player_page(**faults: object) -> str:
    """A page with one player (`player_block`)."""
    return page(player_block(**faults))


def player_block(*, event: str = "input", labels: bool = True, data_uri: bool = True,
                 listen: bool = True) -> str:
    """One player over stride (1..3) and padding (0..2): 9 frames of 9 colours.

    event:    the event the script listens to (the contract says "input").
    labels:   give each slider a <label>.
    data_uri: frames as data: URIs (else as file names, which is against the contract).
    listen:   attach the listener at all.
    """
    frames = {}
    for stride in (1, 2, 3):
        for padding in (0, 1, 2):
            colour = (40 * stride, 60 * padding, 200 - 30 * stride)
            key = f"{stride},{padding}"
            frames[key] = png_data_uri(colour) if data_uri else f"frame-{stride}-{padding}.png"
    sliders = []
    for name, low, high in (("stride", 1, 3), ("padding", 0, 2)):
        label = f"<label for='{name}'>{name}</label>" if labels else ""
        sliders.append(f"{label}<input type='range' id='{name}' name='{name}' "
                       f"min='{low}' max='{high}' step='1' value='{low}'>")
    script = f"""
<script>
(function () {{
  const frames = {json.dumps(frames)};
  const root = document.currentScript.parentElement;
  const img = root.querySelector('img.tconv-frame');
  const value = (name) => root.querySelector('#' + name).value;
  const show = () => {{ img.src = frames[value('stride') + ',' + value('padding')]; }};
  {"root.querySelectorAll('input').forEach((s) => s.addEventListener('" + event + "', show));"
   if listen else ""}
}})();
</script>"""
    return (f"<div class='tconv-player'>\n{''.join(sliders)}\n"
            f"<img class='tconv-frame' alt='the output' src='{frames['1,0']}'>{script}\n</div>")
