"""Shared test helpers: the note fixtures (one small file per edge case, see CASES.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "notes"


@pytest.fixture
def fixture_text() -> Callable[[str], str]:
    """``fixture_text("crlf.md")``: a fixture note's text, decoded as UTF-8 with replacement."""

    def load(name: str) -> str:
        return (FIXTURES / name).read_bytes().decode("utf-8", errors="replace")

    return load
