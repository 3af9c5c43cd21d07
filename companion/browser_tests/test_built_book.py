"""Every page of the built book works in headless Chromium, offline; the explorer responds.

Run after the book build: ``python -m pytest companion/browser_tests`` (``python3 dev.py
test`` does). One test per page: the pages the TOC lists and every other HTML page of the
build (index, search, genindex): a reader reaches them all. What fails a page is listed in
``checks.py``; screenshots go to ``_build/screenshots/`` (see conftest.py for settings).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from browser_tests.checks import LOAD_TIMEOUT_MS, VIEWPORT, check_page
from browser_tests.conftest import HTML_DIR, TOC_FILE, toc_listed_pages

# The chapter whose static page must let a reader vary stride and padding (issue 3).
EXPLORER = "book/explorer.html"
# Reference pages, which need no figure; every other page the TOC lists is a chapter.
REFERENCE_PAGES = {"book/api.html", "book/bibliography.html"}
# A call of PyTorch's transposed convolution, functional or layer, in a code cell.
TORCH_TRANSPOSED = re.compile(r"\b(F|functional|nn)\.(conv_transpose[123]d|ConvTranspose[123]d)\(")
TCONV_TRANSPOSED = re.compile(r"\btconv\.conv_transpose[123]d\(")


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
    chapter = book_page in toc_listed_pages() and book_page not in REFERENCE_PAGES
    report = check_page(browser, server.origin, book_page, screenshot_dir=shots,
                        require_player=book_page == EXPLORER, require_figure=chapter)
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


class _CodeCells(HTMLParser):
    """The text of a built page's code cells (``div.cell_input``), one string per cell."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._depth = 0  # <div> nesting inside the current code cell; 0 outside

    def handle_starttag(self, tag, attrs):
        if tag != "div":
            return
        if self._depth:
            self._depth += 1
        elif "cell_input" in (dict(attrs).get("class") or "").split():
            self._depth = 1
            self.cells.append("")

    def handle_endtag(self, tag):
        if tag == "div" and self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.cells[-1] += data


def code_cells(html: str) -> list[str]:
    parser = _CodeCells()
    parser.feed(html)
    return parser.cells


def test_code_cells_are_read_from_the_built_html():
    html = ('<div class="cell docutils"><div class="cell_input docutils"><div class="highlight">'
            '<pre><span>y</span> = F.conv_transpose2d(x)</pre></div></div>'
            '<div class="cell_output"><pre>tconv.conv_transpose2d(</pre></div></div>')
    assert code_cells(html) == ["y = F.conv_transpose2d(x)"]


def test_a_chapter_calls_pytorch_next_to_tconv():
    """Some chapter's code calls PyTorch's transposed convolution and tconv's on one page."""
    pages = [page for page in toc_listed_pages() if (HTML_DIR / page).is_file()]
    found = []
    for page in pages:
        code = "\n".join(code_cells((HTML_DIR / page).read_text(encoding="utf-8")))
        if TORCH_TRANSPOSED.search(code) and TCONV_TRANSPOSED.search(code):
            found.append(page)
    assert found, (f"no chapter among {len(pages)} built pages has code that calls both "
                   "PyTorch's transposed convolution (F.conv_transpose2d or "
                   "nn.ConvTranspose2d) and tconv.conv_transpose2d")


# A citation in the text, parenthetical, "[Dumoulin and Visin, 2016]", or textual, "Zeiler et
# al. [2010]": a span holding links into the bibliography. An entry of the bibliography, whose
# label should read as the parenthetical citation does.
CITATION = re.compile(r'<span class="bibtex-citation"[^>]*>(.*?)</span>', re.S)
CITATION_TARGET = re.compile(r'href="bibliography\.html#([\w-]+)"')
ENTRY_LABEL = re.compile(r'<div class="citation" id="([\w-]+)"[^>]*>\s*<span class="label">'
                         r'<span class="fn-bracket">\[</span>([^<]+)<span')


def citation_labels(pages_html: dict[str, str], bibliography_html: str) -> list[str]:
    """Problems: citations whose words differ from the label of the entry they link to."""
    labels = dict(ENTRY_LABEL.findall(bibliography_html))
    problems = []
    for page, html in pages_html.items():
        for inner in CITATION.findall(html):
            targets = CITATION_TARGET.findall(inner)
            words = " ".join(re.sub(r"<[^>]+>", "", inner).split())
            # "Zeiler et al. [2010]" reads as "[Zeiler et al., 2010]".
            textual = re.fullmatch(r"(.+?) \[(.+)\]", words)
            read = f"{textual[1]}, {textual[2]}" if textual else words.strip("[]")
            expected = ", ".join(labels.get(t, "?") for t in targets)
            if not targets or read != expected:
                problems.append(f"{page}: the citation {words!r} links to entries labelled "
                                f"{expected!r}")
    return problems


def test_citation_check_sees_a_numbered_entry():
    bib = ('<div class="citation" id="id2" role="doc-biblioentry"><span class="label">'
           '<span class="fn-bracket">[</span>1<span class="fn-bracket">]</span></span>')
    page = ('<span class="bibtex-citation" id="id1">[<a class="reference internal" '
            'href="bibliography.html#id2" title="...">Gray, 2006</a>]</span>')
    textual = ('<span class="bibtex-citation" id="id3">Gray [<a class="reference internal" '
               'href="bibliography.html#id2">2006</a>]</span>')
    assert citation_labels({"p.html": page}, bib) == [
        "p.html: the citation '[Gray, 2006]' links to entries labelled '1'"]
    good = bib.replace(">1<", ">Gray, 2006<")
    assert citation_labels({"p.html": page, "q.html": textual}, good) == []
    assert citation_labels({"q.html": textual.replace(">2006<", ">2007<")}, good) == [
        "q.html: the citation 'Gray [2007]' links to entries labelled 'Gray, 2006'"]


def test_every_citation_reads_like_the_label_of_its_entry():
    """A reader who sees [Dumoulin and Visin, 2016] finds an entry labelled so, not "[1]"."""
    bibliography = HTML_DIR / "book" / "bibliography.html"
    if not bibliography.is_file():
        pytest.fail(f"{HTML_DIR} has no book/bibliography.html")
    pages = {page: (HTML_DIR / page).read_text(encoding="utf-8")
             for page in toc_listed_pages() if (HTML_DIR / page).is_file()}
    bib_html = bibliography.read_text(encoding="utf-8")
    assert ENTRY_LABEL.findall(bib_html), "the bibliography page lists no entries"
    assert any(CITATION.search(html) for html in pages.values()), "no page cites a work"
    problems = citation_labels(pages, bib_html)
    assert not problems, "\n".join(problems)
