"""The notes cache: the vault, parsed, in SQLite, kept in step by :meth:`NotesCache.sync`.

Lifecycle (see docs/architecture.md):

* **open**: the path must be missing or provably ours (:mod:`bot.cache.files`), else
  :class:`~bot.cache.errors.ForeignCacheFile`. A writer also makes the folder (or says in
  one line why it cannot) and checks an existing cache with ``PRAGMA quick_check`` in a
  thread while readers already serve; a sync waits for it, and rebuilds a damaged cache.
  ``readonly=True`` never creates, deletes, migrates or writes anything.
* **readers**: commands read through their own read-only connections (:mod:`.readers`),
  one WAL snapshot per read, following the file when a build is swapped in.
* **sync**: only ``notecast index`` and the bot sync. Under a ``flock`` beside the cache, a
  sync is either a cold build (:mod:`.build`: a new file, swapped in with one rename) or an
  incremental one (:mod:`.incremental`: one transaction). It refuses a vault other than the
  one the cache records (unless ``rebuild``) and a vault that shrank (unless
  ``allow_shrink``); a damaged cache is rebuilt. Every sync that changes something bumps the
  stored **generation**; :meth:`NotesCache.token` tells readers what to watch.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.cache import files, sql
from bot.cache.derived import DerivedTables
from bot.cache.errors import (
    CacheDamaged,
    CacheError,
    CacheMissing,
    CacheOutdated,
    CacheReadOnly,
    CacheUnreadable,
    ForeignCacheFile,
    VaultMismatch,
    VaultShrank,
    VaultUnavailable,
)
from bot.cache.readers import (
    NoCacheFile,
    ReaderPool,
    count_rows,
    is_corruption,
    quick_check,
    read_stats,
    rows,
    user_version,
)
from bot.cache.records import CacheCounts, CacheStats, ProgressCallback, SkippedFile, SyncReport
from bot.cache.writes import (
    exec_,
    fetch_tuples,
    rebuild_outdated_derived,
    record_refusal,
    set_state,
)

__all__ = ["CacheCounts", "CacheError", "CacheStats", "ForeignCacheFile", "NotesCache",
           "ProgressCallback", "SkippedFile", "SyncReport", "VaultMismatch", "VaultShrank",
           "VaultUnavailable"]

log = logging.getLogger(__name__)

T = TypeVar("T")
RACY_SECONDS = 2  # files changed this recently are hashed again on the next sync
SHRINK_SHARE = 0.5  # a vault with fewer notes than this share of the cache's is refused


class NotesCache:
    """``async with NotesCache(path) as cache``: readers, and (unless ``readonly``) the
    writer that syncs. ``derived`` tables are built and updated with the notes."""

    def __init__(self, db_path: Path, *, workers: int = 0, readonly: bool = False,
                 derived: Sequence[DerivedTables] = ()) -> None:
        self.db_path = Path(db_path)
        self.workers = workers or max(1, os.cpu_count() or 1)
        self.readonly = readonly
        self.derived = tuple(derived)
        self.generation = 0  # the stored generation, as last read (see token())
        self.damaged = False  # a quick_check or a read found the file damaged
        self.damage_found = asyncio.Event()  # set when ``damaged`` becomes true
        self._readers: ReaderPool | None = None
        self._writer: aiosqlite.Connection | None = None
        self._writer_identity: files.Identity | None = None
        self._sync_lock = asyncio.Lock()
        self._check: asyncio.Future[None] | None = None

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> NotesCache:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def open(self) -> None:
        if self._readers is not None:
            return
        if self.readonly:
            ownership = await asyncio.to_thread(files.check_ownership, self.db_path)
            if not ownership.exists:
                raise CacheMissing(self.db_path)
            if ownership.user_version != sql.SCHEMA_VERSION:
                raise CacheOutdated(self.db_path, ownership.user_version)
        else:
            # ownership first: nothing is created beside a file that is not ours
            ownership = await asyncio.to_thread(files.prepare, self.db_path)
            if ownership.exists:  # checked while readers serve; a sync waits for it
                self._check = asyncio.ensure_future(self._quick_check())
        self._readers = ReaderPool(self.db_path)
        if ownership.exists:
            try:
                self.generation = (await self.token())[2]
            except CacheUnreadable:
                await self.close()
                raise
            except CacheDamaged:  # (marked damaged: the writer's next sync rebuilds it)
                if self.readonly:
                    raise

    async def close(self) -> None:
        if self._check is not None:  # (a thread: it cannot be cut short)
            await asyncio.gather(self._check, return_exceptions=True)
            self._check = None
        if self._readers is not None:
            await self._readers.close()
            self._readers = None
        await self._close_writer()  # last: it checkpoints and removes the WAL

    async def _close_writer(self) -> None:
        if self._writer is not None:
            await self._writer.close()
            self._writer, self._writer_identity = None, None

    async def _writer_connection(self) -> aiosqlite.Connection:
        """The sync's connection to the cache file as it is now (never creates it)."""
        identity = await asyncio.to_thread(files.identity, self.db_path)
        if self._writer is not None and identity != self._writer_identity:
            await self._close_writer()  # another process swapped a new build in
        if self._writer is None:
            db = await aiosqlite.connect(f"{self.db_path.resolve().as_uri()}?mode=rw",
                                         uri=True, isolation_level=None)
            try:
                db.row_factory = aiosqlite.Row
                for pragma in sql.CONNECTION_PRAGMAS:
                    await exec_(db, pragma)
            except BaseException:
                await db.close()  # else its thread keeps the process alive
                raise
            self._writer, self._writer_identity = db, identity
        return self._writer

    # ------------------------------------------------------------------ damage

    async def check(self) -> bool:
        """Wait for the check of the file at open (``PRAGMA quick_check``: 0.2 s for the whole
        vault's cache in the page cache, seconds from disk); True if it was sound (or
        absent) and no read has found it damaged since."""
        if self._check is not None:
            await asyncio.gather(self._check, return_exceptions=True)
        return not self.damaged

    async def _quick_check(self) -> None:
        problem = await asyncio.to_thread(quick_check, self.db_path)
        if problem is not None:
            self._mark_damaged(problem)

    def _mark_damaged(self, problem: str) -> None:
        if not self.damaged:
            log.error("%s", CacheDamaged(self.db_path, problem))
        self.damaged = True
        self.damage_found.set()

    async def _writer_found_damage(self, exc: sqlite3.DatabaseError) -> None:
        """The writer hit damage: mark the cache damaged and let go of it (a rebuild follows);
        any other database error goes on up."""
        if not is_corruption(exc):
            raise exc
        self._mark_damaged(str(exc))
        await self._close_writer()

    async def _on_read_error(self, exc: sqlite3.Error) -> None:
        if isinstance(exc, sqlite3.OperationalError) and "unable to open" in str(exc):
            raise CacheUnreadable(self.db_path, str(exc), files.user()) from None
        if is_corruption(exc):  # (checked once: the cache is rebuilt by the next sync)
            problem = None if self.damaged else await asyncio.to_thread(quick_check, self.db_path)
            self._mark_damaged(problem or str(exc))
            raise CacheDamaged(self.db_path, problem or str(exc)) from None

    # ------------------------------------------------------------------ reads

    async def read(self, fn: Callable[[sqlite3.Connection], T], default: T) -> T:
        """``fn(con)`` on a reader connection, in one read transaction, in a thread;
        ``default`` when there is no cache file. A damaged file raises CacheDamaged."""
        if self._readers is None:
            raise RuntimeError("NotesCache is not open")
        try:
            return await self._readers.run(fn)
        except NoCacheFile:
            return default
        except sqlite3.Error as exc:
            await self._on_read_error(exc)
            raise

    async def token(self) -> tuple[int, int, int]:
        """(st_dev, st_ino, generation) of the cache file: when it changes, what readers
        hold in memory is stale. One stat and one indexed read in a reader thread."""
        if self._readers is None:
            raise RuntimeError("NotesCache is not open")
        try:
            token = await self._readers.token()
        except sqlite3.Error as exc:
            await self._on_read_error(exc)
            raise
        self.generation = token[2]
        return token

    async def fetch_all(self, query: str, params: dict[str, Any] | None = None) -> list[Any]:
        """Rows (:class:`sqlite3.Row`) of a read-only query."""
        return await self.read(lambda con: rows(con, query, params), [])

    async def fetch_one(self, query: str, params: dict[str, Any] | None = None) -> Any:
        found: list[sqlite3.Row] = await self.read(
            lambda con: rows(con, query, params, one=True), [])
        return found[0] if found else None

    async def is_ready(self) -> bool:
        """True when the cache holds a complete, sound build of this schema."""
        if self.damaged:
            return False
        try:
            version = await self.read(user_version, 0)
        except CacheDamaged:
            return False
        return version == sql.SCHEMA_VERSION

    async def counts(self) -> CacheCounts:
        return await self.read(count_rows, CacheCounts())

    async def stats(self) -> CacheStats:
        return await self.read(read_stats, CacheStats(CacheCounts(), [], None, None, None))

    # ------------------------------------------------------------------ sync

    async def sync(self, notes_dir: Path, *, progress: ProgressCallback | None = None,
                   rebuild: bool = False, allow_shrink: bool = False) -> SyncReport:
        """Bring the cache in step with ``notes_dir``. Safe to call at any time, from any
        number of tasks (they take turns); never leaves a half-written cache behind.

        Raises :class:`VaultMismatch` when the cache records another vault (unless
        ``rebuild``: then it is built anew from this one), :class:`VaultShrank` when the
        vault holds no notes or under half of the cache's (unless ``allow_shrink``), and
        :class:`VaultUnavailable` when the vault cannot be read; the cache is then left as
        it was (the refusal is recorded for ``stats``)."""
        if self.readonly:
            raise CacheReadOnly(self.db_path)
        if self._readers is None:
            raise RuntimeError("NotesCache is not open")
        async with self._sync_lock:
            lock = files.FileLock(files.lock_path(self.db_path))
            acquiring = asyncio.ensure_future(asyncio.to_thread(lock.acquire))
            try:
                await asyncio.shield(acquiring)
            except BaseException:  # cancelled while waiting: let go once it is taken
                acquiring.add_done_callback(lambda _: lock.release())
                raise
            try:
                return await self._sync_locked(notes_dir, progress, rebuild, allow_shrink)
            finally:
                lock.release()

    async def _sync_locked(self, notes_dir: Path, progress: ProgressCallback | None,
                           rebuild: bool, allow_shrink: bool) -> SyncReport:
        # the writer's machinery (scan, parser, process pool) is imported by a sync only: a
        # read-only lookup process never loads it
        from bot.vault.scan import scan_vault

        started = time.perf_counter()
        racy_after_ns = time.time_ns() - RACY_SECONDS * 1_000_000_000
        root = await asyncio.to_thread(os.path.realpath, notes_dir)
        # the vault is scanned while the check of the cache (at open) finishes
        scanning = asyncio.ensure_future(asyncio.to_thread(scan_vault, Path(root)))
        try:
            return await self._sync_scanning(notes_dir, root, scanning, progress, rebuild,
                                             allow_shrink, started, racy_after_ns)
        finally:
            if not scanning.done():
                scanning.cancel()
            elif not scanning.cancelled():
                scanning.exception()  # (retrieved: an unread error is logged otherwise)

    async def _sync_scanning(self, notes_dir: Path, root: str, scanning: asyncio.Future[Any],
                             progress: ProgressCallback | None, rebuild: bool,
                             allow_shrink: bool, started: float,
                             racy_after_ns: int) -> SyncReport:
        await self.check()  # (the vault is scanned meanwhile)
        ownership = await asyncio.to_thread(files.check_ownership, self.db_path)
        state: dict[str, str] = {}
        cache_notes = 0
        db: aiosqlite.Connection | None = None
        if ownership.exists and not self.damaged:
            try:
                db = await self._writer_connection()
                if ownership.user_version == sql.SCHEMA_VERSION:
                    state = dict(await fetch_tuples(db, sql.GET_STATE))
                    cache_notes = (await fetch_tuples(db, sql.COUNT_NOTES))[0][0]
            except sqlite3.DatabaseError as exc:
                await self._writer_found_damage(exc)
                db, state = None, {}
        recorded = state.get("notes_dir")
        if recorded is not None and recorded != root and not rebuild:
            mismatch = VaultMismatch(self.db_path, recorded, root)
            await self._refuse(db, mismatch)
            raise mismatch
        try:
            scan = await scanning
        except OSError as exc:
            error = VaultUnavailable(f"{notes_dir}: {exc.strerror or exc}")
            await self._refuse(db, error)
            raise error from exc
        same_vault = recorded == root
        vault_notes = sum(1 for f in scan.files if f.kind == "note")
        if (same_vault and cache_notes and not allow_shrink
                and (vault_notes == 0 or vault_notes < SHRINK_SHARE * cache_notes)):
            shrank = VaultShrank(root, vault_notes, cache_notes)
            await self._refuse(db, shrank)
            raise shrank
        layout = getattr(scan, "layout", None) or None
        report: SyncReport | None = None
        cold_reason = "cold"
        if db is not None and same_vault and not rebuild:
            cold_reason = "rebuild"
            from bot.cache.incremental import incremental_sync

            try:
                report = await incremental_sync(db, root, scan, progress, workers=self.workers,
                                                racy_after_ns=racy_after_ns, derived=self.derived)
            except sqlite3.DatabaseError as exc:
                await self._writer_found_damage(exc)
                db, state = None, {}
        elif state or self.damaged:
            cold_reason = "rebuild"
        if report is None:  # a first build, a rebuild, or so many changes that it is faster
            report = await self._cold(db, root, scan, progress, state, racy_after_ns, layout)
            report.mode = cold_reason
        elif self.derived:
            await rebuild_outdated_derived(self._writer or db, self.derived)
        report.seconds = time.perf_counter() - started
        writer = await self._writer_connection()
        await exec_(writer, "BEGIN IMMEDIATE")
        await set_state(writer, "last_sync_seconds", f"{report.seconds:.3f}")
        await set_state(writer, "last_sync_at", datetime.now(UTC).isoformat())  # (changed or not)
        await set_state(writer, "layout", layout)
        await set_state(writer, "refused", None)
        if ownership.legacy and report.mode == "incremental":  # marked ours from now on
            await exec_(writer, f"PRAGMA application_id = {sql.APPLICATION_ID}")
        await exec_(writer, "COMMIT")
        report.counts = await self.counts()
        await self.token()
        log.info(
            "sync (%s) of %s: %d parsed, %d unchanged, %d removed, %d skipped in %.2fs",
            report.mode, notes_dir, report.parsed, report.unchanged, report.removed,
            len(report.skipped), report.seconds,
        )
        return report

    async def _cold(self, db: aiosqlite.Connection | None, root: str, scan: Any,
                    progress: ProgressCallback | None, state: dict[str, str],
                    racy_after_ns: int, layout: str | None) -> SyncReport:
        from bot.cache.build import build_anew

        report = await build_anew(
            self.db_path, db, root, scan, progress, state=state, generation=self.generation,
            racy_after_ns=racy_after_ns, layout=layout, workers=self.workers,
            derived=self.derived, before_swap=self._close_writer)
        self.damaged = False
        self.damage_found.clear()
        return report

    async def _refuse(self, db: aiosqlite.Connection | None, error: CacheError) -> None:
        log.warning("sync refused: %s", error)
        if db is not None:
            await record_refusal(db, str(error))

