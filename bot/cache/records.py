"""Plain records the notes cache hands out: counts, stats and what a sync did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

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
    # the last sync that was refused and why, with its UTC time ("2026-12-07T08:00:00+00:00:
    # the vault ... holds 0 notes, the cache 12: ..."); None once a sync succeeds
    refused: str | None = None
    layout: str | None = None  # how the vault was read (bot.vault.scan.VaultScan.layout)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = asdict(self.counts)
        out["files"] = self.files
        out["skipped"] = [{"path": s.path, "reason": s.reason} for s in self.skipped]
        out["last_sync"] = self.last_sync.isoformat() if self.last_sync else None
        out["last_sync_seconds"] = self.last_sync_seconds
        out["notes_dir"] = self.notes_dir
        out["refused"] = self.refused
        out["layout"] = self.layout
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
    # ids of the notes written and removed (what derived tables must update); not printed
    changed_ids: list[int] = field(default_factory=list, repr=False)
    removed_ids: list[int] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = asdict(self.counts)
        out.update(
            mode=self.mode, files=self.files, parsed=self.parsed, unchanged=self.unchanged,
            removed=self.removed,
            skipped=[{"path": s.path, "reason": s.reason} for s in self.skipped],
            seconds=round(self.seconds, 3),
        )
        return out
