"""The one snapshot holder that the three search services share.

A snapshot is built in a worker thread from its own read-only connection and swapped in
whole: the old snapshot answers every query until then. Only the very first load (nothing
to answer from yet) is awaited. A change of the cache is noticed by its token
``(st_dev, st_ino, generation)``, so a file replaced by another process counts too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from bot.cache.store import NotesCache
from bot.search.loading import build_snapshot
from bot.search.readers import Readers
from bot.search.snapshot import Snapshot, Token

log = logging.getLogger(__name__)

T = TypeVar("T")
D = TypeVar("D")

FRESH_WAIT_SECONDS = 0.5  # how long a query waits for a reload under way (never longer)
RECHECK_SECONDS = 1.0  # how often a synchronous caller (autocomplete) checks the cache token

Builder = Callable[[Path, Token], Snapshot]


class SearchIndex:
    """Holds the current :class:`Snapshot` and the reader connections for one cache."""

    def __init__(self, cache: NotesCache, *, builder: Builder | None = None) -> None:
        self.cache = cache
        self.builder: Builder = builder or build_snapshot
        self._snapshot: Snapshot | None = None
        self._readers: Readers | None = None
        self._lock = asyncio.Lock()
        self._pending: asyncio.Task[None] | None = None
        self._failed: Token | None = None  # a token whose build gave nothing usable
        self._checked_at = 0.0

    @property
    def ready(self) -> bool:
        return self._snapshot is not None and self._snapshot.ready

    async def token(self) -> Token:
        """What identifies the cache's state: (device, inode, generation) of its file."""
        return await self.cache.token()

    async def snapshot(self) -> Snapshot:
        """The snapshot to answer from. Awaited only for the very first load; when the
        cache moved on, a new snapshot is built in the background and this one answers."""
        current = self._snapshot
        if current is None:
            await self.refresh()
            assert self._snapshot is not None
            return self._snapshot
        try:
            token = await self.token()
        except Exception as exc:  # a damaged or closing cache: answer from what we have
            log.warning("search: cannot read the cache's token (%s): the loaded index answers",
                        exc)
            return current
        if token != current.token and token != self._failed:
            self._schedule()
            pending = self._pending
            if pending is not None:  # a reload from the stored arrays takes ~0.3 s: give
                # it a short while, so the next answer is fresh; past that, the old answers
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(pending), FRESH_WAIT_SECONDS)
            return self._snapshot or current
        return current

    def current(self) -> Snapshot | None:
        """The snapshot for synchronous callers (autocomplete); at most once a second it
        schedules a check of the cache's token (and a reload when it moved)."""
        now = time.monotonic()
        if self._snapshot is None or now - self._checked_at >= RECHECK_SECONDS:
            self._checked_at = now
            self._schedule()
        return self._snapshot

    def _schedule(self) -> None:
        if self._pending is not None and not self._pending.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._pending = loop.create_task(self._background_refresh())

    async def _background_refresh(self) -> None:
        try:
            await self.refresh()
        except Exception:
            log.exception("search: reloading the index failed; the previous one answers")

    async def refresh(self, *, force: bool = False) -> None:
        """Build a snapshot of the cache as it is now (in a thread) and swap it in; cheap
        when nothing changed. Queries keep answering from the old snapshot meanwhile."""
        async with self._lock:
            current = self._snapshot
            try:
                token = await self.token()
            except Exception as exc:  # a damaged or closed cache: nothing new to load
                log.warning("search: cannot read the cache's token (%s)", exc)
                if current is None:
                    self._snapshot = Snapshot((0, 0, -1))
                return
            if not force and current is not None and current.token == token:
                return
            started = time.perf_counter()
            fresh = await asyncio.to_thread(self.builder, self.cache.db_path, token)
            if fresh.ready or current is None or not current.ready:
                self._snapshot = fresh
                self._failed = None
            else:  # e.g. the file is being replaced: keep answering from what we had
                self._failed = token
            if fresh.ready and self._readers is None:
                self._readers = Readers(self.cache.db_path)
            log.debug("search: snapshot %s swapped in after %.2fs", token,
                      time.perf_counter() - started)

    async def fetch(self, statement: str, params: dict[str, Any]) -> list[Any]:
        """Rows of a read-only query. Errors are logged and give no rows (a corrupt or
        missing index must not break a command)."""
        readers = self._readers
        if readers is None:
            return []
        try:
            return await readers.fetch_all(statement, params)
        except sqlite3.Error as exc:
            log.warning("search: query failed: %s", exc)
            return []

    async def read(self, read: Callable[[sqlite3.Connection], T], default: T) -> T:
        """``read(connection)`` on a read-only connection in a worker thread; ``default``
        when there are no readers yet or the read fails (logged)."""
        readers = self._readers
        if readers is None:
            return default
        try:
            return await readers.run(read)
        except sqlite3.Error as exc:
            log.warning("search: query failed: %s", exc)
            return default

    def submit(self, read: Callable[[sqlite3.Connection], T]) -> Future[T] | None:
        """``read(connection)`` started on a read-only connection's thread, for a caller in
        a worker thread that takes its result with :meth:`collect` (``None``: no readers,
        or they are closing)."""
        readers = self._readers
        if readers is None:
            return None
        try:
            return readers.submit(read)
        except RuntimeError:  # the pool is shutting down
            return None

    @staticmethod
    def collect(future: Future[T] | None, read: Callable[[sqlite3.Connection], T],
                connection: sqlite3.Connection | None, default: D) -> T | D:
        """What :meth:`submit` started, from a caller that holds a reader ``connection``
        (it runs in a reader thread): when no reader has taken the read up yet (both
        busy, or not yet scheduled on a busy machine) or it could not be started, the
        caller runs it here instead of waiting in the queue, which also means two lookups
        in the two readers never wait for each other. ``default`` when the read failed
        (logged, as :meth:`read`) or when there is no connection and no future."""
        try:
            if future is None or (connection is not None and future.cancel()):
                return default if connection is None else read(connection)
            return future.result()
        except sqlite3.Error as exc:
            log.warning("search: query failed: %s", exc)
            return default

    async def aclose(self) -> None:
        """Wait for a reload in flight, then close the reader connections."""
        if self._pending is not None:
            with contextlib.suppress(Exception):
                await self._pending
        async with self._lock:
            readers, self._readers = self._readers, None
            self._snapshot = None
        if readers is not None:
            await readers.close()
