"""``notecast run`` (the bot, or the console without a token), ``notecast console`` and
``notecast sync-commands``: the commands that connect to Discord or stand in for it.

Each opens the cache and the services with ``async with`` (closed however the command
ends) and, unlike the lookups, syncs the vault as the bot does: the bot in the background
(``VaultSync``), the console once before its first prompt.

``run`` also opens the operations endpoint (``/health``, ``/metrics``; :mod:`bot.ops.server`)
on ``ops_port`` when it is set, beside the bot, and installs the metrics when ``metrics``
is on; both end with the command.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli import runner
from bot.cli.common import AddCommand, CommandFailed, ProgressBar, open_services, say
from bot.config import ENV_VARS, Settings

if TYPE_CHECKING:
    from bot.app.client import NotecastBot
    from bot.ops.metrics import Metrics
    from bot.services import Services

log = logging.getLogger(__name__)

TOKEN_HELP = """\
No Discord token is set, so the bot cannot connect to Discord.

To run it for real:
  1. Create an application at https://discord.com/developers/applications,
     add a bot to it and copy its token.
  2. Invite it with the scopes "bot" and "applications.commands".
  3. Set DISCORD_TOKEN (environment, or a .env your container reads; see config/example.env),
     or DISCORD_TOKEN_FILE to a file that holds it (a Docker secret).
  4. Register the slash commands once: notecast sync-commands --guild <your server id>
  5. notecast run

Meanwhile you can try every command locally, without Discord: notecast console
"""


def add_run_commands(add: AddCommand) -> None:
    run = add("run", "run the bot (the console when no token is set)", cmd_run)
    run.add_argument("--notes", type=Path, help="the vault folder")
    run.add_argument("--db", type=Path, help="the cache file")

    console = add("console", "try the slash commands locally, without Discord", cmd_console)
    console.add_argument("--notes", type=Path, help="the vault folder")
    console.add_argument("--db", type=Path, help="the cache file")

    sync = add("sync-commands", "register the slash commands with Discord", cmd_sync_commands)
    sync.add_argument("--guild", type=int, help="a server id: sync there only, at once")


async def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cli.console import run_console

    interactive = sys.stdin.isatty()
    if interactive:
        where = "the bundled sample notes" if settings.uses_sample_vault else settings.notes_dir
        print(f"Notecast console over {where}. Replies show as the bot would post them.")
    async with open_services(settings, readonly=False) as services:
        # one sync, as the bot's first: a refused one (another vault, a vault that shrank)
        # leaves the cache as it was, and the console answers from that
        await services.vault_sync.sync_now(progress=ProgressBar("loading notes") if interactive else None)
        problem = services.vault_sync.last_error
        if not await services.cache.is_ready():
            raise CommandFailed(f"cannot read the notes: {problem or 'no notes cache'}")
        if problem:
            say(f"{problem} (with `notecast index`); meanwhile answering from the cache as it is")
        return await run_console(services)


def _on_a_terminal() -> bool:
    """Whether someone may type at the console: standard input is a terminal (not a
    container's /dev/null, a pipe or a service's closed input)."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (OSError, ValueError):  # (a closed stream)
        return False


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.token:
        print(TOKEN_HELP, file=sys.stderr)
        if not _on_a_terminal():  # a container or a service: exit, so that it shows
            say("no Discord token, and no terminal for the console: not started")
            return 2
        print("Starting the console instead.\n", file=sys.stderr)
        if settings.log_level == "INFO" and not args.log_level:
            logging.getLogger().setLevel(logging.WARNING)
        return await cmd_console(settings, args)
    from bot.app.client import NotecastBot
    from bot.ops import metrics

    counted = metrics.Metrics() if settings.metrics else None
    metrics.install(counted)
    try:
        # the bot syncs in the background itself, answering "still loading" meanwhile
        async with open_services(settings, readonly=False) as services, \
                NotecastBot(services) as bot, ops_endpoint(settings, bot, services, counted):
            await _run_bot(settings, bot)
    finally:
        metrics.install(None)
    return 0


async def _run_bot(settings: Settings, bot: NotecastBot) -> None:
    import aiohttp
    import discord

    runner.on_stop(bot.close)  # SIGTERM/SIGINT: log out and return from start()
    try:
        await bot.start(settings.token.get())
    except discord.LoginFailure:
        raise CommandFailed("Discord refused the token (DISCORD_TOKEN). Check it and "
                            "try again.", exit_code=1) from None
    except (OSError, aiohttp.ClientError, discord.HTTPException) as exc:
        raise CommandFailed(f"cannot reach Discord: {exc}", exit_code=1) from None
    finally:
        runner.on_stop(None)


@contextlib.asynccontextmanager
async def ops_endpoint(settings: Settings, bot: NotecastBot, services: Services,
                       counted: Metrics | None) -> AsyncIterator[None]:
    """The operations endpoint on ``ops_host:ops_port`` while the bot runs (none: port 0)."""
    if not settings.ops_port:
        if counted is not None:
            log.warning("metrics are on but %s is 0: /metrics is not served",
                        ENV_VARS["ops_port"])
        yield
        return
    from bot.ops.probe import HealthProbe
    from bot.ops.server import OpsServer

    probe = HealthProbe(bot.gateway, services.vault_sync, settings.resync_minutes)
    server = OpsServer(settings.ops_host, settings.ops_port, probe.check, counted)
    try:
        await server.start()
    except OSError as exc:
        raise CommandFailed(
            f"cannot serve the health endpoint on {settings.ops_host}:{settings.ops_port} "
            f"({exc.strerror or exc}): set {ENV_VARS['ops_port']} to a free port, or 0 "
            "for none") from None
    try:
        yield
    finally:
        await server.stop()


async def cmd_sync_commands(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.token:
        print(TOKEN_HELP, file=sys.stderr)
        return 2
    import aiohttp
    import discord

    from bot.app.client import NotecastBot, sync_command_tree

    guild_id = args.guild or settings.dev_guild_id
    async with open_services(settings, readonly=False) as services, \
            NotecastBot(services, start_sync=False) as bot:
        try:
            await bot.login(settings.token.get())
            synced, where = await sync_command_tree(bot, guild_id)
        except discord.LoginFailure:
            raise CommandFailed("Discord refused the token (DISCORD_TOKEN).", exit_code=1) from None
        except (OSError, aiohttp.ClientError, discord.HTTPException) as exc:
            raise CommandFailed(f"cannot reach Discord: {exc}", exit_code=1) from None
    names = ", ".join(f"/{c.name}" for c in synced)
    print(f"synced {len(synced)} commands to {where}: {names}")
    return 0
