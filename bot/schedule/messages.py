"""What the scheduler tells an admin: refusals, reasons of failed and missed days, pauses,
and the one ``problem`` line of ``/qotd status`` (what is wrong and what to do about it).

Plain sentences (no Discord markup added here); names that come from the notes (speakers,
channels) and what was typed are the cog's to escape when it shows them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, tzinfo

from bot.quotes.pool import QuotePool
from bot.schedule import times
from bot.schedule.records import DayRecord, DayStatus, Schedule

log = logging.getLogger(__name__)

ERROR_CHARS = 300  # of an error kept in the state database
RESUME = "Fix that, then use /qotd set again to resume."
NEEDS_ADMIN = "Needs an admin: "


def clip(text: str, limit: int = ERROR_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quoted(items: tuple[str, ...] | list[str]) -> str:
    return ", ".join(items)


def empty_pool(pool: QuotePool) -> str:
    """Why a pool is empty, naming the filter, and the speakers that do have quotes."""
    where = f" in the channel “{pool.channel_typed}”" if pool.channel_typed else ""
    if pool.channel_unknown:
        return (f"There is no channel “{pool.channel_typed}” in the notes: leave source-channel "
                "empty, or pick one that /quote knows.")
    if pool.speaker_unknown:
        text = f"No speaker called “{pool.speaker_typed}” has quotes{where}."
    elif pool.speaker is not None:
        text = f"{pool.speaker} has no quotes{where} that can be posted."
    else:
        text = f"There are no quotes with a named speaker{where}."
    if pool.suggest_speakers:
        text += f" Speakers with quotes{where}: {_quoted(pool.suggest_speakers)}."
    return text


def refused(reason: str, permanent: bool) -> str:
    """A refusal as the schedule's ``last_error`` and the day's error."""
    reason = clip(reason, ERROR_CHARS - len(NEEDS_ADMIN))
    return NEEDS_ADMIN + reason if permanent else reason


def no_answer(exc: BaseException) -> str:
    detail = clip(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, 120)
    return f"Discord did not answer the post ({detail})"


def lost(previous: str | None) -> str:
    """A send whose outcome was not known, and that is not in the channel."""
    if previous:
        return clip(f"{previous}, and the post is not in the channel")
    return "The bot stopped while posting, and the post is not in the channel"


def unread(reason: str) -> str:
    """A send whose outcome was not known, and the channel's history cannot be read."""
    return clip(f"The bot stopped while posting, and the channel cannot be checked ({reason})")


def unchecked(reason: str) -> str:
    """A send whose outcome is not known, and the channel cannot be read to find out."""
    return clip("Today's post may or may not have gone out, and I cannot read the channel to "
                f"check, so I did not post again (no duplicate). {reason}")


def paused(failures: int, error: str) -> str:
    return clip(f"Paused after {failures} failed tries in a row. The last: {error} {RESUME}", 600)


def offline(post_time: str, timezone: str, late_posts: bool) -> str:
    if late_posts:
        return (f"The bot was offline at {post_time} ({timezone}) and did not come back "
                "before the day ended.")
    return (f"The bot was offline at {post_time} ({timezone}), and late posts are off "
            "(setting qotd_late_posts).")


def not_posted(record: DayRecord | None, schedule: Schedule, late_posts: bool) -> str:
    """Why a day that is over was not posted."""
    if record is not None and record.status == DayStatus.FAILED and record.error:
        tries = f" after {record.attempts} tries" if record.attempts > 1 else ""
        return clip(f"Not posted{tries}: {record.error}")
    return offline(schedule.post_time, schedule.timezone, late_posts)


def empty_at_post(pool: QuotePool) -> str:
    return clip(f"Nothing to post: {empty_pool(pool)} Choose other filters with /qotd set.")


def missed_today(record: DayRecord) -> str:
    reason = f" ({record.error})" if record.error else ""
    return (f"Today's quote ({record.day}) was not posted{reason}, and the day is closed: "
            "the next one comes at the set time.")


def problem(schedule: Schedule, pool: QuotePool | None, today: DayRecord | None,
            recent: list[DayRecord], *, max_failures: int, tz: tzinfo,
            now: datetime) -> str | None:
    """The ``problem`` of ``/qotd status``: what is wrong and what to do, or ``None``."""
    if not schedule.enabled:
        return None
    if schedule.paused_reason:
        return schedule.paused_reason
    if pool is not None and not len(pool):
        return f"{empty_pool(pool)} Nothing is posted until /qotd set chooses other filters."
    if schedule.failures and schedule.last_error:
        when = (f" I will try again {times.describe(schedule.next_due, tz)}."
                if schedule.next_due is not None else "")
        left = max(0, max_failures - schedule.failures)
        tries = "try" if schedule.failures == 1 else f"{schedule.failures} tries in a row"
        return clip(f"The last {tries} failed: {schedule.last_error}{when} After {left} more "
                    "failed tries in a row the quote of the day pauses.", 600)
    if today is not None and today.status == DayStatus.SENDING:
        return ("Today's post got no answer from Discord: I will look for it in the channel "
                "before posting again, so it is not posted twice.")
    latest = recent[0] if recent else None
    if (latest is not None and latest.status == DayStatus.MISSED
            and latest.day >= (now.astimezone(tz) - timedelta(days=1)).date().isoformat()):
        return clip(f"The quote of {latest.day} was not posted: {latest.error or 'no reason kept'}",
                    600)
    return None
