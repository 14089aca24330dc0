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
from urllib.parse import urlsplit

SAMPLE_VAULT = Path(__file__).resolve().parent / "sample_vault"
LOCAL_CONFIG_FILE = Path("config") / "notecast.toml"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SUMMARIZERS = ("extractive", "abstractive")
STATE_DB_NAME = "notecast-state.db"  # the state database's file, by default beside the cache
MAX_LLM_TIMEOUT = 600.0  # seconds; a deferred reply has 15 minutes


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
    # the settings file that was read (None: built-in defaults); not a setting itself
    config_file: Path | None = field(default=None, compare=False)

    @property
    def uses_sample_vault(self) -> bool:
        return self.notes_dir.resolve() == SAMPLE_VAULT

    @property
    def state_db_path(self) -> Path:
        """The state database's file: ``state_db``, or ``notecast-state.db`` beside ``db``."""
        return self.state_db if self.state_db is not None else self.db.with_name(STATE_DB_NAME)


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
}
SETTINGS = frozenset(ENV_VARS)
SECRETS = {"token": "DISCORD_TOKEN", "llm_api_key": "NOTECAST_LLM_API_KEY"}  # never in a file
PATHS = frozenset({"notes_dir", "db", "state_db"})


def _count(raw: Any) -> int:
    if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
        raise ValueError("must be a whole number")
    value = int(raw)
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _amount(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError("must be a number")
    value = float(raw)
    if not value >= 0:  # (also refuses nan)
        raise ValueError("must be a number, not negative")
    return value


def _guild(raw: Any) -> int | None:
    text = str(raw).strip()
    if text in ("", "0"):
        return None
    if isinstance(raw, bool) or not text.isdigit():
        raise ValueError("must be a server id (digits)")
    return int(text)


def _level(raw: Any) -> str:
    level = str(raw).strip().upper()
    if level not in LOG_LEVELS:
        raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return level


def _summarizer(raw: Any) -> str:
    name = str(raw).strip().lower()
    if name not in SUMMARIZERS:
        raise ValueError("must be extractive or abstractive")
    return name


def _url(raw: Any) -> str:
    """An http(s) base URL with a host, and nothing the bot should not send or log."""
    if not isinstance(raw, str):
        raise TypeError("must be a URL")
    text = raw.strip().rstrip("/")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("must not hold spaces or control characters")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    parts.port  # noqa: B018  (raises ValueError for a port that is not a number in range)
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not hold a user or password: set NOTECAST_LLM_API_KEY")
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise ValueError("must not hold a query or fragment")
    if parts.path.endswith("/chat/completions"):
        raise ValueError("give the base URL (such as http://localhost:11434/v1), "
                         "without /chat/completions")
    return text


def _model(raw: Any) -> str:
    name = str(raw).strip()
    if len(name) > 200 or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValueError("must be a model name (at most 200 characters, one line)")
    return name


def _timeout(raw: Any) -> float:
    value = _amount(raw)
    if not 0 < value <= MAX_LLM_TIMEOUT:
        raise ValueError(f"must be more than 0 and at most {MAX_LLM_TIMEOUT:g} seconds")
    return value


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
        if raw is not None and raw.strip() != "":
            values[key] = _coerce(key, raw, f"environment variable {var}", None)
    for key, raw in overrides.items():
        if raw is not None:
            flag = "--notes" if key == "notes_dir" else "--" + key.replace("_", "-")
            values[key] = _coerce(key, raw, f"flag {flag}", None)
    return _checked(replace(Settings(), **values, config_file=path))


def _checked(settings: Settings) -> Settings:
    """What no single setting shows: settings that only make sense together."""
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
