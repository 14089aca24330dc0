"""Read-only connections to the cache file for search queries, each in its own worker
thread (the queries never run on the event loop).

Searches never queue behind, or see the middle of, a sync on the cache's own connection,
and the two queries of one lookup run at the same time. A statement that runs longer than
:data:`QUERY_TIME_LIMIT` is interrupted (the caller gets no rows, not a wait). When the
cache file was replaced (another process's cold build renamed a new file into place), a
connection notices the new identity at its next query and reopens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from bot.search import sql
from bot.search.loading import connect_readonly, file_identity

log = logging.getLogger(__name__)

T = TypeVar("T")

READERS = 2  # read-only connections: the two full-text queries run side by side
QUERY_TIME_LIMIT = 0.5  # seconds a search statement may run before it is interrupted
# SQLite steps between two checks of that limit: each check takes the GIL, which a
# lookup's other thread holds for up to 5 ms at a time, so checks are kept rare
# (a million steps take a few milliseconds)
PROGRESS_STEPS = 1_000_000


class Readers:
    """A small pool of read-only connections in worker threads (they end with the
    interpreter even if :meth:`close` was never called)."""

    def __init__(self, path: Path, size: int = READERS) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="search-reader")
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._guard = threading.Lock()

    def _open(self) -> sqlite3.Connection:
        self._local.until = time.monotonic() + QUERY_TIME_LIMIT
        connection = connect_readonly(self.path)
        for pragma in sql.READER_PRAGMAS:
            connection.execute(pragma)
        deadline = self._local

        def over_time() -> int:
            return 1 if time.monotonic() > deadline.until else 0

        connection.set_progress_handler(over_time, PROGRESS_STEPS)
        with self._guard:
            self._opened.append(connection)
        return connection

    def _connection(self) -> sqlite3.Connection:
        identity = file_identity(self.path)
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None and self._local.identity != identity:
            log.info("search: %s was replaced: reopening a reader", self.path)
            with self._guard:
                if connection in self._opened:
                    self._opened.remove(connection)
            with contextlib.suppress(sqlite3.Error):
                connection.close()
            connection = None
        if connection is None:
            connection = self._open()
            self._local.connection = connection
            self._local.identity = identity
        return connection

    def _run(self, read: Callable[[sqlite3.Connection], T]) -> T:
        connection = self._connection()
        self._local.until = time.monotonic() + QUERY_TIME_LIMIT
        return read(connection)

    async def run(self, read: Callable[[sqlite3.Connection], T]) -> T:
        """``read(connection)`` in a worker thread, on one of the read-only connections,
        within :data:`QUERY_TIME_LIMIT` (a longer read is interrupted: ``sqlite3.Error``)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._run, read)

    def submit(self, read: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """:meth:`run` for a caller in a worker thread: ``read`` starts on a reader thread
        at once, its result is the future's (a worker never waits on the event loop)."""
        return self._executor.submit(self._run, read)

    async def fetch_all(self, statement: str, params: dict[str, Any]) -> list[Any]:
        return await self.run(lambda connection: connection.execute(statement, params).fetchall())

    def _close_all(self) -> None:
        self._executor.shutdown(wait=True)
        with self._guard:
            opened, self._opened = self._opened, []
        for connection in opened:
            with contextlib.suppress(sqlite3.Error):
                connection.close()

    async def close(self) -> None:
        """Let queries in flight finish, then close every connection."""
        await asyncio.to_thread(self._close_all)
