"""Settings: defaults < config file < environment < flags; the token never shows."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import SAMPLE_VAULT, ConfigError, Secret, load_settings


def _write(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    path = folder / "notecast.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_defaults_serve_the_bundled_sample_notes(tmp_path: Path) -> None:
    settings = load_settings(config_file=None, environ={"HOME": str(tmp_path)})
    assert settings.notes_dir == SAMPLE_VAULT
    assert settings.uses_sample_vault
    assert not settings.token


def test_file_then_environment_then_flags(tmp_path: Path) -> None:
    path = _write(tmp_path, '[notecast]\nnotes_dir = "vault"\ndb = "data/cache.db"\n'
                            'resync_minutes = 3\n')
    settings = load_settings(path, environ={})
    assert settings.notes_dir == tmp_path / "vault"  # relative to the folder holding config/
    assert settings.db == tmp_path / "data" / "cache.db"
    assert settings.resync_minutes == 3.0
    settings = load_settings(path, environ={"NOTECAST_RESYNC_MINUTES": "7",
                                            "NOTECAST_NOTES_DIR": "/srv/vault"})
    assert settings.resync_minutes == 7.0
    assert settings.notes_dir == Path("/srv/vault")
    settings = load_settings(path, environ={"NOTECAST_NOTES_DIR": "/srv/vault"},
                             notes_dir=Path("/elsewhere"))
    assert settings.notes_dir == Path("/elsewhere")


def test_bad_values_are_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="resync_minutes"):
        load_settings(None, environ={"NOTECAST_RESYNC_MINUTES": "soon"})
    path = _write(tmp_path, "[notecast]\nnot_a_setting = 1\n")
    with pytest.raises(ConfigError, match="unknown setting 'not_a_setting'"):
        load_settings(path, environ={})


def test_the_token_is_refused_in_the_settings_file(tmp_path: Path) -> None:
    path = _write(tmp_path, '[notecast]\ntoken = "abc"\n')
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        load_settings(path, environ={})


def test_the_token_never_shows_in_repr_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(None, environ={"DISCORD_TOKEN": "MTIz.secret-token-value"})
    assert settings.token.get() == "MTIz.secret-token-value"
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("settings: %r", settings)
    assert "secret-token-value" not in repr(settings)
    assert "secret-token-value" not in str(settings.token)
    assert "secret-token-value" not in caplog.text
    assert Secret("x") == Secret("x")


def test_the_shipped_settings_file_loads() -> None:
    shipped = Path(__file__).resolve().parents[1] / "config" / "notecast.toml"
    settings = load_settings(shipped, environ={})
    assert settings.notes_dir == SAMPLE_VAULT
    assert settings.cooldown_uses >= 1
