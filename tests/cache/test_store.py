"""The notes cache: cold builds, incremental syncs, and what survives a crash.

Each test works on its own copy of the sample vault (or a synthetic vault of invented
notes) and its own cache file. The central check is :func:`helpers_cache.snapshot`: after
any sequence of incremental syncs, the cache must hold exactly what a fresh cold build of
the same vault holds.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import bot.cache.incremental
import bot.cache.loader
import bot.cache.pool
from bot.cache import sql
from bot.cache.store import NotesCache, SyncReport, VaultMismatch, VaultUnavailable
from tests.cache.helpers import (
    REPO_ROOT,
    SAMPLE_VAULT,
    PausedSync,
    all_files,
    cold_snapshot,
    fts_paths,
    snapshot,
    write_synthetic_vault,
)

QT = "curiousorbit/quantum_tunneling.md"  # 4 sections, links, timestamps and blockquotes
HUB = "curiousorbit/CuriousOrbit.md"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, root)
    return root


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "notes.db"


async def sync(db: Path, vault: Path, **kwargs: Any) -> SyncReport:
    async with NotesCache(db, workers=1) as cache:
        return await cache.sync(vault, **kwargs)


async def assert_same_as_cold(db: Path, vault: Path, tmp_path: Path) -> dict[str, Any]:
    """The cache at ``db`` holds what a cold build of ``vault`` holds."""
    fresh = tmp_path / f"cold-{len(list(tmp_path.glob('cold-*')))}.db"
    expected = await cold_snapshot(vault, fresh)
    actual = snapshot(db)
    for table in expected:
        assert actual[table] == expected[table], f"{table} differs from a cold build"
    return actual


class Reads:
    """Records every vault file the loader reads and every os.open under the vault."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, vault: Path) -> None:
        self.loaded: list[str] = []
        self.opened: list[str] = []
        real_read = bot.cache.loader.read_vault_file
        real_open = os.open
        prefix = os.path.realpath(vault) + os.sep

        def read(root: str, rel_path: str) -> tuple[bytes, int, int]:
            self.loaded.append(rel_path)
            return real_read(root, rel_path)

        def spy_open(path: Any, *args: Any, **kwargs: Any) -> int:
            if os.path.realpath(os.fsdecode(path)).startswith(prefix):
                self.opened.append(os.fsdecode(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(bot.cache.loader, "read_vault_file", read)
        monkeypatch.setattr(os, "open", spy_open)

    def clear(self) -> None:
        self.loaded.clear()
        self.opened.clear()


def bump_mtime(path: Path, seconds: int = 10) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + seconds * 1_000_000_000))


def rows_of_note(db: Path, note_id: int) -> dict[str, int]:
    con = sqlite3.connect(db)
    try:
        lo, hi = note_id * sql.SECTION_STRIDE, note_id * sql.SECTION_STRIDE + sql.SECTION_STRIDE - 1
        return {
            "notes": con.execute("SELECT COUNT(*) FROM notes WHERE id = ?", (note_id,)).fetchone()[0],
            "sections": con.execute("SELECT COUNT(*) FROM sections WHERE note_id = ?",
                                    (note_id,)).fetchone()[0],
            "links": con.execute("SELECT COUNT(*) FROM links WHERE note_id = ?",
                                 (note_id,)).fetchone()[0],
            "timestamps": con.execute(
                "SELECT COALESCE(SUM(json_array_length(moments)), 0) FROM sections WHERE note_id = ?",
                (note_id,)).fetchone()[0],
            "blockquotes": con.execute("SELECT COUNT(*) FROM blockquotes WHERE note_id = ?",
                                       (note_id,)).fetchone()[0],
            "fts": con.execute("SELECT COUNT(*) FROM search_docsize WHERE id BETWEEN ? AND ?",
                               (lo, hi)).fetchone()[0],
        }
    finally:
        con.close()


def note_id_of(db: Path, path: str) -> int | None:
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT id FROM notes WHERE path = ?", (path,)).fetchone()
        return row[0] if row else None
    finally:
        con.close()


def query(db: Path, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(statement, params).fetchall()
    finally:
        con.close()


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

def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


NEW_NOTE = ("---\ntitle: Sieve sizes\nvideoId: Qm7tR2vX9pL\n---\n\nFrom: [[curiousorbit]] <br/>\n\n"
            "## Mesh\n\nA [[quantum_tunneling | tunnel]] through the mesh "
            '<a class="yt-timestamp" data-t="00:09:09">[00:09:09]</a>.\n\n> Fine mesh, fine catch.\n')

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


# --------------------------------------------------------------------------- crashes

@pytest.fixture
def big_vault(tmp_path: Path):
    return write_synthetic_vault(tmp_path / "big", notes=3000, channels=6)


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
        if pause_at == "half":
            assert list(parts.glob("part-*.db")), "the workers write part files"
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
