"""Fixtures of the operations tests: a clock the test moves, a copy of the sample vault."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import SAMPLE_VAULT


class FakeClock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, root)
    return root


def unmount(vault: Path) -> None:
    """The volume did not mount: the folder is there, holding no notes."""
    shutil.rmtree(vault)
    vault.mkdir()
