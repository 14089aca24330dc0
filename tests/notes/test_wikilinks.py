"""Wikilinks in every shape, and the keys that links resolve by."""

from __future__ import annotations

import pytest

from bot.notes.parsing import ParsedNote, channel_key, render_inline, slug_key
from tests.notes.helpers import ANCHOR, parse_fixture, section, stamps_in


def wikilinks() -> ParsedNote:
    return parse_fixture("wikilink_forms.md")


@pytest.mark.parametrize(("label", "target"), [
    ("Spaced Label", "target_note"),  # [[slug | label]]
    ("Tight Label", "target_note"),  # [[slug|label]]
    ("Anchored Label", "target_note"),  # [[slug#Section|label]]
    ("Anchored Spaced", "target_note"),  # [[slug#Section | label]]
    ("Glowing Things", "bioluminescence_chemistry"),
])
def test_labelled_wikilink_forms(label: str, target: str) -> None:
    note = wikilinks()
    links = [k for k in note.links if k.label == label]
    assert [(k.target, k.target_key) for k in links] == [(target, target)]
    assert f": {label}\n" in note.sections[0].text


def test_bare_wikilink_shows_its_slug_as_words() -> None:
    note = wikilinks()
    assert "- bare slug: target note\n" in note.sections[0].text


def test_title_case_target_resolves_by_slug_key() -> None:
    links = [k for k in wikilinks().links if k.target == "Target Note"]
    assert [(k.target_key, k.label) for k in links] == [("target_note", "Target Note")]


def test_section_anchor_is_cut_from_the_target() -> None:
    links = wikilinks().links
    assert all("#" not in k.target and "|" not in k.target for k in links)
    assert sum(k.target == "target_note" for k in links) == 6


def test_punctuation_in_a_target_is_folded_in_its_key() -> None:
    links = [k for k in wikilinks().links if k.target == "What's Next? (Part 2)"]
    assert [k.target_key for k in links] == ["whats_next_part_2"]


def test_two_wikilinks_on_one_line() -> None:
    note = wikilinks()
    assert [k.target for k in note.links[-2:]] == ["alpha_note", "beta_note"]
    assert "- two on one line: alpha note and Beta." in note.sections[0].text


def test_wikilink_markup_never_reaches_the_plain_text() -> None:
    assert "[[" not in wikilinks().sections[0].text


@pytest.mark.parametrize(("name", "key"), [
    ("Smith-Levin's", "smithlevins"),
    ("Smith‑Levin’s", "smithlevins"),  # non-breaking hyphen, curly apostrophe
    ("Vinegar Production", "vinegar_production"),
    ("vinegar production ", "vinegar_production"),
    ("\u2068Vinegar\u200b Production\u2069", "vinegar_production"),
    ("Über Café", "über_café"),
])
def test_slug_key_folds_case_punctuation_and_invisible_marks(name: str, key: str) -> None:
    assert slug_key(name) == key


def test_channel_key_drops_invisible_marks_and_case() -> None:
    assert channel_key("\u2068AcquiredFM\u2069") == "acquiredfm"


# --------------------------------------------------------------------------- odd shapes


def odd_shapes() -> ParsedNote:
    return parse_fixture("wikilink_odd_shapes.md")


def test_no_wikilink_bracket_of_any_shape_reaches_the_text() -> None:
    note = odd_shapes()
    shown = [s.heading for s in note.sections] + [s.text for s in note.sections]
    assert [text for text in shown if "[[" in text or "]]" in text] == []


@pytest.mark.parametrize(("written", "shown"), [
    ("[[pipe_note|first|second]]", "- two bars: first|second\n"),
    ("[[ ]] and [[]]", "- empty:  and \n"),
    ("[[extra_closer]]]", "- extra closer: extra closer]\n"),  # the "]" of something around
    ("[[[[doubled_note]]]]", "- doubled brackets: doubled note\n"),
    ("![[kiln_diagram.png]]", "- image embed: \n"),
    ("![[kiln_diagram.png|300]]", "- image embed with a size: \n"),
    ("![[kiln_diagram.png|The kiln, drawn]]", "- image embed with words: The kiln, drawn\n"),
    ("![[embedded_note]]", "- note embed: embedded note\n"),
    ("[[block_note#^f3a9c1|Block Label]] and [[block_note#^f3a9c1]]",
     "- block reference: Block Label and block note\n"),
    ("[[broken\n  link]]", "- across a line break: broken\n  link here\n"),
    ("[[open_note and more words", "- never closed: open_note and more words\n"),
    ("words]] here", "- stray closer: words here\n"),
    ("[[glaze_chemistry\\|Glaze Chemistry]]", "| glaze | Glaze Chemistry |"),
])
def test_each_odd_shape_shows_its_label_text(written: str, shown: str) -> None:
    assert shown in odd_shapes().sections[0].text, written


def test_odd_shapes_that_are_links_resolve_by_their_target() -> None:
    links = {(k.target_key, k.label) for k in odd_shapes().links}
    assert {
        ("heading_link", "In a Heading"),
        ("pipe_note", "first|second"),
        ("extra_closer", "extra closer"),
        ("doubled_note", "doubled note"),
        ("embedded_note", "embedded note"),
        ("block_note", "Block Label"),
        ("glaze_chemistry", "Glaze Chemistry"),
    } <= links
    # an embedded image is no note to link to; a link never spans lines
    assert not {key for key, _ in links} & {"kiln_diagrampng", "broken_link", "broken"}


def test_a_heading_with_a_link_and_an_unclosed_one_reads_as_words() -> None:
    assert odd_shapes().sections[0].heading == "Shapes In a Heading and unclosed heading"


def test_a_label_that_is_a_moment_keeps_the_link_and_the_moment() -> None:
    note = odd_shapes()
    markup = section(note, "Labels that hold markup")
    assert markup.text.splitlines()[:2] == [
        "- a bare time as the label:  ", "- an anchor as the label: "]
    assert [t.seconds for t in stamps_in(note, markup)] == [1511, 720]
    targets = [k.target_key for k in note.links if k.section == markup.index]
    assert targets[:2] == ["moment_note", "anchor_note"]


def test_a_link_inside_a_label_is_read_as_two_links() -> None:
    note = odd_shapes()
    markup = section(note, "Labels that hold markup")
    assert markup.text.endswith("- a link in the label: Firing with cones and clay")
    assert [(k.target_key, k.label) for k in note.links[-2:]] == [
        ("outer_note", "outer note"), ("inner_note", "cones")]


def test_render_inline_leaves_no_stray_bracket_and_moves_moments_with_the_text() -> None:
    text, stamps, _ = render_inline("a ]] b " + ANCHOR.format("00:00:07") + " c [[ d")
    assert text == "a  b  c  d"
    assert [(s[0], text[: s[2]]) for s in stamps] == [(7, "a  b ")]


def test_a_time_written_as_a_wikilink_is_not_a_link_to_a_note() -> None:
    """`[[01:52:00]]` in 12 notes of the real vault became 420 "mentioned, with no note of
    their own" names like 015200 in /related."""
    note = parse_fixture("wikilink_clock.md")
    assert [link.target_key for link in note.links] == ["pricing_baked_goods"]
    text = section(note, "Timeline").text
    assert "01:52:00" in text and "1:55:30" in text and "04:10" in text and "[[" not in text
