"""Fixtures for the browser tests: the built book on loopback, and one headless Chromium.

Settings (environment variables; all optional):

TCONV_BOOK_HTML         the built book (default: _build/html of this repository)
TCONV_BOOK_TOC          the table of contents it was built from (default: _toc.yml)
TCONV_SCREENSHOTS       where screenshots go (default: _build/screenshots, emptied of its
                        .png files at the start of a run)
TCONV_CHROMIUM          the Chromium executable (default: `chromium` on PATH, Debian's package)
TCONV_BROWSER_REQUIRED  "1": fail instead of skipping when Playwright or Chromium is missing
                        (`python3 dev.py test` sets it once it has installed both)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from browser_tests.site import LoopbackServer, built_pages, toc_pages

ROOT = Path(__file__).resolve().parents[2]
HTML_DIR = Path(os.environ.get("TCONV_BOOK_HTML") or ROOT / "_build" / "html").resolve()
TOC_FILE = Path(os.environ.get("TCONV_BOOK_TOC") or ROOT / "_toc.yml").resolve()
DEFAULT_SCREENSHOTS = ROOT / "_build" / "screenshots"
SCREENSHOTS = Path(os.environ.get("TCONV_SCREENSHOTS") or DEFAULT_SCREENSHOTS).resolve()

# Headless flags measured on Debian's chromium (see TOOLING.md): no sandbox (CI runs as
# root), no GPU, and none of the background requests a fresh profile would make.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def toc_listed_pages() -> list[str]:
    return toc_pages(TOC_FILE) if TOC_FILE.is_file() else []


def pages_to_test() -> list[str]:
    """The pages the TOC lists (built or not: a missing one fails), then every other page."""
    listed = toc_listed_pages()
    return listed + [page for page in built_pages(HTML_DIR) if page not in listed]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "book_page" in metafunc.fixturenames:
        pages = pages_to_test()
        metafunc.parametrize("book_page", pages, ids=pages)


def _missing(what: str) -> None:
    """Skip with `what` (how to install it), or fail when the browser test is required."""
    if os.environ.get("TCONV_BROWSER_REQUIRED") == "1":
        pytest.fail(f"{what} (TCONV_BROWSER_REQUIRED=1, so this is a failure, not a skip)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def chromium_browser():
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright Python package is not installed: `pip install playwright` "
                 "(`python3 dev.py test` installs it into .venv); its own browser download "
                 "is not needed")
    executable = os.environ.get("TCONV_CHROMIUM") or shutil.which("chromium")
    if not executable:
        _missing("no `chromium` on PATH: install Debian's package (`apt-get install chromium`) "
                 "or set TCONV_CHROMIUM to a Chromium or Chrome executable")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def book_server():
    """The built book, served on 127.0.0.1 (a free port) for the whole session."""
    if not (HTML_DIR / "index.html").is_file():
        pytest.fail(f"no built book in {HTML_DIR}: build it first (`python3 dev.py book`, or "
                    "set TCONV_BOOK_HTML to the folder that holds its index.html)")
    with LoopbackServer(HTML_DIR) as server:
        yield server


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if SCREENSHOTS == DEFAULT_SCREENSHOTS.resolve():
        # Our own folder: drop the pictures of the last run, so none of them is stale.
        for old in SCREENSHOTS.glob("*.png"):
            old.unlink()
    return SCREENSHOTS
