"""The checks of the built book, on small pages whose faults are known.

Each faulty page must be reported for its fault (so a check that cannot fail would show
here), and the clean pages must pass (so a check that always fails would show too).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from browser_tests.checks import check_page, screenshot_name
from browser_tests.fixture_pages import page, player_block, player_page, png
from browser_tests.site import LoopbackServer, built_pages, toc_pages


def serve_and_check(browser, folder: Path, html: str, **kwargs):
    (folder / "page.html").write_text(html, encoding="utf-8")
    with LoopbackServer(folder) as server:
        return check_page(browser, server.origin, "page.html", **kwargs)


def only(problems: list[str], *fragments: str) -> None:
    """Every problem mentions one of `fragments`, and each fragment is in some problem."""
    for fragment in fragments:
        assert any(fragment in p for p in problems), (fragment, problems)
    for problem in problems:
        assert any(f in problem for f in fragments), (problem, fragments)


# --- pages without a browser -------------------------------------------------------------

def test_built_pages_skips_the_asset_folders(tmp_path):
    for name in ("index.html", "search.html", "book/intro.html", "book/x.ipynb",
                 "_static/webpack-macros.html", "_sources/book/intro.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert built_pages(tmp_path) == ["book/intro.html", "index.html", "search.html"]
    assert built_pages(tmp_path / "missing") == []


def test_toc_pages_lists_root_and_nested_files(tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text("format: jb-book\nroot: book/intro\nparts:\n  - caption: A\n    chapters:\n"
                   "      - file: book/a.ipynb\n        sections:\n          - file: book/b\n"
                   "      - url: https://example.org\n  - caption: B\n    chapters:\n"
                   "      - file: book/a\n      - file: book/c.md\n")
    assert toc_pages(toc) == ["book/intro.html", "book/a.html", "book/b.html", "book/c.html"]


def test_screenshot_names_are_flat_file_names():
    assert screenshot_name("book/explorer.html") == "book_explorer"
    assert screenshot_name("index.html") == "index"


def test_png_is_a_valid_image_header():
    data = png(3, 2, (1, 2, 3))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 3 and int.from_bytes(data[20:24], "big") == 2


# --- pages in the browser ----------------------------------------------------------------

def test_a_clean_page_passes(chromium_browser, tmp_path):
    (tmp_path / "picture.png").write_bytes(png(4, 4, (0, 128, 0)))
    html = page("<p>fine</p><img src='picture.png' alt='a picture'>",
                head="<script>console.log('hello');</script>")
    report = serve_and_check(chromium_browser, tmp_path, html)
    assert report.problems == []
    assert report.images == 1 and report.blocked == []


def test_script_errors_and_console_errors_fail(chromium_browser, tmp_path):
    html = page("<script>console.error('something broke');</script>"
                "<script>undefinedFunction();</script>")
    report = serve_and_check(chromium_browser, tmp_path, html)
    only(report.problems, "script error", "undefinedFunction", "console error")
    assert any("something broke" in p for p in report.problems)


def test_a_missing_local_file_and_a_broken_image_fail(chromium_browser, tmp_path):
    (tmp_path / "not-a-png.png").write_bytes(b"this is text")
    html = page("<img src='missing.png' alt='gone'><img src='not-a-png.png' alt='bad'>")
    report = serve_and_check(chromium_browser, tmp_path, html)
    assert any("HTTP 404" in p and "missing.png" in p for p in report.problems)
    broken = [p for p in report.problems if p.startswith("broken image")]
    assert len(broken) == 2 and any("not-a-png.png" in p for p in broken)


def test_off_loopback_requests_are_blocked_and_fail(chromium_browser, tmp_path):
    # .invalid never resolves; the request must not even be attempted (it is aborted).
    cdn = "https://cdn.example.invalid/lib"
    html = page(f"<img src='{cdn}/logo.png' alt='logo'>",
                head=f"<link rel='stylesheet' href='{cdn}/style.css'>"
                     f"<script src='{cdn}/script.js'></script>")
    report = serve_and_check(chromium_browser, tmp_path, html)
    assert sorted(report.blocked) == [("image", f"{cdn}/logo.png"),
                                      ("script", f"{cdn}/script.js"),
                                      ("stylesheet", f"{cdn}/style.css")]
    assert sum("off-loopback" in p for p in report.problems) == 3


MATH = r"<p><span class='math notranslate nohighlight'>\(y = C_K^T x\)</span></p>"


def test_math_on_a_page_without_mathjax_fails(chromium_browser, tmp_path):
    report = serve_and_check(chromium_browser, tmp_path, page(MATH))
    only(report.problems, "but the page loads no MathJax")
    assert report.math_elements == 1


def test_math_when_mathjax_does_not_start_fails(chromium_browser, tmp_path):
    (tmp_path / "mathjax.js").write_text("window.notMathJax = 1;")
    html = page(MATH, head="<script async src='mathjax.js'></script>")
    report = serve_and_check(chromium_browser, tmp_path, html, mathjax_timeout_ms=2000)
    only(report.problems, "MathJax never started")


def test_a_player_that_follows_the_contract_passes(chromium_browser, tmp_path):
    shots = tmp_path / "shots"
    shots.mkdir()
    report = serve_and_check(chromium_browser, tmp_path, player_page(), screenshot_dir=shots,
                             require_player=True)
    assert report.problems == []
    assert [(p.index, p.sliders_moved) for p in report.players] == [(1, 2)]
    assert sorted(p.name for p in shots.iterdir()) == ["page--player1.png", "page.png"]


def test_a_page_without_the_required_player_fails(chromium_browser, tmp_path):
    report = serve_and_check(chromium_browser, tmp_path, page("<p>no player</p>"),
                             require_player=True)
    only(report.problems, "no interactive player")


@pytest.mark.parametrize("fault, expected", [
    (dict(listen=False), "did not change the frame"),
    (dict(event="change"), "input event did not bring back the first frame"),
    (dict(labels=False), "has no <label>"),
    (dict(data_uri=False), "is not a data:image/png"),
])
def test_a_player_that_breaks_the_contract_fails(chromium_browser, tmp_path, fault, expected):
    for stride in (1, 2, 3):  # the frames as files, for the page that does not use data: URIs
        for padding in (0, 1, 2):
            (tmp_path / f"frame-{stride}-{padding}.png").write_bytes(png(5, 5, (stride, padding, 0)))
    report = serve_and_check(chromium_browser, tmp_path, player_page(**fault))
    only(report.problems, expected)
    assert len(report.players) == 1


def test_the_player_of_tconv_course_passes(chromium_browser, tmp_path):
    # The book's players come from tconv.course.players.player: one built here must pass the same
    # checks, whether or not a chapter of the built book uses it yet.
    import numpy as np

    from tconv.course.players import player
    from tconv.course.step_frames import scatter_frames

    frames = scatter_frames([[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3))
    html = page(player(frames, dpi=30).html)
    report = serve_and_check(chromium_browser, tmp_path, html, require_player=True)
    assert report.problems == []
    assert [(p.index, p.sliders_moved) for p in report.players] == [(1, 1)]


def test_a_player_whose_script_did_not_run_fails(chromium_browser, tmp_path):
    # As an untrusted notebook shows it in Jupyter: the stored block without its script.
    import re

    import numpy as np

    from tconv.course.players import player
    from tconv.course.step_frames import scatter_frames

    frames = scatter_frames([[1, 2], [3, 4]], np.arange(1, 10).reshape(3, 3))
    stored = player(frames, dpi=30).html
    without_script = re.sub(r"<script>.*?</script>", "", stored, flags=re.S)
    assert without_script != stored
    report = serve_and_check(chromium_browser, tmp_path, page(without_script))
    only(report.problems, "its script did not run (1 disabled slider(s)")


def test_a_hidden_player_is_checked_too(chromium_browser, tmp_path):
    # In a collapsed block the slider cannot take the keyboard focus; it must still answer.
    good = page(f"<div style='display:none'>{player_block()}</div>")
    assert serve_and_check(chromium_browser, tmp_path, good).problems == []
    bad = page(f"<div style='display:none'>{player_block(listen=False)}</div>")
    only(serve_and_check(chromium_browser, tmp_path, bad).problems,
         "(input event) did not change the frame")


# --- what a reader sees: words, widths, figures --------------------------------------------

def test_a_forbidden_word_fails_even_in_a_hidden_solution(chromium_browser, tmp_path):
    html = page("<article><p>The worked example.</p><details><summary>Solution</summary>"
                "<p>As in the Seed document.</p></details></article>")
    report = serve_and_check(chromium_browser, tmp_path, html)
    only(report.problems, "the word 'seed' appears 1 time(s)")


def test_a_line_wider_than_its_box_fails(chromium_browser, tmp_path):
    long_line = "x = " + " + ".join(["1"] * 200)
    html = page("<article style='width: 600px'>"
                f"<pre style='overflow: auto'>{long_line}</pre>"
                "<pre style='overflow: auto'>short = 1</pre>"
                "<table><tr>" + "<td>wide cell</td>" * 80 + "</tr></table></article>")
    report = serve_and_check(chromium_browser, tmp_path, html)
    only(report.problems, "code or output wider than its box", "table wider than its box")
    assert len(report.problems) == 2 and "x = 1 + 1" in report.problems[0]


def test_a_wide_line_in_a_collapsed_block_fails_too(chromium_browser, tmp_path):
    html = page("<article style='width: 600px'><details><summary>Code</summary>"
                f"<pre style='overflow: auto'>{'y' * 400}</pre></details></article>")
    report = serve_and_check(chromium_browser, tmp_path, html)
    only(report.problems, "code or output wider than its box")


def test_a_chapter_without_a_figure_fails(chromium_browser, tmp_path):
    (tmp_path / "icon.png").write_bytes(png(16, 16, (9, 9, 9)))
    (tmp_path / "figure.png").write_bytes(png(400, 300, (9, 99, 9)))
    text_only = page("<article><p>Words.</p><img src='icon.png' alt='icon'></article>")
    report = serve_and_check(chromium_browser, tmp_path, text_only, require_figure=True)
    only(report.problems, "no figure")
    with_figure = page("<article><img src='figure.png' alt='a figure'></article>")
    report = serve_and_check(chromium_browser, tmp_path, with_figure, require_figure=True)
    assert report.problems == []
