"""``GET /health`` and ``GET /metrics`` on 127.0.0.1, served by OpsServer over the real
parts of a bot (its gateway state, the background sync, the cache) on a clock the test
moves: 503 once the gateway is lost, the vault is gone or the last sync is stale."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.cache.background import VaultSync
from bot.cache.store import NotesCache
from bot.ops import metrics
from bot.ops.gateway import GatewayState
from bot.ops.health import Health
from bot.ops.probe import HealthProbe
from bot.ops.server import OpsServer
from tests.ops.conftest import FakeClock, unmount


@pytest.fixture
async def parts(tmp_path: Path, vault: Path, clock: FakeClock
                ) -> AsyncIterator[tuple[GatewayState, VaultSync]]:
    async with NotesCache(tmp_path / "c.db") as cache:
        sync = VaultSync(cache, vault, interval_minutes=10, clock=clock)
        gateway = GatewayState(clock)
        assert await sync.sync_now() is not None
        gateway.ready()
        yield gateway, sync


@pytest.fixture
async def server(parts: tuple[GatewayState, VaultSync]) -> AsyncIterator[OpsServer]:
    gateway, sync = parts
    counted = metrics.Metrics()
    metrics.install(counted)
    probe = HealthProbe(gateway, sync, resync_minutes=10)
    try:
        async with OpsServer("127.0.0.1", 0, probe.check, counted) as running:
            yield running
    finally:
        metrics.install(None)


async def _get(server: OpsServer, path: str) -> tuple[int, str, Any]:
    async with aiohttp.ClientSession() as session, \
            session.get(f"http://127.0.0.1:{server.port}{path}") as answer:
        return answer.status, await answer.text(), answer.headers


async def test_health_answers_200_with_every_check(server: OpsServer) -> None:
    status, text, headers = await _get(server, "/health")
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    body = json.loads(text)
    assert body["status"] == "healthy"
    assert {name for name, check in body["checks"].items() if check["ok"]} == \
        {"discord", "notes", "vault", "sync"}


async def test_health_turns_503_when_the_gateway_is_lost(
        server: OpsServer, parts: tuple[GatewayState, VaultSync], clock: FakeClock) -> None:
    gateway, _sync = parts
    gateway.disconnected()
    clock.advance(10)
    assert (await _get(server, "/health"))[0] == 200  # reconnecting
    clock.advance(25)
    status, text, _ = await _get(server, "/health")
    assert status == 503 and "disconnected for 35s" in text
    gateway.resumed()
    assert (await _get(server, "/health"))[0] == 200


async def test_health_turns_503_when_the_vault_is_gone(
        server: OpsServer, parts: tuple[GatewayState, VaultSync], vault: Path) -> None:
    _gateway, sync = parts
    unmount(vault)
    assert await sync.sync_now() is None  # refused: the cache keeps serving
    status, text, _ = await _get(server, "/health")
    assert status == 503 and '"vault": {"ok": false' in text and "holds 0 notes" in text
    assert '"notes": {"ok": true' in text


async def test_health_turns_503_when_the_last_sync_is_stale(
        server: OpsServer, parts: tuple[GatewayState, VaultSync], clock: FakeClock) -> None:
    _gateway, sync = parts
    clock.advance(29 * 60)
    assert (await _get(server, "/health"))[0] == 200
    clock.advance(2 * 60)  # three rounds of 10 minutes without a successful sync
    status, text, _ = await _get(server, "/health")
    assert status == 503 and '"sync": {"ok": false' in text
    assert await sync.sync_now() is not None
    assert (await _get(server, "/health"))[0] == 200


async def test_metrics_text_parses_and_counts_syncs_lookups_and_posts(
        server: OpsServer, parts: tuple[GatewayState, VaultSync], vault: Path) -> None:
    _gateway, sync = parts
    await sync.sync_now()  # ok, nothing changed
    unmount(vault)
    await sync.sync_now()  # refused
    metrics.lookup("topic", 0.012, "ok")
    metrics.lookup("topic", 0.2, "refused")
    metrics.post("posted")
    metrics.post("unexpected")  # counted as other
    status, text, headers = await _get(server, "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    assert samples[("notecast_syncs_total", (("outcome", "ok"),))] == 1  # (before the fixture's)
    assert samples[("notecast_syncs_total", (("outcome", "refused"),))] == 1
    assert samples[("notecast_lookups_total", (("command", "topic"), ("outcome", "ok")))] == 1
    assert samples[("notecast_lookups_total", (("command", "topic"), ("outcome", "refused")))] == 1
    assert samples[("notecast_lookup_seconds_count", (("command", "topic"),))] == 2
    assert samples[("notecast_posts_total", (("outcome", "posted"),))] == 1
    assert samples[("notecast_posts_total", (("outcome", "other"),))] == 1
    assert samples[("notecast_last_sync_success_timestamp_seconds", ())] > 0


async def test_metrics_are_not_served_when_off_and_other_paths_are_404(
        parts: tuple[GatewayState, VaultSync]) -> None:
    gateway, sync = parts
    probe = HealthProbe(gateway, sync, resync_minutes=10)
    async with OpsServer("127.0.0.1", 0, probe.check, None) as running:
        assert (await _get(running, "/metrics"))[0] == 404
        assert (await _get(running, "/"))[0] == 404
        assert (await _get(running, "/health"))[0] == 200


async def test_a_check_that_fails_answers_503_and_the_server_goes_on() -> None:
    calls = 0

    async def broken() -> Health:
        nonlocal calls
        calls += 1
        raise RuntimeError("cannot tell")

    async with OpsServer("127.0.0.1", 0, broken) as running:
        for _ in range(2):
            status, text, _ = await _get(running, "/health")
            assert status == 503 and "RuntimeError" in text
    assert calls == 2
