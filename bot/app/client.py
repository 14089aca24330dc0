"""The Discord side: the bot class.

``main()`` (in :mod:`bot.cli`) opens the resources and builds :class:`NotecastBot` with them;
``setup_hook`` loads the cogs and starts the background sync and the vault watcher
(:mod:`bot.vault.watch`); ``close`` stops them. The gateway's events keep
:attr:`NotecastBot.gateway` (:mod:`bot.ops.gateway`) for the health check and ``/about``.
The command tree and its one error path live in :mod:`bot.app.tree`. The command tree is never synced here:
``notecast sync-commands`` does that, once, on purpose. Cogs never import this module: they
reach the services through :class:`bot.app.protocols.HasServices`.
"""

from __future__ import annotations

import logging
from typing import Any, cast

import discord
from discord.ext import commands

from bot.app.tree import APOLOGY, NotecastTree, describe_error, send_ephemeral, sync_command_tree
from bot.ops.gateway import GatewayState
from bot.services import Services
from bot.vault.watch import VaultWatcher
from cogs import EXTENSIONS

__all__ = ["APOLOGY", "NotecastBot", "NotecastTree", "describe_error", "send_ephemeral",
           "sync_command_tree"]

log = logging.getLogger(__name__)


class NotecastBot(commands.Bot):
    """A bot that serves the notes through slash commands; built by ``main()``. With the
    setting ``shard_count``, ``NotecastBot(services)`` is a
    :class:`~bot.app.sharded.ShardedNotecastBot` (an ``AutoShardedBot``)."""

    def __new__(cls, services: Services, *args: Any, **kwargs: Any) -> NotecastBot:
        if cls is NotecastBot and services.settings.shard_count:
            from bot.app.sharded import ShardedNotecastBot

            return super().__new__(ShardedNotecastBot)
        return super().__new__(cls)

    def shard_options(self) -> dict[str, Any]:
        return {}  # one connection, no sharding (see ShardedNotecastBot)

    def __init__(self, services: Services, *, start_sync: bool = True) -> None:
        self.services = services
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=NotecastTree,
            help_command=None,
            **self.shard_options(),
        )
        self.services = services
        self.start_sync = start_sync
        self.gateway = GatewayState()
        self.watcher = VaultWatcher.for_sync(services.settings, services.vault_sync)

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.start_sync:
            await self.services.vault_sync.start()
            await self.watcher.start()
        log.info("loaded %d extensions; %d app commands ready", len(EXTENSIONS),
                 len(self.tree.get_commands()))

    async def on_ready(self) -> None:
        # No command sync here: on_ready fires on every reconnect.
        self.gateway.ready()
        log.info("connected as %s to %d servers", self.user, len(self.guilds))

    async def on_resumed(self) -> None:
        self.gateway.resumed()

    async def on_disconnect(self) -> None:
        self.gateway.disconnected()

    async def on_app_command_completion(self, interaction: discord.Interaction[Any],
                                        command: object) -> None:
        cast(NotecastTree, self.tree).count_lookup(interaction, "ok")

    async def close(self) -> None:
        await self.watcher.stop()
        await self.services.vault_sync.stop()
        await super().close()
        self.gateway.disconnected()
