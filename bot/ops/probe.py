"""The health snapshot, read from the running bot's parts: its gateway state, the
background sync and the notes cache. :func:`bot.ops.health.evaluate` judges it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.ops.gateway import GatewayState
from bot.ops.health import Health, HealthLimits, HealthSnapshot, evaluate

if TYPE_CHECKING:
    from bot.cache.background import VaultSync

log = logging.getLogger(__name__)


class HealthProbe:
    """``await probe.check()``: the bot's :class:`~bot.ops.health.Health` now."""

    def __init__(self, gateway: GatewayState, vault_sync: VaultSync, resync_minutes: float,
                 limits: HealthLimits | None = None) -> None:
        self.gateway = gateway
        self.vault_sync = vault_sync
        self.resync_minutes = resync_minutes
        self.limits = limits or HealthLimits()

    async def snapshot(self) -> HealthSnapshot:
        sync = self.vault_sync
        loading = sync.loading
        try:
            ready = not loading and await sync.cache.is_ready()
        except Exception:  # a cache that cannot even say: not ready, and logged
            log.exception("the health check could not read the notes cache")
            ready = False
        gateway = self.gateway
        return HealthSnapshot(
            now=gateway.clock(),
            started=gateway.started,
            discord_connected=gateway.connected,
            discord_disconnected_since=gateway.disconnected_since,
            discord_ready_once=gateway.ready_once,
            notes_ready=ready,
            notes_loading=loading,
            vault_missing=sync.vault_missing,
            last_sync_ok=sync.last_ok_at,
            resync_minutes=self.resync_minutes,
            sync_error=sync.last_error,
        )

    async def check(self) -> Health:
        return evaluate(await self.snapshot(), self.limits)
