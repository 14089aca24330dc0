"""``/stats``: what the bot knows: the vault's counts and when it last synced."""

from __future__ import annotations

import logging
from datetime import UTC
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.replies import EMBED_COLOUR, ConsoleCommand, Reply, fit_embed, send_reply

if TYPE_CHECKING:
    from bot.app.client import NotecastBot
    from bot.services import Services

log = logging.getLogger(__name__)


def _n(value: int) -> str:
    return f"{value:,}"


async def stats_reply(services: Services, options: dict[str, str] | None = None) -> Reply:
    """The /stats embed: vault counts, skipped files and the last sync time."""
    await services.require_ready()
    stats = await services.cache.stats()
    counts = stats.counts
    embed = discord.Embed(title="Notecast: what I know", colour=EMBED_COLOUR)
    embed.description = (
        f"**{_n(counts.notes)}** notes from **{_n(counts.episodes)}** episodes "
        f"in **{_n(counts.channels)}** channels."
    )
    embed.add_field(name="Sections", value=_n(counts.sections))
    embed.add_field(name="Links", value=_n(counts.links))
    embed.add_field(name="Timestamps", value=_n(counts.timestamps))
    embed.add_field(name="Quotes and callouts", value=_n(counts.blockquotes))
    embed.add_field(name="Hub files", value=_n(counts.hubs))
    embed.add_field(name="Skipped files", value=_n(len(stats.skipped)))
    if counts.repaired_timestamps:
        embed.add_field(
            name="Timestamps read as MM:SS",
            value=f"{_n(counts.repaired_timestamps)} (an hour past the recording's length)",
            inline=False,
        )
    if stats.last_sync is not None:
        when = stats.last_sync if stats.last_sync.tzinfo else stats.last_sync.replace(tzinfo=UTC)
        took = f" in {stats.last_sync_seconds:.1f}s" if stats.last_sync_seconds else ""
        embed.add_field(
            name="Last sync",
            value=f"{discord.utils.format_dt(when, 'R')} ({when:%Y-%m-%d %H:%M} UTC){took}",
            inline=False,
        )
        embed.timestamp = when
    error = services.vault_sync.last_error
    footer = "Sync problem: see the bot's log" if error else "Notes are up to date"
    embed.set_footer(text=footer)
    return Reply(embeds=[fit_embed(embed)])


class StatsCog(commands.Cog, name="Stats"):
    def __init__(self, bot: NotecastBot) -> None:
        self.bot = bot

    @app_commands.command(name="stats", description="How many notes, episodes and channels I know")
    async def stats(self, interaction: discord.Interaction[NotecastBot]) -> None:
        await send_reply(interaction, await stats_reply(self.bot.services))


async def setup(bot: NotecastBot) -> None:
    await bot.add_cog(StatsCog(bot))


CONSOLE_COMMANDS = (
    ConsoleCommand("stats", "How many notes, episodes and channels I know", (), stats_reply),
)

