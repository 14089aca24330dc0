"""Reply helpers: Discord's limits, escaping, and the console's text."""

from __future__ import annotations

import discord

from cogs.replies import Reply, choice_text, clip, fit_embed, neutralise_mentions, reply_to_text, safe_text


def test_mentions_are_defused() -> None:
    text = neutralise_mentions("hi @everyone and @here, <@123>, <@!123>, <@&9>, <#77>")
    assert "@everyone" not in text and "@here" not in text
    assert "<@123>" not in text and "<@&9>" not in text and "<#77>" not in text
    assert "everyone" in text and "123" in text


def test_note_markdown_is_shown_literally() -> None:
    text = safe_text("**bold** __under__ ||spoiler|| `code` # heading")
    assert "\\*\\*bold\\*\\*" in text and "\\|\\|spoiler\\|\\|" in text
    assert "\\_\\_under\\_\\_" in text and "\\`code\\`" in text


def test_clip_cuts_at_a_word_and_never_leaves_a_dangling_escape() -> None:
    assert clip("short", 10) == "short"
    cut = clip("one two three four five six", 15)
    assert len(cut) <= 15 and cut.endswith("…") and not cut.endswith(" …")
    assert not clip("a" * 8 + "\\" * 10, 10).rstrip("…").endswith("\\")


def test_fit_embed_holds_every_limit() -> None:
    embed = discord.Embed(title="t" * 400, description="d" * 5000)
    for _n in range(40):
        embed.add_field(name="n" * 300, value="v" * 2000)
    embed.set_footer(text="f" * 3000)
    fit_embed(embed)
    assert len(embed) <= 6000 and len(embed.fields) <= 25
    assert len(embed.title or "") <= 256 and len(embed.description or "") <= 4096
    assert all(len(f.name) <= 256 and len(f.value) <= 1024 for f in embed.fields)


def test_choice_text_is_one_line_of_at_most_100() -> None:
    assert choice_text("a\nb") == "a b"
    assert len(choice_text("x" * 300)) == 100
    assert choice_text("   ") == "?"


def test_reply_to_text_shows_the_embed_parts() -> None:
    embed = discord.Embed(title="Title", url="https://example.invalid", description="Body")
    embed.add_field(name="Field", value="Value")
    embed.set_footer(text="Footer")
    text = reply_to_text(Reply(embeds=[embed], ephemeral=True))
    assert text.splitlines()[0] == "(only you can see this)"
    assert "## Title  <https://example.invalid>" in text
    assert "**Field**\nValue" in text and "-- Footer" in text


def test_every_reply_pings_nobody() -> None:
    assert Reply(content="@everyone").send_kwargs()["allowed_mentions"].to_dict() == {"parse": []}
