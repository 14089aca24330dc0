"""The coercion of each kind of setting: a raw value from a file, the environment or a flag
to the setting's type, or ``ValueError``/``TypeError`` saying what it must be."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
SUMMARIZERS = ("extractive", "abstractive")
WATCH_MODES = ("auto", "events", "poll", "off")
MAX_LLM_TIMEOUT = 600.0  # seconds; a deferred reply has 15 minutes


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
    """``"0-3"``, ``"0,2,5"``, a list of numbers, or empty (every shard)."""
    if isinstance(raw, list | tuple):
        parts = [str(p) for p in raw]
    else:
        parts = [p for p in str(raw).replace(" ", "").split(",") if p]
    if not parts:
        return None
    ids: list[int] = []
    for part in parts:
        low, sep, high = part.partition("-")
        if not low.isdigit() or (sep and not high.isdigit()):
            raise ValueError("must be shard numbers such as 0,1 or a range such as 0-3")
        ids.extend(range(int(low), int(high) + 1) if sep else [int(low)])
    if len(set(ids)) != len(ids) or not ids:
        raise ValueError("must not name a shard twice")
    return tuple(sorted(ids))
