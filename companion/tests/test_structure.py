"""The package's shape: what ``import tconv`` loads, which module imports which, module sizes.

The operator library (``tconv`` and every module outside ``tconv.course``) needs NumPy, SciPy
and Numba only; the course toolkit (``tconv.course``) imports the library, never the reverse.
The imports are read from the source (every ``import`` statement, inside functions too), so a
function-level import cannot hide a circle or a dependency.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tconv"

#: What the operator library must never import, at any level.
COURSE_ONLY = ("tconv.course", "matplotlib", "ipywidgets", "IPython", "PIL")

MAX_LINES = 600


def module_files() -> dict[str, Path]:
    """Every module of the package by its dotted name."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules ``name`` imports anywhere in its source, as dotted names.

    ``from package import x`` counts as an import of ``package.x`` when that is a module of the
    package, else of ``package``. The implicit import of a module's parent packages is not
    counted: Python runs a package's ``__init__`` first, by design, whatever the child imports.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in known else base)
    return found


def import_graph() -> dict[str, set[str]]:
    files = module_files()
    known = set(files)
    return {name: imports_of(name, path, known) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A list of modules that import each other in a circle, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in graph:
                continue
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if state.get(target) is None:
                cycle = visit(target)
                if cycle:
                    return cycle
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_cycle_finder_finds_a_circle_and_passes_a_tree():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": {"numpy"}}) is None


def test_the_import_reader_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "mod.py"
    source.write_text("def f():\n    from . import other\n    import matplotlib.pyplot\n")
    found = imports_of("tconv.mod", source, {"tconv.other"})
    assert found == {"tconv.other", "matplotlib.pyplot"}


def test_no_module_imports_itself_back_through_others():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_operator_library_never_imports_the_course_or_its_packages():
    offenders = {
        name: sorted(i for i in imports if i.startswith(COURSE_ONLY))
        for name, imports in import_graph().items() if not name.startswith("tconv.course")
    }
    offenders = {name: found for name, found in offenders.items() if found}
    assert not offenders, f"the operator library imports course-only modules: {offenders}"


def test_no_module_is_longer_than_600_lines():
    long = {name: n for name, path in module_files().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def _loaded_after(code: str) -> list[str]:
    """The watched modules loaded after running ``code`` in a fresh Python."""
    probe = (
        "import sys\n" + code + "\n"
        "watched = ('matplotlib', 'ipywidgets', 'IPython', 'numba.cuda', 'tconv.course')\n"
        "print(sorted({m.split('.')[0] if not m.startswith(('numba.cuda', 'tconv.course'))\n"
        "              else '.'.join(m.split('.')[:2]) for m in sys.modules\n"
        "              if m.startswith(watched)}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return eval(done.stdout.strip())  # a printed list of strings


def test_import_tconv_loads_no_plotting_widgets_or_cuda():
    assert _loaded_after("import tconv") == []


def test_calling_tconv_on_the_cpu_loads_none_of_them_either():
    code = ("import numpy as np, tconv\n"
            "tconv.conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)))\n"
            "tconv.conv_transpose2d(np.ones((2, 8, 4, 4)), np.ones((8, 8, 3, 3)), stride=2)\n"
            "tconv.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)))\n"
            "tconv.conv_transpose_matrix(np.ones((3, 3)), (2, 2), sparse=True)")
    assert _loaded_after(code) == []


@pytest.mark.parametrize("code, expected", [
    ("import tconv.course.figures as f, numpy as np\nf.value_grid(np.eye(2))", "matplotlib"),
    ("import tconv.course.explorer as e\ne.Explorer(display_figures=False)", "ipywidgets"),
])
def test_the_probe_sees_what_the_course_loads(code, expected):
    """The checks above could pass with a broken probe: the course does load these."""
    assert expected in _loaded_after(code)
