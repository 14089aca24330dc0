"""/search through SimCord: snippets, pages, the cooldown."""

from __future__ import annotations

from typing import Any

import simcord
from discord import app_commands

from tests.e2e.conftest import check_embed_limits


async def test_search_shows_snippets_with_the_matched_words(world: Any) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "search", query="tunneling")
    embed = result.response.embeds[0]
    check_embed_limits(embed)
    assert embed.fields
    assert any("**tunneling**" in f.value.lower() for f in embed.fields)
    footer = embed.footer.text
    assert footer.startswith("Page 1 of")
    if "Page 1 of 1" not in footer:
        await alice.click(result.response, label="Next ▶")
        assert result.response.embeds[0].footer.text.startswith("Page 2 of")


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
