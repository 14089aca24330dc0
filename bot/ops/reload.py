"""``/reload``: a sync now, and what it changed, note by note.

The notes' files and content hashes are read before and after the sync: a note is
*added* (a path that was not there), *changed* (another hash) or *removed*. Whatever syncs
ran in between (the periodic one, the watcher's) are part of the answer, which is what
changed since the admin asked. A refused sync (the vault missing, emptied or another one)
changes nothing and says why.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.ops import sql

if TYPE_CHECKING:
    from bot.cache.background import VaultSync

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NoteChange:
    path: str  # the file, relative to the vault
    title: str


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """What ``/reload`` did: ``refused`` (why the sync changed nothing) or the changes."""

    added: tuple[NoteChange, ...] = ()
    changed: tuple[NoteChange, ...] = ()
    removed: tuple[NoteChange, ...] = ()
    notes: int = 0  # notes in the cache after the sync
    seconds: float = 0.0
    mode: str | None = None  # the sync's: incremental, cold or rebuild
    refused: str | None = None  # the vault's problem (missing, emptied, another vault)
    failed: bool = False  # the sync failed for another reason (in the bot's log)
    skipped: int = 0  # files of the vault that are not notes

    @property
    def ok(self) -> bool:
        return self.refused is None and not self.failed


async def _notes(vault_sync: VaultSync) -> dict[str, tuple[bytes | None, str]]:
    cache = vault_sync.cache
    if not await cache.is_ready():
        return {}
    rows = await cache.fetch_all(sql.NOTE_FILES)
    return {row["path"]: (row["hash"], row["title"] or row["path"]) for row in rows}


def _sorted(found: list[NoteChange]) -> tuple[NoteChange, ...]:
    return tuple(sorted(found, key=lambda change: change.path))


async def reload_vault(vault_sync: VaultSync) -> ReloadResult:
    """Sync now (after any sync under way) and report what changed."""
    started = time.perf_counter()
    before = await _notes(vault_sync)
    report = await vault_sync.sync_now()
    seconds = time.perf_counter() - started
    if report is None:
        if vault_sync.last_outcome == "refused":
            return ReloadResult(refused=vault_sync.last_error or "refused", seconds=seconds,
                                notes=len(before))
        return ReloadResult(failed=True, seconds=seconds, notes=len(before))
    after = await _notes(vault_sync)
    added = [NoteChange(p, t) for p, (_, t) in after.items() if p not in before]
    changed = [NoteChange(p, t) for p, (h, t) in after.items() if p in before and before[p][0] != h]
    removed = [NoteChange(p, t) for p, (_, t) in before.items() if p not in after]
    log.info("/reload: %d added, %d changed, %d removed (%s sync in %.2fs)", len(added),
             len(changed), len(removed), report.mode, seconds)
    return ReloadResult(added=_sorted(added), changed=_sorted(changed), removed=_sorted(removed),
                        notes=len(after), seconds=seconds, mode=report.mode,
                        skipped=len(report.skipped))
