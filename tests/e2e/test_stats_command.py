"""The bot starts, loads its cogs, syncs its commands and answers /stats, through SimCord."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import simcord

from bot.config import SAMPLE_VAULT, Settings
from tests.e2e.conftest import sent_allowed_mentions


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The sample vault, copied: a test may empty it as an unmounted volume would."""
    vault = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, vault)
    return replace(Settings(), notes_dir=vault, db=tmp_path / "notecast.db", resync_minutes=10)


async def test_bot_starts_with_its_commands_and_syncs_them(world: Any) -> None:
    env, _guild, channel, alice = world
    names = {command.name for command in env.bot.tree.get_commands()
             if command.default_permissions is None}  # (/qotd is for managers only)
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


def _unmount(vault: Path) -> Path:
    """The volume did not mount: the folder is there, holding no notes."""
    shutil.rmtree(vault)
    vault.mkdir()
    return vault


async def test_stats_says_when_a_sync_was_refused_and_how_the_vault_was_read(
        world: Any) -> None:
    env, _guild, channel, alice = world
    sync = env.bot.services.vault_sync
    empty = _unmount(Path(sync.notes_dir))
    await sync.sync_now()
    result = await alice.slash(channel, "stats")
    (embed,) = result.response.embeds
    assert "12" in embed.description  # still serving the cache
    fields = {f.name: f.value for f in embed.fields}
    refused = fields["Last sync refused"]
    assert refused.startswith("the vault folder holds 0 notes, the cache 12")
    assert "still serving the cache" in refused
    assert str(empty) not in refused and "--allow-shrink" not in refused
    stats = await env.bot.services.cache.stats()
    if getattr(stats, "layout", None):  # once the scan says how it read the vault
        assert fields["Vault read as"]


def test_a_refused_sync_reads_well_for_members() -> None:
    from cogs.stats import refused_text

    text, when = refused_text("2026-12-07T08:00:00+00:00: the vault /srv/my vault holds 0 "
                              "notes, the cache 21,189: sync refused, still serving the cache; "
                              "pass --allow-shrink if this is intended")
    assert text == "the vault folder holds 0 notes, the cache 21,189; still serving the cache"
    assert when is not None and when.year == 2026
