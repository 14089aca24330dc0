"""``/stats``: what the bot knows: the vault's counts and when it last synced."""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.protocols import services_of
from bot.services import Services
from cogs.render.text import safe_clip
from cogs.replies import EMBED_COLOUR, ConsoleCommand, Reply, fit_embed, respond

log = logging.getLogger(__name__)


def _n(value: int) -> str:
    return f"{value:,}"


def _layout(stats: Any) -> str | None:
    """How the vault was read (``CacheStats.layout``), when the cache says."""
    layout = getattr(stats, "layout", None)
    if not layout:
        return None
    text = getattr(layout, "description", None) or getattr(layout, "value", None) or layout
    return safe_clip(str(text), 1024)


def _refused(stats: Any) -> str | None:
    """A sync that was refused (``CacheStats.refused``): what it found and what is served."""
    refused = getattr(stats, "refused", None)
    if not refused:
        return None
    if isinstance(refused, str):
        return safe_clip(f"Last sync refused: {refused}", 1024)
    found = getattr(refused, "vault_notes", None)
    if found is None:
        found = getattr(refused, "found", None)
    cached = getattr(refused, "cached_notes", None)
    if cached is None:
        cached = getattr(refused, "cached", None)
    reason = getattr(refused, "reason", None)
    if isinstance(found, int) and isinstance(cached, int):
        text = (f"Last sync refused: the vault folder holds {_n(found)} notes, the cache "
                f"{_n(cached)}; still serving the cache.")
        if reason:
            text += f" ({reason})"
    else:
        text = f"Last sync refused: {reason or refused}; still serving the cache."
    return safe_clip(text, 1024)


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
    layout = _layout(stats)
    if layout:
        embed.add_field(name="Vault read as", value=layout, inline=False)
    refused = _refused(stats)
    if refused:
        embed.add_field(name="Sync refused", value=refused, inline=False)
    error = services.vault_sync.last_error
    if refused:
        footer = "Notes are as of the last accepted sync"
    else:
        footer = "Sync problem: see the bot's log" if error else "Notes are up to date"
    embed.set_footer(text=footer)
    return Reply(embeds=[fit_embed(embed)])


class StatsCog(commands.Cog, name="Stats"):
    def __init__(self, services: Services) -> None:
        self.services = services

    @app_commands.command(name="stats", description="How many notes, episodes and channels I know")
    async def stats(self, interaction: discord.Interaction[Any]) -> None:
        await respond(interaction, lambda: stats_reply(self.services))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(StatsCog(services_of(bot)))


CONSOLE_COMMANDS = (
    ConsoleCommand("stats", "How many notes, episodes and channels I know", (), stats_reply),
)

