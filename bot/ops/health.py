"""What "healthy" means, decided by one pure function over a snapshot of the bot.

The bot is healthy when all four checks pass:

* ``discord``: connected to Discord's gateway, or disconnected (or still connecting after
  the start) for at most :attr:`HealthLimits.gateway_grace` seconds: discord.py reconnects
  by itself, and a reconnect takes seconds;
* ``notes``: a complete notes cache answers commands (not loading, not damaged, not missing);
* ``vault``: the last sync was not refused because the vault is missing or emptied (an
  unmounted volume); the cache still answers then, but from notes that can no longer change;
* ``sync``: the last successful sync (or the start, before the first one) is at most
  :meth:`HealthLimits.stale_after` old: three rounds of ``resync_minutes``, and never under
  15 minutes; with ``resync_minutes = 0`` (no periodic sync) this check always passes.

``/health`` answers 200 with the checks when healthy and 503 otherwise; ``notecast health``
prints one line from the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class HealthLimits:
    gateway_grace: float = 30.0  # seconds without Discord before it counts
    stale_rounds: float = 3.0  # resync rounds without a successful sync
    stale_floor: float = 15 * 60.0  # seconds: the sync check never fails sooner

    def stale_after(self, resync_minutes: float) -> float | None:
        """Seconds after which the last successful sync is too old (None: no limit)."""
        if resync_minutes <= 0:
            return None
        return max(self.stale_floor, self.stale_rounds * resync_minutes * 60.0)


@dataclass(frozen=True, slots=True)
class HealthSnapshot:
    """The bot's state at ``now``; every time is on the same monotonic clock."""

    now: float
    started: float
    discord_connected: bool
    discord_disconnected_since: float | None  # None while connected
    discord_ready_once: bool
    notes_ready: bool  # a complete cache answers commands
    notes_loading: bool
    vault_missing: str | None  # why the last sync was refused for a missing/emptied vault
    last_sync_ok: float | None  # when a sync last succeeded (None: not since the start)
    resync_minutes: float
    sync_error: str | None = None  # the last sync's problem, whatever it was (shown only)


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Health:
    checks: tuple[Check, ...]

    @property
    def healthy(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {"status": "healthy" if self.healthy else "unhealthy",
                "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in self.checks}}

    def summary(self) -> str:
        """One line: the failed checks' details, or every check's when healthy."""
        failed = [c for c in self.checks if not c.ok]
        shown = failed or list(self.checks)
        word = "unhealthy" if failed else "healthy"
        return f"{word}: " + "; ".join(f"{c.name}: {c.detail}" for c in shown)


def _ago(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _discord(s: HealthSnapshot, limits: HealthLimits) -> Check:
    if s.discord_connected:
        return Check("discord", True, "connected")
    since = s.discord_disconnected_since if s.discord_disconnected_since is not None else s.started
    away = s.now - since
    what = "disconnected" if s.discord_ready_once else "not connected yet"
    if away <= limits.gateway_grace:
        return Check("discord", True, f"{what} for {_ago(away)} (reconnecting)")
    return Check("discord", False, f"{what} for {_ago(away)} (over {_ago(limits.gateway_grace)})")


def _notes(s: HealthSnapshot) -> Check:
    if s.notes_loading:
        return Check("notes", False, "loading the notes")
    if not s.notes_ready:
        return Check("notes", False, "no notes cache to answer from")
    return Check("notes", True, "ready")


def _vault(s: HealthSnapshot) -> Check:
    if s.vault_missing:
        return Check("vault", False, f"sync refused: {s.vault_missing}")
    return Check("vault", True, "available")


def _sync(s: HealthSnapshot, limits: HealthLimits) -> Check:
    limit = limits.stale_after(s.resync_minutes)
    last = s.last_sync_ok if s.last_sync_ok is not None else s.started
    age = s.now - last
    when = f"last success {_ago(age)} ago" if s.last_sync_ok is not None \
        else f"no successful sync since the start {_ago(age)} ago"
    if s.sync_error:
        when += f" (last problem: {s.sync_error})"
    if limit is None:
        return Check("sync", True, f"{when}; periodic sync off")
    if age > limit:
        return Check("sync", False, f"{when}, over {_ago(limit)}")
    return Check("sync", True, when)


def evaluate(snapshot: HealthSnapshot, limits: HealthLimits | None = None) -> Health:
    """The bot's health in four checks (see the module's docstring)."""
    limits = limits or HealthLimits()
    return Health((_discord(snapshot, limits), _notes(snapshot), _vault(snapshot),
                   _sync(snapshot, limits)))
