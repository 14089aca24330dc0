"""Typed settings, read from a TOML file in ``config/`` and overridden by the environment.

Order of precedence, lowest first: built-in defaults, the settings file, environment
variables, then explicit overrides (command-line flags). The Discord token is held in a
:class:`Secret` so that it never appears in a repr, a log line or a traceback.
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SAMPLE_VAULT = Path(__file__).resolve().parent / "sample_vault"
DEFAULT_CONFIG_FILE = Path("config") / "notecast.toml"


class ConfigError(ValueError):
    """A setting has a value that cannot be used; the message says which and why."""


class Secret:
    """A string that does not show itself in ``repr``/``str`` (for the bot token)."""

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

    @property
    def uses_sample_vault(self) -> bool:
        return self.notes_dir.resolve() == SAMPLE_VAULT


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
}


def _coerce(name: str, raw: Any, base: Path | None) -> Any:
    """Turn a raw value from TOML or the environment into the setting's type."""
    try:
        if name == "token":
            return Secret(str(raw).strip())
        if name in ("notes_dir", "db"):
            path = Path(os.path.expanduser(str(raw)))
            if base is not None and not path.is_absolute():
                path = base / path
            return path
        if name == "dev_guild_id":
            return int(raw) if str(raw).strip() not in ("", "0") else None
        if name in ("index_workers", "cooldown_uses"):
            value = int(raw)
            if value < 0:
                raise ValueError("must not be negative")
            return value
        if name in ("resync_minutes", "cooldown_seconds"):
            number = float(raw)
            if number < 0:
                raise ValueError("must not be negative")
            return number
        if name == "log_level":
            level = str(raw).upper()
            if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
                raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
            return level
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name!r}: {raw!r} is not usable ({exc})") from None
    raise ConfigError(f"unknown setting {name!r}")


def load_settings(
    config_file: Path | None = None,
    environ: dict[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Read settings: defaults < ``config_file`` < environment < ``overrides``.

    ``config_file`` defaults to ``$NOTECAST_CONFIG`` or ``config/notecast.toml`` in the
    working directory when it exists. Relative paths in the file are relative to the
    directory that holds the ``config/`` folder; relative paths elsewhere to the cwd.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    known = {f.name for f in fields(Settings)}

    path = config_file
    if path is None and env.get("NOTECAST_CONFIG"):
        path = Path(env["NOTECAST_CONFIG"])
    if path is None and DEFAULT_CONFIG_FILE.is_file():
        path = DEFAULT_CONFIG_FILE
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read settings file {path}: {exc}") from None
        section = data.get("notecast", data)
        base = path.resolve().parent.parent if path.resolve().parent.name == "config" else (
            path.resolve().parent
        )
        for key, raw in section.items():
            if key == "token":
                raise ConfigError(
                    f"{path}: do not put the token in the settings file; set DISCORD_TOKEN"
                )
            if key not in known:
                raise ConfigError(f"{path}: unknown setting {key!r}")
            if raw == "" or (key == "dev_guild_id" and raw == 0):
                continue
            values[key] = _coerce(key, raw, base)

    for key, var in ENV_VARS.items():
        raw = env.get(var)
        if raw is not None and raw.strip() != "":
            values[key] = _coerce(key, raw, None)

    for key, raw in overrides.items():
        if raw is None:
            continue
        if key not in known:
            raise ConfigError(f"unknown setting {key!r}")
        values[key] = _coerce(key, raw, None)

    settings = replace(Settings(), **values)
    log.debug("settings loaded from %s", path or "defaults")
    return settings
