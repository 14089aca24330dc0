"""A sync never empties the cache because the vault looks wrong, and a read-only cache
never writes: refusals leave every row as it was and say what to do."""

# The tests change files on disk between awaits, on purpose and in the event loop.
# ruff: noqa: ASYNC240

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import bot.vault.scan
from bot.cache import (
    CacheMissing,
    CacheOutdated,
    CacheReadOnly,
    NotesCache,
    VaultShrank,
    VaultUnavailable,
    sql,
)
from bot.vault.scan import scan_vault
from tests.cache.helpers import SAMPLE_VAULT, snapshot

NOTES = sorted(p.relative_to(SAMPLE_VAULT).as_posix() for p in SAMPLE_VAULT.glob("*/*.md")
               if p.stem.lower() not in {"curiousorbit", "stockpotledger"})


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, root)
    return root


@pytest.fixture
async def db(tmp_path: Path, vault: Path) -> Path:
    path = tmp_path / "c.db"
    async with NotesCache(path, workers=1) as cache:
        await cache.sync(vault)
    return path


def _remove_notes(vault: Path, count: int) -> None:
    assert len(NOTES) == 12
    for rel in NOTES[:count]:
        (vault / rel).unlink()


@pytest.mark.parametrize("left", [0, 5])
async def test_a_vault_that_shrank_is_refused_and_the_cache_kept(
        db: Path, vault: Path, left: int) -> None:
    """An unmounted volume (an empty folder) or a half-copied vault deleted every note."""
    before = snapshot(db)
    if left == 0:
        shutil.rmtree(vault)
        vault.mkdir()  # the mount point, empty
    else:
        _remove_notes(vault, 12 - left)
    async with NotesCache(db, workers=1) as cache:
        generation = await cache.token()
        with pytest.raises(VaultShrank) as refused:
            await cache.sync(vault)
        assert isinstance(refused.value, VaultUnavailable)
        message = str(refused.value)
        assert f"holds {left} notes, the cache 12" in message
        assert "--allow-shrink" in message and "\n" not in message
        assert await cache.token() == generation
        stats = await cache.stats()
        assert stats.counts.notes == 12
        assert stats.refused is not None and "--allow-shrink" in stats.refused
        when = datetime.fromisoformat(stats.refused.split(": ", 1)[0])
        assert when.tzinfo is not None and abs((datetime.now(UTC) - when).total_seconds()) < 600
    assert snapshot(db) == before
    # asked for: the sync goes through, and the refusal is forgotten
    async with NotesCache(db, workers=1) as cache:
        report = await cache.sync(vault, allow_shrink=True)
        assert report.counts.notes == left
        assert (await cache.stats()).refused is None


async def test_losing_under_half_of_the_notes_is_an_ordinary_sync(db: Path, vault: Path) -> None:
    _remove_notes(vault, 6)  # 6 of 12 left: exactly half
    async with NotesCache(db, workers=1) as cache:
        report = await cache.sync(vault)
    assert report.counts.notes == 6 and report.removed == 6


async def test_a_missing_vault_folder_is_recorded_as_refused(
        db: Path, vault: Path, tmp_path: Path) -> None:
    before = snapshot(db)
    vault.rename(tmp_path / "elsewhere")
    async with NotesCache(db, workers=1) as cache:
        with pytest.raises(VaultUnavailable):
            await cache.sync(vault)
        stats = await cache.stats()
        assert stats.counts.notes == 12 and stats.refused and "not found" in stats.refused
    assert snapshot(db) == before
    (tmp_path / "elsewhere").rename(vault)
    async with NotesCache(db, workers=1) as cache:
        await cache.sync(vault)
        assert (await cache.stats()).refused is None


async def test_stats_say_how_the_vault_was_read(db: Path, vault: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    class Scan:  # (whatever VaultScan holds, with a layout)
        def __init__(self, scan: Any) -> None:
            self._scan = scan
            self.layout = "2 channel folders"

        def __getattr__(self, name: str) -> Any:
            return getattr(self._scan, name)

    monkeypatch.setattr(bot.vault.scan, "scan_vault", lambda root: Scan(scan_vault(root)))
    async with NotesCache(db, workers=1) as cache:
        await cache.sync(vault)
        stats = await cache.stats()
    assert stats.layout == "2 channel folders"
    assert stats.as_dict()["layout"] == "2 channel folders"


# --------------------------------------------------------------------------- read-only

async def test_read_only_mode_never_creates_a_cache(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "c.db"
    with pytest.raises(CacheMissing) as missing:
        await NotesCache(path, readonly=True).open()
    message = str(missing.value)
    assert str(path) in message and "notecast index --notes DIR --db" in message
    assert not (tmp_path / "not").exists()


async def test_read_only_mode_refuses_another_schema(db: Path) -> None:
    import sqlite3

    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version = {sql.SCHEMA_VERSION - 1}")
    con.commit()
    con.close()
    before = db.read_bytes()
    with pytest.raises(CacheOutdated) as outdated:
        await NotesCache(db, readonly=True).open()
    assert "notecast index" in str(outdated.value) and str(db) in str(outdated.value)
    assert db.read_bytes() == before


async def test_read_only_mode_reads_and_never_writes(db: Path, vault: Path) -> None:
    before = (db.read_bytes(), db.stat().st_mtime_ns)
    async with NotesCache(db, readonly=True) as cache:
        assert (await cache.stats()).counts.notes == 12
        assert await cache.is_ready()
        with pytest.raises(CacheReadOnly):
            await cache.sync(vault)
    assert (db.read_bytes(), db.stat().st_mtime_ns) == before
    assert not list(db.parent.glob("c.db.building*"))
