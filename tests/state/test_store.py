"""The state database: created whole, migrated forward once, refused when it is not ours
or newer than the code, and never touched then; shared safely by concurrent opens."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import bot.state.sqlite
from bot.cache import sql as cache_sql
from bot.state import (
    ForeignStateFile,
    StateMigrationFailed,
    StateStore,
    StateTooNew,
    StateUnwritable,
    SummaryKey,
    open_state_store,
)
from bot.state.migrations import APPLICATION_ID, LATEST, MIGRATIONS, Migration

KEY = SummaryKey("abc123", 2, "short", "llama3")
OpenStore = Callable[[], Awaitable[StateStore]]


def _header(path: Path) -> tuple[int, int, str]:
    con = sqlite3.connect(path)
    try:
        return (con.execute("PRAGMA application_id").fetchone()[0],
                con.execute("PRAGMA user_version").fetchone()[0],
                con.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        con.close()


def _tables(path: Path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _beside(path: Path) -> set[str]:
    return {p.name for p in path.parent.iterdir()}


# --------------------------------------------------------------------------- the schema

def test_migrations_are_numbered_one_by_one_from_one() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert len(MIGRATIONS) == LATEST
    assert APPLICATION_ID != cache_sql.APPLICATION_ID


async def test_a_fresh_database_is_created_marked_migrated_and_in_wal(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "folder" / "notecast-state.db"
    async with open_state_store(path) as state:
        assert state.version == LATEST
        assert await state.get_summary(KEY) is None
    assert _header(path) == (APPLICATION_ID, LATEST, "wal")
    assert {"summary_cache", "summary_budget"} <= _tables(path)
    assert _beside(path) == {"notecast-state.db"}  # no side file left behind


async def test_reopening_keeps_what_was_stored_and_applies_nothing(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "state.db"
    created = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    async with open_state_store(path) as state:
        await state.put_summary(KEY, '{"v": 1}', created)
        assert await state.take_budget(7, date(2026, 3, 1), 5) == 1
    caplog.set_level(logging.INFO, logger="bot.state")
    async with open_state_store(path) as state:
        assert state.version == LATEST
        assert await state.get_summary(KEY) == '{"v": 1}'
        assert await state.budget_used(7, date(2026, 3, 1)) == 1
    assert "migration" not in caplog.text


async def test_a_migration_added_later_is_applied_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "state.db"
    monkeypatch.setattr(bot.state.sqlite, "MIGRATIONS", MIGRATIONS[:1])
    monkeypatch.setattr(bot.state.sqlite, "LATEST", 1)
    async with open_state_store(path) as state:  # an older Notecast made the file
        assert state.version == 1
    assert "summary_budget" not in _tables(path)

    later = (*MIGRATIONS, Migration(LATEST + 1, "schedules", (
        "CREATE TABLE schedules (guild_id INTEGER PRIMARY KEY, hhmm TEXT NOT NULL)",
        "INSERT INTO schedules VALUES (1, '08:00')",  # would fail a second time
    )))
    monkeypatch.setattr(bot.state.sqlite, "MIGRATIONS", later)
    monkeypatch.setattr(bot.state.sqlite, "LATEST", LATEST + 1)
    caplog.set_level(logging.INFO, logger="bot.state")
    for _ in range(2):
        async with open_state_store(path) as state:
            assert state.version == LATEST + 1
    assert _header(path)[1] == LATEST + 1
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM schedules").fetchone()[0] == 1
    con.close()
    applied = [r.getMessage() for r in caplog.records if "applied" in r.getMessage()]
    assert len(applied) == LATEST  # 2..LATEST+1, each once


async def test_a_failed_migration_applies_nothing_of_itself(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.db"
    async with open_state_store(path):
        pass
    broken = (*MIGRATIONS, Migration(LATEST + 1, "broken", (
        "CREATE TABLE half_made (x INTEGER)",
        "CREATE TABLE summary_cache (x INTEGER)",  # exists: fails
    )))
    monkeypatch.setattr(bot.state.sqlite, "MIGRATIONS", broken)
    monkeypatch.setattr(bot.state.sqlite, "LATEST", LATEST + 1)
    with pytest.raises(StateMigrationFailed, match=f"version {LATEST + 1} \\(broken\\)"):
        async with open_state_store(path):
            pass
    assert _header(path)[1] == LATEST
    assert "half_made" not in _tables(path)


# --------------------------------------------------------------------------- refusals

async def test_a_database_newer_than_the_code_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    async with open_state_store(path) as state:
        await state.put_summary(KEY, "kept", datetime.now(UTC))
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {LATEST + 3}")
    con.close()
    before = _digest(path)
    with pytest.raises(StateTooNew) as caught:
        async with open_state_store(path):
            pass
    message = str(caught.value)
    assert "\n" not in message
    assert f"version {LATEST + 3}" in message and "newer" in message and "NOTECAST_STATE_DB" in message
    assert _digest(path) == before
    assert _header(path)[1] == LATEST + 3
    assert _beside(path) == {"state.db"}


def _other_program_db(path: Path, application_id: int = 0) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    con.execute("INSERT INTO invoices (total) VALUES (12.5)")
    if application_id:
        con.execute(f"PRAGMA application_id = {application_id}")
    con.commit()
    con.close()


FOREIGN = {
    "a text file": lambda p: p.write_text("# My notes\n\nDo not lose me.\n"),
    "random bytes": lambda p: p.write_bytes(os.urandom(8192)),
    "an empty file": lambda p: p.write_bytes(b""),
    "another program's database": _other_program_db,
    "a database with another application id": lambda p: _other_program_db(p, 0x12345678),
    "the notes cache": lambda p: _other_program_db(p, cache_sql.APPLICATION_ID),
}


@pytest.mark.parametrize("kind", list(FOREIGN))
async def test_a_file_that_is_not_ours_is_refused_and_untouched(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "state.db"
    FOREIGN[kind](path)
    before, stat_before = _digest(path), path.stat()
    with pytest.raises(ForeignStateFile) as caught:
        async with open_state_store(path):
            pass
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)
    assert _digest(path) == before
    assert path.stat().st_mtime_ns == stat_before.st_mtime_ns
    assert _beside(path) == {"state.db"}  # no -wal, -shm or side file made beside it


async def test_a_folder_at_the_path_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.mkdir()
    with pytest.raises(ForeignStateFile, match="a folder"):
        async with open_state_store(path):
            pass


async def test_a_path_through_a_file_is_unwritable_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StateUnwritable, match="not a folder") as caught:
        async with open_state_store(tmp_path / "file" / "state.db"):
            pass
    assert "\n" not in str(caught.value)


def _dead_pid() -> str:
    return subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()


async def test_a_creation_killed_midway_leaves_nothing_in_the_way(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    dead = _dead_pid()
    (tmp_path / f"state.db.new-{dead}-0badf00d").write_bytes(b"half")  # killed before the link
    async with open_state_store(path) as state:
        assert state.version == LATEST
    assert _beside(path) == {"state.db"}


# --------------------------------------------------------------------------- concurrency

async def test_concurrent_opens_of_a_new_file_in_one_process(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    stores = [open_state_store(path) for _ in range(6)]
    await asyncio.gather(*(s.open() for s in stores))
    try:
        assert {s.version for s in stores} == {LATEST}
        day = date(2026, 1, 1)
        taken = await asyncio.gather(*(s.take_budget(1, day, 10) for s in stores for _ in range(4)))
        assert sorted(t for t in taken if t is not None) == list(range(1, 11))
        assert taken.count(None) == 14
    finally:
        await asyncio.gather(*(s.aclose() for s in stores))
    assert _header(path) == (APPLICATION_ID, LATEST, "wal")


OPEN_AND_COUNT = textwrap.dedent("""
    import asyncio, sys
    from datetime import date
    from bot.state import open_state_store

    async def main():
        async with open_state_store(sys.argv[1]) as state:
            taken = [await state.take_budget(5, date(2026, 1, 1), 12) for _ in range(5)]
            print(sum(t is not None for t in taken))

    asyncio.run(main())
""")


def test_concurrent_opens_of_a_new_file_in_several_processes(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    root = Path(__file__).resolve().parents[2]
    procs = [subprocess.Popen([sys.executable, "-c", OPEN_AND_COUNT, str(path)], cwd=root,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(5)]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * 5, outputs
    assert sum(int(out) for out, _ in outputs) == 12  # the budget held across processes
    assert _header(path) == (APPLICATION_ID, LATEST, "wal")
    assert _beside(path) == {"state.db"}


# --------------------------------------------------------------------------- the API (both backends)

async def test_summaries_are_stored_by_their_whole_key(state_store: StateStore) -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    state = state_store
    await state.put_summary(KEY, "section two", now)
    whole = SummaryKey("abc123", None, "short", "llama3")
    await state.put_summary(whole, "whole note", now)
    await state.put_summary(SummaryKey("abc123", 0, "short", "llama3"), "section zero", now)
    assert await state.get_summary(KEY) == "section two"
    assert await state.get_summary(whole) == "whole note"
    for other in (SummaryKey("abc124", 2, "short", "llama3"), SummaryKey("abc123", 2, "long", "llama3"),
                  SummaryKey("abc123", 2, "short", "mistral")):
        assert await state.get_summary(other) is None
    await state.put_summary(KEY, "replaced", now)
    assert await state.get_summary(KEY) == "replaced"


async def test_the_budget_counts_per_server_and_day_up_to_its_limit(state_store: StateStore) -> None:
    day = date(2026, 3, 1)
    state = state_store
    assert [await state.take_budget(1, day, 3) for _ in range(4)] == [1, 2, 3, None]
    assert await state.budget_used(1, day) == 3
    assert await state.take_budget(2, day, 3) == 1  # another server
    assert await state.take_budget(1, day + timedelta(days=1), 3) == 1  # another day
    assert await state.take_budget(1, day, 0) is None
    assert await state.take_budget(1, day, 5) == 4  # a larger limit: more room
    assert await state.take_budget(2**63 - 1, day, 2**40) == 1  # a snowflake, a huge limit


async def test_the_budget_holds_across_connections_taking_it_at_once(state_backend: OpenStore) -> None:
    stores = [await state_backend() for _ in range(4)]
    day = date(2026, 1, 1)
    taken = await asyncio.gather(*(s.take_budget(1, day, 10) for s in stores for _ in range(6)))
    assert sorted(t for t in taken if t is not None) == list(range(1, 11))
    assert taken.count(None) == 14
    assert await stores[0].budget_used(1, day) == 10


async def test_prune_forgets_old_summaries_and_budgets(state_store: StateStore) -> None:
    old, new = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)
    state = state_store
    await state.put_summary(KEY, "old", old)
    await state.put_summary(SummaryKey("h2", 1, "short", "m"), "new", new)
    await state.take_budget(1, date(2026, 1, 1), 5)
    await state.take_budget(1, date(2026, 3, 1), 5)
    removed = await state.prune(summaries_before=datetime(2026, 2, 1, tzinfo=UTC),
                                budget_before=date(2026, 2, 1))
    assert removed == 2
    assert await state.get_summary(KEY) is None
    assert await state.get_summary(SummaryKey("h2", 1, "short", "m")) == "new"
    assert await state.budget_used(1, date(2026, 3, 1)) == 1
