"""``/stats``: what the bot knows: the vault's counts and when it last synced."""

from __future__ import annotations

import contextlib
import logging
import re
from datetime import UTC, datetime
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


_REFUSED_AT = re.compile(r"^(\d{4}-\d\d-\d\dT[\d:.]+(?:[+-]\d\d:\d\d|Z)?): ")
_VAULT_PATH = re.compile(r"\bthe vault .{0,4096}? holds\b")


def refused_text(refused: str) -> tuple[str, datetime | None]:
    """``CacheStats.refused`` for members: what the vault held against the cache, without
    the server's folder path or the admin's command-line flag; and when it happened."""
    when = None
    found = _REFUSED_AT.match(refused)
    if found:
        with contextlib.suppress(ValueError):
            when = datetime.fromisoformat(found.group(1))
        refused = refused[found.end():]
    refused = _VAULT_PATH.sub("the vault folder holds", refused, count=1)
    refused = refused.split("; pass --", 1)[0].replace(": sync refused, ", "; ")
    if "still serving the cache" not in refused:
        refused += "; still serving the cache"
    return refused, when


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
    if stats.layout:
        embed.add_field(name="Vault read as", value=safe_clip(stats.layout, 1024), inline=False)
    if stats.refused:
        text, refused_at = refused_text(stats.refused)
        at = f" ({discord.utils.format_dt(refused_at, 'R')})" \
            if refused_at and refused_at.tzinfo else ""
        embed.add_field(name="Last sync refused", value=safe_clip(text, 1000) + at,
                        inline=False)
    error = services.vault_sync.last_error
    if stats.refused:
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

