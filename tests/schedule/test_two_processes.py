"""Two bot processes, two shards, one PostgreSQL state database (issue #11).

Two real OS processes each run the quote-of-the-day scheduler (``two_processes_worker.py``:
the real ``QotdService``, the real PostgreSQL store, a copy of a real notes cache over a
made-up vault, a clock this test moves, a sender that records each post in a file). The
test steps both clocks together through simulated days, half an hour at a time, over 40
servers in five time zones whose ids fall in both shards.

* Shard 0 in one process, shard 1 in the other: every server posts exactly once a day, and
  only from the process that owns its shard.
* Then both processes own both shards (a misconfiguration): they race for every server at
  the same simulated moments, and the database's claim still lets each post exactly once.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cache.store import NotesCache
from bot.quotes.service import QuoteService
from bot.quotes.store import QuoteTables
from bot.schedule.records import DayStatus
from bot.schedule.service import QotdService
from bot.search import TopicSearch
from bot.state.postgres import PostgresStateStore
from tests.schedule.helpers import qotd_vault
from tests.state.pg_fixtures import fresh_schema, postgres_dsn_or_skip

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 2, 10, 0, 0, tzinfo=UTC)  # no DST change in the days simulated
DAYS = 3  # simulated days per run
STEP = timedelta(minutes=30)
ZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Asia/Tokyo")
# 40 servers: snowflakes whose shard of 2 alternates, in five zones, all posting at 09:00
GUILDS = {((1_200_000_000_000 + n * 7919) << 22) | 0x2A5: ZONES[n % len(ZONES)] for n in range(40)}
TIMEOUT = 120.0  # seconds a worker may take to answer one step (only a hung one comes near)


def _shard(guild_id: int) -> int:
    return (guild_id >> 22) % 2


@pytest.fixture
async def dsn() -> AsyncIterator[str]:
    async with fresh_schema(postgres_dsn_or_skip()) as schema_dsn:
        yield schema_dsn


@pytest.fixture
async def cache_path(tmp_path: Path) -> Path:
    """A notes cache synced from the made-up vault (each process gets a copy of it)."""
    path = tmp_path / "notes.db"
    async with NotesCache(path, workers=1, derived=[QuoteTables()]) as cache:
        await cache.sync(qotd_vault(tmp_path / "vault"))
    return path


async def _set_schedules(dsn: str, cache_path: Path) -> None:
    """``/qotd set`` for every server, the evening before the first simulated day."""
    async with NotesCache(cache_path, readonly=True) as cache, TopicSearch(cache) as topics, \
            PostgresStateStore(dsn) as store:
        quotes = QuoteService(cache, topics, rng=random.Random(3))
        service = QotdService(store, quotes, clock=lambda: T0 - timedelta(hours=1), rng=random.Random(5))
        try:
            for n, (guild_id, zone) in enumerate(GUILDS.items()):
                await service.set(guild_id, channel_id=9_000_000 + n, post_time="09:00", timezone=zone)
        finally:
            await quotes.aclose()


class Worker:
    def __init__(self, name: str, process: asyncio.subprocess.Process, log: Path) -> None:
        self.name, self.process, self.log = name, process, log
        self.reports: list[dict[str, int]] = []

    async def line(self) -> str:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), TIMEOUT)
        assert raw, f"worker {self.name} ended: {self.log.read_text()[-3000:]}"
        return raw.decode().strip()

    async def step(self, moment: datetime) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{moment.isoformat()}\n".encode())
        await self.process.stdin.drain()
        self.reports.append(json.loads(await self.line()))


async def _run(tmp_path: Path, dsn: str, cache_path: Path, shard_ids: dict[str, str], start: datetime,
               run: str) -> tuple[list[dict[str, Any]], dict[str, Worker]]:
    """Both workers through ``DAYS`` simulated days from ``start``, step by step together."""
    posts = tmp_path / f"posts-{run}.jsonl"
    posts.touch()
    workers: dict[str, Worker] = {}
    try:
        for name, ids in shard_ids.items():
            local_cache = tmp_path / f"notes-{run}-{name}.db"  # the notes cache is local to each process
            await asyncio.to_thread(shutil.copyfile, cache_path, local_cache)
            log = tmp_path / f"worker-{run}-{name}.log"
            with log.open("wb") as stderr:
                process = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "tests.schedule.two_processes_worker", name, dsn, str(local_cache),
                    "2", ids, str(posts), cwd=ROOT, stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE, stderr=stderr)
            workers[name] = Worker(name, process, log)
        for worker in workers.values():
            assert await worker.line() == "ready"
        moment = start
        while moment < start + timedelta(days=DAYS):
            await asyncio.gather(*(worker.step(moment) for worker in workers.values()))
            moment += STEP
        for worker in workers.values():
            assert worker.process.stdin is not None
            worker.process.stdin.write(b"end\n")
            await worker.process.stdin.drain()
            assert await asyncio.wait_for(worker.process.wait(), TIMEOUT) == 0, worker.log.read_text()[-3000:]
    finally:
        for worker in workers.values():
            if worker.process.returncode is None:
                worker.process.kill()
                await worker.process.wait()
    return [json.loads(line) for line in posts.read_text().splitlines()], workers


async def _check_exactly_once(dsn: str, posts: list[dict[str, Any]], first_day: date) -> None:
    """Every server posted each simulated local day exactly once, as the database records."""
    days = {(first_day + timedelta(days=k)).isoformat() for k in range(DAYS)}
    per_day = Counter((p["guild_id"], p["day"]) for p in posts)
    assert {key for key, count in per_day.items() if count > 1} == set(), "posted twice"
    assert set(per_day) == {(guild_id, day) for guild_id in GUILDS for day in days}
    async with PostgresStateStore(dsn) as store:
        for post in posts:
            record = await store.get_day(post["guild_id"], post["day"])
            assert record is not None and record.status is DayStatus.POSTED, (post, record)
            assert (record.message_id, record.channel_id) == (post["message_id"], post["channel_id"])


async def test_two_processes_two_shards_each_server_posts_once_a_day(
        tmp_path: Path, dsn: str, cache_path: Path) -> None:
    assert set(map(_shard, GUILDS)) == {0, 1}
    await _set_schedules(dsn, cache_path)

    # shard 0 in process A, shard 1 in process B: each posts for its own servers only
    posts, workers = await _run(tmp_path, dsn, cache_path, {"A": "0", "B": "1"}, T0, "sharded")
    await _check_exactly_once(dsn, posts, T0.date())
    assert {(p["process"], _shard(p["guild_id"])) for p in posts} == {("A", 0), ("B", 1)}
    assert sum(r["posted"] for w in workers.values() for r in w.reports) == len(posts) == len(GUILDS) * DAYS
    assert not any(r["failed"] or r["missed"] for w in workers.values() for r in w.reports)

    # misconfigured: both processes own both shards and race for every server
    later = T0 + timedelta(days=DAYS)
    posts, workers = await _run(tmp_path, dsn, cache_path, {"A": "0,1", "B": "0,1"}, later, "both")
    await _check_exactly_once(dsn, posts, later.date())
    assert sum(r["posted"] for w in workers.values() for r in w.reports) == len(posts) == len(GUILDS) * DAYS
    contended = sum(r["skipped"] for w in workers.values() for r in w.reports)
    assert contended > 0, "the two processes never met on a server: the race was not exercised"
    assert not any(r["failed"] or r["missed"] for w in workers.values() for r in w.reports)
