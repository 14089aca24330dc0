"""The command tree and the one error path: what a member sees when a command fails.

A :class:`~bot.errors.UserFacingError` is shown as written, only to the member; anything
else is logged with its traceback and the member gets a short apology. Buttons
(``cogs.views.OwnedView``) take the same path.

Every slash command is also counted (:func:`bot.ops.metrics.lookup`): the tree notes when it
arrived (:meth:`NotecastTree.interaction_check`), and its end is counted as ``ok`` (the
bot's ``on_app_command_completion``), ``refused`` (an expected error, told to the member) or
``error`` (the apology).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserFacingError
from bot.ops import metrics

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again later."
# ``interaction.extras`` key: the interaction was deferred publicly (its "thinking" message
# is visible to everyone), so an ephemeral answer must replace it by a new message
PUBLIC_DEFER = "notecast.public_defer"
# ``interaction.extras`` key: when the tree received the command (on NotecastTree.clock)
ARRIVED = "notecast.arrived"


async def end_public_defer(interaction: discord.Interaction[Any]) -> None:
    """Make room for a private answer after a public deferral: the "thinking" message is
    completed (until then a follow-up would only edit it, keeping it public) and deleted,
    so the next follow-up is a new message that only the member sees."""
    if not interaction.extras.pop(PUBLIC_DEFER, False):
        return
    try:
        await interaction.edit_original_response(
            content="Only you can see my answer.", allowed_mentions=discord.AllowedMentions.none())
        await interaction.delete_original_response()
    except discord.HTTPException:
        log.info("could not remove the public 'thinking' message of interaction %s",
                 interaction.id)


async def send_ephemeral(interaction: discord.Interaction[Any], text: str) -> None:
    """Tell only the member, whether or not the interaction was answered already."""
    allowed = discord.AllowedMentions.none()
    try:
        if interaction.response.is_done():
            await end_public_defer(interaction)
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
        return "I couldn't understand what you typed for that option.", True
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

    clock: Callable[[], float] = staticmethod(time.monotonic)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.type is discord.InteractionType.application_command:
            interaction.extras[ARRIVED] = self.clock()
        return True

    def count_lookup(self, interaction: discord.Interaction[Any], outcome: str) -> None:
        """Count a command that ended (``ok``, ``refused`` or ``error``) with its latency."""
        arrived = interaction.extras.pop(ARRIVED, None)
        if arrived is None:  # (not a slash command, or counted already)
            return
        command = interaction.command.qualified_name if interaction.command else "unknown"
        metrics.lookup(command, self.clock() - arrived, outcome)

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        text, expected = describe_error(error)
        command = interaction.command.qualified_name if interaction.command else "?"
        self.count_lookup(interaction, "refused" if expected else "error")
        if expected:
            log.debug("/%s by %s: %s", command, interaction.user.id, text)
        else:
            log.error("/%s failed", command, exc_info=error)
        await send_ephemeral(interaction, text)
