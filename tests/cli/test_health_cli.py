"""``notecast health``, as a container's HEALTHCHECK runs it, against a real OpsServer on
127.0.0.1: one line, exit 0 healthy, 1 unhealthy, 2 when no bot answers or the port is off."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.ops.health import Check, Health
from bot.ops.server import OpsServer
from tests.cli.helpers import notecast


class Bot:
    """An OpsServer in a thread of its own, answering with ``self.health``."""

    def __init__(self) -> None:
        self.health = Health((Check("discord", True, "connected"), Check("notes", True, "ready"),
                              Check("vault", True, "available"),
                              Check("sync", True, "last success 12s ago")))
        self.port = 0
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._serve(),),
                                        daemon=True)

    async def _check(self) -> Health:
        return self.health

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with OpsServer("127.0.0.1", 0, self._check) as server:
            self.port = server.port
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> Bot:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
        self._loop.close()


@pytest.fixture
def bot() -> Iterator[Bot]:
    with Bot() as running:
        yield running


def _health(tmp_path: Path, port: int, *args: str) -> subprocess.CompletedProcess[str]:
    return notecast("health", *args, tmp_path=tmp_path, env={"NOTECAST_OPS_PORT": str(port)})


def test_a_healthy_bot_exits_0_with_one_line(tmp_path: Path, bot: Bot) -> None:
    done = _health(tmp_path, bot.port)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["healthy: discord: connected; notes: ready; vault: "
                                        "available; sync: last success 12s ago"]
    assert done.stderr == ""


def test_an_unhealthy_bot_exits_1_and_says_which_check_failed(tmp_path: Path, bot: Bot) -> None:
    bot.health = Health((Check("discord", False, "disconnected for 95s (over 30s)"),
                         Check("notes", True, "ready"),
                         Check("vault", False, "sync refused: the vault\nholds 0 notes")))
    done = _health(tmp_path, bot.port)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "unhealthy: discord: disconnected for 95s (over 30s); vault: sync refused: the vault "
        "holds 0 notes"]


def test_json_prints_the_bots_whole_answer(tmp_path: Path, bot: Bot) -> None:
    done = _health(tmp_path, bot.port, "--json")
    assert done.returncode == 0
    answer = json.loads(done.stdout)
    assert answer["checks"]["sync"]["detail"] == "last success 12s ago"
    assert (answer["healthy"], answer["status"]) == (True, "healthy")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_no_bot_answering_exits_2_with_one_line(tmp_path: Path) -> None:
    port = _free_port()
    done = _health(tmp_path, port)
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"notecast: no Notecast bot answers at http://127.0.0.1:{port}/health")
    assert "NOTECAST_OPS_PORT" in line


def test_json_with_no_bot_answering_is_one_object_and_exit_2(tmp_path: Path) -> None:
    """Before: ``--json`` printed the plain ``notecast: ...`` line when no bot answered."""
    port = _free_port()
    done = _health(tmp_path, port, "--json")
    assert done.returncode == 2 and done.stderr == ""
    answer = json.loads(done.stdout)
    assert (answer["healthy"], answer["status"]) == (False, "unreachable")
    assert answer["reason"].startswith(f"no Notecast bot answers at http://127.0.0.1:{port}/health")
    off = notecast("health", "--json", tmp_path=tmp_path)
    assert off.returncode == 2 and off.stderr == ""
    assert json.loads(off.stdout) == {
        "healthy": False, "status": "off", "reason": "the bot's health endpoint is off: set "
        "NOTECAST_OPS_PORT (ops_port) to a port, for the bot and for this command alike"}


class NotFound(BaseHTTPRequestHandler):
    """What ``python3 -m http.server`` answers for a file it does not have."""

    def do_GET(self) -> None:
        self.send_error(404, "File not found")

    def log_message(self, format: str, *args: object) -> None:
        pass


class WebServer:
    """Another program's web server on 127.0.0.1: it answers ``GET /health`` with 404 and
    a page of HTML."""

    def __enter__(self) -> int:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return int(self.server.server_address[1])

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


def test_a_web_server_that_is_not_notecast_is_named_as_such(tmp_path: Path) -> None:
    """Before: ``no Notecast bot answers ... (Expecting value: line 1 column 1 (char 0))``."""
    with WebServer() as port:
        plain = _health(tmp_path, port)
        as_json = _health(tmp_path, port, "--json")
    expected = (f"something else answers on port {port}: not a Notecast bot (HTTP 404 for "
                "/health); is NOTECAST_OPS_PORT the bot's?")
    assert plain.returncode == 2 and plain.stdout == ""
    assert plain.stderr.splitlines() == [f"notecast: {expected}"]
    assert as_json.returncode == 2 and as_json.stderr == ""
    assert json.loads(as_json.stdout) == {"healthy": False, "status": "not-notecast",
                                          "reason": expected}


def test_something_else_on_the_port_exits_2(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        def answer() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.recv(1024)
                conn.sendall(b"SSH-2.0-OpenSSH\r\n")

        thread = threading.Thread(target=answer, daemon=True)
        thread.start()
        port = listener.getsockname()[1]
        done = _health(tmp_path, port)
        thread.join(10)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"notecast: something else answers on port {port}: not a "
        "Notecast bot (not HTTP); is NOTECAST_OPS_PORT the bot's?"]


def test_the_port_off_exits_2_and_says_what_to_set(tmp_path: Path) -> None:
    done = notecast("health", tmp_path=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "notecast: the bot's health endpoint is off: set NOTECAST_OPS_PORT (ops_port) to a "
        "port, for the bot and for this command alike"]


def test_the_health_command_loads_no_heavy_library(tmp_path: Path) -> None:
    probe = ("import sys; from bot.cli.main import run_cli; code = run_cli(['health']); "
             "print(code, sorted(m for m in ('discord', 'aiohttp', 'prometheus_client', "
             "'watchfiles', 'urllib.request') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=60, check=False,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                               "NOTECAST_OPS_PORT": str(_free_port())})
    assert done.stdout.strip() == "2 []", done.stderr
