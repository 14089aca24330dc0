"""What "healthy" means, decided over snapshots alone (no bot, no clock)."""

from __future__ import annotations

from dataclasses import replace

from bot.ops.health import HealthLimits, HealthSnapshot, evaluate

LIMITS = HealthLimits(gateway_grace=30.0)
# started at 1,000 s, connected, notes ready, synced 60 s ago, resync every 10 minutes
GOOD = HealthSnapshot(now=5_000.0, started=1_000.0, discord_connected=True,
                      discord_disconnected_since=None, discord_ready_once=True,
                      notes_ready=True, notes_loading=False, vault_missing=None,
                      last_sync_ok=4_940.0, resync_minutes=10.0)


def _failed(snapshot: HealthSnapshot) -> list[str]:
    return [c.name for c in evaluate(snapshot, LIMITS).checks if not c.ok]


def test_a_connected_bot_with_fresh_notes_is_healthy() -> None:
    health = evaluate(GOOD, LIMITS)
    assert health.healthy
    assert health.as_dict()["status"] == "healthy"
    assert set(health.as_dict()["checks"]) == {"discord", "notes", "vault", "sync"}
    assert health.summary().startswith("healthy: discord: connected")


def test_losing_discord_is_unhealthy_only_past_the_grace() -> None:
    lost = replace(GOOD, discord_connected=False, discord_disconnected_since=4_990.0)
    assert _failed(lost) == []  # reconnecting, 10 s
    assert "reconnecting" in evaluate(lost, LIMITS).summary()
    gone = replace(lost, now=4_990.0 + 31)
    assert _failed(gone) == ["discord"]
    assert "disconnected for 31s" in evaluate(gone, LIMITS).summary()


def test_a_bot_that_never_connects_turns_unhealthy_after_the_grace() -> None:
    starting = replace(GOOD, now=1_010.0, discord_connected=False, discord_ready_once=False,
                       discord_disconnected_since=1_000.0, last_sync_ok=None)
    assert _failed(starting) == []
    assert _failed(replace(starting, now=1_031.0)) == ["discord"]
    assert "not connected yet" in evaluate(replace(starting, now=1_031.0), LIMITS).summary()


def test_a_missing_or_emptied_vault_is_unhealthy_though_the_cache_answers() -> None:
    gone = replace(GOOD, vault_missing="the vault holds 0 notes, the cache 12")
    assert _failed(gone) == ["vault"]
    assert "holds 0 notes" in evaluate(gone, LIMITS).summary()


def test_notes_loading_or_missing_are_unhealthy() -> None:
    assert _failed(replace(GOOD, notes_loading=True, notes_ready=False)) == ["notes"]
    assert _failed(replace(GOOD, notes_ready=False)) == ["notes"]


def test_a_stale_sync_is_unhealthy_after_three_rounds() -> None:
    assert LIMITS.stale_after(10) == 1800.0
    assert LIMITS.stale_after(1) == 900.0  # never under 15 minutes
    assert LIMITS.stale_after(0) is None
    fresh_enough = replace(GOOD, last_sync_ok=GOOD.now - 1800)
    assert _failed(fresh_enough) == []
    stale = replace(GOOD, last_sync_ok=GOOD.now - 1801, sync_error="RuntimeError: boom")
    assert _failed(stale) == ["sync"]
    assert "boom" in evaluate(stale, LIMITS).summary()


def test_no_sync_since_the_start_counts_from_the_start() -> None:
    never = replace(GOOD, last_sync_ok=None, now=GOOD.started + 1801)
    assert _failed(never) == ["sync"]
    assert _failed(replace(never, now=GOOD.started + 1799)) == []


def test_without_a_periodic_sync_age_is_no_problem() -> None:
    old = replace(GOOD, resync_minutes=0, last_sync_ok=GOOD.now - 10**6)
    assert _failed(old) == []


def test_every_failure_shows_in_the_one_line() -> None:
    bad = replace(GOOD, discord_connected=False, discord_disconnected_since=0.0,
                  vault_missing="gone", notes_ready=False)
    line = evaluate(bad, LIMITS).summary()
    assert line.startswith("unhealthy: discord:")
    assert "notes:" in line and "vault:" in line and "sync:" not in line
    assert "\n" not in line
