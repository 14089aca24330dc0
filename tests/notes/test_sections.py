"""A note's structure: headings, fences, the lead, sections."""

from __future__ import annotations

import pytest

from bot.notes.parsing import (
    MAX_SECTIONS,
    parse_note,
)
from tests.notes.helpers import (
    parse_fixture,
    section,
    stamps_in,
)


def test_heading_levels_one_to_three_make_sections() -> None:
    note = parse_fixture("heading_levels.md")
    assert [(s.level, s.heading) for s in note.sections] == [
        (0, ""), (1, "Level One"), (2, "Level Two"), (3, "Level Three"),
    ]


def test_text_before_the_first_heading_is_section_zero() -> None:
    note = parse_fixture("heading_levels.md")
    assert note.sections[0].index == 0
    assert note.sections[0].text == "Intro paragraph before any heading."


def test_level_four_and_hashtags_stay_text_of_the_section_above() -> None:
    level_three = parse_fixture("heading_levels.md").sections[-1]
    assert "#### Level Four" in level_three.text
    assert "#NoSpace is a hashtag" in level_three.text


@pytest.mark.parametrize("line", ["## not a heading", "# also not a heading",
                                  "### tilde fence, still not a heading"])
def test_heading_lines_inside_code_fences_are_text(line: str) -> None:
    note = parse_fixture("code_fence_heading.md")
    assert [s.heading for s in note.sections] == ["Real Section", "Second Real Section"]
    assert line in note.sections[0].text


def test_inline_triple_backticks_do_not_open_a_fence() -> None:
    note = parse_fixture("inline_triple_backticks.md")
    assert [s.heading for s in note.sections] == ["First", "Second"]


def test_note_without_headings_is_one_section() -> None:
    note = parse_fixture("no_headings.md")
    assert len(note.sections) == 1
    assert note.sections[0].level == 0
    assert note.sections[0].text.startswith("A note made only of paragraphs")
    assert note.sections[0].text.endswith("A third paragraph closes it.")


def test_stub_note_still_has_one_empty_section() -> None:
    note = parse_fixture("stub.md")
    assert note.title == "A stub with no body at all"
    assert [(s.level, s.heading, s.text) for s in note.sections] == [(0, "", "")]


def test_from_line_is_not_content() -> None:
    for name in ("no_headings.md", "invisible_unicode_title.md", "no_frontmatter.md"):
        note = parse_fixture(name)
        assert all("From:" not in s.text for s in note.sections), name
        assert all(link.target != "fixtures" for link in note.links), name


def test_generator_preamble_is_not_content() -> None:
    note = parse_fixture("preamble.md")
    assert note.sections[0].text.startswith("The real first paragraph starts here")
    assert all("Here is the article" not in s.text for s in note.sections)


def test_thousands_of_headings_are_capped_with_a_warning() -> None:
    body = "".join(f"## Heading {n}\n\nText {n}.\n\n" for n in range(MAX_SECTIONS + 500))
    note = parse_note("---\ntitle: Many\n---\n" + body, "c", "many")
    assert len(note.sections) == MAX_SECTIONS
    assert any("headings" in w for w in note.warnings)
    # nothing is lost: the headings past the cap stay as text of the last section
    assert f"## Heading {MAX_SECTIONS + 499}" in note.sections[-1].text


def test_timestamp_in_a_heading_belongs_to_its_section() -> None:
    note = parse_fixture("heading_timestamp_link.md")
    opening = section(note, "Opening Remarks")
    assert [(t.seconds, t.offset) for t in stamps_in(note, opening)] == [(74, 0)]


def test_wikilink_in_a_heading_is_a_link_and_shows_its_label() -> None:
    note = parse_fixture("heading_timestamp_link.md")
    ferments = section(note, "Ferments and Brine Ratios")
    assert [(k.target_key, k.section) for k in note.links] == [("brine_ratios", ferments.index)]


def test_heading_keeps_a_hash_that_belongs_to_a_word() -> None:
    headings = [s.heading for s in parse_fixture("heading_timestamp_link.md").sections]
    assert "Getting Started with C#" in headings
    assert "Closing Thoughts" in headings  # a closing "##" run is not part of the heading


def test_an_article_wrapped_in_a_markdown_fence_is_read_as_the_note() -> None:
    note = parse_fixture("markdown_fence_wrapped.md")
    assert [s.heading for s in note.sections] == ["", "Wood and Ash", "Gas Kilns"]
    assert "```" not in "".join(s.text for s in note.sections)
    assert "This article sums up the talk." in note.sections[-1].text
    assert [t.seconds for t in note.timestamps] == [120]
    (quote,) = note.blockquotes
    assert (quote.kind, quote.attribution, quote.in_code, quote.line) == (
        "dash", "Ines Marlow", False, 15)
