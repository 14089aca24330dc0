"""The Dockerfile and .dockerignore, read as data: what cannot be run here (no Docker
engine) but can be checked. hadolint runs in `make lint`."""

from __future__ import annotations

import pytest

from tests.deploy import dockerfile


@pytest.fixture(scope="module")
def stages() -> list[dockerfile.Stage]:
    return dockerfile.stages()


def test_a_builder_stage_and_a_slim_runtime_stage(stages: list[dockerfile.Stage]) -> None:
    assert [s.name for s in stages] == ["builder", "runtime"]
    assert all(s.base == "python:3.11-slim" for s in stages)
    copied = [i.args for i in stages[1].all("COPY")]
    assert copied == ["--from=builder /opt/notecast /opt/notecast"]  # the venv, nothing else


def test_the_locked_dependencies_are_their_own_cached_layer(stages: list[dockerfile.Stage]) -> None:
    """The lock file is copied and installed before the source, so a change of code does
    not install the dependencies again."""
    steps = [(i.keyword, i.args) for i in stages[0].instructions if i.keyword in ("COPY", "RUN")]
    lock = steps.index(("COPY", "requirements.lock ./"))
    install = steps[lock + 1]
    assert install[0] == "RUN" and "--require-hashes -r requirements.lock" in install[1]
    assert "--no-deps" in install[1]
    source = next(n for n, (k, a) in enumerate(steps) if k == "COPY" and a.startswith("bot"))
    assert lock < source
    assert all("--no-deps" in a for k, a in steps[source:] if k == "RUN" and "install" in a)


def test_a_numeric_non_root_user_tini_and_sigterm(stages: list[dockerfile.Stage]) -> None:
    runtime = stages[-1]
    uid, _, gid = runtime.last("USER").args.partition(":")
    assert uid.isdigit() and int(uid) > 0 and (not gid or gid.isdigit())
    assert dockerfile.exec_form(runtime.last("ENTRYPOINT").args) == ["tini", "--", "notecast"]
    assert dockerfile.exec_form(runtime.last("CMD").args) == ["run"]
    assert runtime.last("STOPSIGNAL").args == "SIGTERM"
    assert "tini" in next(i.args for i in runtime.all("RUN") if "apt-get install" in i.args)


def test_the_health_check_asks_the_bot_and_maps_every_failure_to_unhealthy(
        stages: list[dockerfile.Stage]) -> None:
    options, command = dockerfile.healthcheck(stages[-1].last("HEALTHCHECK").args)
    assert command == ["/bin/sh", "-c", "notecast health || exit 1"]  # Docker reserves exit 2
    assert {"interval", "timeout", "start-period", "retries"} <= set(options)


def test_the_vault_and_the_data_volume(stages: list[dockerfile.Stage]) -> None:
    runtime = stages[-1]
    env = dict(pair for i in runtime.all("ENV") for pair in dockerfile.env_pairs(i.args))
    assert env["NOTECAST_NOTES_DIR"] == "/vault"
    assert env["NOTECAST_DB"].startswith("/data/") and env["NOTECAST_STATE_DB"].startswith("/data/")
    assert env["NOTECAST_OPS_PORT"].isdigit()
    assert runtime.last("VOLUME").args == '["/data"]'


@pytest.mark.parametrize("path", [
    ".venv/bin/python", ".git/HEAD", "tests/fixtures/notes/crlf.md", "tests/deploy/conftest.py",
    "wheelhouse/discord_py-2.7.1-py3-none-any.whl", "secrets/discord_token", ".env",
    "vault/channel/note.md", "notecast.egg-info/PKG-INFO", "bot/__pycache__/config.cpython-311.pyc",
    ".mypy_cache/3.11/x.json", "benchmarks/index.py", "notecast.db", "Dockerfile",
])
def test_the_build_context_leaves_out(path: str) -> None:
    assert dockerfile.ignored(path)


@pytest.mark.parametrize("path", ["pyproject.toml", "README.md", "requirements.lock",
                                  "bot/config.py", "bot/sample_vault/curiousorbit/curiousorbit.md", "cogs/topic.py"])
def test_the_build_context_holds(path: str) -> None:
    assert not dockerfile.ignored(path)
