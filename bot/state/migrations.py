"""The state database's schema, as forward-only numbered migrations.

The database's version is ``PRAGMA user_version``: the number of the last migration
applied. At open, each migration above it is applied in a transaction of its own (its
statements and the new version together, or nothing). A migration, once released, is never
edited or removed: a change is a new migration at the end. There are no downgrades: a file
whose version is above :data:`LATEST` is refused (see :class:`~bot.state.errors.StateTooNew`).

To add one: append ``Migration(N + 1, "what it does", (statements...))`` to
:data:`MIGRATIONS`; ``tests/state/test_store.py`` checks that the numbers run 1, 2, 3...
"""

from __future__ import annotations

from dataclasses import dataclass

# "NCST": Notecast state. Distinct from the notes cache's 0x4E434348 ("NCCH"), so that
# neither file is ever mistaken for the other.
APPLICATION_ID = 0x4E43_5354


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "summary cache", (
        """
        CREATE TABLE summary_cache (
            content_hash   TEXT NOT NULL,     -- of the note's file
            section_index  INTEGER NOT NULL,  -- -1: the whole note
            length         TEXT NOT NULL,     -- short | medium | long
            model          TEXT NOT NULL,     -- the summarizer's model
            summary        TEXT NOT NULL,     -- JSON, as the summarizer stored it
            created_at     TEXT NOT NULL,     -- ISO 8601, UTC
            PRIMARY KEY (content_hash, section_index, length, model)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX summary_cache_created ON summary_cache (created_at)",
    )),
    Migration(2, "summary budget", (
        """
        CREATE TABLE summary_budget (
            guild_id  INTEGER NOT NULL,  -- 0: direct messages and the command line
            day       TEXT NOT NULL,     -- YYYY-MM-DD, UTC
            used      INTEGER NOT NULL,
            PRIMARY KEY (guild_id, day)
        ) WITHOUT ROWID
        """,
    )),
    # Discord ids are BIGINT (signed 64 bits: a snowflake fits); every time is BIGINT
    # microseconds since the Unix epoch, UTC (exact both ways, like PostgreSQL's timestamptz),
    # so that the schema reads the same in a PostgreSQL backend.
    Migration(3, "quote of the day", (
        """
        CREATE TABLE qotd_schedules (
            guild_id        BIGINT NOT NULL PRIMARY KEY,
            channel_id      BIGINT NOT NULL,
            post_time       TEXT NOT NULL,     -- HH:MM in timezone
            timezone        TEXT NOT NULL,     -- an IANA name
            speaker         TEXT,              -- the pool's filters (NULL: any)
            source_channel  TEXT,
            role_id         BIGINT,            -- the one role the post pings (NULL: none)
            enabled         BOOLEAN NOT NULL,
            seed            BIGINT NOT NULL,   -- the rotation's
            cycle           INTEGER NOT NULL,
            next_due        BIGINT,            -- NULL when off or paused
            failures        INTEGER NOT NULL,  -- failed tries in a row
            last_error      TEXT,
            paused_reason   TEXT,              -- NULL unless paused after failures
            updated_at      BIGINT,
            updated_by      BIGINT             -- the member who last set it
        ) WITHOUT ROWID
        """,
        # due_schedules: one range scan over the active schedules only
        """
        CREATE INDEX qotd_schedules_due ON qotd_schedules (next_due)
        WHERE enabled AND paused_reason IS NULL AND next_due IS NOT NULL
        """,
        """
        CREATE TABLE qotd_days (
            guild_id    BIGINT NOT NULL,
            day         TEXT NOT NULL,      -- the server's local date, YYYY-MM-DD
            quote_key   TEXT NOT NULL,
            cycle       INTEGER NOT NULL,
            status      TEXT NOT NULL CHECK (status IN ('chosen', 'sending', 'posted', 'failed', 'missed')),
            channel_id  BIGINT,
            message_id  BIGINT,
            attempts    INTEGER NOT NULL,
            chosen_at   BIGINT,
            claimed_at  BIGINT,             -- when the last send was started
            posted_at   BIGINT,
            error       TEXT,               -- why it failed or was missed
            PRIMARY KEY (guild_id, day)
        ) WITHOUT ROWID
        """,
        # used_keys: covering, so that a cycle's keys are read from the index alone
        "CREATE INDEX qotd_days_cycle ON qotd_days (guild_id, cycle, status, quote_key)",
    )),
)

LATEST = MIGRATIONS[-1].version if MIGRATIONS else 0
