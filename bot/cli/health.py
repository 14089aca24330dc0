"""``notecast health``: asks the running bot whether it is healthy.

It reads the bot's ``GET /health`` on the ops port (``ops_port``, ``NOTECAST_OPS_PORT``) of
this machine and prints one line (``--json``: one JSON object, whatever the outcome). Exit
codes: 0 healthy, 1 unhealthy (the line says which check failed), 2 when no bot answers
there (nothing does, or another program does), or the ops port is off. A container's
``HEALTHCHECK`` runs it. It imports nothing heavy (no HTTP library: one request over a
socket), so that it answers well within the command line's budget.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from bot.cli.common import AddCommand, CommandFailed
from bot.config import ENV_VARS, Settings

ASK_WITHIN = 5.0  # seconds for the whole request
MAX_ANSWER = 64 * 1024
WILDCARDS = frozenset({"", "0.0.0.0", "::", "[::]", "*"})


def add_health_command(add: AddCommand) -> None:
    health = add("health", "ask the running bot whether it is healthy",
                 cmd_health, "Exit code 0: healthy; 1: unhealthy; 2: no bot answers.")
    health.add_argument("--json", action="store_true", help=(
        "print one JSON object: the bot's whole answer with \"healthy\", or, when no bot "
        "answers, {\"healthy\": false, \"status\": off|unreachable|not-notecast, \"reason\"}"))


def _host(settings: Settings) -> str:
    """Where to ask: the ops host, or this machine when the bot listens on every address."""
    host = settings.ops_host.strip()
    return "127.0.0.1" if host in WILDCARDS else host.strip("[]")


async def ask(host: str, port: int, path: str = "/health") -> tuple[int, str]:
    """One HTTP/1.0 GET: the status code and the body. Raises OSError, TimeoutError or
    ValueError (an answer that is not HTTP)."""
    async with asyncio.timeout(ASK_WITHIN):
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(f"GET {path} HTTP/1.0\r\nHost: {host}\r\nAccept: application/json\r\n"
                         "Connection: close\r\n\r\n".encode("ascii"))
            await writer.drain()
            raw = await reader.read(MAX_ANSWER)
            while len(raw) < MAX_ANSWER:
                more = await reader.read(MAX_ANSWER - len(raw))
                if not more:
                    break
                raw += more
        finally:
            writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status_line.split()
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP answer: {status_line[:80]!r}")
    return int(parts[1]), body.decode("utf-8", errors="replace")


def summary(body: dict[str, Any]) -> str:
    """The bot's answer in one line: the failed checks, or every check when healthy."""
    checks = body.get("checks") if isinstance(body.get("checks"), dict) else {}
    items = [(str(name), c) for name, c in (checks or {}).items() if isinstance(c, dict)]
    failed = [(name, c) for name, c in items if not c.get("ok")]
    shown = failed or items
    status = str(body.get("status") or ("unhealthy" if failed else "healthy"))
    details = "; ".join(f"{name}: {' '.join(str(c.get('detail', '')).split())}"
                        for name, c in shown)
    return f"{status}: {details}" if details else status


class NoBot(Exception):
    """No Notecast bot answers: ``status`` (``off``, ``unreachable``, ``not-notecast``) and
    the one line that says why."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def _is_notecast(body: object) -> bool:
    """The shape of the bot's ``/health`` answer: ``{"status": ..., "checks": {...}}``."""
    return (isinstance(body, dict) and body.get("status") in ("healthy", "unhealthy")
            and isinstance(body.get("checks"), dict))


async def _ask_the_bot(settings: Settings) -> tuple[int, dict[str, Any]]:
    """The bot's status code and answer, or :class:`NoBot`."""
    var = ENV_VARS["ops_port"]
    if not settings.ops_port:
        raise NoBot("off", f"the bot's health endpoint is off: set {var} (ops_port) to a "
                           "port, for the bot and for this command alike")
    host, port = _host(settings), settings.ops_port
    where = f"http://{host}:{port}/health"
    try:
        status, text = await ask(host, port)
    except (OSError, TimeoutError, ValueError) as exc:
        if isinstance(exc, ValueError):  # (an answer, but not HTTP)
            raise NoBot("not-notecast", f"something else answers on port {port}: not a "
                        f"Notecast bot (not HTTP); is {var} the bot's?") from None
        why = ("no answer in time" if isinstance(exc, TimeoutError)
               else "connection refused" if isinstance(exc, ConnectionRefusedError)
               else exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc))
        raise NoBot("unreachable", f"no Notecast bot answers at {where} ({why}): is "
                                   f"`notecast run` running, with the same {var}?") from None
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if status not in (200, 503) or not _is_notecast(body):
        raise NoBot("not-notecast", f"something else answers on port {port}: not a Notecast "
                                    f"bot (HTTP {status} for /health); is {var} the bot's?")
    return status, body


async def cmd_health(settings: Settings, args: argparse.Namespace) -> int:
    try:
        status, body = await _ask_the_bot(settings)
    except NoBot as exc:
        if not args.json:
            raise CommandFailed(str(exc)) from None
        print(json.dumps({"healthy": False, "status": exc.status, "reason": str(exc)},
                         ensure_ascii=False))
        return 2
    if args.json:
        print(json.dumps({"healthy": status == 200, **body}, ensure_ascii=False))
    else:
        print(summary(body))
    return 0 if status == 200 else 1
