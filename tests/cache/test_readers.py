"""Commands read apart from the sync: a read sees the cache before a sync's commit or after
it, never half of it; a rebuild swaps the file in under running commands without failing
one; a cache rebuilt by another process is followed without reopening by hand."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.cache import CacheCounts, NotesCache
from bot.cache.errors import CacheUnreadable
from bot.cache.readers import ReaderPool
from bot.notes.reader import NoteReader
from tests.cache.helpers import REPO_ROOT, SAMPLE_VAULT, CommitPause, write_synthetic_vault

QT = "curiousorbit/quantum_tunneling.md"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, root)
    return root


async def _note_id(cache: NotesCache, path: str) -> int:
    return int((await cache.fetch_one("SELECT id FROM notes WHERE path = :p", {"p": path}))["id"])


async def test_a_read_during_a_sync_sees_the_old_state_until_it_commits(
        tmp_path: Path, vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mid-sync reads used the writer's connection and saw its transaction half-applied:
    a note count that fell, a note that had left the vault."""
    async with NotesCache(tmp_path / "c.db", workers=1) as cache:
        await cache.sync(vault)
        before, token = await cache.counts(), await cache.token()
        old_id = await _note_id(cache, QT)
        text = (vault / QT).read_text(encoding="utf-8")
        (vault / QT).write_text(text.replace("marble", "zorblefish"), encoding="utf-8")
        pause = CommitPause(monkeypatch)
        syncing = asyncio.create_task(cache.sync(vault))
        await asyncio.wait_for(pause.reached.wait(), 30)
        # every row of the new note is written, the old one deleted, nothing committed
        assert await cache.counts() == before
        assert await cache.token() == token
        card = await NoteReader(cache).card(old_id)
        assert card is not None and "marble" in " ".join(s.text for s in card.sections)
        pause.release()
        report = await syncing
        after = await cache.counts()
        assert report.parsed == 1 and after.notes == before.notes
        new_token = await cache.token()
        assert new_token[:2] == token[:2] and new_token[2] == token[2] + 1
        assert await NoteReader(cache).card(await _note_id(cache, QT)) is not None


async def test_counts_never_fall_while_a_sync_runs(tmp_path: Path, vault: Path) -> None:
    async with NotesCache(tmp_path / "c.db", workers=1) as cache:
        await cache.sync(vault)
        before = await cache.counts()
        text = (vault / QT).read_text(encoding="utf-8")  # deleted and written anew
        (vault / QT).write_text(text.replace("marble", "zorblefish"), encoding="utf-8")
        for name in ("sieve", "mesh", "grain"):
            (vault / "curiousorbit" / f"{name}.md").write_text(
                f"---\ntitle: {name}\n---\n\n## Part\n\nA {name} of words.\n", encoding="utf-8")
        seen: list[CacheCounts] = []
        done = asyncio.Event()

        async def watch() -> None:
            while not done.is_set():
                seen.append(await cache.counts())
                await asyncio.sleep(0)

        watcher = asyncio.create_task(watch())
        await cache.sync(vault)
        done.set()
        await watcher
        after = await cache.counts()
    assert after.notes == before.notes + 3
    assert seen and all(c in (before, after) for c in seen)


async def test_a_rebuild_under_running_commands_fails_none(tmp_path: Path) -> None:
    """A full rebuild closed the connection under /stats and /topic, which got the apology."""
    big = write_synthetic_vault(tmp_path / "big", notes=700, channels=3)
    async with NotesCache(tmp_path / "c.db", workers=2) as cache:
        await cache.sync(big.root)
        ids = [row["id"] for row in await cache.fetch_all("SELECT id FROM notes")]
        reader = NoteReader(cache)
        stop = asyncio.Event()
        failures: list[BaseException] = []
        counts: list[int] = []

        async def hammer(i: int) -> None:
            while not stop.is_set():
                try:
                    counts.append((await cache.stats()).counts.notes)
                    await reader.card(ids[i % len(ids)])
                    await cache.token()
                except Exception as exc:  # each one is a failed command
                    failures.append(exc)
                await asyncio.sleep(0)
                i += 7

        workers = [asyncio.create_task(hammer(i)) for i in range(4)]
        report = await cache.sync(big.root, rebuild=True)
        await asyncio.sleep(0.05)
        stop.set()
        await asyncio.gather(*workers)
    assert report.mode == "rebuild"
    assert not failures, failures[:3]
    assert counts and set(counts) == {700}


async def test_another_process_rebuilding_the_file_is_followed(tmp_path: Path, vault: Path) -> None:
    """`notecast index` beside the bot replaced the cache; the bot kept reading the old file
    ("That note has just left the vault") until a restart."""
    db = tmp_path / "c.db"
    other = tmp_path / "other"
    shutil.copytree(vault, other)
    (other / "stockpotledger" / "walk_in_freezer.md").write_text(
        "---\ntitle: Walk-in freezer\n---\n\n## Defrosting\n\nThe gasket needs checking.\n",
        encoding="utf-8")
    async with NotesCache(db, workers=1) as bot_cache:
        await bot_cache.sync(vault)
        first = await bot_cache.token()
        assert (await bot_cache.counts()).notes == 12
        async with NotesCache(db, workers=1) as index:  # another "process"
            await index.sync(other, rebuild=True)
        token = await bot_cache.token()
        assert token[:2] != first[:2] and token[2] > first[2]
        assert (await bot_cache.counts()).notes == 13
        new_id = await _note_id(bot_cache, "stockpotledger/walk_in_freezer.md")
        card = await NoteReader(bot_cache).card(new_id)
        assert card is not None and card.title == "Walk-in freezer"
        # and an incremental sync by the other "process" is seen too
        async with NotesCache(db, workers=1) as index:
            (other / "stockpotledger" / "walk_in_freezer.md").unlink()
            await index.sync(other)
        assert (await bot_cache.counts()).notes == 12
        assert (await bot_cache.token())[2] == token[2] + 1
        assert bot_cache.generation == token[2] + 1


async def test_an_index_in_another_process_keeps_the_bots_readers_working(
        tmp_path: Path, vault: Path) -> None:
    """The bot's own sync looked at the cache file with a plain open(); closing it dropped
    the POSIX locks of the bot's SQLite connections, so `notecast index` in another process
    deleted the WAL under them: the bot answered from stale data, then called the cache
    damaged."""
    db = tmp_path / "c.db"
    async with NotesCache(db, workers=1) as bot_cache:
        await bot_cache.sync(vault)  # (looks at the file's ownership with readers open)
        assert (await bot_cache.counts()).notes == 12
        await bot_cache.sync(vault)
        for round_ in range(2):
            (vault / "stockpotledger" / f"new_{round_}.md").write_text(
                f"---\ntitle: Walk-in freezer {round_}\n---\n\n## Gasket\n\nCheck it.\n",
                encoding="utf-8")
            index = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "index", "--notes", str(vault), "--db", str(db),
                cwd=REPO_ROOT, stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE)
            _, err = await index.communicate()
            assert index.returncode == 0, err.decode()
            assert Path(f"{db}-wal").exists() and Path(f"{db}-shm").exists()  # noqa: ASYNC240
            assert (await bot_cache.counts()).notes == 13 + round_
            await bot_cache.sync(vault)  # nothing changed: no damage seen, nothing lost
            assert not bot_cache.damaged
            assert (await bot_cache.counts()).notes == 13 + round_


async def test_a_cache_sqlite_cannot_open_read_only_is_one_line(
        tmp_path: Path, vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache in a read-only folder (SQLite cannot make its -shm file) gave a traceback."""
    db = tmp_path / "c.db"
    async with NotesCache(db, workers=1) as cache:
        await cache.sync(vault)

    def refuse(*_args: object) -> None:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(ReaderPool, "_read", refuse)
    with pytest.raises(CacheUnreadable) as failed:
        async with NotesCache(db, readonly=True) as cache:
            await cache.stats()
    message = str(failed.value)
    assert str(db) in message and "\n" not in message and "writable folder" in message


async def test_closing_the_readers_waits_for_a_read_in_flight(tmp_path: Path, vault: Path) -> None:
    """Closing the readers while a cancelled command's read still ran in its thread closed the
    connection under it: the process died of a segmentation fault."""
    db = tmp_path / "c.db"
    async with NotesCache(db, workers=1) as cache:
        await cache.sync(vault)
    pool = ReaderPool(db)
    started, finished = threading.Event(), threading.Event()

    def slow_read(con: sqlite3.Connection) -> int:
        started.set()
        time.sleep(0.3)  # (in the reader's thread)
        count = con.execute("SELECT count(*) FROM sections").fetchone()[0]
        finished.set()
        return int(count)

    read = asyncio.create_task(pool.run(slow_read))
    await asyncio.to_thread(started.wait, 5)
    read.cancel()
    await pool.close()
    assert finished.is_set()  # the read ran to its end before its connection was closed
