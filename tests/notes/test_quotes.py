"""Blockquotes, callouts and who is speaking."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES
from tests.notes.helpers import (
    parse_fixture,
    quote_with,
)


def test_callout_quote_names_its_speaker_and_moment() -> None:
    quote = quote_with(parse_fixture("quote_callout.md"), "Good soup")
    assert (quote.kind, quote.attribution, quote.seconds) == ("callout", "Mira Castellanos", 860)
    assert quote.text == "Good soup is mostly patience.\nThe rest is salt, added late."


def test_callout_quote_with_a_heading_keeps_it_as_attribution() -> None:
    quote = quote_with(parse_fixture("quote_callout.md"), "Slow cooking")
    assert (quote.kind, quote.attribution) == ("callout", "The Patience Principle")


def test_upper_case_folded_callout_is_a_quote() -> None:
    quote = quote_with(parse_fixture("quote_callout.md"), "Taste before")
    assert (quote.kind, quote.attribution) == ("callout", "Mira Castellanos")


def test_callout_markers_vanish_from_the_plain_text() -> None:
    assert all("[!" not in s.text for s in parse_fixture("quote_callout.md").sections)


@pytest.mark.parametrize(("words", "seconds"), [
    ("Measure twice", 1260),  # "– Name" then its own timestamp
    ("A cold oven", 1335),  # "— Name" then its own timestamp
    ("Write the recipe", 1335),  # "- Name", no timestamp: the nearest one
])
def test_dash_attribution(words: str, seconds: int) -> None:
    quote = quote_with(parse_fixture("quote_dash_attribution.md"), words)
    assert (quote.kind, quote.attribution, quote.seconds) == ("dash", "Odile Brann", seconds)
    assert quote.text.startswith('"') and quote.text.endswith('."')


def test_separate_attribution_line() -> None:
    note = parse_fixture("quote_separate_attribution.md")
    first = quote_with(note, "Every good map")
    assert (first.kind, first.attribution) == ("attribution", "Henrik Sollberg, cartographer")
    assert first.text == "Every good map leaves something out on purpose."
    second = quote_with(note, "The second quote")
    assert (second.kind, second.attribution, second.seconds) == (
        "attribution", "Henrik Sollberg", 1840)


def test_name_prefix_names_a_speaker() -> None:
    note = parse_fixture("quote_name_prefix.md")
    quote = quote_with(note, "The tide waits")
    assert (quote.kind, quote.attribution, quote.seconds) == ("prefix", "Ada Montague", 671)
    assert quote.text == '"The tide waits for the survey, not the other way round."'


def test_label_prefixes_are_not_speakers() -> None:
    note = parse_fixture("quote_name_prefix.md")
    assert [q.attribution for q in note.blockquotes] == ["Ada Montague"]


def test_unattributed_quote_gets_the_nearest_moment() -> None:
    quote = quote_with(parse_fixture("quote_unattributed.md"), "hardest part")
    assert (quote.kind, quote.attribution, quote.seconds) == ("plain", None, 1005)


def test_quote_without_a_moment_takes_its_heading_timestamp() -> None:
    quote = quote_with(parse_fixture("heading_timestamp_link.md"), "Nothing in this quote")
    assert quote.seconds == 74


def test_quote_in_a_section_without_timestamps_has_no_moment() -> None:
    quote = quote_with(parse_fixture("quote_callout.md"), "Slow cooking")
    assert quote.seconds is None


@pytest.mark.parametrize(("words", "kind"), [
    ("A note about context", "callout:info"),
    ("Upper-case type", "callout:info"),
    ("Keep the lid on", "callout:note"),
    ("Warm the plates", "callout:tip"),
    ("The handle gets hot", "callout:warning"),
    ("A worked example", "callout:example"),
])
def test_other_callouts_are_not_quotes(words: str, kind: str) -> None:
    assert quote_with(parse_fixture("callouts_not_quotes.md"), words).kind == kind


def test_blockquoted_list_is_not_an_attribution() -> None:
    quote = quote_with(parse_fixture("callouts_not_quotes.md"), "holding a list")
    assert (quote.kind, quote.attribution) == ("plain", None)
    assert quote.text.endswith("- second item")


def test_blockquote_in_a_code_fence_is_marked_in_code() -> None:
    note = parse_fixture("quote_in_code_fence.md")
    assert [(q.in_code, q.text.split()[0]) for q in note.blockquotes] == [
        (True, "This"), (False, "This")]
    assert quote_with(note, "outside the fence").in_code is False


def test_quotes_keep_their_line_in_the_file_and_whose_moment_it_is() -> None:
    note = parse_fixture("quote_lines_after_blank_runs.md")
    lines = (FIXTURES / "quote_lines_after_blank_runs.md").read_text().split("\n")
    found = {q.attribution: q for q in note.blockquotes}
    assert set(found) == {"Tomas Velde", "Ines Marlow", "Kaia Brenner"}
    for name, starts in (("Tomas Velde", '> "Fire teaches'), ("Ines Marlow", "> [!quote] Ines"),
                         ("Kaia Brenner", "Kaia Brenner:")):
        assert lines[found[name].line - 1].startswith(starts), name
    assert (found["Ines Marlow"].moment, found["Ines Marlow"].seconds) == ("own", 545)
    assert (found["Tomas Velde"].moment, found["Tomas Velde"].seconds) == ("nearest", 190)
    assert found["Kaia Brenner"].moment == "nearest"


def test_a_moment_read_as_minutes_is_marked_repaired() -> None:
    note = parse_fixture("quote_repaired_moment.md")
    found = {q.attribution: q for q in note.blockquotes}
    assert (found["Rhea Okafor"].seconds, found["Rhea Okafor"].repaired) == (12 * 60 + 48, True)
    assert (found["Rhea Okafor"].moment) == "own"
    assert (found["Lev Sandoval"].seconds, found["Lev Sandoval"].repaired) == (3600 + 600, False)


def test_two_callouts_in_one_block_are_two_quotes() -> None:
    quotes = parse_fixture("quote_two_callouts_one_block.md").blockquotes
    assert [(q.kind, q.line, q.seconds, q.moment) for q in quotes] == [
        ("callout", 10, 78, "own"), ("callout", 12, 103, "own")]
    assert quotes[0].text.startswith("Corin Ashdown:") and "ladder" in quotes[0].text
    assert "wet" in quotes[1].text and "ladder" not in quotes[1].text


def test_a_quote_indented_under_a_list_item_is_found() -> None:
    quotes = parse_fixture("quote_indented_under_list.md").blockquotes
    assert [(q.kind, q.line, q.seconds) for q in quotes] == [("callout", 13, 270)]
