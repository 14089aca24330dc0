"""The notes cache: the vault parsed into SQLite, its sync, readers and lifecycle.

Public names: :class:`NotesCache` (``bot.cache.store``), its records, its errors and the
:class:`DerivedTables` hook; :class:`VaultSync` lives in ``bot.cache.background``.
"""

from bot.cache.derived import DerivedTables
from bot.cache.errors import (
    CacheDamaged,
    CacheError,
    CacheMissing,
    CacheOutdated,
    CacheReadOnly,
    CacheUnwritable,
    ForeignCacheFile,
    VaultMismatch,
    VaultShrank,
    VaultUnavailable,
)
from bot.cache.records import CacheCounts, CacheStats, ProgressCallback, SkippedFile, SyncReport
from bot.cache.store import NotesCache

__all__ = [
    "CacheCounts",
    "CacheDamaged",
    "CacheError",
    "CacheMissing",
    "CacheOutdated",
    "CacheReadOnly",
    "CacheStats",
    "CacheUnwritable",
    "DerivedTables",
    "ForeignCacheFile",
    "NotesCache",
    "ProgressCallback",
    "SkippedFile",
    "SyncReport",
    "VaultMismatch",
    "VaultShrank",
    "VaultUnavailable",
]
