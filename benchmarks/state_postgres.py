"""Measure the PostgreSQL state store: what one scheduler pass and one post cost when many
servers have a schedule, from one process and from two at once.

    python benchmarks/state_postgres.py [--dsn postgresql://...] [--servers 100000] [--days 30] [--runs 200]

Without ``--dsn`` (or ``NOTECAST_TEST_POSTGRES_DSN``) it starts a throwaway server on
127.0.0.1 as the tests do (``tests/state/pg_server.py``; no fsync, so commits cost less than
on a real server). Everything happens in a schema of its own, dropped at the end.

``--servers`` schedules (90 % active with ``next_due`` spread over a day, 5 % paused, 5 %
off) and ``--days`` posted days each are written with COPY; then, medians and p95 over
``--runs`` calls: ``due_schedules`` (limit 100) with and without a shard filter,
``used_keys``, ``recent_days``, a day's post (``choose_day`` + ``claim_day`` +
``record_posted``: three transactions), and the same posts made by two stores (two pools,
as two processes) at once, each racing the other for the same servers. The due query's plan
is printed: it must use the partial index ``qotd_schedules_due``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from bot.schedule.records import Shards  # noqa: E402
from bot.state import postgres_sql as q  # noqa: E402
from bot.state.postgres import PostgresStateStore  # noqa: E402
from bot.state.sqlite_schedules import to_micros  # noqa: E402
from tests.state import pg_server  # noqa: E402

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SCHEMA = "notecast_bench"


async def _fill(dsn: str, servers: int, days: int) -> list[int]:
    rng = random.Random(7)
    guilds, schedules, history = [], [], []
    for n in range(servers):
        guild_id = (rng.getrandbits(40) << 22) | n
        guilds.append(guild_id)
        kind = rng.random()
        due = to_micros(NOW + timedelta(seconds=rng.randint(-43_200, 43_200)))
        schedules.append((guild_id, 1, "09:00", "Europe/Paris", None, None, None, kind >= 0.05, 0, 0, due, 0,
                          None, "paused" if kind >= 0.95 else None, None, None))
        history.extend((guild_id, (NOW.date() - timedelta(days=d)).isoformat(), f"q{d}", d // 10, "posted", 1)
                       for d in range(1, days + 1))
    con = await asyncpg.connect(dsn)
    try:
        await con.copy_records_to_table("qotd_schedules", records=schedules,
                                        columns=[c.strip() for c in q.SCHEDULE_COLUMNS.split(",")])
        await con.copy_records_to_table("qotd_days", records=history,
                                        columns=["guild_id", "day", "quote_key", "cycle", "status", "attempts"])
        await con.execute("ANALYZE")
        plan = await con.fetch("EXPLAIN " + q.DUE_SCHEDULES.text, to_micros(NOW), 100)
        print("plan of due_schedules:\n  " + "\n  ".join(row[0] for row in plan))
    finally:
        await con.close()
    return guilds


def _line(label: str, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"{label:<44} median {statistics.median(times) * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms")


async def _timed(call: Callable[[], Awaitable[Any]], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        times.append(time.perf_counter() - start)
    return times


async def _post(store: PostgresStateStore, guild_id: int, day: str) -> bool:
    await store.choose_day(guild_id, day, "q-new", 9, NOW)
    claimed = await store.claim_day(guild_id, day, 1, NOW)
    if claimed is None:
        return False
    await store.record_posted(guild_id, day, 42, NOW, next_due=NOW + timedelta(days=1))
    return True


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dsn", default=os.environ.get(pg_server.ENV, ""))
    parser.add_argument("--servers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    dsn = args.dsn or pg_server.shared()
    admin = await asyncpg.connect(dsn)
    await admin.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}")
    try:
        bench_dsn = pg_server.with_search_path(dsn, SCHEMA)
        async with PostgresStateStore(bench_dsn) as first, PostgresStateStore(bench_dsn) as second:
            started = time.perf_counter()
            guilds = await _fill(bench_dsn, args.servers, args.days)
            print(f"{args.servers:,} schedules and {args.servers * args.days:,} days written in "
                  f"{time.perf_counter() - started:.1f} s\n")
            rng = random.Random(11)
            _line("due_schedules(limit=100)", await _timed(lambda: first.due_schedules(NOW, limit=100), args.runs))
            shards = Shards(16, (3, 7))
            _line("due_schedules(limit=100, 2 of 16 shards)",
                  await _timed(lambda: first.due_schedules(NOW, limit=100, shards=shards), args.runs))
            _line("used_keys(one server)", await _timed(lambda: first.used_keys(rng.choice(guilds), 0), args.runs))
            _line("recent_days(one server, 7)", await _timed(lambda: first.recent_days(rng.choice(guilds), 7),
                                                             args.runs))
            fresh = iter(guilds)
            _line("a day's post (choose + claim + record)",
                  await _timed(lambda: _post(first, next(fresh), "2026-03-02"), args.runs))

            raced = iter(guilds[args.runs:])
            won: list[bool] = []

            async def both() -> None:
                guild_id = next(raced)
                won.extend(await asyncio.gather(_post(first, guild_id, "2026-03-02"),
                                                _post(second, guild_id, "2026-03-02")))

            _line("two stores racing for the same day's post", await _timed(both, args.runs))
            print(f"  {sum(won)} posts for {args.runs} servers raced (each exactly once: {sum(won) == args.runs})")
    finally:
        await admin.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
