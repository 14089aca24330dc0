"""QuoteService: a quote by a speaker typed with a typo, on a topic, in a channel, never one
shown recently while another matches, suggestions when nothing does, a note's quotes in file
order, and the speakers' autocomplete (counts, at most 25, names of at most 100 characters).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.cache.store import NotesCache
from bot.quotes import classify as classify_module
from bot.quotes import speakers as speakers_module
from bot.quotes.recent import RecentQuotes
from bot.quotes.service import QuoteService, QuotesNotBuilt
from bot.quotes.speakers import Identity
from bot.quotes.store import QuoteTables
from bot.search import TopicSearch
from tests.quotes.test_store import quote_vault, stamp
from tests.search.helpers import write_note

FIRST = ["Ada", "Bruno", "Celia", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas",
         "Kira", "Lukas", "Mona", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Soren", "Tilda",
         "Ugo", "Vera", "Wim", "Xenia", "Yusuf", "Zora", "Anton", "Bea", "Cyril", "Dora"]
LAST = ["Quillfeather", "Abernethy", "Blackwood", "Castellano", "Drummond", "Eriksen",
        "Fairweather", "Gallagher", "Hargreaves", "Ivanova", "Jablonski", "Kowalczyk",
        "Lindqvist", "Montgomery", "Nakamura", "Oyelaran", "Pemberton", "Quaresma", "Rasmussen",
        "Szabo", "Thorsen", "Underhill", "Villanueva", "Whitacre", "Xiong", "Yamamoto",
        "Zielinski", "Achterberg", "Brennan", "Cortazar"]
PANEL = [f"{first} {last}" for first, last in zip(FIRST, LAST, strict=True)]


def panel_note() -> str:
    """Thirty speakers; the first has three quotes, the others one."""
    quotes = [f'> "Panel remark number {n} about tides." – {name}\n'
              for n, name in enumerate([PANEL[0], PANEL[0], *PANEL])]
    return f"Panel {stamp('00:00:10')}.\n\n## Remarks\n\n" + "\n".join(quotes)


SEA_STORIES = f"""
Old tales {stamp("00:05:00")}.

## Monsters

> "Take care of the kraken and it takes care of you." – Edmund Hale
"""
OCEAN_MYTHS = """
The kraken, the kraken and the kraken again: kraken myths of the north.

## Kraken sightings

Sailors saw the kraken twice.
"""


def vault_for_service(root: Path) -> Path:
    quote_vault(root)
    write_note(root, "panel", "tide_panel", "Tide panel", panel_note(), video="abcdefghi05")
    write_note(root, "sea", "sea_stories", "Sea stories", SEA_STORIES, video="abcdefghi06")
    write_note(root, "sea", "ocean_myths", "Ocean myths", OCEAN_MYTHS, video="abcdefghi07")
    return root


@asynccontextmanager
async def service(tmp_path: Path, seed: int = 7) -> AsyncIterator[QuoteService]:
    vault = vault_for_service(tmp_path / "vault")
    db = tmp_path / "c.db"
    async with NotesCache(db, workers=1, derived=[QuoteTables()]) as cache:
        await cache.sync(vault)
    async with NotesCache(db, readonly=True) as cache, TopicSearch(cache) as topics:
        quotes = QuoteService(cache, topics, rng=random.Random(seed))
        await quotes.refresh()
        try:
            yield quotes
        finally:
            await quotes.aclose()


async def test_a_speaker_typed_with_a_typo_finds_their_quotes(tmp_path: Path) -> None:
    async with service(tmp_path) as quotes:
        for typed in ("Dana Whitfeild", "dana whitfield", "Whitfield"):
            pick = await quotes.pick(speaker=typed)
            assert pick.speaker == "Dana Whitfield" and pick.matches == 2, typed
            assert pick.quote is not None and pick.quote.speaker == "Dana Whitfield"
        # "Sam Altman" (with the channel's "Altman" if the rules merge them), never the
        # "Altman" of another channel
        sam = quotes.speakers("Sam Altman")[0]
        assert (sam.name, sam.channel) == ("Sam Altman", "talks")
        for _ in range(6):
            pick = await quotes.pick(speaker="Sam Altmann")
            assert pick.quote is not None and pick.matches == sam.quotes
            assert (pick.quote.speaker, pick.quote.channel) == ("Sam Altman", "talks")
        while pick.quote is not None and pick.quote.line != 12:
            pick = await quotes.pick(speaker="Sam Altmann", exclude=[pick.quote.quote_id])
        assert pick.quote is not None
        assert pick.quote.text.startswith('"Whoever names the first number')
        assert pick.quote.url == "https://www.youtube.com/watch?v=abcdefghi01&t=750s"
        assert pick.quote.moment == "own"
        assert pick.quote.note_title == "Negotiation tactics"


async def test_a_topic_finds_the_quotes_of_its_notes_or_of_its_words(tmp_path: Path) -> None:
    async with service(tmp_path) as quotes:
        for _ in range(8):
            pick = await quotes.pick(topic="negotiation tactics")
            assert pick.quote is not None and pick.quote.slug == "negotiation_tactics"
            assert pick.topic == "Negotiation tactics" and pick.matches == 4
        # the best note for "kraken" holds no quote: the quote with the word answers
        pick = await quotes.pick(topic="kraken")
        assert pick.quote is not None and "kraken" in pick.quote.text
        assert pick.quote.speaker == "Edmund Hale"


async def test_a_channel_narrows_the_pick(tmp_path: Path) -> None:
    async with service(tmp_path) as quotes:
        for _ in range(8):
            pick = await quotes.pick(channel="kitchen")
            assert pick.quote is not None and pick.quote.channel == "kitchen"
            assert pick.matches == 1
        pick = await quotes.pick(speaker="Dana Whitfield", channel="kitchen")
        assert pick.quote is None
        with pytest.raises(ValueError):
            await quotes.pick(channel="no such channel")


async def test_a_plain_pick_may_show_an_unattributed_quote_but_a_speaker_never(
        tmp_path: Path) -> None:
    async with service(tmp_path, seed=1) as quotes:
        seen = {(await quotes.pick(channel="talks")).quote.speaker  # type: ignore[union-attr]
                for _ in range(40)}
        assert None in seen and "Dana Whitfield" in seen
        assert (await quotes.pick(channel="talks", attributed=True)).matches == 5


async def test_exclude_is_honoured_and_the_oldest_shown_comes_back_first(
        tmp_path: Path) -> None:
    async with service(tmp_path) as quotes:
        ids = sorted([q.quote_id for q in await quotes.note_quotes(
            (await quotes.resolve_note("talks/negotiation_tactics") or (0, ""))[0])
            if q.speaker == "Dana Whitfield"])
        assert len(ids) == 2
        for _ in range(10):
            pick = await quotes.pick(speaker="Dana Whitfield", exclude=[ids[0]])
            assert pick.quote is not None and pick.quote.quote_id == ids[1]
        for shown in ([ids[1], ids[0]], [ids[0], ids[1]]):  # oldest first
            pick = await quotes.pick(speaker="Dana Whitfield", exclude=shown)
            assert pick.quote is not None and pick.quote.quote_id == shown[0]
        recent = RecentQuotes()
        got = set()
        for _ in range(2):
            pick = await quotes.pick(speaker="Dana Whitfield", exclude=recent.exclude(5))
            assert pick.quote is not None
            recent.shown(5, pick.quote.quote_id)
            got.add(pick.quote.quote_id)
        assert got == set(ids)


async def test_no_match_suggests_speakers_and_notes_that_have_quotes(tmp_path: Path) -> None:
    async with service(tmp_path) as quotes:
        pick = await quotes.pick(speaker="Zebulon Qrst")
        assert pick.quote is None and pick.matches == 0
        assert pick.suggest_speakers[0] == PANEL[0]  # nothing close: the most quoted
        # a speaker and a topic that never meet: the speaker's notes, the topic's speakers
        pick = await quotes.pick(speaker="Dana Whitfield", topic="kraken")
        assert pick.quote is None and pick.speaker == "Dana Whitfield"
        assert pick.suggest_topics == ["Negotiation tactics"]
        assert pick.suggest_speakers == ["Edmund Hale"]
        # a topic whose notes hold no quote: the notes of quotes with some of its words
        pick = await quotes.pick(topic="knife care")
        assert pick.quote is None and "Sea stories" in pick.suggest_topics


async def test_a_notes_quotes_in_file_order_and_notes_resolved(tmp_path: Path) -> None:
    async with service(tmp_path) as quotes:
        found = await quotes.resolve_note("talks/negotiation_tactics")
        assert found is not None and found[1] == "Negotiation tactics"
        listed = await quotes.note_quotes(found[0])
        assert [q.line for q in listed] == [12, 14, 19, 24]
        assert [q.speaker for q in listed] == ["Sam Altman", None, "Dana Whitfield",
                                               "Dana Whitfield"]
        assert listed[1].speaker_as_written is None and listed[1].seconds == 750
        assert listed[1].moment == "nearest"
        assert listed[3].section_heading == "Walking away"
        assert await quotes.resolve_note("zzqx vvbn") is None
        knives = await quotes.resolve_note("kitchen/knife_care")
        assert knives is not None and await quotes.note_quotes(knives[0]) == []


async def test_a_paraphrase_is_never_shown(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    real = classify_module.classify

    def paraphrasing(kind: str, text: str, *args: object,
                     **kwargs: object) -> classify_module.Classified | None:
        found = real(kind, text, *args, **kwargs)  # type: ignore[arg-type]
        if found is not None and "Silence" in text:
            return classify_module.Classified(found.text, found.speaker, None, True, found.shape)
        return found

    monkeypatch.setattr(classify_module, "classify", paraphrasing)
    async with service(tmp_path) as quotes:
        for _ in range(8):
            pick = await quotes.pick(speaker="Dana Whitfield")
            assert pick.matches == 1 and pick.quote is not None
            assert "Silence" not in pick.quote.text
        found = await quotes.resolve_note("talks/negotiation_tactics")
        assert found is not None
        assert not any("Silence" in q.text for q in await quotes.note_quotes(found[0]))


async def test_speaker_autocomplete_counts_best_first_at_most_25(tmp_path: Path) -> None:
    async with service(tmp_path) as quotes:
        everyone = quotes.speakers("", limit=100)
        assert len(everyone) == 25
        assert (everyone[0].name, everyone[0].channel, everyone[0].quotes) == (
            PANEL[0], "panel", 3)
        assert len(quotes.speakers("", limit=3)) == 3
        typed = quotes.speakers("dana whitfeild")
        assert (typed[0].name, typed[0].quotes) == ("Dana Whitfield", 2)
        assert quotes.speakers("Edm")[0].name == "Edmund Hale"
        assert [c.name for c in quotes.speakers("", channel="sea")] == ["Edmund Hale"]
        assert quotes.speakers("", channel="no such channel") == []
        assert quotes.speakers("\x00\u202e") == quotes.speakers("")


def long_names(names: Mapping[str, Mapping[str, int]]) -> dict[tuple[str, str], Identity]:
    return {(channel, written): Identity(channel, written + " Quillfeather" * 12, (written,))
            for channel, counts in names.items() for written in counts}


async def test_speaker_choices_are_at_most_100_characters(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speakers_module, "resolve", long_names)
    async with service(tmp_path) as quotes:
        found = quotes.speakers("")
        assert found and all(0 < len(c.name) <= 100 for c in found)
        pick = await quotes.pick(speaker=found[0].name)  # a clipped name still resolves
        assert pick.quote is not None


async def test_a_cache_without_quote_tables_says_so(tmp_path: Path) -> None:
    vault = vault_for_service(tmp_path / "vault")
    db = tmp_path / "c.db"
    async with NotesCache(db, workers=1) as cache:  # (no QuoteTables)
        await cache.sync(vault)
    async with NotesCache(db, readonly=True) as cache, TopicSearch(cache) as topics:
        quotes = QuoteService(cache, topics)
        with pytest.raises(QuotesNotBuilt):
            await quotes.pick(speaker="Dana Whitfield", channel="talks")
        assert quotes.speakers("") == []


def test_recent_quotes_are_bounded_per_channel_and_in_channels() -> None:
    recent = RecentQuotes(per_channel=3, channels=2)
    for quote_id in (1, 2, 3, 4):
        recent.shown(10, quote_id)
    assert recent.exclude(10) == (2, 3, 4)  # oldest first
    recent.shown(10, 2)
    assert recent.exclude(10) == (3, 4, 2)
    recent.shown(20, 9)
    recent.shown(30, 8)  # a third channel: the least recently used one is forgotten
    assert recent.exclude(10) == () and recent.exclude(20) == (9,) and len(recent) == 2
