"""Hostile notes and queries: what a member sees stays well formed, and nothing raises."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cache.store import NotesCache
from bot.search import FullTextSearch, RelatedNotes, SearchIndex, TopicSearch
from tests.search.helpers import write_note

SECTIONS = 3000


@pytest.fixture
async def many_sections(tmp_path: Path) -> AsyncIterator[TopicSearch]:
    """One note of thousands of sections, each holding a word and its variants (so the
    rows that hold "tide" or a variant add up to more rows than there are)."""
    vault = tmp_path / "vault"
    body = "\n\n".join(f"## Tides {i}\n\nThe tide, the tides, tiding over, tided along."
                       for i in range(SECTIONS))
    write_note(vault, "shore", "tide_tables", "Tide tables", body)
    write_note(vault, "shore", "lighthouses", "Lighthouses", "Keepers and their lamps.")
    async with NotesCache(tmp_path / "c.db") as cache:
        await cache.sync(vault)
        async with TopicSearch(cache) as topics:
            yield topics


@pytest.mark.parametrize("query", ["tides", "tide tables", "tiding tided", "tides tiding"])
async def test_a_note_of_thousands_of_sections_answers(many_sections: TopicSearch,
                                                       query: str) -> None:
    # before: ValueError: math domain error (an idf of a negative number)
    result = await many_sections.lookup(query)
    assert result.best is not None
    assert result.best.key == "shore/tide_tables"


async def test_autocomplete_and_search_of_thousands_of_sections(many_sections: TopicSearch) -> None:
    assert [c.value for c in many_sections.autocomplete("tide tab")][:1] == ["shore/tide_tables"]
    hits = await FullTextSearch(many_sections.index).search("tiding tided")
    assert hits and hits[0].slug == "tide_tables"


INVISIBLE = "\x00\ufeff\u2066\u202e\u200b\u2069\x1b"


def _visible(text: str) -> bool:
    return all(unicodedata.category(ch) not in {"Cc", "Cf", "Co", "Cn", "Cs"} for ch in text)


@pytest.fixture
async def odd_notes(tmp_path: Path) -> AsyncIterator[TopicSearch]:
    vault = tmp_path / "vault"
    write_note(vault, "shore", "tides", "Tides\x1b[31m \u2067of the\u2069 bay",
               "## Low\x07 water \U000e0041marks\n\nWhen the sea goes out.")
    write_note(vault, "shore", "bad_video", "Bad video", "Text.",
               video="abc) [Free Nitro](https://evil.example/?")
    write_note(vault, "shore", "long_video", "Long video id", "Text.", video="abcdefghijklmnop")
    write_note(vault, "shore", "good_video", "Good video", "Text.", video="Qm7tR2vX9pL")
    async with NotesCache(tmp_path / "c.db") as cache:
        await cache.sync(vault)
        async with TopicSearch(cache) as topics:
            yield topics


async def test_query_is_cleaned_before_it_is_searched_or_echoed(odd_notes: TopicSearch) -> None:
    result = await odd_notes.lookup(f"{INVISIBLE}ti{INVISIBLE}des{INVISIBLE}")
    assert result.query == "tides"
    assert result.best is not None and result.best.slug == "tides"
    nothing = await odd_notes.lookup(f"xqzv\u202ekwp\x00 {INVISIBLE}")
    assert not nothing.hits and _visible(nothing.query)
    assert nothing.query == "xqzvkwp"


async def test_autocomplete_names_hold_nothing_invisible(odd_notes: TopicSearch) -> None:
    for typed in ("tides", "low water", "", f"{INVISIBLE}tid", "bay"):
        choices = odd_notes.autocomplete(typed)
        for choice in choices:
            assert _visible(choice.name), repr(choice.name)
    names = [c.name for c in odd_notes.autocomplete("low water")]
    assert any("Low water marks" in name for name in names)


@pytest.mark.parametrize(("query", "url"), [
    ("bad video", None),
    ("long video id", None),  # 16 characters: not a YouTube id
    ("good video", "https://www.youtube.com/watch?v=Qm7tR2vX9pL"),
])
async def test_links_are_valid_youtube_urls_or_absent(odd_notes: TopicSearch, query: str,
                                                      url: str | None) -> None:
    hit = (await odd_notes.lookup(query)).best
    assert hit is not None
    assert hit.url == url
    related = await RelatedNotes(odd_notes.index).related(hit.note_id)
    assert related is not None and related.url == url
    hits = await FullTextSearch(odd_notes.index).search(query)
    assert all(h.url in (None, url) for h in hits)


async def test_services_share_one_snapshot(odd_notes: TopicSearch) -> None:
    index = odd_notes.index
    assert isinstance(index, SearchIndex)
    first = await index.snapshot()
    await FullTextSearch(index).search("tides")
    assert await index.snapshot() is first
