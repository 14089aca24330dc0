"""Sentence splitting: abbreviations, decimals, quotes, ellipses, timestamps, lists, headings,
code, URLs, emoji, moments, giant sentences, and hostile text under a deadline."""

from __future__ import annotations

import itertools

import pytest

from bot.summaries.sentences import (
    HEADING,
    ITEM,
    LEAD,
    MAX_SENTENCE_CHARS,
    QUOTE,
    Sentence,
    split_sentences,
)
from tests.notes.hostile import deadline
from tests.summaries.helpers import fixture_input


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_abbreviations_do_not_end_sentences() -> None:
    assert texts("Dr. Reyes met Mr. Okafor at noon. They talked about e.g. budgets, i.e. money. "
                 "It was Apple vs. Samsung again. J. K. Rowling wrote it. Done now.") == [
        "Dr. Reyes met Mr. Okafor at noon.",
        "They talked about e.g. budgets, i.e. money.",
        "It was Apple vs. Samsung again.",
        "J. K. Rowling wrote it.",
        "Done now.",
    ]


def test_an_abbreviation_that_may_end_a_sentence_does_before_an_opening_word() -> None:
    assert texts("They moved to the U.S. The move was hard.") == [
        "They moved to the U.S.", "The move was hard."]
    assert texts("The U.S. Army built it. Apples, pears, etc. are fruit.") == [
        "The U.S. Army built it.", "Apples, pears, etc. are fruit."]
    assert texts("Bring pens, paper, etc. Then sit down.") == [
        "Bring pens, paper, etc.", "Then sit down."]


def test_decimals_versions_and_urls_stay_whole() -> None:
    assert texts("Version 3.5 replaced v2.0 last year. Growth was 4.5 percent. "
                 "See https://example.org/docs/v1.2/index.html?a=b.c for more. Next one.") == [
        "Version 3.5 replaced v2.0 last year.",
        "Growth was 4.5 percent.",
        "See https://example.org/docs/v1.2/index.html?a=b.c for more.",
        "Next one.",
    ]
    assert texts("Read it at example.com. Then rest.") == ["Read it at example.com.", "Then rest."]


def test_quotes_and_brackets_close_the_sentence_they_end() -> None:
    assert texts('She said "Stop here." Then the room went quiet. (It was late.) Everyone left.') == [
        'She said "Stop here."', "Then the room went quiet.", "(It was late.)", "Everyone left."]
    assert texts("He called it “mobilization”. Nobody agreed.") == [
        "He called it “mobilization”.", "Nobody agreed."]


def test_question_marks_exclamations_and_ellipses() -> None:
    assert texts("What happens next? Nobody knows! Yahoo! is a company. Wait... what now? "
                 "Then it ended… Silence followed.") == [
        "What happens next?", "Nobody knows!", "Yahoo! is a company.", "Wait... what now?",
        "Then it ended…", "Silence followed."]


def test_emoji_stay_with_the_sentence_they_follow() -> None:
    found = split_sentences("Great result! 🎉 The team celebrated. Also 👍🏽 fine.")
    assert [s.text for s in found] == ["Great result! 🎉", "The team celebrated.", "Also 👍🏽 fine."]


def test_each_line_and_list_item_is_its_own_unit() -> None:
    text = ("A paragraph without a full stop\n"
            "*   **Budget**: The budget grew by 4.5 percent. It still fell short.\n"
            "- a second item that runs on\n"
            "2. A numbered item here.\n"
            "> A quoted line stands alone.")
    found = split_sentences(text)
    assert [(s.text, s.kind) for s in found] == [
        ("A paragraph without a full stop", "prose"),
        ("Budget: The budget grew by 4.5 percent.", ITEM),
        ("It still fell short.", ITEM),
        ("a second item that runs on", ITEM),
        ("A numbered item here.", ITEM),
        ("A quoted line stands alone.", QUOTE),
    ]
    for s in found:  # every span is the sentence in the text, markers left out
        assert not text.startswith(("* ", "- ", "> ", "2. "), s.start)


def test_heading_like_lines_are_kept_apart_and_not_usable() -> None:
    found = split_sentences("#### A heading inside\n**All Bold Line**\nThe steps are:\n"
                            "A real sentence follows here.")
    assert [(s.text, s.kind) for s in found] == [
        ("#### A heading inside", HEADING), ("All Bold Line", HEADING),
        ("The steps are:", LEAD), ("A real sentence follows here.", "prose")]
    assert [s.usable for s in found] == [False, False, False, True]


def test_code_tables_and_math_are_left_out() -> None:
    text = ("Before the code block here.\n```python\nx = 1. Y = 2.\nprint('a. b.')\n```\n"
            "| col | other |\n| --- | --- |\n$$\na = b. c\n$$\nconst q = faunadb.query;\n"
            "client.query(q.Get(x));\n}\nAfter the code block here.")
    assert texts(text) == ["Before the code block here.", "After the code block here."]


def test_a_markdown_fence_holds_prose() -> None:
    assert texts("```markdown\nThe wrapped article reads as prose. It has two sentences.\n```\n"
                 "```python\nx = 1. Y = 2.\n```") == [
        "The wrapped article reads as prose.", "It has two sentences."]
    assert texts("```md\nNever closed but still prose here.") == [
        "Never closed but still prose here."]


def test_inline_code_is_shown_without_backticks_and_mostly_code_is_not_usable() -> None:
    found = split_sentences("Open the `settings.toml` file before you start the server. "
                            "Run `docker compose up --build -d`.")
    assert found[0].text == "Open the settings.toml file before you start the server."
    assert found[0].usable
    assert found[1].text == "Run docker compose up --build -d."
    assert not found[1].usable
    # a full stop inside inline code ends nothing
    assert texts("Call `a. B` then stop. Done here.") == ["Call a. B then stop.", "Done here."]


def test_markdown_is_dropped_from_the_display_text() -> None:
    found = split_sentences("The **bold** and *italic* words, a [label](https://x.org/a) "
                            "and ~~struck~~ text stay readable .")
    assert found[0].text == "The bold and italic words, a label and struck text stay readable."


def test_moments_belong_to_the_sentence_they_follow_or_sit_in() -> None:
    text = "First sentence here. Second one, with a moment inside. Third one.\nA new line."
    first_end = text.index("here.") + len("here.")
    inside = text.index("with")
    third_start = text.index("Third")
    line = text.index("A new")
    found = split_sentences(text, [(inside, 20), (first_end, 10), (line, 40),
                                   (len(text) - 1, 50), (third_start - 1, 15)])
    assert [s.moments for s in found] == [(10,), (20, 15), (), (40, 50)]


def test_a_moment_in_left_out_code_belongs_to_no_sentence() -> None:
    text = "Before the code.\n```\ncode here\n```\nAfter the code."
    found = split_sentences(text, [(text.index("code here"), 30)])
    assert [s.moments for s in found] == [(), ()]


def test_a_heading_passes_its_moment_to_the_next_sentence() -> None:
    text = "The steps are:\nMix the flour and the water well."
    found = split_sentences(text, [(len("The steps are:"), 12)])
    assert found[1].moments == (12,)


def test_timestamps_left_in_the_text_become_the_moment_and_leave_the_text() -> None:
    found = split_sentences("The fee was paid in full [01:17:00, 01:02:19]. "
                            "Momentum yielded more (00:02:06 | 00:02:12). It was 10:30 PM then.")
    assert [(s.text, s.moments) for s in found] == [
        ("The fee was paid in full.", (4620,)),
        ("Momentum yielded more.", (126,)),
        ("It was 10:30 PM then.", ()),
    ]
    # an impossible hour is read as the generator meant it (MM:SS), as the parser does
    assert split_sentences("A late remark [05:12:30].")[0].moments == (312,)


def test_a_giant_sentence_is_clipped_at_a_word_boundary_with_an_ellipsis() -> None:
    text = "word " * 20_000 + "end. Next sentence."
    found = split_sentences(text)
    assert len(found) == 2
    giant = found[0]
    assert giant.clipped and giant.text.endswith("…")
    assert len(giant.text) <= MAX_SENTENCE_CHARS
    assert giant.text[:-1].endswith("word")  # cut between words
    assert (giant.start, giant.end) == (0, text.index("end.") + 4)  # the span stays whole
    assert found[1].text == "Next sentence."


def test_the_fixture_splits_as_described_in_cases() -> None:
    source = fixture_input("shapes.md", section=0)
    found = split_sentences(source.sections[0].text, source.sections[0].moments)
    usable = [s.text for s in found if s.usable]
    assert usable[:3] == ["Dr. Reyes met Mr. Okafor in the U.S.",
                          "The meeting covered e.g. budgets, i.e. money.",
                          "Version 3.5 replaced v2.0 last spring."]
    assert found[2].moments == (120,)
    assert "echo" not in " ".join(s.text for s in found)
    assert "The fee was paid in full." in usable


def test_spans_are_ordered_and_inside_the_text() -> None:
    source = fixture_input("shapes.md", section=0)
    text = source.sections[0].text
    found = split_sentences(text)
    for a, b in itertools.pairwise(found):
        assert a.end <= b.start
    assert all(0 <= s.start < s.end <= len(text) for s in found)
    assert [s.index for s in found] == list(range(len(found)))


HOSTILE = [
    "word " * 200_000,  # one giant sentence
    "a" * 1_000_000,  # no space at all
    "e.g. " * 200_000,
    "U.S. " * 200_000,
    "Mr. " * 250_000,
    ". " * 500_000,
    "Word. " * 170_000,  # very many sentences
    "..." * 330_000,
    "`" * 1_000_000,
    "`a " * 330_000,
    "[" * 1_000_000,
    "[00:01:0" * 125_000,
    "[00:01:02, " * 90_000,
    "](" * 500_000,
    "[a](" * 250_000,
    "*" * 1_000_000,
    "** " * 330_000,
    "> " * 500_000,
    "1. " * 330_000,
    "- item.\n" * 125_000,
    "```\n" * 250_000,
    "$$\n" * 330_000,
    "|\n" * 500_000,
    "🎉 " * 500_000,
    "Yes! 🎉 " * 140_000,
    "#### h\n" * 140_000,
    " " * 1_000_000 + "x.",
    "x;(" * 330_000 + ";",
    "<a " * 330_000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(t[:12]) for t in HOSTILE])
def test_hostile_megabyte_texts_split_within_a_deadline(text: str) -> None:
    moments = [(k * 997 % len(text), k) for k in range(2000)]
    with deadline(10.0):
        found = split_sentences(text, moments)
    assert all(isinstance(s, Sentence) for s in found)
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in found)


def test_a_piece_of_a_quotation_loses_its_lone_quote_mark() -> None:
    found = [s.text for s in split_sentences(
        '"A wall is a suggestion with a steep price. Most of the time it pays attention."')]
    assert found == ["A wall is a suggestion with a steep price.",
                     "Most of the time it pays attention."]
    assert [s.text for s in split_sentences('He said "yes" twice.')] == ['He said "yes" twice.']
