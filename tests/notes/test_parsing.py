"""The parser's public entry, over the sample vault's notes."""

from __future__ import annotations

import re

import pytest

from bot.notes.parsing import (
    render_inline,
)
from tests.notes.helpers import (
    SAMPLE_VAULT,
    parse_sample,
    sample_notes,
)


def test_sample_vault_has_twelve_notes() -> None:
    assert len(sample_notes()) == 12


@pytest.mark.parametrize(("channel", "slug"), sample_notes())
def test_every_sample_note_parses_fully(channel: str, slug: str) -> None:
    note = parse_sample(channel, slug)
    raw = (SAMPLE_VAULT / channel / f"{slug}.md").read_text(encoding="utf-8")
    title = re.search(r"^title: (.+)$", raw, re.MULTILINE)
    assert title is not None and note.title == title.group(1)
    assert note.video_id is not None and len(note.video_id) == 11
    assert len(note.sections) >= 1
    assert note.warnings == []
    assert all("From:" not in s.text and "[[" not in s.text and "<a " not in s.text
               for s in note.sections)


def test_sample_repaired_hours() -> None:
    note = parse_sample("curiousorbit", "tunneling_and_fusion_in_stars")
    assert [(t.seconds, t.repaired) for t in note.timestamps] == [
        (768, True), (920, True), (1265, True), (1420, True), (2050, True), (2850, True)]


def test_sample_short_forms() -> None:
    note = parse_sample("curiousorbit", "quantum_tunneling")
    seconds = [t.seconds for t in note.timestamps]
    assert 845 in seconds  # 14:05
    assert 3730 in seconds and 4127 in seconds  # 1:02:10, 1:08:47


def test_sample_malformed_timestamps() -> None:
    note = parse_sample("curiousorbit", "scanning_tunneling_microscope")
    assert [s.heading for s in note.sections] == [
        "A Needle That Feels Atoms", "Keeping the Tip Steady", "Writing With Atoms"]
    # 01:00:17:51 is dropped; "00:31:02]" falls back to its label; data-t beats the label
    assert [t.seconds for t in note.timestamps] == [1568, 1862, 1995, 2200, 754]
    assert "[]()" not in note.sections[2].text
    assert "atom_manipulation" in note.sections[2].text


def test_sample_quotes() -> None:
    found = {
        (q.kind, q.attribution, q.seconds)
        for channel, slug in sample_notes()
        for q in parse_sample(channel, slug).blockquotes
        if not q.kind.startswith("callout:") and not q.in_code
    }
    assert found == {
        ("callout", "The Two-Ingredient Recipe", 445),
        ("attribution", "Ines Varga, marine biochemist", 1184),
        ("dash", "Anselm Keogh", 1420),
        ("callout", "Anselm Keogh", 3730),
        ("dash", "Teodora Vance", 552),
        ("callout", "Teodora Vance", 1634),
        ("prefix", "Lena Abara", 369),
        ("callout", "Gus Marchetti", 1668),
        ("plain", None, 2218),
    }


def test_sample_callouts_that_are_not_quotes() -> None:
    kinds = sorted(
        q.kind for channel, slug in sample_notes()
        for q in parse_sample(channel, slug).blockquotes if q.kind.startswith("callout:"))
    assert kinds == ["callout:info", "callout:info", "callout:note", "callout:tip",
                     "callout:warning", "callout:warning"]


def test_sample_fenced_blockquote_is_in_code() -> None:
    note = parse_sample("stockpotledger", "sourdough_starter_as_a_business_asset")
    [fenced] = [q for q in note.blockquotes if q.in_code]
    assert fenced.text.startswith("Feed 1 : 5 : 5")
    assert note.sections[0].text.startswith("Every loaf")  # From: [[StockpotLedger]] is gone


def test_an_anchor_before_punctuation_leaves_no_stray_space() -> None:
    text, stamps, _ = render_inline(
        'but not always <a class="yt-timestamp" data-t="00:01:02">[00:01:02]</a>. Then '
        '<a class="yt-timestamp" data-t="00:01:05">[00:01:05]</a> more')
    assert text.startswith("but not always. Then")
    assert [s[0] for s in stamps] == [62, 65]
    assert text[: stamps[0][2]] == "but not always"
