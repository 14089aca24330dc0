"""The quote of the day in the SQLite state store: :class:`SQLiteSchedules`, the
:class:`~bot.state.store.ScheduleStore` half of :class:`~bot.state.sqlite.SQLiteStateStore`.

Each method is one transaction: a write begins with ``BEGIN IMMEDIATE`` (the file's write
lock, taken before anything is read), so that two processes sharing the file cannot both
insert or claim a day. A day's status moves forward only (see :mod:`bot.schedule.records`):
each ``UPDATE`` names the states it may leave, and a ``record_*`` whose day is not in one of
them changes neither the day nor the schedule (the scheduler's next pass sees the day as it
is). Times are stored as integer microseconds since the Unix epoch, UTC
(:func:`to_micros`), ids as signed 64-bit integers (Discord snowflakes fit).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosqlite

from bot.schedule.records import DayRecord, DayStatus, Schedule, Shards
from bot.state.schedule_sql import (
    CHOOSE_DAY,
    CLAIM_DAY,
    COUNT_SCHEDULES,
    DAY_FAILED,
    DAY_MISSED,
    DAY_POSTED,
    DUE_SCHEDULES,
    DUE_SELECT,
    GET_DAY,
    GET_SCHEDULE,
    PUT_SCHEDULE,
    RECENT_DAYS,
    RECHOOSE_DAY,
    SCHEDULE_CYCLE,
    SCHEDULE_FAILED,
    SCHEDULE_POSTED,
    SET_NEXT_DUE,
    START_CYCLE,
    USED_KEYS,
)

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

# :shard_ids: a JSON array of the shard ids
DUE_SCHEDULES_OF_SHARDS = DUE_SELECT + """
  AND ((guild_id >> 22) % :shard_count) IN (SELECT value FROM json_each(:shard_ids))
ORDER BY next_due, guild_id LIMIT :limit
"""


def to_micros(moment: datetime | None) -> int | None:
    """An aware datetime as integer microseconds since the epoch, UTC (exact)."""
    if moment is None:
        return None
    if moment.utcoffset() is None:
        raise ValueError(f"a naive datetime ({moment.isoformat()}) cannot be stored: give it a time zone")
    return (moment - EPOCH) // _MICROSECOND


def from_micros(value: int | None) -> datetime | None:
    return None if value is None else EPOCH + timedelta(microseconds=int(value))


def schedule_params(schedule: Schedule) -> dict[str, Any]:
    return {"guild_id": schedule.guild_id, "channel_id": schedule.channel_id,
            "post_time": schedule.post_time, "timezone": schedule.timezone,
            "speaker": schedule.speaker, "source_channel": schedule.source_channel,
            "role_id": schedule.role_id, "enabled": bool(schedule.enabled), "seed": schedule.seed,
            "cycle": schedule.cycle, "next_due": to_micros(schedule.next_due),
            "failures": schedule.failures, "last_error": schedule.last_error,
            "paused_reason": schedule.paused_reason, "updated_at": to_micros(schedule.updated_at),
            "updated_by": schedule.updated_by}


def schedule_from_row(row: Sequence[Any]) -> Schedule:
    (guild_id, channel_id, post_time, timezone, speaker, source_channel, role_id, enabled, seed,
     cycle, next_due, failures, last_error, paused_reason, updated_at, updated_by) = row
    return Schedule(guild_id=guild_id, channel_id=channel_id, post_time=post_time,
                    timezone=timezone, speaker=speaker, source_channel=source_channel,
                    role_id=role_id, enabled=bool(enabled), seed=seed, cycle=cycle,
                    next_due=from_micros(next_due), failures=failures, last_error=last_error,
                    paused_reason=paused_reason, updated_at=from_micros(updated_at),
                    updated_by=updated_by)


def day_from_row(row: Sequence[Any]) -> DayRecord:
    (guild_id, day, quote_key, cycle, status, channel_id, message_id, attempts, chosen_at,
     claimed_at, posted_at, error) = row
    return DayRecord(guild_id=guild_id, day=day, quote_key=quote_key, cycle=cycle,
                     status=DayStatus(status), channel_id=channel_id, message_id=message_id,
                     attempts=attempts, chosen_at=from_micros(chosen_at),
                     claimed_at=from_micros(claimed_at), posted_at=from_micros(posted_at),
                     error=error)


async def _rows(db: aiosqlite.Connection, query: str, params: dict[str, Any]) -> list[Any]:
    async with db.execute(query, params) as cursor:
        return list(await cursor.fetchall())


async def _changed(db: aiosqlite.Connection, query: str, params: dict[str, Any]) -> int:
    async with db.execute(query, params) as cursor:
        return max(cursor.rowcount, 0)


class SQLiteSchedules:
    """The :class:`~bot.state.store.ScheduleStore` methods, over the connection, lock and
    :meth:`transaction` of the class that mixes it in (``SQLiteStateStore``)."""

    _lock: asyncio.Lock

    def _connection(self) -> aiosqlite.Connection:
        raise NotImplementedError

    def transaction(self) -> AbstractAsyncContextManager[aiosqlite.Connection]:
        raise NotImplementedError

    async def _read(self, query: str, params: dict[str, Any]) -> list[Any]:
        """One statement on its own (SQLite's implicit transaction), under the lock."""
        async with self._lock:
            return await _rows(self._connection(), query, params)

    # ------------------------------------------------------------------ schedules

    async def get_schedule(self, guild_id: int) -> Schedule | None:
        rows = await self._read(GET_SCHEDULE, {"guild_id": guild_id})
        return schedule_from_row(rows[0]) if rows else None

    async def put_schedule(self, schedule: Schedule) -> None:
        params = schedule_params(schedule)
        async with self.transaction() as db:
            await _changed(db, PUT_SCHEDULE, params)

    async def due_schedules(self, now: datetime, *, limit: int,
                            shards: Shards | None = None) -> list[Schedule]:
        if limit <= 0:
            return []  # (LIMIT -1 would be no limit at all)
        params: dict[str, Any] = {"now": to_micros(now), "limit": limit}
        if shards is None:
            rows = await self._read(DUE_SCHEDULES, params)
        else:
            if shards.count < 1 or not shards.ids:
                return []
            params |= {"shard_count": shards.count, "shard_ids": json.dumps(list(shards.ids))}
            rows = await self._read(DUE_SCHEDULES_OF_SHARDS, params)
        return [schedule_from_row(row) for row in rows]

    async def count_schedules(self) -> tuple[int, int]:
        rows = await self._read(COUNT_SCHEDULES, {})
        return int(rows[0][0]), int(rows[0][1])

    async def set_next_due(self, guild_id: int, next_due: datetime | None) -> None:
        params = {"guild_id": guild_id, "next_due": to_micros(next_due)}
        async with self.transaction() as db:
            await _changed(db, SET_NEXT_DUE, params)

    async def start_cycle(self, guild_id: int, cycle: int) -> int:
        """The schedule's cycle after (``cycle`` itself when there is no schedule)."""
        params = {"guild_id": guild_id, "cycle": cycle}
        async with self.transaction() as db:
            await _changed(db, START_CYCLE, params)
            rows = await _rows(db, SCHEDULE_CYCLE, params)
        return int(rows[0][0]) if rows else cycle

    # ------------------------------------------------------------------ days

    async def get_day(self, guild_id: int, day: str) -> DayRecord | None:
        rows = await self._read(GET_DAY, {"guild_id": guild_id, "day": day})
        return day_from_row(rows[0]) if rows else None

    async def choose_day(self, guild_id: int, day: str, quote_key: str, cycle: int,
                         now: datetime) -> DayRecord:
        params = {"guild_id": guild_id, "day": day, "quote_key": quote_key, "cycle": cycle,
                  "now": to_micros(now)}
        async with self.transaction() as db:
            await _changed(db, CHOOSE_DAY, params)
            rows = await _rows(db, GET_DAY, params)
        return day_from_row(rows[0])

    async def rechoose_day(self, guild_id: int, day: str, quote_key: str,
                           now: datetime) -> bool:
        params = {"guild_id": guild_id, "day": day, "quote_key": quote_key, "now": to_micros(now)}
        async with self.transaction() as db:
            return await _changed(db, RECHOOSE_DAY, params) > 0

    async def claim_day(self, guild_id: int, day: str, channel_id: int,
                        now: datetime) -> DayRecord | None:
        params = {"guild_id": guild_id, "day": day, "channel_id": channel_id,
                  "now": to_micros(now)}
        async with self.transaction() as db:
            rows = await _rows(db, CLAIM_DAY, params)
        return day_from_row(rows[0]) if rows else None

    async def record_posted(self, guild_id: int, day: str, message_id: int, now: datetime,
                            *, next_due: datetime | None) -> None:
        params = {"guild_id": guild_id, "day": day, "message_id": message_id,
                  "now": to_micros(now), "next_due": to_micros(next_due)}
        async with self.transaction() as db:
            if not await _changed(db, DAY_POSTED, params):
                log.warning("qotd: server %d's day %s was not being sent: its post (message %d) "
                            "is not recorded", guild_id, day, message_id)
                return
            await _changed(db, SCHEDULE_POSTED, params)

    async def record_failed(self, guild_id: int, day: str, error: str, now: datetime, *,
                            next_due: datetime | None, failures: int,
                            paused_reason: str | None) -> None:
        params = {"guild_id": guild_id, "day": day, "error": error,
                  "next_due": to_micros(next_due), "failures": failures,
                  "paused_reason": paused_reason}
        async with self.transaction() as db:
            if not await _changed(db, DAY_FAILED, params):
                log.warning("qotd: server %d's day %s was not being sent: its failure (%s) is "
                            "not recorded", guild_id, day, error)
                return
            await _changed(db, SCHEDULE_FAILED, params)

    async def record_missed(self, guild_id: int, day: str, reason: str, now: datetime, *,
                            next_due: datetime | None, quote_key: str = "",
                            cycle: int = 0) -> None:
        params = {"guild_id": guild_id, "day": day, "reason": reason, "quote_key": quote_key,
                  "cycle": cycle, "next_due": to_micros(next_due)}
        async with self.transaction() as db:
            if not await _rows(db, DAY_MISSED, params):
                log.info("qotd: server %d's day %s was posted: not marked missed (%s)",
                         guild_id, day, reason)
                return
            await _changed(db, SET_NEXT_DUE, params)

    async def used_keys(self, guild_id: int, cycle: int) -> set[str]:
        rows = await self._read(USED_KEYS, {"guild_id": guild_id, "cycle": cycle})
        return {str(row[0]) for row in rows}

    async def recent_days(self, guild_id: int, limit: int) -> list[DayRecord]:
        if limit <= 0:
            return []
        rows = await self._read(RECENT_DAYS, {"guild_id": guild_id, "limit": limit})
        return [day_from_row(row) for row in rows]
