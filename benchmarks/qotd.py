"""Measure the quote-of-the-day scheduler (``QotdService.tick``) for many servers.

    python benchmarks/qotd.py [--servers 10000] [--idle-ticks 300] [--rate 5]
                              [--state-dir DIR]

Over a made-up vault synced into a notes cache and a state database on disk (``--state-dir``,
default a temporary folder; ``synchronous = FULL`` as in production), ``--servers``
schedules in twelve zones, six in ten at a round hour (09:00, 12:00, 18:00, 20:00) and the
rest at any minute. The sender answers at once; the pauses between posts are counted, not
slept: the clock the service sees moves with real time plus the pauses.

1. **Idle ticks**: nothing due, ``--idle-ticks`` ticks: median and p95 (the target: under
   50 ms).
2. **A day**: a tick every 30 s for 24 hours. The cost of each tick without its pauses
   (median and p95 of ticks with nothing due, and of ticks with posts due, with the share
   of ticks that had some, and the cost per post), and the busiest tick.
3. **All at once**: every server due at the same moment: how long their posts take at
   ``--rate`` posts per second (the ticks' pauses and work together), and the work alone.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.cache.store import NotesCache  # noqa: E402
from bot.quotes.service import QuoteService  # noqa: E402
from bot.quotes.store import QuoteTables  # noqa: E402
from bot.schedule import times  # noqa: E402
from bot.schedule.records import Schedule  # noqa: E402
from bot.schedule.sender import QotdPost  # noqa: E402
from bot.schedule.service import QotdService  # noqa: E402
from bot.search import TopicSearch  # noqa: E402
from bot.state import open_state_store  # noqa: E402
from bot.state import sqlite_schedules as sql  # noqa: E402

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
TICK = timedelta(seconds=30)
ZONES = ("UTC", "Europe/London", "Europe/Paris", "Europe/Moscow", "America/New_York",
         "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo", "Asia/Kolkata",
         "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland")
ROUND_HOURS = ("09:00", "12:00", "18:00", "20:00")
NAMES = ("Alba Quist", "Bram Oduya", "Cleo Marchetti", "Dov Halloran", "Eun Sarkis",
         "Fenna Lowther", "Gus Ambrose", "Hedda Krall")
WORDS = ("tide", "harbour", "lamp", "bread", "ledger", "orbit", "signal", "copper", "meadow",
         "lantern", "compass", "glacier", "rhythm", "thread", "anchor", "furnace")


def make_vault(root: Path, notes: int = 40, per_note: int = 6) -> Path:
    """Made-up notes in the vault's format, each with attributed quotes."""
    rng = random.Random(5)
    for n in range(notes):
        channel = f"channel{n % 4}"
        folder = root / channel
        folder.mkdir(parents=True, exist_ok=True)
        quotes = "\n\n".join(
            f'> "{" ".join(rng.choices(WORDS, k=9)).capitalize()} number {n}-{q}." – '
            f"{rng.choice(NAMES)}" for q in range(per_note))
        (folder / f"note{n}.md").write_text(
            f"---\ntitle: Note {n}\nvideoId: abcdefgh{n:03d}\n---\n\nFrom: [[{channel}]]\n\n"
            f"Opening words.\n\n## Quotes\n\n{quotes}\n", encoding="utf-8")
    return root


class VirtualTime:
    """A clock that moves with real time plus the pauses the service asks for (counted,
    not slept), from a chosen moment."""

    def __init__(self, start: datetime) -> None:
        self.base = start
        self.started = time.perf_counter()
        self.paused = 0.0

    def set(self, moment: datetime) -> None:
        self.base, self.started, self.paused = moment, time.perf_counter(), 0.0

    def __call__(self) -> datetime:
        return self.base + timedelta(seconds=time.perf_counter() - self.started + self.paused)

    async def sleep(self, seconds: float) -> None:
        self.paused += seconds


@dataclass
class InstantSender:
    sent: int = 0

    async def send(self, post: QotdPost) -> int:
        self.sent += 1
        return self.sent

    async def find_post(self, post: QotdPost, since: datetime) -> int | None:
        return None


def schedules(servers: int) -> list[Schedule]:
    rng = random.Random(7)
    out = []
    for n in range(servers):
        zone = rng.choice(ZONES)
        post_time = (rng.choice(ROUND_HOURS) if rng.random() < 0.6
                     else f"{rng.randrange(24):02d}:{rng.randrange(60):02d}")
        out.append(Schedule(guild_id=(rng.getrandbits(40) << 22) | n, channel_id=n + 1,
                            post_time=post_time, timezone=zone, seed=rng.getrandbits(62),
                            next_due=times.next_due(START, post_time, times.zone(zone))))
    return out


def fill(path: Path, rows: list[Schedule], *, due: datetime | None = None) -> None:
    """The schedules written straight into the file, in one transaction (put_schedule,
    one fsync'd transaction each, would take a minute), optionally all due at ``due``."""
    con = sqlite3.connect(path)
    with con:
        con.execute("DELETE FROM qotd_days")
        con.execute("DELETE FROM qotd_schedules")
        con.executemany(sql.PUT_SCHEDULE, [
            sql.schedule_params(s if due is None else Schedule(**{
                **{f: getattr(s, f) for f in Schedule.__dataclass_fields__}, "next_due": due}))
            for s in rows])
    con.close()


def ms(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


async def timed(run: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await run()
    return time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--idle-ticks", type=int, default=300)
    parser.add_argument("--rate", type=float, default=5.0, help="posts per second")
    parser.add_argument("--state-dir", type=Path, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="qotd-bench-") as tmp:
        folder = Path(tmp)
        state_path = (args.state_dir or folder) / "qotd-bench-state.db"
        state_path.unlink(missing_ok=True)
        vault = make_vault(folder / "vault")
        clock = VirtualTime(START)
        async with NotesCache(folder / "notes.db", workers=1, derived=[QuoteTables()]) as cache, \
                TopicSearch(cache) as topics, open_state_store(state_path) as store:
            await cache.sync(vault)
            quotes = QuoteService(cache, topics)
            rows = schedules(args.servers)
            fill(state_path, rows)
            qotd = QotdService(store, quotes, clock=clock, sleep=clock.sleep,
                               posts_per_second=args.rate)
            sender = InstantSender()
            pool = await quotes.pools.pool()
            print(f"{args.servers} servers, a pool of {len(pool)} quotes, state database on "
                  f"{state_path.parent}")

            # 1. idle ticks
            earliest = min(s.next_due for s in rows if s.next_due is not None)
            idle = []
            for _ in range(args.idle_ticks):
                clock.set(earliest - timedelta(minutes=1))
                idle.append(await timed(lambda: qotd.tick(sender)))
            print(f"idle tick (nothing due):      median {ms(idle, 0.5):6.2f} ms   "
                  f"p95 {ms(idle, 0.95):6.2f} ms   (target < 50 ms)")

            # 2. a day of ticks every 30 s
            quiet: list[float] = []
            busy: list[float] = []
            posts_in_busy = 0
            busiest = (0.0, 0, START)
            moment = START
            while moment < START + timedelta(days=1):
                clock.set(moment)
                started = time.perf_counter()
                report = await qotd.tick(sender)
                cost = time.perf_counter() - started  # (pauses are counted, not slept)
                if report.posted:
                    busy.append(cost)
                    posts_in_busy += report.posted
                    if cost > busiest[0]:
                        busiest = (cost, report.posted, moment)
                else:
                    quiet.append(cost)
                moment = max(moment + TICK, clock())
            ticks = len(quiet) + len(busy)
            print(f"a day, a tick every 30 s:     {ticks} ticks, {sender.sent} posts, "
                  f"{len(busy) / ticks:.0%} of ticks with posts due")
            print(f"  ticks with nothing due:     median {ms(quiet, 0.5):6.2f} ms   "
                  f"p95 {ms(quiet, 0.95):6.2f} ms")
            print(f"  ticks with posts (work):    median {ms(busy, 0.5):6.2f} ms   "
                  f"p95 {ms(busy, 0.95):6.2f} ms   "
                  f"{sum(busy) / max(1, posts_in_busy) * 1000:.2f} ms per post")
            print(f"  busiest tick:               {busiest[1]} posts, "
                  f"{busiest[0] * 1000:.0f} ms of work (at {busiest[2]:%H:%M} UTC)")

            # 3. every server due at once
            fill(state_path, rows, due=START + timedelta(days=3))
            clock.set(START + timedelta(days=3))
            sent_before, work = sender.sent, 0.0
            while True:
                started = time.perf_counter()
                report = await qotd.tick(sender)
                work += time.perf_counter() - started
                if not report.due:
                    break
            span = (clock() - (START + timedelta(days=3))).total_seconds()
            posted = sender.sent - sent_before
            print(f"all {posted} due at once at {args.rate:g}/s: {span:7.0f} s "
                  f"({span / 60:.1f} min; {posted / args.rate:.0f} s at the rate), "
                  f"of which work {work:.1f} s ({work / max(1, posted) * 1000:.2f} ms per post)")
            await quotes.aclose()


if __name__ == "__main__":
    asyncio.run(main())
