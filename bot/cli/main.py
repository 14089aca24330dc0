"""The ``notecast`` command line: index, stats, run, console, sync-commands and lookups.

``main()`` is the only entry point. It configures logging once, reads the settings, opens
the notes cache (``async with``) and hands it to whatever runs: the bot, the console or a
one-shot command. Nothing happens at import time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from bot.cache.store import NotesCache, VaultUnavailable
from bot.config import ConfigError, Settings, load_settings

log = logging.getLogger(__name__)

TOKEN_HELP = """\
No Discord token is set, so the bot cannot connect to Discord.

To run it for real:
  1. Create an application at https://discord.com/developers/applications,
     add a bot to it and copy its token.
  2. Invite it with the scopes "bot" and "applications.commands".
  3. Set DISCORD_TOKEN (environment, or a .env your container reads; see config/example.env).
  4. Register the slash commands once: notecast sync-commands --guild <your server id>
  5. notecast run

Meanwhile you can try every command locally, without Discord: notecast console
"""


# Commands whose standard output is a reply: routine INFO lines would only clutter it.
QUIET_COMMANDS = frozenset({"console", "topic", "search", "related"})


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("discord.http").setLevel(logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)


class ProgressBar:
    """A one-line progress bar on a terminal; silent elsewhere."""

    def __init__(self, label: str, stream: Any = sys.stderr) -> None:
        self.label = label
        self.stream = stream
        self.enabled = bool(getattr(stream, "isatty", lambda: False)())
        self._last = -1

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        percent = done * 100 // total
        if percent == self._last and done != total:
            return
        self._last = percent
        filled = percent * 30 // 100
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=None))


# --------------------------------------------------------------------------- commands

async def cmd_index(settings: Settings, args: argparse.Namespace) -> int:
    async with NotesCache(settings.db, workers=settings.index_workers) as cache:
        try:
            report = await cache.sync(settings.notes_dir,
                                      progress=None if args.json else ProgressBar("indexing"))
        except VaultUnavailable as exc:
            print(f"notecast: cannot index: {exc}", file=sys.stderr)
            return 1
    if args.json:
        _print_json(report.as_dict())
        return 0
    counts = report.counts
    print(f"{counts.notes:,} notes in {counts.channels} channels ({counts.hubs} hub files, "
          f"{counts.episodes:,} episodes), {counts.sections:,} sections, {counts.links:,} links, "
          f"{counts.timestamps:,} timestamps, {counts.blockquotes:,} blockquotes")
    print(f"{report.mode} sync: {report.parsed:,} parsed, {report.unchanged:,} unchanged, "
          f"{report.removed:,} removed, {len(report.skipped):,} skipped in {report.seconds:.2f}s")
    for skipped in report.skipped[:20]:
        print(f"  skipped {skipped.path}: {skipped.reason}")
    if len(report.skipped) > 20:
        print(f"  ... and {len(report.skipped) - 20} more (notecast stats --json lists them all)")
    return 0


async def cmd_stats(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.db.exists():
        print(f"notecast: no cache at {settings.db} yet; run: notecast index", file=sys.stderr)
        return 1
    async with NotesCache(settings.db) as cache:
        stats = await cache.stats()
    if args.json:
        _print_json(stats.as_dict())
        return 0
    counts = stats.counts
    when = stats.last_sync.isoformat(timespec="seconds") if stats.last_sync else "never"
    print(f"cache {settings.db} (notes from {stats.notes_dir or '?'}), last sync {when}")
    print(f"{counts.notes:,} notes, {counts.channels} channels, {counts.hubs} hubs, "
          f"{counts.episodes:,} episodes, {counts.sections:,} sections, {counts.links:,} links, "
          f"{counts.timestamps:,} timestamps ({counts.repaired_timestamps:,} read as MM:SS), "
          f"{counts.blockquotes:,} blockquotes")
    print(f"{len(stats.skipped)} skipped file(s):")
    for skipped in stats.skipped:
        print(f"  {skipped.path}: {skipped.reason}")
    return 0


async def _with_services(settings: Settings, body: Callable[[Any], Awaitable[int]],
                         *, sync: bool = True, quiet: bool = False) -> int:
    """Open the cache, build the services, sync once (unless told not to), run ``body``."""
    from bot.services import Services

    async with NotesCache(settings.db, workers=settings.index_workers) as cache:
        services = Services.build(settings, cache)
        try:
            if sync:
                bar = None if quiet else ProgressBar("loading notes")
                report = await services.vault_sync.sync_now(progress=bar)
                if report is None and not await cache.is_ready():
                    print(f"notecast: cannot read the notes: {services.vault_sync.last_error}",
                          file=sys.stderr)
                    return 1
            return await body(services)
        finally:
            await services.topics.aclose()


async def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cli.console import run_console


    if sys.stdin.isatty():
        where = "the bundled sample notes" if settings.uses_sample_vault else settings.notes_dir
        print(f"Notecast console over {where}. Replies show as the bot would post them.")
    return await _with_services(settings, run_console, quiet=not sys.stdin.isatty())


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.token:
        print(TOKEN_HELP, file=sys.stderr)
        print("Starting the console instead.\n", file=sys.stderr)
        if settings.log_level == "INFO" and not args.log_level:
            logging.getLogger().setLevel(logging.WARNING)
        return await cmd_console(settings, args)
    import aiohttp
    import discord

    from bot.app.client import NotecastBot

    async def start(services: Any) -> int:
        bot = NotecastBot(services)
        async with bot:
            try:
                await bot.start(settings.token.get())
            except discord.LoginFailure:
                print("notecast: Discord refused the token (DISCORD_TOKEN). Check it and try "
                      "again.", file=sys.stderr)
                return 1
            except (OSError, aiohttp.ClientError, discord.HTTPException) as exc:
                print(f"notecast: cannot reach Discord: {exc}", file=sys.stderr)
                return 1
        return 0

    # the bot syncs in the background itself, answering "still loading" meanwhile
    return await _with_services(settings, start, sync=False)


async def cmd_sync_commands(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.token:
        print(TOKEN_HELP, file=sys.stderr)
        return 2
    import aiohttp
    import discord

    from bot.app.client import NotecastBot, sync_command_tree

    guild_id = args.guild or settings.dev_guild_id

    async def sync(services: Any) -> int:
        bot = NotecastBot(services, start_sync=False)
        async with bot:
            try:
                await bot.login(settings.token.get())
                synced, where = await sync_command_tree(bot, guild_id)
            except discord.LoginFailure:
                print("notecast: Discord refused the token (DISCORD_TOKEN).", file=sys.stderr)
                return 1
            except (OSError, aiohttp.ClientError, discord.HTTPException) as exc:
                print(f"notecast: cannot reach Discord: {exc}", file=sys.stderr)
                return 1
        names = ", ".join(f"/{c.name}" for c in synced)
        print(f"synced {len(synced)} commands to {where}: {names}")
        return 0

    return await _with_services(settings, sync, sync=False)


# --------------------------------------------------------------------------- parser

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="notecast",
        description="A Discord bot that serves a vault of episode notes.",
    )
    parser.add_argument("--config", type=Path, help="settings file (default: config/notecast.toml)")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str, handler: Callable[..., Awaitable[int]]) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        return command

    index = add("index", "sync the notes cache with the vault", cmd_index)
    index.add_argument("--notes", type=Path, help="the vault folder")
    index.add_argument("--db", type=Path, help="the cache file")
    index.add_argument("--json", action="store_true", help="print one JSON object")

    stats = add("stats", "what the cache holds, without syncing", cmd_stats)
    stats.add_argument("--db", type=Path, help="the cache file")
    stats.add_argument("--json", action="store_true", help="print one JSON object")

    run = add("run", "run the bot (the console when no token is set)", cmd_run)
    run.add_argument("--notes", type=Path, help="the vault folder")
    run.add_argument("--db", type=Path, help="the cache file")

    console = add("console", "try the slash commands locally, without Discord", cmd_console)
    console.add_argument("--notes", type=Path, help="the vault folder")
    console.add_argument("--db", type=Path, help="the cache file")

    sync = add("sync-commands", "register the slash commands with Discord", cmd_sync_commands)
    sync.add_argument("--guild", type=int, help="a server id: sync there only, at once")

    from bot.cli.lookups import add_lookup_commands

    add_lookup_commands(add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    overrides = {
        "notes_dir": getattr(args, "notes", None),
        "db": getattr(args, "db", None),
        "log_level": args.log_level,
    }
    try:
        settings = load_settings(args.config, **overrides)
    except ConfigError as exc:
        print(f"notecast: {exc}", file=sys.stderr)
        return 2
    level = settings.log_level
    if args.command in QUIET_COMMANDS and level == "INFO" and not args.log_level:
        level = "WARNING"  # their output is the reply: keep it readable
    configure_logging(level)
    log.debug("settings: %r", settings)
    try:
        return asyncio.run(args.handler(settings, args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
