"""VaultSync: the first sync in the background, re-syncs, and failures that never stop it."""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

import pytest

from bot.cache.background import VaultSync
from bot.cache.store import NotesCache
from bot.config import SAMPLE_VAULT
from bot.errors import NotesLoading, NotesUnavailable


async def test_commands_wait_for_the_first_sync(tmp_path: Path) -> None:
    async with NotesCache(tmp_path / "c.db") as cache:
        sync = VaultSync(cache, SAMPLE_VAULT, interval_minutes=0)
        assert sync.loading
        with pytest.raises(NotesLoading):
            await sync.require_ready()
        await sync.start()
        await asyncio.wait_for(sync.wait_first_sync(), 10)
        await sync.require_ready()
        assert sync.last_report is not None and sync.last_report.counts.notes == 12
        await sync.stop()


async def test_a_cache_from_a_previous_run_is_served_at_once(tmp_path: Path) -> None:
    async with NotesCache(tmp_path / "c.db") as cache:
        await cache.sync(SAMPLE_VAULT)
    async with NotesCache(tmp_path / "c.db") as cache:
        sync = VaultSync(cache, SAMPLE_VAULT, interval_minutes=0)
        await sync.start()  # the first sync has not run yet
        await sync.require_ready()
        await sync.stop()


async def test_a_missing_vault_is_logged_and_the_loop_goes_on(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, vault)
    async with NotesCache(tmp_path / "c.db") as cache:
        sync = VaultSync(cache, vault, interval_minutes=0.0001)
        assert await sync.sync_now() is not None
        shutil.rmtree(vault)
        with caplog.at_level(logging.ERROR):
            assert await sync.sync_now() is None
        assert "cannot sync the notes" in caplog.text
        assert sync.last_error and "not found" in sync.last_error
        await sync.require_ready()  # the old notes still answer
        shutil.copytree(SAMPLE_VAULT, vault)
        await sync.start()
        for _ in range(200):
            if sync.last_error is None:
                break
            await asyncio.sleep(0.01)
        assert sync.last_error is None  # a later round recovered by itself
        await sync.stop()


async def test_an_empty_cache_with_a_broken_vault_says_unavailable(tmp_path: Path) -> None:
    async with NotesCache(tmp_path / "c.db") as cache:
        sync = VaultSync(cache, tmp_path / "nope", interval_minutes=0)
        await sync.sync_now()
        with pytest.raises(NotesUnavailable):
            await sync.require_ready()


async def test_after_sync_hooks_run_and_their_failures_are_contained(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []

    async def good() -> None:
        calls.append("good")

    async def bad() -> None:
        raise RuntimeError("boom")

    async with NotesCache(tmp_path / "c.db") as cache:
        sync = VaultSync(cache, SAMPLE_VAULT, interval_minutes=0, after_sync=[bad, good])
        with caplog.at_level(logging.ERROR):
            assert await sync.sync_now() is not None
    assert calls == ["good"]
    assert "boom" in caplog.text


async def test_a_refused_sync_is_logged_once_and_the_bot_keeps_serving(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, vault)
    async with NotesCache(tmp_path / "c.db") as cache:
        sync = VaultSync(cache, vault, interval_minutes=0)
        assert await sync.sync_now() is not None
        shutil.rmtree(vault)
        vault.mkdir()  # an empty mount point
        with caplog.at_level(logging.WARNING, logger="bot.cache.background"):
            for _ in range(3):
                assert await sync.sync_now() is None
        refusals = [r for r in caplog.records if r.name == "bot.cache.background"]
        assert len(refusals) == 1 and "refused" in refusals[0].getMessage()
        assert "--allow-shrink" in refusals[0].getMessage()
        assert sync.last_error and "holds 0 notes" in sync.last_error
        await sync.require_ready()  # still serving the 12 notes
        assert (await cache.counts()).notes == 12
        stats = await cache.stats()
        assert stats.refused and "holds 0 notes, the cache 12" in stats.refused


async def test_stop_ends_a_running_first_build_and_cleans_up(tmp_path: Path) -> None:
    from tests.cache.helpers import write_synthetic_vault

    big = write_synthetic_vault(tmp_path / "big", notes=2000, channels=4)
    started = asyncio.Event()

    async with NotesCache(tmp_path / "c.db", workers=2) as cache:
        sync = VaultSync(cache, big.root, interval_minutes=0)
        real_sync = cache.sync

        async def sync_with_progress(*args: object, **kwargs: object) -> object:
            kwargs["progress"] = lambda done, total: started.set() if done > total // 4 else None
            return await real_sync(*args, **kwargs)  # type: ignore[arg-type]

        cache.sync = sync_with_progress  # type: ignore[method-assign]
        await sync.start()
        await asyncio.wait_for(started.wait(), 120)
        await asyncio.wait_for(sync.stop(), 30)  # (a guard; the README gives the time)
        assert not await asyncio.to_thread(lambda: list(tmp_path.glob("c.db.building*")))
        assert not await cache.is_ready()  # nothing was built, nothing half-built
