"""Text safety: note text shown literally, member text cleaned, links only from YouTube ids."""

from __future__ import annotations

import re

import pytest

from bot.notes.reader import NoteCard, SectionInfo
from cogs.render.links import moment_link, video_link_from_url
from cogs.render.text import choice_text, join_within, member_text, safe_clip, safe_text
from cogs.render.topic import overview_embed, section_embed

# a masked link Discord would render: "[" not escaped, then "](" (the URL may be in <>)
LIVE_MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")
HOSTILE_ID = "abc) [Free Nitro](https://evil.example/?"


@pytest.mark.parametrize("text", [
    "see [one](https://evil.example/1) and [two](https://evil.example/2) here",
    "[a](https://e.example) [b](https://e.example) [c](<https://e.example>)",
    "[label](<https://evil.example/x>)",
    "nested [[x](https://e.example)](https://e.example)",
    "![img](https://e.example/i.png) then [t](https://e.example)",
])
def test_every_masked_link_on_a_line_is_defused(text: str) -> None:
    shown = safe_text(text)
    assert not LIVE_MASKED_LINK.search(shown), shown
    assert "evil.example" in shown or "e.example" in shown  # shown, as text


@pytest.mark.parametrize(("raw", "label"), [
    ("[[quantum_tunneling | Quantum tunneling]]", "Quantum tunneling"),
    ("[[quantum_tunneling\\|Quantum tunneling]]", "Quantum tunneling"),
    ("[[channel/quantum_tunneling#Barrier]]", "quantum_tunneling"),
    ("![[diagram.png]]", "diagram.png"),
    ("[[ odd | shape | here ]]", "shape | here"),
])
def test_a_raw_wikilink_shows_its_label(raw: str, label: str) -> None:
    shown = safe_text(f"before {raw} after")
    assert "[[" not in shown and "]]" not in shown
    assert safe_text(label) in shown


@pytest.mark.parametrize("raw", ["[[unclosed", "closed]]", "[[a [[b]] c]]", "[[" * 500])
def test_no_stray_wikilink_brackets_reach_a_member(raw: str) -> None:
    shown = safe_text(raw)
    assert "[[" not in shown.replace("\\", "") and "]]" not in shown.replace("\\", "")


def test_block_markdown_at_a_line_start_is_shown_literally() -> None:
    shown = safe_text("# Big\n> quote\n-# small\n- item\n1. first\n```code```")
    assert shown.splitlines()[:5] == ["\\# Big", "\\> quote", "\\-# small", "\\- item",
                                      "1\\. first"]
    assert "\\`\\`\\`" in shown


def test_a_bare_url_stays_as_written() -> None:
    assert safe_text("see https://example.org/a_b_c now") == "see https://example.org/a_b_c now"


def test_mentions_commands_and_timestamps_never_resolve() -> None:
    shown = safe_text("@everyone @here <@1> <@!2> <@&3> <#4> </topic:5> <t:0:R>")
    for raw in ("@everyone", "@here", "<@1>", "<@!2>", "<@&3>", "<#4>", "</topic:5>", "<t:0"):
        assert raw not in shown


@pytest.mark.parametrize("typed", [
    "quantum\x00 tunneling", "\ufeffquantum tunneling", "\u202equantum tunneling\u202c",
    "\u2066quantum\u2069 tunneling", "quantum\u200b tunneling\u2067",
])
def test_member_text_drops_nul_bom_and_bidi_controls(typed: str) -> None:
    shown = member_text(typed, 200)
    assert shown == "quantum tunneling"
    assert choice_text(typed) == "quantum tunneling"


def test_member_text_is_escaped_and_short() -> None:
    shown = member_text("[x](https://evil.example) @everyone " + "word " * 500, 200)
    assert not LIVE_MASKED_LINK.search(shown) and "@everyone" not in shown
    assert len(shown) <= 200


def test_clipping_escaped_text_leaves_no_dangling_backslash() -> None:
    for n in range(1, 40):
        assert not safe_clip("*" * 100, n).rstrip("…").endswith("\\")


def _card(video_id: str | None) -> NoteCard:
    sections = (SectionInfo(0, 2, "The Barrier", "Text [a](https://e.x) [b](https://e.x)", 340),
                SectionInfo(1, 2, "[[raw_link | Raw link]] heading", "More", 60))
    return NoteCard(1, "chan", "Chan", "slug", "Title [x](https://e.x) [y](https://e.x)",
                    video_id, "Episode", "chan/slug.md", "", sections)


def test_a_hostile_video_id_gives_no_link_at_all() -> None:
    assert moment_link(HOSTILE_ID, 340) == ""
    assert video_link_from_url(f"https://www.youtube.com/watch?v={HOSTILE_ID}") is None
    for embed in (overview_embed(_card(HOSTILE_ID), None, None),
                  section_embed(_card(HOSTILE_ID), 0, [340, 400])):
        assert embed.url is None
        text = str(embed.to_dict())
        assert "evil.example" not in text and "Free Nitro" not in text
        assert not LIVE_MASKED_LINK.search(embed.title or "")


def test_a_valid_video_id_links_its_moments() -> None:
    embed = overview_embed(_card("Qm7tR2vX9pL"), None, None)
    assert embed.url == "https://www.youtube.com/watch?v=Qm7tR2vX9pL"
    sections = embed.fields[0].value
    assert "[▶ 5:40](https://www.youtube.com/watch?v=Qm7tR2vX9pL&t=340s)" in sections
    assert "Raw link" in sections and "[[" not in sections
    assert LIVE_MASKED_LINK.findall(sections) == ["[▶ 5:40](", "[▶ 1:00]("]  # ours only


@pytest.mark.parametrize(("given", "total"), [(200, 2246), (3, 10)])
def test_join_within_counts_what_is_left_of_the_whole_list(given: int, total: int) -> None:
    """/related listed 22 of 2,246 links and said "… and 178 more" (it counted only the 200
    items it was given)."""
    items = [f"• Note number {i}" for i in range(given)]
    text = join_within(items, 1024, total=total)
    lines = text.split("\n")
    shown = len(lines) - 1
    assert lines[-1] == f"… and {total - shown} more"
    assert len(text) <= 1024


def test_note_text_loses_control_characters_but_keeps_lines() -> None:
    shown = safe_text("red\x1b[31m alert\x1b[0m\x9b2J\x07 done\r\nnext\tline\x00")
    assert not any(ch in shown for ch in "\x1b\x9b\x07\r\x00")
    assert shown == "red\\[31m alert\\[0m2J done\nnext\tline"
