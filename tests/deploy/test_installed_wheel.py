"""The image, proved without Docker: the wheel installed into a fresh venv as the Dockerfile
installs it (``conftest.installed``), then the image's own entry point (``notecast run``)
and health check (``notecast health``), read from the Dockerfile, run from that venv
against SimCord, with the bundled sample notes as /vault and a temporary /data.

Not proved here (no Docker engine): the base image, tini as PID 1, the numeric user, the
read-only mount and the volume; the deadlines below only catch a hang or a slow stop.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from packaging.markers import Marker

from tests.deploy.conftest import Installed
from tests.deploy.dockerfile import ROOT

READY_DEADLINE = 120.0  # seconds for the bot to start, sync the sample notes and answer
STOP_DEADLINE = 3.0  # docker stop: the bot must be gone within 3 s of SIGTERM (issue #11)
HEALTH_DEADLINE = 30.0
TOKEN = "deploy-test-token-not-a-real-one"


def locked() -> dict[str, str]:
    """requirements.lock's packages for this Python: normalized name -> version."""
    pins = {}
    for match in re.finditer(r"^([A-Za-z0-9_.-]+)==([^\s;]+)(?: ; ([^\\\n]+))?",
                             (ROOT / "requirements.lock").read_text(encoding="utf-8"), re.M):
        name, pin, marker = match.groups()
        if marker is None or Marker(marker.strip()).evaluate():
            pins[re.sub(r"[-_.]+", "-", name).lower()] = pin
    return pins


def test_the_venv_holds_exactly_the_locked_dependencies_and_the_wheel(installed: Installed) -> None:
    listed = subprocess.run([str(installed.venv / "bin" / "python"), "-m", "pip", "list",
                             "--format=json"], capture_output=True, text=True, check=True,
                            env=installed.pip_env)
    packages = {re.sub(r"[-_.]+", "-", p["name"]).lower(): p["version"] for p in json.loads(listed.stdout)}
    notecast = packages.pop("notecast")
    packages.pop("simcord")  # the test's own addition
    for tool in ("pip", "setuptools"):  # what `python -m venv` puts in every venv
        packages.pop(tool, None)
    assert packages == locked()
    assert notecast == re.search(r'^version = "(.+)"', (ROOT / "pyproject.toml").read_text(), re.M)[1]
    assert any("--require-hashes -r requirements.lock" in c for c in installed.commands)
    assert any("pip check" in c for c in installed.commands)


class Bot:
    """The installed bot, started as the image's entry point starts it."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: str) -> None:
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
        self.stdout: queue.Queue[str | None] = queue.Queue()
        self.stderr: list[str] = []
        assert self.proc.stdout is not None and self.proc.stderr is not None
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.stdout.put), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr.append), daemon=True).start()

    @staticmethod
    def _pump(stream: IO[str], put: Any) -> None:
        for line in stream:
            put(line)
        put(None)

    def ready(self) -> dict[str, Any]:
        """The harness's line once SimCord has the bot READY and /stats answered."""
        while True:
            try:
                line = self.stdout.get(timeout=READY_DEADLINE)
            except queue.Empty:
                raise AssertionError("the bot never became ready:\n" + self.log()) from None
            if line is None:
                raise AssertionError(f"the bot exited ({self.proc.wait()}) before it was ready:\n{self.log()}")
            if line.startswith('{"simcord": "ready"'):
                return dict(json.loads(line))

    def log(self) -> str:
        return "".join(line for line in self.stderr if line)[-5000:]

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def container_env(installed: Installed, tmp_path: Path) -> dict[str, str]:
    """The image's environment (its ENV lines, paths mapped), with the token as compose
    gives it (a Docker secret read through DISCORD_TOKEN_FILE) and a free ops port."""
    secret = tmp_path / "discord_token"
    secret.write_text(TOKEN + "\n", encoding="utf-8")
    env = dict(installed.runtime.env)
    env.update(DISCORD_TOKEN_FILE=str(secret), NOTECAST_OPS_PORT=str(free_port()),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    return env


@pytest.fixture
def started(installed: Installed, container_env: dict[str, str]) -> Iterator[Bot]:
    runtime = installed.runtime
    entrypoint = runtime.entrypoint
    assert entrypoint[:2] == ["tini", "--"], entrypoint  # tini itself is not installed here
    argv = entrypoint[2:] + runtime.cmd
    assert shutil.which(argv[0], path=container_env["PATH"]) == str(installed.venv / "bin" / argv[0])
    bot = Bot(argv, {**container_env, "NOTECAST_SIMCORD": "1", "NOTECAST_SIMCORD_TOKEN": TOKEN},
              cwd=str(installed.workdir))
    try:
        yield bot
    finally:
        bot.kill()


def health(installed: Installed, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The image's HEALTHCHECK command, from the venv, as Docker runs it in the container."""
    argv = installed.runtime.health
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=HEALTH_DEADLINE,
                          stdin=subprocess.DEVNULL)


def test_the_installed_bot_answers_under_simcord_is_healthy_and_stops_on_sigterm(
        installed: Installed, container_env: dict[str, str], started: Bot) -> None:
    ready = started.ready()
    assert ready["bot_module"].startswith(str(installed.site_packages)), ready  # not the checkout
    assert ready["token_seen"], "the token from DISCORD_TOKEN_FILE did not reach the bot"
    assert "**12** notes" in json.dumps(ready["stats"]), ready["stats"]  # the sample notes, synced

    check = health(installed, container_env)
    assert check.returncode == 0, (check.stdout, check.stderr, started.log())
    assert len((check.stdout + check.stderr).strip().splitlines()) == 1, check

    started.proc.send_signal(signal.SIGTERM)  # what docker stop sends, through tini
    try:
        code = started.proc.wait(timeout=STOP_DEADLINE)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the bot did not stop within {STOP_DEADLINE} s of SIGTERM") from None
    assert code in (0, 143), started.log()
    assert "Traceback" not in started.log(), started.log()

    after = health(installed, container_env)
    assert after.returncode == 1, after  # nobody answers: unhealthy


def test_the_health_check_is_unhealthy_when_no_bot_runs(installed: Installed,
                                                        container_env: dict[str, str]) -> None:
    check = health(installed, container_env)
    assert check.returncode == 1, check
    lines = (check.stdout + check.stderr).strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0], check
