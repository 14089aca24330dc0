"""The quote engine's pure logic: which blockquotes are quotes, and who said them.

Each fixture under ``tests/fixtures/quotes`` is a small made-up note (listed in its
CASES.md): one per shape and per trap.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.quotes.classify import Classified, FoundQuote, classify, quotes_of_text
from tests.notes.hostile import deadline

QUOTES = Path(__file__).resolve().parents[1] / "fixtures" / "quotes"


def found(name: str) -> list[FoundQuote]:
    return quotes_of_text((QUOTES / name).read_text(encoding="utf-8"), "fixtures",
                          name.removesuffix(".md"))


def quote_with(name: str, words: str) -> FoundQuote:
    matches = [q for q in found(name) if words in q.text]
    assert len(matches) == 1, (words, [q.text for q in found(name)])
    return matches[0]


def line_of(name: str, line: int) -> str:
    return (QUOTES / name).read_text(encoding="utf-8").split("\n")[line - 1]


# --- shapes ------------------------------------------------------------------------------

def test_callout_titled_with_a_person_names_the_speaker_its_line_and_moment() -> None:
    quote = quote_with("callout_person.md", "Good soup")
    assert (quote.shape, quote.speaker, quote.role) == ("callout", "Mira Castellanos", None)
    assert (quote.seconds, quote.moment, quote.paraphrase) == (860, "own", False)
    assert quote.text == '"Good soup is mostly patience.\nThe rest is salt, added late."'
    assert line_of("callout_person.md", quote.line) == "> [!quote] Mira Castellanos"


@pytest.mark.parametrize(("words", "speaker", "role"), [
    ("A cold oven", "Odile Brann", "head cook at Larkspur"),  # "Name, role"
    ("Give the jar", "Tamsin Vey", None),  # "Name on Topic"
    ("without a mistake", "Bram Okoye", None),  # "Quote from Name"
    ("forty people", "Ilse Marr", None),  # "Name's Reflection"
    ("clock you can eat", "Dr. Quentin Haldane", None),  # honorific kept, a year is no role
    ("washes a pan", "Pell Haverford", None),  # unquoted, but in the first person
])
def test_callout_titles_that_name_a_person(words: str, speaker: str, role: str | None) -> None:
    quote = quote_with("callout_person.md", words)
    assert (quote.speaker, quote.role, quote.paraphrase) == (speaker, role, False)


def test_a_moment_of_its_own_beats_the_nearest_one() -> None:
    quote = quote_with("callout_person.md", "without a mistake")
    assert (quote.seconds, quote.moment) == (31 * 60 + 5, "own")
    assert quote_with("callout_person.md", "forty people").moment == "nearest"


@pytest.mark.parametrize("words", [
    "Slow cooking rewards",  # "The Patience Principle"
    "Heat is an ingredient",  # "Key insight"
    "calmest cook",  # "On leadership"
    "Stir less",  # the section's heading
    "Low and slow",  # the note's title
])
def test_callout_titled_with_a_heading_or_topic_is_unattributed(words: str) -> None:
    quote = quote_with("callout_heading.md", words)
    assert (quote.shape, quote.speaker, quote.paraphrase) == ("callout", None, False)


def test_callout_holding_the_notes_own_words_is_a_paraphrase() -> None:
    quote = quote_with("callout_heading.md", "collagen")
    assert (quote.speaker, quote.paraphrase) == (None, True)


def test_paraphrase_under_a_persons_name_is_never_their_words() -> None:
    quote = quote_with("callout_heading.md", "Brandt explains")
    assert (quote.speaker, quote.role, quote.paraphrase) == (None, None, True)


@pytest.mark.parametrize(("words", "speaker", "text"), [
    ("Every good map", "Ernst Lowe", '"Every good map leaves something out on purpose."'),
    ("A border", "Ernst Lowe", '"A border is a line that forgot it was drawn."'),
    ("A budget", "Warren Castell", '"A budget is a map of what you fear."'),
    ("North is a habit", "Wilhelmina Ortt", '"North is a habit, not a direction,"'),
])
def test_words_that_carry_their_own_attribution(words: str, speaker: str, text: str) -> None:
    quote = quote_with("callout_own_attribution.md", words)
    assert (quote.speaker, quote.text, quote.paraphrase) == (speaker, text, False)


def test_own_attribution_keeps_the_moment_on_the_quotes_line() -> None:
    quote = quote_with("callout_own_attribution.md", "Every good map")
    assert (quote.seconds, quote.moment) == (310, "own")


def test_a_quote_marked_as_paraphrased_is_nobodys_words() -> None:
    quote = quote_with("callout_own_attribution.md", "the meal")
    assert (quote.text, quote.speaker, quote.paraphrase) == ('"The map is not the meal."',
                                                             None, True)


@pytest.mark.parametrize(("words", "speaker", "role", "seconds"), [
    ("Ship the small", "Sam Altmore", "CEO of Brightwell", 600),  # "– Name, role" + stamp
    ("Sleep is a feature", "Dr. Ines Varga", None, 750),  # "— Dr. Name" + stamp
    ("Hire for taste", "Noor Haddad", "founder", 750),  # "- Name (role)": nearest stamp
    ("guess in a suit", "Farid el Mansour", None, 750),  # particle, "on topic" cut
    ("Start before", "Altmore", None, 750),  # a surname alone, its full stop dropped
])
def test_dash_endings(words: str, speaker: str, role: str | None, seconds: int) -> None:
    quote = quote_with("dash.md", words)
    assert (quote.shape, quote.speaker, quote.role, quote.seconds) == (
        "dash", speaker, role, seconds)
    assert quote.text.startswith('"') and quote.text.endswith('"')


def test_dash_ending_that_is_no_name_leaves_the_quote_unattributed() -> None:
    quote = quote_with("dash.md", "time later")
    assert (quote.shape, quote.speaker) == ("dash", None)


def test_separate_attribution_line_and_a_multi_line_quote() -> None:
    quote = quote_with("separate_attribution.md", "stone")
    assert (quote.shape, quote.speaker, quote.role) == (
        "attribution", "Henrik Sollberg", "cartographer")
    assert quote.text.count("\n") == 2 and "Sollberg" not in quote.text
    assert (quote.seconds, quote.moment) == (1800, "nearest")
    assert line_of("separate_attribution.md", quote.line).startswith('> "Every survey')


def test_name_prefix_is_a_quote_and_labels_are_not() -> None:
    quotes = found("prefix.md")
    assert [(q.shape, q.speaker, q.seconds) for q in quotes] == [
        ("prefix", "Ada Montague", 671)]
    assert line_of("prefix.md", quotes[0].line).startswith("Ada Montague:")


@pytest.mark.parametrize("label", ["Question", "**Key point**", "Example", "Key Takeaway",
                                   "Summary", "The Answer"])
def test_label_prefixes_are_no_quotes(label: str) -> None:
    assert classify("prefix", '"Measure from the same stone."', label, False) is None


def test_multi_line_callout_keeps_its_lines() -> None:
    quote = quote_with("multiline_and_bold.md", "learn the rules")
    assert quote.text == ('"First you learn the rules.\nThen you learn why they are there.\n'
                          'Then you cook."')
    assert (quote.speaker, quote.seconds, quote.moment) == ("Josefa Lindqvist", 210, "own")


def test_a_bold_callout_header_the_parser_left_plain_is_a_callout() -> None:
    quote = quote_with("multiline_and_bold.md", "moods")
    assert (quote.shape, quote.speaker, quote.text) == (
        "callout", "Corentin Lagarde", '"An oven has moods; learn them."')


@pytest.mark.parametrize(("words", "speaker"), [
    ("four rounds", "Vesna Kalder"),  # quoted words ending in "– Name"
    ("Salt early", "Tamsin Vey"),  # "Name on Topic" title over quoted words
    ("The pitch was slower", None),  # quoted words under a heading: nobody's named
    ("A rule nobody follows", "Orla Fenwick"),  # 'As Name once said, "…"'
])
def test_quotes_inside_info_callouts(words: str, speaker: str | None) -> None:
    quote = quote_with("info_quote.md", words)
    assert (quote.shape, quote.speaker, quote.paraphrase) == ("info", speaker, False)


def test_info_note_tip_and_warning_callouts_of_the_notes_own_words_are_no_quotes() -> None:
    texts = " ".join(q.text for q in found("info_quote.md"))
    for words in ("river flooded", "first Monday", "own chair", "bridge closes"):
        assert words not in texts
    assert len(found("info_quote.md")) == 4


def test_plain_blockquotes_that_are_no_quotes() -> None:
    quotes = found("plain_traps.md")
    assert [q.text[:12] for q in quotes] == ['"I burned th', "I learned to", '"Bake the br']
    assert all(q.shape == "plain" for q in quotes)


def test_plain_quote_named_by_a_saying_verb() -> None:
    quote = quote_with("plain_traps.md", "Bake the bread")
    assert (quote.speaker, quote.text) == ("Corentin Lagarde",
                                           '"Bake the bread you want to eat,"')
    assert quote_with("plain_traps.md", "burned").speaker is None


@pytest.mark.parametrize(("kind", "text", "attribution"), [
    ("plain", "- one\n- two\n- three", None),  # a list
    ("plain", "$a^2 + b^2 = c^2$ for the sides", None),  # a formula
    ("plain", "**Proof** — a resting of the dough.", None),  # a definition
    ("plain", "Yield: the share of dough that survives.", None),  # a definition
    ("plain", "Dough rises when yeast makes gas.", None),  # the note's prose
    ("plain", "| a | b |\n| 1 | 2 |", None),  # a table
    ("callout:info", "The council met twice a year.", "Background"),
    ("callout:tip", "Warm the plates first.", "Serving"),
    ("callout:warning", "The handle gets hot.", None),
    ("callout:note", "- one\n- two", "Lists"),
])
def test_traps_are_no_quotes(kind: str, text: str, attribution: str | None) -> None:
    assert classify(kind, text, attribution, False) is None


@pytest.mark.parametrize("kind", ["plain", "callout", "dash", "attribution", "prefix",
                                  "callout:info"])
def test_nothing_in_a_code_fence_is_a_quote(kind: str) -> None:
    assert classify(kind, '"I said this."', "Ada Ray", True) is None


def test_code_fence_in_a_note_holds_no_quote() -> None:
    assert all("code fence" not in q.text for q in found("plain_traps.md"))


@pytest.mark.parametrize(("title", "speaker", "role"), [
    ("Sam Altman, CEO of OpenAI", "Sam Altman", "CEO of OpenAI"),
    ("Ada Ray (CEO)", "Ada Ray", "CEO"),
    ("J. R. R. Tolkien", "J. R. R. Tolkien", None),
    ("Ludwig van Beethoven", "Ludwig van Beethoven", None),
    ("Osama bin Hadi", "Osama bin Hadi", None),
    ("Alex Fredman", "Alex Fredman", None),  # a caption's garble is still a name
    ("Words of Ada Ray", "Ada Ray", None),
    ("Ada Ray's Insight", "Ada Ray", None),
])
def test_callout_titles_that_are_people(title: str, speaker: str, role: str | None) -> None:
    got = classify("callout", '"We measure twice."', title, False)
    assert got == Classified('"We measure twice."', speaker, role, False, "callout")


@pytest.mark.parametrize("title", [
    "The Patience Principle", "Key insight", "On leadership", "Growth Milestones",
    "Cognitive Liberty", "Quote", "Ada Ray's Initiation into Baking", "Persistence in Markets",
    "Reflect on Human Nature", "Historical Perspective", "Emotional Core",
])
def test_callout_titles_that_are_no_people(title: str) -> None:
    got = classify("callout", '"We measure twice."', title, False)
    assert got is not None and got.speaker is None


def test_note_title_and_section_heading_are_no_speakers() -> None:
    for kwargs in ({"note_title": "Ada Ray"}, {"section_heading": "ada ray"}):
        got = classify("callout", '"We measure twice."', "Ada Ray", False, **kwargs)
        assert got is not None and got.speaker is None
    got = classify("callout", '"We measure twice."', "Ada Ray", False, note_title="Baking")
    assert got is not None and got.speaker == "Ada Ray"


def test_info_callout_needs_more_than_two_capitalised_words_to_name_a_person() -> None:
    got = classify("callout:info", '"The pitch was slow."', "Pitch Safety", False)
    assert got is not None and got.speaker is None
    got = classify("callout:info", '"The pitch was slow."', "Pitch Ray on Pitches", False)
    assert got is not None and got.speaker == "Pitch Ray"


def test_quoted_words_about_the_person_in_the_title_are_not_theirs() -> None:
    got = classify("callout", '"Marr understood what her guests wanted."', "Ilse Marr's View",
                   False)
    assert got is not None and got.speaker is None


# --- hostile input -----------------------------------------------------------------------

HOSTILE = {
    "quotes": '"' * 200_000,
    "dashes": '"a" ' + "– " * 100_000,
    "names": ('"x" - ' + "Ada " * 50_000),
    "saying": "As " + "Ada " * 50_000 + 'said, "' + "x" * 1000,
    "callout": "[!quote] " + "On " * 60_000,
    "lines": "> \n" * 60_000,
    "apostrophes": "'" * 100_000 + "s View",
    "emphasis": "*" * 200_000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("kind", ["plain", "callout", "callout:info", "dash", "prefix"])
def test_a_200_kb_hostile_blockquote_is_classified_quickly(name: str, kind: str) -> None:
    text = HOSTILE[name]
    with deadline(2.0):
        classify(kind, text, text, False, note_title=text, section_heading=text)


def test_a_hostile_note_of_blockquotes_is_extracted_quickly() -> None:
    note = "---\ntitle: x\n---\n## A\n\n" + '> "' + "– Ada " * 40_000 + "\n"
    with deadline(5.0):
        quotes_of_text(note, "c", "s")


def test_name_prefix_inside_a_blockquote() -> None:
    quotes = found("prefix_in_blockquote.md")
    assert [(q.shape, q.speaker) for q in quotes] == [
        ("prefix", "Tobias Wren"), ("prefix", "Marit"), ("plain", None)]
    assert quotes[0].text == '"I kept every receipt, because receipts remember what I forget."'


def test_impersonal_unquoted_words_under_a_name_are_a_paraphrase() -> None:
    got = classify("callout", "Ovens store heat in their walls for hours.", "Ilse Marr", False)
    assert got is not None and (got.speaker, got.paraphrase) == (None, True)
    got = classify("callout", "We store heat in the walls for hours.", "Ilse Marr", False)
    assert got is not None and (got.speaker, got.paraphrase) == ("Ilse Marr", False)


def test_commentary_after_the_quoted_words_is_cut() -> None:
    got = classify("callout", '"No teacher beats the oven". By baking daily, a cook learns.',
                   "Ilse Marr", False)
    assert got is not None and got.text == '"No teacher beats the oven"'
    got = classify("callout:info", 'As Ilse Marr said, "Bake early," urging cooks to rise.',
                   "Dawn", False)
    assert got is not None and (got.text, got.speaker) == ('"Bake early,"', "Ilse Marr")


def test_a_name_prefix_opening_a_callout_names_its_speaker() -> None:
    quotes = found("prefix_opening_a_callout.md")
    assert [(q.shape, q.speaker) for q in quotes] == [
        ("callout", "Corin Ashdown"), ("info", "Petra Lind"), ("prefix", "Oskar")]
    assert quotes[0].text.startswith('"I only moved') and quotes[0].seconds == 78


def test_unquoted_words_over_the_notes_own_attribution_line_are_the_speakers() -> None:
    got = classify("attribution", "Every harbour smells of diesel and bread.",
                   "Odile Brann, harbour pilot", False)
    assert got is not None and (got.speaker, got.role, got.paraphrase) == (
        "Odile Brann", "harbour pilot", False)
    about = classify("attribution", "Brann thinks every harbour smells of bread.",
                     "Odile Brann", False)
    assert about is not None and (about.speaker, about.paraphrase) == (None, True)
