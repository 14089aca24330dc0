"""The search index persisted in the cache (SearchTables) answers as the in-memory one does,
and follows the notes written and removed since it was built."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

from bot.cache.store import NotesCache
from bot.config import SAMPLE_VAULT
from bot.search import FullTextSearch, TopicSearch
from bot.search.tables import SearchTables
from tests.search.helpers import write_note

QUERIES = ["quantum tunneling", "quantm tunelling", "why do tiny particles get through walls",
           "How Likely Is It", "menu eng", "Teodora Vance", "food cost", "sourdogh starter"]


def _build_tables(db: Path) -> None:
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("BEGIN")
        SearchTables().build(con)
        con.execute("COMMIT")
    finally:
        con.close()


async def _answers(topics: TopicSearch) -> list[list[tuple[str, float]]]:
    out = []
    for query in QUERIES:
        result = await topics.lookup(query)
        out.append([(hit.key, hit.score) for hit in result.hits])
    return out


async def test_persisted_arrays_answer_as_the_in_memory_index(tmp_path: Path) -> None:
    async with NotesCache(tmp_path / "plain.db") as plain, \
            NotesCache(tmp_path / "arrays.db") as cache:
        await plain.sync(SAMPLE_VAULT)
        await cache.sync(SAMPLE_VAULT)
        await asyncio.to_thread(_build_tables, tmp_path / "arrays.db")
        async with TopicSearch(plain) as memory, TopicSearch(cache) as persisted:
            assert not (await memory.index.snapshot()).persisted
            assert (await persisted.index.snapshot()).persisted
            assert await _answers(persisted) == await _answers(memory)
            assert persisted.autocomplete("tun") == memory.autocomplete("tun")


async def test_notes_written_and_removed_since_the_arrays_were_built(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    await asyncio.to_thread(shutil.copytree, SAMPLE_VAULT, vault)
    db = tmp_path / "c.db"
    async with NotesCache(db) as cache:
        await cache.sync(vault)
        await asyncio.to_thread(_build_tables, db)
        # a new note, a removed one, a changed one (a new title and heading)
        write_note(vault, "curiousorbit", "glass_sponges", "Glass sponges",
                   "Sponges of silica.\n\n## Lanterns of the abyss\n\nThey glow.")
        await asyncio.to_thread((vault / "curiousorbit" / "deep_sea_sampling_gear.md").unlink)
        write_note(vault, "stockpotledger", "menu_engineering", "Menu psychology",
                   "Intro.\n\n## Decoy dishes\n\nA dear dish makes the next one look cheap.")
        await cache.sync(vault)
        async with TopicSearch(cache) as topics:
            snap = await topics.index.snapshot()
            assert snap.persisted
            new = await topics.lookup("glass sponges")
            assert new.best is not None and new.best.slug == "glass_sponges"
            heading = await topics.lookup("lanterns of the abyss")
            assert heading.best is not None and heading.best.slug == "glass_sponges"
            assert heading.best.matched_section == "Lanterns of the abyss"
            gone = await topics.lookup("deep sea sampling gear")
            assert all(hit.slug != "deep_sea_sampling_gear" for hit in gone.hits)
            assert all("deep_sea" not in c.value for c in topics.autocomplete("deep sea"))
            changed = await topics.lookup("menu psychology")
            assert changed.best is not None and changed.best.title == "Menu psychology"
            assert [h.slug for h in changed.hits].count("menu_engineering") == 1
            decoy = await topics.lookup("decoy dishes")
            assert decoy.best is not None and decoy.best.matched_section == "Decoy dishes"
            names = [c.name for c in topics.autocomplete("menu")]
            assert any(name.startswith("Menu psychology") for name in names)
            assert not any(name.startswith("Menu engineering") for name in names)
            suggestions = (await topics.lookup("deep sea sampling")).did_you_mean
            assert suggestions and all(suggestions)  # never the empty title of a gone note
            assert "Deep sea sampling gear" not in suggestions
            # the word only the new note holds is searched in full text too
            assert (await FullTextSearch(topics.index).search("silica"))[0].slug == "glass_sponges"


def _max_id(db: Path) -> int:
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT data FROM search_blobs WHERE name = 'meta.max_id'").fetchone()
        return int(bytes(row[0]).decode())
    finally:
        con.close()


def _update(db: Path, changed: list[int]) -> None:
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("BEGIN")
        SearchTables().update(con, changed, [])
        con.execute("COMMIT")
    finally:
        con.close()


async def test_update_builds_again_when_an_id_is_reused(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    await asyncio.to_thread(shutil.copytree, SAMPLE_VAULT, vault)
    db = tmp_path / "c.db"
    async with NotesCache(db) as cache:
        await cache.sync(vault)
        await asyncio.to_thread(_build_tables, db)
        built = await asyncio.to_thread(_max_id, db)
        write_note(vault, "curiousorbit", "glass_sponges", "Glass sponges", "Silica.")
        await cache.sync(vault)
        await asyncio.to_thread(_update, db, [built + 1])  # one new note: nothing to do
        assert await asyncio.to_thread(_max_id, db) == built
        await asyncio.to_thread(_update, db, [built])  # an id the arrays cover: built again
        assert await asyncio.to_thread(_max_id, db) == built + 1


async def test_the_cache_builds_and_keeps_the_arrays(tmp_path: Path) -> None:
    """Through the cache's derived-tables hook: built with the cache, then followed."""
    vault = tmp_path / "vault"
    await asyncio.to_thread(shutil.copytree, SAMPLE_VAULT, vault)
    db = tmp_path / "c.db"
    async with NotesCache(db, derived=[SearchTables()]) as cache:
        await cache.sync(vault)
        built = await asyncio.to_thread(_max_id, db)
        async with TopicSearch(cache) as topics:
            assert (await topics.index.snapshot()).persisted
            write_note(vault, "curiousorbit", "glass_sponges", "Glass sponges", "Silica.")
            await cache.sync(vault)
            await topics.refresh()
            snap = await topics.index.snapshot()
            assert snap.persisted
            result = await topics.lookup("glass sponges")
            assert result.best is not None and result.best.slug == "glass_sponges"
        assert await asyncio.to_thread(_max_id, db) == built  # one note: not built again
