"""The state store in SQLite: one file, one writer connection (aiosqlite), WAL.

Open: the file is proven ours or created whole (:mod:`bot.state.files`) and proven
writable by this process, before SQLite opens it (SQLite would open it read-only without a
word) and again by SQLite itself, with a write rolled back: a store that cannot keep what
it is given refuses to open rather than fail at every write later. Every SQLite error
while opening is a one-line :class:`~bot.state.errors.StateError`. Then each
migration above its ``user_version`` is applied in a transaction of its own, begun with
``BEGIN IMMEDIATE`` and the version read again inside it, so that processes opening the
same file at once apply each migration exactly once. A file newer than this code is
refused, never downgraded. ``synchronous = FULL``: what is committed here survives a power
cut (the notes cache, which can be rebuilt, makes do with NORMAL).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.config import legacy_state_db, state_data_dir
from bot.state import files
from bot.state.errors import (
    StateError,
    StateMigrationFailed,
    StateTooNew,
    StateUnusable,
    StateUnwritable,
)
from bot.state.migrations import LATEST, MIGRATIONS
from bot.state.sqlite_schedules import SQLiteSchedules
from bot.state.store import WHOLE_NOTE, SummaryKey

log = logging.getLogger(__name__)

PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 10000",
)

GET_SUMMARY = """
SELECT summary FROM summary_cache
WHERE content_hash = :content_hash AND section_index = :section_index
  AND length = :length AND model = :model
"""
PUT_SUMMARY = """
INSERT INTO summary_cache (content_hash, section_index, length, model, summary, created_at)
VALUES (:content_hash, :section_index, :length, :model, :summary, :created_at)
ON CONFLICT (content_hash, section_index, length, model)
DO UPDATE SET summary = excluded.summary, created_at = excluded.created_at
"""
TAKE_BUDGET = """
INSERT INTO summary_budget (guild_id, day, used) VALUES (:guild_id, :day, 1)
ON CONFLICT (guild_id, day) DO UPDATE SET used = used + 1 WHERE used < :limit
RETURNING used
"""
BUDGET_USED = "SELECT used FROM summary_budget WHERE guild_id = :guild_id AND day = :day"
PROVE_WRITABLE = "PRAGMA user_version = {version}"  # (its own value, in a transaction rolled back)

# SQLite's primary result codes that mean "this process may not write there"
PERMISSION_CODES = frozenset({sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM})
_warned_legacy: set[Path] = set()  # state files in the cache folder, warned about once


class SQLiteStateStore(SQLiteSchedules):
    """The :class:`~bot.state.store.StateStore` of one process, in an SQLite file (the
    quote of the day's methods in :mod:`bot.state.sqlite_schedules`)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.version = 0  # the file's version once open
        self._db: aiosqlite.Connection | None = None
        # one connection: a statement must never run inside another task's transaction
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> SQLiteStateStore:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ lifecycle

    async def open(self) -> None:
        if self._db is not None:
            return
        if not await asyncio.to_thread(files.check_ownership, self.path):
            await asyncio.to_thread(files.create, self.path)
            await asyncio.to_thread(files.check_ownership, self.path)  # (whoever made it)
        await asyncio.to_thread(files.check_writable, self.path)
        await asyncio.to_thread(_warn_about_the_old_default, self.path)
        try:
            db = await aiosqlite.connect(f"{self.path.resolve().as_uri()}?mode=rw", uri=True,
                                         isolation_level=None)
        except sqlite3.Error as exc:
            raise self._failure("opening it", exc) from None
        try:
            for pragma in PRAGMAS:
                await self._step(db, f"{pragma} failed", pragma)
            await self._prove_writable(db)
            self.version = await self._migrate(db)
        except BaseException:
            await db.close()  # (else its thread keeps the process alive)
            raise
        self._db = db

    async def _prove_writable(self, db: aiosqlite.Connection) -> None:
        """A write, rolled back: SQLite opens a file it may not write read-only, and only a
        write tells (``BEGIN IMMEDIATE`` alone succeeds on such a connection)."""
        await self._step(db, "cannot begin a write", "BEGIN IMMEDIATE")
        try:
            version = await self._user_version(db)
            await self._exec(db, PROVE_WRITABLE.format(version=int(version)))
        except sqlite3.Error as exc:
            raise self._failure("a test write failed", exc) from None
        finally:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await self._exec(db, "ROLLBACK")

    async def _step(self, db: aiosqlite.Connection, what: str, query: str) -> None:
        try:
            await self._exec(db, query)
        except sqlite3.Error as exc:
            raise self._failure(what, exc) from None

    def _failure(self, what: str, exc: sqlite3.Error) -> StateError:
        """The one-line error for an SQLite error while opening: :class:`StateUnwritable`
        when it is about permissions, :class:`StateUnusable` otherwise."""
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        failure = f"{what}: {exc}"
        if code in PERMISSION_CODES:
            return StateUnwritable(self.path, failure, files.user())
        if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            hint = "another process kept it locked; stop it, or try again"
        else:
            hint = f"check it (sqlite3 {self.path} 'PRAGMA integrity_check') or restore a backup"
        return StateUnusable(self.path, failure, files.user(), hint)

    async def aclose(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            await db.close()

    async def _migrate(self, db: aiosqlite.Connection) -> int:
        try:
            version = await self._user_version(db)
        except sqlite3.Error as exc:
            raise self._failure("reading its version failed", exc) from None
        if version > LATEST:
            raise StateTooNew(self.path, version, LATEST)
        for migration in MIGRATIONS:
            if migration.version <= version:
                continue
            await self._step(db, f"cannot begin migration {migration.version}", "BEGIN IMMEDIATE")
            try:
                version = await self._user_version(db)  # (another process may have been first)
                if version > LATEST:
                    raise StateTooNew(self.path, version, LATEST)
                if migration.version <= version:
                    await self._exec(db, "ROLLBACK")
                    continue
                for statement in migration.statements:
                    await self._exec(db, statement)
                await self._exec(db, f"PRAGMA user_version = {int(migration.version)}")
                await self._exec(db, "COMMIT")
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error, ValueError):
                    if db.in_transaction:
                        await self._exec(db, "ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StateMigrationFailed(self.path, migration.version, migration.name,
                                               str(exc)) from None
                raise
            version = migration.version
            log.info("state database %s: migration %d (%s) applied", self.path,
                     migration.version, migration.name)
        return version

    # ------------------------------------------------------------------ helpers

    @staticmethod
    async def _exec(db: aiosqlite.Connection, query: str, params: Any = None) -> None:
        cursor = await db.execute(query, params if params is not None else {})
        await cursor.close()

    @staticmethod
    async def _user_version(db: aiosqlite.Connection) -> int:
        async with db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    def _connection(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StateError(f"the state database {self.path} is not open")
        return self._db

    async def _one(self, query: str, params: dict[str, Any]) -> Any:
        async with self._lock, self._connection().execute(query, params) as cursor:
            row = await cursor.fetchone()
        return row[0] if row is not None else None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``async with state.transaction() as db``: statements that commit together (or
        not at all), with no other task's statement in between. For this backend's own
        methods: callers use the :class:`~bot.state.store.StateStore` interface."""
        async with self._lock:
            db = self._connection()
            await self._exec(db, "BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                with contextlib.suppress(sqlite3.Error, ValueError):
                    await self._exec(db, "ROLLBACK")
                raise
            await self._exec(db, "COMMIT")

    # ------------------------------------------------------------------ summaries

    @staticmethod
    def _key(key: SummaryKey) -> dict[str, Any]:
        section = WHOLE_NOTE if key.section_index is None else key.section_index
        return {"content_hash": key.content_hash, "section_index": section,
                "length": key.length, "model": key.model}

    async def get_summary(self, key: SummaryKey) -> str | None:
        found = await self._one(GET_SUMMARY, self._key(key))
        return str(found) if found is not None else None

    async def put_summary(self, key: SummaryKey, summary: str, created_at: datetime) -> None:
        async with self._lock:
            stamp = created_at.astimezone(UTC).isoformat()
            await self._exec(self._connection(), PUT_SUMMARY,
                             {**self._key(key), "summary": summary, "created_at": stamp})

    # ------------------------------------------------------------------ budgets

    async def take_budget(self, guild_id: int, day: date, limit: int) -> int | None:
        if limit <= 0:
            return None
        used = await self._one(TAKE_BUDGET, {"guild_id": guild_id, "day": day.isoformat(),
                                             "limit": limit})
        return int(used) if used is not None else None

    async def budget_used(self, guild_id: int, day: date) -> int:
        used = await self._one(BUDGET_USED, {"guild_id": guild_id, "day": day.isoformat()})
        return int(used) if used is not None else 0

    async def prune(self, *, summaries_before: datetime, budget_before: date) -> int:
        removed = 0
        async with self.transaction() as db:
            async with db.execute("DELETE FROM summary_cache WHERE created_at < :before",
                                  {"before": summaries_before.astimezone(UTC).isoformat()}) as cursor:
                removed += max(cursor.rowcount, 0)
            async with db.execute("DELETE FROM summary_budget WHERE day < :before",
                                  {"before": budget_before.isoformat()}) as cursor:
                removed += max(cursor.rowcount, 0)
        return removed


def _warn_about_the_old_default(path: Path) -> None:
    """Once a process, a WARNING when the state database is the one older Notecasts kept
    by default in the user's cache folder, which is safe to delete (it is still used there,
    never moved: see :attr:`bot.config.Settings.state_db_path`), or when such a file is
    left there, unused, beside the default one in use. Blocks: call it in a thread."""
    legacy = legacy_state_db()
    new = state_data_dir() / legacy.name
    if legacy in _warned_legacy:
        return
    if path.absolute() == legacy.absolute():
        _warned_legacy.add(legacy)
        log.warning("the state database %s is in the cache folder, which is safe to delete: "
                    "clearing it would lose every schedule and paid-for summary. Stop "
                    "Notecast, then move it, with any %s-wal and %s-shm files beside it, to "
                    "%s/ (where Notecast looks first), or set NOTECAST_STATE_DB to where it "
                    "should live", legacy, legacy.name, legacy.name, new.parent)
    elif path.absolute() == new.absolute() and os.path.lexists(legacy):
        _warned_legacy.add(legacy)
        log.warning("a state database an older Notecast kept in the cache folder, %s, is not "
                    "used: %s is. If the old one holds schedules you need, stop Notecast and "
                    "move it over the new one; else remove it", legacy, new)
