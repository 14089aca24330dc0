"""Runs one command's coroutine, and stops it cleanly on SIGTERM or SIGINT.

SIGTERM is what ``docker stop`` sends, and Python running as PID 1 ignores it unless a
handler is installed; SIGINT is Ctrl-C. On the first signal the command's stop hook runs
(the bot closes, see :func:`on_stop`) or, without one, the command's task is cancelled (a
sync in progress is abandoned: the cache cleans up its side file and workers). A second
signal, or a stop hook that takes longer than :data:`STOP_GRACE` seconds, cancels the task.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

STOP_GRACE = 5.0  # seconds a stop hook gets before the command's task is cancelled
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(Exception):
    """The command was stopped by a signal; the exit code is 128 + its number."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_code = 128 + signum
        super().__init__("interrupted" if signum == signal.SIGINT
                         else f"stopped by {signal.Signals(signum).name}")


class _Stopper:
    """What the signal handler does: one per run."""

    def __init__(self) -> None:
        self.hook: Callable[[], Any] | None = None
        self.task: asyncio.Task[Any] | None = None
        self.signum: int | None = None
        self.stopping: asyncio.Task[Any] | None = None

    def handle(self, signum: int) -> None:
        task = self.task
        if task is None or task.done():
            return
        if self.signum is not None or self.hook is None:
            self.signum = self.signum or signum
            task.cancel()
            return
        self.signum = signum
        log.info("%s received: stopping", signal.Signals(signum).name)
        loop = asyncio.get_running_loop()
        loop.call_later(STOP_GRACE, task.cancel)
        result = self.hook()
        if asyncio.iscoroutine(result):
            self.stopping = loop.create_task(result)

    def on_loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """Once a signal stopped the command, work it abandoned (a parse batch still in a
        worker when the build was cancelled) may fail with nobody left to collect the
        error: not the user's concern, so only logged at DEBUG."""
        if self.signum is not None and str(context.get("message", "")).startswith(
                "Future exception was never retrieved"):
            log.debug("after the stop, abandoned work failed: %r", context.get("exception"))
            return
        loop.default_exception_handler(context)


_current = _Stopper()


def on_stop(hook: Callable[[], Any] | None) -> None:
    """Make a signal call ``hook`` (a function or a coroutine function) instead of
    cancelling the command, e.g. ``on_stop(bot.close)``; ``None`` restores cancelling."""
    _current.hook = hook


def run(main: Coroutine[Any, Any, int]) -> int:
    """``asyncio.run(main)`` with the signal handlers; raises :class:`Interrupted` when a
    signal stopped it."""
    return asyncio.run(_supervise(main))


async def _supervise(main: Coroutine[Any, Any, int]) -> int:
    global _current
    stopper = _current = _Stopper()
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(stopper.on_loop_error)
    stopper.task = loop.create_task(main, name="notecast-command")
    for signum in SIGNALS:
        loop.add_signal_handler(signum, stopper.handle, signum)
    try:
        try:
            code = await stopper.task
        except asyncio.CancelledError:
            if stopper.signum is None:
                raise
            raise Interrupted(stopper.signum) from None
    finally:
        for signum in SIGNALS:
            loop.remove_signal_handler(signum)
    if stopper.signum is not None:
        raise Interrupted(stopper.signum)
    return code
