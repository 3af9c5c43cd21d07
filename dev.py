#!/usr/bin/env python3
"""Build the book and run every test, from a fresh clone, with two commands.

    python3 dev.py book     build the book (HTML in _build/html)
    python3 dev.py test     package tests, notebooks (nbval, strict), then the book build

Both create a virtual environment in .venv (if it is missing) and install requirements.txt
into it; the install is skipped when nothing it depends on has changed since the last one.
`test` also installs PyTorch (torch==2.13.0, CPU) as a reference for the tests; tconv itself
never needs it. Skip it with `--no-torch` or TCONV_NO_TORCH=1.

Standard library only; Python 3.10 or newer.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
VENV_PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / "dev-install-stamp.json"
REQUIREMENTS = ROOT / "requirements.txt"
STAMPED_FILES = (REQUIREMENTS, ROOT / "companion" / "pyproject.toml")
TORCH = "torch==2.13.0"  # the CPU build of this version is what pip finds on our machines
HTML_DIR = ROOT / "_build" / "html"

PYTEST_NO_TESTS = 5  # pytest's exit code when it collected nothing


class Failure(Exception):
    """A step failed; the message says which and what to do."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code if 0 < code < 256 else 1


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def run_env() -> dict[str, str]:
    """The environment for every command we start: the venv first on PATH, no GUI backend."""
    env = dict(os.environ)
    env["VIRTUAL_ENV"] = str(VENV)
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    env.pop("PYTHONHOME", None)
    env["MPLBACKEND"] = "Agg"
    # Prefer the venv's Jupyter data (its python3 kernel) over a kernel of the same name
    # that a user may have registered in ~/.local/share/jupyter.
    env["JUPYTER_PREFER_ENV_PATH"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def call(cmd: list[str], what: str) -> int:
    """Run cmd in the repository root and return its exit code."""
    try:
        return subprocess.call(cmd, cwd=ROOT, env=run_env())
    except OSError as exc:
        raise Failure(f"{what}: could not start {cmd[0]!r}: {exc}") from exc


# --- the virtual environment -------------------------------------------------------------

def requirements_hash() -> str:
    digest = hashlib.sha256()
    for path in STAMPED_FILES:
        if not path.is_file():
            raise Failure(f"{path.relative_to(ROOT)} is missing: is this a full checkout?")
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def read_stamp() -> dict:
    try:
        data = json.loads(STAMP.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_stamp(data: dict) -> None:
    STAMP.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def ensure_venv() -> None:
    if not VENV_PYTHON.exists():
        say(f"creating the virtual environment {VENV.relative_to(ROOT)}/ ...")
        code = subprocess.call([sys.executable, "-m", "venv", str(VENV)], cwd=ROOT)
        if code != 0 or not VENV_PYTHON.exists():
            raise Failure(
                "could not create .venv with `python3 -m venv` (on Debian/Ubuntu install the "
                "python3-venv package), then run this command again."
            )
    probe = subprocess.run(
        [str(VENV_PYTHON), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True, text=True,
    )
    if probe.returncode != 0:
        raise Failure(
            f"{VENV_PYTHON.relative_to(ROOT)} does not run (was .venv made on another machine "
            f"or by a Python that has moved?). Delete .venv and run this command again."
        )
    if tuple(int(p) for p in probe.stdout.strip().split(".")) < (3, 10):
        raise Failure(f".venv holds Python {probe.stdout.strip()}; 3.10+ is needed. "
                      "Delete .venv and run this command with a newer python3.")


def pip_install(args: list[str], what: str) -> int:
    cmd = [str(VENV_PYTHON), "-m", "pip", "install", "-q", *args]
    return call(cmd, what)


def ensure_requirements() -> None:
    ensure_venv()
    wanted = requirements_hash()
    stamp = read_stamp()
    if stamp.get("requirements") == wanted:
        say("requirements already installed in .venv (requirements.txt and "
            "companion/pyproject.toml unchanged)")
        return
    say("installing requirements.txt into .venv (a fresh install takes a minute or two) ...")
    start = time.perf_counter()
    code = pip_install(["-r", str(REQUIREMENTS)], "pip install")
    if code != 0:
        raise Failure(f"`pip install -r requirements.txt` failed (exit {code}); see pip's "
                      "message above. It needs network access to PyPI.", code)
    # A new requirements install invalidates what was recorded about torch.
    write_stamp({"requirements": wanted})
    say(f"requirements installed ({time.perf_counter() - start:.1f} s)")


def ensure_torch() -> None:
    stamp = read_stamp()
    if stamp.get("torch") == TORCH:
        say(f"{TORCH} already installed in .venv")
        return
    say(f"installing {TORCH} (CPU; a reference for the tests only, not a tconv dependency) ...")
    start = time.perf_counter()
    code = pip_install([TORCH], "pip install torch")
    if code != 0:
        raise Failure(
            f"`pip install {TORCH}` failed (exit {code}). PyTorch is only a reference for some "
            "tests: run `python3 dev.py test --no-torch` (or set TCONV_NO_TORCH=1) to test "
            "without it; the tests that need it are then skipped.", code)
    stamp["torch"] = TORCH
    write_stamp(stamp)
    say(f"{TORCH} installed ({time.perf_counter() - start:.1f} s)")


# --- the steps ---------------------------------------------------------------------------

def step_package_tests() -> int:
    # The tests, and the examples in tconv's docstrings (they are documentation that must work).
    code = call([str(VENV_PYTHON), "-m", "pytest", "companion/tests", "companion/tconv",
                 "--doctest-modules"], "package tests")
    if code == PYTEST_NO_TESTS:
        say("pytest collected no tests in companion/tests: that counts as a failure")
    return code


def step_notebooks() -> int:
    code = call([str(VENV_PYTHON), "-m", "pytest", "--nbval", "--nbval-current-env",
                 "--nbval-sanitize-with", "nbval_sanitize.cfg", "book"], "notebooks")
    if code == PYTEST_NO_TESTS:
        say("nbval found no notebook cells under book/: that counts as a failure")
    return code


def step_book() -> int:
    jupyter_book = BIN / ("jupyter-book.exe" if os.name == "nt" else "jupyter-book")
    return call([str(jupyter_book), "build", "--all", "-W", "-n", "--keep-going", "."],
                "book build")


STEPS = {
    "package tests": ("python -m pytest companion/tests companion/tconv --doctest-modules",
                      step_package_tests),
    "notebooks": ("python -m pytest --nbval (strict) book", step_notebooks),
    "book": ("jupyter-book build --all -W -n --keep-going .", step_book),
}


def run_steps(names: list[str]) -> None:
    times: list[tuple[str, float]] = []
    total_start = time.perf_counter()
    for name in names:
        description, function = STEPS[name]
        say(f"{name}: {description}")
        start = time.perf_counter()
        code = function()
        elapsed = time.perf_counter() - start
        if code != 0:
            done = ", ".join(f"{n} {t:.1f} s" for n, t in times)
            skipped = names[names.index(name) + 1:]
            message = f"{name} FAILED (exit {code}) after {elapsed:.1f} s"
            if done:
                message += f"; passed before it: {done}"
            if skipped:
                message += f"; not run: {', '.join(skipped)}"
            raise Failure(message, code)
        say(f"{name} passed in {elapsed:.1f} s")
        times.append((name, elapsed))
    total = time.perf_counter() - total_start
    say("summary: " + ", ".join(f"{n} {t:.1f} s" for n, t in times)
        + f"; all {len(times)} step(s) passed in {total:.1f} s")


# --- commands ----------------------------------------------------------------------------

def cmd_book(args: argparse.Namespace) -> None:
    ensure_requirements()
    run_steps(["book"])
    say(f"the book is in {HTML_DIR.relative_to(ROOT)}/: open {HTML_DIR / 'index.html'}")


def cmd_test(args: argparse.Namespace) -> None:
    ensure_requirements()
    no_torch = args.no_torch or os.environ.get("TCONV_NO_TORCH", "") == "1"
    if no_torch:
        say("not installing PyTorch (--no-torch or TCONV_NO_TORCH=1): "
            "the comparisons with it are skipped unless .venv already has it")
    else:
        ensure_torch()
    run_steps(["package tests", "notebooks", "book"])
    say(f"the book is in {HTML_DIR.relative_to(ROOT)}/")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 dev.py",
        description="Build the book and run the tests in a virtual environment (.venv).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{book,test}")
    p_book = sub.add_parser("book", help="build the book into _build/html")
    p_book.set_defaults(func=cmd_book)
    p_test = sub.add_parser(
        "test", help="package tests, notebooks (nbval, strict), then the book build")
    p_test.add_argument("--no-torch", action="store_true",
                        help=f"do not install {TORCH} (same as TCONV_NO_TORCH=1)")
    p_test.set_defaults(func=cmd_test)
    args = parser.parse_args(argv)

    if sys.version_info < (3, 10):
        print("[dev] Python 3.10 or newer is needed (this is "
              f"{sys.version.split()[0]}).", file=sys.stderr)
        return 2
    try:
        args.func(args)
    except Failure as failure:
        print(f"[dev] ERROR: {failure}", file=sys.stderr, flush=True)
        return failure.code
    except KeyboardInterrupt:
        print("[dev] interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
