"""Hot reload: the vault is watched, and a change brings a sync without waiting for the
next periodic round (which stays, as the safety net).

:class:`VaultWatcher` runs ``watchfiles`` in a thread of its own (setting up the watch, or a
poll's first scan of a large vault, never holds up the event loop) and hands each batch of
changes to the loop, which waits until the vault has been quiet for ``debounce`` seconds
(at most :data:`MAX_DELAY_ROUNDS` times that, for a vault that never stops changing), then
calls ``on_change`` once: ``VaultSync.request_sync``. So a burst of edits, or a whole vault
copied in, makes one sync.

Modes (``watch_vault``): ``events`` (inotify and its equals), ``poll`` (the folder is
scanned every ``watch_poll_seconds``: for network mounts, where events do not arrive),
``auto`` (events; polling when events cannot be set up, e.g. the system's limit of watches
is reached, or when ``WATCHFILES_FORCE_POLLING`` asks for it), ``off``.

Hidden files and folders (``.obsidian/``, ``.trash/``, ``.git/``) and editors' temporary
files are not watched. A vault folder that vanishes (an unmounted volume) is not a crash:
the watcher says so once, asks for a sync (which refuses to empty the cache, and the health
check turns unhealthy), and watches again when the folder is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.cache.background import VaultSync
    from bot.config import Settings

log = logging.getLogger(__name__)

MODES = ("auto", "events", "poll", "off")
MAX_DELAY_ROUNDS = 10  # a vault that keeps changing is synced at least this often (debounces)
RETRY_SECONDS = 5.0  # a missing vault folder is looked for again this often
CHECK_SECONDS = 1.0  # the watching thread wakes this often: to stop, to see the folder replaced
RUST_DEBOUNCE_MS = 200  # watchfiles groups the events of this long into one batch


def _identity(root: Path) -> tuple[int, int]:
    st = os.stat(root)
    return st.st_dev, st.st_ino


class VaultWatcher:
    """Watch ``root`` and call ``on_change()`` (on the event loop) once per quiet burst."""

    def __init__(self, root: Path, on_change: Callable[[], object], *, mode: str = "auto",
                 debounce: float = 2.0, poll_seconds: float = 30.0,
                 retry_seconds: float = RETRY_SECONDS, check_seconds: float = CHECK_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if mode not in MODES:
            raise ValueError(f"watch mode must be one of {', '.join(MODES)}")
        self.root = root
        self.on_change = on_change
        self.mode = mode
        self.debounce = max(0.0, debounce)
        self.max_delay = max(self.debounce * MAX_DELAY_ROUNDS, 1.0)
        self.poll_seconds = poll_seconds
        self.retry_seconds = retry_seconds
        self.check_seconds = check_seconds
        self.clock = clock
        self.polling = mode == "poll"  # what the thread ended up using (auto may fall back)
        self.batches = 0  # batches of changes seen (for the log and tests)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._first: float | None = None  # the first change of the burst under way
        self._last = 0.0  # its latest change
        self._pending: asyncio.Task[None] | None = None
        self._watching = threading.Event()  # set while a watch is set up (tests wait for it)

    @classmethod
    def for_sync(cls, settings: Settings, vault_sync: VaultSync) -> VaultWatcher:
        """The watcher the settings ask for, requesting syncs of ``vault_sync``."""
        return cls(Path(vault_sync.notes_dir), vault_sync.request_sync, mode=settings.watch_vault,
                   debounce=settings.watch_debounce_seconds,
                   poll_seconds=settings.watch_poll_seconds)

    def describe(self) -> str:
        """How vault changes are picked up, for ``/about`` and the log."""
        if self.mode == "off":
            return "not watched"
        if self.polling:
            return f"polled every {self.poll_seconds:g}s"
        return "file events"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    async def start(self) -> None:
        """Start watching (returns at once); ``off`` does nothing."""
        if self.mode == "off" or self._thread is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch_thread, name="notecast-vault-watch",
                                        daemon=True)
        self._thread.start()
        log.info("watching the vault for changes (%s, %gs quiet before a sync)",
                 "polling" if self.polling else self.mode, self.debounce)

    async def stop(self) -> None:
        """Stop watching; a burst not yet handed on is dropped (the next start syncs)."""
        self._stop.set()
        if self._pending is not None:
            self._pending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pending
            self._pending = None
        thread, self._thread = self._thread, None
        if thread is not None:  # it notices the stop within a check; a daemon either way
            await asyncio.to_thread(thread.join, self.check_seconds * 3)

    async def wait_watching(self, within: float) -> bool:
        """True once a watch is set up (within ``within`` seconds)."""
        return await asyncio.to_thread(self._watching.wait, within)

    # ------------------------------------------------------------------ on the loop

    def _changed(self) -> None:
        now = self.clock()
        self.batches += 1
        self._last = now
        if self._first is None:
            self._first = now
        if self._pending is None or self._pending.done():
            self._pending = asyncio.get_running_loop().create_task(
                self._quiet_then_sync(), name="notecast-vault-debounce")

    async def _quiet_then_sync(self) -> None:
        while True:
            first = self._first if self._first is not None else self._last
            now = self.clock()
            wait = min(self._last + self.debounce, first + self.max_delay) - now
            if wait <= 0:
                break
            await asyncio.sleep(wait)
        self._first = None
        try:
            self.on_change()
        except Exception:
            log.exception("after a change in the vault, asking for a sync failed")

    # ------------------------------------------------------------------ in the thread

    def _post(self) -> None:
        loop = self._loop
        if loop is not None and not self._stop.is_set():
            with contextlib.suppress(RuntimeError):  # (the loop closed meanwhile)
                loop.call_soon_threadsafe(self._changed)

    def _watch_thread(self) -> None:
        import watchfiles  # (here: its import and set-up cost the loop nothing)

        missing_said = False
        failure_said: str | None = None
        while not self._stop.is_set():
            try:
                identity = _identity(self.root)
            except OSError as exc:
                if not missing_said:
                    log.warning("the vault folder %s cannot be read (%s): watching for it "
                                "to come back", self.root, exc.strerror or exc)
                    missing_said = True
                    self._post()  # the sync refuses, and says so; the health check too
                self._stop.wait(self.retry_seconds)
                continue
            if missing_said:
                log.info("the vault folder %s is back", self.root)
                missing_said = False
                self._post()
            try:
                self._watch(watchfiles, identity)
                failure_said = None
            except Exception as exc:  # never a crash: said once, then tried again
                cause = f"{type(exc).__name__}: {exc}"
                if self.mode == "auto" and not self.polling and not isinstance(exc, FileNotFoundError):
                    log.warning("cannot watch the vault for events (%s): polling it every %gs "
                                "instead", cause, self.poll_seconds)
                    self.polling = True
                    continue
                if cause != failure_said:
                    log.warning("watching the vault failed (%s): trying again", cause)
                    failure_said = cause
                self._watching.clear()
                self._stop.wait(self.retry_seconds)

    def _watch(self, watchfiles: Any, identity: tuple[int, int]) -> None:
        """Watch until stopped, or until the folder is gone or replaced (then return)."""
        root = str(self.root)
        force = True if self.polling else (False if self.mode == "events" else None)
        changes_seen = watchfiles.watch(
            root, watch_filter=_VaultFilter(root, watchfiles.DefaultFilter),
            debounce=RUST_DEBOUNCE_MS, step=50, stop_event=self._stop,
            rust_timeout=max(1, int(self.check_seconds * 1000)),
            yield_on_timeout=True, force_polling=force,
            poll_delay_ms=max(1, int(self.poll_seconds * 1000)), raise_interrupt=False,
            ignore_permission_denied=True)
        try:
            for changes in changes_seen:  # (the watch is set up by the first step)
                self._watching.set()
                if changes:
                    self._post()
                try:
                    if _identity(self.root) != identity:
                        self._post()
                        return  # replaced: watch the new folder
                except OSError:
                    return  # gone: the outer loop waits for it
        finally:
            self._watching.clear()
            with contextlib.suppress(Exception):
                changes_seen.close()


class _VaultFilter:
    """Editors' temporary files (watchfiles' default filter) and anything hidden under the
    vault (``.obsidian/``, ``.trash/``, ``.git/``) are not changes to the notes."""

    def __init__(self, root: str, default_filter: Any) -> None:
        self.root = root.rstrip(os.sep) + os.sep
        self.default = default_filter()

    def __call__(self, change: Any, path: str) -> bool:
        if not self.default(change, path):
            return False
        inside = path[len(self.root):] if path.startswith(self.root) else path
        return not any(part.startswith(".") for part in inside.split(os.sep) if part)
