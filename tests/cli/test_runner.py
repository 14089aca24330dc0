"""The command runner: a signal runs the command's stop hook (the bot closes) or cancels
it, and the command's own clean-up always runs."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from bot.cli import runner


def _signal_soon(signum: int) -> None:
    asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), signum)


def test_sigterm_runs_the_stop_hook_and_the_command_cleans_up() -> None:
    events: list[str] = []

    async def command() -> int:
        stopped = asyncio.Event()

        async def close() -> None:  # as NotecastBot.close: start() then returns
            events.append("closed")
            stopped.set()

        runner.on_stop(close)
        _signal_soon(signal.SIGTERM)
        try:
            await stopped.wait()
        finally:
            events.append("cleaned up")
        return 0

    with pytest.raises(runner.Interrupted) as caught:
        runner.run(command())
    assert caught.value.exit_code == 143 and str(caught.value) == "stopped by SIGTERM"
    assert events == ["closed", "cleaned up"]


def test_without_a_hook_a_signal_cancels_the_command() -> None:
    events: list[str] = []

    async def command() -> int:
        _signal_soon(signal.SIGINT)
        try:
            await asyncio.sleep(60)
        finally:
            events.append("cleaned up")
        return 0

    with pytest.raises(runner.Interrupted) as caught:
        runner.run(command())
    assert caught.value.exit_code == 130 and str(caught.value) == "interrupted"
    assert events == ["cleaned up"]


def test_a_stop_hook_that_hangs_is_cut_short(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "STOP_GRACE", 0.1)

    async def command() -> int:
        runner.on_stop(lambda: None)  # does nothing: the grace period ends, then a cancel
        _signal_soon(signal.SIGTERM)
        await asyncio.sleep(60)
        return 0

    with pytest.raises(runner.Interrupted):
        runner.run(command())


def test_a_command_that_ends_by_itself_returns_its_code() -> None:
    async def command() -> int:
        return 3

    assert runner.run(command()) == 3
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # the handlers are removed
