"""The notes cache: cold builds, rebuilds and syncs that run side by side.

The central check is :func:`tests.cache.helpers.snapshot`: a cache must hold exactly what a
fresh cold build of the same vault holds.
"""

# The tests change the vault on disk between awaits, on purpose and in the event loop.
# ruff: noqa: ASYNC240

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import bot.cache.incremental
import bot.cache.loader
import bot.cache.pool
from bot.cache import sql
from bot.cache.store import NotesCache, VaultMismatch, VaultUnavailable
from tests.cache.helpers import (
    REPO_ROOT,
    SAMPLE_VAULT,
    all_files,
    fts_paths,
    snapshot,
    write_synthetic_vault,
)
from tests.cache.store_helpers import (
    QT,
    _replace,
    assert_same_as_cold,
    query,
    sync,
)

# --------------------------------------------------------------------------- cold build

async def test_cold_build_of_the_sample_vault(vault: Path, db: Path) -> None:
    seen: list[tuple[int, int]] = []
    async with NotesCache(db, workers=1) as cache:
        assert not await cache.is_ready()
        report = await cache.sync(vault, progress=lambda done, total: seen.append((done, total)))
        assert cache.generation == 1
        stats = await cache.stats()
    assert report.mode == "cold"
    counts = report.counts
    assert (counts.notes, counts.channels, counts.hubs, counts.episodes) == (12, 2, 2, 4)
    assert counts.sections > 12 and counts.links > 0 and counts.timestamps > 0
    assert counts.blockquotes > 0
    assert [(s.path, bool(s.reason)) for s in report.skipped] == [("index.md", True)]
    # every file is accounted for: parsed (notes, hubs, directory) or skipped, never both
    files = all_files(vault)
    assert report.files == len(files) == 16
    assert report.parsed + len(report.skipped) == len(files)
    kinds = dict(query(db, "SELECT path, kind FROM files"))
    assert set(kinds) == files
    assert sorted(kinds.values()).count("note") == 12
    assert seen[0] == (0, 15) and seen[-1] == (15, 15)
    # what the stats show agrees with the report
    assert stats.counts == counts and stats.files == 16
    assert stats.notes_dir == os.path.realpath(vault)
    assert [s.path for s in stats.skipped] == [s.path for s in report.skipped]
    # the directory names the channels; hubs give episode titles
    assert dict(query(db, "SELECT channel, display_name FROM channels")) == {
        "curiousorbit": "The Curious Orbit", "stockpotledger": "Stockpot & Ledger"}
    titles = {t for (t,) in query(db, "SELECT title FROM episodes")}
    assert "The Real Cost of a Plate of Pasta" in titles
    assert fts_paths(db, "marble") == {QT}
    assert not list(db.parent.glob("*.building*"))


async def test_stats_of_an_empty_cache(db: Path) -> None:
    async with NotesCache(db) as cache:
        stats = await cache.stats()
        assert stats.counts.notes == 0 and stats.last_sync is None
        assert await cache.counts() == type(stats.counts)()



# --------------------------------------------------------------------------- rebuilds

async def test_other_schema_version_is_rebuilt(vault: Path, db: Path, tmp_path: Path) -> None:
    await sync(db, vault)
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version = {sql.SCHEMA_VERSION + 1}")
    con.execute("DELETE FROM notes")  # what an old build holds must not survive
    con.commit()
    con.close()
    async with NotesCache(db, workers=1) as cache:
        assert not await cache.is_ready()
        assert (await cache.counts()).notes == 0
        report = await cache.sync(vault)
        assert await cache.is_ready()
    assert report.mode == "cold" and report.counts.notes == 12
    assert query(db, "PRAGMA user_version") == [(sql.SCHEMA_VERSION,)]
    await assert_same_as_cold(db, vault, tmp_path)


def test_a_file_that_is_not_a_cache_is_refused_by_index(vault: Path, db: Path) -> None:
    """``notecast index --db notes.md`` must not turn a text file into a cache: it says so
    and leaves the file as it was. Run in a subprocess with a time limit: a failed open
    must not leave a thread behind that keeps the process from exiting."""
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not an SQLite database\n" * 200)
    before = db.read_bytes(), db.stat().st_mtime_ns
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTECAST_")}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "index", "--notes", str(vault), "--db", str(db), "--json"],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=20, check=False)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"notecast index hung: {(exc.stderr or b'')[-1500:]!r}") from None
    assert proc.returncode != 0
    assert "is not a Notecast cache" in proc.stderr + proc.stdout
    assert (db.read_bytes(), db.stat().st_mtime_ns) == before


async def test_other_notes_dir_is_refused_unless_rebuild(vault: Path, db: Path,
                                                         tmp_path: Path) -> None:
    await sync(db, vault)
    before = snapshot(db)
    other = tmp_path / "other"
    shutil.copytree(vault, other)
    (other / QT).unlink()
    with pytest.raises(VaultMismatch) as refused:
        await sync(db, other)
    message = str(refused.value)
    assert str(db) in message and os.path.realpath(vault) in message
    assert os.path.realpath(other) in message and "--rebuild" in message
    assert snapshot(db) == before
    async with NotesCache(db, readonly=True) as cache:  # /stats says why
        refused = (await cache.stats()).refused
        assert refused is not None and "--rebuild" in refused
    report = await sync(db, other, rebuild=True)
    assert report.mode == "rebuild" and report.counts.notes == 11
    await assert_same_as_cold(db, other, tmp_path)
    # the same folder by another path (a symbolic link) is the same vault
    link = tmp_path / "link"
    link.symlink_to(other)
    report = await sync(db, link)
    assert report.mode == "incremental" and report.parsed == 0


async def test_missing_notes_folder_keeps_the_cache(vault: Path, db: Path, tmp_path: Path) -> None:
    await sync(db, vault)
    before = snapshot(db)
    moved = tmp_path / "moved"
    vault.rename(moved)
    async with NotesCache(db, workers=1) as cache:
        with pytest.raises(VaultUnavailable):
            await cache.sync(vault)
        assert cache.generation == 1
        assert (await cache.counts()).notes == 12  # still readable, same connection
        assert (await cache.stats()).notes_dir == os.path.realpath(vault)
    assert snapshot(db) == before
    vault.write_text("a file, not a folder")
    with pytest.raises(VaultUnavailable):
        await sync(db, vault)
    assert snapshot(db) == before
    vault.unlink()
    moved.rename(vault)
    report = await sync(db, vault)
    assert report.mode == "incremental" and report.parsed == 0


async def test_cold_build_by_the_parse_pool_equals_one_made_in_a_thread(tmp_path: Path) -> None:
    """A large vault is parsed by worker processes that hand each batch's sections, links
    and quotes over in part files; a small one in a thread that hands them over directly.
    Both must give the same cache, and no part file may be left behind."""
    big = write_synthetic_vault(tmp_path / "big", notes=bot.cache.pool.POOL_THRESHOLD + 100,
                                channels=3)
    for name in ("quantum_tunneling.md", "bioluminescence_chemistry.md"):  # quotes, moments
        shutil.copy(SAMPLE_VAULT / "curiousorbit" / name, big.root / "show00" / name)
    db = tmp_path / "pool.db"
    async with NotesCache(db, workers=2) as cache:
        report = await cache.sync(big.root)
    assert report.mode == "cold" and report.counts.notes == big.notes + 2
    assert report.counts.blockquotes > 0 and report.counts.timestamps > 0
    assert not list(tmp_path.glob("pool.db.building*"))  # nor its part files
    await assert_same_as_cold(db, big.root, tmp_path)


async def test_parse_workers_yield_the_cpu_to_the_bot(db: Path) -> None:
    """During a first build the workers run at a lower priority than the bot's process."""
    pool = await asyncio.to_thread(bot.cache.pool.start_pool, 2)
    try:
        niceness = pool.submit(os.nice, 0).result(timeout=60)
    finally:
        pool.shutdown()
    assert niceness == min(19, os.nice(0) + bot.cache.pool.WORKER_NICENESS)


async def test_a_regenerated_vault_is_built_anew_not_updated_note_by_note(tmp_path: Path) -> None:
    """When most files changed (the generator ran again), the sync builds a new cache, as
    fast as a first build and with flat memory, and no note id comes to mean another note."""
    big = write_synthetic_vault(tmp_path / "big", notes=bot.cache.incremental.REBUILD_MIN_FILES + 60,
                                channels=3)
    an_hour_ago = time.time() - 3600
    for path in all_files(big.root):  # not "racily clean": the next sync trusts their stats
        os.utime(big.root / path, (an_hour_ago, an_hour_ago))
    db = tmp_path / "regen.db"
    async with NotesCache(db, workers=2) as cache:
        await cache.sync(big.root)
        old_ids = {row["id"] for row in await cache.fetch_all("SELECT id FROM notes")}
        for rel in big.note_paths:
            with (big.root / rel).open("a", encoding="utf-8") as f:
                f.write("\n## Addendum\n\nA zorblefish swam past the quixotrant.\n")
        report = await cache.sync(big.root)
        new_ids = {row["id"] for row in await cache.fetch_all("SELECT id FROM notes")}
    assert report.mode == "rebuild" and report.parsed == len(all_files(big.root))
    assert report.counts.notes == big.notes and min(new_ids) > max(old_ids)
    assert len(fts_paths(db, "zorblefish")) == big.notes
    assert not list(tmp_path.glob("regen.db.building*"))
    await assert_same_as_cold(db, big.root, tmp_path)


async def test_a_few_changed_notes_are_updated_in_place(tmp_path: Path) -> None:
    big = write_synthetic_vault(tmp_path / "big", notes=bot.cache.incremental.REBUILD_MIN_FILES + 60,
                                channels=3)
    an_hour_ago = time.time() - 3600
    for path in all_files(big.root):
        os.utime(big.root / path, (an_hour_ago, an_hour_ago))
    db = tmp_path / "few.db"
    async with NotesCache(db, workers=2) as cache:
        await cache.sync(big.root)
        changed = big.note_paths[:: 10]
        for rel in changed:
            with (big.root / rel).open("a", encoding="utf-8") as f:
                f.write("\n## Addendum\n\nA zorblefish swam past the quixotrant.\n")
        report = await cache.sync(big.root)
    assert report.mode == "incremental" and report.parsed == len(changed)
    await assert_same_as_cold(db, big.root, tmp_path)


# --------------------------------------------------------------------------- concurrency

async def test_concurrent_syncs_on_one_cache_take_turns(vault: Path, db: Path,
                                                        tmp_path: Path) -> None:
    async with NotesCache(db, workers=1) as cache:
        first, second = await asyncio.gather(cache.sync(vault), cache.sync(vault))
        assert cache.generation == 1
        _replace(vault / QT, "marble", "zorblefish")
        third, fourth = await asyncio.gather(cache.sync(vault), cache.sync(vault))
    assert (first.mode, second.mode) == ("cold", "incremental")
    assert second.parsed == 0 and second.counts.notes == 12
    assert (third.parsed, fourth.parsed) == (1, 0)
    await assert_same_as_cold(db, vault, tmp_path)


async def test_two_caches_on_one_file_can_cold_build_at_once(vault: Path, db: Path,
                                                             tmp_path: Path) -> None:
    """The bot and ``notecast index`` may build the same (new) cache at the same time."""
    async with NotesCache(db, workers=1) as one, NotesCache(db, workers=1) as two:
        reports = await asyncio.gather(one.sync(vault), two.sync(vault),
                                       return_exceptions=True)
        errors = [r for r in reports if isinstance(r, BaseException)]
        assert not errors, f"a sync failed: {errors!r}"
        assert (await one.counts()).notes == (await two.counts()).notes == 12
    await assert_same_as_cold(db, vault, tmp_path)
