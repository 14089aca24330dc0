"""``SummaryService``: what ``/summarize`` and ``notecast summarize`` ask (no Discord here).

* :meth:`SummaryService.summarize`: the summary of a note, or of one of its sections, at a
  length; the note as an autocomplete value (``channel/slug``, or ``channel/slug#N`` for
  its section N) or a title typed (resolved as ``/related`` does); the section as a heading
  (any case), a value of :meth:`SummaryService.sections` (its index, as text) or
  ``None``/``""``/``"whole note"``.
* :meth:`SummaryService.sections`: the choices of the section option for a note:
  ``("whole note", "")`` first, then each section that has text, ``(heading, index)``.

A section is summarized with its subsections (the ``###`` sections under a ``##``), as a
reader of the section sees it. The note is read in one snapshot of the cache, on a reader
thread; the summarizer ranks in a thread too. Failures the member can fix are
:class:`~bot.errors.UserFacingError` subclasses below.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from dataclasses import replace

from bot.cache import sql as cache_sql
from bot.cache.errors import CacheDamaged
from bot.cache.schema import NOTE_SECTION_IDS
from bot.cache.store import NotesCache
from bot.errors import NotesLoading, NotFound, UserFacingError
from bot.notes.text import clean_user_text
from bot.search import TopicHit, TopicSearch
from bot.search.text import clean_heading, fold
from bot.summaries.extractive import ExtractiveSummarizer
from bot.summaries.records import LENGTHS, InputSection, Summarizer, Summary, SummaryInput
from bot.summaries.sentences import split_sentences
from bot.summaries.weights import VaultWeights

WHOLE_NOTE = "whole note"
INTRO_NAME = "Introduction"  # the text before a note's first heading
MAX_CHOICE_CHARS = 100  # Discord's limit for a choice's name and value
_SECTION_VALUE = re.compile(r"[^/\s]+/\S+#\d{1,6}")

NOTE_SECTIONS = f"""
SELECT idx, level, heading, body, moments FROM sections
WHERE id {NOTE_SECTION_IDS}
ORDER BY idx
"""
FILE_HASH = "SELECT hash FROM files WHERE path = :path"


class UnknownNote(NotFound):
    def __init__(self, typed: str) -> None:
        super().__init__(f"I can't tell which note “{_clip(typed, 100)}” is. "
                         "Pick one from the suggestions as you type.")


class NoteGone(NotFound):
    def __init__(self) -> None:
        super().__init__("That note has just left the vault. Try again in a moment.")


class UnknownSection(NotFound):
    def __init__(self, typed: str, title: str, headings: list[str]) -> None:
        listed = ", ".join(f"“{_clip(h, 60)}”" for h in headings[:8])
        more = f" (and {len(headings) - 8} more)" if len(headings) > 8 else ""
        sections = f" Its sections: {listed}{more}." if listed else ""
        super().__init__(f"“{_clip(typed, 100)}” is not a section of “{_clip(title, 100)}”."
                         f"{sections}")


class UnknownLength(UserFacingError):
    def __init__(self, typed: str) -> None:
        super().__init__(f"“{_clip(typed, 40)}” is not a length: pick "
                         + ", ".join(LENGTHS[:-1]) + f" or {LENGTHS[-1]}.")


class NothingToSummarize(UserFacingError):
    def __init__(self, title: str, heading: str | None) -> None:
        where = (f"The section “{_clip(heading, 100)}” of “{_clip(title, 100)}”"
                 if heading is not None else f"“{_clip(title, 100)}”")
        super().__init__(f"{where} has no text to summarize.")


class SummaryService:
    """Summaries of the notes of one cache; ``topics`` resolves what the member typed.
    ``summarizer``: the extractive one (vault-wide term weights) unless another is given."""

    def __init__(self, cache: NotesCache, topics: TopicSearch, *,
                 summarizer: Summarizer | None = None) -> None:
        self.cache = cache
        self.topics = topics
        self.summarizer: Summarizer = summarizer or ExtractiveSummarizer(
            VaultWeights(topics.index).current)

    async def summarize(self, note: str, section: str | None = None, length: str = "short",
                        *, guild_id: int | None = None) -> Summary:
        """The summary of ``note`` (or of its ``section``) at ``length`` (short, medium,
        long). Raises :class:`UnknownLength`, :class:`UnknownNote`, :class:`NoteGone`,
        :class:`UnknownSection`, :class:`NothingToSummarize` or ``NotesLoading``."""
        size = clean_user_text(length or "", 40).lower() or "short"
        if size not in LENGTHS:
            raise UnknownLength(length)
        typed = clean_user_text(note or "", 400)
        hit = await self._resolve(typed, strict=True)
        assert hit is not None
        found = await self._read(hit.note_id)
        if found is None:
            raise NoteGone()
        asked = clean_user_text(section or "", 200)
        if not asked and hit.section_index is not None and _SECTION_VALUE.fullmatch(typed):
            asked = str(hit.section_index)  # a note's section picked in the note option
        chosen = _match_section(found, asked)
        inputs = (found.sections if chosen is None
                  else tuple(_with_subsections(found.sections, chosen)))
        if not await asyncio.to_thread(_has_sentences, inputs):
            raise NothingToSummarize(found.title, None if chosen is None
                                     else (chosen.heading or INTRO_NAME))
        source = replace(found, sections=inputs,
                         section_index=None if chosen is None else chosen.index)
        return await self.summarizer.summarize(source, size, guild_id=guild_id)

    async def sections(self, note: str) -> list[tuple[str, str]]:
        """The section choices of ``note``: ``("whole note", "")`` first, then (name, value)
        per section with text (names and values of at most 100 characters; a repeated
        heading numbered; a section with no sentence, even under it, left out). ``[]`` when
        the note is unknown (nothing to offer)."""
        hit = await self._resolve(clean_user_text(note or "", 400), strict=False)
        if hit is None:
            return []
        found = await self._read(hit.note_id)
        if found is None:
            return []
        return await asyncio.to_thread(_choices, found)

    # ------------------------------------------------------------------ helpers

    async def _resolve(self, typed: str, *, strict: bool) -> TopicHit | None:
        hit = await self.topics.resolve(typed) if typed else None
        if hit is None and strict:
            if typed:
                result = await self.topics.lookup(typed)
                if result.reason == "not ready":
                    raise NotesLoading()
            raise UnknownNote(typed)
        return hit

    async def _read(self, note_id: int) -> SummaryInput | None:
        """The note with every section (``section_index`` None: the whole note)."""
        try:
            return await self.cache.read(lambda con: _read_note(con, note_id), None)
        except CacheDamaged:
            raise NotesLoading() from None


def _read_note(con: sqlite3.Connection, note_id: int) -> SummaryInput | None:
    cursor = con.cursor()
    cursor.row_factory = sqlite3.Row
    row = cursor.execute(cache_sql.NOTE_CARD, {"note_id": note_id}).fetchone()
    if row is None:
        return None
    sections = []
    for r in cursor.execute(NOTE_SECTIONS, {"note_id": note_id}).fetchall():
        moments = tuple((int(m[0]), int(m[1])) for m in json.loads(r["moments"] or "[]"))
        sections.append(InputSection(r["idx"], clean_heading(r["heading"] or ""), r["body"],
                                     moments, r["level"]))
    found = cursor.execute(FILE_HASH, {"path": row["path"]}).fetchone()
    digest = found["hash"] if found is not None else None
    content_hash = digest.hex() if isinstance(digest, bytes) else str(digest or "")
    return SummaryInput(row["id"], row["channel"], row["channel_name"], row["slug"],
                        row["title"], row["video_id"], row["episode_title"], content_hash,
                        tuple(sections), None)


def _has_sentences(sections: tuple[InputSection, ...]) -> bool:
    return any(split_sentences(s.text) for s in sections if s.text.strip())


def _choices(note: SummaryInput) -> list[tuple[str, str]]:
    """``("whole note", "")``, then (name, index) per section that has sentences of its own
    or in its subsections; a repeated heading numbered; at most 100 characters each."""
    out = [(WHOLE_NOTE, "")]
    seen: dict[str, int] = {}
    for s in note.sections:
        if not any(split_sentences(p.text) for p in _with_subsections(note.sections, s)):
            continue
        name = s.heading or INTRO_NAME
        key = fold(name)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            suffix = f" ({seen[key]})"
            name = _clip(name, MAX_CHOICE_CHARS - len(suffix)) + suffix
        out.append((_clip(name, MAX_CHOICE_CHARS), str(s.index)))
    return out


def _match_section(note: SummaryInput, asked: str) -> InputSection | None:
    """The section ``asked`` names (``None``: the whole note); :class:`UnknownSection`."""
    if not asked or fold(asked) == WHOLE_NOTE:
        return None
    by_index = {s.index: s for s in note.sections}
    if asked.isdigit() and int(asked) in by_index:
        return by_index[int(asked)]
    key = fold(clean_heading(asked))
    exact = [s for s in note.sections if fold(s.heading) == key]
    if exact:
        return exact[0]
    if key == fold(INTRO_NAME) and note.sections and not note.sections[0].heading:
        return note.sections[0]
    if len(key) >= 3:
        starts = [s for s in note.sections if fold(s.heading).startswith(key)]
        if len(starts) == 1:
            return starts[0]
    raise UnknownSection(asked, note.title, [s.heading for s in note.sections if s.heading])


def _with_subsections(sections: tuple[InputSection, ...],
                      chosen: InputSection) -> list[InputSection]:
    """``chosen`` and the sections under it (deeper headings that follow it)."""
    out = [chosen]
    if chosen.level == 0:
        return out
    at = next(k for k, s in enumerate(sections) if s.index == chosen.index)
    for s in sections[at + 1:]:
        if s.level <= chosen.level:
            break
        out.append(s)
    return out


def _clip(text: str, limit: int) -> str:
    text = clean_user_text(text or "")
    return text if len(text) <= limit else text[: limit - 1] + "…"
