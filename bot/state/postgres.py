"""The state store in PostgreSQL (asyncpg): one database shared by several processes.

:class:`PostgresStateStore` is the whole :class:`~bot.state.store.StateStore` (summaries,
budgets, schedules and days) over one connection pool; each method is one transaction.
What must hold across processes is held by the database itself: a day is inserted with
``INSERT ... ON CONFLICT DO NOTHING`` and claimed with a conditional ``UPDATE ...
RETURNING`` (a second claimer waits for the first one's row lock, then finds the day taken),
a budget is counted with ``INSERT ... ON CONFLICT DO UPDATE ... WHERE used < limit``.
Opening checks and migrates the schema first (:mod:`bot.state.postgres_schema`).

The DSN holds a password: it is kept private, never logged or shown (logs and errors name
the host and database only, :func:`~bot.state.postgres_schema.describe`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from bot.schedule.records import DayRecord, Schedule, Shards
from bot.state import postgres_sql as q
from bot.state.errors import StateError
from bot.state.postgres_schema import StateDatabaseUnavailable, check_dsn, describe, one_line, prepare, redact
from bot.state.sqlite_schedules import day_from_row, schedule_from_row, schedule_params, to_micros
from bot.state.store import WHOLE_NOTE, SummaryKey

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 15.0  # seconds to reach the server at open
CLOSE_TIMEOUT = 10.0  # seconds the pool's connections get to finish at close
INT4_MAX = 2**31 - 1


def _count(status: str) -> int:
    """Rows an ``UPDATE``/``DELETE`` touched, from asyncpg's status (``"UPDATE 1"``)."""
    last = status.rpartition(" ")[2]
    return int(last) if last.isdigit() else 0


class PostgresStateStore:
    """The :class:`~bot.state.store.StateStore` of several processes, in PostgreSQL; open
    it with ``async with PostgresStateStore(dsn) as state`` (or ``open()``/``aclose()``)."""

    def __init__(self, dsn: str, *, pool_size: int = 5) -> None:
        self._dsn = dsn
        self.where = describe(dsn)  # what logs and errors say
        self.pool_size = max(1, pool_size)
        self.version = 0  # the schema's version once open
        self.schema = ""
        self._pool: Any = None

    def __repr__(self) -> str:
        return f"PostgresStateStore({self.where!r})"

    async def __aenter__(self) -> PostgresStateStore:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ lifecycle

    async def open(self) -> None:
        if self._pool is not None:
            return
        import asyncpg

        check_dsn(self._dsn)
        try:
            con = await asyncpg.connect(self._dsn, timeout=CONNECT_TIMEOUT)
        except Exception as exc:  # (whatever the DSN or the server: one line, no password)
            raise self._unavailable(exc) from None
        try:
            self.version, self.schema = await prepare(con, self.where, q.MIGRATIONS, q.LATEST)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise self._unavailable(exc) from None
        finally:
            await con.close()
        try:
            self._pool = await asyncpg.create_pool(self._dsn, min_size=1, max_size=self.pool_size,
                                                   timeout=CONNECT_TIMEOUT)
        except Exception as exc:
            raise self._unavailable(exc) from None
        log.info("state database: %s, schema %s, version %d", self.where, self.schema, self.version)

    async def aclose(self) -> None:
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        try:
            await asyncio.wait_for(pool.close(), CLOSE_TIMEOUT)
        except TimeoutError:
            log.warning("state database (%s): connections still busy after %.0f s, closed", self.where,
                        CLOSE_TIMEOUT)
            pool.terminate()

    def _unavailable(self, exc: BaseException) -> StateError:
        detail = redact(one_line(exc), self._dsn)
        return StateDatabaseUnavailable(self.where, f"{detail}; check state_dsn (NOTECAST_STATE_DSN)")

    # ------------------------------------------------------------------ helpers

    def _connections(self) -> Any:
        if self._pool is None:
            raise StateError(f"the state database ({self.where}) is not open")
        return self._pool

    async def _rows(self, statement: q.Statement, params: Mapping[str, Any]) -> list[Any]:
        """One statement on its own (its own transaction)."""
        return list(await self._connections().fetch(statement.text, *statement.args(params)))

    async def _value(self, statement: q.Statement, params: Mapping[str, Any]) -> Any:
        return await self._connections().fetchval(statement.text, *statement.args(params))

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Transaction]:
        """Statements that commit together (or not at all), on one pooled connection."""
        async with self._connections().acquire() as con, con.transaction():
            yield _Transaction(con)

    # ------------------------------------------------------------------ summaries

    @staticmethod
    def _key(key: SummaryKey) -> dict[str, Any]:
        section = WHOLE_NOTE if key.section_index is None else key.section_index
        return {"content_hash": key.content_hash, "section_index": section, "length": key.length,
                "model": key.model}

    async def get_summary(self, key: SummaryKey) -> str | None:
        found = await self._value(q.GET_SUMMARY, self._key(key))
        return str(found) if found is not None else None

    async def put_summary(self, key: SummaryKey, summary: str, created_at: datetime) -> None:
        params = {**self._key(key), "summary": summary, "created_at": created_at.astimezone(UTC)}
        async with self.transaction() as tx:
            await tx.execute(q.PUT_SUMMARY, params)

    # ------------------------------------------------------------------ budgets

    async def take_budget(self, guild_id: int, day: date, limit: int) -> int | None:
        if limit <= 0:
            return None
        used = await self._value(q.TAKE_BUDGET, {"guild_id": guild_id, "day": day,
                                                 "limit": min(limit, INT4_MAX)})
        return int(used) if used is not None else None

    async def budget_used(self, guild_id: int, day: date) -> int:
        used = await self._value(q.BUDGET_USED, {"guild_id": guild_id, "day": day})
        return int(used) if used is not None else 0

    async def prune(self, *, summaries_before: datetime, budget_before: date) -> int:
        async with self.transaction() as tx:
            removed = await tx.execute(q.PRUNE_SUMMARIES, {"before": summaries_before.astimezone(UTC)})
            removed += await tx.execute(q.PRUNE_BUDGETS, {"before": budget_before})
        return removed

    # ------------------------------------------------------------------ schedules

    async def get_schedule(self, guild_id: int) -> Schedule | None:
        rows = await self._rows(q.GET_SCHEDULE, {"guild_id": guild_id})
        return schedule_from_row(rows[0]) if rows else None

    async def put_schedule(self, schedule: Schedule) -> None:
        params = schedule_params(schedule)
        async with self.transaction() as tx:
            await tx.execute(q.PUT_SCHEDULE, params)

    async def due_schedules(self, now: datetime, *, limit: int,
                            shards: Shards | None = None) -> list[Schedule]:
        if limit <= 0:
            return []
        params: dict[str, Any] = {"now": to_micros(now), "limit": limit}
        if shards is None:
            rows = await self._rows(q.DUE_SCHEDULES, params)
        else:
            if shards.count < 1 or not shards.ids:
                return []
            params |= {"shard_count": shards.count, "shard_ids": list(shards.ids)}
            rows = await self._rows(q.DUE_SCHEDULES_OF_SHARDS, params)
        return [schedule_from_row(row) for row in rows]

    async def count_schedules(self) -> tuple[int, int]:
        rows = await self._rows(q.COUNT_SCHEDULES, {})
        return int(rows[0][0]), int(rows[0][1])

    async def set_next_due(self, guild_id: int, next_due: datetime | None) -> None:
        params = {"guild_id": guild_id, "next_due": to_micros(next_due)}
        async with self.transaction() as tx:
            await tx.execute(q.SET_NEXT_DUE, params)

    async def start_cycle(self, guild_id: int, cycle: int) -> int:
        """The schedule's cycle after (``cycle`` itself when there is no schedule)."""
        params = {"guild_id": guild_id, "cycle": cycle}
        async with self.transaction() as tx:
            await tx.execute(q.START_CYCLE, params)
            rows = await tx.rows(q.SCHEDULE_CYCLE, params)
        return int(rows[0][0]) if rows else cycle

    # ------------------------------------------------------------------ days

    async def get_day(self, guild_id: int, day: str) -> DayRecord | None:
        rows = await self._rows(q.GET_DAY, {"guild_id": guild_id, "day": day})
        return day_from_row(rows[0]) if rows else None

    async def choose_day(self, guild_id: int, day: str, quote_key: str, cycle: int,
                         now: datetime) -> DayRecord:
        params = {"guild_id": guild_id, "day": day, "quote_key": quote_key, "cycle": cycle,
                  "now": to_micros(now)}
        async with self.transaction() as tx:
            await tx.execute(q.CHOOSE_DAY, params)
            rows = await tx.rows(q.GET_DAY, params)  # (a new snapshot: sees a winner's row)
        return day_from_row(rows[0])

    async def rechoose_day(self, guild_id: int, day: str, quote_key: str, now: datetime) -> bool:
        params = {"guild_id": guild_id, "day": day, "quote_key": quote_key, "now": to_micros(now)}
        async with self.transaction() as tx:
            return await tx.execute(q.RECHOOSE_DAY, params) > 0

    async def claim_day(self, guild_id: int, day: str, channel_id: int,
                        now: datetime) -> DayRecord | None:
        params = {"guild_id": guild_id, "day": day, "channel_id": channel_id, "now": to_micros(now)}
        async with self.transaction() as tx:
            rows = await tx.rows(q.CLAIM_DAY, params)
        return day_from_row(rows[0]) if rows else None

    async def record_posted(self, guild_id: int, day: str, message_id: int, now: datetime,
                            *, next_due: datetime | None) -> None:
        params = {"guild_id": guild_id, "day": day, "message_id": message_id,
                  "now": to_micros(now), "next_due": to_micros(next_due)}
        async with self.transaction() as tx:
            if not await tx.execute(q.DAY_POSTED, params):
                log.warning("qotd: server %d's day %s was not being sent: its post (message %d) "
                            "is not recorded", guild_id, day, message_id)
                return
            await tx.execute(q.SCHEDULE_POSTED, params)

    async def record_failed(self, guild_id: int, day: str, error: str, now: datetime, *,
                            next_due: datetime | None, failures: int,
                            paused_reason: str | None) -> None:
        params = {"guild_id": guild_id, "day": day, "error": error, "next_due": to_micros(next_due),
                  "failures": failures, "paused_reason": paused_reason}
        async with self.transaction() as tx:
            if not await tx.execute(q.DAY_FAILED, params):
                log.warning("qotd: server %d's day %s was not being sent: its failure (%s) is "
                            "not recorded", guild_id, day, error)
                return
            await tx.execute(q.SCHEDULE_FAILED, params)

    async def record_missed(self, guild_id: int, day: str, reason: str, now: datetime, *,
                            next_due: datetime | None, quote_key: str = "",
                            cycle: int = 0) -> None:
        params = {"guild_id": guild_id, "day": day, "reason": reason, "quote_key": quote_key,
                  "cycle": cycle, "next_due": to_micros(next_due)}
        async with self.transaction() as tx:
            if not await tx.rows(q.DAY_MISSED, params):
                log.info("qotd: server %d's day %s was posted: not marked missed (%s)", guild_id,
                         day, reason)
                return
            await tx.execute(q.SET_NEXT_DUE, params)

    async def used_keys(self, guild_id: int, cycle: int) -> set[str]:
        rows = await self._rows(q.USED_KEYS, {"guild_id": guild_id, "cycle": cycle})
        return {str(row[0]) for row in rows}

    async def recent_days(self, guild_id: int, limit: int) -> list[DayRecord]:
        if limit <= 0:
            return []
        rows = await self._rows(q.RECENT_DAYS, {"guild_id": guild_id, "limit": limit})
        return [day_from_row(row) for row in rows]


class _Transaction:
    """A pooled connection inside its transaction, spoken to with named parameters."""

    __slots__ = ("_con",)

    def __init__(self, con: Any) -> None:
        self._con = con

    async def execute(self, statement: q.Statement, params: Mapping[str, Any]) -> int:
        """Run it; the rows it changed."""
        return _count(await self._con.execute(statement.text, *statement.args(params)))

    async def rows(self, statement: q.Statement, params: Mapping[str, Any]) -> list[Any]:
        return list(await self._con.fetch(statement.text, *statement.args(params)))
