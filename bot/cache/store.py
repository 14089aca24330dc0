"""The notes cache: the vault, parsed, in SQLite (aiosqlite), kept in step by :meth:`sync`.

Two ways to sync, both atomic:

* **cold build** (no cache yet, another schema version, or another vault): the whole
  vault is parsed by a process pool and written to a new file beside the cache, which then
  replaces the old one in one ``rename``. A crash leaves the old file as it was.
* **incremental** (the usual case): files whose size and mtime are unchanged are skipped
  without being read; the others are hashed, and only real changes are parsed. All writes
  go in one transaction; readers (WAL) see the previous state until it commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import multiprocessing
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import aiosqlite

from bot.cache import sql
from bot.cache.loader import (
    LoadJob,
    LoadResult,
    load_batch,
    load_batch_into_part,
    load_batch_packed,
    unpack_results,
)
from bot.vault.scan import VaultFile, VaultScan, scan_vault

log = logging.getLogger(__name__)

BATCH_SIZE = 128
RACY_SECONDS = 2  # files changed this recently are hashed again on the next sync
RACY_MTIME = -1  # the mtime stored for them
SEARCH_CHUNK_NOTES = 2500  # notes added to the search index per statement in a cold build
WORKER_NICENESS = 10  # added to the parse workers' niceness (see _lower_priority)
POOL_THRESHOLD = 300  # fewer changed files than this are parsed in a thread
# when at least this many files, and this share of them, changed, a sync builds anew
REBUILD_MIN_FILES = POOL_THRESHOLD
REBUILD_SHARE = 0.1  # (21k notes: updating 2,000 in place takes as long as a new build)
# batches parsed or waiting to be written, per worker: enough that the workers never wait
# while the writer indexes a chunk for search (a batch in flight is small: its child rows
# are in the worker's part file)
IN_FLIGHT_PER_WORKER = 6

ProgressCallback = Callable[[int, int], None]


@dataclass(slots=True)
class SkippedFile:
    path: str
    reason: str


@dataclass(slots=True)
class CacheCounts:
    notes: int = 0
    channels: int = 0
    hubs: int = 0
    episodes: int = 0
    sections: int = 0
    links: int = 0
    timestamps: int = 0
    repaired_timestamps: int = 0
    blockquotes: int = 0


@dataclass(slots=True)
class CacheStats:
    """What ``notecast stats`` and ``/stats`` show."""

    counts: CacheCounts
    skipped: list[SkippedFile]
    last_sync: datetime | None
    last_sync_seconds: float | None
    notes_dir: str | None
    files: int = 0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = asdict(self.counts)
        out["files"] = self.files
        out["skipped"] = [{"path": s.path, "reason": s.reason} for s in self.skipped]
        out["last_sync"] = self.last_sync.isoformat() if self.last_sync else None
        out["last_sync_seconds"] = self.last_sync_seconds
        out["notes_dir"] = self.notes_dir
        return out


@dataclass(slots=True)
class SyncReport:
    """What one sync did; ``notecast index --json`` prints it."""

    mode: str  # cold | incremental | rebuild (a cold build because most files changed)
    counts: CacheCounts
    files: int = 0
    parsed: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = asdict(self.counts)
        out.update(
            mode=self.mode, files=self.files, parsed=self.parsed, unchanged=self.unchanged,
            removed=self.removed,
            skipped=[{"path": s.path, "reason": s.reason} for s in self.skipped],
            seconds=round(self.seconds, 3),
        )
        return out


class VaultUnavailable(RuntimeError):
    """The notes folder is missing or unreadable; the cache was left as it was."""


class NotesCache:
    """Owns the SQLite connection. Use ``async with NotesCache(path) as cache``."""

    def __init__(self, db_path: Path, *, workers: int = 0) -> None:
        self.db_path = Path(db_path)
        self.workers = workers or max(1, os.cpu_count() or 1)
        self._db: aiosqlite.Connection | None = None
        self._sync_lock = asyncio.Lock()
        self.generation = 0  # bumped after every sync that changed something
        self._inode: int | None = None
        self._racy_after_ns = 0

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> NotesCache:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def open(self) -> None:
        if self._db is not None:
            return
        await asyncio.to_thread(self._prepare_folder)
        try:
            self._db = await self._connect(self.db_path)
            current = await self._schema_is_current(self._db)
        except sqlite3.DatabaseError as exc:
            # derived data: a damaged cache is thrown away and built again
            log.warning("notes cache %s is unreadable (%s): starting a new one", self.db_path, exc)
            await self.close()
            await asyncio.to_thread(_remove_database, self.db_path)
            self._db = await self._connect(self.db_path)
            current = False
        self._inode = await asyncio.to_thread(_inode, self.db_path)
        if not current:
            log.info("notes cache %s is new or of another version: it will be rebuilt",
                     self.db_path)

    def _prepare_folder(self) -> None:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_builds(self.db_path)

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("NotesCache is not open")
        return self._db

    async def _connect(self, path: Path) -> aiosqlite.Connection:
        db = await aiosqlite.connect(path, isolation_level=None)
        try:
            db.row_factory = aiosqlite.Row
            for pragma in sql.CONNECTION_PRAGMAS:
                await _exec(db, pragma)
        except BaseException:
            await db.close()  # else its thread keeps the process alive
            raise
        return db

    @staticmethod
    async def _schema_is_current(db: aiosqlite.Connection) -> bool:
        async with db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return row is not None and row[0] == sql.SCHEMA_VERSION

    async def is_ready(self) -> bool:
        """True when the cache holds a complete build (of this schema)."""
        return await self._schema_is_current(self.db)

    def _build_path(self) -> Path:
        """This process's side file for a cold build (another process may build its own)."""
        return self.db_path.with_name(f"{self.db_path.name}.building-{os.getpid()}")

    # ------------------------------------------------------------------ reads

    async def fetch_all(self, query: str, params: dict[str, Any] | None = None) -> list[Any]:
        async with self.db.execute(query, params or {}) as cursor:
            return list(await cursor.fetchall())

    async def _fetch_tuples(self, query: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """:meth:`fetch_all` as plain tuples: several times cheaper for many rows."""
        async with self.db.execute(query, params or {}) as cursor:
            cursor.row_factory = None  # (read when rows are fetched)
            return cast(list[tuple[Any, ...]], await cursor.fetchall())

    async def fetch_one(self, query: str, params: dict[str, Any] | None = None) -> Any:
        async with self.db.execute(query, params or {}) as cursor:
            return await cursor.fetchone()

    async def _state(self) -> dict[str, str]:
        return {row[0]: row[1] for row in await self.fetch_all(sql.GET_STATE)}

    async def counts(self) -> CacheCounts:
        if not await self.is_ready():
            return CacheCounts()
        row = await self.fetch_one(sql.COUNTS)
        return CacheCounts(**dict(row))

    async def stats(self) -> CacheStats:
        if not await self.is_ready():
            return CacheStats(CacheCounts(), [], None, None, None)
        state = await self._state()
        skipped = [SkippedFile(r[0], r[1] or "") for r in await self.fetch_all(sql.SKIPPED_FILES)]
        files = sum(r[1] for r in await self.fetch_all(sql.FILE_KIND_COUNTS))
        last = state.get("last_sync_at")
        seconds = state.get("last_sync_seconds")
        return CacheStats(
            await self.counts(), skipped,
            datetime.fromisoformat(last) if last else None,
            float(seconds) if seconds else None,
            state.get("notes_dir"), files,
        )

    # ------------------------------------------------------------------ sync

    async def sync(self, notes_dir: Path, *, progress: ProgressCallback | None = None) -> SyncReport:
        """Bring the cache in step with ``notes_dir``. Safe to call at any time, from any
        number of tasks (they take turns); never leaves a half-written cache behind."""
        async with self._sync_lock, _FileLock(self.db_path.with_name(self.db_path.name + ".lock")):
            started = time.perf_counter()
            self._racy_after_ns = time.time_ns() - RACY_SECONDS * 1_000_000_000
            if await asyncio.to_thread(_inode, self.db_path) != self._inode:
                await self.close()  # another process replaced the cache: read the new one
                await self.open()
            root = await asyncio.to_thread(os.path.realpath, notes_dir)
            state = await self._state() if await self.is_ready() else {}
            cold = not state or state.get("notes_dir") != root
            try:
                scan = await asyncio.to_thread(scan_vault, Path(root))
            except OSError as exc:
                raise VaultUnavailable(f"{notes_dir}: {exc.strerror or exc}") from exc
            report = None if cold else await self._incremental(root, scan, progress)
            if report is None:  # a first build, or so many changes that a new build is faster
                # ids go on from the old cache's, so that none comes to mean another note
                first_id = (await self.fetch_one(sql.NEXT_NOTE_ID))[0] if state else 1
                # the parse workers import the parser while the new cache file is laid out
                many = sum(1 for f in scan.files if f.kind != "ignored") >= POOL_THRESHOLD
                pool = await self._start_pool() if many and self.workers > 1 else None
                report = await self._cold_build(root, scan, progress, pool, first_id)
                if not cold:
                    report.mode = "rebuild"
            report.seconds = time.perf_counter() - started
            await _exec(self.db, sql.SET_STATE, {"key": "last_sync_seconds",
                                                  "value": f"{report.seconds:.3f}"})
            report.counts = await self.counts()
            if report.parsed or report.removed or report.mode != "incremental":
                self.generation += 1
            log.info(
                "sync (%s) of %s: %d parsed, %d unchanged, %d removed, %d skipped in %.2fs",
                report.mode, notes_dir, report.parsed, report.unchanged, report.removed,
                len(report.skipped), report.seconds,
            )
            return report

    async def _start_pool(self) -> ProcessPoolExecutor:
        """A pool of parse workers, started (they import the parser) but not waited for.
        Starting the fork server blocks for a while: not on the event loop."""
        return await asyncio.to_thread(_start_pool, self.workers)

    async def _load(
        self, root: str, jobs: list[LoadJob], progress: ProgressCallback | None,
        total: int, on_results: Callable[[list[LoadResult], str | None], Awaitable[None]],
        pool: ProcessPoolExecutor | None = None, parts_dir: Path | None = None,
    ) -> None:
        """Load jobs in batches and hand each batch's results to ``on_results``.

        Many jobs go to a process pool (both cores parse while this process writes); a
        few go to a thread. With ``parts_dir`` (a cold build), pool workers write each
        batch's child rows to a part file there, and ``on_results`` gets its path. A
        bounded number of batches is in flight, so memory stays flat however large the
        vault is.
        """
        done = 0
        if progress:
            progress(0, total)
        batches = [jobs[i : i + BATCH_SIZE] for i in range(0, len(jobs), BATCH_SIZE)]
        loop = asyncio.get_running_loop()
        if pool is None and len(jobs) >= POOL_THRESHOLD and self.workers > 1:
            pool = await self._start_pool()
        # Batches are submitted as soon as there is room, independently of writing, so
        # the workers never wait for the writer; at most ``room`` batches are parsed or
        # waiting to be written at once, which keeps memory flat.
        room = asyncio.Semaphore(IN_FLIGHT_PER_WORKER * self.workers if pool is not None else 2)
        finished: asyncio.Queue[asyncio.Future[Any]] = asyncio.Queue()

        async def submit_all() -> None:
            for batch in batches:
                await room.acquire()
                future: asyncio.Future[Any]
                if pool is None:
                    future = asyncio.ensure_future(asyncio.to_thread(load_batch, root, batch))
                elif parts_dir is None:
                    future = loop.run_in_executor(pool, load_batch_packed, root, batch)
                else:
                    future = loop.run_in_executor(pool, load_batch_into_part, root, batch, str(parts_dir))
                future.add_done_callback(finished.put_nowait)

        submitter = asyncio.create_task(submit_all())
        try:
            for _ in batches:
                outcome = (await finished.get()).result()
                part: str | None = None
                if pool is None:
                    results = outcome
                else:
                    part, packed = outcome
                    results = unpack_results(packed)
                await on_results(results, part)
                room.release()
                done += len(results)
                if progress:
                    progress(done, total)
            await submitter
        finally:
            submitter.cancel()
            if pool is not None:  # joining the workers blocks: not on the event loop
                await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    async def _cold_build(self, root: str, scan: VaultScan, progress: ProgressCallback | None,
                          pool: ProcessPoolExecutor | None = None, first_id: int = 1) -> SyncReport:
        """Build a new cache file beside the cache, then swap it in.

        Nobody reads the new file until the swap, so it has no journal and is committed a
        batch at a time (which also lets the writer read the parse workers' part files
        afresh for each batch). The search index is fed in a few large statements, each
        committed at once: FTS5 writes a segment for each, and hundreds of small segments
        would make every query (and the first merge) slow.
        """
        report = SyncReport("cold", CacheCounts(), files=len(scan.files))
        build_path = self._build_path()
        parts_dir = _parts_dir(build_path)
        await asyncio.to_thread(_remove_build, build_path)
        if pool is not None:
            await asyncio.to_thread(parts_dir.mkdir)
        db = await aiosqlite.connect(build_path, isolation_level=None)
        try:
            for pragma in sql.BUILD_PRAGMAS:
                await _exec(db, pragma)
            await db.executescript(sql.SCHEMA)
            await _exec(db, sql.CREATE_PENDING_NOTES)
            await _exec(db, "BEGIN")
            for statement in sql.BULK_SEARCH_SETTINGS:
                await _exec(db, statement)
            await self._write_channels(db, scan)
            jobs: list[LoadJob] = []
            next_id = first_id
            for file in scan.files:  # in path order
                if file.kind == "ignored":
                    report.skipped.append(SkippedFile(file.path, file.reason or "ignored"))
                    await _exec(db, sql.INSERT_FILE, _file_row(file, "ignored", file.reason))
                    continue
                jobs.append(LoadJob(file.path, file.kind, file.channel, file.slug, next_id))
                next_id += 1
            await _exec(db, "COMMIT")
            listings: list[dict[str, str]] = []
            pending = 0

            async def index_pending() -> None:
                nonlocal pending
                if pending:
                    await _exec(db, sql.INDEX_PENDING_NOTES)
                    await _exec(db, sql.CLEAR_PENDING_NOTES)
                    pending = 0

            async def write(results: list[LoadResult], part: str | None) -> None:
                nonlocal pending
                if part is not None:  # (attached outside a transaction)
                    await _exec(db, sql.ATTACH_PART, {"path": part})
                await _exec(db, "BEGIN")
                ids = await self._write_results(db, results, report, listings)
                if part is not None:
                    for statement in sql.COPY_PART_ROWS:
                        await _exec(db, statement)
                if ids:
                    await _exec(db, sql.ADD_PENDING_NOTES, {"first_id": min(ids), "last_id": max(ids)})
                    pending += len(ids)
                if pending >= SEARCH_CHUNK_NOTES:
                    await index_pending()
                await _exec(db, "COMMIT")
                if part is not None:
                    await _exec(db, sql.DETACH_PART)
                    await asyncio.to_thread(os.unlink, part)

            phase = time.perf_counter()
            await self._load(root, jobs, progress, len(jobs), write, pool,
                             parts_dir if pool is not None else None)
            log.debug("cold build: %d files parsed and written in %.2fs", len(jobs),
                      time.perf_counter() - phase)
            phase = time.perf_counter()
            await asyncio.to_thread(_remove_parts, parts_dir)
            await _exec(db, "BEGIN")
            await index_pending()
            await self._apply_listing(db, listings)
            for statement in (*sql.NORMAL_SEARCH_SETTINGS, *sql.INDEXES):
                await _exec(db, statement)
            await _exec(db, sql.SET_STATE, {"key": "notes_dir", "value": root})
            await _exec(db, sql.SET_STATE, {"key": "last_sync_at",
                                             "value": datetime.now(UTC).isoformat()})
            await _exec(db, f"PRAGMA user_version = {sql.SCHEMA_VERSION}")
            await _exec(db, "COMMIT")
            log.debug("cold build: indexes made and committed in %.2fs",
                      time.perf_counter() - phase)
            await _exec(db, "PRAGMA journal_mode = WAL")
        except BaseException:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            await db.close()
            await asyncio.to_thread(_remove_build, build_path)
            raise
        await db.close()
        await self.close()
        try:
            await asyncio.to_thread(_swap_in, build_path, self.db_path)
        finally:
            await self.open()  # the new cache, or the old one if the swap failed
        return report

    async def _incremental(self, root: str, scan: VaultScan,
                           progress: ProgressCallback | None) -> SyncReport | None:
        """Update the cache in place: one transaction. Returns None, having changed nothing,
        when so many files changed (a regenerated vault) that a new build is faster and,
        writing as it parses, needs far less memory."""
        report = SyncReport("incremental", CacheCounts(), files=len(scan.files))
        # Only the stat of every known file is read here; the rest of a row only for the
        # few files that changed or went (a one-note sync must not read 21k hashes).
        stats = {row[0]: row for row in await self._fetch_tuples(sql.FILE_STATS)}
        next_id = (await self.fetch_one(sql.NEXT_NOTE_ID))[0]
        candidates: list[VaultFile] = []  # new, or another size or mtime: hashed, maybe parsed
        modified = 0  # of those, the ones not merely "racily clean" last time
        stat_only: list[dict[str, Any]] = []
        ignored_changes: list[VaultFile] = []
        seen: set[str] = set()
        for file in scan.files:
            seen.add(file.path)
            stat = stats.get(file.path)  # (path, size, mtime_ns, kind)
            if file.kind == "ignored":
                report.skipped.append(SkippedFile(file.path, file.reason or "ignored"))
                if stat is None or stat[3] != "ignored":
                    ignored_changes.append(file)
                continue
            if stat is not None and stat[3] != "ignored" and stat[1] == file.size and stat[2] == file.mtime_ns:
                report.unchanged += 1
                continue
            candidates.append(file)
            if stat is None or stat[2] != RACY_MTIME or stat[1] != file.size:
                modified += 1  # (a racily clean file was only stored without its mtime)
        removed = [path for path in stats if path not in seen]
        if modified >= REBUILD_MIN_FILES and modified >= REBUILD_SHARE * len(stats):
            log.info("%d of %d files changed: building the cache anew rather than updating it",
                     modified, len(stats))
            return None
        known = {row["path"]: row for row in await self.fetch_all(sql.FILE_DETAILS, {"paths": json.dumps(
            [*removed, *(f.path for f in (*candidates, *ignored_changes) if f.path in stats)])})}
        jobs: list[LoadJob] = []
        for file in candidates:
            old = known.get(file.path)
            known_hash = old["hash"] if old is not None and old["kind"] != "ignored" else None
            jobs.append(LoadJob(file.path, file.kind, file.channel, file.slug, next_id, known_hash))
            next_id += 1

        results: list[LoadResult] = []

        async def collect(batch: list[LoadResult], _part: str | None) -> None:
            results.extend(batch)

        if jobs:
            await self._load(root, jobs, progress, len(jobs), collect)
        changed = [r for r in results if r.kind != "unchanged"]
        for r in results:
            if r.kind == "unchanged":
                report.unchanged += 1
                stat_only.append({"path": r.path, "size": r.size, "mtime_ns": r.mtime_ns})
        # skipped notes that did not change still count as skipped in the report
        changed_paths = {r.path for r in changed}
        for path, reason in await self._fetch_tuples(sql.SKIPPED_NOTES):
            if path in seen and path not in changed_paths:
                report.skipped.append(SkippedFile(path, reason or "skipped"))
        if not (changed or removed or stat_only or ignored_changes):
            return report

        db = self.db
        await _exec(db, "BEGIN IMMEDIATE")
        try:
            await self._write_channels(db, scan)
            for path in removed:
                await self._forget_file(db, path, known[path])
                report.removed += 1
            for file in ignored_changes:
                if file.path in known:
                    await self._forget_file(db, file.path, known[file.path])
                await _exec(db, sql.INSERT_FILE, _file_row(file, "ignored", file.reason))
            for result in changed:
                old = known.get(result.path)
                if old is not None:
                    await self._forget_file(db, result.path, old)
            await _exec_many(db, sql.UPDATE_FILE_STAT, stat_only)
            listings: list[dict[str, str]] = []
            ids = await self._write_results(db, changed, report, listings)
            for note_id in ids:
                await _exec(db, sql.INDEX_NOTE_SECTIONS, {"note_id": note_id})
            await self._apply_listing(db, listings)
            await _exec(db, sql.MERGE_SEARCH_STEP)
            await _exec(db, sql.SET_STATE, {"key": "last_sync_at",
                                             "value": datetime.now(UTC).isoformat()})
            await _exec(db, "COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                await _exec(db, "ROLLBACK")
            raise
        return report

    async def _forget_file(self, db: aiosqlite.Connection, path: str, old: Any) -> None:
        """Delete what one file put in the cache (its note, or its hub's episodes)."""
        if old["kind"] == "note" and old["note_id"] is not None:
            params = {"note_id": old["note_id"]}
            await _exec(db, sql.UNINDEX_NOTE_SECTIONS, params)
            for statement in sql.DELETE_NOTE_ROWS:
                await _exec(db, statement, params)
        elif old["kind"] == "hub":
            await _exec(db, sql.DELETE_HUB_EPISODES, {"hub_path": path})
            await _exec(db, sql.CLEAR_HUB_TITLE, {"hub_path": path})
        elif old["kind"] == "directory":
            await _exec(db, sql.CLEAR_LISTED_NAMES)
        await _exec(db, sql.DELETE_FILE, {"path": path})

    async def _write_channels(self, db: aiosqlite.Connection, scan: VaultScan) -> None:
        """One channel per folder of the vault; a folder that is gone takes its channel."""
        await _exec_many(db, sql.UPSERT_CHANNEL, [
            {"channel": key, "folder": folder} for key, folder in scan.folders.items()
        ])
        await _exec(db, sql.DELETE_GONE_CHANNELS, {"channels": json.dumps(list(scan.folders))})

    async def _write_results(
        self, db: aiosqlite.Connection, results: list[LoadResult], report: SyncReport,
        listings: list[dict[str, str]],
    ) -> list[int]:
        """Insert parsed rows; returns the ids of the notes written."""
        notes: list[dict[str, Any]] = []
        sections: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        blockquotes: list[dict[str, Any]] = []
        episodes: list[dict[str, Any]] = []
        files: list[dict[str, Any]] = []
        ids: list[int] = []
        for r in results:
            report.parsed += 1
            if r.kind == "skipped":
                report.skipped.append(SkippedFile(r.path, r.reason or "skipped"))
                files.append(_result_file_row(r, None, self._racy_after_ns))
                continue
            if r.kind == "note" and r.note is not None:
                notes.append(r.note)
                sections.extend(r.sections)  # empty when a worker wrote them to its part file
                links.extend(r.links)
                blockquotes.extend(r.blockquotes)
                ids.append(r.note_id or 0)
                files.append(_result_file_row(r, r.note_id, self._racy_after_ns))
            elif r.kind == "hub":
                episodes.extend(r.episodes)
                files.append(_result_file_row(r, None, self._racy_after_ns))
                if r.channel and r.hub_title and r.hub_title.casefold() != r.channel:
                    await _exec(db, sql.SET_HUB_TITLE, {"channel": r.channel, "hub_title": r.hub_title,
                                                        "hub_path": r.path})
            elif r.kind == "directory":
                listings.append(r.display_names)
                files.append(_result_file_row(r, None, self._racy_after_ns))
        await _exec_many(db, sql.INSERT_NOTE, notes)
        await _exec_many(db, sql.INSERT_SECTION, sections)
        await _exec_many(db, sql.INSERT_LINK, links)
        await _exec_many(db, sql.INSERT_BLOCKQUOTE, blockquotes)
        await _exec_many(db, sql.INSERT_EPISODE, episodes)
        await _exec_many(db, sql.INSERT_FILE, files)
        return ids

    async def _apply_listing(self, db: aiosqlite.Connection, listings: list[dict[str, str]]) -> None:
        """The names that directory.md gives the channels, when it was read this sync."""
        if not listings:
            return
        await _exec(db, sql.CLEAR_LISTED_NAMES)
        await _exec_many(db, sql.SET_LISTED_NAME, [
            {"channel": channel, "listed_name": name} for channel, name in listings[-1].items()
        ])


async def _exec(db: aiosqlite.Connection, query: str, params: Any = None) -> None:
    """Run a statement and close its cursor at once: a cursor left open keeps its
    statement, and with it a lock on the file, alive until the garbage collector runs."""
    cursor = await db.execute(query, params if params is not None else {})
    await cursor.close()


async def _exec_many(db: aiosqlite.Connection, query: str, rows: list[Any]) -> None:
    if rows:  # (a round trip to the database thread saved, several times a batch)
        cursor = await db.executemany(query, rows)
        await cursor.close()


def _file_row(file: VaultFile, kind: str, reason: str | None) -> dict[str, Any]:
    return {"path": file.path, "size": file.size, "mtime_ns": file.mtime_ns, "hash": None,
            "kind": kind, "note_id": None, "reason": reason, "channel": file.channel}


def _result_file_row(r: LoadResult, note_id: int | None, racy_after_ns: int) -> dict[str, Any]:
    # A file written within the clock's resolution of this read could change again with
    # the same size and mtime: store no mtime, so that the next sync hashes it again.
    mtime = RACY_MTIME if r.mtime_ns >= racy_after_ns else r.mtime_ns
    return {"path": r.path, "size": r.size, "mtime_ns": mtime, "hash": r.hash,
            "kind": r.kind, "note_id": note_id, "reason": r.reason, "channel": r.channel}


class _FileLock:
    """An exclusive ``flock`` on a file beside the cache, so that two processes (the bot
    and ``notecast index``, say) never sync one cache at once. Taken in a thread: waiting
    for it must not block the event loop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    async def __aenter__(self) -> None:
        self.fd = await asyncio.to_thread(self._acquire)

    def _acquire(self) -> int:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    async def __aexit__(self, *exc_info: object) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


def _remove_database(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(path) + suffix).unlink()


def _parts_dir(build_path: Path) -> Path:
    """The folder of a cold build's part files (see bot.cache.loader.write_part)."""
    return build_path.with_name(build_path.name + ".parts")


def _remove_parts(parts_dir: Path) -> None:
    shutil.rmtree(parts_dir, ignore_errors=True)


def _remove_build(build_path: Path) -> None:
    _remove_database(build_path)
    _remove_parts(_parts_dir(build_path))


def _remove_stale_builds(db_path: Path) -> None:
    """Side files of cold builds whose process is gone (killed mid-build)."""
    for build in db_path.parent.glob(f"{db_path.name}.building-*"):
        match = re.fullmatch(r"\.building-(\d+)(\.parts)?", build.name[len(db_path.name):])
        if match is None or _alive(int(match.group(1))):
            continue
        if match.group(2):
            _remove_parts(build)
        else:
            with contextlib.suppress(FileNotFoundError):
                build.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _start_pool(workers: int) -> ProcessPoolExecutor:
    pool = ProcessPoolExecutor(workers, mp_context=_pool_context(), initializer=_lower_priority)
    for _ in range(workers):
        pool.submit(_warm_up)  # the workers start (and import the parser) now
    return pool


def _lower_priority() -> None:
    """A parse worker yields the CPU to the process that started it: the bot's event loop
    stays responsive during a first build, and the writer keeps up with the workers, so
    no backlog of parsed batches is left to write alone once parsing ends."""
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)


def _warm_up() -> None:
    """A no-op task: submitting it makes a worker process start before there is work."""


def _pool_context() -> Any:
    # fork from a process that runs threads (aiosqlite) can deadlock: use a fork server
    # that imports the parser once and forks clean workers from it.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["bot.cache.loader"])
    return context


def _swap_in(build_path: Path, db_path: Path) -> None:
    """Put a finished build in the cache's place: flushed to disk, then one rename. The old
    cache's WAL goes first, so the new file is never read through the old log."""
    _fsync(build_path)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(db_path) + suffix).unlink()
    os.replace(build_path, db_path)
    _fsync(db_path.parent)


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
