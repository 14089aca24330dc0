"""A simulated year: servers in several zones (two with their post time in a daylight-
saving gap or overlap) each post exactly once per local day, at their time, through
restarts at random moments and processes killed mid-post, over the real state store.

Time is the injected clock: it jumps to the next due moment (plus up to a tick's delay),
never sleeps. Seeded: the same run every time."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.schedule import times
from bot.schedule.posting import IN_FLIGHT
from tests.schedule.helpers import Killed, fast_dir, world

SERVERS = {  # guild id -> (post time, zone)
    1 << 22: ("02:30", "America/New_York"),  # 8 March: 02:30 does not exist (posted at 03:00)
    2 << 22: ("01:30", "Europe/London"),  # 29 March: a gap; 25 October: 01:30 twice
    3 << 22: ("09:00", "Asia/Kolkata"),  # UTC+05:30, no DST
    4 << 22: ("02:15", "Australia/Lord_Howe"),  # half-hour DST: 02:15 in its gap on 4 October
    5 << 22: ("23:30", "UTC"),
}
START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2027, 1, 1, tzinfo=UTC)
TICK_DELAY = 30  # seconds: at most this long after its due moment a tick runs


async def test_a_year_posts_exactly_once_per_server_per_local_day(tmp_path: Path) -> None:
    rng = random.Random(2026)
    with fast_dir(tmp_path) as state_dir:
        await simulate(tmp_path, state_dir, rng)


async def simulate(tmp_path: Path, state_dir: Path, rng: random.Random) -> None:
    async with world(tmp_path, START, state_dir=state_dir) as w:
        qotd = w.service()
        for guild, (post_time, zone) in SERVERS.items():
            await qotd.set(guild, channel_id=guild + 7, post_time=post_time, timezone=zone)
        restarts = kills = 0
        while w.clock.now < END:
            first = (await w.store.due_schedules(END + timedelta(days=7), limit=1))[0].next_due
            assert first is not None
            w.clock.now = max(w.clock.now, first) + timedelta(seconds=rng.uniform(0, TICK_DELAY))
            roll = rng.random()
            if roll < 0.03:  # the process is restarted before this tick
                qotd, restarts = w.service(), restarts + 1
            elif roll < 0.05:  # ... or dies in the middle of a send
                w.sender.kill = rng.choice(["before", "after"])
            try:
                await qotd.tick(w.sender)
            except Killed:
                kills += 1
                w.sender.kill = None
                w.clock.advance(seconds=rng.uniform(1, IN_FLIGHT.total_seconds() * 2))
                qotd = w.service()
        assert restarts > 5 and kills > 5

        for guild, (post_time, zone) in SERVERS.items():
            tz = times.zone(zone)
            posts = w.sender.posts_of(guild)
            by_day: defaultdict[str, int] = defaultdict(int)
            for message in posts:
                by_day[message.day] += 1
                day = date.fromisoformat(message.day)
                assert times.local_day(message.at, tz) == day
                due = times.due_at(day, post_time, tz)  # at its time (or just after a kill)
                assert due <= message.at <= due + 3 * IN_FLIGHT, (zone, message.day, message.at)
            days = sorted(by_day)
            first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
            assert (last - first).days + 1 == len(days) >= 364, zone  # no day skipped
            assert set(by_day.values()) == {1}, zone  # none twice
            keys = [m.quote_key for m in posts]  # nine quotes: no repeat within a cycle
            assert all(len(set(keys[n:n + 9])) == len(keys[n:n + 9]) for n in range(0, 365, 9))
            assert all(a != b for a, b in itertools.pairwise(keys))

    gap = next(m for m in w.sender.posts_of(1 << 22) if m.day == "2026-03-08")
    assert gap.at.astimezone(times.zone("America/New_York")).strftime("%H:%M") <= "03:03"
    howe = next(m for m in w.sender.posts_of(4 << 22) if m.day == "2026-10-04")
    assert howe.at.astimezone(times.zone("Australia/Lord_Howe")).strftime("%H:%M") <= "02:33"
    london = next(m for m in w.sender.posts_of(2 << 22) if m.day == "2026-10-25")
    assert london.at.astimezone(UTC).strftime("%H:%M") <= "00:33"  # the first 01:30
