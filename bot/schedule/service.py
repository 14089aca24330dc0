"""``QotdService``: the quote of the day's engine, what ``/qotd`` and the scheduler's loop call.

No Discord here: posts go through the :class:`~bot.schedule.sender.Sender` it is given,
schedules and days through the :class:`~bot.state.store.ScheduleStore`, quotes through
:class:`~bot.quotes.service.QuoteService`'s pools (:mod:`bot.quotes.pool`). Time comes from
the injected ``clock``, pauses between posts from the injected ``sleep``.

At most one post per server per local day, restarts and crashes included: how a day is
chosen, claimed, sent and recorded, what happens to a send whose outcome is not known,
late posts, failures and pauses are in :mod:`bot.schedule.posting`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, tzinfo

from bot.errors import UserFacingError
from bot.quotes.pool import QuotePool
from bot.quotes.service import QuoteService
from bot.schedule import messages, times
from bot.schedule.errors import EmptyPool, NoSchedule, QotdError
from bot.schedule.posting import NOTHING, RECHECK, DayPosting, Pass
from bot.schedule.records import (
    DayStatus,
    PostResult,
    QotdStatus,
    QotdToday,
    Schedule,
    Shards,
    TickReport,
)
from bot.schedule.sender import Sender
from bot.state.store import ScheduleStore

log = logging.getLogger(__name__)

BATCH = 1000  # due schedules handled by one tick (the rest by the next)
HISTORY = 7  # days read for /qotd status


def utc_now() -> datetime:
    return datetime.now(UTC)


class QotdService(DayPosting):
    """The quote of the day over a schedule store and the quotes (see the module's text)."""

    def __init__(self, store: ScheduleStore, quotes: QuoteService, *,
                 clock: Callable[[], datetime] = utc_now, late_posts: bool = True,
                 max_failures: int = 5, posts_per_second: float = 5.0,
                 shards: Shards | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 rng: random.Random | None = None) -> None:
        self.store = store
        self.quotes = quotes
        self.clock = clock
        self.late_posts = late_posts
        self.max_failures = max(1, max_failures)
        self.interval = 1.0 / posts_per_second if posts_per_second > 0 else 0.0
        self.shards = shards
        self._sleep = sleep
        self.rng = rng or random.Random()
        self.started: datetime | None = None  # the first tick's moment
        self._inflight: set[int] = set()  # servers being posted for by this process
        self._unknown: dict[int, str] = {}  # server -> its last send of unknown outcome

    # ------------------------------------------------------------------ commands

    async def set(self, guild_id: int, *, channel_id: int, post_time: str, timezone: str,
                  speaker: str | None = None, source_channel: str | None = None,
                  role_id: int | None = None, by: int | None = None) -> QotdStatus:
        """Turn the quote of the day on (or change it). Raises ``BadTime``, ``BadZone``,
        ``EmptyPool``. Keeps the rotation (seed, cycle) of a schedule there was; clears
        failures and any pause."""
        post_time = times.parse_time(post_time)
        zone_name = times.parse_zone(timezone)
        tz = times.zone(zone_name)
        pool = await self.quotes.pools.pool(speaker, source_channel)
        if not len(pool):
            raise EmptyPool(messages.empty_pool(pool))
        now = self._now()
        old = await self.store.get_schedule(guild_id)
        schedule = Schedule(
            guild_id=guild_id, channel_id=channel_id, post_time=post_time, timezone=zone_name,
            speaker=pool.speaker, source_channel=pool.channel, role_id=role_id, enabled=True,
            seed=old.seed if old is not None else self.rng.getrandbits(62),
            cycle=old.cycle if old is not None else 0, updated_at=now, updated_by=by)
        schedule = replace(schedule, next_due=await self._next_after_set(schedule, tz, now))
        await self.store.put_schedule(schedule)
        log.info("qotd: server %d set to %s %s in channel %d", guild_id, post_time, zone_name,
                 channel_id)
        return await self.status(guild_id)

    async def off(self, guild_id: int) -> bool:
        """Turn it off (settings and history kept); ``False`` when it was not on."""
        schedule = await self.store.get_schedule(guild_id)
        if schedule is None or not schedule.enabled:
            return False
        await self.store.put_schedule(replace(schedule, enabled=False, next_due=None,
                                              updated_at=self._now()))
        return True

    async def status(self, guild_id: int) -> QotdStatus:
        """Everything ``/qotd status`` shows; a server with no schedule gets an empty one."""
        schedule = await self.store.get_schedule(guild_id)
        if schedule is None:
            return QotdStatus(None, None, None, 0, None, None, None)
        tz = times.zone(schedule.timezone)
        now = self._now()
        today = await self.store.get_day(guild_id, times.local_day(now, tz).isoformat())
        recent = await self.store.recent_days(guild_id, HISTORY)
        pool: QuotePool | None
        try:
            pool = await self.quotes.pools.pool(schedule.speaker, schedule.source_channel)
        except UserFacingError:  # (the notes are loading: no size yet)
            pool = None
        next_post = schedule.next_due if schedule.active else None
        return QotdStatus(
            schedule=schedule, next_post=next_post,
            next_post_local=times.describe(next_post, tz) if next_post is not None else None,
            pool_size=len(pool) if pool is not None else 0,
            last_posted=next((d for d in recent if d.status == DayStatus.POSTED), None),
            today=today,
            problem=messages.problem(schedule, pool, today, recent,
                                     max_failures=self.max_failures, tz=tz, now=now))

    async def preview(self, guild_id: int) -> QotdToday:
        """Today's quote (fixed for the whole local day). ``NoSchedule``, ``EmptyPool``."""
        schedule = await self._schedule(guild_id)
        now = self._now()
        day = times.local_day(now, times.zone(schedule.timezone))
        record = await self.store.get_day(guild_id, day.isoformat())
        record, quote = await self._fix_day(schedule, day, now, None, record)
        if quote is None:
            raise QotdError("Today's quote is no longer in the notes (its note was edited "
                            "or removed after it was posted).")
        return QotdToday(day.isoformat(), quote, record)

    async def post_now(self, guild_id: int, sender: Sender) -> PostResult:
        """Post today's quote now, unless it was posted (or is being posted)."""
        schedule = await self._schedule(guild_id)
        now = self._now()
        tz = times.zone(schedule.timezone)
        day = times.local_day(now, tz)
        record = await self.store.get_day(guild_id, day.isoformat())
        if record is not None and record.status == DayStatus.MISSED:
            raise QotdError(messages.missed_today(record))
        return await self._post_day(schedule, day, now, tz, None, sender, manual=True)

    def zones(self, typed: str, limit: int = 25) -> list[str]:
        return times.zones(typed, limit)

    # ------------------------------------------------------------------ the scheduler

    async def tick(self, sender: Sender) -> TickReport:
        """One pass over the due schedules of this process's shards; never raises for one
        server's trouble."""
        now = self._now()
        if self.started is None:
            self.started = now
        due = await self.store.due_schedules(now, limit=BATCH, shards=self.shards)
        run = Pass()
        for schedule in due:
            guild_id = schedule.guild_id
            if (self.shards is not None and not self.shards.owns(guild_id)) \
                    or guild_id in self._inflight:
                run.skipped += 1
                continue
            try:
                await self._due(schedule, run, sender)
                continue
            except UserFacingError as exc:  # (the notes are loading: not a bug)
                log.info("qotd: server %d: not now (%s); looked at again in %s", guild_id,
                         exc, RECHECK)
                run.skipped += 1
            except Exception:
                log.exception("qotd: server %d: the scheduled post failed unexpectedly; "
                              "looked at again in %s", guild_id, RECHECK)
                run.failed += 1
            try:
                await self.store.set_next_due(guild_id, self._now() + RECHECK)
            except Exception:
                log.exception("qotd: server %d: its next time could not be stored", guild_id)
        if due:
            log.info("qotd: tick: %d due, %d posted, %d failed, %d missed, %d skipped", len(due),
                     run.posted, run.failed, run.missed, run.skipped)
        return TickReport(due=len(due), posted=run.posted, failed=run.failed, missed=run.missed,
                          skipped=run.skipped)

    async def _schedule(self, guild_id: int) -> Schedule:
        schedule = await self.store.get_schedule(guild_id)
        if schedule is None or not schedule.enabled:
            raise NoSchedule("The quote of the day is not on in this server: /qotd set "
                             "turns it on.")
        return schedule

    async def _next_after_set(self, schedule: Schedule, tz: tzinfo, now: datetime) -> datetime:
        """When a schedule just set acts first: today at its time if today is not done and
        the time is ahead (or at once, resuming a day that failed), else the next day."""
        today = times.local_day(now, tz)
        record = await self.store.get_day(schedule.guild_id, today.isoformat())
        if record is not None and record.status in NOTHING:
            return times.next_due(now, schedule.post_time, tz, after_day=today)
        if record is not None and record.status in (DayStatus.FAILED, DayStatus.SENDING):
            day, due = times.first_due(today, schedule.post_time, tz)
            return max(now, due) if day == today else due
        return times.next_due(now, schedule.post_time, tz)
