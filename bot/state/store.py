"""The state database: what Notecast must not lose, apart from the notes cache.

The notes cache is derived from the vault and may be deleted and rebuilt at any time; this
is not. It holds the summaries an abstractive summarizer paid for, each server's daily
summary budget, and the quote-of-the-day schedules and their history. It lives in a
file of its own (setting ``state_db``; by default ``notecast-state.db`` beside the cache
when ``db`` is set, else in the user's data folder: ``Settings.state_db_path``), with
forward-only numbered migrations (:mod:`bot.state.migrations`).

Callers see :class:`StateStore`, a small async interface, so that another backend
(PostgreSQL, for several processes: :class:`~bot.state.postgres.PostgresStateStore`) can
stand in for :class:`~bot.state.sqlite.SQLiteStateStore` without touching them. Open the
configured one with ``async with open_configured_state(settings) as state`` (PostgreSQL when
``state_dsn`` is set, else the SQLite file), or a file with ``open_state_store(path)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot.schedule.records import DayRecord, Schedule, Shards

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.state.postgres import PostgresStateStore
    from bot.state.sqlite import SQLiteStateStore

WHOLE_NOTE = -1  # the section index a whole-note summary is stored under


@dataclass(frozen=True, slots=True)
class SummaryKey:
    """What a cached summary is stored under: the note's content, the section (``None``:
    the whole note), the length and the model that wrote it."""

    content_hash: str
    section_index: int | None
    length: str
    model: str


class ScheduleStore(Protocol):
    """Quote-of-the-day schedules and the claim of each server's local day.

    Every method is one atomic step (one transaction); ``record_*`` change the day and the
    schedule together. Times are aware datetimes, stored as UTC. The day's row is unique per
    ``(guild_id, day)``: whoever inserts or claims it first wins, in this process or another.
    """

    async def get_schedule(self, guild_id: int) -> Schedule | None:
        """The server's schedule (on, off or paused), or ``None`` if it never had one."""
        ...

    async def put_schedule(self, schedule: Schedule) -> None:
        """Insert the server's schedule, or replace every field of the one stored."""
        ...

    async def due_schedules(self, now: datetime, *, limit: int,
                            shards: Shards | None = None) -> list[Schedule]:
        """Active schedules (enabled, not paused) with ``next_due <= now``, earliest first,
        at most ``limit``; with ``shards``, only the servers those shards own."""
        ...

    async def count_schedules(self) -> tuple[int, int]:
        """How many schedules are active, and how many are paused."""
        ...

    async def get_day(self, guild_id: int, day: str) -> DayRecord | None:
        ...

    async def choose_day(self, guild_id: int, day: str, quote_key: str, cycle: int,
                         now: datetime) -> DayRecord:
        """Fix the day's quote: insert ``(guild_id, day)`` as ``chosen`` unless a row is
        there; the row as stored after (a row already there wins, whatever its quote)."""
        ...

    async def rechoose_day(self, guild_id: int, day: str, quote_key: str,
                           now: datetime) -> bool:
        """Replace the quote of a day still ``chosen`` or ``failed`` (its quote left the
        vault); ``False`` if the row is in any other state or absent."""
        ...

    async def claim_day(self, guild_id: int, day: str, channel_id: int,
                        now: datetime) -> DayRecord | None:
        """``chosen``/``failed`` -> ``sending`` (``attempts`` + 1, ``claimed_at``,
        ``channel_id``): the row after, or ``None`` when it is not in one of those states
        (already sending, posted or missed: someone else has it) or absent."""
        ...

    async def record_posted(self, guild_id: int, day: str, message_id: int, now: datetime,
                            *, next_due: datetime | None) -> None:
        """The day -> ``posted`` with its message; in the same transaction the schedule's
        ``failures`` -> 0, ``last_error`` -> ``None``, ``next_due``."""
        ...

    async def record_failed(self, guild_id: int, day: str, error: str, now: datetime, *,
                            next_due: datetime | None, failures: int,
                            paused_reason: str | None) -> None:
        """The day (``sending``) -> ``failed`` with ``error``; in the same transaction the
        schedule's ``failures``, ``last_error``, ``next_due`` and ``paused_reason``."""
        ...

    async def record_missed(self, guild_id: int, day: str, reason: str, now: datetime, *,
                            next_due: datetime | None, quote_key: str = "",
                            cycle: int = 0) -> None:
        """The day ended without a post: its row (inserted if absent, with ``quote_key``
        and ``cycle``) -> ``missed`` with ``reason`` unless already ``posted``; in the same
        transaction the schedule's ``next_due``."""
        ...

    async def set_next_due(self, guild_id: int, next_due: datetime | None) -> None:
        """Only the schedule's ``next_due``."""
        ...

    async def used_keys(self, guild_id: int, cycle: int) -> set[str]:
        """The quotes of the cycle's days that were not missed (chosen, sending, posted,
        failed): what the rotation does not pick again in this cycle."""
        ...

    async def start_cycle(self, guild_id: int, cycle: int) -> int:
        """Move the schedule from ``cycle`` to ``cycle + 1`` (only if it is at ``cycle``):
        the schedule's cycle after."""
        ...

    async def recent_days(self, guild_id: int, limit: int) -> list[DayRecord]:
        """The server's latest days, newest first."""
        ...


class StateStore(ScheduleStore, Protocol):
    """What Notecast keeps durably. Every method is one atomic step."""

    async def get_summary(self, key: SummaryKey) -> str | None:
        """The summary stored under ``key`` (as it was stored), or ``None``."""
        ...

    async def put_summary(self, key: SummaryKey, summary: str, created_at: datetime) -> None:
        """Store (or replace) the summary under ``key``."""
        ...

    async def take_budget(self, guild_id: int, day: date, limit: int) -> int | None:
        """Count one use of the server's budget for ``day`` if fewer than ``limit`` were
        counted: the count after it, or ``None`` (over budget, nothing counted)."""
        ...

    async def budget_used(self, guild_id: int, day: date) -> int:
        """How many uses the server's budget counted on ``day``."""
        ...

    async def prune(self, *, summaries_before: datetime, budget_before: date) -> int:
        """Forget summaries stored before ``summaries_before`` and budgets of days before
        ``budget_before``; the number of rows removed."""
        ...

    async def aclose(self) -> None:
        ...


def open_state_store(path: Path) -> SQLiteStateStore:
    """The state store at ``path``, to be used as ``async with open_state_store(path) as
    state`` (opened, created or migrated on entry; closed on exit). Raises
    :class:`~bot.state.errors.StateError` subclasses with a one-line message."""
    from bot.state.sqlite import SQLiteStateStore

    return SQLiteStateStore(path)


def open_configured_state(settings: Settings) -> SQLiteStateStore | PostgresStateStore:
    """The state store the settings choose, used as ``async with``: PostgreSQL at
    ``state_dsn`` when it is set (several processes share it), else the SQLite file at
    ``state_db_path`` (one process). Raises :class:`~bot.state.errors.StateError`
    subclasses with a one-line message that never holds the DSN's password."""
    if settings.state_dsn:
        from bot.state.postgres import PostgresStateStore

        return PostgresStateStore(settings.state_dsn.get())
    return open_state_store(settings.state_db_path)
