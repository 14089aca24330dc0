"""The log's format, chosen once by ``main()``: text for a terminal, or one JSON object a
line (``log_format = "json"``) for a log collector.

A JSON line holds ``time`` (UTC, ISO 8601 with milliseconds), ``level``, ``logger``,
``message`` and, when there is one, ``exception`` (the formatted traceback) and ``stack``.
Either format redacts the secrets it is given (the Discord token, the LLM key) wherever they
appear in a line, so that a library that puts one in an error message does not leak it; the
settings themselves never show them (:class:`bot.config.Secret`).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
REDACTED = "********"
MIN_SECRET = 8  # shorter values are not redacted (they would blank out ordinary words)
# loud libraries, held to WARNING whatever the level asked for
QUIET_LOGGERS = ("discord.http", "aiosqlite", "watchfiles", "aiohttp.access")


class _Redacting(logging.Formatter):
    """A formatter that blanks out secrets in the finished line."""

    def __init__(self, *args: Any, secrets: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.secrets = tuple(sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len,
                                    reverse=True))

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


class TextFormatter(_Redacting):
    """``time level logger: message``, as a person reads it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__(TEXT_FORMAT, secrets=secrets)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(_Redacting):
    """One JSON object a line: ``time``, ``level``, ``logger``, ``message``, ``exception``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # redacted before encoding (a secret with a quote in it would be escaped after);
        # json escapes every newline and control character: the entry stays one line
        return json.dumps({key: self.redact(value) if isinstance(value, str) else value
                           for key, value in entry.items()}, ensure_ascii=False)


def make_formatter(log_format: str, secrets: Iterable[str] = ()) -> logging.Formatter:
    """The formatter for ``log_format`` (``"text"`` or ``"json"``)."""
    if log_format == "json":
        return JsonFormatter(secrets=secrets)
    return TextFormatter(secrets=secrets)


def configure(level: str, log_format: str = "text", *, secrets: Iterable[str] = (),
              stream: TextIO | None = None) -> None:
    """Configure the root logger once, at the entry point: ``level``, the format, and the
    secrets to redact. (Like :func:`logging.basicConfig`, it leaves a root logger that
    already has handlers alone, as under pytest.)"""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(make_formatter(log_format, secrets))
    logging.basicConfig(level=getattr(logging, level, logging.INFO), handlers=[handler])
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
