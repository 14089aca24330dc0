"""The note parser, rule by rule, on the edge-case fixtures and the sample vault."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.notes.parsing import (
    MAX_SECTIONS,
    Blockquote,
    NoteSkipped,
    ParsedNote,
    Section,
    Timestamp,
    channel_key,
    decode_note,
    format_seconds,
    is_hub_file,
    parse_directory,
    parse_hub,
    parse_note,
    parse_timestamp,
    render_inline,
    slug_key,
    split_frontmatter,
)
from tests.conftest import FIXTURES

SAMPLE_VAULT = Path(__file__).resolve().parents[2] / "bot" / "sample_vault"
ANCHOR = '<a class="yt-timestamp" data-t="{0}">[{0}]</a>'


def parse_fixture(name: str) -> ParsedNote:
    text, warnings = decode_note((FIXTURES / name).read_bytes())
    return parse_note(text, "fixtures", name.removesuffix(".md"), warnings)


def parse_sample(channel: str, slug: str) -> ParsedNote:
    text, warnings = decode_note((SAMPLE_VAULT / channel / f"{slug}.md").read_bytes())
    return parse_note(text, channel, slug, warnings)


def section(note: ParsedNote, heading: str) -> Section:
    matches = [s for s in note.sections if s.heading == heading]
    assert len(matches) == 1, [s.heading for s in note.sections]
    return matches[0]


def stamps_in(note: ParsedNote, sec: Section) -> list[Timestamp]:
    return [t for t in note.timestamps if t.section == sec.index]


def text_before(note: ParsedNote, stamp: Timestamp) -> str:
    """The section's text up to the moment, with a space before it: an anchor before
    punctuation takes the space with it ("words <a>..</a>." reads "words.")."""
    text = note.sections[stamp.section].text[: stamp.offset]
    return text if text.endswith((" ", "\n")) or not text else text + " "


def quote_with(note: ParsedNote, words: str) -> Blockquote:
    matches = [q for q in note.blockquotes if words in q.text]
    assert len(matches) == 1, note.blockquotes
    return matches[0]


# --------------------------------------------------------------------------- decoding


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


# --------------------------------------------------------------------------- frontmatter


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


# --------------------------------------------------------------------------- sections


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


# --------------------------------------------------------------------------- wikilinks


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


# --------------------------------------------------------------------------- timestamps


@pytest.mark.parametrize(("raw", "expected"), [
    ("00:12:34", (754, False)),
    ("1:02:03", (3723, False)),
    ("12:34", (754, False)),
    ("03:59:59", (14399, False)),
    ("12:48:00", (768, True)),
    ("47:05:00", (2825, True)),
    ("04:10:00", (250, True)),
])
def test_parse_timestamp_forms(raw: str, expected: tuple[int, bool]) -> None:
    assert parse_timestamp(raw) == expected


@pytest.mark.parametrize("raw", [
    "01:00:17:51", "00:18:58]", "00:ab:12", "00:10:75", "12:60", "", "12",
    "00:-5:00", "00:05:-1", "+1:00:00", "٠٠:١٢:٣٤",
])
def test_malformed_timestamps_are_none(raw: str) -> None:
    assert parse_timestamp(raw) is None


@pytest.mark.parametrize(("seconds", "text"), [(0, "0:00"), (754, "12:34"), (3754, "1:02:34")])
def test_format_seconds(seconds: int, text: str) -> None:
    assert format_seconds(seconds) == text


def test_all_timestamp_forms_in_a_note() -> None:
    note = parse_fixture("timestamps_all_forms.md")
    assert [t.seconds for t in note.timestamps] == [
        754, 754, 3723, 1201, 1209, 420, 480, 510, 754, 780,
    ]
    assert not any(t.repaired for t in note.timestamps)


def test_data_t_wins_over_a_differing_label() -> None:
    note = parse_fixture("timestamps_all_forms.md")
    [stamp] = [t for t in note.timestamps if text_before(note, t).endswith("differs from data-t ")]
    assert stamp.seconds == 420


def test_bare_bracketed_time_outside_an_anchor_is_a_timestamp() -> None:
    note = parse_fixture("timestamps_all_forms.md")
    [stamp] = [t for t in note.timestamps if text_before(note, t).endswith("any anchor ")]
    assert stamp.seconds == 754
    assert "[00:12:34]" not in note.sections[0].text


@pytest.mark.parametrize(("words_before", "seconds"), [
    ("Standard HH:MM:SS ", 754),
    ("Short MM:SS ", 754),
    ("Single-digit hour H:MM:SS ", 3723),
    ("Empty label ", 480),
    ("Unbracketed label ", 510),
    ("Empty markdown links ", 780),
])
def test_timestamp_offset_points_where_the_anchor_was(words_before: str, seconds: int) -> None:
    note = parse_fixture("timestamps_all_forms.md")
    found = [t.seconds for t in note.timestamps if text_before(note, t).endswith(words_before)]
    assert found == [seconds]


def test_anchors_vanish_from_the_plain_text() -> None:
    text = parse_fixture("timestamps_all_forms.md").sections[0].text
    assert "<a" not in text and "</a>" not in text and "yt-timestamp" not in text
    assert "[00:" not in text and "[]()" not in text


def test_hour_of_four_or_more_is_repaired_and_flagged() -> None:
    note = parse_fixture("timestamp_hour_overflow.md")
    assert [(t.seconds, t.repaired) for t in note.timestamps] == [
        (768, True), (2825, True), (250, True), (4200, False),
    ]


def test_malformed_values_are_dropped_and_good_labels_rescue() -> None:
    note = parse_fixture("timestamps_malformed.md")
    found = {text_before(note, t).rsplit("\n", 1)[-1]: t.seconds for t in note.timestamps}
    assert found == {
        "Stray bracket ": 1138,  # data-t "00:18:58]" is bad, the label is good
        "Class without data-t ": 599,
        "Empty data-t ": 0,  # label [00:00:00]
    }


def test_malformed_anchors_vanish_from_the_plain_text() -> None:
    text = parse_fixture("timestamps_malformed.md").sections[0].text
    assert "<a" not in text and "</a>" not in text
    assert "Four parts.\n\nStray bracket." in text


def test_garbled_anchors_give_their_moment_and_vanish() -> None:
    note = parse_fixture("timestamps_garbled_anchors.md")
    found = {text_before(note, t).rsplit("\n", 1)[-1]: t.seconds for t in note.timestamps}
    assert found == {"Underscore class ": 122, "Equals class ": 183, "Never closed ": 244,
                     "Closed inside the value ": 305}
    text = note.sections[0].text
    assert "yt" not in text
    assert '<a href="https://example.invalid/">stays</a>' in text  # other HTML is left alone


def test_render_inline_offsets_and_links() -> None:
    text, stamps, links = render_inline(
        "Intro " + ANCHOR.format("00:01:00") + " then [[Some Note|label]] end"
    )
    assert text == "Intro  then label end"
    assert [(s[0], s[2]) for s in stamps] == [(60, len("Intro "))]
    assert links == [("Some Note", "some_note", "label")]


def test_image_links_keep_their_words() -> None:
    note = parse_fixture("math_and_images.md")
    assert section(note, "Images").text == "Wave diagram and embedded do not exist."
    assert "$E = mc^2$" in section(note, "Math").text


# --------------------------------------------------------------------------- blockquotes


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


# --------------------------------------------------------------------------- hubs


def test_hub_episodes_have_title_url_id_and_slugs() -> None:
    hub = parse_hub((SAMPLE_VAULT / "curiousorbit" / "CuriousOrbit.md").read_text(),
                    "curiousorbit")
    assert hub.title == "CuriousOrbit"
    assert [(e.video_id, e.title) for e in hub.episodes] == [
        ("Qm7tR2vX9pL", "Why Particles Walk Through Walls, with Dr. Anselm Keogh"),
        ("Zk4w-8sB1cH", "Light in the Deep: Bioluminescence with Dr. Ines Varga"),
    ]
    assert hub.episodes[1].url == "https://www.youtube.com/watch?v=Zk4w-8sB1cH"
    assert hub.episodes[0].slugs == [
        "quantum_tunneling", "tunneling_and_fusion_in_stars", "scanning_tunneling_microscope"]


def test_hub_video_id_with_underscore() -> None:
    hub = parse_hub((SAMPLE_VAULT / "stockpotledger" / "stockpotledger.md").read_text(),
                    "stockpotledger")
    assert [e.video_id for e in hub.episodes] == ["Lp2xC6vR0eT", "Hy9u_3kM5dW"]
    assert hub.episodes[1].slugs[0] == "food_cost_percentage"


@pytest.mark.parametrize(("channel", "slug", "expected"), [
    ("acquiredfm", "acquiredFM", True),
    ("curiousorbit", "CuriousOrbit", True),
    ("\u2068lexfridman\u2069", "lexfridman", True),
    ("curiousorbit", "quantum_tunneling", False),
    ("acquiredfm", "acquiredfm_extra", False),
])
def test_is_hub_file_ignores_case_and_invisible_marks(
        channel: str, slug: str, expected: bool) -> None:
    assert is_hub_file(channel, slug) is expected


def test_parse_directory_maps_channel_to_display_name() -> None:
    names = parse_directory((SAMPLE_VAULT / "directory.md").read_text())
    assert names == {"curiousorbit": "The Curious Orbit", "stockpotledger": "Stockpot & Ledger"}


# --------------------------------------------------------------------------- hostile


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


# --------------------------------------------------------------------------- sample vault


def sample_notes() -> list[tuple[str, str]]:
    return sorted(
        (path.parent.name, path.stem)
        for path in SAMPLE_VAULT.glob("*/*.md")
        if not is_hub_file(path.parent.name, path.stem)
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
