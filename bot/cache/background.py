"""Keeps the notes cache in step with the vault while the bot runs.

:class:`VaultSync` runs the first sync in the background at start-up (commands answer
"still loading" meanwhile, unless a previous run left a complete cache, which is served at
once), then re-syncs every ``interval`` minutes so that edits to the vault show up without
a restart, and at once when a read finds the cache damaged (it is rebuilt; "still loading"
only while there is nothing sound to serve). A failed or refused sync (another vault, a
vault that shrank or is gone) is logged, once per cause, and retried on the next round; it
never stops the loop and never changes the cache. :meth:`VaultSync.stop` cancels a running
sync, which removes its side files and workers, within a couple of seconds.

:meth:`VaultSync.request_sync` (the vault watcher, :mod:`bot.vault.watch`) asks the loop for
a sync soon: any number of requests before it starts make one sync, and a request during a
sync makes one more after it. Each sync's outcome is counted (:mod:`bot.ops.metrics`) and
kept for the health check: ``last_ok_at`` (on ``clock``) and ``vault_missing``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bot.cache.errors import VaultMismatch, VaultUnavailable
from bot.cache.records import ProgressCallback, SyncReport
from bot.cache.store import NotesCache
from bot.errors import NotesLoading, NotesUnavailable
from bot.ops import metrics

log = logging.getLogger(__name__)


class VaultSync:
    def __init__(self, cache: NotesCache, notes_dir: Path, interval_minutes: float = 10.0,
                 after_sync: Sequence[Callable[[], Awaitable[None]]] = (),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.cache = cache
        self.after_sync = list(after_sync)  # e.g. warm the search index before members type
        self.notes_dir = notes_dir
        self.interval = interval_minutes * 60
        self.last_report: SyncReport | None = None
        self.last_error: str | None = None
        self._first_done = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._served_from_previous_run = False
        self._syncing = False
        self._logged_cause: str | None = None  # the refusal last logged (logged once)
        self.clock = clock
        self.last_ok_at: float | None = None  # when a sync last succeeded, on ``clock``
        self.vault_missing: str | None = None  # the last sync refused: the vault is gone/emptied
        self.last_outcome: str | None = None  # the last sync's: ok, refused or failed
        self._wanted = asyncio.Event()  # a sync was asked for (request_sync)

    def request_sync(self) -> None:
        """Ask the background loop for a sync as soon as it can (returns at once)."""
        self._wanted.set()

    async def start(self) -> None:
        """Start syncing in the background (returns at once)."""
        if self._task is not None:
            return
        self._served_from_previous_run = await self.cache.is_ready()
        self._task = asyncio.create_task(self._run(), name="notecast-vault-sync")

    async def stop(self) -> None:
        """Stop the loop; a sync under way is cancelled (and cleans up after itself)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @property
    def loading(self) -> bool:
        """True while there is no complete cache to answer from."""
        if self.cache.damaged:
            return self._syncing or (self._task is not None and not self._task.done())
        return not self._first_done.is_set() and not self._served_from_previous_run

    async def wait_first_sync(self) -> None:
        await self._first_done.wait()

    async def require_ready(self) -> None:
        """Raise a user-facing error when commands cannot be answered yet."""
        if self.loading:
            raise NotesLoading()
        if not await self.cache.is_ready():
            raise NotesUnavailable()

    async def sync_now(self, progress: ProgressCallback | None = None) -> SyncReport | None:
        """One sync; failures are logged and kept in ``last_error``, never raised."""
        self._syncing = True
        started = self.clock()
        try:
            report = await self.cache.sync(self.notes_dir, progress=progress)
        except (VaultUnavailable, VaultMismatch) as exc:
            self.last_error = str(exc)
            self.vault_missing = str(exc) if isinstance(exc, VaultUnavailable) else None
            self.last_outcome = "refused"
            metrics.sync("refused", self.clock() - started)
            cause = f"{type(exc).__name__}: {exc}"
            if cause != self._logged_cause:  # once per cause, not every round
                self._logged_cause = cause
                log.error("cannot sync the notes, sync refused: %s (the cache is unchanged)", exc)
            return None
        except Exception as exc:  # keep the bot up; the next round tries again
            self.last_error = f"{type(exc).__name__}: {exc}"
            self.last_outcome = "failed"
            metrics.sync("failed", self.clock() - started)
            log.exception("notes sync failed (the cache is unchanged)")
            return None
        else:
            self.last_report, self.last_error, self._logged_cause = report, None, None
            self.vault_missing, self.last_outcome = None, "ok"
            self.last_ok_at = self.clock()
            metrics.sync("ok", self.clock() - started, report.parsed + report.removed)
            for hook in self.after_sync:
                try:
                    await hook()
                except Exception:
                    log.exception("after a sync, %s failed", getattr(hook, "__qualname__", hook))
            return report
        finally:
            self._syncing = False
            self._first_done.set()

    async def _run(self) -> None:
        await self.sync_now()
        while True:
            limit = self.interval if self.interval > 0 else None  # (0: no periodic sync)
            if not self.cache.damaged:  # a round, a damaged cache or a request brings a sync
                await self._wait_for(self.cache.damage_found, self._wanted, limit=limit)
            else:  # damaged, and the last rebuild failed: wait a round, or a request
                await self._wait_for(self._wanted, limit=limit)
            self._wanted.clear()  # (a request during the sync brings one more)
            await self.sync_now()

    @staticmethod
    async def _wait_for(*events: asyncio.Event, limit: float | None) -> None:
        """Until one of ``events`` is set or ``limit`` seconds pass (None: no limit)."""
        waiters = [asyncio.ensure_future(event.wait()) for event in events]
        try:
            await asyncio.wait(waiters, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
