"""Shared helpers of the parser tests: the fixtures, the sample vault, finding parts."""

from __future__ import annotations

from pathlib import Path

from bot.notes.parsing import (
    Blockquote,
    ParsedNote,
    Section,
    Timestamp,
    decode_note,
    is_hub_file,
    parse_note,
)
from tests.conftest import FIXTURES

SAMPLE_VAULT = Path(__file__).resolve().parents[2] / "bot" / "sample_vault"
ANCHOR = '<a class="yt-timestamp" data-t="{0}">[{0}]</a>'


def parse_fixture(name: str) -> ParsedNote:
    text, warnings = decode_note((FIXTURES / name).read_bytes())
    return parse_note(text, "fixtures", name.removesuffix(".md"), warnings)


def parse_sample(channel: str, slug: str) -> ParsedNote:
    text, warnings = decode_note((SAMPLE_VAULT / channel / f"{slug}.md").read_bytes())
    return parse_note(text, channel, slug, warnings)


def sample_notes() -> list[tuple[str, str]]:
    return sorted(
        (path.parent.name, path.stem)
        for path in SAMPLE_VAULT.glob("*/*.md")
        if not is_hub_file(path.parent.name, path.stem)
    )


def section(note: ParsedNote, heading: str) -> Section:
    matches = [s for s in note.sections if s.heading == heading]
    assert len(matches) == 1, [s.heading for s in note.sections]
    return matches[0]


def stamps_in(note: ParsedNote, sec: Section) -> list[Timestamp]:
    return [t for t in note.timestamps if t.section == sec.index]


def text_before(note: ParsedNote, stamp: Timestamp) -> str:
    """The section's text up to the moment, with a space before it: an anchor before
    punctuation takes the space with it ("words <a>..</a>." reads "words.")."""
    text = note.sections[stamp.section].text[: stamp.offset]
    return text if text.endswith((" ", "\n")) or not text else text + " "


def quote_with(note: ParsedNote, words: str) -> Blockquote:
    matches = [q for q in note.blockquotes if words in q.text]
    assert len(matches) == 1, note.blockquotes
    return matches[0]
