"""The bot as discord.py's ``AutoShardedBot``, for the setting ``shard_count`` (issue #11).

Discord requires sharding from 2,500 servers: each shard is one gateway connection that
receives the servers whose ``(guild_id >> 22) % shard_count`` is its id. One process runs
the shards ``shard_ids`` (all of them when unset) of ``shard_count``; several processes
(containers) each run a range of them, sharing the state database (PostgreSQL) so that a
server's quote of the day is posted by the process that owns its shard, once. With
``shard_count = 0`` (the default) :class:`~bot.app.client.NotecastBot` is a plain ``Bot``
with one unsharded connection, as before.

``NotecastBot(services)`` builds this class itself when ``shard_count`` is set, so that
``main()`` and the tests construct the bot one way.
"""

from __future__ import annotations

from typing import Any

from discord.ext import commands

from bot.app.client import NotecastBot


class ShardedNotecastBot(NotecastBot, commands.AutoShardedBot):
    """:class:`NotecastBot` over ``AutoShardedBot``: the shards the settings name, in this
    process."""

    # the gateway's state per shard (bot.ops.gateway): the events without a shard id come
    # from every shard at once and say nothing about which one
    async def on_resumed(self) -> None:
        pass

    async def on_disconnect(self) -> None:
        pass

    async def on_shard_ready(self, shard_id: int) -> None:
        self.gateway.resumed(shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self.gateway.resumed(shard_id)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self.gateway.disconnected(shard_id)

    def shard_options(self) -> dict[str, Any]:
        settings = self.services.settings
        ids = None if settings.shard_ids is None else list(settings.shard_ids)
        return {"shard_count": settings.shard_count, "shard_ids": ids}
