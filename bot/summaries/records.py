"""What the summarizers take and give (no Discord here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.notes.youtube import watch_url

LENGTHS = ("short", "medium", "long")  # short: 2-3 sentences; medium: ~5; long: ~10
# the characters a summary's sentences may take, with room left in a 4,096-character embed
# description for a moment link after each sentence that has one (about 70 characters)
SUMMARY_TEXT_LIMIT = 3000


@dataclass(frozen=True, slots=True)
class InputSection:
    """One section of the note being summarized: its plain text, and the moments the note
    cites in it as (offset in ``text``, seconds), seconds already repaired."""

    index: int
    heading: str
    text: str
    moments: tuple[tuple[int, int], ...]
    level: int = 0  # 0 for the text before the first heading, else the heading's level


@dataclass(frozen=True, slots=True)
class SummaryInput:
    """What a summarizer reads: the note, and either one section or all of them."""

    note_id: int
    channel: str
    channel_name: str
    slug: str
    title: str
    video_id: str | None
    episode_title: str | None
    content_hash: str  # of the note's file: what cached summaries are keyed by
    sections: tuple[InputSection, ...]  # the one asked for, or every section of the note
    section_index: int | None  # None: the whole note


@dataclass(frozen=True, slots=True)
class SummarySentence:
    """One sentence of a summary, whole, and the moment it carries (``None``: none)."""

    text: str
    section_index: int
    seconds: int | None
    video_id: str | None

    @property
    def url(self) -> str | None:
        return watch_url(self.video_id, self.seconds) if self.seconds is not None else None


@dataclass(frozen=True, slots=True)
class Summary:
    """A finished summary: its sentences in document order, the sections it drew on, and
    which summarizer made it (``"extractive"``, ``"abstractive:<model>"``, or
    ``"extractive (fallback: <reason>)"``). The sentences' text adds up to at most
    :data:`SUMMARY_TEXT_LIMIT` characters."""

    source: SummaryInput
    length: str
    sentences: tuple[SummarySentence, ...]
    sections_used: tuple[int, ...]
    summarizer: str

    @property
    def note_url(self) -> str | None:
        return watch_url(self.source.video_id)


class Summarizer(Protocol):
    """A summarizer: extractive by default, abstractive when configured."""

    name: str

    async def summarize(self, source: SummaryInput, length: str, *,
                        guild_id: int | None = None) -> Summary: ...
