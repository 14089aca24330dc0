"""How the quote of the day posts a server's day: :class:`DayPosting`, the half of
:class:`~bot.schedule.service.QotdService` that the scheduler's tick and ``/qotd now`` share.

How a day is posted (at most once per server per local day): the day's quote is fixed
(``choose_day``: the same for preview, ``/qotd now`` and the post), the day is **claimed**
(``claim_day``: ``sending``; only one task or process wins it), the post is sent, and the
outcome recorded (``record_posted``; ``record_failed`` for a refusal: nothing was posted).

* **Unknown outcome.** A send that raised anything but ``SendRefused`` (a timeout, a lost
  connection), or a crash between the claim and the record, leaves the day ``sending``.
  The next pass (not within ``IN_FLIGHT`` of the claim, which may be another task's send)
  looks for the post with ``sender.find_post(post, since=claimed_at)``: found, it is
  recorded as posted; not found, it is sent again, with the same ``nonce`` as every try of
  that day (Discord drops a duplicate sent within minutes). When the channel's history
  cannot be read (``find_post`` raises ``SendRefused``): within ``NONCE_WINDOW`` of the
  claim it is sent again (the nonce guards it); later, the day is recorded ``missed`` with
  that reason and **not** sent again: a skipped day is better than a double post.
* **Late posts.** A post due before this process started (the bot was down, by more than
  ``LATE_GRACE``) is made at once if its local day is not over and ``late_posts`` is on,
  else the day is recorded ``missed``. A day that ended without its post is ``missed``,
  with the reason (the last refusal, or the bot being offline).
* **Failures.** A refusal, or a send not found after an unknown outcome, counts one failure:
  tried again after ``BACKOFF`` (within the day); ``max_failures`` in a row pause the
  schedule with a reason saying what to do (``/qotd set`` resumes). A permanent refusal
  (the channel is gone, a permission is missing) counts the same and says it needs an admin.
* **Isolation.** Each server is handled on its own: an exception is logged and affects
  only that server (looked at again after ``RECHECK``). Sends are staggered at
  ``posts_per_second`` (the injected ``sleep``), and only servers of this process's shards
  are handled.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo

from bot.quotes.pool import QuotePool
from bot.quotes.records import Quote
from bot.quotes.service import QuoteService
from bot.schedule import messages, rotation, times
from bot.schedule.errors import EmptyPool
from bot.schedule.records import DayRecord, DayStatus, PostOutcome, PostResult, Schedule, Shards
from bot.schedule.sender import QotdPost, Sender, SendRefused
from bot.state.store import ScheduleStore

log = logging.getLogger(__name__)

LATE_GRACE = timedelta(minutes=5)  # due this long before the process started: a late post
IN_FLIGHT = timedelta(seconds=60)  # a claim younger than this, not ours, may still be sending
NONCE_WINDOW = timedelta(minutes=2)  # Discord drops a message whose nonce it saw this recently
RECHECK = timedelta(minutes=1)  # when an unknown outcome or an unexpected error is looked at again
BACKOFF = (60, 300, 900, 1800, 3600)  # seconds before the retry after 1, 2, 3... failures
NOTHING = (DayStatus.POSTED, DayStatus.MISSED)  # a day with nothing left to do


@dataclass(slots=True)
class Pass:
    """One tick: its pools (read once per filters), its pacing and its counts."""

    pools: dict[tuple[str | None, str | None], QuotePool] = field(default_factory=dict)
    last: datetime | None = None  # when the previous call to Discord went out
    posted: int = 0
    failed: int = 0
    missed: int = 0
    skipped: int = 0


class DayPosting:
    """Choosing, claiming, sending and recording one server's day (see the module's text)."""

    store: ScheduleStore
    quotes: QuoteService
    clock: Callable[[], datetime]
    late_posts: bool
    max_failures: int
    interval: float  # seconds between two calls to Discord within a tick
    shards: Shards | None
    rng: random.Random
    started: datetime | None  # the first tick's moment
    _sleep: Callable[[float], Awaitable[None]]
    _inflight: set[int]  # servers being posted for by this process
    _unknown: dict[int, str]  # server -> its last send of unknown outcome

    async def _due(self, schedule: Schedule, run: Pass, sender: Sender) -> None:
        assert schedule.next_due is not None  # (due_schedules gives only these)
        now = self._now()
        tz = times.zone(schedule.timezone)
        day = times.local_day(schedule.next_due, tz)
        today = times.local_day(now, tz)
        if day < today:  # its day is over
            next_day, next_due = times.first_due(today, schedule.post_time, tz)
            if not await self._close_day(schedule, day, next_due, run, sender):
                return
            if next_due > now:
                return
            schedule, day = replace(schedule, next_due=next_due), next_day
        missed = run.missed
        result = await self._post_day(schedule, day, now, tz, run, sender)
        if result.outcome == PostOutcome.POSTED:
            run.posted += 1
        elif result.outcome in (PostOutcome.FAILED, PostOutcome.UNKNOWN):
            run.failed += run.missed == missed
        else:
            run.skipped += 1

    async def _close_day(self, schedule: Schedule, day: date, next_due: datetime, run: Pass,
                         sender: Sender) -> bool:
        """A day over without a recorded post: resolve a send of unknown outcome, else record
        it missed. ``False``: leave the server for now (an outcome still unknown)."""
        guild_id, key = schedule.guild_id, day.isoformat()
        record = await self.store.get_day(guild_id, key)
        reason: str | None = None
        if record is not None and record.status == DayStatus.SENDING:
            found = await self._look(schedule, record, run, sender)
            if found is None:
                return False
            if isinstance(found, int):
                await self.store.record_posted(guild_id, key, found, self._now(),
                                               next_due=next_due)
                run.posted += 1
                return True
            reason = (found.reason if isinstance(found, SendRefused)
                      else messages.clip(f"Not posted before the day ended: {found}."))
        elif record is not None and record.status in NOTHING:
            await self.store.set_next_due(guild_id, next_due)
            return True
        reason = reason or messages.not_posted(record, schedule, self.late_posts)
        await self.store.record_missed(guild_id, key, reason, self._now(), next_due=next_due,
                                       quote_key=record.quote_key if record else "",
                                       cycle=record.cycle if record else schedule.cycle)
        run.missed += 1
        log.info("qotd: server %d: %s missed (%s)", guild_id, key, reason)
        return True

    async def _post_day(self, schedule: Schedule, day: date, now: datetime, tz: tzinfo,
                        run: Pass | None, sender: Sender, *, manual: bool = False) -> PostResult:
        """Post the local ``day`` of a schedule (the tick's, or ``/qotd now``'s)."""
        guild_id, key = schedule.guild_id, day.isoformat()
        after = times.next_due(now, schedule.post_time, tz, after_day=day)
        if guild_id in self._inflight:
            return PostResult(PostOutcome.ALREADY, key, channel_id=schedule.channel_id)
        self._inflight.add(guild_id)
        try:
            record = await self.store.get_day(guild_id, key)
            if record is not None and record.status in NOTHING:
                if not manual and schedule.next_due is not None and schedule.next_due <= now:
                    await self.store.set_next_due(guild_id, after)
                return PostResult(PostOutcome.ALREADY, key, record.message_id, record.channel_id)
            if record is not None and record.status == DayStatus.SENDING:
                if record.claimed_at is not None and now - record.claimed_at < IN_FLIGHT:
                    if not manual:
                        await self.store.set_next_due(guild_id, record.claimed_at + IN_FLIGHT)
                    return PostResult(PostOutcome.ALREADY, key, channel_id=record.channel_id)
                found = await self._look(schedule, record, run, sender)
                if found is None:
                    return PostResult(PostOutcome.UNKNOWN, key, channel_id=record.channel_id)
                if isinstance(found, int):
                    await self.store.record_posted(guild_id, key, found, self._now(),
                                                   next_due=after)
                    return PostResult(PostOutcome.POSTED, key, found, record.channel_id)
                if isinstance(found, str):  # not posted: counted, then sent again at once
                    found = messages.clip(f"{found}: sent again (with the same nonce).")
                    schedule = await self._failed(schedule, record, found, after, count=(
                        guild_id in self._unknown))
                    self._unknown.pop(guild_id, None)
                    if schedule.paused_reason:
                        return PostResult(PostOutcome.FAILED, key, error=found)
                    record = replace(record, status=DayStatus.FAILED, error=found)
                else:  # it cannot be checked, and a resend could double it
                    await self.store.record_missed(guild_id, key, found.reason, self._now(),
                                                   next_due=after)
                    if run is not None:
                        run.missed += 1
                    return PostResult(PostOutcome.FAILED, key, error=found.reason)
            elif (not manual and not self.late_posts and self._late(schedule)
                  and (record is None or record.status == DayStatus.CHOSEN)):
                reason = messages.offline(schedule.post_time, schedule.timezone, False)
                await self.store.record_missed(
                    guild_id, key, reason, now, next_due=after,
                    quote_key=record.quote_key if record else "",
                    cycle=record.cycle if record else schedule.cycle)
                if run is not None:
                    run.missed += 1
                return PostResult(PostOutcome.FAILED, key, error=reason)
            return await self._send(schedule, day, after, run, sender, record)
        finally:
            self._inflight.discard(guild_id)

    async def _send(self, schedule: Schedule, day: date, after: datetime, run: Pass | None,
                    sender: Sender, record: DayRecord | None) -> PostResult:
        """Fix the day's quote, claim the day, send, record."""
        guild_id, key = schedule.guild_id, day.isoformat()
        now = self._now()
        try:
            record, quote = await self._fix_day(schedule, day, now, run, record)
        except EmptyPool as exc:
            if run is None:
                raise
            await self.store.record_missed(guild_id, key, str(exc), now, next_due=after)
            run.missed += 1
            return PostResult(PostOutcome.FAILED, key, error=str(exc))
        if record.status not in (DayStatus.CHOSEN, DayStatus.FAILED):  # done, or another's
            return PostResult(PostOutcome.ALREADY, key, record.message_id, record.channel_id)
        if quote is None:  # (a sync moved the quotes between two reads: look again soon)
            await self.store.set_next_due(guild_id, now + RECHECK)
            return PostResult(PostOutcome.UNKNOWN, key, error="the notes changed while posting")
        claimed = await self.store.claim_day(guild_id, key, schedule.channel_id, now)
        if claimed is None:  # another task or process was first
            return PostResult(PostOutcome.ALREADY, key, channel_id=schedule.channel_id)
        post = self._post(schedule, key, quote, schedule.channel_id)
        await self._pace(run)
        try:
            message_id = await sender.send(post)
        except SendRefused as exc:
            error = messages.refused(exc.reason, exc.permanent)
            log.warning("qotd: server %d: the post of %s was refused (%s)", guild_id, key, error)
            await self._failed(schedule, claimed, error, after, count=True)
            return PostResult(PostOutcome.FAILED, key, channel_id=schedule.channel_id,
                              error=error)
        except Exception as exc:  # the outcome is not known: looked for before a resend
            self._unknown[guild_id] = messages.no_answer(exc)
            log.warning("qotd: server %d: the post of %s got no answer (%r); the channel is "
                        "checked before it is sent again", guild_id, key, exc)
            await self.store.set_next_due(guild_id, self._now() + RECHECK)
            return PostResult(PostOutcome.UNKNOWN, key, channel_id=schedule.channel_id,
                              error=self._unknown[guild_id])
        self._unknown.pop(guild_id, None)
        await self.store.record_posted(guild_id, key, message_id, self._now(), next_due=after)
        log.info("qotd: server %d: posted %s (message %d)", guild_id, key, message_id)
        return PostResult(PostOutcome.POSTED, key, message_id, schedule.channel_id)

    async def _look(self, schedule: Schedule, record: DayRecord, run: Pass | None,
                    sender: Sender) -> int | str | SendRefused | None:
        """Whether a send of unknown outcome was posted: its message id; the error to record
        when it was not (it is sent again); a ``SendRefused`` when it cannot be checked and
        must not be sent again; ``None`` when the check itself got no answer."""
        guild_id = schedule.guild_id
        now = self._now()
        quote = await self.quotes.pools.quote_by_key(record.quote_key)
        if quote is None:  # (its quote left the notes: the post is found by its marker)
            pool = await self._pool(schedule, run)
            quote = await self.quotes.pools.quote_by_key(pool.keys[0]) if len(pool) else None
        if quote is None:
            return messages.lost(self._unknown.get(guild_id))
        channel_id = record.channel_id or schedule.channel_id
        since = record.claimed_at or record.chosen_at or now - timedelta(days=1)
        await self._pace(run)
        try:
            found = await sender.find_post(self._post(schedule, record.day, quote, channel_id),
                                           since)
        except SendRefused as exc:
            if record.claimed_at is not None and now - record.claimed_at <= NONCE_WINDOW:
                return messages.unread(exc.reason)
            return SendRefused(messages.unchecked(exc.reason), permanent=exc.permanent)
        except Exception as exc:
            log.warning("qotd: server %d: looking for the post of %s failed (%r); again in %s",
                        guild_id, record.day, exc, RECHECK)
            await self.store.set_next_due(guild_id, now + RECHECK)
            return None
        if found is not None:
            self._unknown.pop(guild_id, None)
            return found
        return messages.lost(self._unknown.get(guild_id))

    async def _failed(self, schedule: Schedule, record: DayRecord, error: str,
                      after: datetime, *, count: bool) -> Schedule:
        """Record a try that posted nothing: one more failure (when ``count``), tried again
        after the backoff, paused at ``max_failures``. When the next try would fall after
        the day's end, the day is missed now and the schedule goes on with the next day
        (``after``)."""
        now = self._now()
        failures = schedule.failures + 1 if count else schedule.failures
        paused: str | None = None
        next_due: datetime | None = now
        over = False
        if failures >= self.max_failures:
            paused, next_due = messages.paused(failures, error), None
            log.warning("qotd: server %d paused after %d failures", schedule.guild_id, failures)
        elif count:
            next_due = now + timedelta(seconds=BACKOFF[min(failures, len(BACKOFF)) - 1])
            end = times.end_of_day(date.fromisoformat(record.day), times.zone(schedule.timezone))
            if next_due >= end:
                next_due, over = after, True
        await self.store.record_failed(schedule.guild_id, record.day, error, now,
                                       next_due=next_due, failures=failures,
                                       paused_reason=paused)
        if over:
            failed = replace(record, status=DayStatus.FAILED, error=error)
            await self.store.record_missed(
                schedule.guild_id, record.day,
                messages.not_posted(failed, schedule, self.late_posts), now, next_due=after)
        return replace(schedule, failures=failures, paused_reason=paused, next_due=next_due)

    # ------------------------------------------------------------------ the day's quote

    async def _fix_day(self, schedule: Schedule, day: date, now: datetime, run: Pass | None,
                       record: DayRecord | None) -> tuple[DayRecord, Quote | None]:
        """The day's record (``record``: as just read) and quote, choosing it if not yet
        chosen, and choosing again when a day not yet sent has a quote that left the pool.
        ``EmptyPool``."""
        guild_id, key = schedule.guild_id, day.isoformat()
        pool = await self._pool(schedule, run)
        if record is None:
            if not len(pool):
                raise EmptyPool(messages.empty_at_post(pool))
            quote_key, cycle = await self._next_key(schedule, pool)
            record = await self.store.choose_day(guild_id, key, quote_key, cycle, now)
        quote = await self._quote(record.quote_key, pool)
        if record.status in (DayStatus.CHOSEN, DayStatus.FAILED) and (
                quote is None or record.quote_key not in pool):
            if not len(pool):
                raise EmptyPool(messages.empty_at_post(pool))
            quote_key, _ = await self._next_key(schedule, pool)
            log.info("qotd: server %d: the quote of %s left the pool; chosen again", guild_id,
                     key)
            await self.store.rechoose_day(guild_id, key, quote_key, now)
            record = await self.store.get_day(guild_id, key) or record
            quote = await self._quote(record.quote_key, pool)
        return record, quote

    async def _quote(self, key: str, pool: QuotePool) -> Quote | None:
        return await self.quotes.pools.quote_by_key(key, pool if key in pool else None)

    async def _next_key(self, schedule: Schedule, pool: QuotePool) -> tuple[str, int]:
        """The rotation's next quote, and its cycle (a new one when the pool is used up);
        never the quote of the server's last day while another is left."""
        guild_id, seed = schedule.guild_id, schedule.seed
        last = {d.quote_key for d in await self.store.recent_days(guild_id, 1)}
        cycle = schedule.cycle
        used = await self.store.used_keys(guild_id, cycle)
        found = rotation.next_key(pool.keys, seed, cycle, used | last)
        if found is None:
            cycle = await self.store.start_cycle(guild_id, cycle)
            used = await self.store.used_keys(guild_id, cycle)
            found = (rotation.next_key(pool.keys, seed, cycle, used | last)
                     or rotation.next_key(pool.keys, seed, cycle, used)
                     or rotation.order(pool.keys, seed, cycle)[0])
        return found, cycle

    async def _pool(self, schedule: Schedule, run: Pass | None) -> QuotePool:
        filters = (schedule.speaker, schedule.source_channel)
        if run is not None and filters in run.pools:
            return run.pools[filters]
        pool = await self.quotes.pools.pool(*filters)
        if run is not None:
            run.pools[filters] = pool
        return pool

    # ------------------------------------------------------------------ helpers

    def _now(self) -> datetime:
        return self.clock().astimezone(UTC)

    def _late(self, schedule: Schedule) -> bool:
        """Due before this process started (the bot was down then)."""
        return (self.started is not None and schedule.next_due is not None
                and schedule.next_due < self.started - LATE_GRACE)

    async def _pace(self, run: Pass | None) -> None:
        """Before a call to Discord within a tick: wait what is left of the interval since
        the previous call (by the clock), so that calls go out at ``posts_per_second``."""
        if run is None:
            return
        if run.last is not None and self.interval:
            wait = self.interval - (self._now() - run.last).total_seconds()
            if wait > 0:
                await self._sleep(wait)
        run.last = self._now()

    @staticmethod
    def _post(schedule: Schedule, day: str, quote: Quote, channel_id: int) -> QotdPost:
        digest = hashlib.blake2b(f"{schedule.guild_id}:{day}".encode(), digest_size=10)
        return QotdPost(guild_id=schedule.guild_id, channel_id=channel_id, day=day,
                        quote=quote, role_id=schedule.role_id,
                        nonce=f"qotd{digest.hexdigest()}", marker=day)
