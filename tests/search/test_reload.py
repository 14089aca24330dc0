"""A reload never blocks answers: the old snapshot serves until the new one is swapped in."""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from pathlib import Path

from bot.cache.store import NotesCache
from bot.config import SAMPLE_VAULT
from bot.search import RelatedNotes, TopicSearch
from bot.search.loading import build_snapshot
from bot.search.snapshot import Snapshot, Token
from tests.search.helpers import write_note


async def test_a_lookup_during_a_slow_reload_answers_from_the_old_snapshot(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, vault)
    release = threading.Event()
    building = threading.Event()
    slow = False

    def builder(path: Path, token: Token) -> Snapshot:
        if slow:
            building.set()
            release.wait(10)
        return build_snapshot(path, token)

    async with NotesCache(tmp_path / "c.db") as cache:
        await cache.sync(vault)
        topics = TopicSearch(cache)
        topics.index.builder = builder
        await topics.refresh()  # the very first load is awaited
        write_note(vault, "curiousorbit", "glass_sponges", "Glass sponges",
                   "Sponges that build skeletons of silica.")
        await cache.sync(vault)
        slow = True
        try:
            started = time.perf_counter()
            first = await topics.lookup("Quantum tunneling")  # notices the change
            assert await asyncio.to_thread(building.wait, 5)  # a reload is under way ...
            during = await topics.lookup("Quantum tunneling")  # ... and does not block this
            elapsed = time.perf_counter() - started
            assert first.best is not None and first.best.slug == "quantum_tunneling"
            assert during.best is not None and during.best.slug == "quantum_tunneling"
            assert elapsed < 3.0  # nowhere near the 10 s the builder would block
            assert topics.autocomplete("quantum")  # autocomplete answers too
            old = await topics.lookup("Glass sponges")
            assert old.best is None or old.best.slug != "glass_sponges"
        finally:
            release.set()
        await topics.refresh()  # the reload in flight finishes and is swapped in
        new = await topics.lookup("Glass sponges")
        assert new.best is not None and new.best.slug == "glass_sponges"
        await topics.aclose()


async def test_a_replaced_cache_file_is_noticed_and_read(tmp_path: Path) -> None:
    """Another process's cold build renames a new file into place: same generation here,
    another inode; the snapshot and its readers follow."""
    vault = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, vault)
    db = tmp_path / "c.db"
    async with NotesCache(db) as cache:
        await cache.sync(vault)
        async with TopicSearch(cache) as topics:
            assert (await topics.lookup("menu engineering")).best is not None
            other_vault = tmp_path / "other"
            write_note(other_vault, "harbor", "glass_sponges", "Glass sponges",
                       "Sponges that build skeletons of silica.")
            async with NotesCache(tmp_path / "other.db") as other:
                await other.sync(other_vault)
            await asyncio.to_thread(_move_into_place, tmp_path / "other.db", db)
            await topics.refresh()
            result = await topics.lookup("glass sponges")
            assert result.best is not None and result.best.key == "harbor/glass_sponges"
            related = await RelatedNotes(topics.index).related(result.best.note_id)
            assert related is not None and related.note.slug == "glass_sponges"


def _move_into_place(source: Path, target: Path) -> None:
    """What a cold build does: rename a finished file over the cache."""
    for suffix in ("-wal", "-shm"):
        Path(f"{source}{suffix}").unlink(missing_ok=True)
    source.replace(target)


async def test_a_cache_whose_token_fails_gives_not_ready_not_an_error(tmp_path: Path) -> None:
    async with NotesCache(tmp_path / "c.db") as cache:
        await cache.sync(SAMPLE_VAULT)
        topics = TopicSearch(cache)

        async def broken() -> tuple[int, int, int]:
            raise RuntimeError("the cache is closing")

        cache.token = broken  # type: ignore[method-assign]
        result = await topics.lookup("quantum tunneling")
        assert result.reason == "not ready" and result.hits == []
        assert topics.autocomplete("quantum") == []
        await topics.aclose()


async def test_the_first_lookup_after_a_change_answers_from_the_new_notes(tmp_path: Path) -> None:
    """After `notecast index` added a note, the bot's next answer still came from the old
    index (the reload ran behind it); a quick reload is now waited for, briefly."""
    vault = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, vault)
    async with NotesCache(tmp_path / "c.db") as cache:
        await cache.sync(vault)
        topics = TopicSearch(cache)
        await topics.refresh()
        write_note(vault, "curiousorbit", "glass_sponges", "Glass sponges",
                   "Sponges that build skeletons of silica.")
        await cache.sync(vault)
        found = await topics.lookup("Glass sponges")
        assert found.best is not None and found.best.slug == "glass_sponges"
        await topics.aclose()
