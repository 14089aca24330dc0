"""``notecast run`` with a token: SIGTERM (``docker stop``) closes the bot, which stops its
background sync, and the command exits 143 with one line. Discord is not reached: the
bot's ``start`` is replaced by one that runs the set-up and waits to be closed, as the
real one does once connected."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from bot.app.client import NotecastBot
from bot.cli.main import run_cli


def _unhandled(signum: int, frame: object) -> None:
    raise AssertionError("SIGTERM was not handled by notecast")


def test_sigterm_closes_the_running_bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    seen: dict[str, Any] = {}

    async def start(self: NotecastBot, token: str, *, reconnect: bool = True) -> None:
        await self.setup_hook()  # loads the cogs, starts the background sync
        seen["closed"] = closed = asyncio.Event()
        asyncio.get_running_loop().call_later(0.2, os.kill, os.getpid(), signal.SIGTERM)
        await closed.wait()

    async def close(self: NotecastBot) -> None:
        await original_close(self)  # stops the background sync, then discord.py's close
        if "closed" in seen:
            seen["closed"].set()

    original_close = NotecastBot.close
    monkeypatch.setattr(NotecastBot, "start", start)
    monkeypatch.setattr(NotecastBot, "close", close)
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("NOTECAST_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.not-a-real-token")
    previous = signal.signal(signal.SIGTERM, _unhandled)  # (not the default: it kills pytest)
    try:
        code = run_cli(["run", "--db", str(tmp_path / "c.db")])
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert code == 143
    assert seen["closed"].is_set()
    err = capsys.readouterr().err
    assert "notecast: stopped by SIGTERM" in err and "Traceback" not in err
