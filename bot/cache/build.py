"""A cold build: the whole vault parsed and written to a new file beside the cache.

Nobody reads the new file until it is swapped in, so it has no journal and is committed a
batch at a time (which also lets the writer read the parse workers' part files afresh for
each batch). The search index is fed in a few large statements, each committed at once:
FTS5 writes a segment for each, and hundreds of small segments would make every query (and
the first merge) slow. Derived tables are built last, then the schema version is stamped:
a file without it is never served. A build that fails or is cancelled removes its side
file and parts folder and kills its workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from bot.cache import files, sql
from bot.cache.derived import DerivedTables
from bot.cache.loader import LoadJob, LoadResult
from bot.cache.pool import POOL_THRESHOLD, end_pool, load_jobs, start_pool
from bot.cache.records import CacheCounts, ProgressCallback, SkippedFile, SyncReport
from bot.cache.writes import (
    apply_listing,
    build_derived,
    exec_,
    fetch_tuples,
    file_row,
    set_state,
    write_channels,
    write_results,
)
from bot.vault.scan import VaultScan

log = logging.getLogger(__name__)

SEARCH_CHUNK_NOTES = 2500  # notes added to the search index per statement in a cold build


async def cold_build(
    db_path: Path, root: str, scan: VaultScan, progress: ProgressCallback | None, *,
    workers: int, pool: ProcessPoolExecutor | None, first_id: int, generation: int,
    racy_after_ns: int, derived: Sequence[DerivedTables] = (),
    state: dict[str, str | None] | None = None,
) -> tuple[Path, SyncReport]:
    """Build the cache of ``scan`` in this process's side file; returns its path (finished,
    closed, in WAL mode: ready for :func:`bot.cache.files.swap_in`) and the report."""
    report = SyncReport("cold", CacheCounts(), files=len(scan.files))
    build = files.build_path(db_path)
    parts = files.parts_dir(build)
    await asyncio.to_thread(files.remove_build, build)
    db: aiosqlite.Connection | None = None
    try:
        if pool is not None:
            await asyncio.to_thread(parts.mkdir)
        db = await _connect_shielded(build)
        db.row_factory = aiosqlite.Row
        for pragma in sql.BUILD_PRAGMAS:
            await exec_(db, pragma)
        # the marker first: from now on the file is provably ours
        await exec_(db, f"PRAGMA application_id = {sql.APPLICATION_ID}")
        await db.executescript(sql.SCHEMA)
        await exec_(db, sql.CREATE_PENDING_NOTES)
        await exec_(db, "BEGIN")
        for statement in sql.BULK_SEARCH_SETTINGS:
            await exec_(db, statement)
        await write_channels(db, scan)
        jobs: list[LoadJob] = []
        next_id = first_id
        for file in scan.files:  # in path order
            if file.kind == "ignored":
                report.skipped.append(SkippedFile(file.path, file.reason or "ignored"))
                await exec_(db, sql.INSERT_FILE, file_row(file, "ignored", file.reason))
                continue
            jobs.append(LoadJob(file.path, file.kind, file.channel, file.slug, next_id))
            next_id += 1
        await exec_(db, "COMMIT")
        listings: list[dict[str, str]] = []
        pending = 0
        writer = db

        async def index_pending() -> None:
            nonlocal pending
            if pending:
                await exec_(writer, sql.INDEX_PENDING_NOTES)
                await exec_(writer, sql.CLEAR_PENDING_NOTES)
                pending = 0

        async def write(results: list[LoadResult], part: str | None) -> None:
            nonlocal pending
            if part is not None:  # (attached outside a transaction)
                await exec_(writer, sql.ATTACH_PART, {"path": part})
            await exec_(writer, "BEGIN")
            ids = await write_results(writer, results, report, listings, racy_after_ns)
            if part is not None:
                for statement in sql.COPY_PART_ROWS:
                    await exec_(writer, statement)
            if ids:
                await exec_(writer, sql.ADD_PENDING_NOTES, {"first_id": min(ids), "last_id": max(ids)})
                pending += len(ids)
            if pending >= SEARCH_CHUNK_NOTES:
                await index_pending()
            await exec_(writer, "COMMIT")
            if part is not None:
                await exec_(writer, sql.DETACH_PART)
                await asyncio.to_thread(os.unlink, part)

        phase = time.perf_counter()
        in_pool, pool = pool, None  # load_jobs owns it from here (and shuts it down)
        await load_jobs(root, jobs, progress, len(jobs), write, workers=workers, pool=in_pool,
                        parts=parts if in_pool is not None else None)
        log.debug("cold build: %d files parsed and written in %.2fs", len(jobs),
                  time.perf_counter() - phase)
        phase = time.perf_counter()
        await asyncio.to_thread(files.remove_parts, parts)
        await exec_(db, "BEGIN")
        await index_pending()
        await apply_listing(db, listings)
        for statement in (*sql.NORMAL_SEARCH_SETTINGS, *sql.INDEXES):
            await exec_(db, statement)
        failed = await build_derived(db, derived)
        await set_state(db, "notes_dir", root)
        await set_state(db, "last_sync_at", datetime.now(UTC).isoformat())
        await set_state(db, "generation", str(generation))
        for key, value in (state or {}).items():
            await set_state(db, key, value)
        await exec_(db, f"PRAGMA user_version = {sql.SCHEMA_VERSION}")
        await exec_(db, "COMMIT")
        if failed:
            log.warning("cold build: derived tables %s failed; the next sync builds them", failed)
        log.debug("cold build: indexes made and committed in %.2fs", time.perf_counter() - phase)
        await exec_(db, "PRAGMA journal_mode = WAL")
        await db.close()
        db = None
    except BaseException:
        if pool is not None:
            end_pool(pool)
        if db is not None:
            await asyncio.shield(db.close())
        await asyncio.shield(asyncio.to_thread(files.remove_build, build))
        raise
    report.changed_ids = list(range(first_id, next_id))
    return build, report


async def _connect_shielded(path: Path) -> aiosqlite.Connection:
    """Open ``path``; when cancelled meanwhile, wait for the connection's thread to finish
    opening (it would create the file after the caller's clean-up), close it, re-raise."""
    connecting = asyncio.ensure_future(aiosqlite.connect(path, isolation_level=None))
    try:
        return await asyncio.shield(connecting)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await (await connecting).close()
        raise


async def build_anew(
    db_path: Path, db: aiosqlite.Connection | None, root: str, scan: VaultScan,
    progress: ProgressCallback | None, *, state: dict[str, str], generation: int,
    racy_after_ns: int, layout: str | None, workers: int, derived: Sequence[DerivedTables],
    before_swap: Callable[[], Awaitable[None]],
) -> SyncReport:
    """A cold build beside the cache, swapped in (after ``before_swap``: the writer lets go
    of the old file); readers follow at their next read. Note ids and the generation go on
    from the old cache's (``db`` and its ``state``, when it could be read)."""
    first_id, generation = 1, generation + 1
    if db is not None and state:
        first_id = (await fetch_tuples(db, sql.NEXT_NOTE_ID))[0][0]
        generation = int(state.get("generation") or 0) + 1
    many = sum(1 for f in scan.files if f.kind != "ignored") >= POOL_THRESHOLD
    # the parse workers import the parser while the new cache file is laid out
    pool = await _start_pool(workers) if many and workers > 1 else None
    build, report = await cold_build(
        db_path, root, scan, progress, workers=workers, pool=pool, first_id=first_id,
        generation=generation, racy_after_ns=racy_after_ns, derived=derived,
        state={"layout": layout, "refused": None})
    await before_swap()
    try:
        await asyncio.to_thread(files.swap_in, build, db_path)
    except BaseException:
        await asyncio.shield(asyncio.to_thread(files.remove_build, build))
        raise
    return report


async def _start_pool(workers: int) -> ProcessPoolExecutor:
    """:func:`start_pool` in a thread; a pool that starts after its sync was cancelled is
    ended at once."""
    starting = asyncio.ensure_future(asyncio.to_thread(start_pool, workers))
    try:
        return await asyncio.shield(starting)
    except asyncio.CancelledError:
        starting.add_done_callback(
            lambda done: None if done.cancelled() or done.exception() else end_pool(done.result()))
        raise
