"""What every ``notecast`` command shares: output, logging, expected errors, the services.

Imports here are light on purpose: a lookup has a 0.8 s budget in all, so the cache, the
search index and above all discord.py are imported only by the commands that use them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from bot.config import SECRETS, ConfigError, Settings

if TYPE_CHECKING:
    from bot.cache.store import NotesCache
    from bot.services import Services

log = logging.getLogger(__name__)

PROG = "notecast"

Handler = Callable[[Settings, argparse.Namespace], Awaitable[int]]
# add(name, help, handler, description=None) -> the subcommand's parser (see bot.cli.main)
AddCommand = Callable[..., argparse.ArgumentParser]


class CommandFailed(Exception):
    """An expected failure of a command: ``notecast: <message>`` and ``exit_code``."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def expected_errors() -> tuple[type[BaseException], ...]:
    """The errors that are the user's to fix, shown as one line (exit code 2), never a
    traceback: bad settings, a cache that is not ours or cannot be used, a vault that is
    missing or refused."""
    from bot.cache.errors import CacheError  # (VaultUnavailable is one)
    from bot.state.errors import StateError

    return (CommandFailed, ConfigError, CacheError, StateError)


class _Redaction:
    """The secrets that ``say`` blanks out: those of the settings once they are read
    (:func:`redact_secrets`), those of the environment before."""

    secrets: tuple[str, ...] = ()


def settings_secrets(settings: Settings) -> tuple[str, ...]:
    """Every secret the settings hold (the token, the LLM key, the state DSN)."""
    return tuple(getattr(settings, name).get() for name in SECRETS)


def environment_secrets(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The secrets set in the environment: all there is to redact before the settings
    are read (a ``<SECRET>_FILE`` is not read for it)."""
    env = os.environ if environ is None else environ
    return tuple(env.get(var, "").strip() for var in SECRETS.values())


def redact_secrets(secrets: Iterable[str]) -> None:
    """From now on, ``say`` (and :func:`redact`) blank out ``secrets``."""
    _Redaction.secrets = tuple(secrets)


def redact(text: str) -> str:
    """``text`` with every secret given to :func:`redact_secrets` blanked out, as the log
    does it (:mod:`bot.ops.logs`)."""
    from bot.ops.logs import TextFormatter

    return TextFormatter(_Redaction.secrets).redact(text) if _Redaction.secrets else text


def say(message: str) -> None:
    """One line for the user on stderr, prefixed with the program's name, with no secret
    in it (a path or a value the user typed may hold one)."""
    print(f"{PROG}: {redact(message)}", file=sys.stderr, flush=True)


def configure_logging(level: str, settings: Settings | None = None) -> None:
    """The log, once, at the entry point: ``level``, and the settings' ``log_format`` (text,
    or one JSON object a line) with their secrets redacted (:mod:`bot.ops.logs`)."""
    from bot.ops.logs import configure

    secrets = () if settings is None else settings_secrets(settings)
    configure(level, settings.log_format if settings is not None else "text", secrets=secrets)


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False))


def quiet_broken_pipe() -> None:
    """Standard output was closed by its reader (``notecast stats --json | head``): send
    what is left to /dev/null, so that the flush at exit raises nothing either."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


class ProgressBar:
    """A one-line progress bar on a terminal; silent elsewhere."""

    def __init__(self, label: str, stream: Any = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
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


def writer_cache(settings: Settings) -> NotesCache:
    """The cache as the commands that sync it open it (``index``, ``run``, ``console``):
    with the search's tables, built and updated with the notes, so that a lookup or a
    start loads the search index instead of computing it."""
    from bot.cache.store import NotesCache
    from bot.quotes.store import QuoteTables
    from bot.search import SearchTables

    return NotesCache(settings.db, workers=settings.index_workers,
                      derived=[SearchTables(), QuoteTables()])


@contextlib.asynccontextmanager
async def open_services(settings: Settings, *, readonly: bool) -> AsyncIterator[Services]:
    """The cache and the services over it, closed on the way out, however it is left.

    ``readonly``: the lookups (``stats``, ``topic``, ``search``, ``related``) answer from
    what the cache holds, whatever vault it was built from, and never create, sync or
    rebuild it; a missing, outdated or foreign cache file is a :class:`CacheError`.

    The state database (``state_db``) is opened (created, migrated) after the cache and
    closed after the services; a lookup opens it only when the abstractive summarizer,
    which keeps its cache and budgets there, is configured. A foreign or newer file is a
    :class:`~bot.state.errors.StateError`.
    """
    from bot.cache.store import NotesCache
    from bot.services import Services
    from bot.state.store import open_configured_state  # (PostgreSQL when state_dsn is set)

    cache = NotesCache(settings.db, readonly=True) if readonly else writer_cache(settings)
    needs_state = not readonly or settings.summarizer == "abstractive"
    state = open_configured_state(settings) if needs_state else contextlib.nullcontext(None)
    async with cache, state as opened:
        services = Services.build(settings, cache, syncs=not readonly, state=opened)
        try:
            yield services
        finally:
            try:
                await services.vault_sync.stop()  # (a sync in flight is abandoned cleanly)
            finally:
                try:
                    await services.quotes.aclose()
                finally:
                    await services.topics.aclose()  # the search's readers, before the cache
