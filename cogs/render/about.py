"""The ``/about`` and ``/reload`` embeds: the bot itself, and what a forced sync changed."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import discord

from bot.ops.about import AboutInfo
from bot.ops.reload import NoteChange, ReloadResult
from cogs.render.text import join_within, safe_clip
from cogs.replies import EMBED_COLOUR, FIELD_VALUE_LIMIT, fit_embed
from cogs.stats import refused_text

SHOWN_CHANGES = 15  # notes named per kind of change; the rest are counted


def duration(seconds: float) -> str:
    """``45s``, ``12 min``, ``3 h 05 min``, ``2 d 4 h``."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 3600:
        return f"{minutes} min"
    if seconds < 86400:
        return f"{hours} h {minutes % 60:02d} min"
    return f"{days} d {hours % 24} h"


def _when(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"{discord.utils.format_dt(moment, 'R')} ({moment:%Y-%m-%d %H:%M} UTC)"


def refusal_for_members(refused: str, notes_dir: str) -> str:
    """A refused sync's reason without the server's folders or the command line's flags."""
    if " was built from vault " in refused:
        return ("the notes cache was built from another vault folder; the bot's operator can "
                "rebuild it with `notecast index --rebuild`")
    if notes_dir:
        refused = refused.replace(notes_dir, "the vault folder")
    text, _when_refused = refused_text(refused)
    return text


def about_embed(info: AboutInfo, *, latency: float | None, shard: tuple[int, int] | None,
                notes_dir: str) -> discord.Embed:
    embed = discord.Embed(title="About Notecast", colour=EMBED_COLOUR)
    embed.description = (f"Notecast **{safe_clip(info.version, 40)}** serves "
                         f"**{info.notes:,}** notes from **{info.episodes:,}** episodes in "
                         f"**{info.channels:,}** channels.")
    embed.add_field(name="Last sync",
                    value=_when(info.last_sync) if info.last_sync else "not yet", inline=False)
    if info.layout:
        embed.add_field(name="Vault read as", value=safe_clip(info.layout, 1024), inline=False)
    rounds = (f"a full check every {info.resync_minutes:g} min" if info.resync_minutes > 0
              else "no periodic check")
    embed.add_field(name="Vault changes", value=f"{info.watching}; {rounds}", inline=False)
    if info.refused:
        embed.add_field(name="Last sync refused",
                        value=safe_clip(refusal_for_members(info.refused, notes_dir), 1000),
                        inline=False)
    embed.add_field(name="Uptime", value=duration(info.uptime) if info.uptime is not None
                    else "unknown")
    latency_text = "unknown"
    if latency is not None and math.isfinite(latency) and latency >= 0:
        latency_text = f"{latency * 1000:.0f} ms"
    embed.add_field(name="Gateway latency", value=latency_text)
    if shard is not None:
        embed.add_field(name="Shard", value=f"{shard[0]} of {shard[1]}")
    footer = "Sync problem: see /stats and the bot's log" if info.sync_problem \
        else "Notes are up to date"
    embed.set_footer(text=footer)
    return fit_embed(embed)


def _names(changes: tuple[NoteChange, ...]) -> str:
    items = [f"• {safe_clip(change.title, 120)}" for change in changes[:SHOWN_CHANGES]]
    return join_within(items, FIELD_VALUE_LIMIT, total=len(changes))


def reload_embed(result: ReloadResult, notes_dir: str) -> discord.Embed:
    if result.refused is not None:
        embed = discord.Embed(title="Sync refused", colour=discord.Colour.orange())
        embed.description = (f"{safe_clip(refusal_for_members(result.refused, notes_dir), 1500)}"
                             f"\n\nNothing changed: the **{result.notes:,}** notes are served "
                             "as they were.")
        return fit_embed(embed)
    if result.failed:
        embed = discord.Embed(title="Sync failed", colour=discord.Colour.red())
        embed.description = ("The sync failed, and nothing changed: the notes are served as "
                             "they were. The bot's log says why.")
        return fit_embed(embed)
    embed = discord.Embed(title="Notes reloaded", colour=EMBED_COLOUR)
    counts = (f"**{len(result.added):,}** added, **{len(result.changed):,}** changed, "
              f"**{len(result.removed):,}** removed")
    if not (result.added or result.changed or result.removed):
        counts = "Nothing changed: the notes already matched the vault"
    embed.description = (f"{counts}. Now **{result.notes:,}** notes "
                         f"({result.mode or 'sync'} in {result.seconds:.1f}s).")
    for name, changes in (("Added", result.added), ("Changed", result.changed),
                          ("Removed", result.removed)):
        if changes:
            embed.add_field(name=name, value=_names(changes), inline=False)
    if result.skipped:
        embed.set_footer(text=f"{result.skipped:,} files of the vault are not notes "
                              "(see notecast stats)")
    return fit_embed(embed)
