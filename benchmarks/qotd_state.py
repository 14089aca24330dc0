"""Measure the quote of the day's tables in the SQLite state database: what one scheduler
pass costs when many servers have a schedule.

    python benchmarks/qotd_state.py [--servers 100000] [--days 30] [--runs 200]

A temporary state database gets ``--servers`` schedules (90 % active, their ``next_due``
spread over a day; 5 % paused, 5 % off) and ``--days`` days of history each. Then, medians
and p95 over ``--runs`` calls: ``due_schedules`` (limit 100) with and without a shard
filter, ``used_keys`` and ``recent_days`` of one server, and the claim of a day
(``choose_day`` + ``claim_day`` + ``record_posted``, each a ``BEGIN IMMEDIATE``
transaction with ``synchronous = FULL``). The query plans are printed too: the due query
must be a range scan of the partial index ``qotd_schedules_due``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.schedule.records import Shards  # noqa: E402
from bot.state import open_state_store  # noqa: E402
from bot.state import sqlite_schedules as sql  # noqa: E402

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _fill(path: Path, servers: int, days: int) -> None:
    """Rows written straight into the file (one transaction): the store's own methods
    would take minutes for a million days, and the reads are what is measured."""
    rng = random.Random(7)
    con = sqlite3.connect(path)
    with con:
        schedules = []
        for n in range(servers):
            guild_id = (rng.getrandbits(41) << 22) | n
            due = sql.to_micros(NOW + timedelta(seconds=rng.randint(-43_200, 43_200)))
            kind = rng.random()
            schedules.append((guild_id, 1, "09:00", "Europe/Paris", None, None, None,
                              kind >= 0.05, 0, 0, due, 0, None, "paused" if kind >= 0.95 else None,
                              None, None))
        con.executemany(f"INSERT INTO qotd_schedules ({sql.SCHEDULE_COLUMNS}) VALUES "
                        f"({', '.join('?' * 16)})", schedules)
        con.executemany(
            "INSERT INTO qotd_days (guild_id, day, quote_key, cycle, status, attempts) "
            "VALUES (?, ?, ?, ?, 'posted', 1)",
            ((s[0], (NOW.date() - timedelta(days=d)).isoformat(), f"q{d}", d // 10)
             for s in schedules for d in range(1, days + 1)))
    con.close()


async def _time(runs: int, call: Callable[[int], Awaitable[Any]]) -> tuple[float, float]:
    spent = []
    for i in range(runs):
        start = time.perf_counter()
        await call(i)
        spent.append((time.perf_counter() - start) * 1000)
    spent.sort()
    return statistics.median(spent), spent[int(len(spent) * 0.95) - 1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.db"
        async with open_state_store(path):
            pass
        start = time.perf_counter()
        _fill(path, args.servers, args.days)
        print(f"{args.servers} schedules, {args.servers * args.days} days written in "
              f"{time.perf_counter() - start:.1f} s; file {path.stat().st_size / 1e6:.0f} MB")
        con = sqlite3.connect(path)
        params = {"now": 0, "limit": 100, "shard_count": 16, "shard_ids": "[3]", "guild_id": 1, "cycle": 0}
        for name in ("DUE_SCHEDULES", "DUE_SCHEDULES_OF_SHARDS", "USED_KEYS", "RECENT_DAYS"):
            plan = con.execute("EXPLAIN QUERY PLAN " + getattr(sql, name), params).fetchall()
            print(f"plan {name}: " + "; ".join(row[3] for row in plan))
        guild = con.execute("SELECT guild_id FROM qotd_schedules LIMIT 1").fetchone()[0]
        con.close()

        async with open_state_store(path) as state:
            due_all = len(await state.due_schedules(NOW, limit=10**9))
            print(f"due now: {due_all} of {args.servers}")
            cases: dict[str, Callable[[int], Awaitable[Any]]] = {
                "due_schedules (limit 100)": lambda _: state.due_schedules(NOW, limit=100),
                "due_schedules (limit 100, shard 3 of 16)": lambda _: state.due_schedules(
                    NOW, limit=100, shards=Shards(16, (3,))),
                "used_keys": lambda _: state.used_keys(guild, 0),
                "recent_days (10)": lambda _: state.recent_days(guild, 10),
            }

            async def claim(i: int) -> None:
                day = (NOW.date() + timedelta(days=1 + i)).isoformat()
                await state.choose_day(guild, day, "q", 0, NOW)
                await state.claim_day(guild, day, 1, NOW)
                await state.record_posted(guild, day, 9, NOW, next_due=NOW)

            cases["choose + claim + record_posted"] = claim
            for name, call in cases.items():
                median, p95 = await _time(args.runs, call)
                print(f"{name}: median {median:.2f} ms, p95 {p95:.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
