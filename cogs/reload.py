"""``/reload``: sync the notes with the vault now, and say what changed (or why the sync
was refused). For the bot's owner and members with the Manage Server permission: the
command is hidden from others by default (an admin may change that in the server's
settings), and the permission is checked here again whatever those settings say."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.protocols import services_of
from bot.errors import UserFacingError
from bot.ops.reload import reload_vault
from bot.services import Services
from cogs.render.about import reload_embed
from cogs.replies import Reply, respond

log = logging.getLogger(__name__)

NOT_ALLOWED = ("Only the bot's owner, or a member with the Manage Server permission, can "
               "reload the notes.")


async def may_reload(interaction: discord.Interaction[Any]) -> bool:
    """The member has Manage Server here, or owns the bot."""
    if interaction.guild is not None and interaction.permissions.manage_guild:
        return True
    client = interaction.client
    if isinstance(client, commands.Bot):
        try:
            return await client.is_owner(interaction.user)
        except discord.HTTPException:
            log.warning("could not ask Discord who owns the bot")
    return False


async def reload_reply(services: Services) -> Reply:
    result = await reload_vault(services.vault_sync)
    return Reply(embeds=[reload_embed(result, str(services.settings.notes_dir))], ephemeral=True)


class ReloadCog(commands.Cog, name="Reload"):
    def __init__(self, services: Services) -> None:
        self.services = services

    @app_commands.command(name="reload",
                          description="Sync the notes with the vault now and say what changed")
    @app_commands.default_permissions(manage_guild=True)
    async def reload(self, interaction: discord.Interaction[Any]) -> None:
        if not await may_reload(interaction):
            raise UserFacingError(NOT_ALLOWED)
        log.info("/reload by %s in %s", interaction.user.id, interaction.guild_id)
        await respond(interaction, lambda: reload_reply(self.services), defer_now=True,
                      ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(ReloadCog(services_of(bot)))
