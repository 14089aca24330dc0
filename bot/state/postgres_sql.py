"""The PostgreSQL state store's schema (forward-only numbered migrations) and statements.

The migrations are numbered and named as SQLite's (:mod:`bot.state.migrations`): version N
means the same tables in either backend. The quote of the day's tables keep SQLite's
types (ids ``BIGINT``, times ``BIGINT`` microseconds since the epoch, UTC), so that rows
read the same through :mod:`bot.state.sqlite_schedules`' converters; the summaries' times
and days are ``timestamptz`` and ``date``. A database is Notecast's when its schema holds
the marker table ``notecast_schema`` (one row: the application and the version).

Statements are written with named parameters (``:name``); :func:`sql` turns them into
asyncpg's numbered ones once, at import, and :meth:`Statement.args` orders a dict's values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.state.migrations import Migration
from bot.state.sqlite_schedules import DAY_COLUMNS, SCHEDULE_COLUMNS

APPLICATION = "notecast-state"
# pg_advisory_lock's key while a process checks and migrates the schema: "NCST" as in
# SQLite's application id, shifted to leave room for other Notecast locks.
MIGRATION_LOCK = 0x4E43_5354 << 8

# a quoted literal (left as it is), or a :name that is not a ::cast
_PARAM = re.compile(r"'(?:[^']|'')*'|(?<![:\w]):([A-Za-z_]\w*)")


@dataclass(frozen=True, slots=True)
class Statement:
    text: str  # with $1, $2...
    names: tuple[str, ...]  # the parameter of each number

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        return [params[name] for name in self.names]


def sql(query: str) -> Statement:
    """``:name`` parameters -> ``$n`` (one number per name, however often it appears; not
    inside a quoted literal, nor a ``::type`` cast)."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return Statement(_PARAM.sub(number, query), tuple(names))


# --------------------------------------------------------------------------- the schema

MARKER_TABLE = "notecast_schema"
# every relation in the current schema: ours holds the marker, a new one holds nothing
RELATIONS = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
ORDER BY c.relname
"""
MARKER_ROWS = "SELECT application, version FROM notecast_schema LIMIT 2"
CREATE_MARKER = (
    """
    CREATE TABLE notecast_schema (
        application  TEXT NOT NULL PRIMARY KEY,  -- 'notecast-state'
        version      INTEGER NOT NULL,           -- the last migration applied
        created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
    )
    """,
    "INSERT INTO notecast_schema (application, version) VALUES ($1, 0)",
)
SET_VERSION = "UPDATE notecast_schema SET version = $1 WHERE application = $2"

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "summary cache", (
        """
        CREATE TABLE summary_cache (
            content_hash   TEXT NOT NULL,
            section_index  INTEGER NOT NULL,      -- -1: the whole note
            length         TEXT NOT NULL,
            model          TEXT NOT NULL,
            summary        TEXT NOT NULL,         -- JSON, as the summarizer stored it
            created_at     TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (content_hash, section_index, length, model)
        )
        """,
        "CREATE INDEX summary_cache_created ON summary_cache (created_at)",
    )),
    Migration(2, "summary budget", (
        """
        CREATE TABLE summary_budget (
            guild_id  BIGINT NOT NULL,   -- 0: direct messages and the command line
            day       DATE NOT NULL,     -- UTC
            used      INTEGER NOT NULL,
            PRIMARY KEY (guild_id, day)
        )
        """,
    )),
    Migration(3, "quote of the day", (
        """
        CREATE TABLE qotd_schedules (
            guild_id        BIGINT NOT NULL PRIMARY KEY,
            channel_id      BIGINT NOT NULL,
            post_time       TEXT NOT NULL,
            timezone        TEXT NOT NULL,
            speaker         TEXT,
            source_channel  TEXT,
            role_id         BIGINT,
            enabled         BOOLEAN NOT NULL,
            seed            BIGINT NOT NULL,
            cycle           INTEGER NOT NULL,
            next_due        BIGINT,            -- microseconds since the epoch, UTC
            failures        INTEGER NOT NULL,
            last_error      TEXT,
            paused_reason   TEXT,
            updated_at      BIGINT,
            updated_by      BIGINT
        )
        """,
        """
        CREATE INDEX qotd_schedules_due ON qotd_schedules (next_due)
        WHERE enabled AND paused_reason IS NULL AND next_due IS NOT NULL
        """,
        """
        CREATE TABLE qotd_days (
            guild_id    BIGINT NOT NULL,
            day         TEXT COLLATE "C" NOT NULL,  -- YYYY-MM-DD, ordered as text
            quote_key   TEXT NOT NULL,
            cycle       INTEGER NOT NULL,
            status      TEXT NOT NULL CHECK (status IN ('chosen', 'sending', 'posted', 'failed', 'missed')),
            channel_id  BIGINT,
            message_id  BIGINT,
            attempts    INTEGER NOT NULL,
            chosen_at   BIGINT,
            claimed_at  BIGINT,
            posted_at   BIGINT,
            error       TEXT,
            PRIMARY KEY (guild_id, day)
        )
        """,
        "CREATE INDEX qotd_days_cycle ON qotd_days (guild_id, cycle, status, quote_key)",
    )),
)

LATEST = MIGRATIONS[-1].version if MIGRATIONS else 0

# --------------------------------------------------------------------------- summaries

GET_SUMMARY = sql("""
SELECT summary FROM summary_cache
WHERE content_hash = :content_hash AND section_index = :section_index
  AND length = :length AND model = :model
""")
PUT_SUMMARY = sql("""
INSERT INTO summary_cache (content_hash, section_index, length, model, summary, created_at)
VALUES (:content_hash, :section_index, :length, :model, :summary, :created_at)
ON CONFLICT (content_hash, section_index, length, model)
DO UPDATE SET summary = excluded.summary, created_at = excluded.created_at
""")
TAKE_BUDGET = sql("""
INSERT INTO summary_budget AS b (guild_id, day, used) VALUES (:guild_id, :day, 1)
ON CONFLICT (guild_id, day) DO UPDATE SET used = b.used + 1 WHERE b.used < :limit
RETURNING used
""")
BUDGET_USED = sql("SELECT used FROM summary_budget WHERE guild_id = :guild_id AND day = :day")
PRUNE_SUMMARIES = sql("DELETE FROM summary_cache WHERE created_at < :before")
PRUNE_BUDGETS = sql("DELETE FROM summary_budget WHERE day < :before")

# --------------------------------------------------------------------------- schedules

GET_SCHEDULE = sql(f"SELECT {SCHEDULE_COLUMNS} FROM qotd_schedules WHERE guild_id = :guild_id")
PUT_SCHEDULE = sql(f"""
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
""")
# the WHERE repeats the partial index's (qotd_schedules_due)
_DUE = f"""
SELECT {SCHEDULE_COLUMNS} FROM qotd_schedules
WHERE enabled AND paused_reason IS NULL AND next_due IS NOT NULL AND next_due <= :now
"""
DUE_SCHEDULES = sql(_DUE + "ORDER BY next_due, guild_id LIMIT :limit")
DUE_SCHEDULES_OF_SHARDS = sql(_DUE + """
  AND ((guild_id >> 22) % :shard_count) = ANY(:shard_ids)
ORDER BY next_due, guild_id LIMIT :limit
""")
COUNT_SCHEDULES = sql("""
SELECT count(*) FILTER (WHERE enabled AND paused_reason IS NULL),
       count(*) FILTER (WHERE enabled AND paused_reason IS NOT NULL)
FROM qotd_schedules
""")
SET_NEXT_DUE = sql("UPDATE qotd_schedules SET next_due = :next_due WHERE guild_id = :guild_id")
START_CYCLE = sql("""
UPDATE qotd_schedules SET cycle = cycle + 1 WHERE guild_id = :guild_id AND cycle = :cycle
""")
SCHEDULE_CYCLE = sql("SELECT cycle FROM qotd_schedules WHERE guild_id = :guild_id")
SCHEDULE_POSTED = sql("""
UPDATE qotd_schedules SET failures = 0, last_error = NULL, next_due = :next_due
WHERE guild_id = :guild_id
""")
SCHEDULE_FAILED = sql("""
UPDATE qotd_schedules SET failures = :failures, last_error = :error, next_due = :next_due,
    paused_reason = :paused_reason
WHERE guild_id = :guild_id
""")

# --------------------------------------------------------------------------- days
# A day is claimed by a conditional UPDATE: a second claimer waits for the first one's row
# lock, then finds the row no longer 'chosen' or 'failed' (READ COMMITTED re-reads it).

GET_DAY = sql(f"SELECT {DAY_COLUMNS} FROM qotd_days WHERE guild_id = :guild_id AND day = :day")
CHOOSE_DAY = sql("""
INSERT INTO qotd_days (guild_id, day, quote_key, cycle, status, attempts, chosen_at)
VALUES (:guild_id, :day, :quote_key, :cycle, 'chosen', 0, :now)
ON CONFLICT (guild_id, day) DO NOTHING
""")
RECHOOSE_DAY = sql("""
UPDATE qotd_days SET quote_key = :quote_key, chosen_at = :now
WHERE guild_id = :guild_id AND day = :day AND status IN ('chosen', 'failed')
""")
CLAIM_DAY = sql(f"""
UPDATE qotd_days SET status = 'sending', attempts = attempts + 1, claimed_at = :now,
    channel_id = :channel_id
WHERE guild_id = :guild_id AND day = :day AND status IN ('chosen', 'failed')
RETURNING {DAY_COLUMNS}
""")
DAY_POSTED = sql("""
UPDATE qotd_days SET status = 'posted', message_id = :message_id, posted_at = :now, error = NULL
WHERE guild_id = :guild_id AND day = :day AND status = 'sending'
""")
DAY_FAILED = sql("""
UPDATE qotd_days SET status = 'failed', error = :error
WHERE guild_id = :guild_id AND day = :day AND status = 'sending'
""")
DAY_MISSED = sql("""
INSERT INTO qotd_days (guild_id, day, quote_key, cycle, status, attempts, error)
VALUES (:guild_id, :day, :quote_key, :cycle, 'missed', 0, :reason)
ON CONFLICT (guild_id, day) DO UPDATE SET status = 'missed', error = excluded.error
WHERE qotd_days.status <> 'posted'
RETURNING status
""")
USED_KEYS = sql("""
SELECT quote_key FROM qotd_days
WHERE guild_id = :guild_id AND cycle = :cycle AND status <> 'missed'
""")
RECENT_DAYS = sql(f"""
SELECT {DAY_COLUMNS} FROM qotd_days WHERE guild_id = :guild_id ORDER BY day DESC LIMIT :limit
""")
