"""``notecast console``: type a slash command as in Discord, see the reply as the bot posts it.

The console calls the same reply builders as the cogs (each extension's
``CONSOLE_COMMANDS``) and prints the result with :func:`cogs.replies.reply_to_text`. It
needs no token and no network, so it is the way to try Notecast on a fresh machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import threading
from typing import TextIO

from bot.errors import UserFacingError
from bot.services import Services
from cogs import console_commands
from cogs.replies import ConsoleCommand, reply_to_text

log = logging.getLogger(__name__)

PROMPT = "notecast> "


class ConsoleInputError(UserFacingError):
    pass


# commands the console cannot offer, and why
DISCORD_ONLY = {
    "qotd": "it posts in a Discord server's channel, on that server's schedule",
    "about": "it describes the running bot's connection to Discord",
    "reload": "it syncs the running bot; here, the console synced when it started",
}


def parse_command_line(line: str, commands: dict[str, ConsoleCommand]) -> tuple[ConsoleCommand, dict[str, str]]:
    """``/topic black holes channel:lexfridman`` -> (topic, {"query": "black holes",
    "channel": "lexfridman"}). Text before any ``option:`` goes to the first option."""
    line = line.strip()
    if line.startswith("/"):
        line = line[1:]
    name, _, rest = line.partition(" ")
    command = commands.get(name.lower())
    if command is None:
        known = ", ".join(f"/{n}" for n in sorted(commands))
        if name.lower() in DISCORD_ONLY:
            raise ConsoleInputError(f"/{name.lower()} works only in Discord: {DISCORD_ONLY[name.lower()]}. "
                                    f"Here: {known}")
        raise ConsoleInputError(f"There is no /{name}. Commands: {known}")
    options: dict[str, str] = {}
    if command.options:
        names = "|".join(re.escape(o) for o in command.options)
        pieces = re.split(rf"(?:^|\s)({names}):", rest)
        free = pieces[0].strip()
        if free:
            options[command.options[0]] = free
        for key, value in zip(pieces[1::2], pieces[2::2], strict=False):
            options[key] = value.strip()
    elif rest.strip():
        raise ConsoleInputError(f"/{command.name} takes no options.")
    missing = [o for o in command.required if not options.get(o)]
    if missing:
        raise ConsoleInputError(f"/{command.name} needs {', '.join(missing)}.")
    return command, options


def help_text(commands: dict[str, ConsoleCommand]) -> str:
    lines = ["Type a slash command as you would in Discord:"]
    for command in sorted(commands.values(), key=lambda c: c.name):
        usage = " ".join(
            f"<{o}>" if i == 0 else f"[{o}:...]" for i, o in enumerate(command.options)
        )
        lines.append(f"  /{command.name} {usage}".rstrip() + f"  - {command.description}")
    lines.append("  help, quit")
    return "\n".join(lines)


async def run_line(services: Services, line: str, commands: dict[str, ConsoleCommand]) -> str:
    """One console line to the text of its reply (errors as the member would see them)."""
    try:
        command, options = parse_command_line(line, commands)
        reply = await command.handler(services, options)
    except UserFacingError as exc:
        return f"(only you can see this)\n{exc}"
    except Exception:
        log.exception("console command failed: %s", line)
        return "(only you can see this)\nSorry, something went wrong on my side. It has been logged."
    return reply_to_text(reply)


async def run_console(services: Services, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    commands = console_commands()
    interactive = stdin.isatty()
    if interactive:
        print(help_text(commands), file=stdout)
    while True:
        if interactive:
            print(PROMPT, end="", file=stdout, flush=True)
        line = await _read_line(stdin)
        if not line:
            break
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line in ("quit", "exit", "/quit"):
            break
        if line in ("help", "/help", "?"):
            print(help_text(commands), file=stdout)
            continue
        print(await run_line(services, line, commands), file=stdout, flush=True)
        if not interactive:
            print(file=stdout)
    return 0


async def _read_line(stdin: TextIO) -> str:
    """The next line of ``stdin``, read in a daemon thread: a console that is stopped (a
    signal cancels this) never waits at exit for a thread blocked on an open pipe, as a
    thread of the default executor would."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str] = loop.create_future()

    def deliver(line: str | BaseException) -> None:
        if future.done():
            return
        if isinstance(line, BaseException):
            future.set_exception(line)
        else:
            future.set_result(line)

    def read() -> None:
        try:
            line: str | BaseException = stdin.readline()
        except (OSError, ValueError) as exc:
            line = exc
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits for it
            loop.call_soon_threadsafe(deliver, line)

    threading.Thread(target=read, name="notecast-console-input", daemon=True).start()
    return await future
