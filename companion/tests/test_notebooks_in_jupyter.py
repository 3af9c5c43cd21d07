"""The notebooks as a JupyterLab reader gets them: cells the book hides start collapsed, and
every widget is live, moving it puts a new figure in its output area.

JupyterLab does not read the book's tags; it collapses a cell's source or outputs from the
cell's ``jupyter`` metadata (``source_hidden``, ``outputs_hidden``), so every hidden cell
carries both.

Each widget cell runs in a real IPython kernel, after the cells above it, as a reader's
Run All would run it. The test then moves every control the way a front end does (a
``comm_msg`` with the new value) and follows the kernel's messages as JupyterLab routes them:
a figure lands in a widget's output area only while that ``Output`` widget's ``msg_id`` is the
id of the message being handled. A figure sent outside that window is lost to the reader
(the failure this test was written for: an inline-backend figure shown after the output area
stopped capturing), so every figure must arrive inside it, and it must be a new one.
"""

from __future__ import annotations

import base64
import json
import queue
from pathlib import Path

import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")
manager = pytest.importorskip("jupyter_client.manager")
pytest.importorskip("ipykernel")

BOOK = Path(__file__).resolve().parents[2] / "book"

#: The cells that show a live widget, by notebook and by the code that makes it.
WIDGET_CELLS = [
    ("checkerboard.ipynb", "checkerboard_figures.overlap_explorer()"),
    ("explorer.ipynb", "Explorer(stride=2, padding=1)"),
]

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
CONTROLS = {"IntSliderModel", "ToggleButtonsModel"}
TIMEOUT_S = 120  # for one message; a kernel that never answers fails instead of hanging

pytestmark = pytest.mark.skipif(not BOOK.is_dir(), reason="book/ is not beside the package")


def code_cells(notebook: str) -> list[dict]:
    cells = json.loads((BOOK / notebook).read_text(encoding="utf-8"))["cells"]
    return [cell for cell in cells if cell["cell_type"] == "code"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


class Kernel:
    """An IPython kernel in book/, driven as a front end drives it."""

    def __init__(self) -> None:
        self.manager, self.client = manager.start_new_kernel(kernel_name="python3",
                                                             cwd=str(BOOK))

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)

    def _replies(self, msg_id: str) -> list[dict]:
        """The iopub messages caused by ``msg_id``, until the kernel is idle again."""
        got = []
        while True:
            try:
                msg = self.client.get_iopub_msg(timeout=TIMEOUT_S)
            except queue.Empty:
                raise AssertionError(f"no message from the kernel in {TIMEOUT_S} s") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            got.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return got

    def run(self, code: str) -> list[dict]:
        messages = self._replies(self.client.execute(code))
        errors = [m["content"] for m in messages if m["msg_type"] == "error"]
        assert not errors, f"{code[:60]!r} raised {errors[0]['ename']}: {errors[0]['evalue']}"
        return messages

    def move(self, comm_id: str, state: dict) -> list[dict]:
        """Set a widget's state as JupyterLab does when the reader moves it."""
        msg = self.client.session.msg("comm_msg", {"comm_id": comm_id, "data": {
            "method": "update", "state": state, "buffer_paths": []}})
        self.client.shell_channel.send(msg)
        return self._replies(msg["header"]["msg_id"])


def figures(messages: list[dict], parent: str) -> tuple[list[bytes], list[bytes]]:
    """PNG figures that handling message ``parent`` sent inside an Output widget's capture
    window, and those it sent outside one. ``messages`` are all the kernel sent so far, in
    order, so that the Output widgets (opened earlier) are known."""
    capturing: dict[str, str] = {}  # Output widget comm id -> the msg_id it captures
    inside, outside = [], []
    for msg in messages:
        content = msg["content"]
        if msg["msg_type"] == "comm_open":
            state = content["data"]["state"]
            if state.get("_model_name") == "OutputModel":
                capturing[content["comm_id"]] = state.get("msg_id", "")
        elif msg["msg_type"] == "comm_msg" and content["comm_id"] in capturing:
            state = content["data"].get("state", {})
            if "msg_id" in state:
                capturing[content["comm_id"]] = state["msg_id"]
        elif (msg["msg_type"] == "display_data" and "image/png" in content["data"]
              and msg["parent_header"]["msg_id"] == parent):
            png = base64.b64decode(content["data"]["image/png"])
            (inside if parent in capturing.values() else outside).append(png)
    return inside, outside


def controls(messages: list[dict]) -> dict[str, dict]:
    """The sliders and toggles the cell opened: comm id -> state."""
    found = {}
    for msg in messages:
        if msg["msg_type"] == "comm_open":
            state = msg["content"]["data"]["state"]
            if state.get("_model_name") in CONTROLS:
                found[msg["content"]["comm_id"]] = state
    return found


def new_value(state: dict) -> dict:
    if state["_model_name"] == "ToggleButtonsModel":
        return {"index": (state["index"] + 1) % len(state["_options_labels"])}
    step = 1 if state["value"] < state["max"] else -1
    return {"value": state["value"] + step}


#: What JupyterLab must collapse for each of the book's hiding tags.
COLLAPSED = {
    "hide-cell": {"source_hidden": True, "outputs_hidden": True},
    "hide-input": {"source_hidden": True},
    "hide-output": {"outputs_hidden": True},
}


def test_cells_the_book_hides_start_collapsed_in_jupyterlab():
    checked = 0
    for path in sorted(BOOK.glob("*.ipynb")):
        for number, cell in enumerate(code_cells(path.name)):
            tags = cell.get("metadata", {}).get("tags", [])
            shown = cell.get("metadata", {}).get("jupyter", {})
            for tag, wanted in COLLAPSED.items():
                if tag in tags:
                    checked += 1
                    missing = {k: v for k, v in wanted.items() if shown.get(k) is not v}
                    assert not missing, (
                        f"{path.name}, code cell {number + 1} is tagged {tag!r}; set its "
                        f"metadata 'jupyter' to include {missing} so JupyterLab hides it too")
    assert checked > 0


def test_every_cell_that_shows_a_widget_is_checked_here():
    # A cell with a stored widget, or one kept for Jupyter only (skip-execution), is listed.
    listed = {(notebook, code) for notebook, code in WIDGET_CELLS}
    for path in sorted(BOOK.glob("*.ipynb")):
        for cell in code_cells(path.name):
            tags = cell.get("metadata", {}).get("tags", [])
            shows_widget = any(WIDGET_MIME in out.get("data", {}) for out in cell["outputs"])
            if shows_widget or "skip-execution" in tags:
                assert any(nb == path.name and code in source(cell) for nb, code in listed), (
                    f"{path.name}: a widget cell that WIDGET_CELLS does not list: "
                    f"{source(cell)[:80]!r}")
    for notebook, code in WIDGET_CELLS:
        assert any(code in source(cell) for cell in code_cells(notebook)), (notebook, code)


@pytest.mark.parametrize("notebook, code", WIDGET_CELLS)
def test_moving_every_control_puts_a_new_figure_in_the_output_area(notebook, code):
    cells = code_cells(notebook)
    index = next(i for i, cell in enumerate(cells) if code in source(cell))
    kernel = Kernel()
    try:
        for cell in cells[:index]:
            kernel.run(source(cell))
        seen = kernel.run(source(cells[index]))
        assert any(WIDGET_MIME in m["content"].get("data", {}) for m in seen
                   if m["msg_type"] in ("execute_result", "display_data")), (
            "the cell does not show a widget")
        inside, outside = figures(seen, seen[0]["parent_header"]["msg_id"])
        assert len(inside) == 1 and outside == [], (
            f"on running the cell: {len(inside)} figure(s) in the output area and "
            f"{len(outside)} outside it (shown twice, or lost); want 1 and 0")
        found = controls(seen)
        assert len(found) >= 4, f"only {len(found)} controls found"
        last = inside[0]
        for comm_id, state in found.items():
            change = new_value(state)
            moved = kernel.move(comm_id, change)
            seen += moved
            inside, outside = figures(seen, moved[0]["parent_header"]["msg_id"])
            name = state.get("description") or state["_model_name"]
            assert outside == [], f"{name} -> {change}: a figure outside the output area"
            assert len(inside) == 1, f"{name} -> {change}: {len(inside)} figures, want 1"
            assert inside[0] != last, f"{name} -> {change}: the same figure again"
            last = inside[0]
    finally:
        kernel.close()
