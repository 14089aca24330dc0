"""A sync killed at any point leaves the previous cache readable, and the next sync completes
the work."""

# The tests change the vault on disk between awaits, on purpose and in the event loop.
# ruff: noqa: ASYNC240

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cache.store import NotesCache
from tests.cache.helpers import (
    PausedSync,
    all_files,
    fts_paths,
    snapshot,
    write_synthetic_vault,
)
from tests.cache.store_helpers import (
    assert_same_as_cold,
    sync,
)

# --------------------------------------------------------------------------- crashes

@pytest.fixture
def big_vault(tmp_path: Path):
    return write_synthetic_vault(tmp_path / "big", notes=3000, channels=6)


def _eventually(found: Callable[[], list[Path]], seconds: float = 20.0) -> list[Path]:
    """What ``found`` returns once it is not empty (or empty after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while not (result := found()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return result


def _leftovers(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.glob(db.name + ".building*"))


@pytest.mark.parametrize("pause_at", ["half", "commit"])
async def test_killed_cold_build_leaves_the_old_cache(vault: Path, db: Path, tmp_path: Path,
                                                      big_vault, pause_at: str) -> None:
    await sync(db, vault)  # a complete cache of the sample vault
    before = snapshot(db)
    run = PausedSync(tmp_path, db, big_vault.root, pause_at, rebuild=True)
    try:
        where = run.wait_until_paused()
        [building] = db.parent.glob(db.name + ".building-[0-9]*[0-9]")  # the builder's side file
        assert building.stat().st_size > 0, where
        parts = building.with_name(building.name + ".parts")  # its parse workers' part files
        if pause_at == "half":  # the workers go on while the writer is paused
            assert _eventually(lambda: list(parts.glob("part-*.db"))), "the workers write part files"
    finally:
        run.kill()
    assert building.exists()  # the kill left a partial build behind
    assert parts.exists() == (pause_at == "half")  # (gone once all rows are copied)
    assert snapshot(db) == before  # the old cache is intact, and readable as it is
    async with NotesCache(db, workers=2) as cache:
        assert not _leftovers(db)
        assert (await cache.counts()).notes == 12
        report = await cache.sync(big_vault.root, rebuild=True)
    assert report.mode == "rebuild"
    counts = report.counts
    assert (counts.notes, counts.channels, counts.hubs, counts.episodes) == (
        big_vault.notes, big_vault.channels, big_vault.channels, big_vault.episodes)
    assert report.parsed == len(all_files(big_vault.root)) and report.skipped == []
    assert not _leftovers(db)
    assert snapshot(db)["indexed_sections"] == counts.sections


@pytest.mark.parametrize("pause_at", ["half", "commit"])
async def test_killed_incremental_sync_leaves_the_old_state(db: Path, tmp_path: Path,
                                                            big_vault, pause_at: str) -> None:
    await sync(db, big_vault.root)
    before = snapshot(db)
    changed = big_vault.note_paths[::12]  # many, but too few for a new build
    for rel in changed:
        with (big_vault.root / rel).open("a", encoding="utf-8") as f:
            f.write("\n## Addendum\n\nA zorblefish swam past the quixotrant.\n")
    wal = Path(str(db) + "-wal")
    wal_before = wal.stat().st_size if wal.exists() else 0
    run = PausedSync(tmp_path, db, big_vault.root, pause_at)
    try:
        run.wait_until_paused()
        if pause_at == "commit":
            # the transaction's pages went to the WAL: the kill lands mid-write
            assert wal.stat().st_size > wal_before + 1_000_000
    finally:
        run.kill()
    assert snapshot(db) == before
    assert fts_paths(db, "zorblefish") == set()
    report = await sync(db, big_vault.root)
    assert report.mode == "incremental"
    assert (report.parsed, report.removed) == (len(changed), 0)
    assert report.unchanged == len(all_files(big_vault.root)) - len(changed)
    assert len(fts_paths(db, "zorblefish")) == len(changed)
    await assert_same_as_cold(db, big_vault.root, tmp_path)


async def test_opening_the_cache_during_a_cold_build_elsewhere_does_not_break_it(
        db: Path, tmp_path: Path, big_vault) -> None:
    """``notecast stats`` (or a bot restart) while another process builds the cache."""
    run = PausedSync(tmp_path, db, big_vault.root, "half", pause_seconds=4)
    try:
        run.wait_until_paused()
        async with NotesCache(db) as cache:
            await cache.stats()
        rc, out, err = run.finish()
    finally:
        if run.proc.returncode is None:
            run.kill()
    assert rc == 0, err[-1500:]
    assert out.split()[:1] == ["cold"]
    assert snapshot(db)["notes"] and len(snapshot(db)["notes"]) == big_vault.notes
