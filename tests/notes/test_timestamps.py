"""Timestamps in every form, and the plain text around them."""

from __future__ import annotations

import pytest

from bot.notes.parsing import (
    format_seconds,
    parse_timestamp,
    render_inline,
)
from tests.notes.helpers import (
    ANCHOR,
    parse_fixture,
    section,
    text_before,
)


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
