"""The bot starts, loads its cogs, syncs its commands and answers /stats, through SimCord."""

from __future__ import annotations

from typing import Any

import pytest
import simcord

from tests.e2e.conftest import sent_allowed_mentions


async def test_bot_starts_with_its_commands_and_syncs_them(world: Any) -> None:
    env, _guild, channel, alice = world
    names = {command.name for command in env.bot.tree.get_commands()}
    assert "stats" in names
    visible = set(alice.available_commands(channel))
    assert names <= visible


async def test_stats_answers_with_the_vault_counts(world: Any) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "stats")
    assert result.acknowledged and not result.ephemeral
    (embed,) = result.response.embeds
    assert "12" in embed.description  # notes in the sample vault
    assert "2** channels" in embed.description
    fields = {field.name: field.value for field in embed.fields}
    assert int(fields["Hub files"]) == 2
    assert int(fields["Timestamps"].replace(",", "")) > 0
    assert "Last sync" in fields
    assert len(embed) <= 6000


async def test_nothing_the_bot_posts_can_ping(world: Any) -> None:
    env, _guild, channel, alice = world
    await alice.slash(channel, "stats")
    mentions = sent_allowed_mentions(env)
    assert mentions, "the bot posted nothing"
    assert all(m == {"parse": []} for m in mentions), mentions


async def test_a_command_that_was_never_synced_cannot_be_used(simcord_env: Any) -> None:
    env = simcord_env
    channel = env.create_guild("Fresh").create_text_channel("general")
    bob = env.guild.add_member(env.create_user("bob"))
    with pytest.raises(simcord.SetupError):
        await bob.slash(channel, "stats")
    await env.bot.close()


async def test_sync_commands_registers_them_in_one_server_at_once(simcord_env: Any) -> None:
    from bot.app.client import sync_command_tree

    env = simcord_env
    guild = env.create_guild("Dev server")
    channel = guild.create_text_channel("general")
    carol = guild.add_member(env.create_user("carol"))
    synced, where = await sync_command_tree(env.bot, guild.id)
    assert {c.name for c in synced} >= {"stats", "topic", "search", "related"}
    assert str(guild.id) in where
    result = await carol.slash(channel, "stats")
    assert result.response.embeds[0].title == "Notecast: what I know"
    await env.bot.close()
