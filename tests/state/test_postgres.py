"""The PostgreSQL state database (what the backend-neutral store tests cannot see): a schema
created, marked and migrated forward once, even by processes starting at once; refused and
left exactly as it was when it is not Notecast's or newer than the code; the DSN's password
never in a log or an error; the settings choosing it."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import textwrap
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

import bot.state.postgres_sql as pg_sql
from bot.config import Secret, Settings
from bot.state import ForeignStateFile, StateError, StateMigrationFailed, StateTooNew, SummaryKey
from bot.state.migrations import MIGRATIONS as SQLITE_MIGRATIONS
from bot.state.migrations import Migration
from bot.state.postgres import PostgresStateStore
from bot.state.sqlite import SQLiteStateStore
from bot.state.store import open_configured_state
from tests.state.pg_fixtures import fresh_schema

LATEST = pg_sql.LATEST
KEY = SummaryKey("abc123", 2, "short", "llama3")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def dsn(postgres_dsn: str) -> AsyncIterator[str]:
    """A DSN whose search_path is a fresh, empty schema."""
    async with fresh_schema(postgres_dsn) as schema_dsn:
        yield schema_dsn


async def _query(dsn: str, query: str, *args: Any) -> list[Any]:
    con = await asyncpg.connect(dsn)
    try:
        return [tuple(row) for row in await con.fetch(query, *args)]
    finally:
        await con.close()


async def _snapshot(dsn: str) -> dict[str, list[Any]]:
    """Every relation of the schema, with its rows (tables) or nothing (sequences, views)."""
    con = await asyncpg.connect(dsn)
    try:
        relations = await con.fetch(pg_sql.RELATIONS)
        shot: dict[str, list[Any]] = {}
        for (name,) in relations:
            kind = await con.fetchval("SELECT relkind FROM pg_class WHERE oid = to_regclass($1)", name)
            rows = await con.fetch(f'SELECT * FROM "{name}" ORDER BY 1') if kind == "r" else []
            shot[f"{name} ({kind})"] = [tuple(row) for row in rows]
        return shot
    finally:
        await con.close()


def _password(dsn: str) -> str:
    password = urllib.parse.urlsplit(dsn).password
    assert password
    return password


# --------------------------------------------------------------------------- the schema

def test_the_migrations_are_sqlite_s_numbers_and_names() -> None:
    assert [(m.version, m.name) for m in pg_sql.MIGRATIONS] == [(m.version, m.name) for m in SQLITE_MIGRATIONS]


def test_named_parameters_become_numbered_ones() -> None:
    statement = pg_sql.sql("SELECT :a, :b::bigint, ':x', :a FROM t WHERE c = ANY(:list_1)")
    assert statement.text == "SELECT $1, $2::bigint, ':x', $1 FROM t WHERE c = ANY($3)"
    assert statement.args({"list_1": [3], "b": 2, "a": 1, "unused": 0}) == [1, 2, [3]]


async def test_a_fresh_schema_is_marked_migrated_and_reopened_as_it_is(
        dsn: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.state")
    async with PostgresStateStore(dsn) as state:
        assert state.version == LATEST and state.schema.startswith("notecast_test_")
        await state.put_summary(KEY, '{"v": 1}', datetime(2026, 3, 1, tzinfo=UTC))
        assert await state.take_budget(7, date(2026, 3, 1), 5) == 1
    assert await _query(dsn, "SELECT application, version FROM notecast_schema") == [("notecast-state", LATEST)]
    tables = {row[0] for row in await _query(dsn, pg_sql.RELATIONS)}
    assert {"notecast_schema", "summary_cache", "summary_budget", "qotd_schedules", "qotd_days"} <= tables
    assert len([r for r in caplog.records if "applied" in r.getMessage()]) == LATEST

    caplog.clear()
    async with PostgresStateStore(dsn) as state:
        assert state.version == LATEST
        assert await state.get_summary(KEY) == '{"v": 1}'
        assert await state.budget_used(7, date(2026, 3, 1)) == 1
    assert not [r for r in caplog.records if "applied" in r.getMessage() or "marked" in r.getMessage()]


async def test_a_migration_added_later_is_applied_once(dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    released = pg_sql.MIGRATIONS
    monkeypatch.setattr(pg_sql, "MIGRATIONS", released[:1])
    monkeypatch.setattr(pg_sql, "LATEST", 1)
    async with PostgresStateStore(dsn) as state:  # an older Notecast made the schema
        assert state.version == 1
        await state.put_summary(KEY, "kept", datetime(2026, 3, 1, tzinfo=UTC))
    later = (*released, Migration(LATEST + 1, "later", (
        "CREATE TABLE later (n INTEGER)", "INSERT INTO later VALUES (1)")))  # would fail a second time
    monkeypatch.setattr(pg_sql, "MIGRATIONS", later)
    monkeypatch.setattr(pg_sql, "LATEST", LATEST + 1)
    for _ in range(2):
        async with PostgresStateStore(dsn) as state:
            assert state.version == LATEST + 1
            assert await state.get_summary(KEY) == "kept"
    assert await _query(dsn, "SELECT count(*) FROM later") == [(1,)]
    assert await _query(dsn, "SELECT version FROM notecast_schema") == [(LATEST + 1,)]


async def test_a_failed_migration_applies_nothing_of_itself(dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async with PostgresStateStore(dsn):
        pass
    before = await _snapshot(dsn)
    monkeypatch.setattr(pg_sql, "MIGRATIONS", (*pg_sql.MIGRATIONS, Migration(LATEST + 1, "broken", (
        "CREATE TABLE half_made (x INTEGER)",
        "CREATE TABLE summary_cache (x INTEGER)",  # exists: fails
    ))))
    monkeypatch.setattr(pg_sql, "LATEST", LATEST + 1)
    with pytest.raises(StateMigrationFailed, match=f"version {LATEST + 1} \\(broken\\)") as caught:
        await PostgresStateStore(dsn).open()
    assert "\n" not in str(caught.value)
    assert await _snapshot(dsn) == before


async def test_concurrent_opens_of_a_new_schema_migrate_it_once(
        dsn: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.state")
    stores = [PostgresStateStore(dsn) for _ in range(6)]
    try:
        await asyncio.gather(*(s.open() for s in stores))
        assert {s.version for s in stores} == {LATEST}
    finally:
        await asyncio.gather(*(s.aclose() for s in stores))
    assert len([r for r in caplog.records if "marked" in r.getMessage()]) == 1
    assert len([r for r in caplog.records if "applied" in r.getMessage()]) == LATEST


OPEN_AND_COUNT = textwrap.dedent("""
    import asyncio, logging, sys
    from datetime import date
    from bot.state.postgres import PostgresStateStore

    async def main():
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
        async with PostgresStateStore(sys.argv[1]) as state:
            taken = [await state.take_budget(5, date(2026, 1, 1), 12) for _ in range(5)]
            print(sum(t is not None for t in taken))

    asyncio.run(main())
""")


def test_processes_starting_at_once_migrate_once_and_share_the_budget(dsn: str) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", OPEN_AND_COUNT, dsn], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(5)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 5, outputs
    assert sum(int(out) for out, _ in outputs) == 12  # the budget held across processes
    logs = "".join(err for _, err in outputs)
    assert logs.count("applied") == LATEST and logs.count("marked as Notecast's") == 1
    assert _password(dsn) not in logs


# --------------------------------------------------------------------------- refusals

async def test_a_schema_newer_than_the_code_is_refused_and_left_as_it_is(dsn: str) -> None:
    async with PostgresStateStore(dsn) as state:
        await state.put_summary(KEY, "kept", datetime.now(UTC))
    await _query(dsn, "UPDATE notecast_schema SET version = $1", LATEST + 3)
    before = await _snapshot(dsn)
    with pytest.raises(StateTooNew) as caught:
        await PostgresStateStore(dsn).open()
    message = str(caught.value)
    assert "\n" not in message and _password(dsn) not in message
    assert f"version {LATEST + 3}" in message and "newer" in message and "NOTECAST_STATE_DSN" in message
    assert await _snapshot(dsn) == before


FOREIGN = {
    "another program's tables": ["CREATE TABLE invoices (id SERIAL PRIMARY KEY, total NUMERIC)",
                                 "INSERT INTO invoices (total) VALUES (12.5)"],
    "a view only": ["CREATE VIEW answers AS SELECT 42 AS answer"],
    "a sequence only": ["CREATE SEQUENCE tickets"],
    "a marker table of another shape": ["CREATE TABLE notecast_schema (id INTEGER)",
                                        "INSERT INTO notecast_schema VALUES (1)"],
    "another application's marker": [
        "CREATE TABLE notecast_schema (application TEXT PRIMARY KEY, version INTEGER NOT NULL)",
        "INSERT INTO notecast_schema VALUES ('somebody-else', 1)"],
    "a marker with two rows": [
        "CREATE TABLE notecast_schema (application TEXT PRIMARY KEY, version INTEGER NOT NULL)",
        "INSERT INTO notecast_schema VALUES ('notecast-state', 1), ('other', 2)"],
}


@pytest.mark.parametrize("kind", list(FOREIGN))
async def test_a_schema_that_is_not_ours_is_refused_and_untouched(dsn: str, kind: str) -> None:
    for statement in FOREIGN[kind]:
        await _query(dsn, statement)
    before = await _snapshot(dsn)
    with pytest.raises(ForeignStateFile) as caught:
        await PostgresStateStore(dsn).open()
    message = str(caught.value)
    assert "\n" not in message and _password(dsn) not in message
    assert "not a Notecast state database" in message and "127.0.0.1" in message
    assert await _snapshot(dsn) == before


async def test_a_search_path_with_no_schema_says_so(postgres_dsn: str) -> None:
    dsn = f"{postgres_dsn}{'&' if '?' in postgres_dsn else '?'}search_path=no_such_schema_here"
    with pytest.raises(StateError, match="names no schema that exists"):
        await PostgresStateStore(dsn).open()


# --------------------------------------------------------------------------- the DSN's password

async def test_the_password_is_in_no_log_and_the_host_and_database_are(
        dsn: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with PostgresStateStore(dsn) as state:
        assert _password(dsn) not in repr(state)
        await state.take_budget(1, date(2026, 1, 1), 1)
    assert _password(dsn) not in caplog.text
    opened = [r.getMessage() for r in caplog.records if r.getMessage().startswith("state database: ")]
    assert len(opened) == 1 and "on 127.0.0.1:" in opened[0] and "database postgres" in opened[0]


def _with(dsn: str, **parts: Any) -> str:
    split = urllib.parse.urlsplit(dsn)
    netloc = f"{parts.get('user', split.username)}:{parts.get('password', split.password)}@" \
             f"{split.hostname}:{parts.get('port', split.port)}"
    return urllib.parse.urlunsplit(split._replace(netloc=netloc))


async def _free_port() -> int:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = int(server.sockets[0].getsockname()[1])
    server.close()
    await server.wait_closed()
    return port


async def test_a_server_that_cannot_be_reached_or_refuses_is_one_line_without_the_password(
        postgres_dsn: str) -> None:
    wrong = "s3cret-%2F-wrong"
    closed = await _free_port()
    for bad in (_with(postgres_dsn, password=wrong), _with(postgres_dsn, password=wrong, port=closed),
                f"mysql://someone:{wrong}@127.0.0.1/db", f"postgresql://someone:{wrong}@127.0.0.1:99999/db"):
        with pytest.raises(StateError) as caught:
            await PostgresStateStore(bad).open()
        message = str(caught.value)
        assert "\n" not in message and "Traceback" not in message
        assert wrong not in message and "s3cret-/-wrong" not in message, message
        assert message.startswith("cannot use the state database"), message


# --------------------------------------------------------------------------- the settings choose

async def test_the_settings_choose_postgresql_when_a_dsn_is_set(dsn: str, tmp_path: Path) -> None:
    plain = replace(Settings(), db=tmp_path / "cache.db")
    assert isinstance(open_configured_state(plain), SQLiteStateStore)
    shared = replace(plain, state_dsn=Secret(dsn))
    async with open_configured_state(shared) as state:
        assert isinstance(state, PostgresStateStore)
        assert await state.take_budget(1, date(2026, 1, 1), 2) == 1
    assert not (tmp_path / "notecast-state.db").exists()
    assert await _query(dsn, "SELECT used FROM summary_budget") == [(1,)]

