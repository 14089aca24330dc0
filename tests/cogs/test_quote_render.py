"""The quote embeds, from hand-made quotes: Discord's limits, no ping, markdown and invisible
marks shown safely, honest attribution, and links only where they are valid."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import discord
import pytest

from bot.quotes import Quote, QuotePick
from cogs.render.quote import (
    UNATTRIBUTED,
    no_quote_embed,
    no_quotes_embed,
    quote_embed,
    quotes_page_embed,
)
from cogs.replies import Reply

VIDEO = "aBcDeFgHiJk"
BIDI = "\u202e\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
HOSTILE = ("@everyone @here <@123456789012345678> <@&42> <#77> **bold** __u__ ~~s~~ `code` "
           "[Free Nitro](https://evil.example/x) ||spoiler|| # heading\n> nested\n- item\x00"
           + BIDI + " end")
# a masked link Discord would render: "[" not escaped, then "](" (the URL may be in <>)
LIVE_MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")


def make_quote(**changes: Any) -> Quote:
    quote = Quote(quote_id=1, note_id=10, channel="orbit", channel_name="The Orbit Show",
                  slug="tides", note_title="Why tides happen", section_index=2,
                  section_heading="The Moon's pull", line=42,
                  text="The ocean is a clock that the Moon winds twice a day.",
                  speaker="Rhea Quill", speaker_as_written="Rhea Quill", role="oceanographer",
                  seconds=754, moment="own", repaired=False, video_id=VIDEO,
                  episode_title="Tides, explained")
    return replace(quote, **changes)


def check_limits(embed: discord.Embed) -> None:
    assert len(embed) <= 6000
    assert len(embed.title or "") <= 256
    assert len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    assert len(embed.footer.text or "") <= 2048
    assert len(embed.author.name or "") <= 256
    for item in embed.fields:
        assert 1 <= len(item.name or "") <= 256 and 1 <= len(item.value or "") <= 1024


def all_text(embed: discord.Embed) -> str:
    parts = [embed.title or "", embed.description or "", embed.footer.text or "",
             embed.author.name or ""]
    parts += [f"{f.name}\n{f.value}" for f in embed.fields]
    return "\n".join(parts)


def test_a_quote_shows_words_speaker_note_episode_moment_thumbnail_and_line() -> None:
    embed = quote_embed(make_quote())
    check_limits(embed)
    assert embed.description == "> The ocean is a clock that the Moon winds twice a day."
    assert embed.author.name == "Rhea Quill · oceanographer"
    assert embed.title == "Why tides happen"
    assert embed.url == f"https://www.youtube.com/watch?v={VIDEO}"
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Moment"] == f"[▶ 12:34](https://www.youtube.com/watch?v={VIDEO}&t=754s)"
    assert "Tides, explained" in fields["Episode"] and "The Orbit Show" in fields["Episode"]
    assert f"[watch](https://www.youtube.com/watch?v={VIDEO})" in fields["Episode"]
    assert "The Moon's pull" in fields["Section"]
    assert embed.thumbnail.url == f"https://i.ytimg.com/vi/{VIDEO}/hqdefault.jpg"
    assert embed.footer.text == "orbit/tides.md:42"


def test_an_hour_long_moment_is_labelled_h_mm_ss() -> None:
    embed = quote_embed(make_quote(seconds=3754))
    moment = next(f.value for f in embed.fields if f.name == "Moment")
    assert moment.startswith("[▶ 1:02:34](") and "&t=3754s" in moment


def test_the_words_keep_their_lines_but_not_their_quote_marks() -> None:
    embed = quote_embed(make_quote(text="“First line.\n\n\n\nSecond line.”"))
    assert embed.description == "> First line.\n>\n> Second line."


def test_an_unattributed_quote_names_nobody() -> None:
    quote = make_quote(speaker=None, speaker_as_written=None, role=None)
    embed = quote_embed(quote)
    assert embed.author.name == UNATTRIBUTED
    assert "Rhea" not in all_text(embed)
    page = quotes_page_embed("Why tides happen", [quote], 0)
    assert "Rhea" not in all_text(page) and UNATTRIBUTED in page.description


def test_a_role_without_a_name_is_not_shown_as_a_speaker() -> None:
    embed = quote_embed(make_quote(speaker=None, role="oceanographer"))
    assert embed.author.name == UNATTRIBUTED


def test_the_nearest_moment_is_marked_and_a_repaired_one_is_linked() -> None:
    nearest = quote_embed(make_quote(moment="nearest"))
    value = next(f.value for f in nearest.fields if f.name == "Moment")
    assert "&t=754s" in value and "nearest moment" in value
    own = next(f.value for f in quote_embed(make_quote(repaired=True)).fields
               if f.name == "Moment")
    assert "&t=754s" in own and "nearest" not in own


@pytest.mark.parametrize("video_id", [None, "short", "abc) [Free Nitro](https://evil.example/?",
                                      "aBcDeFgHiJk&x", "aBcDeFgHiJ "])
def test_no_link_without_a_valid_video_id(video_id: str | None) -> None:
    embed = quote_embed(make_quote(video_id=video_id))
    check_limits(embed)
    assert embed.url is None
    assert embed.thumbnail.url is None
    text = all_text(embed)
    assert "https://" not in text and "evil" not in text
    assert "at 12:34 (no video link)" in text


def test_a_moment_past_a_day_gets_no_link_and_no_moment_no_field() -> None:
    late = quote_embed(make_quote(seconds=10 ** 7))
    assert "&t=" not in all_text(late)
    none = quote_embed(make_quote(seconds=None, moment="none"))
    assert [f.name for f in none.fields if f.name == "Moment"] == []


def test_a_6000_character_quote_fits_every_limit() -> None:
    quote = make_quote(text="word " * 1200, speaker="N" * 6000, role="R" * 6000,
                       note_title="T" * 6000, episode_title="E" * 6000,
                       section_heading="S" * 6000, channel_name="C" * 6000, slug="s" * 6000)
    embed = quote_embed(quote)
    check_limits(embed)
    assert embed.description.startswith("> word word")
    page = quotes_page_embed(quote.note_title, [quote] * 12, 1)
    check_limits(page)
    assert page.description.count("> word") == 5
    check_limits(no_quote_embed(QuotePick(None, 0, suggest_speakers=["N" * 6000] * 30,
                                          suggest_topics=["T" * 6000] * 30),
                                "x" * 6000, "y" * 6000, "z" * 6000))


def test_six_thousand_short_lines_fit() -> None:
    embed = quote_embed(make_quote(text="a\n" * 6000))
    check_limits(embed)
    page = quotes_page_embed("t", [make_quote(text="a\n" * 6000)] * 5, 0)
    check_limits(page)
    assert page.description.count("line 42") == 5  # every quote of the page is shown


def test_mentions_markdown_nul_and_bidi_marks_are_shown_safely() -> None:
    quote = make_quote(text=HOSTILE, speaker="@everyone **Rhea**\x00" + BIDI,
                       role="<@123> [x](https://evil.example)", note_title=HOSTILE,
                       episode_title=HOSTILE, section_heading=HOSTILE)
    for embed in (quote_embed(quote), quotes_page_embed(HOSTILE, [quote], 0)):
        check_limits(embed)
        text = all_text(embed)
        assert "\x00" not in text
        assert not any(mark in text for mark in BIDI)
        assert "@everyone" not in text and "@here" not in text
        assert "<@123456789012345678>" not in text and "<@&42>" not in text
        assert "<#77>" not in text and "<@123>" not in text
        assert "everyone" in text and "123456789012345678" in text  # shown, defused
        rendered = text.replace(embed.author.name or "", "")  # the author line: no markdown
        live = [m for m in LIVE_MASKED_LINK.findall(rendered)
                if not m.startswith(("[▶", "[watch]("))]
        assert live == []
        assert "\\*\\*bold\\*\\*" in text and "\\`code\\`" in text
        assert "\\|\\|spoiler\\|\\|" in text
    embed = quote_embed(quote)
    assert embed.author.name.startswith("@")  # the author line renders no mention
    assert "\n> \\> nested" in embed.description  # a '>' of the note is no block quote


def test_a_reply_of_quote_embeds_pings_nobody() -> None:
    reply = Reply(embeds=[quote_embed(make_quote(text=HOSTILE))])
    sent = reply.send_kwargs()["allowed_mentions"]
    assert sent.to_dict() == discord.AllowedMentions.none().to_dict() == {"parse": []}


def test_quote_pages_count_and_link() -> None:
    quotes = [make_quote(quote_id=n, line=n, text=f"Quote number {n}.") for n in range(1, 13)]
    first = quotes_page_embed("Why tides happen", quotes, 0)
    assert first.footer.text == "Page 1 of 3 · 12 quotes · orbit/tides.md"
    assert "Quote number 1." in first.description and "Quote number 6." not in first.description
    assert first.author.name == "The Orbit Show · Tides, explained"
    assert first.url == f"https://www.youtube.com/watch?v={VIDEO}"
    last = quotes_page_embed("Why tides happen", quotes, 2)
    assert "Quote number 11." in last.description and "Quote number 12." in last.description
    assert "Page 3 of 3" in last.footer.text
    assert "line 12" in last.description and "&t=754s" in last.description
    assert "Rhea Quill" in last.description


def test_a_note_without_quotes_says_so() -> None:
    embed = no_quotes_embed("Why tides happen", f"https://www.youtube.com/watch?v={VIDEO}")
    assert "no quote" in embed.description
    assert embed.url == f"https://www.youtube.com/watch?v={VIDEO}"


def test_no_match_echoes_the_search_and_suggests() -> None:
    pick = QuotePick(None, 0, speaker="Rhea Quill", suggest_speakers=["Rhea Quill", "Ode Marr"],
                     suggest_topics=["Why tides happen"])
    embed = no_quote_embed(pick, "rhea <@1> **x**\u202e", "", "orbit")
    check_limits(embed)
    assert "“rhea <\u200b@1> \\*\\*x\\*\\*”" in embed.description
    assert "in the channel “orbit”" in embed.description
    assert "Rhea Quill" in embed.description  # what the option was read as
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Speakers with quotes"] == "• Rhea Quill\n• Ode Marr"
    assert fields["Topics with quotes"] == "• Why tides happen"
    assert "\u202e" not in embed.description
