"""Every page of the built book works in headless Chromium, offline; the explorer responds.

Run after the book build: ``python -m pytest companion/browser_tests`` (``python3 dev.py
test`` does). One test per page: the pages the TOC lists and every other HTML page of the
build (index, search, genindex): a reader reaches them all. What fails a page is listed in
``checks.py``; screenshots go to ``_build/screenshots/`` (see conftest.py for settings).
"""

from __future__ import annotations

import pytest

from browser_tests.checks import LOAD_TIMEOUT_MS, VIEWPORT, check_page
from browser_tests.conftest import HTML_DIR, TOC_FILE, toc_listed_pages

# The chapter whose static page must let a reader vary stride and padding (issue 3).
EXPLORER = "book/explorer.html"


def test_the_toc_pages_are_built():
    listed = toc_listed_pages()
    assert listed, f"no pages found in the table of contents {TOC_FILE}"
    missing = [page for page in listed if not (HTML_DIR / page).is_file()]
    assert not missing, (f"pages listed in {TOC_FILE.name} but missing from {HTML_DIR}: "
                         f"{missing} (build the book: python3 dev.py book)")


def test_page(book_page, request):
    if not (HTML_DIR / book_page).is_file():
        pytest.fail(f"{book_page} is listed in {TOC_FILE.name} but is not in the built book "
                    f"{HTML_DIR} (did its build fail?)")
    browser = request.getfixturevalue("chromium_browser")
    server = request.getfixturevalue("book_server")
    shots = request.getfixturevalue("screenshot_dir")
    report = check_page(browser, server.origin, book_page, screenshot_dir=shots,
                        require_player=book_page == EXPLORER)
    if report.problems:
        pytest.fail(report.summary(), pytrace=False)


def test_search_finds_the_introduction(chromium_browser, book_server):
    """The search page works offline: it loads its index and lists pages for a query."""
    if not (HTML_DIR / "search.html").is_file():
        pytest.fail(f"{HTML_DIR} has no search.html")
    context = chromium_browser.new_context(viewport=VIEWPORT)
    try:
        context.route("**/*", lambda route: route.continue_()
                      if route.request.url.startswith(book_server.origin + "/")
                      else route.abort("blockedbyclient"))
        page = context.new_page()
        page.goto(f"{book_server.origin}/search.html?q=convolution", wait_until="load",
                  timeout=LOAD_TIMEOUT_MS)
        results = page.locator("#search-results ul.search li")
        results.first.wait_for(timeout=LOAD_TIMEOUT_MS)
        links = results.locator("a").evaluate_all("(links) => links.map((a) => a.href)")
    finally:
        context.close()
    assert any(link.split("#")[0].endswith("book/intro.html") for link in links), links
