"""The PostgreSQL state store's schema (forward-only numbered migrations) and statements.

The migrations are numbered and named as SQLite's (:mod:`bot.state.migrations`): version N
means the same tables in either backend. The quote of the day's tables keep SQLite's
types (ids ``BIGINT``, times ``BIGINT`` microseconds since the epoch, UTC), so that rows
read the same through :mod:`bot.state.sqlite_schedules`' converters, and run the
same statements (:mod:`bot.state.schedule_sql`); the summaries' times
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

from bot.state import schedule_sql as portable
from bot.state.migrations import Migration

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

GET_SCHEDULE = sql(portable.GET_SCHEDULE)
PUT_SCHEDULE = sql(portable.PUT_SCHEDULE)
DUE_SCHEDULES = sql(portable.DUE_SCHEDULES)
DUE_SCHEDULES_OF_SHARDS = sql(portable.DUE_SELECT + """
  AND ((guild_id >> 22) % :shard_count) = ANY(:shard_ids)
ORDER BY next_due, guild_id LIMIT :limit
""")
COUNT_SCHEDULES = sql(portable.COUNT_SCHEDULES)
SET_NEXT_DUE = sql(portable.SET_NEXT_DUE)
START_CYCLE = sql(portable.START_CYCLE)
SCHEDULE_CYCLE = sql(portable.SCHEDULE_CYCLE)
SCHEDULE_POSTED = sql(portable.SCHEDULE_POSTED)
SCHEDULE_FAILED = sql(portable.SCHEDULE_FAILED)

# --------------------------------------------------------------------------- days
# A day is claimed by a conditional UPDATE: a second claimer waits for the first one's row
# lock, then finds the row no longer 'chosen' or 'failed' (READ COMMITTED re-reads it).

GET_DAY = sql(portable.GET_DAY)
CHOOSE_DAY = sql(portable.CHOOSE_DAY)
RECHOOSE_DAY = sql(portable.RECHOOSE_DAY)
CLAIM_DAY = sql(portable.CLAIM_DAY)
DAY_POSTED = sql(portable.DAY_POSTED)
DAY_FAILED = sql(portable.DAY_FAILED)
DAY_MISSED = sql(portable.DAY_MISSED)
USED_KEYS = sql(portable.USED_KEYS)
RECENT_DAYS = sql(portable.RECENT_DAYS)
