"""Reading one note back out of the cache: what a reply shows about it.

:class:`NoteReader` gives a :class:`NoteCard` (title, channel, episode, intro, sections with
their first timestamp) and a section's moments. Plain async service: no Discord here.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

from bot.cache import sql
from bot.cache.errors import CacheDamaged
from bot.cache.store import NotesCache
from bot.errors import NotesLoading
from bot.notes.timestamps import format_seconds
from bot.notes.youtube import watch_url

log = logging.getLogger(__name__)

YOUTUBE_WATCH = "https://www.youtube.com/watch?v="


def video_url(video_id: str | None, seconds: int | None = None) -> str | None:
    """The YouTube link for a video, at a moment when ``seconds`` is given."""
    if not video_id:
        return None
    url = YOUTUBE_WATCH + video_id
    return f"{url}&t={int(seconds)}s" if seconds is not None else url


@dataclass(slots=True, frozen=True)
class Moment:
    seconds: int
    offset: int  # where in the section's text the moment is cited
    repaired: bool

    @property
    def label(self) -> str:
        return format_seconds(self.seconds)


@dataclass(slots=True, frozen=True)
class SectionInfo:
    index: int
    level: int
    heading: str
    text: str
    first_seconds: int | None


@dataclass(slots=True, frozen=True)
class NoteCard:
    note_id: int
    channel: str
    channel_name: str
    slug: str
    title: str
    video_id: str | None
    episode_title: str | None
    path: str
    intro: str
    sections: tuple[SectionInfo, ...]

    @property
    def url(self) -> str | None:
        return watch_url(self.video_id)

    def moment_url(self, seconds: int | None) -> str | None:
        return watch_url(self.video_id, seconds) if seconds is not None else None

    @property
    def headed_sections(self) -> tuple[SectionInfo, ...]:
        """The sections with a heading (the intro is shown apart)."""
        return tuple(s for s in self.sections if s.heading)


class NoteReader:
    """Reads notes through the cache's read-only connections: a card is one read (one
    snapshot of the cache), so a sync never shows half of a note. A damaged cache (rebuilt
    by the next sync) answers "still loading"."""

    def __init__(self, cache: NotesCache) -> None:
        self.cache = cache

    async def card(self, note_id: int) -> NoteCard | None:
        try:
            return await self.cache.read(lambda con: _card(con, note_id), None)
        except CacheDamaged:
            raise NotesLoading() from None

    async def moments(self, note_id: int, section_index: int) -> list[Moment]:
        try:
            rows = await self.cache.fetch_all(
                sql.SECTION_MOMENTS, {"note_id": note_id, "section_idx": section_index})
        except CacheDamaged:
            raise NotesLoading() from None
        return [Moment(r["seconds"], r["offset"], bool(r["repaired"])) for r in rows]


def _card(con: sqlite3.Connection, note_id: int) -> NoteCard | None:
    cursor = con.cursor()
    cursor.row_factory = sqlite3.Row
    row = cursor.execute(sql.NOTE_CARD, {"note_id": note_id}).fetchone()
    if row is None:
        return None
    sections = tuple(
        SectionInfo(r["idx"], r["level"], r["heading"], r["body"], r["first_seconds"])
        for r in cursor.execute(sql.NOTE_SECTIONS, {"note_id": note_id}).fetchall()
    )
    return NoteCard(row["id"], row["channel"], row["channel_name"], row["slug"], row["title"],
                    row["video_id"], row["episode_title"], row["path"], row["intro"], sections)
