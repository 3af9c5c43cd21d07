"""The book's API page lists every name that ``tconv`` exports."""

import re
from pathlib import Path

import pytest

import tconv

API_PAGE = Path(__file__).resolve().parents[2] / "book" / "api.md"


@pytest.mark.skipif(not API_PAGE.is_file(), reason="book/api.md is not beside the package")
def test_every_export_is_on_the_api_page():
    text = API_PAGE.read_text(encoding="utf-8")
    listed = set(re.findall(r"^\.\. py:(?:data|exception):: (\w+)", text, flags=re.M))
    modules = set(re.findall(r"^\.\. automodule:: tconv\.(\w+)\s*$", text, flags=re.M))
    missing = [name for name in tconv.__all__ if name not in listed | modules]
    assert not missing, f"add these tconv exports to book/api.md: {missing}"
