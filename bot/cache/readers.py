"""The commands' own read-only connections to the cache, apart from the sync's writer.

A small pool of :class:`sqlite3.Connection` opened ``mode=ro``, each used by one worker
thread at a time (never on the event loop). A read is one transaction (one WAL snapshot): it
sees the state before a sync's commit or after it, never half of it. Before each read a
connection checks the file's identity (st_dev, st_ino): when another build was swapped in
(by this process or another one, such as ``notecast index`` beside the bot) it reopens on
the new file, so no command fails and none answers from the replaced file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.cache import sql
from bot.cache.files import Identity
from bot.cache.records import CacheCounts, CacheStats, SkippedFile

log = logging.getLogger(__name__)

T = TypeVar("T")
READERS = 2
READER_PRAGMAS = (
    "PRAGMA query_only = 1",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA temp_store = MEMORY",
)
CORRUPT_CODES = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


class NoCacheFile(Exception):
    """There is no cache file to read (yet)."""


def is_corruption(exc: BaseException) -> bool:
    """A damaged file ("database disk image is malformed", "file is not a database")."""
    return isinstance(exc, sqlite3.DatabaseError) and getattr(
        exc, "sqlite_errorcode", None) in CORRUPT_CODES


class _Slot:
    def __init__(self) -> None:
        self.con: sqlite3.Connection | None = None
        self.identity: Identity | None = None

    def connection(self, path: Path) -> tuple[sqlite3.Connection, Identity]:
        """This slot's connection to the file now at ``path`` (reopened if it changed)."""
        try:
            info = os.stat(path)
        except FileNotFoundError:
            self.close()
            raise NoCacheFile(str(path)) from None
        identity = (info.st_dev, info.st_ino)
        if self.con is None or identity != self.identity:
            self.close()
            con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                  isolation_level=None, check_same_thread=False)
            try:
                for pragma in READER_PRAGMAS:
                    con.execute(pragma)
            except BaseException:
                con.close()
                raise
            self.con, self.identity = con, identity
        assert self.con is not None
        return self.con, identity

    def close(self) -> None:
        if self.con is not None:
            with contextlib.suppress(sqlite3.Error):
                self.con.close()
            self.con, self.identity = None, None


class ReaderPool:
    """Read-only connections to the cache file at ``path``, run in worker threads."""

    def __init__(self, path: Path, size: int = READERS) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(size, thread_name_prefix="notecast-reader")
        self._slots: asyncio.Queue[_Slot] | None = None
        self._size = size
        self._all: list[_Slot] = []
        self._closed = threading.Event()

    def _queue(self) -> asyncio.Queue[_Slot]:
        if self._slots is None:
            self._slots = asyncio.Queue()
            for _ in range(self._size):
                slot = _Slot()
                self._all.append(slot)
                self._slots.put_nowait(slot)
        return self._slots

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn(con)`` in one read transaction on a current connection, in a thread.
        Raises :class:`NoCacheFile` when there is no file, and the sqlite3 error if the
        read fails."""
        return (await self._run(fn))[1]

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> tuple[Identity, T]:
        if self._closed.is_set():
            raise RuntimeError("the cache's readers are closed")
        slots = self._queue()
        slot = await slots.get()
        loop = asyncio.get_running_loop()
        work = self._executor.submit(self._read, slot, fn)
        try:
            return await asyncio.wrap_future(work)
        finally:
            if work.done():
                slots.put_nowait(slot)
            else:  # cancelled while its thread reads: the slot is free when that ends
                work.add_done_callback(
                    lambda _: loop.call_soon_threadsafe(slots.put_nowait, slot))

    def _read(self, slot: _Slot, fn: Callable[[sqlite3.Connection], T]) -> tuple[Identity, T]:
        con, identity = slot.connection(self.path)
        try:
            con.execute("BEGIN")
            try:
                return identity, fn(con)
            finally:
                with contextlib.suppress(sqlite3.Error):
                    con.execute("COMMIT")
        except sqlite3.DatabaseError:
            slot.close()  # a fresh connection next time (the file may be rebuilt)
            raise

    async def token(self) -> tuple[int, int, int]:
        """(st_dev, st_ino, generation) of the cache file now; (0, 0, 0) with no file."""
        try:
            (dev, ino), generation = await self._run(read_generation)
        except NoCacheFile:
            return (0, 0, 0)
        return dev, ino, generation

    async def close(self) -> None:
        self._closed.set()
        await asyncio.to_thread(self._close_all)

    def _close_all(self) -> None:
        # reads in flight (of cancelled commands, say) finish first: closing a connection
        # while another thread runs a statement on it crashes the process
        self._executor.shutdown(wait=True)
        for slot in self._all:
            slot.close()


def read_generation(con: sqlite3.Connection) -> int:
    """The generation the cache records (0 for a file without one)."""
    try:
        row = con.execute(sql.GET_STATE_VALUE, {"key": "generation"}).fetchone()
    except sqlite3.OperationalError:  # no state table: not a finished cache
        return 0
    return int(row[0]) if row and row[0] else 0


# --------------------------------------------------------------------------- reads

def quick_check(path: Path) -> str | None:
    """``PRAGMA quick_check`` on a read-only connection: None when sound, else the
    problem. Blocks (seconds on a large cache): call it in a thread."""
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = con.execute("PRAGMA quick_check(5)").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        con.close()
    result = "; ".join(str(r[0]) for r in rows)
    return None if result == "ok" else result[:300]


def rows(con: sqlite3.Connection, query: str, params: dict[str, Any] | None,
          one: bool = False) -> list[sqlite3.Row]:
    cursor = con.cursor()
    cursor.row_factory = sqlite3.Row
    cursor.execute(query, params or {})
    return cursor.fetchmany(1) if one else cursor.fetchall()


def user_version(con: sqlite3.Connection) -> int:
    return int(con.execute("PRAGMA user_version").fetchone()[0])


def count_rows(con: sqlite3.Connection) -> CacheCounts:
    if user_version(con) != sql.SCHEMA_VERSION:
        return CacheCounts()
    return CacheCounts(*con.execute(sql.COUNTS).fetchone())


def read_stats(con: sqlite3.Connection) -> CacheStats:
    if user_version(con) != sql.SCHEMA_VERSION:
        return CacheStats(CacheCounts(), [], None, None, None)
    state = dict(con.execute(sql.GET_STATE).fetchall())
    skipped = [SkippedFile(r[0], r[1] or "") for r in con.execute(sql.SKIPPED_FILES)]
    file_count = sum(r[1] for r in con.execute(sql.FILE_KIND_COUNTS))
    last = state.get("last_sync_at")
    seconds = state.get("last_sync_seconds")
    return CacheStats(
        count_rows(con), skipped,
        datetime.fromisoformat(last) if last else None,
        float(seconds) if seconds else None,
        state.get("notes_dir"), file_count,
        refused=state.get("refused"), layout=state.get("layout"),
    )
