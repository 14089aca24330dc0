"""The Discord side: the bot class.

``main()`` (in :mod:`bot.cli`) opens the resources and builds :class:`NotecastBot` with them;
``setup_hook`` loads the cogs and starts the background sync. The command tree and its one
error path live in :mod:`bot.app.tree`. The command tree is never synced here:
``notecast sync-commands`` does that, once, on purpose. Cogs never import this module: they
reach the services through :class:`bot.app.protocols.HasServices`.
"""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.app.tree import APOLOGY, NotecastTree, describe_error, send_ephemeral, sync_command_tree
from bot.services import Services
from cogs import EXTENSIONS

__all__ = ["APOLOGY", "NotecastBot", "NotecastTree", "describe_error", "send_ephemeral",
           "sync_command_tree"]

log = logging.getLogger(__name__)


class NotecastBot(commands.Bot):
    """A bot that serves the notes through slash commands; built by ``main()``."""

    def __init__(self, services: Services, *, start_sync: bool = True) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=NotecastTree,
            help_command=None,
        )
        self.services = services
        self.start_sync = start_sync

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.start_sync:
            await self.services.vault_sync.start()
        log.info("loaded %d extensions; %d app commands ready", len(EXTENSIONS),
                 len(self.tree.get_commands()))

    async def on_ready(self) -> None:
        # No command sync here: on_ready fires on every reconnect.
        log.info("connected as %s to %d servers", self.user, len(self.guilds))

    async def close(self) -> None:
        await self.services.vault_sync.stop()
        await super().close()
