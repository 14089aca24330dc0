"""Decoding a vault file: BOM, CRLF, invalid UTF-8, binary and empty files."""

from __future__ import annotations

import pytest

from bot.notes.parsing import (
    NoteSkipped,
    decode_note,
    parse_note,
)
from tests.conftest import FIXTURES
from tests.notes.helpers import (
    parse_fixture,
)


def test_bom_is_dropped_and_frontmatter_still_read() -> None:
    note = parse_fixture("bom.md")
    assert note.title == "Byte order mark"
    assert note.video_id == "fXtUr3Id0Ab"
    assert not note.sections[0].text.startswith("\ufeff")


def test_crlf_note_parses_like_lf() -> None:
    note = parse_fixture("crlf.md")
    assert note.title == "Carriage returns"
    assert [s.heading for s in note.sections] == ["First Section", "Second Section"]
    assert not any("\r" in s.text or "\r" in s.heading for s in note.sections)
    assert [t.seconds for t in note.timestamps] == [130]


def test_invalid_utf8_is_replaced_with_a_warning() -> None:
    text, warnings = decode_note((FIXTURES / "invalid_utf8.md").read_bytes())
    assert len(warnings) == 1 and "invalid UTF-8" in warnings[0]
    assert "\ufffd" in text
    note = parse_note(text, "fixtures", "invalid_utf8", warnings)
    assert note.warnings == warnings
    assert [t.seconds for t in note.timestamps] == [195]  # the rest of the note survives


def test_binary_file_is_skipped_with_a_reason() -> None:
    with pytest.raises(NoteSkipped, match="binary"):
        decode_note((FIXTURES / "binary.bin.md").read_bytes())


def test_empty_file_is_skipped_with_a_reason() -> None:
    with pytest.raises(NoteSkipped, match="empty"):
        decode_note((FIXTURES / "empty.md").read_bytes())


def test_file_of_only_a_bom_is_skipped_as_empty() -> None:
    with pytest.raises(NoteSkipped, match="empty"):
        decode_note((FIXTURES / "bom_only.md").read_bytes())
