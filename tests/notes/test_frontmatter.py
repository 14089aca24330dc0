"""The frontmatter: title, videoId, malformed and huge blocks."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.notes.parsing import parse_note, split_frontmatter
from tests.notes.helpers import parse_fixture


def test_frontmatter_gives_title_and_video_id(fixture_text: Callable[[str], str]) -> None:
    meta, body, warnings = split_frontmatter(fixture_text("no_headings.md"))
    assert meta == {"title": "No headings", "videoId": "fXtUr3Id0Ab"}
    assert body.lstrip().startswith("From: [[fixtures]]")
    assert warnings == []


def test_quoted_title_goes_through_yaml() -> None:
    meta, _, warnings = split_frontmatter('---\ntitle: "Destiny\'s: Journey"\n---\nbody\n')
    assert meta["title"] == "Destiny's: Journey"
    assert warnings == []


def test_title_falls_back_to_file_name_without_frontmatter() -> None:
    note = parse_fixture("no_frontmatter.md")
    assert note.title == "no frontmatter"
    assert note.video_id is None
    assert note.warnings == []
    assert [s.heading for s in note.sections] == ["Loose Note"]


def test_malformed_yaml_is_a_warning_and_the_body_is_parsed() -> None:
    note = parse_fixture("yaml_malformed.md")
    assert len(note.warnings) == 1 and "malformed YAML" in note.warnings[0]
    assert note.title == "yaml malformed"
    assert [s.heading for s in note.sections] == ["Body"]
    assert "still readable" in note.sections[0].text


def test_non_mapping_yaml_is_a_warning_and_the_body_is_parsed() -> None:
    note = parse_fixture("yaml_not_mapping.md")
    assert len(note.warnings) == 1 and "not a mapping" in note.warnings[0]
    assert note.title == "yaml not mapping"
    assert [s.heading for s in note.sections] == ["Body"]


def test_huge_frontmatter_is_refused_with_a_warning() -> None:
    block = "".join(f"k{i}: [a, {{b: c}}]\n" for i in range(5000))
    note = parse_note(f"---\n{block}---\n## Body\n\nWords.\n", "c", "huge_frontmatter")
    assert note.title == "huge frontmatter"
    assert len(note.warnings) == 1 and "frontmatter" in note.warnings[0]
    assert note.sections[0].text == "Words."


def test_invisible_marks_are_dropped_from_the_title() -> None:
    note = parse_fixture("invisible_unicode_title.md")
    assert note.title == "Invisible marks in the title"
    assert note.sections[0].heading == "Body"  # the From line with invisible marks is gone


# --------------------------------------------------------------------------- videoId


def test_a_hostile_video_id_is_dropped_and_the_note_kept(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.notes"):
        note = parse_fixture("video_id_hostile.md")
    assert note.video_id is None
    assert note.title == "Hostile video id"
    assert [t.seconds for t in note.timestamps] == [190]  # the rest of the note is indexed
    assert any("videoId" in w and "not a YouTube video id" in w for w in note.warnings)
    assert any("fixtures/video_id_hostile" in r.getMessage() and "videoId" in r.getMessage()
               for r in caplog.records)


@pytest.mark.parametrize("value", [
    "abcdefghij",  # ten characters
    "abcdefghijkl",  # twelve
    "abc def ghij",
    "abcdefghij%",
    "'abc) x'",
    "[1, 2]",
])
def test_only_an_eleven_character_youtube_id_is_kept(value: str) -> None:
    note = parse_note(f"---\ntitle: T\nvideoId: {value}\n---\nText.\n", "c", "s")
    assert note.video_id is None


def test_a_well_formed_video_id_is_kept_without_a_warning() -> None:
    note = parse_note("---\ntitle: T\nvideoId: Hy9u_3kM5dW\n---\nText.\n", "c", "s")
    assert (note.video_id, note.warnings) == ("Hy9u_3kM5dW", [])
