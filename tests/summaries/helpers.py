"""The made-up notes of ``tests/fixtures/summaries`` (see CASES.md there) as summarizer input."""

from __future__ import annotations

from pathlib import Path

from bot.notes.parsing import parse_note
from bot.summaries.records import InputSection, SummaryInput

FIXTURES = Path(__file__).parent.parent / "fixtures" / "summaries"


def note_sections(text: str, slug: str = "note") -> tuple[str, str | None, tuple[InputSection, ...]]:
    """(title, video id, sections) of a note's text, parsed as the cache parses it."""
    parsed = parse_note(text, "fixtures", slug)
    sections = tuple(
        InputSection(s.index, s.heading, s.text,
                     tuple((t.offset, t.seconds) for t in parsed.timestamps if t.section == s.index))
        for s in parsed.sections)
    return parsed.title, parsed.video_id, sections


def make_input(text: str, section: int | None = None, slug: str = "note") -> SummaryInput:
    """A summarizer's input for a note's text: the whole note, or its section ``section``."""
    title, video_id, sections = note_sections(text, slug)
    chosen = sections if section is None else (sections[section],)
    return SummaryInput(note_id=1, channel="fixtures", channel_name="Fixtures", slug=slug,
                        title=title, video_id=video_id, episode_title=None,
                        content_hash="0" * 32, sections=chosen, section_index=section)


def fixture_input(name: str, section: int | None = None) -> SummaryInput:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return make_input(text, section, name.removesuffix(".md"))
