"""A cache damaged in the middle (bad pages) is found, by the check at open or by a read
that fails, and rebuilt from the vault; meanwhile commands say "still loading"."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cache import CacheDamaged, NotesCache
from bot.cache.background import VaultSync
from bot.errors import NotesLoading
from bot.notes.reader import NoteReader
from tests.cache.helpers import cold_snapshot, snapshot, write_synthetic_vault


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return write_synthetic_vault(tmp_path / "vault", notes=400, channels=2).root


@pytest.fixture
async def db(tmp_path: Path, vault: Path) -> Path:
    path = tmp_path / "c.db"
    async with NotesCache(path, workers=1) as cache:
        await cache.sync(vault)
    return path


def corrupt_middle(path: Path) -> None:
    """Overwrite a run of pages in the middle of the file (never page 1) with garbage."""
    con = sqlite3.connect(path)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    pages = path.stat().st_size // page_size
    assert pages > 40
    with open(path, "r+b") as f:
        for page in range(pages // 3, pages // 3 + pages // 3, 2):
            f.seek(page * page_size)
            f.write(os.urandom(page_size))


def _sound(path: Path) -> bool:
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:  # (a truncated file: not even the check runs)
        return False
    finally:
        con.close()


def truncate(path: Path) -> None:
    """Cut the file short, as a full disk or an interrupted copy does."""
    os.truncate(path, path.stat().st_size // 3)


@pytest.mark.parametrize("damage", [corrupt_middle, truncate])
async def test_a_damaged_cache_is_found_at_open_and_rebuilt_by_sync(
        tmp_path: Path, vault: Path, db: Path, caplog: pytest.LogCaptureFixture,
        damage: Callable[[Path], None]) -> None:
    damage(db)
    assert not _sound(db)
    async with NotesCache(db, workers=1) as cache:
        assert not await cache.check()
        assert cache.damaged and not await cache.is_ready()
        with caplog.at_level(logging.ERROR):
            report = await cache.sync(vault)  # no traceback: it rebuilds
        assert report.mode == "rebuild" and report.counts.notes == 400
        assert not cache.damaged and await cache.is_ready()
    assert "damaged" in caplog.text
    assert _sound(db)
    expected = await cold_snapshot(vault, tmp_path / "fresh.db")
    actual = snapshot(db)
    for table in ("notes", "sections", "links", "episodes", "channels"):
        assert actual[table] == expected[table]


async def test_a_read_that_hits_damage_says_loading_and_the_bot_rebuilds(
        vault: Path, db: Path) -> None:
    async with NotesCache(db, workers=1) as cache:
        assert await cache.check()  # sound when opened
        sync = VaultSync(cache, vault, interval_minutes=0)
        await sync.start()
        await asyncio.wait_for(sync.wait_first_sync(), 60)
        note_id = (await cache.fetch_one("SELECT MAX(id) AS id FROM notes"))["id"]
        reader = NoteReader(cache)
        await sync.stop()  # (so that the damage is seen before a rebuild)
        corrupt_middle(db)
        with pytest.raises((CacheDamaged, NotesLoading)):
            for offset in range(0, 400, 7):  # some read lands on a bad page
                await reader.card(note_id - offset)
            await cache.stats()
        assert cache.damaged
        # the background sync sees the damage and rebuilds, by itself; meanwhile commands
        # say "still loading"
        await sync.start()
        with pytest.raises(NotesLoading):
            await sync.require_ready()
        for _ in range(600):
            if not cache.damaged and sync.last_report is not None and sync.last_report.mode == "rebuild":
                break
            await asyncio.sleep(0.05)
        assert not cache.damaged
        await sync.require_ready()
        assert (await cache.counts()).notes == 400
        card = await reader.card((await cache.fetch_one("SELECT MAX(id) AS id FROM notes"))["id"])
        assert card is not None
        await sync.stop()
    assert _sound(db)


async def test_while_a_damaged_cache_is_rebuilt_commands_say_loading(
        tmp_path: Path, vault: Path, db: Path) -> None:
    corrupt_middle(db)
    copy = tmp_path / "slow"
    shutil.copytree(vault, copy)
    async with NotesCache(db, workers=1) as cache:
        await cache.check()
        sync = VaultSync(cache, vault, interval_minutes=0)
        await sync.start()
        with pytest.raises(NotesLoading):  # damaged, and the rebuild under way
            await sync.require_ready()
        await asyncio.wait_for(sync.wait_first_sync(), 60)
        await sync.require_ready()
        await sync.stop()
