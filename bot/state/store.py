"""The state database: what Notecast must not lose, apart from the notes cache.

The notes cache is derived from the vault and may be deleted and rebuilt at any time; this
is not. It holds the summaries an abstractive summarizer paid for, each server's daily
summary budget, and (next) the quote-of-the-day schedules and their history. It lives in a
file of its own (setting ``state_db``, by default ``notecast-state.db`` beside the cache),
with forward-only numbered migrations (:mod:`bot.state.migrations`).

Callers see :class:`StateStore`, a small async interface, so that another backend
(PostgreSQL, for several processes) can stand in for :class:`~bot.state.sqlite.SQLiteStateStore`
without touching them. Open it with ``async with open_state_store(path) as state``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
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


class StateStore(Protocol):
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
