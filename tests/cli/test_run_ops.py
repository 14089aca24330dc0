"""``notecast run`` with ``ops_port`` serves ``/health`` (and ``/metrics`` when on) while the
bot runs, and closes it when the bot stops. Discord is not reached: the bot's ``start`` is
replaced by one that runs the set-up, says the gateway is ready, and asks the endpoint."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest

from bot.app.client import NotecastBot
from bot.cli.health import ask
from bot.cli.main import run_cli
from bot.config import SAMPLE_VAULT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("NOTECAST_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.not-a-real-token")
    port = _free_port()
    monkeypatch.setenv("NOTECAST_OPS_PORT", str(port))
    return port


def test_run_serves_health_and_metrics_while_the_bot_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environment: int) -> None:
    port = environment
    monkeypatch.setenv("NOTECAST_METRICS", "true")
    seen: dict[str, Any] = {}

    async def start(self: NotecastBot, token: str, *, reconnect: bool = True) -> None:
        await self.setup_hook()
        await self.services.vault_sync.wait_first_sync()
        seen["before ready"] = (await ask("127.0.0.1", port))[0]
        self.gateway.ready()  # what on_ready does
        status, body = await ask("127.0.0.1", port)
        seen["health"] = (status, json.loads(body))
        seen["metrics"] = await ask("127.0.0.1", port, "/metrics")
        seen["watcher"] = self.watcher.running
        await self.close()

    monkeypatch.setattr(NotecastBot, "start", start)
    code = run_cli(["run", "--notes", str(SAMPLE_VAULT), "--db", str(tmp_path / "c.db")])
    assert code == 0
    assert seen["before ready"] == 200  # (connecting: within the gateway's grace)
    status, body = seen["health"]
    assert status == 200 and body["status"] == "healthy"
    metrics_status, text = seen["metrics"]
    assert metrics_status == 200 and 'notecast_syncs_total{outcome="ok"} 1.0' in text
    assert seen["watcher"]  # the vault is watched while the bot runs
    with pytest.raises(OSError):  # closed with the bot
        asyncio.run(ask("127.0.0.1", port))


def test_a_busy_ops_port_is_one_line_and_exit_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environment: int,
        capsys: pytest.CaptureFixture[str]) -> None:
    async def start(self: NotecastBot, token: str, *, reconnect: bool = True) -> None:
        raise AssertionError("the bot must not start without its health endpoint")

    monkeypatch.setattr(NotecastBot, "start", start)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", environment))
        taken.listen()
        code = run_cli(["run", "--notes", str(SAMPLE_VAULT), "--db", str(tmp_path / "c.db")])
    assert code == 2
    err = capsys.readouterr().err
    assert f"cannot serve the health endpoint on 127.0.0.1:{environment}" in err
    assert "Traceback" not in err
