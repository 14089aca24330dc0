"""The extractive summarizer: lengths, document order, determinism, the text limit, moments as
links (repaired), a conclusion favoured, redundancy removed, one line per section for a whole
note at "long", vault-wide term weights, and a huge note within a deadline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.summaries import extractive
from bot.summaries.extractive import MAX_LINES, ExtractiveSummarizer, summarize_input
from bot.summaries.records import LENGTHS, SUMMARY_TEXT_LIMIT, Summary, SummaryInput
from bot.summaries.weights import TermWeights
from tests.notes.hostile import deadline
from tests.summaries.helpers import FIXTURES, fixture_input, make_input

HIVES_FORAGE = 2
HIVES_CONCLUSION = 4


def positions(summary: Summary) -> list[tuple[int, int]]:
    """(section, offset in its text) of each sentence of the summary."""
    by_index = {s.index: s for s in summary.source.sections}
    out = []
    for sentence in summary.sentences:
        text = by_index[sentence.section_index].text
        probe = sentence.text[:30]
        assert probe in text, probe
        out.append((sentence.section_index, text.index(probe)))
    return out


@pytest.mark.parametrize("name", ["hives.md", "workshop.md", "repeats.md", "shapes.md"])
def test_lengths(name: str) -> None:
    counts = {length: len(summarize_input(fixture_input(name), length).sentences)
              for length in LENGTHS}
    assert 2 <= counts["short"] <= 3
    assert counts["short"] <= counts["medium"] <= 5
    assert counts["medium"] <= counts["long"] <= max(10, MAX_LINES)


LONG_SECTION = """## Notes

Tides follow the moon twice a day. Storms push waves over the northern pier. Salted fish kept
sailors fed for months. Every knot has a name and a purpose. Canvas sails were patched by
hand each winter. Pine masts bend before they break. Ballast stones steady a narrow hull.
Hot tar sealed the seams between planks. Rowers sang to keep their strokes together. Buoys
mark the safe channels into port. Old charts show coastlines that have since moved. Lamp oil
came from whales until kerosene replaced it. Fog bells rang from every headland. Signal flags
spelled whole sentences between ships. Compasses were checked against the stars at night.
"""


def test_short_medium_long_of_a_long_section() -> None:
    source = make_input(LONG_SECTION, section=0)
    got = [len(summarize_input(source, length).sentences) for length in LENGTHS]
    assert got == [3, 5, 10]


def test_sentences_come_in_document_order() -> None:
    for name in ("hives.md", "workshop.md"):
        for length in LENGTHS:
            found = positions(summarize_input(fixture_input(name), length))
            assert found == sorted(found)


def test_sentences_are_whole_sentences_of_the_note() -> None:
    summary = summarize_input(fixture_input("hives.md"), "long")
    for sentence in summary.sentences:
        assert sentence.text[-1] in ".!?"
        assert sentence.text[0].isupper()


def test_the_same_input_gives_the_same_summary() -> None:
    source = fixture_input("workshop.md")
    first = summarize_input(source, "medium")
    assert all(summarize_input(source, "medium") == first for _ in range(3))


def _summary_in_a_fresh_process(seed: str) -> list[str]:
    code = ("import json, sys; from tests.summaries.helpers import fixture_input; "
            "from bot.summaries.extractive import summarize_input; "
            "print(json.dumps([[s.text for s in summarize_input(fixture_input(n), l).sentences] "
            "for n in ('workshop.md', 'hives.md', 'repeats.md') for l in ('short', 'long')]))")
    env = {**os.environ, "PYTHONHASHSEED": seed}
    root = Path(__file__).parent.parent.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, check=True,
                         capture_output=True, text=True, timeout=60)
    return list(json.loads(out.stdout))


def test_the_summary_does_not_depend_on_hash_order() -> None:
    assert _summary_in_a_fresh_process("1") == _summary_in_a_fresh_process("2")


def test_every_summary_stays_within_the_text_limit() -> None:
    sentence = ("This deliberately long sentence about {0} keeps going with clause after clause "
                "about boats, harbours, sails and ropes so that a few of them fill the limit " * 5)
    body = "\n\n".join(f"## Part {n}\n\n" + " ".join(
        sentence.format(f"part {n} item {k}").strip() + "." for k in range(4)) for n in range(12))
    source = make_input(body)
    for length in LENGTHS:
        summary = summarize_input(source, length)
        assert summary.sentences
        assert sum(len(s.text) for s in summary.sentences) <= SUMMARY_TEXT_LIMIT
    one = make_input(body, section=3)
    for length in LENGTHS:
        assert sum(len(s.text) for s in summarize_input(one, length).sentences) \
            <= SUMMARY_TEXT_LIMIT


def test_moments_are_kept_as_links_with_the_repaired_value() -> None:
    summary = summarize_input(fixture_input("hives.md", section=HIVES_FORAGE), "long")
    dish = next(s for s in summary.sentences if s.text.startswith("A shallow water dish"))
    assert dish.seconds == 5 * 60 + 12  # "05:12:30": an impossible hour, read as MM:SS
    assert dish.url == "https://www.youtube.com/watch?v=hIvEs0Urb01&t=312s"
    forage = next(s for s in summary.sentences if s.text.startswith("City bees forage"))
    assert forage.seconds == 7 * 60 + 45
    lime = next(s for s in summary.sentences if s.text.startswith("Lime trees"))
    assert lime.seconds is None and lime.url is None


def test_a_note_without_a_video_has_no_links() -> None:
    text = (FIXTURES / "hives.md").read_text(encoding="utf-8").replace(
        "videoId: hIvEs0Urb01\n", "")
    summary = summarize_input(make_input(text), "medium")
    assert summary.sentences and all(s.url is None for s in summary.sentences)


UNLINKED = ["Tides follow the moon.", "Storms batter northern piers.", "Salted fish fed crews.",
            "Every knot has purpose.", "Canvas needs patching yearly.", "Pine masts bend first."]


def _unlinked(stamped: tuple[int, ...]) -> SummaryInput:
    """Six sentences that share no word (equal centrality), a moment after each of ``stamped``."""
    text = "## Part\n\n" + " ".join(
        s[:-1] + (f' <a class="yt-timestamp" data-t="00:0{k}:00">[00:0{k}:00]</a>.'
                  if k in stamped else ".") for k, s in enumerate(UNLINKED))
    return make_input(text, section=0)


def test_a_sentence_that_carries_a_moment_is_favoured() -> None:
    summary = summarize_input(_unlinked((5,)), "short")
    assert [s.text for s in summary.sentences] == [UNLINKED[0], UNLINKED[1], UNLINKED[5]]
    assert summary.sentences[-1].seconds == 300


def test_a_sections_opening_sentence_is_favoured() -> None:
    summary = summarize_input(_unlinked((3, 4, 5)), "short")
    assert summary.sentences[0].text == UNLINKED[0]


WORD_TEXT = """tide moon storm pier salt fish knot rope canvas patch pine mast keel hull deck
plank oar rower buoy channel chart coast lamp whale bell fog flag signal star night anchor
chain gull cliff wave foam reef sand dune kelp crab shell pearl mist rain"""
WORDS = WORD_TEXT.split()


def _disjoint_note(headings: list[str], per_section: int) -> str:
    """A note whose sentences share no word (equal centrality): only structure ranks them."""
    words = iter(WORDS)
    parts = []
    for heading in headings:
        sentences = " ".join(
            f"{next(words).title()} {next(words)} {next(words)} here." for _ in range(per_section))
        parts.append(f"## {heading}\n\n{sentences}")
    return "\n\n".join(parts)


def test_a_conclusion_section_is_favoured() -> None:
    text = _disjoint_note(["Alpha", "Beta", "Gamma", "Key Takeaways"], 2)
    summary = summarize_input(make_input(text), "short")
    assert 3 in summary.sections_used
    # (and in the note of the fixtures, whose conclusion is also central)
    assert HIVES_CONCLUSION in summarize_input(fixture_input("hives.md"), "short").sections_used


def test_a_concluding_sentence_is_favoured_in_a_section() -> None:
    sentences = list(UNLINKED)
    sentences[4] = "Overall, ropes outlast sails."
    text = "## Part\n\n" + " ".join(sentences)
    summary = summarize_input(make_input(text, section=0), "short")
    assert "Overall, ropes outlast sails." in [s.text for s in summary.sentences]


def test_a_notes_opening_section_is_favoured_in_a_whole_note() -> None:
    text = _disjoint_note(["Alpha", "Beta", "Gamma", "Delta"], 3)
    summary = summarize_input(make_input(text), "short")
    assert [s.section_index for s in summary.sentences] == [0, 0, 0]


def test_redundant_sentences_are_left_out() -> None:
    summary = summarize_input(fixture_input("repeats.md", section=0), "long")
    feeding = [s for s in summary.sentences if "equal weights" in s.text]
    assert len(feeding) == 1
    assert len(summary.sentences) == 5  # the seven sentences, less two near-repeats


def test_a_whole_note_at_long_is_one_line_per_section() -> None:
    source = fixture_input("hives.md")
    summary = summarize_input(source, "long")
    assert [s.section_index for s in summary.sentences] == [0, 1, 2, 3, 4]
    assert summary.sections_used == (0, 1, 2, 3, 4)


def test_one_line_per_section_stops_at_the_most_lines_an_embed_holds() -> None:
    source = fixture_input("workshop.md")  # 19 sections
    summary = summarize_input(source, "long")
    indexes = [s.section_index for s in summary.sentences]
    assert len(indexes) == MAX_LINES
    assert len(set(indexes)) == MAX_LINES and indexes == sorted(indexes)


SPREAD = """## Start

Tide moon storm here.

## Hub

{}

## Beta

Keel hull deck here. Plank oar rower here.

## Gamma

Buoy channel chart here. Coast lamp whale here.

## Delta

Bell fog flag here. Signal star night here.
"""


def test_a_whole_note_summary_spreads_over_sections() -> None:
    summary = summarize_input(fixture_input("workshop.md"), "medium")
    assert len(summary.sentences) == 5
    assert len(summary.sections_used) >= 3
    # a section's second sentence, a little better than the others' openings, waits
    text = SPREAD.format("Overall, pier salt fish here. Ultimately, knot rope canvas here. "
                         "In short, patch pine mast here.")
    summary = summarize_input(make_input(text), "medium")
    assert [s.section_index for s in summary.sentences] == [0, 1, 2, 3, 4]


def test_a_section_summary_is_of_that_section_only() -> None:
    summary = summarize_input(fixture_input("hives.md", section=HIVES_FORAGE), "medium")
    assert summary.sections_used == (HIVES_FORAGE,)
    assert summary.source.section_index == HIVES_FORAGE


def test_an_empty_input_gives_an_empty_summary() -> None:
    source = make_input("## Empty\n\n```\ncode only.\n```\n", section=0)
    summary = summarize_input(source, "short")
    assert summary.sentences == () and summary.sections_used == ()


def test_a_section_of_short_items_still_gives_its_items() -> None:
    summary = summarize_input(make_input("## Tools\n\n- Saws\n- Hammers\n- Chisels\n", 0),
                              "short")
    assert [s.text for s in summary.sentences][:2] == ["Saws", "Hammers"]


def test_an_unknown_length_is_refused() -> None:
    with pytest.raises(ValueError):
        summarize_input(fixture_input("hives.md"), "huge")


def test_vault_weights_make_a_rare_word_count_more() -> None:
    weights = TermWeights.of_words({"the": 1000, "harbour": 900, "harbours": 50, "kraken": 2},
                                   rows=1000)
    assert weights.idf("kraken") > weights.idf("harbour") > weights.idf("the")
    assert weights.idf("unseen") >= weights.idf("kraken")
    uniform = TermWeights.uniform()
    assert uniform.idf("kraken") == uniform.idf("the")


def test_vault_weights_change_what_is_central() -> None:
    text = ("## Part\n\nThe kraken rose near the old harbour wall. The harbour crew counted boats "
            "at the harbour. The kraken pulled one boat under the water. Boats in the harbour "
            "were tied again. Nobody saw the kraken after that night.")
    source = make_input(text, section=0)
    common_kraken = TermWeights.of_words({"kraken": 990, "harbour": 3, "boats": 3}, rows=1000)
    rare_kraken = TermWeights.of_words({"kraken": 2, "harbour": 990, "boats": 990}, rows=1000)
    a = summarize_input(source, "short", common_kraken)
    b = summarize_input(source, "short", rare_kraken)
    assert a.sentences != b.sentences


async def test_the_summarizer_runs_with_its_weights() -> None:
    calls = []

    async def weights() -> TermWeights:
        calls.append(1)
        return TermWeights.uniform()

    summarizer = ExtractiveSummarizer(weights)
    summary = await summarizer.summarize(fixture_input("hives.md"), "short", guild_id=5)
    assert summary.summarizer == "extractive" == summarizer.name
    assert calls == [1]
    assert summary == summarize_input(fixture_input("hives.md"), "short")


def test_a_huge_note_is_summarized_within_a_deadline() -> None:
    words = WORDS[:15]
    sections = []
    for n in range(200):
        sentences = " ".join(
            f"Sentence {k} of part {n} is about the {words[(n + k) % 15]} and the "
            f"{words[(n * k) % 15]} of boat {n * 31 + k}." for k in range(25))
        sections.append(f"## Part {n}\n\n{sentences}")
    source = make_input("\n\n".join(sections))  # 5,000 sentences
    with deadline(5.0):
        for length in LENGTHS:
            summary = summarize_input(source, length)
            assert summary.sentences


def test_the_graph_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int] = []
    real = extractive._lexrank

    def spy(vectors: list[dict[str, float]]) -> list[float]:
        sizes.append(len(vectors))
        return real(vectors)

    monkeypatch.setattr(extractive, "_lexrank", spy)
    summary = summarize_input(fixture_input("workshop.md"), "long")
    assert sizes == [extractive.GRAPH_SIZE]  # 73 candidates, 60 in the graph
    assert len(summary.sentences) == MAX_LINES  # every section still has its best


def test_input_is_the_records_contract() -> None:
    source = fixture_input("hives.md")
    assert isinstance(source, SummaryInput)
    summary = summarize_input(source, "short")
    assert summary.source is source and summary.length == "short"
