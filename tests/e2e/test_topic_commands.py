"""/topic, /search and /related through SimCord: answers, autocomplete, buttons, limits."""

from __future__ import annotations

from typing import Any

import pytest
import simcord
from discord import app_commands

from bot.errors import UserFacingError
from tests.e2e.conftest import sent_allowed_mentions


def _labels(message: Any) -> dict[str, bool]:
    """Button label -> disabled, for every button on a message."""
    return {item["label"]: bool(item.get("disabled")) for row in message.components
            for item in row["components"] if item.get("type") == 2}


def _check_embed_limits(embed: Any) -> None:
    assert len(embed) <= 6000
    assert len(embed.title or "") <= 256
    assert len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    for field in embed.fields:
        assert len(field.name) <= 256 and len(field.value) <= 1024


async def test_topic_answers_with_the_note_its_episode_and_sections(world: Any) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query="quantum tunneling")
    assert not result.ephemeral
    (embed,) = result.response.embeds
    _check_embed_limits(embed)
    assert embed.title == "Quantum tunneling"
    assert embed.url == "https://www.youtube.com/watch?v=Qm7tR2vX9pL"
    assert "Why Particles Walk Through Walls" in embed.author.name
    assert "The Curious Orbit" in embed.author.name
    sections = next(f.value for f in embed.fields if f.name == "Sections")
    assert "The Barrier Problem" in sections
    assert "&t=340s" in sections  # the section's first moment, linked
    assert "curiousorbit/quantum_tunneling.md" in embed.footer.text
    assert all(m == {"parse": []} for m in sent_allowed_mentions(env))


@pytest.mark.parametrize("typed", ["quantm tunelling", "tunneling and fusion", "Barrier Problem",
                                   "why barriers leak electrons"])
async def test_topic_finds_the_note_whatever_the_member_types(world: Any, typed: str) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query=typed)
    title = result.response.embeds[0].title
    assert "unnel" in title, (typed, title)


async def test_buttons_page_through_sections_and_back(world: Any) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query="quantum tunneling")
    message = result.response
    assert _labels(message)["◀ Section"] is True  # nothing before the overview
    await alice.click(message, label="Section ▶")
    embed = message.embeds[0]
    assert embed.description.startswith("**The Barrier Problem**")
    assert "Section 1 of 3" in embed.footer.text
    moments = next(f.value for f in embed.fields if f.name == "Moments in the episode")
    assert "https://www.youtube.com/watch?v=Qm7tR2vX9pL&t=" in moments
    await alice.click(message, label="Section ▶")
    await alice.click(message, label="Section ▶")
    assert "Section 3 of 3" in message.embeds[0].footer.text
    assert _labels(message)["Section ▶"] is True  # the last section
    await alice.click(message, label="Overview")
    assert any(f.name == "Sections" for f in message.embeds[0].fields)


async def test_other_matches_open_another_note(world: Any) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query="tunneling")
    message = result.response
    first = message.embeds[0].title
    await alice.click(message, label="Other matches")
    listing = message.embeds[0]
    assert listing.title.startswith("Other matches")
    selects = [item for row in message.components for item in row["components"]
               if item.get("type") == 3]
    assert selects, "a menu lists the other notes"
    await alice.select(message, ["0"], custom_id=selects[0]["custom_id"])
    opened = message.embeds[0]
    assert opened.title != first
    assert any(f.name == "Sections" for f in opened.fields) or opened.description


async def test_only_the_asker_can_press_the_buttons(world: Any) -> None:
    env, guild, channel, alice = world
    bob = guild.add_member(env.create_user("bob"))
    message = (await alice.slash(channel, "topic", query="quantum tunneling")).response
    click = await bob.click(message, label="Section ▶")
    assert click.ephemeral and "belong to the member who asked" in click.response.content
    assert "Section" not in (message.embeds[0].footer.text or "")


async def test_no_match_says_so_and_suggests_titles(world: Any) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query="zxqv wubble frobnitz")
    assert result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "No note matches that well"


@pytest.mark.parametrize("hostile", ["🤷🤷", "\u200b\u200b", "?", "\"NEAR(a b)\" OR title:*",
                                     "sleep " * 1000])
async def test_hostile_queries_get_a_clear_answer(world: Any, hostile: str) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query=hostile)
    assert result.acknowledged
    reply = result.response
    text = reply.content or reply.embeds[0].title
    assert "went wrong" not in text
    for error in env.errors:  # only expected, member-facing errors
        assert isinstance(getattr(error, "original", error), UserFacingError)


async def test_autocomplete_ranks_titles_first_and_fits_discord(world: Any) -> None:
    _env, _guild, channel, alice = world
    choices = await alice.autocomplete(channel, "topic", "query", "quantum")
    assert 1 <= len(choices) <= 25
    assert choices[0]["name"].startswith("Quantum tunneling")
    for choice in choices:
        assert 1 <= len(choice["name"]) <= 100 and 1 <= len(choice["value"]) <= 100
    picked = await alice.slash(channel, "topic", query=choices[0]["value"])
    assert picked.response.embeds[0].title == "Quantum tunneling"
    many = await alice.autocomplete(channel, "topic", "query", "e")
    assert len(many) <= 25
    empty = await alice.autocomplete(channel, "topic", "query", "")
    assert len(empty) <= 25


async def test_channel_option_autocompletes_display_names(world: Any) -> None:
    _env, _guild, channel, alice = world
    choices = await alice.autocomplete(channel, "topic", "channel", "stock")
    assert [c["value"] for c in choices] == ["stockpotledger"]
    assert choices[0]["name"].startswith("Stockpot & Ledger")
    result = await alice.slash(channel, "topic", query="tunneling", channel="stockpotledger")
    embed = result.response.embeds[0]
    assert "unnel" not in (embed.title or "") or result.ephemeral


async def test_search_shows_snippets_with_the_matched_words(world: Any) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "search", query="tunneling")
    embed = result.response.embeds[0]
    _check_embed_limits(embed)
    assert embed.fields
    assert any("**tunneling**" in f.value.lower() for f in embed.fields)
    footer = embed.footer.text
    assert footer.startswith("Page 1 of")
    if "Page 1 of 1" not in footer:
        await alice.click(result.response, label="Next ▶")
        assert result.response.embeds[0].footer.text.startswith("Page 2 of")


async def test_related_lists_links_backlinks_and_the_episode(world: Any) -> None:
    _env, _guild, channel, alice = world
    choices = await alice.autocomplete(channel, "related", "note", "quantum tun")
    result = await alice.slash(channel, "related", note=choices[0]["value"])
    embed = result.response.embeds[0]
    fields = {f.name.split(" (")[0]: f.value for f in embed.fields}
    assert "Tunneling and fusion in stars" in fields["Linked from"]
    assert "Scanning tunneling microscope" in fields["Same episode"]


async def test_a_member_who_floods_is_asked_to_slow_down(world: Any) -> None:
    env, _guild, channel, alice = world
    limit = env.bot.services.settings.cooldown_uses
    for _ in range(limit):
        assert not (await alice.slash(channel, "search", query="bread")).ephemeral
    flooded = await alice.slash(channel, "search", query="bread")
    assert flooded.ephemeral and "Slow down" in flooded.response.content
    simcord.assert_error(env, app_commands.CommandOnCooldown)
    await env.advance_time(env.bot.services.settings.cooldown_seconds + 1)
    assert not (await alice.slash(channel, "search", query="bread")).ephemeral
