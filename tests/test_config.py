"""Settings: defaults < config file < environment < flags; the token never shows."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import SAMPLE_VAULT, ConfigError, Secret, describe_source, load_settings


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


# --------------------------------------------------------------------------- which file

def _user(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"HOME": str(tmp_path / "home"), **extra}


def _xdg_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "xdg" / "notecast" / "notecast.toml"
    path.parent.mkdir(parents=True)
    path.write_text(body, encoding="utf-8")
    return path


def test_without_a_local_file_the_users_config_folder_is_read(tmp_path: Path) -> None:
    """Before: only ./config/notecast.toml was read; from any other folder the settings
    were silently ignored."""
    path = _xdg_file(tmp_path, '[notecast]\ndb = "data/cache.db"\ncooldown_uses = 9\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    settings = load_settings(environ=_user(tmp_path, XDG_CONFIG_HOME=str(tmp_path / "xdg")), cwd=elsewhere)
    assert settings.config_file == path
    assert settings.cooldown_uses == 9
    assert settings.db == path.parent / "data" / "cache.db"  # beside the file: not in a config/


def test_the_default_user_config_folder_is_under_home(tmp_path: Path) -> None:
    path = tmp_path / "home" / ".config" / "notecast" / "notecast.toml"
    path.parent.mkdir(parents=True)
    path.write_text("[notecast]\ncooldown_uses = 3\n", encoding="utf-8")
    settings = load_settings(environ=_user(tmp_path), cwd=tmp_path)
    assert settings.config_file == path and settings.cooldown_uses == 3


def test_the_working_directory_wins_over_the_users_folder(tmp_path: Path) -> None:
    _xdg_file(tmp_path, "[notecast]\ncooldown_uses = 9\n")
    local = _write(tmp_path, "[notecast]\ncooldown_uses = 4\n")
    settings = load_settings(environ=_user(tmp_path, XDG_CONFIG_HOME=str(tmp_path / "xdg")), cwd=tmp_path)
    assert settings.config_file == tmp_path / "config" / "notecast.toml" == local
    assert settings.cooldown_uses == 4


def test_notecast_config_wins_and_must_exist(tmp_path: Path) -> None:
    _write(tmp_path, "[notecast]\ncooldown_uses = 4\n")
    named = tmp_path / "mine.toml"
    named.write_text("[notecast]\ncooldown_uses = 7\n", encoding="utf-8")
    settings = load_settings(environ=_user(tmp_path, NOTECAST_CONFIG=str(named)), cwd=tmp_path)
    assert settings.config_file == named and settings.cooldown_uses == 7
    with pytest.raises(ConfigError, match=r"nowhere\.toml.*NOTECAST_CONFIG.*does not exist"):
        load_settings(environ=_user(tmp_path, NOTECAST_CONFIG=str(tmp_path / "nowhere.toml")), cwd=tmp_path)


def test_no_file_means_the_defaults(tmp_path: Path) -> None:
    settings = load_settings(environ=_user(tmp_path), cwd=tmp_path)
    assert settings.config_file is None and settings.notes_dir == SAMPLE_VAULT
    assert "no settings file" in describe_source(settings)


def test_errors_name_the_setting_and_where_its_value_came_from(tmp_path: Path) -> None:
    path = _write(tmp_path, "[notecast]\ncooldown_uses = -2\n")
    with pytest.raises(ConfigError, match=f"'cooldown_uses' from settings file {path}") as caught:
        load_settings(path, environ={})
    assert (caught.value.setting, caught.value.source) == ("cooldown_uses", f"settings file {path}")
    with pytest.raises(ConfigError, match="'index_workers' from environment variable NOTECAST_INDEX_WORKERS"):
        load_settings(None, environ={"NOTECAST_INDEX_WORKERS": "2.5"}, cwd=tmp_path / "home")
    with pytest.raises(ConfigError, match="'log_level' from flag --log-level"):
        load_settings(None, environ={}, cwd=tmp_path / "home", log_level="LOUD")
    with pytest.raises(ConfigError, match="dev_guild_id"):
        load_settings(None, environ={"NOTECAST_DEV_GUILD_ID": "my server"}, cwd=tmp_path / "home")
