"""What ``/about`` shows of the bot itself: its version, the vault as the cache holds it,
how vault changes are picked up, and how long it has run. Discord's part (the gateway's
latency, the shard) is added by the cog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot import __version__

if TYPE_CHECKING:
    from bot.services import Services


@dataclass(frozen=True, slots=True)
class AboutInfo:
    version: str
    notes: int
    channels: int
    episodes: int
    last_sync: datetime | None  # the last sync that was accepted (UTC)
    layout: str | None  # how the vault was read (bot.vault.scan)
    refused: str | None  # the last sync refused, and why (as the cache recorded it)
    sync_problem: bool  # the last sync failed or was refused
    watching: str  # how changes to the vault are picked up
    resync_minutes: float
    uptime: float | None  # seconds since the bot started (None: unknown)


async def about_info(services: Services, *, watching: str, uptime: float | None) -> AboutInfo:
    """The bot's description now (the cache's stats: one read in a reader thread)."""
    stats = await services.cache.stats()
    counts = stats.counts
    return AboutInfo(
        version=__version__, notes=counts.notes, channels=counts.channels,
        episodes=counts.episodes, last_sync=stats.last_sync, layout=stats.layout,
        refused=stats.refused, sync_problem=services.vault_sync.last_error is not None,
        watching=watching, resync_minutes=services.settings.resync_minutes, uptime=uptime)
