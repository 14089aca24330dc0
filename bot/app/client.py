"""The Discord side: the bot class and its command tree (the one error path).

``main()`` (in :mod:`bot.cli`) opens the resources and builds :class:`NotecastBot` with them;
``setup_hook`` loads the cogs and starts the background sync. The command tree is never
synced here: ``notecast sync-commands`` does that, once, on purpose.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserFacingError
from bot.services import Services
from cogs import EXTENSIONS

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again later."


async def send_ephemeral(interaction: discord.Interaction[Any], text: str) -> None:
    """Tell only the member, whether or not the interaction was answered already."""
    allowed = discord.AllowedMentions.none()
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=allowed)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=allowed)
    except discord.HTTPException:
        log.warning("could not tell the member about an error (interaction %s)", interaction.id)


def describe_error(error: BaseException) -> tuple[str, bool]:
    """The member-facing text for an error, and whether it is expected (not a bug)."""
    original = getattr(error, "original", None) or error.__cause__ or error
    if isinstance(original, UserFacingError):
        return str(original), True
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f}s.", True
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server.", True
    if isinstance(error, app_commands.MissingPermissions):
        return "You need the Manage Server permission for this.", True
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here.", True
    if isinstance(error, app_commands.TransformerError):
        return f"I couldn't understand {error.value!r} for that option.", True
    return APOLOGY, False


async def sync_command_tree(bot: commands.Bot, guild_id: int | None) -> tuple[list[app_commands.AppCommand], str]:
    """Register the slash commands with Discord: to one server (at once) or globally.

    Returns the commands synced and where. Used by ``notecast sync-commands`` only: the
    bot never syncs by itself (Discord allows 200 command creations a day per server).
    """
    if guild_id:
        guild = discord.Object(id=guild_id)
        bot.tree.copy_global_to(guild=guild)
        return await bot.tree.sync(guild=guild), f"server {guild_id} (takes effect at once)"
    return await bot.tree.sync(), "every server (global commands can take up to an hour to show)"


class NotecastTree(app_commands.CommandTree[Any]):
    """The one place where command errors end up."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        text, expected = describe_error(error)
        command = interaction.command.qualified_name if interaction.command else "?"
        if expected:
            log.debug("/%s by %s: %s", command, interaction.user.id, text)
        else:
            log.error("/%s failed", command, exc_info=error)
        await send_ephemeral(interaction, text)


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
