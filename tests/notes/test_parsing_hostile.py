"""Hostile notes: huge, repetitive, or built to make a backtracking parser slow."""

from __future__ import annotations

import pytest

from bot.notes.parsing import MAX_SECTIONS, ParsedNote, parse_hub, parse_note
from tests.notes.helpers import ANCHOR
from tests.notes.hostile import CASES, Case, deadline


def test_five_megabyte_note_parses() -> None:
    block = ("## Part\n\nSome words with [[a_link | a label]] and "
             + ANCHOR.format("00:01:02") + ".\n\n> a quote\n> — Some One\n\n")
    text = "---\ntitle: Big\n---\n" + block * (5_000_000 // len(block))
    note = parse_note(text, "c", "big")
    assert len(note.sections) == MAX_SECTIONS
    assert len(note.timestamps) == 5_000_000 // len(block)


def test_one_megabyte_single_line_parses() -> None:
    line = ("word [[x | y]] " + ANCHOR.format("00:00:09") + " ") * 15_000
    note = parse_note("---\ntitle: Long line\n---\n" + line, "c", "long")
    assert len(note.sections) == 1
    assert len(note.links) == 15_000 and len(note.timestamps) == 15_000


def test_long_run_of_hashes_in_a_heading_parses() -> None:
    note = parse_note("## a" + "#" * 200_000 + "b\nText.\n", "c", "hashes")
    assert len(note.sections) == 1 and note.sections[0].text == "Text."


def test_many_fences_and_headings_parse() -> None:
    note = parse_note("```\n## fenced\n```\n## Real\n\nx\n" * 50_000, "c", "fences")
    assert len(note.sections) == MAX_SECTIONS + 1  # the text before the first heading, too
    assert {s.heading for s in note.sections[1:]} == {"Real"}


def test_many_quotes_with_timestamps_parse() -> None:
    body = "## Quotes\n\n" + "".join(
        f'> "Line {n}." – Some Speaker {ANCHOR.format("00:01:02")}\n\n' for n in range(30_000))
    note = parse_note(body, "c", "quotes")
    assert len(note.blockquotes) == 30_000
    assert {q.seconds for q in note.blockquotes} == {62}


def test_thousands_of_links_are_all_kept() -> None:
    body = "## Links\n\n" + " ".join(f"[[note_{n} | Note {n}]]" for n in range(5000))
    note = parse_note(body, "c", "links")
    assert [k.target_key for k in note.links] == [f"note_{n}" for n in range(5000)]


def test_invisible_unicode_in_link_targets_is_folded() -> None:
    note = parse_note("## L\n\n[[\u2068Quantum\u200b Tunneling\u2069]]\n", "c", "inv")
    assert [k.target_key for k in note.links] == ["quantum_tunneling"]
    assert "\u200b" not in note.sections[0].text and "\u2068" not in note.sections[0].text


# --------------------------------------------------------------------------- backtracking
# Each hostile text parses under a generous deadline that only a rule taking time in the
# square (or worse) of its input can miss: a linear parse of these sizes takes well under
# a second (benchmarks/parser.py prints the times). A miss raises DeadlineExceeded.

HOSTILE_SIZE = 300_000
DEADLINE_SECONDS = 5


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_text_parses_within_the_deadline(case: Case) -> None:
    with deadline(DEADLINE_SECONDS):
        result = case.run(HOSTILE_SIZE)
    if isinstance(result, ParsedNote):
        shown = [s.heading + s.text for s in result.sections] + [q.text for q in result.blockquotes]
        assert not [text for text in shown if "[[" in text or "]]" in text]


@pytest.mark.parametrize("size", [22_000, 45_000, 2_000_000])
def test_the_hub_line_of_issue_7_parses_within_the_deadline(size: int) -> None:
    unit = "](https://www.youtube.com/watch?v=Qm7tR2vX9pL"
    line = "### [An episode" + unit * (size // len(unit))
    hub_text = (f"---\ntitle: Hub\n---\n{line}\n- [[a_note]]\n"
                "### [Next](https://youtu.be/Zk4w-8sB1cH)\n- [[b_note]]\n")
    with deadline(DEADLINE_SECONDS):
        hub = parse_hub(hub_text, "hub")
    assert [(e.video_id, e.slugs) for e in hub.episodes] == [("Zk4w-8sB1cH", ["b_note"])]
