"""``notecast health``: asks the running bot whether it is healthy.

It reads the bot's ``GET /health`` on the ops port (``ops_port``, ``NOTECAST_OPS_PORT``) of
this machine and prints one line. Exit codes: 0 healthy, 1 unhealthy (the line says which
check failed), 2 when no bot answers there, or the ops port is off. A container's
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
    health.add_argument("--json", action="store_true", help="print the bot's whole answer")


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


async def cmd_health(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.ops_port:
        raise CommandFailed(f"the bot's health endpoint is off: set {ENV_VARS['ops_port']} "
                            "(ops_port) to a port, for the bot and for this command alike")
    host, port = _host(settings), settings.ops_port
    try:
        status, text = await ask(host, port)
        body = json.loads(text)
        if status not in (200, 503) or not isinstance(body, dict):
            raise ValueError(f"HTTP {status}")
    except (OSError, TimeoutError, ValueError) as exc:
        why = ("no answer in time" if isinstance(exc, TimeoutError)
               else "connection refused" if isinstance(exc, ConnectionRefusedError)
               else exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc))
        raise CommandFailed(f"no Notecast bot answers at http://{host}:{port}/health ({why}): "
                            "is `notecast run` running, with the same "
                            f"{ENV_VARS['ops_port']}?") from None
    print(json.dumps(body, ensure_ascii=False) if args.json else summary(body))
    return 0 if status == 200 else 1
