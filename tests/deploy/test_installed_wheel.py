"""The image, proved without Docker: the wheel installed into a fresh venv as the Dockerfile
installs it (``image.install``, once per session), then the image's own entry point
(``notecast run``) and health check (``notecast health``), read from the Dockerfile, run
from that venv against SimCord, with the bundled sample notes as /vault and a temporary /data.

Not proved here (no Docker engine): the base image, tini as PID 1, the numeric user, the
read-only mount and the volume; the deadlines below only catch a hang or a slow stop.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections.abc import Iterator

import pytest
from packaging.markers import Marker

from tests.deploy.dockerfile import ROOT
from tests.deploy.image import Bot, Installed, health

READY_DEADLINE = 120.0  # seconds for the bot to start, sync the sample notes and answer
STOP_DEADLINE = 3.0  # docker stop: the bot must be gone within 3 s of SIGTERM (issue #11)


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
    declared = re.search(r'^version = "(.+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    assert declared is not None and notecast == declared[1]
    assert any("--require-hashes -r requirements.lock" in c for c in installed.commands)
    assert any("pip check" in c for c in installed.commands)


@pytest.fixture
def started(installed: Installed, container_env: dict[str, str]) -> Iterator[Bot]:
    bot = Bot(installed, container_env)
    try:
        yield bot
    finally:
        bot.kill()


def test_the_installed_bot_answers_under_simcord_is_healthy_and_stops_on_sigterm(
        installed: Installed, container_env: dict[str, str], started: Bot) -> None:
    ready = started.ready(READY_DEADLINE)
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
