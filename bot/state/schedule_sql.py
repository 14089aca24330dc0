"""The quote of the day's statements that both state backends run as they are written.

SQLite (:mod:`bot.state.sqlite_schedules`) runs them directly; PostgreSQL
(:mod:`bot.state.postgres_sql`) turns their named parameters into numbered ones. Both hold
the same tables (migration 3): ids as signed 64-bit integers, times as integer microseconds
since the epoch, UTC. Only the shard filter differs (``json_each`` against ``= ANY``) and
lives with each backend.

A day's status moves forward only (:mod:`bot.schedule.records`): each ``UPDATE`` names the
states it may leave.
"""

from __future__ import annotations

SCHEDULE_COLUMNS = ("guild_id, channel_id, post_time, timezone, speaker, source_channel, role_id, "
                    "enabled, seed, cycle, next_due, failures, last_error, paused_reason, "
                    "updated_at, updated_by")
DAY_COLUMNS = ("guild_id, day, quote_key, cycle, status, channel_id, message_id, attempts, "
               "chosen_at, claimed_at, posted_at, error")

GET_SCHEDULE = f"SELECT {SCHEDULE_COLUMNS} FROM qotd_schedules WHERE guild_id = :guild_id"
PUT_SCHEDULE = f"""
INSERT INTO qotd_schedules ({SCHEDULE_COLUMNS})
VALUES (:guild_id, :channel_id, :post_time, :timezone, :speaker, :source_channel, :role_id,
        :enabled, :seed, :cycle, :next_due, :failures, :last_error, :paused_reason,
        :updated_at, :updated_by)
ON CONFLICT (guild_id) DO UPDATE SET
    channel_id = excluded.channel_id, post_time = excluded.post_time,
    timezone = excluded.timezone, speaker = excluded.speaker,
    source_channel = excluded.source_channel, role_id = excluded.role_id,
    enabled = excluded.enabled, seed = excluded.seed, cycle = excluded.cycle,
    next_due = excluded.next_due, failures = excluded.failures,
    last_error = excluded.last_error, paused_reason = excluded.paused_reason,
    updated_at = excluded.updated_at, updated_by = excluded.updated_by
"""
# the WHERE repeats the partial index's (qotd_schedules_due): one range scan of active rows
DUE_SELECT = f"""
SELECT {SCHEDULE_COLUMNS} FROM qotd_schedules
WHERE enabled AND paused_reason IS NULL AND next_due IS NOT NULL AND next_due <= :now
"""
DUE_SCHEDULES = DUE_SELECT + "ORDER BY next_due, guild_id LIMIT :limit"
COUNT_SCHEDULES = """
SELECT count(*) FILTER (WHERE enabled AND paused_reason IS NULL),
       count(*) FILTER (WHERE enabled AND paused_reason IS NOT NULL)
FROM qotd_schedules
"""
SET_NEXT_DUE = "UPDATE qotd_schedules SET next_due = :next_due WHERE guild_id = :guild_id"
START_CYCLE = """
UPDATE qotd_schedules SET cycle = cycle + 1 WHERE guild_id = :guild_id AND cycle = :cycle
"""
SCHEDULE_CYCLE = "SELECT cycle FROM qotd_schedules WHERE guild_id = :guild_id"
SCHEDULE_POSTED = """
UPDATE qotd_schedules SET failures = 0, last_error = NULL, next_due = :next_due
WHERE guild_id = :guild_id
"""
SCHEDULE_FAILED = """
UPDATE qotd_schedules SET failures = :failures, last_error = :error, next_due = :next_due,
    paused_reason = :paused_reason
WHERE guild_id = :guild_id
"""

GET_DAY = f"SELECT {DAY_COLUMNS} FROM qotd_days WHERE guild_id = :guild_id AND day = :day"
CHOOSE_DAY = """
INSERT INTO qotd_days (guild_id, day, quote_key, cycle, status, attempts, chosen_at)
VALUES (:guild_id, :day, :quote_key, :cycle, 'chosen', 0, :now)
ON CONFLICT (guild_id, day) DO NOTHING
"""
RECHOOSE_DAY = """
UPDATE qotd_days SET quote_key = :quote_key, chosen_at = :now
WHERE guild_id = :guild_id AND day = :day AND status IN ('chosen', 'failed')
"""
CLAIM_DAY = f"""
UPDATE qotd_days SET status = 'sending', attempts = attempts + 1, claimed_at = :now,
    channel_id = :channel_id
WHERE guild_id = :guild_id AND day = :day AND status IN ('chosen', 'failed')
RETURNING {DAY_COLUMNS}
"""
DAY_POSTED = """
UPDATE qotd_days SET status = 'posted', message_id = :message_id, posted_at = :now, error = NULL
WHERE guild_id = :guild_id AND day = :day AND status = 'sending'
"""
DAY_FAILED = """
UPDATE qotd_days SET status = 'failed', error = :error
WHERE guild_id = :guild_id AND day = :day AND status = 'sending'
"""
DAY_MISSED = """
INSERT INTO qotd_days (guild_id, day, quote_key, cycle, status, attempts, error)
VALUES (:guild_id, :day, :quote_key, :cycle, 'missed', 0, :reason)
ON CONFLICT (guild_id, day) DO UPDATE SET status = 'missed', error = excluded.error
WHERE qotd_days.status <> 'posted'
RETURNING status
"""
USED_KEYS = """
SELECT quote_key FROM qotd_days
WHERE guild_id = :guild_id AND cycle = :cycle AND status <> 'missed'
"""
RECENT_DAYS = f"""
SELECT {DAY_COLUMNS} FROM qotd_days WHERE guild_id = :guild_id ORDER BY day DESC LIMIT :limit
"""
