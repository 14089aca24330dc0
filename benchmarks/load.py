"""How many lookups a second one Notecast process answers, from many servers at once.

    python benchmarks/load.py --db /path/to/notecast.db
    python benchmarks/load.py --db FILE --rates 25,50,100,200 --seconds 20 --servers 10000

Opens the cache and builds the services exactly as the bot does (``Services.build``), then,
for each rate in ``--rates``, sends lookups for ``--seconds`` as an **open loop**: arrivals
are a Poisson process at that rate, whatever the answers' speed, each from a random one of
``--servers`` simulated servers (a member's channel filter now and then), so a slow answer
delays the ones behind it as it would in the bot. The mix is what members do: ``/topic``
lookups (the relevance set's queries), their autocomplete as typed, ``/search`` full text,
``/quote`` by topic or speaker, ``/related``.

Each answer's latency runs from the moment it arrived to the moment it was ready (its wait
in the queue included), as a member would feel it. The event loop's lag (how late a 10 ms
heartbeat wakes) shows whether anything blocks the loop: every interaction of every server
waits on it. Printed per rate: answers a second achieved, median/p95/p99 latency, worst
loop lag; then the highest rate whose p95 stays within ``--target-ms`` (100).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.cache.store import NotesCache
from bot.config import Settings
from bot.services import Services

DEFAULT_SET = Path(__file__).resolve().parent / "relevance_set.json"
# the share of each kind of request in the mix (what members do most: look topics up)
MIX = (("topic", 0.45), ("autocomplete", 0.25), ("search", 0.12), ("quote", 0.12),
       ("related", 0.06))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Workload:
    """The requests: each a coroutine function of a random generator."""

    def __init__(self, services: Services, queries: list[str], rng: random.Random) -> None:
        self.services = services
        self.queries = queries
        self.rng = rng
        self.channels = [c.key for c in services.topics.channels()]
        self.speakers = [s.name for s in services.quotes.speakers("", None, limit=25)]
        self.note_ids: list[int] = []

    def channel(self) -> str | None:
        return self.rng.choice(self.channels) if self.channels and self.rng.random() < 0.2 else None

    async def topic(self) -> None:
        result = await self.services.topics.lookup(self.rng.choice(self.queries), self.channel())
        if result.best is not None and len(self.note_ids) < 5000:
            self.note_ids.append(result.best.note_id)

    async def autocomplete(self) -> None:
        query = self.rng.choice(self.queries)
        self.services.topics.autocomplete(query[: self.rng.randint(1, len(query))], self.channel())

    async def search(self) -> None:
        await self.services.fulltext.search(self.rng.choice(self.queries), self.channel())

    async def quote(self) -> None:
        if self.speakers and self.rng.random() < 0.5:
            await self.services.quotes.pick(speaker=self.rng.choice(self.speakers))
        else:
            await self.services.quotes.pick(topic=self.rng.choice(self.queries))

    async def related(self) -> None:
        if self.note_ids:
            await self.services.related.related(self.rng.choice(self.note_ids))
        else:
            await self.topic()

    def pick(self) -> Callable[[], Awaitable[None]]:
        roll, total = self.rng.random(), 0.0
        for name, share in MIX:
            total += share
            if roll < total:
                return getattr(self, name)  # type: ignore[no-any-return]
        return self.topic


async def loop_lag(stop: asyncio.Event, lags: list[float]) -> None:
    """How late a 10 ms sleep wakes, until ``stop``."""
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.010)
        lags.append(time.perf_counter() - before - 0.010)


async def run_rate(work: Workload, rate: float, seconds: float, servers: int,
                   rng: random.Random) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lags: list[float] = []
    stop = asyncio.Event()
    lag_task = asyncio.create_task(loop_lag(stop, lags))
    tasks: set[asyncio.Task[None]] = set()

    async def one(request: Callable[[], Awaitable[None]], arrived: float) -> None:
        nonlocal errors
        try:
            await request()
        except Exception:  # (a failed answer counts, not the load generator's end)
            errors += 1
        latencies.append(time.perf_counter() - arrived)

    started = time.perf_counter()
    due = started
    guilds = set()
    while due - started < seconds:
        due += rng.expovariate(rate)
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        guilds.add(rng.randrange(servers))
        task = asyncio.create_task(one(work.pick(), due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    stop.set()
    await lag_task
    ms = [v * 1000 for v in latencies]
    return {"rate": rate, "answered": len(ms) / elapsed, "servers": len(guilds),
            "p50": statistics.median(ms), "p95": percentile(ms, 95), "p99": percentile(ms, 99),
            "lag": max(lags) * 1000 if lags else 0.0, "errors": errors}


async def run(args: argparse.Namespace) -> int:
    queries = [q["query"] for q in json.loads(args.relevance.read_text(encoding="utf-8"))]
    settings = replace(Settings(), db=args.db)
    async with NotesCache(args.db, readonly=True) as cache:
        if not await cache.is_ready():
            print(f"{args.db} is not a notes cache: build one with `notecast index`")
            return 1
        services = Services.build(settings, cache, syncs=False)
        try:
            started = time.perf_counter()
            await services.topics.refresh()
            await services.quotes.refresh()
            print(f"cache {args.db}: services ready in {time.perf_counter() - started:.2f} s")
            rng = random.Random(args.seed)
            work = Workload(services, queries, rng)
            await run_rate(work, 20, 3, args.servers, rng)  # warm the readers and pages
            print(f"{'rate/s':>7} {'answered/s':>10} {'servers':>8} {'p50 ms':>8} {'p95 ms':>8} "
                  f"{'p99 ms':>8} {'loop lag ms':>11} {'errors':>6}")
            held = 0.0
            for rate in args.rates:
                row = await run_rate(work, rate, args.seconds, args.servers, rng)
                print(f"{row['rate']:>7.0f} {row['answered']:>10.1f} {row['servers']:>8.0f} "
                      f"{row['p50']:>8.1f} {row['p95']:>8.1f} {row['p99']:>8.1f} "
                      f"{row['lag']:>11.1f} {row['errors']:>6.0f}")
                if row["p95"] <= args.target_ms and row["errors"] == 0:
                    held = rate
            print(f"highest rate with p95 within {args.target_ms:g} ms: "
                  + (f"{held:g} lookups/s" if held else "none of those tried"))
        finally:
            await services.quotes.aclose()
            await services.topics.aclose()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a notes cache (notecast index)")
    parser.add_argument("--rates", default="25,50,100,150,200,300",
                        type=lambda s: [float(x) for x in s.split(",")])
    parser.add_argument("--seconds", type=float, default=15.0, help="per rate")
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--target-ms", type=float, default=100.0)
    parser.add_argument("--relevance", type=Path, default=DEFAULT_SET)
    parser.add_argument("--seed", type=int, default=7)
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
