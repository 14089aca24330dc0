"""The image's install, done here once per test session, offline.

``installed`` runs the Dockerfile's builder stage (``tests/deploy/dockerfile.py``): a fresh
venv, the lock file's dependencies with ``--no-deps --require-hashes``, the wheel built from
the files the Dockerfile copies, installed with ``--no-deps``, then ``pip check``; all from
``./wheelhouse`` (``make wheelhouse``) with no index and no pip settings of this machine.
Then SimCord (from the wheelhouse too) and the harness that puts it in Discord's place
(``simcord_harness.py``) go into that venv: they are the only things the image lacks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.deploy import dockerfile
from tests.deploy.dockerfile import ROOT, PathMap, Runtime

WHEELHOUSE = ROOT / "wheelhouse"
INSTALL_TIMEOUT = 600.0  # seconds a RUN line may take: only a hung install comes near it
HARNESS = Path(__file__).with_name("simcord_harness.py")
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


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    if not (WHEELHOUSE / ".complete").is_file():
        pytest.fail(f"{WHEELHOUSE} is missing or incomplete: run `make wheelhouse` first (make test "
                    "runs it). tests/deploy installs the image's packages from it, offline.",
                    pytrace=False)
    return WHEELHOUSE


def offline_pip_env(wheelhouse: Path, home: Path, python_bin: Path) -> dict[str, str]:
    """A clean environment whose pip reads no settings file of this machine and no index:
    only the wheelhouse."""
    return {"PATH": f"{python_bin}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
            "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


@pytest.fixture(scope="session")
def installed(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("image")
    home = base / "home"
    home.mkdir()
    python_bin = base / "python-bin"  # `python` as the image has it: this Python 3.11
    python_bin.mkdir()
    for name in ("python", "python3"):
        (python_bin / name).symlink_to(getattr(sys, "_base_executable", sys.executable))
    venv = base / "opt" / "notecast"
    builder, runtime_stage = _stages()
    env = offline_pip_env(wheelhouse, home, python_bin)
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
    runtime = dockerfile.runtime(runtime_stage, paths, {**IMAGE_BASE_ENV, "HOME": str(home)})
    return Installed(venv=venv, site_packages=site_packages, runtime=runtime, commands=commands,
                     workdir=Path(paths.host(runtime.workdir)), pip_env=env)


def _stages() -> tuple[dockerfile.Stage, dockerfile.Stage]:
    stages = dockerfile.stages()
    builders = [s for s in stages if s.name == "builder"]
    assert builders, "the Dockerfile has no stage named builder"
    return builders[0], stages[-1]


def _run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
    assert done.returncode == 0, f"{' '.join(argv)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout
