"""The derived-tables hook: other parts keep tables of their own in the cache, built and
updated by the writer with the notes, in its transaction, off the event loop."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.cache import DerivedTables, NotesCache

QT = "curiousorbit/quantum_tunneling.md"


class FakeTitles:
    """A tiny derived table: each note's title in capitals."""

    key = "titles"

    def __init__(self, version: int = 1, fail: str | None = None) -> None:
        self.version = version
        self.fail = fail
        self.calls: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = []
        self.threads: set[int] = set()

    def _record(self, con: sqlite3.Connection, what: str, changed: Sequence[int] = (),
                removed: Sequence[int] = ()) -> None:
        assert con.in_transaction, "called outside the writer's transaction"
        self.threads.add(threading.get_ident())
        self.calls.append((what, tuple(changed), tuple(removed)))
        if self.fail == what:
            con.execute("INSERT INTO fake_titles VALUES (-1, 'half done')")
            raise RuntimeError(f"{what} blew up")

    def build(self, con: sqlite3.Connection) -> None:
        con.execute("DROP TABLE IF EXISTS fake_titles")
        con.execute("CREATE TABLE fake_titles (note_id INTEGER PRIMARY KEY, title TEXT)")
        self._record(con, "build")
        con.execute("INSERT INTO fake_titles SELECT id, upper(title) FROM notes")

    def update(self, con: sqlite3.Connection, changed: Sequence[int],
               removed: Sequence[int]) -> None:
        self._record(con, "update", changed, removed)
        con.executemany("DELETE FROM fake_titles WHERE note_id = ?", [(i,) for i in removed])
        con.executemany("INSERT OR REPLACE INTO fake_titles SELECT id, upper(title) FROM notes "
                        "WHERE id = ?", [(i,) for i in changed])


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(Path(__file__).resolve().parents[2] / "bot" / "sample_vault", root)
    return root


def _titles(db: Path) -> dict[int, str]:
    con = sqlite3.connect(db)
    try:
        return dict(con.execute("SELECT note_id, title FROM fake_titles"))
    finally:
        con.close()


def _expected(db: Path) -> dict[int, str]:
    con = sqlite3.connect(db)
    try:
        return {i: t.upper() for i, t in con.execute("SELECT id, title FROM notes")}
    finally:
        con.close()


def _state(db: Path, key: str) -> str | None:
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None
    finally:
        con.close()


async def test_a_cold_build_builds_and_a_sync_updates(tmp_path: Path, vault: Path) -> None:
    fake = FakeTitles()
    derived: list[DerivedTables] = [fake]  # (a Protocol: structural)
    db = tmp_path / "c.db"
    async with NotesCache(db, workers=1, derived=derived) as cache:
        await cache.sync(vault)
        assert [c[0] for c in fake.calls] == ["build"]
        assert threading.get_ident() not in fake.threads  # never on the event loop
        assert _titles(db) == _expected(db) and len(_titles(db)) == 12
        assert _state(db, "derived:titles") == "1"
        old_id = (await cache.fetch_one("SELECT id FROM notes WHERE path = :p", {"p": QT}))["id"]
        generation = cache.generation
        text = (vault / QT).read_text(encoding="utf-8")
        (vault / QT).write_text(text.replace("title: Quantum tunneling", "title: Tunnels"),
                                encoding="utf-8")
        await cache.sync(vault)
        new_id = (await cache.fetch_one("SELECT id FROM notes WHERE path = :p", {"p": QT}))["id"]
        assert fake.calls[-1] == ("update", (new_id,), (old_id,))
        assert cache.generation == generation + 1
        assert _titles(db) == _expected(db) and _titles(db)[new_id] == "TUNNELS"
        calls = len(fake.calls)
        await cache.sync(vault)  # nothing changed: not called
        assert len(fake.calls) == calls


async def test_a_new_version_is_built_on_the_next_sync(tmp_path: Path, vault: Path) -> None:
    db = tmp_path / "c.db"
    async with NotesCache(db, workers=1, derived=[FakeTitles()]) as cache:
        await cache.sync(vault)
    newer = FakeTitles(version=2)
    async with NotesCache(db, workers=1, derived=[newer]) as cache:
        generation = cache.generation
        report = await cache.sync(vault)
        assert report.parsed == 0
        assert [c[0] for c in newer.calls] == ["build"]
        assert cache.generation == generation + 1
    assert _state(db, "derived:titles") == "2"


@pytest.mark.parametrize("when", ["build", "update"])
async def test_a_failing_builder_never_loses_the_notes_sync(
        tmp_path: Path, vault: Path, when: str, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "c.db"
    fake = FakeTitles(fail="build" if when == "build" else None)
    async with NotesCache(db, workers=1, derived=[fake]) as cache:
        with caplog.at_level(logging.ERROR):
            report = await cache.sync(vault)
            assert report.counts.notes == 12
            if when == "update":
                fake.fail = "update"
                (vault / QT).unlink()
                report = await cache.sync(vault)
                assert report.removed == 1 and report.counts.notes == 11
        assert f"{when} failed" in caplog.text
        if when == "update":  # built again at once, in a transaction of its own
            assert [c[0] for c in fake.calls][-2:] == ["update", "build"]
        else:  # (the build failed again, or rather: it is retried by the next sync)
            assert _state(db, "derived:titles") is None
            fake.fail = None
            await cache.sync(vault)
            assert fake.calls[-1][0] == "build"
        assert -1 not in _titles(db)  # the failed call's rows were rolled back
        assert _titles(db) == _expected(db)
        assert _state(db, "derived:titles") == "1"
