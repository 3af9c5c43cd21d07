"""The GitHub Actions workflows are valid, and book.yml builds, tests and publishes as it should.

The schema check runs ``check-jsonschema --builtin-schema vendor.github-workflows`` (the schema
ships inside the package, so no network is needed); it is skipped where check-jsonschema is not
installed. The structural test reads ``.github/workflows/book.yml`` with PyYAML.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
BOOK_WORKFLOW = WORKFLOWS / "book.yml"

# Outside a checkout of the repository (the package copied elsewhere) there is nothing to check.
pytestmark = pytest.mark.skipif(not (ROOT / "dev.py").is_file(),
                                reason="not in a checkout of the repository (no dev.py)")


def check_jsonschema(*paths: Path) -> subprocess.CompletedProcess:
    """Run check-jsonschema with GitHub's workflow schema on ``paths``; skip if it is missing."""
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.skip("check-jsonschema is not installed: `.venv/bin/pip install check-jsonschema` "
                    "to validate the workflows against GitHub's schema")
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         *map(str, paths)],
        capture_output=True, text=True, timeout=120,
    )


def test_workflows_match_githubs_schema():
    """Every file in .github/workflows/ is a workflow that GitHub's schema accepts."""
    files = sorted(p for p in WORKFLOWS.glob("*") if p.suffix in (".yml", ".yaml"))
    assert files, f"no workflow files in {WORKFLOWS}"
    result = check_jsonschema(*files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path):
    """The check can fail: a job with `runs-on` misspelt as `run-on` is rejected."""
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    run-on: ubuntu-latest\n"
                      "    steps:\n      - run: echo hello\n", encoding="utf-8")
    result = check_jsonschema(broken)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "runs-on" in result.stdout + result.stderr


def job_using(jobs: dict, action: str) -> str:
    """The name of the one job with a step that uses ``action`` (any version)."""
    found = [name for name, job in jobs.items()
             if any(str(s.get("uses", "")).startswith(action + "@") for s in job.get("steps", []))]
    assert len(found) == 1, f"expected one job using {action}, found {found}"
    return found[0]


def job_running(jobs: dict, command: str) -> str:
    """The name of the one job with a step whose `run` has ``command`` (as whole words)."""
    pattern = re.compile(rf"(?<![\w.-]){re.escape(command)}(?![\w.-])")
    found = [name for name, job in jobs.items()
             if any(pattern.search(str(s.get("run", ""))) for s in job.get("steps", []))]
    assert len(found) == 1, f"expected one job running {command!r}, found {found}"
    return found[0]


def test_book_workflow_builds_tests_and_deploys():
    """book.yml: push to main builds with `dev.py book` and deploys _build/html to Pages after
    the build; pull requests run `dev.py test`."""
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load(BOOK_WORKFLOW.read_text(encoding="utf-8"))
    # YAML 1.1 (PyYAML) reads the key `on` as the boolean True.
    triggers = workflow.get("on", workflow.get(True))
    assert "main" in triggers["push"]["branches"]
    assert "pull_request" in triggers
    jobs = workflow["jobs"]

    build = job_using(jobs, "actions/upload-pages-artifact")
    upload = next(s for s in jobs[build]["steps"]
                  if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"].removeprefix("./").rstrip("/") == "_build/html"
    assert job_running(jobs, "python3 dev.py book") == build

    deploy = job_using(jobs, "actions/deploy-pages")
    needs = jobs[deploy]["needs"]
    assert build in ([needs] if isinstance(needs, str) else needs)
    assert jobs[deploy]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs[deploy]["environment"]["name"] == "github-pages"

    test = job_running(jobs, "python3 dev.py test")
    assert "pull_request" in jobs[test]["if"]
