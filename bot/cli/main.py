"""The ``notecast`` command line: the parser and ``main()``, its only entry point.

``main()`` reads the settings, configures logging once and runs the chosen command (see
:mod:`bot.cli.index`, :mod:`bot.cli.lookups`, :mod:`bot.cli.run`) under
:func:`bot.cli.runner.run`, which stops it cleanly on SIGTERM and SIGINT. An expected
failure (bad settings, a cache or vault that cannot be used) is one line on stderr,
``notecast: <message>``, with exit code 2; never a traceback. Nothing happens at import
time, and the commands import what they need only when they run.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from bot.cli import runner
from bot.cli.common import (
    Handler,
    configure_logging,
    environment_secrets,
    expected_errors,
    quiet_broken_pipe,
    redact,
    redact_secrets,
    say,
    settings_secrets,
)
from bot.cli.health import add_health_command
from bot.cli.index import add_index_command
from bot.cli.lookups import add_lookup_commands
from bot.cli.quotes import add_quote_commands
from bot.cli.run import add_run_commands
from bot.cli.summarize import add_summarize_command
from bot.config import ConfigError, describe_source, load_settings

log = logging.getLogger(__name__)

# Commands whose standard output is a reply or a report: routine INFO lines would clutter it.
STRAY_THREAD_GRACE = 2.0  # seconds threads get to end after a stop by a signal
QUIET_COMMANDS = frozenset({"console", "stats", "topic", "search", "related", "quote",
                            "quotes", "summarize", "health"})


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose one-line errors (``notecast topic: error: ...``, which may
    quote a value typed) go through the same redaction as ``say``."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {redact(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="notecast",
        description="A Discord bot that serves a vault of episode notes.",
    )
    parser.add_argument("--config", type=Path, help=(
        "settings file (default: $NOTECAST_CONFIG, ./config/notecast.toml, then "
        "~/.config/notecast/notecast.toml)"))
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str, handler: Handler,
            description: str | None = None) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text,
                                 description=f"{help_text}. {description}" if description else help_text)
        command.set_defaults(handler=handler)
        return command

    add_index_command(add)
    add_lookup_commands(add)
    add_quote_commands(add)
    add_summarize_command(add)
    add_run_commands(add)
    add_health_command(add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The entry point of ``notecast`` and ``python -m bot``: :func:`run_cli`, then, when
    a signal stopped the command, an exit that waits for no stray thread."""
    code = run_cli(argv)
    if code in (130, 143):
        _exit_now_if_stuck(code)
    return code


def run_cli(argv: Sequence[str] | None = None) -> int:
    """The command line, returning its exit code (the tests call this)."""
    redact_secrets(environment_secrets())  # (until the settings name them all)
    args = build_parser().parse_args(argv)
    try:
        return _main(args)
    except KeyboardInterrupt:  # Ctrl-C before the command's signal handlers were set
        say("interrupted")
        return 130


def _exit_now_if_stuck(code: int) -> None:
    """After a stop by a signal the command has cleaned up (its ``async with`` blocks ran),
    but a library thread may still be waiting (a process pool's manager thread for a
    worker that never started, say), and Python joins such threads at exit, for ever.
    Give them a moment, then leave without them: the user asked us to stop."""
    deadline = time.monotonic() + STRAY_THREAD_GRACE
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() and not t.daemon and t is not threading.current_thread()
           for t in threading.enumerate()):
        log.warning("a thread did not end after the stop: exiting without it")
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _main(args: argparse.Namespace) -> int:
    overrides = {
        "notes_dir": getattr(args, "notes", None),
        "db": getattr(args, "db", None),
        "log_level": args.log_level,
    }
    try:
        settings = load_settings(args.config, **overrides)
    except ConfigError as exc:
        say(str(exc))
        return 2
    redact_secrets(settings_secrets(settings))  # (say blanks them out, as the log does)
    level = settings.log_level
    if args.command in QUIET_COMMANDS and level == "INFO" and not args.log_level:
        level = "WARNING"  # their output is the reply: keep it readable
    configure_logging(level, settings)
    log.info("settings: %s", describe_source(settings))
    log.debug("settings: %r", settings)
    expected = expected_errors()
    try:
        code = runner.run(args.handler(settings, args))
        sys.stdout.flush()  # (here, where a closed pipe can still be caught)
    except expected as exc:
        say(str(exc))
        return getattr(exc, "exit_code", 2)
    except runner.Interrupted as exc:
        say(str(exc))
        return exc.exit_code
    except BrokenPipeError:
        quiet_broken_pipe()
        return 0
    return code


if __name__ == "__main__":
    raise SystemExit(main())
