"""Sharding (issue #11): with ``shard_count`` the bot is an ``AutoShardedBot`` that runs the
shards ``shard_ids`` (all when unset) of ``shard_count``, and so sees and serves only the
servers of those shards; with 0 it is the plain bot of one connection, as before. Through
SimCord, which gives each server to the shard Discord would.

(Two bot processes with two shards sharing one PostgreSQL state database, each server's
quote of the day posted once: ``tests/deploy/test_two_bot_processes.py``; the scheduler
alone in two processes: ``tests/schedule/test_two_processes.py``.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import discord
from discord.ext import commands
from simcord.env import Env

from bot.app.client import NotecastBot
from bot.cli.common import writer_cache
from bot.config import SAMPLE_VAULT, Settings
from bot.services import Services
from bot.state import open_state_store


@asynccontextmanager
async def running(tmp_path: Path, **shards: Any) -> AsyncIterator[Env]:
    """The bot as ``main()`` builds it, with these settings, connected to SimCord."""
    settings = replace(Settings(), notes_dir=SAMPLE_VAULT, db=tmp_path / "notecast.db", **shards)
    async with writer_cache(settings) as cache, open_state_store(settings.state_db_path) as state:
        services = Services.build(settings, cache, state=state)
        await services.vault_sync.sync_now()
        env = Env(NotecastBot(services, start_sync=False))
        await env.start()
        try:
            yield env
        finally:
            await env.shutdown()
            await services.vault_sync.stop()
            await services.quotes.aclose()
            await services.topics.aclose()


async def test_a_process_running_shard_1_of_2_serves_only_that_shard_s_servers(tmp_path: Path) -> None:
    async with running(tmp_path, shard_count=2, shard_ids=(1,)) as env:
        bot = env.bot
        assert isinstance(bot, commands.AutoShardedBot) and isinstance(bot, NotecastBot)
        assert (bot.shard_count, bot.shard_ids) == (2, [1])
        elsewhere = env.create_guild("Shard zero", shard_id=0)
        here = env.create_guild("Shard one", shard_id=1)
        assert [g.id for g in bot.guilds] == [here.id]
        assert (elsewhere.id >> 22) % 2 == 0 and (here.id >> 22) % 2 == 1
        assert set(bot.shards) == {1}

        await bot.tree.sync()
        channel = here.create_text_channel("general")
        alice = here.add_member(env.create_user("alice"))
        result = await alice.slash(channel, "stats")
        assert result.acknowledged and "12" in result.response.embeds[0].description


async def test_without_shard_ids_a_process_runs_every_shard(tmp_path: Path) -> None:
    async with running(tmp_path, shard_count=2) as env:
        bot = env.bot
        assert isinstance(bot, commands.AutoShardedBot)
        names = {env.create_guild("Zero", shard_id=0).name, env.create_guild("One", shard_id=1).name}
        assert {g.name for g in bot.guilds} == names
        assert set(bot.shards) == {0, 1}


async def test_with_no_shard_count_the_bot_is_one_plain_connection(tmp_path: Path) -> None:
    async with running(tmp_path) as env:
        bot = env.bot
        assert type(bot) is NotecastBot and not isinstance(bot, discord.AutoShardedClient)
        assert bot.shard_count is None
        env.create_guild("Only")
        assert [g.name for g in bot.guilds] == ["Only"]
