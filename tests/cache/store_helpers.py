"""Helpers shared by the notes-cache sync tests (test_store, test_incremental, test_crashes)."""

# ruff: noqa: ASYNC240

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import bot.cache.incremental
import bot.cache.loader
import bot.cache.pool
from bot.cache import sql
from bot.cache.store import NotesCache, SyncReport
from tests.cache.helpers import (
    cold_snapshot,
    snapshot,
)

QT = "curiousorbit/quantum_tunneling.md"  # 4 sections, links, timestamps and blockquotes
HUB = "curiousorbit/CuriousOrbit.md"


async def sync(db: Path, vault: Path, **kwargs: Any) -> SyncReport:
    async with NotesCache(db, workers=1) as cache:
        return await cache.sync(vault, **kwargs)


async def assert_same_as_cold(db: Path, vault: Path, tmp_path: Path) -> dict[str, Any]:
    """The cache at ``db`` holds what a cold build of ``vault`` holds."""
    fresh = tmp_path / f"cold-{len(list(tmp_path.glob('cold-*')))}.db"
    expected = await cold_snapshot(vault, fresh)
    actual = snapshot(db)
    for table in expected:
        assert actual[table] == expected[table], f"{table} differs from a cold build"
    return actual


class Reads:
    """Records every vault file the loader reads and every os.open under the vault."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, vault: Path) -> None:
        self.loaded: list[str] = []
        self.opened: list[str] = []
        real_read = bot.cache.loader.read_vault_file
        real_open = os.open
        prefix = os.path.realpath(vault) + os.sep

        def read(root: str, rel_path: str) -> tuple[bytes, int, int]:
            self.loaded.append(rel_path)
            return real_read(root, rel_path)

        def spy_open(path: Any, *args: Any, **kwargs: Any) -> int:
            if os.path.realpath(os.fsdecode(path)).startswith(prefix):
                self.opened.append(os.fsdecode(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(bot.cache.loader, "read_vault_file", read)
        monkeypatch.setattr(os, "open", spy_open)

    def clear(self) -> None:
        self.loaded.clear()
        self.opened.clear()


def bump_mtime(path: Path, seconds: int = 10) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + seconds * 1_000_000_000))


def rows_of_note(db: Path, note_id: int) -> dict[str, int]:
    con = sqlite3.connect(db)
    try:
        lo, hi = note_id * sql.SECTION_STRIDE, note_id * sql.SECTION_STRIDE + sql.SECTION_STRIDE - 1
        return {
            "notes": con.execute("SELECT COUNT(*) FROM notes WHERE id = ?", (note_id,)).fetchone()[0],
            "sections": con.execute("SELECT COUNT(*) FROM sections WHERE note_id = ?",
                                    (note_id,)).fetchone()[0],
            "links": con.execute("SELECT COUNT(*) FROM links WHERE note_id = ?",
                                 (note_id,)).fetchone()[0],
            "timestamps": con.execute(
                "SELECT COALESCE(SUM(json_array_length(moments)), 0) FROM sections WHERE note_id = ?",
                (note_id,)).fetchone()[0],
            "blockquotes": con.execute("SELECT COUNT(*) FROM blockquotes WHERE note_id = ?",
                                       (note_id,)).fetchone()[0],
            "fts": con.execute("SELECT COUNT(*) FROM search_docsize WHERE id BETWEEN ? AND ?",
                               (lo, hi)).fetchone()[0],
        }
    finally:
        con.close()


def note_id_of(db: Path, path: str) -> int | None:
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT id FROM notes WHERE path = ?", (path,)).fetchone()
        return row[0] if row else None
    finally:
        con.close()


def query(db: Path, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(statement, params).fetchall()
    finally:
        con.close()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


NEW_NOTE = ("---\ntitle: Sieve sizes\nvideoId: Qm7tR2vX9pL\n---\n\nFrom: [[curiousorbit]] <br/>\n\n"
            "## Mesh\n\nA [[quantum_tunneling | tunnel]] through the mesh "
            '<a class="yt-timestamp" data-t="00:09:09">[00:09:09]</a>.\n\n> Fine mesh, fine catch.\n')
