"""Incremental syncs: every kind of edit gives what a cold build of the edited vault gives,
reading only the files that changed."""

# The tests change the vault on disk between awaits, on purpose and in the event loop.

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import bot.cache.incremental
import bot.cache.loader
import bot.cache.pool
from bot.cache.store import NotesCache
from tests.cache.helpers import (
    all_files,
    fts_paths,
    snapshot,
)
from tests.cache.store_helpers import (
    HUB,
    NEW_NOTE,
    QT,
    Reads,
    _replace,
    _write,
    assert_same_as_cold,
    bump_mtime,
    note_id_of,
    query,
    rows_of_note,
    sync,
)

# --------------------------------------------------------------------------- warm syncs

async def test_warm_sync_reads_no_file(vault: Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    await sync(db, vault)
    before = snapshot(db)
    reads = Reads(monkeypatch, vault)
    async with NotesCache(db, workers=1) as cache:
        generation = cache.generation
        report = await cache.sync(vault)
        assert cache.generation == generation == 1  # nothing changed
    assert report.mode == "incremental"
    assert (report.parsed, report.unchanged, report.removed) == (0, 15, 0)
    assert [s.path for s in report.skipped] == ["index.md"]
    assert report.counts.notes == 12
    assert reads.loaded == [] and reads.opened == []
    assert snapshot(db) == before


async def test_warm_sync_never_calls_the_loader(vault: Path, db: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    await sync(db, vault)

    def fail(*args: Any) -> None:
        raise AssertionError("a file was loaded")

    monkeypatch.setattr(bot.cache.pool, "load_batch", fail)
    monkeypatch.setattr(bot.cache.loader, "load_batch", fail)
    report = await sync(db, vault)
    assert report.parsed == 0 and report.unchanged == 15


async def test_touched_file_is_hashed_once_not_parsed(vault: Path, db: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    await sync(db, vault)
    bump_mtime(vault / QT)
    reads = Reads(monkeypatch, vault)
    async with NotesCache(db, workers=1) as cache:
        report = await cache.sync(vault)
        assert cache.generation == 1  # a new stat is not a change
    assert (report.parsed, report.unchanged) == (0, 15)
    assert reads.loaded == [QT]  # hashed, found unchanged
    mtime = query(db, "SELECT mtime_ns FROM files WHERE path = ?", QT)[0][0]
    assert mtime == (vault / QT).stat().st_mtime_ns
    reads.clear()
    report = await sync(db, vault)
    assert report.parsed == 0 and reads.loaded == []  # its new stat was recorded
    await assert_same_as_cold(db, vault, tmp_path)


async def test_changed_note_is_parsed_and_searchable(vault: Path, db: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    await sync(db, vault)
    old_id = note_id_of(db, QT)
    path = vault / QT
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("marble", "zorblefish")
                    .replace("## The Barrier Problem", "## The Quixotrant Barrier"),
                    encoding="utf-8")
    reads = Reads(monkeypatch, vault)
    async with NotesCache(db, workers=1) as cache:
        assert cache.generation == 1
        report = await cache.sync(vault)
        assert cache.generation == 2
    assert (report.parsed, report.unchanged, report.removed) == (1, 14, 0)
    assert reads.loaded == [QT]
    assert fts_paths(db, "zorblefish") == {QT}
    assert fts_paths(db, "quixotrant") == {QT}
    assert fts_paths(db, "marble") == set()
    headings = {h for (h,) in query(db, "SELECT heading FROM sections s JOIN notes n "
                                        "ON n.id = s.note_id WHERE n.path = ?", QT)}
    assert "The Quixotrant Barrier" in headings and "The Barrier Problem" not in headings
    if note_id_of(db, QT) != old_id:
        assert rows_of_note(db, old_id or 0) == dict.fromkeys(rows_of_note(db, 0), 0)
    await assert_same_as_cold(db, vault, tmp_path)


async def test_same_size_edit_is_picked_up(vault: Path, db: Path, tmp_path: Path) -> None:
    await sync(db, vault)
    path = vault / QT
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("marble", "pebble"), encoding="utf-8")  # same length
    bump_mtime(path)
    report = await sync(db, vault)
    assert report.parsed == 1
    assert fts_paths(db, "pebble") == {QT} and fts_paths(db, "marble") == set()
    await assert_same_as_cold(db, vault, tmp_path)


async def test_same_size_rewrite_within_one_clock_tick_is_picked_up(
        vault: Path, db: Path, tmp_path: Path) -> None:
    """A note rewritten (same size) just after a sync read it, within the file system's
    timestamp granularity, keeps its mtime: the sync must not trust a stat that was as new
    as the sync itself ("racily clean", as git calls it)."""
    path = vault / QT
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")  # mtime: now
    await sync(db, vault)
    info = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("marble", "pebble"), encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # the same clock tick
    report = await sync(db, vault)
    assert report.parsed == 1, "a same-tick rewrite was missed and will never be seen"
    assert fts_paths(db, "pebble") == {QT}


async def test_removed_note_leaves_no_rows(vault: Path, db: Path, tmp_path: Path) -> None:
    await sync(db, vault)
    note_id = note_id_of(db, QT)
    assert note_id is not None
    assert all(rows_of_note(db, note_id).values())  # it had rows of every kind
    (vault / QT).unlink()
    async with NotesCache(db, workers=1) as cache:
        report = await cache.sync(vault)
        assert cache.generation == 2
    assert (report.removed, report.parsed, report.unchanged) == (1, 0, 14)
    assert report.counts.notes == 11
    assert rows_of_note(db, note_id) == dict.fromkeys(rows_of_note(db, note_id), 0)
    assert query(db, "SELECT * FROM files WHERE path = ?", QT) == []
    assert fts_paths(db, "marble") == set()
    await assert_same_as_cold(db, vault, tmp_path)


async def test_added_note_is_indexed(vault: Path, db: Path, tmp_path: Path) -> None:
    await sync(db, vault)
    (vault / "stockpotledger" / "walk_in_freezer.md").write_text(
        "---\ntitle: Walk-in freezer\nvideoId: Hy9u_3kM5dW\n---\n\nFrom: [[stockpotledger]] <br/>\n\n"
        "## Defrosting\n\nThe glimmerwick gasket needs checking "
        '<a class="yt-timestamp" data-t="00:03:10">[00:03:10]</a>.\n', encoding="utf-8")
    report = await sync(db, vault)
    assert (report.parsed, report.unchanged, report.counts.notes) == (1, 15, 13)
    assert fts_paths(db, "glimmerwick") == {"stockpotledger/walk_in_freezer.md"}
    await assert_same_as_cold(db, vault, tmp_path)


async def test_hub_edit_updates_episodes_without_reparsing_notes(
        vault: Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    await sync(db, vault)
    ids = query(db, "SELECT id, path FROM notes ORDER BY id")
    hub = vault / HUB
    hub.write_text(hub.read_text(encoding="utf-8").replace(
        "Why Particles Walk Through Walls", "How Particles Pass Through Walls"), encoding="utf-8")
    reads = Reads(monkeypatch, vault)
    report = await sync(db, vault)
    assert (report.parsed, report.unchanged) == (1, 14)
    assert reads.loaded == [HUB]
    titles = {t for (t,) in query(db, "SELECT title FROM episodes WHERE channel = 'curiousorbit'")}
    assert "How Particles Pass Through Walls, with Dr. Anselm Keogh" in titles
    assert not any(t.startswith("Why Particles") for t in titles)
    assert query(db, "SELECT id, path FROM notes ORDER BY id") == ids
    assert report.counts.episodes == 4


async def test_hub_edit_keeps_the_directory_display_name(vault: Path, db: Path,
                                                         tmp_path: Path) -> None:
    await sync(db, vault)
    hub = vault / HUB
    hub.write_text(hub.read_text(encoding="utf-8").replace("Why Particles", "How Particles"),
                   encoding="utf-8")
    await sync(db, vault)
    names = dict(query(db, "SELECT channel, display_name FROM channels"))
    assert names["curiousorbit"] == "The Curious Orbit", "directory.md names the channel"
    await assert_same_as_cold(db, vault, tmp_path)


@pytest.mark.parametrize(("content", "reason"), [
    (b"\x00\x01\x02\x03 not text", "binary"),
    (b"", "empty"),
    (b"  \n\n\t\n", "empty"),
])
async def test_note_that_turns_unreadable_then_is_fixed(vault: Path, db: Path, tmp_path: Path,
                                                        content: bytes, reason: str) -> None:
    await sync(db, vault)
    note_id = note_id_of(db, QT)
    assert note_id is not None
    original = (vault / QT).read_bytes()
    (vault / QT).write_bytes(content)
    bump_mtime(vault / QT)
    report = await sync(db, vault)
    assert report.parsed == 1 and report.counts.notes == 11
    skipped = {s.path: s.reason for s in report.skipped}
    assert reason in skipped[QT]
    assert rows_of_note(db, note_id) == dict.fromkeys(rows_of_note(db, note_id), 0)
    assert fts_paths(db, "marble") == set()
    await assert_same_as_cold(db, vault, tmp_path)
    # still skipped, and still reported, on the next sync (without reading it again)
    report = await sync(db, vault)
    assert report.parsed == 0 and QT in {s.path for s in report.skipped}
    async with NotesCache(db) as cache:
        assert QT in {s.path for s in (await cache.stats()).skipped}
    # fixed again
    (vault / QT).write_bytes(original)
    bump_mtime(vault / QT, 20)
    report = await sync(db, vault)
    assert report.parsed == 1 and report.counts.notes == 12
    assert QT not in {s.path for s in report.skipped}
    assert fts_paths(db, "marble") == {QT}
    await assert_same_as_cold(db, vault, tmp_path)


# --------------------------------------------------------------------------- any edit

EDITS: dict[str, Callable[[Path], None]] = {
    "edit a note": lambda v: _replace(v / QT, "marble", "zorblefish"),
    "rename a note": lambda v: (v / QT).rename(v / "curiousorbit" / "tunneling.md"),
    "move a note to the other channel": lambda v: (v / QT).rename(
        v / "stockpotledger" / "quantum_tunneling.md"),
    "add a note": lambda v: _write(v / "curiousorbit" / "sieve_sizes.md", NEW_NOTE),
    "edit a hub's episode title": lambda v: _replace(v / HUB, "Why Particles", "How Particles"),
    "edit a hub's title": lambda v: _replace(v / HUB, "title: CuriousOrbit", "title: Orbit!"),
    "remove a hub": lambda v: (v / HUB).unlink(),
    "edit directory.md": lambda v: _replace(v / "directory.md", "The Curious Orbit", "Orbit"),
    "remove directory.md": lambda v: (v / "directory.md").unlink(),
    "empty a note": lambda v: (v / QT).write_bytes(b""),
    "edit index.md (ignored)": lambda v: _replace(v / "index.md", "Sample Vault", "Vault"),
    "add a file that is not markdown": lambda v: (v / "curiousorbit" / "cover.jpg").write_bytes(
        b"\xff\xd8\xff"),
    "add a top-level page": lambda v: _write(v / "about.md", "# About\n"),
    "add a note with a duplicate name": lambda v: _write(
        v / "curiousorbit" / "quantum_tunneling\u200b.md", NEW_NOTE),
    "add a channel": lambda v: (
        _write(v / "newshow" / "newshow.md", "---\ntitle: New Show\n---\n### [Pilot]"
               "(https://www.youtube.com/watch?v=Ab3dE6gH9iJ)\n- [[first_topic]]\n"),
        _write(v / "newshow" / "first_topic.md", NEW_NOTE.replace("curiousorbit", "newshow"))),
    "remove a channel": lambda v: shutil.rmtree(v / "stockpotledger"),
    "empty a channel folder": lambda v: [p.unlink() for p in (v / "stockpotledger").iterdir()],
    "add a second hub to a channel": lambda v: _write(
        v / "curiousorbit" / "curiousorbit.md",
        (v / HUB).read_text(encoding="utf-8").replace("Why Particles", "How Particles")),
}


@pytest.mark.parametrize("edit", list(EDITS))
async def test_incremental_sync_equals_a_cold_build(vault: Path, db: Path, tmp_path: Path,
                                                    edit: str) -> None:
    await sync(db, vault)
    EDITS[edit](vault)
    report = await sync(db, vault)
    assert report.mode == "incremental"
    files = all_files(vault)
    assert report.files == len(files)
    await assert_same_as_cold(db, vault, tmp_path)
    # and a sync after that finds nothing to do
    again = await sync(db, vault)
    assert (again.parsed, again.removed) == (0, 0)


async def test_removing_one_of_two_hubs_keeps_the_other_hubs_episodes(
        vault: Path, db: Path, tmp_path: Path) -> None:
    """The real vault has channels with two hub files (acquiredfm.md and acquiredFM.md)
    that list the same episodes; removing or editing one must not drop the episodes that
    the other still lists."""
    second = vault / "curiousorbit" / "curiousorbit.md"
    second.write_text((vault / HUB).read_text(encoding="utf-8"), encoding="utf-8")
    episodes = "SELECT DISTINCT video_id FROM episodes WHERE channel = 'curiousorbit'"
    await sync(db, vault)
    assert len(query(db, episodes)) == 2
    second.unlink()
    await sync(db, vault)
    assert len(query(db, episodes)) == 2
    assert query(db, "SELECT display_name FROM channels WHERE channel = 'curiousorbit'") == [
        ("The Curious Orbit",)]
    await assert_same_as_cold(db, vault, tmp_path)


async def test_a_sync_that_changes_nothing_still_says_when_it_ran(vault: Path, db: Path) -> None:
    """`/stats` showed the time of the last sync that changed something beside the duration
    of the latest one."""
    async with NotesCache(db, workers=1) as cache:
        await cache.sync(vault)
        first = (await cache.stats()).last_sync
        await asyncio.sleep(0.01)
        report = await cache.sync(vault)
        assert report.parsed == 0 and report.removed == 0
        latest = (await cache.stats()).last_sync
    assert first is not None and latest is not None and latest > first
