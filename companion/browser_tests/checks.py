"""Open one page of the built book in Chromium (Playwright) and list what is wrong with it.

`check_page` loads a page served on loopback with every other origin blocked, waits for the
network and MathJax to settle, and reports:

- script errors (``pageerror``) and console messages of type ``error``;
- local requests that failed or answered with an HTTP status of 400 or more;
- requests to any other origin: they are blocked, and every one is a problem. The book must
  work offline, so an off-site request is either a dependency on a CDN (which breaks offline)
  or a leak of the reader's visit; no kind of off-site request is needed by the book today;
- images that did not decode (``naturalWidth == 0``);
- formulas MathJax did not typeset (a ``.math`` element with no ``mjx-container``) or typeset
  as an error (``mjx-merror``, e.g. an unknown macro);
- interactive players (``div.tconv-player``, the contract of ``tconv.course.players``) whose sliders
  do not change their frame: each ``input[type=range]`` is moved with the keyboard (a real
  user event; a hidden slider by an ``input`` event), the ``img.tconv-frame`` must show a new ``data:image/png`` picture that decodes,
  and setting the slider back (value + an ``input`` event, the contract's event) must bring
  back the first picture;
- words the book must not use (`FORBIDDEN_WORDS`), anywhere in the page's text, hidden
  solutions included;
- code blocks, outputs, display formulas and tables wider than their box at 1280x900 (a
  reader would have to scroll sideways to see the end of a line), with every collapsed block
  opened first;
- with ``require_figure``: a page that shows no figure (an image at least `FIGURE_MIN_WIDTH`
  pixels wide in the page's article).

It also takes a full-page screenshot, and one of each player after its slider moved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# Generous limits so that a broken page cannot hang the run; they are not speed checks.
LOAD_TIMEOUT_MS = 120_000
IMAGE_TIMEOUT_MS = 60_000
MATHJAX_TIMEOUT_MS = 60_000
# A player sets its frame's src in its input handler: a few seconds is ample for that.
FRAME_TIMEOUT_MS = 5_000

VIEWPORT = {"width": 1280, "height": 900}
PNG_DATA_URI = "data:image/png;base64,"

# Words no page may use, and what to say instead. "Seed" was the project's own name for the
# worked example, which a reader was never told.
FORBIDDEN_WORDS = {"seed": "say 'the worked example' (or, for random numbers, 'generator')"}
# An image this wide (in CSS pixels, as shown) counts as a figure; icons and logos do not.
FIGURE_MIN_WIDTH = 200
# Sideways overflow of under this many pixels is rounding, not a clipped line.
OVERFLOW_SLACK_PX = 2

_IMAGES_JS = """async (timeoutMs) => {
  const settle = (img) => new Promise((done) => {
    if (img.complete) { done(); return; }
    img.addEventListener('load', done, {once: true});
    img.addEventListener('error', done, {once: true});
    setTimeout(done, timeoutMs);
  });
  const images = [...document.images];
  for (const img of images) { img.loading = 'eager'; }
  await Promise.all(images.map(settle));
  return {
    total: images.length,
    broken: images.filter((img) => img.naturalWidth === 0)
                  .map((img) => img.currentSrc || img.getAttribute('src') || '(no src)'),
  };
}"""

_MATHJAX_STARTED_JS = (
    "() => !!(window.MathJax && window.MathJax.startup && window.MathJax.startup.promise)"
)

_LOADS_MATHJAX_JS = "() => [...document.scripts].some((s) => /mathjax/i.test(s.src))"

_MATH_STATE_JS = """async () => {
  await window.MathJax.startup.promise;
  const math = [...document.querySelectorAll('.math')];
  return {
    total: math.length,
    raw: math.filter((el) => !el.querySelector('mjx-container'))
             .map((el) => el.textContent.trim().slice(0, 80)),
    errors: [...document.querySelectorAll('mjx-merror')]
             .map((el) => (el.getAttribute('data-mjx-error') || el.textContent).slice(0, 80)),
  };
}"""

_SLIDER_JS = """(s) => ({
  value: s.value,
  labels: [...(s.labels || [])].map((l) => l.textContent.trim()).filter((t) => t.length > 0),
  name: s.name || s.id || '',
})"""

_SET_SLIDER_JS = """(s, value) => {
  s.value = value;
  s.dispatchEvent(new Event('input', {bubbles: true}));
}"""

# The page's text nodes outside <script>/<style>, hidden ones included (collapsed solutions).
_PAGE_TEXT_JS = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.closest('script, style, noscript')) { parts.push(node.nodeValue); }
  }
  return parts.join(' ');
}"""

# Opens every collapsed block, then lists the boxes whose content is wider than the box (it
# scrolls sideways) or that reach past the right edge of the article.
_OVERFLOW_JS = """(slack) => {
  for (const d of document.querySelectorAll('details')) { d.open = true; }
  for (const t of document.querySelectorAll('.toggle-hidden')) {
    t.classList.remove('toggle-hidden');
  }
  const root = document.querySelector('article') || document.querySelector('main')
               || document.body;
  const edge = root.getBoundingClientRect().right;
  const kinds = [
    ['pre', 'code or output'],
    ['mjx-container[display="true"]', 'formula'],
    ['div.math', 'formula'],
    ['.pst-scrollable-table-container', 'table'],
    ['table', 'table'],
  ];
  const found = [];
  const seen = new Set();
  for (const [selector, kind] of kinds) {
    for (const el of root.querySelectorAll(selector)) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || seen.has(el)) { continue; }
      seen.add(el);
      const inside = el.scrollWidth - el.clientWidth;
      const past = box.right - edge;
      const over = Math.max(inside, past);
      if (over > slack) {
        const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 70);
        found.push({kind, over: Math.round(over), text});
      }
    }
  }
  return found;
}"""

_FIGURES_JS = """(minWidth) => {
  const root = document.querySelector('article') || document.querySelector('main')
               || document.body;
  return [...root.querySelectorAll('img')].filter(
    (img) => img.naturalWidth > 0 && img.getBoundingClientRect().width >= minWidth).length;
}"""

_DECODED_WIDTH_JS = "(img) => img.decode().then(() => img.naturalWidth, () => 0)"


@dataclass
class PlayerReport:
    """What was done to one player: its index on the page and the sliders moved."""

    index: int
    sliders_moved: int = 0


@dataclass
class PageReport:
    """The problems found on one page, and what was looked at."""

    url: str
    problems: list[str] = field(default_factory=list)
    blocked: list[tuple[str, str]] = field(default_factory=list)  # (resource type, URL)
    math_elements: int = 0
    images: int = 0
    players: list[PlayerReport] = field(default_factory=list)
    screenshots: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{self.url}: {len(self.problems)} problem(s)"]
        lines += [f"  - {p}" for p in self.problems]
        if self.screenshots:
            lines.append(f"  screenshot: {self.screenshots[0]}")
        return "\n".join(lines)


def screenshot_name(relative: str) -> str:
    """A file name for a page's screenshot: 'book/explorer.html' -> 'book_explorer'."""
    stem = relative[:-5] if relative.endswith(".html") else relative
    return re.sub(r"[^A-Za-z0-9.-]+", "_", stem).strip("_") or "page"


def _short(url: str) -> str:
    return url if len(url) <= 120 else url[:100] + "..." + url[-12:]


def check_page(browser, origin: str, relative: str, *, screenshot_dir: Path | None = None,
               require_player: bool = False, require_figure: bool = False,
               mathjax_timeout_ms: int = MATHJAX_TIMEOUT_MS) -> PageReport:
    """Open ``origin/relative`` in a fresh browser context and report its problems.

    Parameters
    ----------
    browser : playwright.sync_api.Browser
        A launched Chromium.
    origin : str
        ``http://127.0.0.1:PORT`` of the loopback server; every other origin is blocked.
    relative : str
        The page's path below the origin, e.g. ``book/intro.html``.
    screenshot_dir : Path, optional
        Where to write ``<page>.png`` (full page) and ``<page>--player<i>.png``.
    require_player : bool
        Report a problem when the page has no ``div.tconv-player`` (the explorer page).
    require_figure : bool
        Report a problem when the page shows no figure (every chapter must).
    mathjax_timeout_ms : int
        How long to wait for MathJax to start on a page with ``.math`` elements.
    """
    report = PageReport(url=f"{origin}/{relative}")
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    try:
        _watch(context, origin, report)
        page = context.new_page()
        _watch_page(page, origin, report)
        page.goto(report.url, wait_until="load", timeout=LOAD_TIMEOUT_MS)
        page.wait_for_load_state("networkidle", timeout=LOAD_TIMEOUT_MS)
        _check_math(page, report, mathjax_timeout_ms)
        _check_images(page, report)
        _check_words(page, report)
        if require_figure:
            _check_figure(page, report)
        if screenshot_dir is not None:
            path = screenshot_dir / f"{screenshot_name(relative)}.png"
            page.screenshot(path=str(path), full_page=True)
            report.screenshots.append(path)
        _check_overflow(page, report)
        _check_players(page, report, screenshot_dir, screenshot_name(relative))
        if require_player and not report.players:
            report.problems.append(
                "no interactive player: this page must have a div.tconv-player with "
                "input[type=range] sliders and an img.tconv-frame")
    finally:
        context.close()
        # The listeners hold the first list: events after this point cannot change the report.
        report.problems = list(report.problems)
        report.blocked = list(report.blocked)
    for resource_type, url in report.blocked:
        report.problems.append(
            f"off-loopback {resource_type} request (blocked; the book must not need a CDN "
            f"or any other site): {_short(url)}")
    return report


def _watch(context, origin: str, report: PageReport) -> None:
    """Let requests to `origin` through; abort and record all others."""
    prefix = origin + "/"
    blocked = report.blocked

    def route(route) -> None:
        request = route.request
        if request.url.startswith(prefix):
            route.continue_()
        else:
            blocked.append((request.resource_type, request.url))
            route.abort("blockedbyclient")

    context.route("**/*", route)


def _watch_page(page, origin: str, report: PageReport) -> None:
    prefix = origin + "/"
    problems = report.problems

    def on_console(message) -> None:
        if message.type == "error":
            where = (message.location or {}).get("url", "")
            problems.append(f"console error: {message.text}" + (f" (at {_short(where)})"
                                                                 if where else ""))

    def on_request_failed(request) -> None:
        if request.url.startswith(prefix):  # off-loopback ones are reported as blocked
            problems.append(f"local request failed ({request.failure}): {_short(request.url)}")

    def on_response(response) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status} for {_short(response.url)}")

    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", on_console)
    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)


def _check_math(page, report: PageReport, timeout_ms: int) -> None:
    report.math_elements = page.locator(".math").count()
    if report.math_elements == 0:
        return
    if not page.evaluate(_LOADS_MATHJAX_JS):
        # Sphinx adds MathJax only to pages with math of their own; a formula elsewhere (say,
        # in a chapter title in the navigation) then stays raw TeX. No need to wait.
        first = (page.locator(".math").first.text_content() or "").strip()[:80]
        report.problems.append(
            f"math not rendered: {report.math_elements} .math element(s), e.g. {first!r}, "
            "but the page loads no MathJax")
        return
    try:
        page.wait_for_function(_MATHJAX_STARTED_JS, timeout=timeout_ms)
    except Exception as exc:  # playwright's TimeoutError
        report.problems.append(
            f"math not rendered: {report.math_elements} .math element(s) but MathJax never "
            f"started ({type(exc).__name__})")
        return
    state = page.evaluate(_MATH_STATE_JS)
    if state["raw"]:
        report.problems.append(
            f"math not rendered: {len(state['raw'])} of {state['total']} .math element(s) "
            f"have no mjx-container, e.g. {state['raw'][0]!r}")
    for error in state["errors"]:
        report.problems.append(f"MathJax error in a formula: {error!r}")


def _check_images(page, report: PageReport) -> None:
    state = page.evaluate(_IMAGES_JS, IMAGE_TIMEOUT_MS)
    report.images = state["total"]
    for src in state["broken"]:
        report.problems.append(f"broken image (naturalWidth 0): {_short(src)}")


def _check_words(page, report: PageReport) -> None:
    text = page.evaluate(_PAGE_TEXT_JS)
    for word, instead in FORBIDDEN_WORDS.items():
        hits = [m.start() for m in re.finditer(rf"\b{word}", text, flags=re.IGNORECASE)]
        if hits:
            where = text[max(0, hits[0] - 40):hits[0] + 40].replace("\n", " ")
            report.problems.append(f"the word {word!r} appears {len(hits)} time(s), e.g. in "
                                   f"{where!r}: {instead}")


def _check_figure(page, report: PageReport) -> None:
    if page.evaluate(_FIGURES_JS, FIGURE_MIN_WIDTH) == 0:
        report.problems.append(f"no figure: a chapter must show at least one image "
                               f"{FIGURE_MIN_WIDTH} px wide or more")


def _check_overflow(page, report: PageReport) -> None:
    for box in page.evaluate(_OVERFLOW_JS, OVERFLOW_SLACK_PX):
        report.problems.append(f"{box['kind']} wider than its box by {box['over']} px at "
                               f"{VIEWPORT['width']}x{VIEWPORT['height']}: {box['text']!r}")


def _check_players(page, report: PageReport, screenshot_dir: Path | None, stem: str) -> None:
    players = page.locator("div.tconv-player")
    for i in range(players.count()):
        player = players.nth(i)
        name = f"player {i + 1}"
        summary = PlayerReport(index=i + 1)
        report.players.append(summary)
        frames = player.locator("img.tconv-frame")
        sliders = player.locator('input[type="range"]')
        if frames.count() != 1:
            report.problems.append(f"{name}: has {frames.count()} img.tconv-frame, needs 1")
            continue
        if sliders.count() == 0:
            report.problems.append(f"{name}: has no input[type=range]")
            continue
        # tconv's players are stored with their controls disabled and a note that the script
        # enables and removes (for a Jupyter that drops the script of an untrusted notebook).
        disabled = sliders.evaluate_all("(all) => all.filter((s) => s.disabled).length")
        if player.locator(".tconv-needs-script").count() or disabled:
            report.problems.append(f"{name}: its script did not run ({disabled} disabled "
                                   "slider(s), the note that asks to run the cell still shown)")
            continue
        frame = frames.first.element_handle()
        for j in range(sliders.count()):
            shot = None
            if j == 0 and screenshot_dir is not None:
                shot = screenshot_dir / f"{stem}--player{i + 1}.png"
            summary.sliders_moved += _move_slider(page, player, sliders.nth(j), frame,
                                                  f"{name}, slider {j + 1}", report.problems,
                                                  shot)
            if shot is not None and shot.exists():
                report.screenshots.append(shot)


def _move_slider(page, player, slider, frame, name: str, problems: list[str],
                 shot: Path | None) -> int:
    """Move one slider by one step and back; return 1 if everything worked, else 0.

    With `shot`, a screenshot of the player is taken there while the slider is moved.
    """
    info = slider.evaluate(_SLIDER_JS)
    if info["name"]:
        name += f" ({info['name']})"
    if not info["labels"]:
        problems.append(f"{name}: has no <label> with text")
    before = frame.get_attribute("src") or ""
    if not before.startswith(PNG_DATA_URI):
        problems.append(f"{name}: the frame's src is not a {PNG_DATA_URI} URI: {_short(before)}")
        return 0
    # A visible slider is moved with the keyboard, as a reader would; one that is hidden
    # (a player in a collapsed block) cannot take the focus, so its value is stepped in
    # JavaScript and the contract's `input` event is dispatched.
    how = "keyboard" if slider.is_visible() else "input event"
    for key, step in (("ArrowRight", "stepUp"), ("ArrowLeft", "stepDown")):
        if how == "keyboard":
            slider.press(key)
        else:
            slider.evaluate(f"(s) => {{ s.{step}(); "
                            "s.dispatchEvent(new Event('input', {bubbles: true})); }")
        if slider.evaluate("(s) => s.value") != info["value"]:
            break  # moved (ArrowLeft is only needed at the maximum)
    else:
        problems.append(f"{name}: cannot move (value {info['value']} is its only value)")
        return 0
    try:
        page.wait_for_function("([img, src]) => img.getAttribute('src') !== src",
                               arg=[frame, before], timeout=FRAME_TIMEOUT_MS)
    except Exception:  # playwright's TimeoutError
        problems.append(f"{name}: moving it ({how}) did not change the frame's src")
        return 0
    after = frame.get_attribute("src") or ""
    ok = True
    if not after.startswith(PNG_DATA_URI):
        problems.append(f"{name}: the new frame is not a {PNG_DATA_URI} URI: {_short(after)}")
        ok = False
    elif frame.evaluate(_DECODED_WIDTH_JS) == 0:
        problems.append(f"{name}: the new frame does not decode as an image")
        ok = False
    if shot is not None:
        player.screenshot(path=str(shot))
    # The contract's event: setting the value back and dispatching `input` shows the first frame.
    slider.evaluate(_SET_SLIDER_JS, info["value"])
    try:
        page.wait_for_function("([img, src]) => img.getAttribute('src') === src",
                               arg=[frame, before], timeout=FRAME_TIMEOUT_MS)
    except Exception:  # playwright's TimeoutError
        problems.append(f"{name}: setting it back to {info['value']} with an input event did "
                        "not bring back the first frame")
        ok = False
    return int(ok)
