"""The coercion of each kind of setting: a raw value from a file, the environment or a flag
to the setting's type, or ``ValueError``/``TypeError`` saying what it must be."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
SUMMARIZERS = ("extractive", "abstractive")
WATCH_MODES = ("auto", "events", "poll", "off")
MAX_LLM_TIMEOUT = 600.0  # seconds; a deferred reply has 15 minutes
MAX_SHARDS = 10_000  # shard_count, and shard numbers below it: more is a typo (and a range
# of them is expanded into a tuple)
MAX_DIGITS = 18  # a whole number with more digits is refused before it is converted
# a value is matched before int() sees it: int() says "invalid literal for int() with base
# 10" for what it refuses, and takes "²" or "1_000"
_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)
_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def _whole(raw: Any) -> int:
    """A whole number, from an int, a float without a fraction or a string of digits."""
    if isinstance(raw, bool):
        raise ValueError("must be a whole number")
    if isinstance(raw, float):
        if not raw.is_integer():  # (also inf and nan)
            raise ValueError("must be a whole number")
        raw = int(raw)
    if isinstance(raw, int):
        if abs(raw) >= 10**MAX_DIGITS:
            raise ValueError("is too large")
        return raw
    text = str(raw).strip()
    if not _WHOLE.fullmatch(text):
        raise ValueError("must be a whole number")
    if len(text.lstrip("+-")) > MAX_DIGITS:
        raise ValueError("is too large")
    return int(text)


def _count(raw: Any) -> int:
    value = _whole(raw)
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _amount(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError("must be a number")
    try:
        value = float(raw) if isinstance(raw, int | float) else float(str(raw).strip())
    except (ValueError, OverflowError):
        raise ValueError("must be a number") from None
    if not math.isfinite(value):
        raise ValueError("must be a number")
    if value < 0:
        raise ValueError("must be a number, not negative")
    return value


def _guild(raw: Any) -> int | None:
    text = str(raw).strip()
    if text in ("", "0"):
        return None
    if isinstance(raw, bool) or not _DIGITS.fullmatch(text) or len(text) > 20:
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


def _flag(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def _choice(options: tuple[str, ...]) -> Any:
    def coerce(raw: Any) -> str:
        value = str(raw).strip().lower()
        if value not in options:
            raise ValueError("must be " + ", ".join(options[:-1]) + " or " + options[-1])
        return value
    return coerce


def _port(raw: Any) -> int:
    value = _count(raw)
    if value > 65535:
        raise ValueError("must be a port number (1-65535), or 0 for off")
    return value


def _positive(raw: Any) -> float:
    value = _amount(raw)
    if value <= 0:
        raise ValueError("must be more than 0")
    return value


def _host(raw: Any) -> str:
    text = str(raw).strip()
    if not text or any(c.isspace() or ord(c) < 32 for c in text) or "/" in text:
        raise ValueError("must be an address to listen on, such as 127.0.0.1")
    return text


def _shard_ids(raw: Any) -> tuple[int, ...] | None:
    """``"0-3"``, ``"0,2,5"``, a list of numbers, or empty (every shard). Each number and
    range is checked before it is expanded: at most :data:`MAX_SHARDS` shards in all."""
    if isinstance(raw, list | tuple):
        parts = [str(p) for p in raw]
    else:
        parts = [p for p in str(raw).replace(" ", "").split(",") if p]
    if not parts:
        return None
    ids: set[int] = set()
    for part in parts:
        low, sep, high = part.partition("-")
        if not _DIGITS.fullmatch(low) or (sep and not _DIGITS.fullmatch(high)):
            raise ValueError("must be shard numbers such as 0,1 or a range such as 0-3")
        first = _shard(low)
        last = _shard(high) if sep else first
        if last < first:
            raise ValueError(f"the range {part} is reversed: write {last}-{first}")
        named = range(first, last + 1)
        if any(i in ids for i in named):  # (at most MAX_SHARDS checks in all: ids grows)
            raise ValueError("must not name a shard twice")
        ids.update(named)
    return tuple(sorted(ids))


def _shard(digits: str) -> int:
    if len(digits) > len(str(MAX_SHARDS)) or int(digits) >= MAX_SHARDS:
        raise ValueError(f"shard numbers must be below {MAX_SHARDS}")
    return int(digits)


def production_problem(settings: Any, env_vars: Mapping[str, str]) -> tuple[str, str] | None:
    """What the sharding and metrics settings (of a ``Settings``) show only together, as
    (the setting, the message), or None; ``env_vars`` names each setting's variable."""
    count, ids = settings.shard_count, settings.shard_ids
    if count > MAX_SHARDS:
        return "shard_count", (f"shard_count ({env_vars['shard_count']}) {count}: at most "
                               f"{MAX_SHARDS} shards")
    if ids is not None and not count:
        return "shard_ids", (f"shard_ids ({env_vars['shard_ids']}) needs shard_count "
                             f"({env_vars['shard_count']})")
    if ids is not None and max(ids) >= count:
        return "shard_ids", f"shard_ids {list(ids)}: each must be below shard_count ({count})"
    if settings.metrics and not settings.ops_port:
        return "metrics", (f"metrics ({env_vars['metrics']}) are served on the ops port: set "
                           f"ops_port ({env_vars['ops_port']}) too")
    return None
