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
)

LATEST = MIGRATIONS[-1].version if MIGRATIONS else 0
