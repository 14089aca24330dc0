"""NoteReader: one note back out of the cache, as the replies show it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cache.store import NotesCache
from bot.config import SAMPLE_VAULT
from bot.notes.reader import NoteReader, video_url


@pytest.fixture
async def reader(tmp_path: Path) -> AsyncIterator[NoteReader]:
    async with NotesCache(tmp_path / "c.db") as cache:
        await cache.sync(SAMPLE_VAULT)
        yield NoteReader(cache)


async def _note_id(reader: NoteReader, slug: str) -> int:
    row = await reader.cache.fetch_one("SELECT id FROM notes WHERE slug = :slug", {"slug": slug})
    return int(row["id"])


async def test_card_has_the_episode_sections_and_first_moments(reader: NoteReader) -> None:
    card = await reader.card(await _note_id(reader, "quantum_tunneling"))
    assert card is not None
    assert card.title == "Quantum tunneling"
    assert card.channel_name == "The Curious Orbit"
    assert card.episode_title == "Why Particles Walk Through Walls, with Dr. Anselm Keogh"
    assert card.url == "https://www.youtube.com/watch?v=Qm7tR2vX9pL"
    headed = card.headed_sections
    assert [s.heading for s in headed] == ["The Barrier Problem", "How Likely Is It?",
                                          "Where It Shows Up"]
    assert headed[0].first_seconds == 340
    assert card.moment_url(340) == "https://www.youtube.com/watch?v=Qm7tR2vX9pL&t=340s"
    assert card.intro.startswith("Quantum tunneling is")


async def test_moments_are_in_reading_order(reader: NoteReader) -> None:
    note_id = await _note_id(reader, "quantum_tunneling")
    card = await reader.card(note_id)
    assert card is not None
    section = card.headed_sections[0]
    moments = await reader.moments(note_id, section.index)
    assert moments and [m.offset for m in moments] == sorted(m.offset for m in moments)
    assert moments[0].seconds == section.first_seconds
    assert moments[0].label == "5:40"


async def test_repaired_moments_are_flagged(reader: NoteReader) -> None:
    note_id = await _note_id(reader, "tunneling_and_fusion_in_stars")
    card = await reader.card(note_id)
    assert card is not None
    moments = [m for s in card.sections for m in await reader.moments(note_id, s.index)]
    assert moments and all(m.repaired for m in moments)  # every hour in that note is >= 4
    assert all(m.seconds < 3600 for m in moments)


async def test_unknown_note_is_none(reader: NoteReader) -> None:
    assert await reader.card(999_999) is None


def test_video_url_needs_an_id() -> None:
    assert video_url(None) is None
    assert video_url("abc", 75) == "https://www.youtube.com/watch?v=abc&t=75s"


async def test_moments_of_a_section_that_does_not_exist_are_none(reader: NoteReader) -> None:
    """A section index past the note's (as from a stale button) must not reach into the
    next note's sections, whose ids follow on."""
    note_id = await _note_id(reader, "quantum_tunneling")
    card = await reader.card(note_id)
    assert card is not None
    assert await reader.moments(note_id, len(card.sections)) == []
    assert await reader.moments(note_id, 4096) == []  # the next note's first section id
    assert await reader.moments(note_id, -1) == []


async def test_a_damaged_cache_says_still_loading(reader: NoteReader,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A read that finds the cache damaged (rebuilt by the next sync) is "still loading",
    not the apology."""
    from bot.cache import CacheDamaged
    from bot.errors import NotesLoading

    async def damaged(*args: object, **kwargs: object) -> None:
        raise CacheDamaged(reader.cache.db_path, "database disk image is malformed")

    monkeypatch.setattr(reader.cache, "read", damaged)
    with pytest.raises(NotesLoading):
        await reader.card(1)
    with pytest.raises(NotesLoading):
        await reader.moments(1, 0)
