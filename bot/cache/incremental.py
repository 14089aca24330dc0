"""An incremental sync: the cache updated in place, in one transaction.

Files whose size and mtime match the ``files`` table are not opened; the others are read
and hashed, and only real changes are parsed. Readers (WAL) see the previous state until the
transaction commits; derived tables are updated and the generation bumped in it.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.cache import sql
from bot.cache.derived import DerivedTables
from bot.cache.loader import LoadJob, LoadResult
from bot.cache.pool import POOL_THRESHOLD, load_jobs
from bot.cache.records import CacheCounts, ProgressCallback, SkippedFile, SyncReport
from bot.cache.writes import (
    RACY_MTIME,
    apply_listing,
    exec_,
    exec_many,
    fetch_tuples,
    file_row,
    forget_file,
    update_derived,
    write_channels,
    write_results,
)
from bot.vault.scan import VaultFile, VaultScan

log = logging.getLogger(__name__)

# when at least this many files, and this share of them, changed, a sync builds anew
REBUILD_MIN_FILES = POOL_THRESHOLD
REBUILD_SHARE = 0.1  # (21k notes: updating 2,000 in place takes as long as a new build)


async def incremental_sync(
    db: aiosqlite.Connection, root: str, scan: VaultScan, progress: ProgressCallback | None, *,
    workers: int, racy_after_ns: int, derived: Sequence[DerivedTables] = (),
) -> SyncReport | None:
    """Update the cache in place: one transaction. Returns None, having changed nothing,
    when so many files changed (a regenerated vault) that a new build is faster and,
    writing as it parses, needs far less memory."""
    report = SyncReport("incremental", CacheCounts(), files=len(scan.files))
    # Only the stat of every known file is read here; the rest of a row only for the
    # few files that changed or went (a one-note sync must not read 21k hashes).
    stats = {row[0]: row for row in await fetch_tuples(db, sql.FILE_STATS)}
    next_id = (await fetch_tuples(db, sql.NEXT_NOTE_ID))[0][0]
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
    async with db.execute(sql.FILE_DETAILS, {"paths": json.dumps(
            [*removed, *(f.path for f in (*candidates, *ignored_changes) if f.path in stats)])}) as cur:
        known = {row["path"]: row for row in await cur.fetchall()}
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
        await load_jobs(root, jobs, progress, len(jobs), collect, workers=workers)
    changed = [r for r in results if r.kind != "unchanged"]
    for r in results:
        if r.kind == "unchanged":
            report.unchanged += 1
            stat_only.append({"path": r.path, "size": r.size, "mtime_ns": r.mtime_ns})
    # skipped notes that did not change still count as skipped in the report
    changed_paths = {r.path for r in changed}
    for path, reason in await fetch_tuples(db, sql.SKIPPED_NOTES):
        if path in seen and path not in changed_paths:
            report.skipped.append(SkippedFile(path, reason or "skipped"))
    if not (changed or removed or stat_only or ignored_changes):
        return report

    await exec_(db, "BEGIN IMMEDIATE")
    try:
        await write_channels(db, scan)
        gone: list[int] = []
        for path in removed:
            note_id = await forget_file(db, path, known[path])
            if note_id is not None:
                gone.append(note_id)
            report.removed += 1
        for file in ignored_changes:
            if file.path in known:
                note_id = await forget_file(db, file.path, known[file.path])
                if note_id is not None:
                    gone.append(note_id)
            await exec_(db, sql.INSERT_FILE, file_row(file, "ignored", file.reason))
        for result in changed:
            old = known.get(result.path)
            if old is not None:
                note_id = await forget_file(db, result.path, old)
                if note_id is not None:
                    gone.append(note_id)
        await exec_many(db, sql.UPDATE_FILE_STAT, stat_only)
        listings: list[dict[str, str]] = []
        ids = await write_results(db, changed, report, listings, racy_after_ns)
        await exec_many(db, sql.INDEX_NOTE_SECTIONS, [{"note_id": i} for i in ids])
        await apply_listing(db, listings)
        await exec_(db, sql.MERGE_SEARCH_STEP)
        await exec_(db, sql.SET_STATE, {"key": "last_sync_at",
                                        "value": datetime.now(UTC).isoformat()})
        report.changed_ids, report.removed_ids = ids, gone
        if changed or removed or ignored_changes:
            # derived tables first, then the generation: readers never see one without
            # the other
            await update_derived(db, derived, ids, gone)
            await exec_(db, sql.BUMP_GENERATION)
        await exec_(db, "COMMIT")
    except BaseException:
        with contextlib.suppress(Exception):
            await exec_(db, "ROLLBACK")
        raise
    return report
