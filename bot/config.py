"""Typed settings, read from a TOML file and overridden by the environment, then by flags.

Order of precedence, lowest first: built-in defaults, the settings file, environment
variables, then explicit overrides (command-line flags). The settings file is the first of:

1. ``--config FILE`` (``config_file``), or else ``$NOTECAST_CONFIG``: an error if it is missing;
2. ``config/notecast.toml`` in the working directory;
3. ``$XDG_CONFIG_HOME/notecast/notecast.toml`` (``~/.config/notecast/notecast.toml``);

or none: the built-in defaults. Relative paths in a file are relative to the folder that
holds its ``config/`` folder (to the file's own folder when that is not named ``config``).
The Discord token and the LLM endpoint's key are held in a :class:`Secret` so that they
never appear in a repr, a log line or a traceback; they are read only from the environment
(``DISCORD_TOKEN``, ``NOTECAST_LLM_API_KEY``), never from a settings file.

The coercion is written by hand rather than with pydantic-settings: a pydantic-settings
``Settings`` took 119 ms to import and load (median of 9; this module 16 ms), a seventh of
a command-line lookup's 0.8 s budget, and would still need its own sources for the
``[notecast]`` table, paths relative to the file and errors that name their source.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.config_values import (
    LOG_FORMATS,
    LOG_LEVELS,
    MAX_LLM_TIMEOUT,
    SUMMARIZERS,
    WATCH_MODES,
    _amount,
    _choice,
    _count,
    _flag,
    _guild,
    _host,
    _level,
    _model,
    _port,
    _positive,
    _shard_ids,
    _summarizer,
    _timeout,
    _url,
)

__all__ = ["LOG_FORMATS", "LOG_LEVELS", "MAX_LLM_TIMEOUT", "SAMPLE_VAULT", "SUMMARIZERS",
           "WATCH_MODES", "ConfigError", "Secret", "Settings", "describe_source",
           "find_config_file", "load_settings"]

SAMPLE_VAULT = Path(__file__).resolve().parent / "sample_vault"
LOCAL_CONFIG_FILE = Path("config") / "notecast.toml"
STATE_DB_NAME = "notecast-state.db"  # the state database's file, by default beside the cache


class ConfigError(ValueError):
    """A setting that cannot be used; the message names it, its value's source, and why."""

    def __init__(self, message: str, *, setting: str | None = None, source: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting
        self.source = source


class Secret:
    """A string that does not show itself in ``repr``/``str`` (the bot token, API keys)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('********')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _default_db() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "notecast" / "notecast.db"


@dataclass(frozen=True)
class Settings:
    """Everything Notecast can be told. See ``config/notecast.toml`` for each one."""

    token: Secret = field(default_factory=lambda: Secret(""))
    notes_dir: Path = SAMPLE_VAULT
    db: Path = field(default_factory=_default_db)
    log_level: str = "INFO"
    dev_guild_id: int | None = None
    resync_minutes: float = 10.0
    index_workers: int = 0  # 0: one per core
    cooldown_uses: int = 5
    cooldown_seconds: float = 30.0
    # the state database (durable: summaries paid for, budgets, schedules); None: beside db
    state_db: Path | None = None
    summarizer: str = "extractive"  # or "abstractive": through an OpenAI-compatible endpoint
    llm_base_url: str = ""  # e.g. http://localhost:11434/v1 (its /chat/completions is called)
    llm_model: str = ""
    llm_api_key: Secret = field(default_factory=lambda: Secret(""))
    llm_timeout_seconds: float = 20.0
    llm_daily_budget: int = 50  # abstractive summaries a server may ask for per UTC day
    # quote of the day
    qotd_late_posts: bool = True  # a post missed while down is made on start, that local day
    qotd_tick_seconds: float = 30.0  # how often the scheduler looks for due posts
    qotd_posts_per_second: float = 5.0  # scheduled posts, all servers together (staggered)
    qotd_max_failures: int = 5  # failed tries in a row before a server's schedule is paused
    # production: logs, the local status endpoint, sharding, the vault watcher
    log_format: str = "text"  # or "json": one JSON object a line
    ops_port: int = 0  # 0: off; else GET /health (and /metrics) on ops_host:ops_port
    ops_host: str = "127.0.0.1"
    metrics: bool = False  # serve Prometheus metrics at /metrics on the ops port
    shard_count: int = 0  # 0: no sharding (one gateway connection); N: AutoShardedBot of N shards
    shard_ids: tuple[int, ...] | None = None  # the shards this process runs (None: all)
    state_dsn: Secret = field(default_factory=lambda: Secret(""))  # postgresql://...: shared state
    watch_vault: str = "auto"  # auto | events | poll | off: pick up vault changes at once
    watch_debounce_seconds: float = 2.0
    watch_poll_seconds: float = 30.0  # the polling fallback's interval
    # the settings file that was read (None: built-in defaults); not a setting itself
    config_file: Path | None = field(default=None, compare=False)

    @property
    def uses_sample_vault(self) -> bool:
        return self.notes_dir.resolve() == SAMPLE_VAULT

    @property
    def state_db_path(self) -> Path:
        """``state_db``; else ``notecast-state.db`` beside ``db`` when ``db`` was chosen;
        else in :func:`state_data_dir` (not the cache folder: safe to delete), unless only
        :func:`legacy_state_db` exists: that one is used where it is (the store warns)."""
        if self.state_db is not None:
            return self.state_db
        if self.db != _default_db():
            return self.db.with_name(STATE_DB_NAME)
        new, old = state_data_dir() / STATE_DB_NAME, legacy_state_db()
        return old if os.path.lexists(old) and not os.path.lexists(new) else new


def state_data_dir() -> Path:
    """``$XDG_DATA_HOME/notecast`` (``~/.local/share/notecast``): the state's default folder."""
    base = os.environ.get("XDG_DATA_HOME") or ""
    if not os.path.isabs(base):  # (the XDG rule: a relative value is ignored)
        base = str(Path.home() / ".local" / "share")
    return Path(base) / "notecast"


def legacy_state_db() -> Path:
    """The state's default before :func:`state_data_dir`: beside the default cache."""
    return _default_db().with_name(STATE_DB_NAME)


# setting name -> environment variable
ENV_VARS: dict[str, str] = {
    "token": "DISCORD_TOKEN",
    "notes_dir": "NOTECAST_NOTES_DIR",
    "db": "NOTECAST_DB",
    "log_level": "NOTECAST_LOG_LEVEL",
    "dev_guild_id": "NOTECAST_DEV_GUILD_ID",
    "resync_minutes": "NOTECAST_RESYNC_MINUTES",
    "index_workers": "NOTECAST_INDEX_WORKERS",
    "cooldown_uses": "NOTECAST_COOLDOWN_USES",
    "cooldown_seconds": "NOTECAST_COOLDOWN_SECONDS",
    "state_db": "NOTECAST_STATE_DB",
    "summarizer": "NOTECAST_SUMMARIZER",
    "llm_base_url": "NOTECAST_LLM_BASE_URL",
    "llm_model": "NOTECAST_LLM_MODEL",
    "llm_api_key": "NOTECAST_LLM_API_KEY",
    "llm_timeout_seconds": "NOTECAST_LLM_TIMEOUT_SECONDS",
    "llm_daily_budget": "NOTECAST_LLM_DAILY_BUDGET",
    "qotd_late_posts": "NOTECAST_QOTD_LATE_POSTS",
    "qotd_tick_seconds": "NOTECAST_QOTD_TICK_SECONDS",
    "qotd_posts_per_second": "NOTECAST_QOTD_POSTS_PER_SECOND",
    "qotd_max_failures": "NOTECAST_QOTD_MAX_FAILURES",
    "log_format": "NOTECAST_LOG_FORMAT",
    "ops_port": "NOTECAST_OPS_PORT",
    "ops_host": "NOTECAST_OPS_HOST",
    "metrics": "NOTECAST_METRICS",
    "shard_count": "NOTECAST_SHARD_COUNT",
    "shard_ids": "NOTECAST_SHARD_IDS",
    "state_dsn": "NOTECAST_STATE_DSN",
    "watch_vault": "NOTECAST_WATCH_VAULT",
    "watch_debounce_seconds": "NOTECAST_WATCH_DEBOUNCE_SECONDS",
    "watch_poll_seconds": "NOTECAST_WATCH_POLL_SECONDS",
}
SETTINGS = frozenset(ENV_VARS)
SECRETS = {"token": "DISCORD_TOKEN", "llm_api_key": "NOTECAST_LLM_API_KEY",
           "state_dsn": "NOTECAST_STATE_DSN"}  # never in a file
# a secret may also be read from a file (a Docker secret): DISCORD_TOKEN_FILE, ...
SECRET_FILE_SUFFIX = "_FILE"
PATHS = frozenset({"notes_dir", "db", "state_db"})


COERCE: dict[str, Callable[[Any], Any]] = {
    "token": lambda raw: Secret(str(raw).strip()),
    "llm_api_key": lambda raw: Secret(str(raw).strip()),
    "summarizer": _summarizer,
    "llm_base_url": _url,
    "llm_model": _model,
    "llm_timeout_seconds": _timeout,
    "llm_daily_budget": _count,
    "dev_guild_id": _guild,
    "index_workers": _count,
    "cooldown_uses": _count,
    "resync_minutes": _amount,
    "cooldown_seconds": _amount,
    "log_level": _level,
    "state_dsn": lambda raw: Secret(str(raw).strip()),
    "qotd_late_posts": _flag,
    "qotd_tick_seconds": _positive,
    "qotd_posts_per_second": _positive,
    "qotd_max_failures": _count,
    "log_format": _choice(LOG_FORMATS),
    "ops_port": _port,
    "ops_host": _host,
    "metrics": _flag,
    "shard_count": _count,
    "shard_ids": _shard_ids,
    "watch_vault": _choice(WATCH_MODES),
    "watch_debounce_seconds": _amount,
    "watch_poll_seconds": _positive,
}


def _coerce(name: str, raw: Any, source: str, base: Path | None) -> Any:
    """Turn a raw value from a file, the environment or a flag into the setting's type."""
    if name not in SETTINGS:
        raise ConfigError(f"{source}: unknown setting {name!r}", setting=name, source=source)
    try:
        if name in PATHS:
            if not isinstance(raw, str | os.PathLike):
                raise TypeError("must be a path")
            path = Path(os.path.expanduser(os.fspath(raw)))
            return base / path if base is not None and not path.is_absolute() else path
        return COERCE[name](raw)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ConfigError(f"setting {name!r} from {source}: {raw!r} is not usable ({exc})",
                          setting=name, source=source) from None


def _config_home(env: Mapping[str, str]) -> Path:
    home = env.get("XDG_CONFIG_HOME") or ""
    if not os.path.isabs(home):  # (the XDG rule: a relative value is ignored)
        home = os.path.join(env.get("HOME") or os.path.expanduser("~"), ".config")
    return Path(home)


def find_config_file(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path | None:
    """The settings file to read when none is given: ``$NOTECAST_CONFIG`` (which must
    exist), ``config/notecast.toml`` in ``cwd``, then the user's config folder."""
    env = os.environ if environ is None else environ
    named = env.get("NOTECAST_CONFIG", "").strip()
    if named:
        path = Path(os.path.expanduser(named))
        if not path.is_file():
            raise ConfigError(f"settings file {path} (NOTECAST_CONFIG) does not exist",
                              source="NOTECAST_CONFIG")
        return path
    for candidate in ((cwd or Path.cwd()) / LOCAL_CONFIG_FILE,
                      _config_home(env) / "notecast" / "notecast.toml"):
        if candidate.is_file():
            return candidate
    return None


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"settings file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read settings file {path}: {exc}") from None
    section = data.get("notecast", data)
    if not isinstance(section, dict):
        raise ConfigError(f"settings file {path}: [notecast] must be a table")
    return section


def _file_values(path: Path) -> dict[str, Any]:
    resolved = path.resolve()
    base = resolved.parent.parent if resolved.parent.name == "config" else resolved.parent
    source = f"settings file {path}"
    values: dict[str, Any] = {}
    for key, raw in _read_file(path).items():
        if key in SECRETS:
            what = "the token" if key == "token" else f"the secret {key!r}"
            raise ConfigError(f"{path}: do not put {what} in the settings file; set {SECRETS[key]}",
                              setting=key, source=source)
        if raw == "" or (key == "dev_guild_id" and raw == 0):
            continue  # empty: the default
        values[key] = _coerce(key, raw, source, base)
    return values


def load_settings(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    cwd: Path | None = None,
    **overrides: Any,
) -> Settings:
    """Read settings: defaults < the settings file < environment < ``overrides``.

    ``config_file`` defaults to the one :func:`find_config_file` finds. Relative paths in
    the environment and in ``overrides`` are relative to the working directory.
    """
    env = os.environ if environ is None else environ
    path = config_file if config_file is not None else find_config_file(env, cwd)
    values = _file_values(path) if path is not None else {}
    for key, var in ENV_VARS.items():
        raw = env.get(var)
        if (raw is None or raw.strip() == "") and key in SECRETS:
            raw = _secret_file(env, var)
        if raw is not None and raw.strip() != "":
            values[key] = _coerce(key, raw, f"environment variable {var}", None)
    for key, raw in overrides.items():
        if raw is not None:
            flag = "--notes" if key == "notes_dir" else "--" + key.replace("_", "-")
            values[key] = _coerce(key, raw, f"flag {flag}", None)
    return _checked(replace(Settings(), **values, config_file=path))


def _secret_file(env: Mapping[str, str], var: str) -> str | None:
    """The secret in the file that ``<VAR>_FILE`` names (a Docker secret), if set."""
    named = env.get(var + SECRET_FILE_SUFFIX, "").strip()
    if not named:
        return None
    try:
        secret = Path(named).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {var}{SECRET_FILE_SUFFIX} ({named}): "
                          f"{exc.strerror if isinstance(exc, OSError) else exc}",
                          setting=var, source=var + SECRET_FILE_SUFFIX) from None
    if not secret:  # (not written yet: the bot would run without it, silently)
        raise ConfigError(f"{var}_FILE names an empty file ({named}): write the secret in it, "
                          f"or unset {var}_FILE", setting=var, source=var + SECRET_FILE_SUFFIX)
    return secret


def _checked(settings: Settings) -> Settings:
    """What no single setting shows: settings that only make sense together."""
    from bot.config_values import production_problem

    problem = production_problem(settings, ENV_VARS)  # (the shards, the metrics)
    if problem is not None:
        raise ConfigError(problem[1], setting=problem[0])
    if settings.summarizer == "abstractive":
        missing = [name for name in ("llm_base_url", "llm_model") if not getattr(settings, name)]
        if missing:
            names = " and ".join(f"{n} ({ENV_VARS[n]})" for n in missing)
            raise ConfigError(f"summarizer 'abstractive' needs {names}", setting="summarizer")
    if os.path.abspath(settings.state_db_path) == os.path.abspath(settings.db):
        raise ConfigError(f"the state database and the notes cache are the same file "
                          f"({settings.db}): set state_db ({ENV_VARS['state_db']}) to another file",
                          setting="state_db")
    return settings


def describe_source(settings: Settings) -> str:
    """Which settings file was read, for the log."""
    if settings.config_file is None:
        return ("no settings file (none in NOTECAST_CONFIG, ./config/notecast.toml or "
                "the user's config folder): built-in defaults and the environment")
    return f"settings file {settings.config_file.resolve()}"
