"""compose.yaml: what an admin's `docker compose up -d` and `docker compose run --rm
sync-commands` would run, checked as data (no Docker engine here to run it)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.deploy import dockerfile
from tests.deploy.dockerfile import ROOT

COMPOSE = ROOT / "compose.yaml"
SECRET_VARS = ("DISCORD_TOKEN", "NOTECAST_LLM_API_KEY", "NOTECAST_STATE_DSN", "POSTGRES_PASSWORD")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))  # (merges the x- anchors)
    assert isinstance(loaded, dict)
    return loaded


def image_env() -> dict[str, str]:
    runtime = dockerfile.stages()[-1]
    return dict(pair for i in runtime.all("ENV") for pair in dockerfile.env_pairs(i.args))


def volume(service: dict[str, Any], target: str) -> dict[str, Any]:
    found = [v for v in service.get("volumes", []) if isinstance(v, dict) and v.get("target") == target]
    assert len(found) == 1, f"no single volume at {target}: {service.get('volumes')}"
    return found[0]


def environment(service: dict[str, Any]) -> dict[str, Any]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return dict(env)


def test_the_bot_restarts_and_stops_in_time(compose: dict[str, Any]) -> None:
    bot = compose["services"]["bot"]
    assert bot["restart"] == "unless-stopped"
    assert "profiles" not in bot  # `docker compose up -d` starts it
    grace = re.fullmatch(r"(\d+)s", str(bot["stop_grace_period"]))
    assert grace and int(grace[1]) >= 3  # the bot stops within 3 s; docker waits longer


def test_the_vault_is_read_only_and_the_data_on_a_named_volume(compose: dict[str, Any]) -> None:
    env = image_env()
    for name in ("bot", "sync-commands"):
        service = compose["services"][name]
        vault = volume(service, env["NOTECAST_NOTES_DIR"])
        assert vault["type"] == "bind" and vault["read_only"] is True
        assert vault["bind"]["create_host_path"] is False  # a missing vault is an error
        data = volume(service, "/data")
        assert data["type"] == "volume" and data["source"] in compose["volumes"]
        assert env["NOTECAST_DB"].startswith("/data/") and env["NOTECAST_STATE_DB"].startswith("/data/")


def test_the_token_is_a_docker_secret_and_no_secret_is_written_inline(compose: dict[str, Any]) -> None:
    bot = compose["services"]["bot"]
    assert environment(bot)["DISCORD_TOKEN_FILE"] == "/run/secrets/discord_token"
    assert "discord_token" in bot["secrets"]
    assert set(compose["secrets"]["discord_token"]) == {"file"}  # not `environment:` or inline
    for name, service in compose["services"].items():
        for key, value in environment(service).items():
            if key in SECRET_VARS:
                assert re.fullmatch(r"\$\{\w+(:?-)?\}", str(value)), f"{name}: {key} is written inline"


def test_sync_commands_is_a_one_shot_service_of_the_same_image(compose: dict[str, Any]) -> None:
    services = compose["services"]
    sync, bot = services["sync-commands"], services["bot"]
    assert sync["profiles"]  # not started by `docker compose up`
    assert sync["entrypoint"][-2:] == ["notecast", "sync-commands"] and sync["command"] == []
    assert sync["restart"] == "no"
    assert sync["image"] == bot["image"] and sync["build"] == bot["build"]
    assert sync["secrets"] == bot["secrets"] and environment(sync) == environment(bot)
    runtime = dockerfile.stages()[-1]
    assert sync["entrypoint"][:-1] == dockerfile.exec_form(runtime.last("ENTRYPOINT").args)


def test_postgres_is_optional_with_its_own_volume(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"] == "postgres:16"
    assert postgres["profiles"] == ["postgres"]
    data = volume(postgres, "/var/lib/postgresql/data")
    assert data["type"] == "volume" and data["source"] in compose["volumes"]
    assert "postgres" not in str(compose["services"]["bot"].get("depends_on", ""))
