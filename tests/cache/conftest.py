"""Fixtures of the notes-cache tests: a copy of the sample vault and a cache path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cache.helpers import SAMPLE_VAULT


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, root)
    return root


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "notes.db"
