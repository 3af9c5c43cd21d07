"""The built book as files: which pages it has, which the TOC promises, and a loopback server.

Standard library (and PyYAML, which Jupyter Book needs anyway); no browser here.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import yaml

# Folders of a Sphinx build that hold assets and copies, not pages of the book.
ASSET_FOLDERS = ("_static", "_sources", "_images", "_downloads")


def built_pages(html_dir: Path) -> list[str]:
    """Every HTML page of a built book, as paths relative to `html_dir` ('/'-separated).

    Kept: the chapters, ``index.html`` (a redirect to the root chapter), and Sphinx's own
    ``search.html`` and ``genindex.html``: a reader reaches them from every page (the search
    box, the index link), so they must work as well. Left out: files under the asset folders
    (``_static/webpack-macros.html`` and the like are templates, not pages).
    """
    if not html_dir.is_dir():
        return []
    pages = []
    for path in html_dir.rglob("*.html"):
        relative = path.relative_to(html_dir)
        if relative.parts[0] in ASSET_FOLDERS:
            continue
        pages.append(relative.as_posix())
    return sorted(pages)


def toc_pages(toc_file: Path) -> list[str]:
    """The HTML pages that a Jupyter Book 1 ``_toc.yml`` lists (its root and every ``file``).

    ``book/intro`` (or ``book/intro.md``) becomes ``book/intro.html``. ``url`` entries point
    elsewhere and ``glob`` entries cannot be resolved without the sources: both are ignored.
    """
    data = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    found: list[str] = []

    def page(name: str) -> str:
        stem = name.strip()
        for suffix in (".md", ".ipynb", ".rst"):
            if stem.endswith(suffix):
                stem = stem[: -len(suffix)]
        return stem + ".html"

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    found.append(page(node[key]))
            for value in node.values():
                if isinstance(value, (dict, list)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return list(dict.fromkeys(found))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
        pass


class LoopbackServer:
    """Serve one folder over HTTP on 127.0.0.1, on a free port, from a daemon thread.

    Use as a context manager; ``origin`` is ``http://127.0.0.1:PORT``.
    """

    def __init__(self, folder: Path):
        if not folder.is_dir():
            raise ValueError(f"folder must be an existing directory, got {str(folder)!r}")
        handler = functools.partial(_QuietHandler, directory=str(folder))
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        host, port = self._server.server_address[:2]
        self.origin = f"http://{host}:{port}"

    def __enter__(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
