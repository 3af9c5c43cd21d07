#!/usr/bin/env python3
"""Build the book and run every test, from a fresh clone, with two commands.

    python3 dev.py book     build the book (HTML in _build/html)
    python3 dev.py test     package tests, CUDA tests (simulator, PTX), notebooks (nbval,
                            strict), the book build, then the built book in headless Chromium

Both create a virtual environment in .venv (if it is missing) and install requirements.txt
into it (PyTorch included: a chapter runs it next to tconv); the install is skipped when
nothing it depends on has changed since the last one. `test` also installs, as tools for the
tests only (tconv never needs them): ONNX, a reference for the padding tests (skip with
`--no-onnx` or TCONV_NO_ONNX=1); the `playwright` Python package, and Debian's `chromium`
when it is missing and this runs as root with apt-get (as on CI), for the browser test of the
built book (skip with `--no-browser` or TCONV_NO_BROWSER=1). Without chromium and without a way to install it,
the browser step says so and is skipped.

Standard library only; Python 3.10 or newer.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
VENV_PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / "dev-install-stamp.json"
REQUIREMENTS = ROOT / "requirements.txt"
STAMPED_FILES = (REQUIREMENTS, ROOT / "companion" / "pyproject.toml")
# ONNX's reference evaluator (NumPy): an outside reference for the padding tests.
ONNX = "onnx==1.23.2"
HTML_DIR = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
# Drives Debian's chromium (no browser download); the version the browser tests were written with.
PLAYWRIGHT = "playwright==1.65.2"
BROWSER_TESTS = "companion/browser_tests"
CUDA_SIMULATOR_TESTS = "companion/tests_cuda"
CUDA_PTX_TESTS = "companion/tests_cuda_nosim"  # PTX compilation; CUDA without the simulator

PYTEST_NO_TESTS = 5  # pytest's exit code when it collected nothing
SKIPPED = -1  # a step function's return value: nothing to run here, and that is allowed


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


def call(cmd: list[str], what: str, extra_env: dict[str, str] | None = None) -> int:
    """Run cmd in the repository root and return its exit code."""
    env = run_env()
    env.update(extra_env or {})
    try:
        return subprocess.call(cmd, cwd=ROOT, env=env)
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
    # A new requirements install invalidates what was recorded about the test tools.
    write_stamp({"requirements": wanted})
    say(f"requirements installed ({time.perf_counter() - start:.1f} s)")


def ensure_test_tool(key: str, requirement: str, purpose: str, if_it_fails: str) -> None:
    """pip-install a tool only the tests use, once; the stamp records it under ``key``."""
    stamp = read_stamp()
    if stamp.get(key) == requirement:
        say(f"{requirement} already installed in .venv")
        return
    say(f"installing {requirement} ({purpose}) ...")
    start = time.perf_counter()
    code = pip_install([requirement], f"pip install {key}")
    if code != 0:
        raise Failure(f"`pip install {requirement}` failed (exit {code}); see pip's message "
                      f"above. {if_it_fails}", code)
    stamp[key] = requirement
    write_stamp(stamp)
    say(f"{requirement} installed ({time.perf_counter() - start:.1f} s)")


def ensure_onnx() -> None:
    ensure_test_tool(
        "onnx", ONNX, "its reference Conv and ConvTranspose; a reference for the tests only",
        "ONNX is only a reference for the padding tests: run `python3 dev.py test --no-onnx` "
        "(or set TCONV_NO_ONNX=1) to test without it; the tests that need it are then skipped.")


def ensure_playwright() -> None:
    ensure_test_tool(
        "playwright", PLAYWRIGHT, "drives chromium in the browser test; a test tool only",
        "It is only needed for the browser test of the built book: run `python3 dev.py test "
        "--no-browser` (or set TCONV_NO_BROWSER=1) to test without it.")


def find_chromium() -> str | None:
    return os.environ.get("TCONV_CHROMIUM") or shutil.which("chromium")


def chromium_missing_reason() -> str | None:
    """None when chromium can be installed here (root and apt-get); else why it cannot."""
    if not shutil.which("apt-get"):
        return "there is no apt-get on this machine"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "installing it needs root (apt-get), and this does not run as root"
    return None


def ensure_chromium() -> None:
    """Install Debian's chromium with apt-get when it is missing and we are root (CI)."""
    found = find_chromium()
    if found:
        say(f"chromium: {found}")
        return
    reason = chromium_missing_reason()
    if reason is not None:
        say(f"no `chromium` on PATH and {reason}: the browser step will be skipped")
        return
    say("no `chromium` on PATH: installing Debian's chromium with apt-get (as on CI; "
        "a minute or two) ...")
    start = time.perf_counter()
    apt_env = {"DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        code = call(cmd, "apt-get", apt_env)
        if code != 0:
            # No Chromium can be had here (no mirror, no network): the browser step then says
            # so and is skipped, as on any machine without Chromium; the other steps still count.
            say(f"WARNING: `{' '.join(cmd)}` failed (exit {code}); see its message above. "
                "Without chromium the browser step will be skipped. Install it yourself or "
                "set TCONV_CHROMIUM to a Chromium executable to run it.")
            return
    if not find_chromium():
        say("WARNING: apt-get installed chromium, but there is still no `chromium` on PATH: "
            "the browser step will be skipped")
        return
    say(f"chromium installed: {find_chromium()} ({time.perf_counter() - start:.1f} s)")


# --- the steps ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One step of `dev.py test`: a command run in the repository root, in the venv."""

    name: str
    command: tuple[str, ...]  # "python" and "jupyter-book" are the venv's
    env: dict[str, str] = field(default_factory=dict)
    folder: str | None = None  # a test folder that must exist
    collects: str = "tests"  # what pytest must collect (exit code 5 means none): a failure
    needs_chromium: bool = False  # skipped, with a message, where there is no chromium

    def describe(self) -> str:
        """The command as a shell line, with its environment."""
        return " ".join([f"{k}={v}" for k, v in self.env.items()] + list(self.command))


STEPS = (
    Step("package tests", ("python", "-m", "pytest", "companion/tests", "companion/tconv",
                           "--doctest-modules")),
    # numba.cuda's simulator runs the kernels on the CPU, so this needs no GPU.
    Step("cuda simulator", ("python", "-m", "pytest", CUDA_SIMULATOR_TESTS),
         {"NUMBA_ENABLE_CUDASIM": "1"}, folder=CUDA_SIMULATOR_TESTS),
    # Without the simulator: compiles the kernels to PTX (no GPU needed), which checks their
    # types, and checks the clear error where there is no GPU.
    Step("cuda ptx", ("python", "-m", "pytest", CUDA_PTX_TESTS),
         {"NUMBA_ENABLE_CUDASIM": "0"}, folder=CUDA_PTX_TESTS),
    Step("notebooks", ("python", "-m", "pytest", "--nbval", "--nbval-current-env",
                       "--nbval-sanitize-with", "nbval_sanitize.cfg", "book"),
         collects="notebook cells"),
    Step("book", ("jupyter-book", "build", "--all", "-W", "-n", "--keep-going", "."),
         collects=""),
    # Required once chromium is here: a missing playwright is then a failure.
    Step("browser", ("python", "-m", "pytest", BROWSER_TESTS),
         {"TCONV_BROWSER_REQUIRED": "1"}, folder=BROWSER_TESTS, needs_chromium=True),
)
STEP_NAMES = [step.name for step in STEPS]


def run_step(step: Step) -> int:
    """Run one step; its exit code, or SKIPPED."""
    env = dict(step.env)
    if step.needs_chromium:
        chromium = find_chromium()
        if not chromium:
            reason = chromium_missing_reason() or "it could not be installed"
            say(f"{step.name} SKIPPED: no `chromium` on PATH, and {reason}. To run it, install "
                "Debian's chromium (`sudo apt-get install chromium`) or set TCONV_CHROMIUM to "
                "a Chromium or Chrome executable, then run this again.")
            return SKIPPED
        env["TCONV_CHROMIUM"] = chromium
    if step.folder and not (ROOT / step.folder).is_dir():
        say(f"{step.folder}/ is missing, and that counts as a failure")
        return 1
    program = {"python": str(VENV_PYTHON), "jupyter-book": str(BIN / (
        "jupyter-book.exe" if os.name == "nt" else "jupyter-book"))}
    command = [program.get(step.command[0], step.command[0]), *step.command[1:]]
    code = call(command, step.name, env)
    if step.collects and code == PYTEST_NO_TESTS:
        say(f"pytest collected no {step.collects} for {step.name}: that counts as a failure")
    if step.needs_chromium:
        say(f"screenshots of every page: {os.environ.get('TCONV_SCREENSHOTS') or SCREENSHOTS}")
    return code


def run_steps(names: list[str]) -> None:
    times: list[tuple[str, float]] = []
    total_start = time.perf_counter()
    steps = {step.name: step for step in STEPS}
    for name in names:
        say(f"{name}: {steps[name].describe()}")
        start = time.perf_counter()
        code = run_step(steps[name])
        elapsed = time.perf_counter() - start
        if code == SKIPPED:
            say(f"{name} skipped")
            times.append((f"{name} skipped", elapsed))
            continue
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
    skipped = sum(n.endswith(" skipped") for n, _ in times)
    outcome = f"all {len(times) - skipped} step(s) passed"
    if skipped:
        outcome += f" ({skipped} skipped)"
    say("summary: " + ", ".join(f"{n} {t:.1f} s" for n, t in times)
        + f"; {outcome} in {total:.1f} s")


# --- commands ----------------------------------------------------------------------------

def cmd_book(args: argparse.Namespace) -> None:
    ensure_requirements()
    run_steps(["book"])
    say(f"the book is in {HTML_DIR.relative_to(ROOT)}/: open {HTML_DIR / 'index.html'}")


def cmd_test(args: argparse.Namespace) -> None:
    ensure_requirements()
    if args.no_onnx or os.environ.get("TCONV_NO_ONNX", "") == "1":
        say("not installing ONNX (--no-onnx or TCONV_NO_ONNX=1): "
            "the comparisons with it are skipped unless .venv already has it")
    else:
        ensure_onnx()
    steps = [name for name in STEP_NAMES if name != "browser"]
    if args.no_browser or os.environ.get("TCONV_NO_BROWSER", "") == "1":
        say("leaving out the browser test of the built book (--no-browser or "
            "TCONV_NO_BROWSER=1)")
    else:
        ensure_playwright()
        ensure_chromium()
        steps.append("browser")
    run_steps(steps)
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
        "test", help="package tests, CUDA tests, notebooks (nbval, strict), the book build, "
                     "then the built book in headless chromium")
    p_test.add_argument("--no-onnx", action="store_true",
                        help=f"do not install {ONNX} (same as TCONV_NO_ONNX=1)")
    p_test.add_argument("--no-browser", action="store_true",
                        help="leave out the browser test of the built book, and do not install "
                             f"{PLAYWRIGHT} or chromium for it (same as TCONV_NO_BROWSER=1)")
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
