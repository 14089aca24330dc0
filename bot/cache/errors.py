"""What can go wrong with the notes cache, as exceptions whose message is one line that says
what to do. The command line prints ``str(exc)``; the bot logs it.

* :class:`CacheError`: the base of all of them.
* :class:`ForeignCacheFile`: the path holds something that is not a Notecast cache (a text
  file, another program's database): Notecast never opens it for writing, deletes or
  rebuilds it.
* :class:`CacheMissing`, :class:`CacheOutdated`: read-only mode found no cache, or one of
  another schema version; ``notecast index`` builds it.
* :class:`CacheUnwritable`: the cache's folder cannot be created or written.
* :class:`CacheUnreadable`: a read-only open failed (a read-only folder without the WAL files).
* :class:`CacheDamaged`: a read found the cache file damaged; it is rebuilt by the next sync.
* :class:`VaultMismatch`: the cache was built from another vault (``--rebuild``).
* :class:`VaultUnavailable`: the vault cannot be read; :class:`VaultShrank`: it holds far
  fewer notes than the cache (``--allow-shrink``). The cache is left as it was.
"""

from __future__ import annotations

from pathlib import Path

INDEX_ADVICE = "run `notecast index --notes DIR --db {db}`"


class CacheError(RuntimeError):
    """An expected problem with the notes cache; ``str()`` is one line for a human."""


class ForeignCacheFile(CacheError):
    def __init__(self, path: Path, what: str) -> None:
        self.path = path
        super().__init__(
            f"{path} is not a Notecast cache ({what}): Notecast leaves it alone; "
            "choose another cache file with --db or NOTECAST_DB")


class CacheMissing(CacheError):
    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"no notes cache at {path} yet: {INDEX_ADVICE.format(db=path)}")


class CacheOutdated(CacheError):
    def __init__(self, path: Path, version: int) -> None:
        self.path = path
        super().__init__(
            f"the notes cache {path} has another format (version {version}): "
            f"{INDEX_ADVICE.format(db=path)} to rebuild it")


class CacheUnwritable(CacheError):
    def __init__(self, path: Path, failure: str, user: str) -> None:
        self.path = path
        super().__init__(
            f"cannot write the notes cache {path}: {failure} (running as {user}); "
            "set NOTECAST_DB or --db to a file in a folder this user can write")


class CacheUnreadable(CacheError):
    def __init__(self, path: Path, detail: str, user: str) -> None:
        self.path = path
        super().__init__(
            f"cannot read the notes cache {path}: {detail} (running as {user}); SQLite needs "
            "to create its -wal and -shm files beside it: copy the cache to a writable folder "
            "or run notecast index there")


class CacheDamaged(CacheError):
    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        super().__init__(
            f"the notes cache {path} is damaged ({detail}): the next sync rebuilds it "
            "from the vault")


class CacheReadOnly(CacheError):
    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"the notes cache {path} was opened read-only: it cannot be synced")


class VaultMismatch(CacheError):
    def __init__(self, path: Path, recorded: str, asked: str) -> None:
        self.path, self.recorded, self.asked = path, recorded, asked
        super().__init__(
            f"cache {path} was built from vault {recorded}, not {asked}: "
            f"pass --rebuild to rebuild it from {asked}")


class VaultUnavailable(CacheError):
    """The notes folder is missing or unreadable; the cache was left as it was."""


class VaultShrank(VaultUnavailable):
    """The vault holds no notes, or under half of the cache's: it looks unmounted or
    half-copied, so the sync was refused and the cache kept."""

    def __init__(self, notes_dir: str, vault_notes: int, cache_notes: int) -> None:
        self.vault_notes, self.cache_notes = vault_notes, cache_notes
        super().__init__(
            f"the vault {notes_dir} holds {vault_notes:,} notes, the cache {cache_notes:,}: "
            "sync refused, still serving the cache; pass --allow-shrink if this is intended")
