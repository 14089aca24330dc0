"""Settings: defaults < config file < environment < flags; the token never shows."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import SAMPLE_VAULT, ConfigError, Secret, describe_source, load_settings


def _write(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "config"
    folder.mkdir(parents=True)
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


# --------------------------------------------------------------------------- summaries, state

def test_summaries_are_extractive_and_state_sits_beside_the_cache_by_default(tmp_path: Path) -> None:
    settings = load_settings(None, environ={"NOTECAST_DB": str(tmp_path / "data" / "c.db")},
                             cwd=tmp_path)
    assert settings.summarizer == "extractive"
    assert settings.state_db_path == tmp_path / "data" / "notecast-state.db"
    assert (settings.llm_timeout_seconds, settings.llm_daily_budget) == (20.0, 50)
    assert not settings.llm_api_key and settings.llm_base_url == ""


def test_the_abstractive_settings_come_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(None, cwd=tmp_path, environ={
        "NOTECAST_SUMMARIZER": "Abstractive",
        "NOTECAST_LLM_BASE_URL": "http://localhost:11434/v1/",
        "NOTECAST_LLM_MODEL": "llama3.1:8b",
        "NOTECAST_LLM_API_KEY": "sk-very-secret-key",
        "NOTECAST_LLM_TIMEOUT_SECONDS": "7.5",
        "NOTECAST_LLM_DAILY_BUDGET": "3",
        "NOTECAST_STATE_DB": str(tmp_path / "elsewhere" / "state.db"),
    })
    assert settings.summarizer == "abstractive"
    assert settings.llm_base_url == "http://localhost:11434/v1"  # (no trailing slash)
    assert settings.llm_model == "llama3.1:8b"
    assert settings.llm_api_key == Secret("sk-very-secret-key")
    assert (settings.llm_timeout_seconds, settings.llm_daily_budget) == (7.5, 3)
    assert settings.state_db_path == tmp_path / "elsewhere" / "state.db"


def test_the_api_key_never_shows_and_is_refused_in_the_settings_file(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(None, cwd=tmp_path, environ={"NOTECAST_LLM_API_KEY": "sk-very-secret-key"})
    assert isinstance(settings.llm_api_key, Secret)
    assert settings.llm_api_key.get() == "sk-very-secret-key"
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("settings: %r %s", settings, settings.llm_api_key)
    assert "sk-very-secret-key" not in repr(settings) + caplog.text
    path = _write(tmp_path, '[notecast]\nllm_api_key = "sk-very-secret-key"\n')
    with pytest.raises(ConfigError, match="NOTECAST_LLM_API_KEY") as caught:
        load_settings(path, environ={})
    assert "sk-very-secret-key" not in str(caught.value)


def test_the_settings_file_takes_the_summary_settings(tmp_path: Path) -> None:
    path = _write(tmp_path, '[notecast]\nsummarizer = "abstractive"\n'
                            'llm_base_url = "https://llm.example.org/v1"\nllm_model = "m"\n'
                            'llm_timeout_seconds = 5\nllm_daily_budget = 0\nstate_db = "data/state.db"\n')
    settings = load_settings(path, environ={})
    assert (settings.summarizer, settings.llm_base_url, settings.llm_model) == (
        "abstractive", "https://llm.example.org/v1", "m")
    assert (settings.llm_timeout_seconds, settings.llm_daily_budget) == (5.0, 0)
    assert settings.state_db_path == tmp_path / "data" / "state.db"  # relative to the project


@pytest.mark.parametrize("url", [
    "ftp://example.org/v1", "localhost:11434", "http://", "http:///v1", "not a url",
    "http://user:pass@example.org/v1", "http://example.org/v1?key=abc", "http://example.org/v1#x",
    "http://example.org:99999/v1", "http://example.org/v1/chat/completions", "javascript:alert(1)",
    "http://exa mple.org/v1",
])
def test_an_llm_url_that_is_not_an_http_base_url_is_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match="'llm_base_url' from environment variable NOTECAST_LLM_BASE_URL"):
        load_settings(None, cwd=tmp_path, environ={"NOTECAST_LLM_BASE_URL": url})


@pytest.mark.parametrize(("var", "value", "setting"), [
    ("NOTECAST_SUMMARIZER", "magic", "summarizer"),
    ("NOTECAST_LLM_TIMEOUT_SECONDS", "0", "llm_timeout_seconds"),
    ("NOTECAST_LLM_TIMEOUT_SECONDS", "3600", "llm_timeout_seconds"),
    ("NOTECAST_LLM_DAILY_BUDGET", "-1", "llm_daily_budget"),
    ("NOTECAST_LLM_DAILY_BUDGET", "lots", "llm_daily_budget"),
    ("NOTECAST_LLM_MODEL", "a\nb", "llm_model"),
])
def test_bad_summary_settings_are_named(tmp_path: Path, var: str, value: str, setting: str) -> None:
    with pytest.raises(ConfigError, match=f"'{setting}'"):
        load_settings(None, cwd=tmp_path, environ={var: value})


def test_abstractive_needs_an_endpoint_and_a_model(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"llm_base_url.*NOTECAST_LLM_BASE_URL.*llm_model"):
        load_settings(None, cwd=tmp_path, environ={"NOTECAST_SUMMARIZER": "abstractive"})
    with pytest.raises(ConfigError, match="needs llm_model"):
        load_settings(None, cwd=tmp_path, environ={"NOTECAST_SUMMARIZER": "abstractive",
                                                   "NOTECAST_LLM_BASE_URL": "http://127.0.0.1:8000/v1"})


def test_the_state_database_cannot_be_the_notes_cache(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="same file"):
        load_settings(None, cwd=tmp_path, environ={"NOTECAST_DB": str(tmp_path / "x.db"),
                                                   "NOTECAST_STATE_DB": str(tmp_path / "x.db")})
    with pytest.raises(ConfigError, match="same file"):
        load_settings(None, cwd=tmp_path, environ={"NOTECAST_DB": str(tmp_path / "notecast-state.db")})


def test_a_secret_is_read_from_the_file_its_FILE_variable_names(tmp_path: Path) -> None:
    # a Docker secret: DISCORD_TOKEN_FILE=/run/secrets/discord_token
    secret = tmp_path / "discord_token"
    secret.write_text("abc.def.ghi\n", encoding="utf-8")
    settings = load_settings(config_file=None, environ={"HOME": str(tmp_path),
                                                        "DISCORD_TOKEN_FILE": str(secret)})
    assert settings.token.get() == "abc.def.ghi"
    assert "abc" not in repr(settings)
    # the variable itself wins over its file
    settings = load_settings(config_file=None, environ={
        "HOME": str(tmp_path), "DISCORD_TOKEN": "direct", "DISCORD_TOKEN_FILE": str(secret)})
    assert settings.token.get() == "direct"


def test_a_missing_secret_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"DISCORD_TOKEN_FILE .*missing"):
        load_settings(config_file=None, environ={"HOME": str(tmp_path),
                                                 "DISCORD_TOKEN_FILE": str(tmp_path / "missing")})


def test_the_state_dsn_is_a_secret_never_read_from_a_file(tmp_path: Path) -> None:
    path = _write(tmp_path, '[notecast]\nstate_dsn = "postgresql://u:p@h/db"\n')
    with pytest.raises(ConfigError, match="NOTECAST_STATE_DSN"):
        load_settings(path, environ={})
    settings = load_settings(config_file=None, environ={
        "HOME": str(tmp_path), "NOTECAST_STATE_DSN": "postgresql://u:pw@h/db"})
    assert settings.state_dsn.get() == "postgresql://u:pw@h/db"
    assert "pw" not in repr(settings)


@pytest.mark.parametrize(("raw", "ids"), [("0-3", (0, 1, 2, 3)), ("2,0", (0, 2)), ("5", (5,))])
def test_shard_ids_take_lists_and_ranges(tmp_path: Path, raw: str, ids: tuple[int, ...]) -> None:
    settings = load_settings(config_file=None, environ={
        "HOME": str(tmp_path), "NOTECAST_SHARD_COUNT": "8", "NOTECAST_SHARD_IDS": raw})
    assert settings.shard_ids == ids


@pytest.mark.parametrize(("env", "message"), [
    ({"NOTECAST_SHARD_IDS": "0"}, "needs shard_count"),
    ({"NOTECAST_SHARD_COUNT": "2", "NOTECAST_SHARD_IDS": "2"}, "below shard_count"),
    ({"NOTECAST_SHARD_COUNT": "2", "NOTECAST_SHARD_IDS": "a-b"}, "shard numbers"),
    ({"NOTECAST_SHARD_COUNT": "2", "NOTECAST_SHARD_IDS": "0,0"}, "twice"),
    ({"NOTECAST_LOG_FORMAT": "xml"}, "text or json"),
    ({"NOTECAST_OPS_PORT": "70000"}, "port number"),
    ({"NOTECAST_METRICS": "maybe"}, "true or false"),
    ({"NOTECAST_WATCH_VAULT": "inotify"}, "auto, events, poll or off"),
    ({"NOTECAST_QOTD_TICK_SECONDS": "0"}, "more than 0"),
])
def test_production_settings_refuse_what_they_cannot_use(tmp_path: Path, env: dict[str, str],
                                                         message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(config_file=None, environ={"HOME": str(tmp_path), **env})


def test_production_settings_from_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, '[notecast]\nlog_format = "JSON"\nops_port = 8089\nmetrics = true\n'
                            'qotd_late_posts = false\nshard_count = 4\nshard_ids = [1, 3]\n')
    settings = load_settings(path, environ={})
    assert (settings.log_format, settings.ops_port, settings.metrics) == ("json", 8089, True)
    assert settings.qotd_late_posts is False
    assert (settings.shard_count, settings.shard_ids) == (4, (1, 3))


@pytest.mark.parametrize("var", ["DISCORD_TOKEN", "NOTECAST_LLM_API_KEY", "NOTECAST_STATE_DSN"])
def test_an_empty_secret_file_is_a_clear_error(tmp_path: Path, var: str) -> None:
    """Before: an empty DISCORD_TOKEN_FILE (a secret not written yet) meant no token, and
    ``notecast run`` went on without one."""
    empty = tmp_path / "secret"
    empty.write_text(" \n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"^{var}_FILE names an empty file") as caught:
        load_settings(config_file=None, environ={"HOME": str(tmp_path), f"{var}_FILE": str(empty)})
    assert caught.value.source == f"{var}_FILE"


@pytest.mark.parametrize(("env", "message"), [
    ({"NOTECAST_SHARD_COUNT": "4", "NOTECAST_SHARD_IDS": "3-1"}, "the range 3-1 is reversed: write 1-3"),
    ({"NOTECAST_SHARD_COUNT": "1.5"}, "must be a whole number"),
    ({"NOTECAST_OPS_PORT": "abc"}, "must be a whole number"),
    ({"NOTECAST_INDEX_WORKERS": "1_000"}, "must be a whole number"),
    ({"NOTECAST_COOLDOWN_USES": "²"}, "must be a whole number"),
    ({"NOTECAST_COOLDOWN_USES": "9" * 5000}, "is too large"),
    ({"NOTECAST_RESYNC_MINUTES": "soon"}, "must be a number"),
    ({"NOTECAST_COOLDOWN_SECONDS": "inf"}, "must be a number"),
    ({"NOTECAST_QOTD_TICK_SECONDS": "1e999"}, "must be a number"),
    ({"NOTECAST_DEV_GUILD_ID": "١٢٣"}, "must be a server id"),
    ({"NOTECAST_SHARD_COUNT": "4", "NOTECAST_SHARD_IDS": "0,²"}, "shard numbers such as"),
])
def test_a_bad_number_says_what_it_must_be(tmp_path: Path, env: dict[str, str], message: str) -> None:
    """Before: Python's own words ("invalid literal for int() with base 10: '1.5'"), a
    reversed range said "must not name a shard twice", and "inf" was taken."""
    with pytest.raises(ConfigError) as caught:
        load_settings(config_file=None, environ={"HOME": str(tmp_path), **env})
    assert message in str(caught.value)
    assert "literal" not in str(caught.value) and "convert" not in str(caught.value)


def test_numbers_from_the_file_still_coerce(tmp_path: Path) -> None:
    path = _write(tmp_path, "[notecast]\ncooldown_uses = 4.0\nresync_minutes = 2\n"
                            'cooldown_seconds = "7.5"\nindex_workers = " +3 "\n')
    settings = load_settings(path, environ={})
    assert (settings.cooldown_uses, settings.resync_minutes) == (4, 2.0)
    assert (settings.cooldown_seconds, settings.index_workers) == (7.5, 3)
    with pytest.raises(ConfigError, match="must be a whole number"):
        load_settings(_write(tmp_path / "half", "[notecast]\ncooldown_uses = 4.5\n"), environ={})


@pytest.mark.parametrize(("env", "message"), [
    ({"NOTECAST_SHARD_COUNT": "100000000"}, "at most 10000 shards"),
    ({"NOTECAST_SHARD_COUNT": "10001"}, "at most 10000 shards"),
    ({"NOTECAST_SHARD_COUNT": "10001", "NOTECAST_SHARD_IDS": "0-10000"}, "below 10000"),
    ({"NOTECAST_SHARD_COUNT": "10000", "NOTECAST_SHARD_IDS": "0-99999999"}, "below 10000"),
])
def test_more_than_ten_thousand_shards_are_refused(tmp_path: Path, env: dict[str, str],
                                                   message: str) -> None:
    """Before: ``NOTECAST_SHARD_IDS=0-99999999`` expanded the range (it hung), and any
    shard_count was taken."""
    with pytest.raises(ConfigError, match=message):
        load_settings(config_file=None, environ={"HOME": str(tmp_path), **env})
    settings = load_settings(config_file=None, environ={
        "HOME": str(tmp_path), "NOTECAST_SHARD_COUNT": "10000", "NOTECAST_SHARD_IDS": "9998-9999,0"})
    assert settings.shard_ids == (0, 9998, 9999)


def test_metrics_need_the_ops_port(tmp_path: Path) -> None:
    """Before: metrics on without the ops port served nothing, silently."""
    with pytest.raises(ConfigError, match="served on the ops port: set ops_port "
                                          r"\(NOTECAST_OPS_PORT\)"):
        load_settings(config_file=None, environ={"HOME": str(tmp_path), "NOTECAST_METRICS": "true"})
    settings = load_settings(config_file=None, environ={
        "HOME": str(tmp_path), "NOTECAST_METRICS": "true", "NOTECAST_OPS_PORT": "8765"})
    assert settings.metrics and settings.ops_port == 8765
