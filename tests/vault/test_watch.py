"""The vault watcher, driven by real file changes in a temporary folder: a burst of changes
makes one sync, polling works where events do not arrive, a vanished vault folder is no
crash, and hidden folders are not changes. Every wait is bounded; no sleep is a check."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from watchfiles import Change, DefaultFilter

from bot.cache.background import VaultSync
from bot.cache.records import SyncReport
from bot.cache.store import NotesCache
from bot.config import SAMPLE_VAULT
from bot.vault.watch import VaultWatcher, _VaultFilter

WITHIN = 20.0  # seconds: the bound of every wait (events arrive in milliseconds)
CHECK = 0.1  # the watching thread's wake-ups (1 s in the bot): the first says it watches

NOTE = """---
title: {title}
videoId: TiDaLoCk00{n}
---

From: [[curiousorbit]] <br/>

A made-up note about {title} <a class="yt-timestamp" data-t="00:01:0{n}">[00:01:0{n}]</a>.
"""


class Calls:
    """Counts calls, and lets a test wait for the n-th."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = asyncio.Event()

    def __call__(self) -> None:
        self.count += 1
        self._changed.set()

    async def reach(self, n: int) -> None:
        async with asyncio.timeout(WITHIN):
            while self.count < n:
                self._changed.clear()
                await self._changed.wait()


def _write_notes(folder: Path, names: list[str]) -> None:
    for n, name in enumerate(names):
        (folder / f"{name}.md").write_text(NOTE.format(title=name.replace("_", " "), n=n % 10),
                                           encoding="utf-8")


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, root)
    return root


async def _watching(watcher: VaultWatcher) -> None:
    await watcher.start()
    assert await watcher.wait_watching(WITHIN)


@pytest.fixture
async def started() -> AsyncIterator[Callable[[VaultWatcher], object]]:
    watchers: list[VaultWatcher] = []

    async def start(watcher: VaultWatcher) -> VaultWatcher:
        watchers.append(watcher)
        await _watching(watcher)
        return watcher

    yield start
    for watcher in watchers:
        await watcher.stop()


@pytest.mark.parametrize("mode", ["events", "poll"])
async def test_a_burst_of_changes_asks_for_one_sync(vault: Path, mode: str,
                                                    started: Callable[[VaultWatcher], object]
                                                    ) -> None:
    calls = Calls()
    watcher = VaultWatcher(vault, calls, mode=mode, debounce=1.0, poll_seconds=0.1,
                           check_seconds=CHECK)
    await started(watcher)  # type: ignore[misc]
    folder = vault / "curiousorbit"
    for wave in range(3):  # a burst in waves: watchfiles hands each over on its own
        _write_notes(folder, [f"burst_{wave}_{n}" for n in range(5)])
        await asyncio.sleep(0.3)  # (shapes the burst; well within the debounce)
    (folder / "quantum_tunneling.md").unlink()
    await calls.reach(1)
    assert watcher.batches >= 2  # several batches arrived...
    (folder / "after_the_burst.md").write_text("---\ntitle: After\n---\nLater.\n", encoding="utf-8")
    await calls.reach(2)
    assert calls.count == 2  # ...and made one sync; the later change another
    assert watcher.describe() == ("polled every 0.1s" if mode == "poll" else "file events")


async def test_the_bots_sync_runs_once_for_a_burst_and_sees_all_of_it(
        tmp_path: Path, vault: Path, started: Callable[[VaultWatcher], object]) -> None:
    reports: list[SyncReport] = []
    synced = Calls()
    async with NotesCache(tmp_path / "c.db") as cache:
        sync: VaultSync

        async def after() -> None:
            assert sync.last_report is not None
            reports.append(sync.last_report)
            synced()

        sync = VaultSync(cache, vault, interval_minutes=0, after_sync=[after])
        await sync.start()
        await synced.reach(1)  # the first sync
        await started(VaultWatcher(vault, sync.request_sync, mode="events", debounce=0.5,
                                   check_seconds=CHECK))  # type: ignore[misc]
        _write_notes(vault / "curiousorbit", [f"tide_{n}" for n in range(6)])
        await synced.reach(2)
        assert reports[1].parsed == 6 and reports[1].counts.notes == 18
        _write_notes(vault / "stockpotledger", ["one_more"])
        await synced.reach(3)
        assert len(reports) == 3 and reports[2].parsed == 1  # the burst made one sync
        await sync.stop()


async def test_a_vanished_vault_is_no_crash_and_is_watched_again_when_back(
        tmp_path: Path, vault: Path, started: Callable[[VaultWatcher], object]) -> None:
    finished = Calls()  # syncs that ended, accepted or refused
    async with NotesCache(tmp_path / "c.db") as cache:
        sync = VaultSync(cache, vault, interval_minutes=0)
        assert await sync.sync_now() is not None
        real_sync_now = sync.sync_now

        async def sync_now() -> SyncReport | None:
            try:
                return await real_sync_now()
            finally:
                finished()

        sync.sync_now = sync_now  # type: ignore[method-assign]
        watcher = VaultWatcher(vault, sync.request_sync, mode="events", debounce=0.3,
                               retry_seconds=0.1, check_seconds=CHECK)
        await started(watcher)  # type: ignore[misc]
        await sync.start()
        await finished.reach(1)  # the loop's first sync
        await asyncio.to_thread(shutil.rmtree, vault)  # the volume went away
        async with asyncio.timeout(WITHIN):
            while sync.vault_missing is None:  # until a sync refused
                await finished.reach(finished.count + 1)
        assert (await cache.counts()).notes == 12  # the cache kept
        await asyncio.to_thread(shutil.copytree, SAMPLE_VAULT, vault)  # back
        assert await watcher.wait_watching(WITHIN)
        _write_notes(vault / "curiousorbit", ["came_back"])
        async with asyncio.timeout(WITHIN):
            while sync.vault_missing is not None or sync.last_report is None \
                    or sync.last_report.counts.notes != 13:
                await finished.reach(finished.count + 1)
        assert watcher.running
        await sync.stop()


async def test_off_watches_nothing(vault: Path) -> None:
    watcher = VaultWatcher(vault, lambda: None, mode="off")
    await watcher.start()
    assert not watcher.running and watcher.describe() == "not watched"
    await watcher.stop()


def test_hidden_folders_and_editor_files_are_not_changes(vault: Path) -> None:
    keep = _VaultFilter(str(vault), DefaultFilter)
    assert keep(Change.modified, str(vault / "curiousorbit" / "quantum_tunneling.md"))
    assert keep(Change.deleted, str(vault / "curiousorbit"))
    assert not keep(Change.modified, str(vault / ".obsidian" / "workspace.json"))
    assert not keep(Change.added, str(vault / "curiousorbit" / ".trash" / "old.md"))
    assert not keep(Change.modified, str(vault / "curiousorbit" / "note.md~"))
    assert not keep(Change.modified, str(vault / "curiousorbit" / ".note.md.swp"))


def test_an_unknown_mode_is_refused(vault: Path) -> None:
    with pytest.raises(ValueError, match="watch mode"):
        VaultWatcher(vault, lambda: None, mode="sometimes")


async def test_requests_during_a_sync_bring_one_more_sync_not_a_stream(tmp_path: Path,
                                                                       vault: Path) -> None:
    started_syncs = 0
    finished = Calls()
    release, second_started = asyncio.Event(), asyncio.Event()
    async with NotesCache(tmp_path / "c.db") as cache:
        real_sync = cache.sync

        async def sync_counted(*args: object, **kwargs: object) -> SyncReport:
            nonlocal started_syncs
            started_syncs += 1
            if started_syncs == 2:
                second_started.set()
                await release.wait()  # the second sync is under way...
            try:
                return await real_sync(*args, **kwargs)  # type: ignore[arg-type]
            finally:
                finished()

        cache.sync = sync_counted  # type: ignore[method-assign]
        sync = VaultSync(cache, vault, interval_minutes=0)
        await sync.start()
        await finished.reach(1)
        sync.request_sync()
        await asyncio.wait_for(second_started.wait(), WITHIN)
        for _ in range(3):
            sync.request_sync()  # ...while three more requests arrive
        release.set()
        await finished.reach(3)
        for _ in range(100):  # let the loop run as far as it would go on its own
            await asyncio.sleep(0)
        assert started_syncs == 3
        await sync.stop()
