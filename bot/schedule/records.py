"""What the quote-of-the-day scheduler keeps and returns (no Discord here).

A server's :class:`Schedule` says where and when; each local day it posts gets one
:class:`DayRecord`, the **claim**: the row ``(guild_id, day)`` exists at most once, so a
server posts at most once per local day whatever restarts or crashes happen. Its status
moves forward only::

    chosen --claim--> sending --recorded--> posted
       \\                 \\--send refused--> failed --retry--> sending ...
        \\--day over, or paused--> missed

``chosen``: today's quote is fixed (``/qotd preview`` and ``/qotd now`` and the post agree);
``sending``: a send was started and its outcome is not recorded yet (after a crash, the
scheduler looks for the post before sending again, see ``bot.schedule.service``);
``posted``: the message id is recorded; ``failed``: Discord refused the send (nothing was
posted) and it will be tried again; ``missed``: the day ended without a post (the reason
says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.quotes.records import Quote


class DayStatus(StrEnum):
    CHOSEN = "chosen"
    SENDING = "sending"
    POSTED = "posted"
    FAILED = "failed"
    MISSED = "missed"


@dataclass(frozen=True, slots=True)
class Schedule:
    """One server's quote of the day, as ``/qotd set`` stored it.

    ``post_time`` is ``"HH:MM"`` in ``timezone`` (an IANA name). ``speaker`` and
    ``source_channel`` filter the pool (as ``/quote`` takes them); ``role_id`` is the one
    role the post may ping (``None``: it pings nobody). ``seed`` and ``cycle`` drive the
    rotation (:mod:`bot.schedule.rotation`): ``cycle`` goes up by one each time the pool is
    used up. ``next_due`` (UTC) is when the scheduler next acts for it; ``None`` when it is
    off or paused. ``failures``: failed tries in a row; ``paused_reason``: set when the
    schedule was paused after too many (``/qotd set`` or ``/qotd resume``... clears it).
    """

    guild_id: int
    channel_id: int
    post_time: str
    timezone: str
    speaker: str | None = None
    source_channel: str | None = None
    role_id: int | None = None
    enabled: bool = True
    seed: int = 0
    cycle: int = 0
    next_due: datetime | None = None
    failures: int = 0
    last_error: str | None = None
    paused_reason: str | None = None
    updated_at: datetime | None = None
    updated_by: int | None = None  # the member who last set it

    @property
    def active(self) -> bool:
        return self.enabled and self.paused_reason is None


@dataclass(frozen=True, slots=True)
class DayRecord:
    """The claim of one server's local day (see the module's docstring)."""

    guild_id: int
    day: str  # the server's local date, YYYY-MM-DD
    quote_key: str  # the quote's stable key (bot.schedule.rotation.quote_key)
    cycle: int
    status: DayStatus
    channel_id: int | None = None
    message_id: int | None = None
    attempts: int = 0
    chosen_at: datetime | None = None
    claimed_at: datetime | None = None  # when the last send was started
    posted_at: datetime | None = None
    error: str | None = None  # why it failed or was missed


@dataclass(frozen=True, slots=True)
class Shards:
    """The shards this process runs: it posts only for the servers they own.

    Discord's rule: a server belongs to shard ``(guild_id >> 22) % count``."""

    count: int
    ids: tuple[int, ...]

    def owns(self, guild_id: int) -> bool:
        return (guild_id >> 22) % self.count in self.ids


@dataclass(frozen=True, slots=True)
class QotdStatus:
    """What ``/qotd status`` (and ``/qotd set``'s answer) shows an admin.

    ``next_post``: the next moment the scheduler posts (UTC; ``None`` when off or
    paused); ``next_post_local``: the same in the server's zone, written for people
    (``"Tue 8 Dec 2026, 09:00 CET"``);
    ``pool_size``: quotes the filters leave; ``problem``: what is wrong and what to do
    about it (a pause after failures, a channel gone, an empty pool), else ``None``."""

    schedule: Schedule | None
    next_post: datetime | None
    next_post_local: str | None
    pool_size: int
    last_posted: DayRecord | None
    today: DayRecord | None
    problem: str | None


@dataclass(frozen=True, slots=True)
class QotdToday:
    """Today's quote for a server (``/qotd preview``): fixed for the whole local day."""

    day: str
    quote: Quote
    record: DayRecord


class PostOutcome(StrEnum):
    POSTED = "posted"  # posted now
    ALREADY = "already"  # the day was posted before (or is being posted by another task)
    FAILED = "failed"  # Discord refused; ``error`` says why; retried later by the scheduler
    UNKNOWN = "unknown"  # the send's outcome is not known; the scheduler checks before retrying


@dataclass(frozen=True, slots=True)
class PostResult:
    outcome: PostOutcome
    day: str
    message_id: int | None = None
    channel_id: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one pass of the scheduler did (for logs, metrics and the benchmark)."""

    due: int = 0
    posted: int = 0
    failed: int = 0
    missed: int = 0
    skipped: int = 0  # not this process's shard, already posted, or not yet time
