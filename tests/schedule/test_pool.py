"""The quote of the day's pool (bot/quotes/pool.py): attributed quotes only, the speaker
and channel filters resolved as /quote resolves them, keys that survive a rebuild of the
cache, an edit or a deletion seen by the next ask, the pool kept while the cache is
unchanged."""

from __future__ import annotations

from pathlib import Path

from bot.schedule.rotation import quote_key
from tests.schedule.helpers import world


async def test_the_pool_holds_attributed_quotes_only(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        pool = await w.quotes.pools.pool()
        assert len(pool) == 9  # the unattributed "Lamps were lit here..." is not in it
        quotes = [await w.quotes.pools.quote_by_key(k) for k in pool.keys]
        assert all(q is not None and q.speaker for q in quotes)
        assert not any(q is not None and q.text.startswith('"Lamps') for q in quotes)


async def test_filters_resolve_as_quote_does(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        pools = w.quotes.pools
        typo = await pools.pool("mira castel")
        assert (typo.speaker, len(typo)) == ("Mira Castell", 4)  # in both channels
        harbour = await pools.pool("Mira Castell", "Harbour")
        assert (harbour.channel, len(harbour)) == ("harbour", 3)
        assert len(await pools.pool(None, "kitchen")) == 3
        nobody = await pools.pool("Zebedee Nobody")
        assert nobody.speaker_unknown and not len(nobody)
        assert "Mira Castell" in nobody.suggest_speakers
        nowhere = await pools.pool(None, "nowhere")
        assert nowhere.channel_unknown and not len(nowhere)
        assert await pools.pool_keys("Ilse Varga", "harbour") == []


async def test_keys_survive_a_rebuild_and_follow_edits(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        pools = w.quotes.pools
        before = await pools.pool()
        assert await pools.pool() is before  # kept while the cache does not change
        await w.cache.sync(w.vault, rebuild=True)
        rebuilt = await pools.pool()
        assert rebuilt is not before and set(rebuilt.keys) == set(before.keys)
        bread = w.vault / "kitchen" / "bread_at_dawn.md"
        bread.write_text(bread.read_text(encoding="utf-8").replace(
            "Bread is a clock you can eat.", "Bread is a clock you can share."), encoding="utf-8")
        (w.vault / "harbour" / "lighthouse_keepers.md").unlink()
        await w.sync()
        old = quote_key("kitchen", "bread_at_dawn", '"Bread is a clock you can eat."')
        new = quote_key("kitchen", "bread_at_dawn", '"Bread is a clock you can share."')
        after = await pools.pool()
        assert old in before and old not in after and new in after
        assert len(after) == 3
        assert await pools.quote_by_key(old) is None
        edited = await pools.quote_by_key(new)
        assert edited is not None and edited.speaker == "Mira Castell"
        gone = [k for k in before.keys if k not in after]
        assert len(gone) == 7
        assert [await pools.quote_by_key(k) for k in gone] == [None] * 7
