"""The image, without Docker: installed here as the Dockerfile installs it, then run.

:func:`install` runs the Dockerfile's builder stage (``dockerfile.run_builder``): a fresh
venv, the lock file's dependencies with ``--no-deps --require-hashes``, the wheel built from
the files the Dockerfile copies, installed with ``--no-deps``, then ``pip check``; all from
``./wheelhouse`` (``make wheelhouse``) with no index and none of this machine's pip
settings. Then SimCord (from the wheelhouse too) and the harness that puts it in Discord's
place (``simcord_harness.py``) go into that venv: they are all the image lacks.
:class:`Bot` starts the image's entry point from it; :func:`health` runs its HEALTHCHECK.
tests/deploy and benchmarks/container.py use both.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any

from tests.deploy import dockerfile
from tests.deploy.dockerfile import ROOT, PathMap, Runtime

WHEELHOUSE = ROOT / "wheelhouse"
INSTALL_TIMEOUT = 600.0  # seconds a RUN line may take: only a hung install comes near it
HEALTH_TIMEOUT = 30.0
HARNESS = Path(__file__).with_name("simcord_harness.py")
TOKEN = "deploy-test-token-not-a-real-one"
# the environment python:3.11-slim starts its processes with (its PATH and locale)
IMAGE_BASE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                  "LANG": "C.UTF-8"}


@dataclass(frozen=True)
class Installed:
    venv: Path  # /opt/notecast
    site_packages: Path
    runtime: Runtime  # the runtime stage: its environment (paths mapped), entry point, health
    commands: list[str]  # the builder's RUN lines, as run here
    workdir: Path  # the runtime stage's WORKDIR (/app)
    pip_env: dict[str, str]  # an environment in which the venv's pip stays offline


def wheelhouse_problem() -> str | None:
    if (WHEELHOUSE / ".complete").is_file():
        return None
    return (f"{WHEELHOUSE} is missing or incomplete: run `make wheelhouse` first (make test runs "
            "it). tests/deploy installs the image's packages from it, offline.")


def install(base: Path, wheelhouse: Path = WHEELHOUSE) -> Installed:
    """The image's /opt/notecast, built under ``base`` (an empty folder)."""
    home = base / "home"
    home.mkdir(parents=True)
    python_bin = base / "python-bin"  # `python` as the image has it: this Python 3.11
    python_bin.mkdir()
    for name in ("python", "python3"):
        (python_bin / name).symlink_to(getattr(sys, "_base_executable", sys.executable))
    venv = base / "opt" / "notecast"
    stages = dockerfile.stages()
    builder = next((s for s in stages if s.name == "builder"), None)
    assert builder is not None, "the Dockerfile has no stage named builder"
    env = {"PATH": f"{python_bin}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse),
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    commands = dockerfile.run_builder(
        builder, PathMap({"/opt/notecast": venv, "/src": base / "src", "/wheels": base / "wheels"}),
        env, timeout=INSTALL_TIMEOUT)

    # what only the test needs: SimCord, and the harness that attaches the bot to it
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--no-cache-dir",
          f"simcord=={version('simcord')}"], env)
    site_packages = Path(_run([str(venv / "bin" / "python"), "-c",
                               "import sysconfig; print(sysconfig.get_paths()['purelib'])"], env).strip())
    shutil.copy(HARNESS, site_packages / "_notecast_simcord.py")
    (site_packages / "_notecast_simcord.pth").write_text("import _notecast_simcord\n", encoding="utf-8")

    sample_vault = site_packages / "bot" / "sample_vault"  # the notes bundled in the wheel
    data, app = base / "data", base / "app"
    data.mkdir()
    app.mkdir()
    paths = PathMap({"/opt/notecast": venv, "/vault": sample_vault, "/data": data, "/app": app})
    runtime = dockerfile.runtime(stages[-1], paths, {**IMAGE_BASE_ENV, "HOME": str(home)})
    return Installed(venv=venv, site_packages=site_packages, runtime=runtime, commands=commands,
                     workdir=Path(paths.host(runtime.workdir)), pip_env=env)


def _run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
    assert done.returncode == 0, f"{' '.join(argv)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def container_env(installed: Installed, scratch: Path) -> dict[str, str]:
    """The image's environment (its ENV lines, paths mapped), with the token as compose
    gives it (a Docker secret read through DISCORD_TOKEN_FILE) and a free ops port."""
    secret = scratch / "discord_token"
    secret.write_text(TOKEN + "\n", encoding="utf-8")
    env = dict(installed.runtime.env)
    env.update(DISCORD_TOKEN_FILE=str(secret), NOTECAST_OPS_PORT=str(free_port()),
               XDG_CONFIG_HOME=str(scratch / "config"), XDG_CACHE_HOME=str(scratch / "cache"))
    return env


def entry_argv(installed: Installed, env: dict[str, str]) -> list[str]:
    """The image's ENTRYPOINT and CMD without tini (not installed here): ``notecast run``,
    found on the image's PATH, in the venv."""
    entrypoint = installed.runtime.entrypoint
    assert entrypoint[:2] == ["tini", "--"], entrypoint
    argv = entrypoint[2:] + installed.runtime.cmd
    assert shutil.which(argv[0], path=env["PATH"]) == str(installed.venv / "bin" / argv[0])
    return argv


class Bot:
    """The installed bot, started as the image's entry point starts it, against SimCord."""

    def __init__(self, installed: Installed, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            entry_argv(installed, env),
            env={**env, "NOTECAST_SIMCORD": "1", "NOTECAST_SIMCORD_TOKEN": TOKEN},
            cwd=installed.workdir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, start_new_session=True)
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

    def ready(self, timeout: float) -> dict[str, Any]:
        """The harness's line once SimCord has the bot READY and /stats answered."""
        while True:
            try:
                line = self.stdout.get(timeout=timeout)
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


def health(installed: Installed, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The image's HEALTHCHECK command, from the venv, as Docker runs it in the container."""
    return subprocess.run(installed.runtime.health, env=env, capture_output=True, text=True,
                          timeout=HEALTH_TIMEOUT, stdin=subprocess.DEVNULL)
