"""Writing parsed rows into a cache file: shared by the cold build and the incremental sync.

Every helper takes the writer's aiosqlite connection; statements are in :mod:`bot.cache.sql`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

import aiosqlite

from bot.cache import derived as derived_tables
from bot.cache import sql
from bot.cache.derived import DerivedTables
from bot.cache.records import SkippedFile, SyncReport
from bot.vault.scan import VaultFile, VaultScan

if TYPE_CHECKING:
    from bot.cache.loader import LoadResult

log = logging.getLogger(__name__)

RACY_MTIME = -1  # the mtime stored for files changed as recently as the sync itself

T = TypeVar("T")


async def exec_(db: aiosqlite.Connection, query: str, params: Any = None) -> None:
    """Run a statement and close its cursor at once: a cursor left open keeps its
    statement, and with it a lock on the file, alive until the garbage collector runs."""
    cursor = await db.execute(query, params if params is not None else {})
    await cursor.close()


async def exec_many(db: aiosqlite.Connection, query: str, rows: list[Any]) -> None:
    if rows:  # (a round trip to the database thread saved, several times a batch)
        cursor = await db.executemany(query, rows)
        await cursor.close()


async def fetch_tuples(db: aiosqlite.Connection, query: str,
                       params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Rows as plain tuples: several times cheaper than rows with names for many rows."""
    async with db.execute(query, params or {}) as cursor:
        cursor.row_factory = None  # (read when rows are fetched)
        return cast(list[tuple[Any, ...]], await cursor.fetchall())


async def in_writer_thread(db: aiosqlite.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Run ``fn`` with the writer's own :class:`sqlite3.Connection`, in the writer's thread,
    inside whatever transaction is open there (for derived tables)."""
    # aiosqlite has no public way to run a function on its connection in its thread
    return await db._execute(lambda: fn(db._conn))


async def build_derived(db: aiosqlite.Connection, derived: Sequence[DerivedTables]) -> list[str]:
    if not derived:
        return []
    return await in_writer_thread(db, lambda con: derived_tables.build_all(con, derived))


async def update_derived(db: aiosqlite.Connection, derived: Sequence[DerivedTables],
                         changed: Sequence[int], removed: Sequence[int]) -> list[str]:
    if not derived:
        return []
    return await in_writer_thread(
        db, lambda con: derived_tables.update_all(con, derived, changed, removed))


async def outdated_derived(db: aiosqlite.Connection,
                           derived: Sequence[DerivedTables]) -> list[DerivedTables]:
    if not derived:
        return []
    return await in_writer_thread(db, lambda con: derived_tables.outdated(con, derived))


async def write_channels(db: aiosqlite.Connection, scan: VaultScan) -> None:
    """One channel per folder of the vault; a folder that is gone takes its channel."""
    await exec_many(db, sql.UPSERT_CHANNEL, [
        {"channel": key, "folder": folder} for key, folder in scan.folders.items()
    ])
    await exec_(db, sql.DELETE_GONE_CHANNELS, {"channels": json.dumps(list(scan.folders))})


async def forget_file(db: aiosqlite.Connection, path: str, old: Any) -> int | None:
    """Delete what one file put in the cache (its note, or its hub's episodes); returns the
    id of the note deleted, if any. ``old`` is its row of FILE_DETAILS."""
    note_id = None
    if old["kind"] == "note" and old["note_id"] is not None:
        note_id = old["note_id"]
        params = {"note_id": note_id}
        await exec_(db, sql.UNINDEX_NOTE_SECTIONS, params)
        for statement in sql.DELETE_NOTE_ROWS:
            await exec_(db, statement, params)
    elif old["kind"] == "hub":
        await exec_(db, sql.DELETE_HUB_EPISODES, {"hub_path": path})
        await exec_(db, sql.CLEAR_HUB_TITLE, {"hub_path": path})
    elif old["kind"] == "directory":
        await exec_(db, sql.CLEAR_LISTED_NAMES)
    await exec_(db, sql.DELETE_FILE, {"path": path})
    return note_id


async def write_results(db: aiosqlite.Connection, results: list[LoadResult], report: SyncReport,
                        listings: list[dict[str, str]], racy_after_ns: int) -> list[int]:
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
            files.append(result_file_row(r, None, racy_after_ns))
            continue
        if r.kind == "note" and r.note is not None:
            notes.append(r.note)
            sections.extend(r.sections)  # empty when a worker wrote them to its part file
            links.extend(r.links)
            blockquotes.extend(r.blockquotes)
            ids.append(r.note_id or 0)
            files.append(result_file_row(r, r.note_id, racy_after_ns))
        elif r.kind == "hub":
            episodes.extend(r.episodes)
            files.append(result_file_row(r, None, racy_after_ns))
            if r.channel and r.hub_title and r.hub_title.casefold() != r.channel:
                await exec_(db, sql.SET_HUB_TITLE, {"channel": r.channel, "hub_title": r.hub_title,
                                                    "hub_path": r.path})
        elif r.kind == "directory":
            listings.append(r.display_names)
            files.append(result_file_row(r, None, racy_after_ns))
    await exec_many(db, sql.INSERT_NOTE, notes)
    await exec_many(db, sql.INSERT_SECTION, sections)
    await exec_many(db, sql.INSERT_LINK, links)
    await exec_many(db, sql.INSERT_BLOCKQUOTE, blockquotes)
    await exec_many(db, sql.INSERT_EPISODE, episodes)
    await exec_many(db, sql.INSERT_FILE, files)
    return ids


async def apply_listing(db: aiosqlite.Connection, listings: list[dict[str, str]]) -> None:
    """The names that directory.md gives the channels, when it was read this sync."""
    if not listings:
        return
    await exec_(db, sql.CLEAR_LISTED_NAMES)
    await exec_many(db, sql.SET_LISTED_NAME, [
        {"channel": channel, "listed_name": name} for channel, name in listings[-1].items()
    ])


async def set_state(db: aiosqlite.Connection, key: str, value: str | None) -> None:
    if value is None:
        await exec_(db, sql.DELETE_STATE, {"key": key})
    else:
        await exec_(db, sql.SET_STATE, {"key": key, "value": value})


def file_row(file: VaultFile, kind: str, reason: str | None) -> dict[str, Any]:
    return {"path": file.path, "size": file.size, "mtime_ns": file.mtime_ns, "hash": None,
            "kind": kind, "note_id": None, "reason": reason, "channel": file.channel}


def result_file_row(r: LoadResult, note_id: int | None, racy_after_ns: int) -> dict[str, Any]:
    # A file written within the clock's resolution of this read could change again with
    # the same size and mtime: store no mtime, so that the next sync hashes it again.
    mtime = RACY_MTIME if r.mtime_ns >= racy_after_ns else r.mtime_ns
    return {"path": r.path, "size": r.size, "mtime_ns": mtime, "hash": r.hash,
            "kind": r.kind, "note_id": note_id, "reason": r.reason, "channel": r.channel}


async def rebuild_outdated_derived(db: aiosqlite.Connection | None,
                                   derived: Sequence[DerivedTables]) -> None:
    """Derived tables of another version than the code's are built again (their own
    transaction, with a new generation), even when no note changed."""
    if db is None or not derived:
        return
    stale = await outdated_derived(db, derived)
    if not stale:
        return
    await exec_(db, "BEGIN IMMEDIATE")
    try:
        await build_derived(db, stale)
        await exec_(db, sql.BUMP_GENERATION)
        await exec_(db, "COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            await exec_(db, "ROLLBACK")
        raise


async def record_refusal(db: aiosqlite.Connection, reason: str) -> None:
    """Record a refused sync (shown by ``stats``) without touching a row of notes."""
    when = datetime.now(UTC).replace(microsecond=0).isoformat()
    try:
        await exec_(db, "BEGIN IMMEDIATE")
        await set_state(db, "refused", f"{when}: {reason}")
        await exec_(db, "COMMIT")
    except sqlite3.Error:
        log.exception("could not record the refused sync")
