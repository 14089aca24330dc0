"""Opening a PostgreSQL state database: where it is (for logs: never the DSN, which holds a
password), proving the schema is Notecast's, migrating it forward, and the one-line errors.

Opening takes a session advisory lock (:data:`~bot.state.postgres_sql.MIGRATION_LOCK`) for
the whole check and migration, so that processes starting at once against one database
check and migrate it one after the other: each migration is applied exactly once, each in
a transaction of its own with the new version (PostgreSQL's DDL is transactional: a
migration that fails leaves nothing of itself). The tables live in the connection's
``current_schema()`` (``public``, or the DSN's ``?search_path=...``). A schema is used only
when it holds the marker ``notecast_schema`` with Notecast's row, or nothing at all (then it
is marked and migrated); one that holds anything else, or a version newer than this code,
is refused and never altered.
"""

from __future__ import annotations

import contextlib
import logging
import os
import urllib.parse
from typing import Any

from bot.state.errors import (
    ForeignStateFile,
    StateError,
    StateMigrationFailed,
    StateTooNew,
    StateUnwritable,
)
from bot.state.migrations import Migration
from bot.state.postgres_sql import (
    APPLICATION,
    CREATE_MARKER,
    MARKER_ROWS,
    MARKER_TABLE,
    MIGRATION_LOCK,
    RELATIONS,
    SET_VERSION,
)

log = logging.getLogger(__name__)

ADVICE = "set NOTECAST_STATE_DSN (state_dsn) to another database, or add ?search_path=<schema> to it"
SCHEMES = ("postgresql", "postgres")


def describe(dsn: str) -> str:
    """``PostgreSQL database notecast on db.internal:5432``: the host(s), port and database
    of a ``postgresql://`` DSN, never its user or password."""
    try:
        parts = urllib.parse.urlsplit(dsn)
        query = urllib.parse.parse_qs(parts.query)
    except ValueError:
        return "the PostgreSQL database of state_dsn"
    hosts = parts.netloc.rpartition("@")[2] or ",".join(query.get("host", [])) \
        or os.environ.get("PGHOST", "") or "localhost"
    database = urllib.parse.unquote(parts.path.lstrip("/")) or ",".join(query.get("dbname", [])) \
        or os.environ.get("PGDATABASE", "") or "(the user's)"
    return f"PostgreSQL database {database} on {hosts}"


def redact(text: str, dsn: str) -> str:
    """``text`` (an error's message) without the DSN's password, in any spelling of it."""
    try:
        password = urllib.parse.urlsplit(dsn).password
    except ValueError:
        password = None
    for secret in {dsn, password or "", urllib.parse.unquote(password or "")}:
        if secret:
            text = text.replace(secret, "********")
    return text


def check_dsn(dsn: str) -> None:
    scheme = dsn.partition("://")[0].lower() if "://" in dsn else ""
    if scheme not in SCHEMES:
        raise StateDatabaseUnavailable("state_dsn (NOTECAST_STATE_DSN)",
                                       "it must be a postgresql://user:password@host:port/database URL")


# --------------------------------------------------------------------------- errors
# The SQLite errors' kinds (callers may catch those), worded for a database and its DSN.

class ForeignStateDatabase(ForeignStateFile):
    def __init__(self, where: str, what: str) -> None:
        self.where = where
        StateError.__init__(self, f"{where} is not a Notecast state database ({what}): "
                                  f"Notecast leaves it alone; {ADVICE}")


class StateDatabaseTooNew(StateTooNew):
    def __init__(self, where: str, version: int, known: int) -> None:
        self.where, self.version, self.known = where, version, known
        StateError.__init__(self, f"the state database ({where}) is version {version}, newer than "
                                  f"this Notecast understands ({known}): run a newer Notecast, or "
                                  f"{ADVICE}; the database was left as it is")


class StateDatabaseUnavailable(StateUnwritable):
    def __init__(self, where: str, failure: str) -> None:
        self.where = where
        StateError.__init__(self, f"cannot use the state database ({where}): {failure}")


class StateDatabaseMigrationFailed(StateMigrationFailed):
    def __init__(self, where: str, version: int, name: str, detail: str) -> None:
        self.where, self.version = where, version
        StateError.__init__(self, f"the state database ({where}) could not be brought to version "
                                  f"{version} ({name}): {detail}; nothing of that step was applied")


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:299] + "…"


# --------------------------------------------------------------------------- opening

async def prepare(con: Any, where: str, migrations: tuple[Migration, ...], latest: int) -> tuple[int, str]:
    """Check and migrate the schema of ``con`` (an asyncpg connection of its own, closed by
    the caller after, which also releases the lock whatever happens) under the advisory
    lock: its version after, and the schema's name."""
    import asyncpg

    await con.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        schema = await con.fetchval("SELECT current_schema()")
        if schema is None:
            raise StateDatabaseUnavailable(where, "its search_path names no schema that exists: "
                                                  "create the schema, or fix ?search_path= in state_dsn")
        where = f"{where}, schema {schema}"
        version = await _version(con, where)
        if version is None:
            try:
                async with con.transaction():
                    await con.execute(CREATE_MARKER[0])
                    await con.execute(CREATE_MARKER[1], APPLICATION)
            except asyncpg.PostgresError as exc:
                raise StateDatabaseUnavailable(where, one_line(exc)) from None
            version = 0
            log.info("state database (%s): marked as Notecast's", where)
        if version > latest:
            raise StateDatabaseTooNew(where, version, latest)
        for migration in migrations:
            if migration.version <= version:
                continue
            try:
                async with con.transaction():
                    for statement in migration.statements:
                        await con.execute(statement)
                    await con.execute(SET_VERSION, migration.version, APPLICATION)
            except asyncpg.PostgresError as exc:
                raise StateDatabaseMigrationFailed(where, migration.version, migration.name,
                                                   one_line(exc)) from None
            version = migration.version
            log.info("state database (%s): migration %d (%s) applied", where, migration.version,
                     migration.name)
        return version, str(schema)
    finally:
        if not con.is_closed():  # (else the server released it with the session)
            with contextlib.suppress(Exception):
                await con.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


async def _version(con: Any, where: str) -> int | None:
    """The marked schema's version; ``None`` for an empty schema; a foreign one raises."""
    relations = [row[0] for row in await con.fetch(RELATIONS)]
    if MARKER_TABLE not in relations:
        if relations:
            shown = ", ".join(relations[:5]) + (f" and {len(relations) - 5} more" if len(relations) > 5 else "")
            raise ForeignStateDatabase(where, f"it holds other tables ({shown}) and no Notecast marker")
        return None
    import asyncpg

    try:
        rows = await con.fetch(MARKER_ROWS)
    except asyncpg.PostgresError as exc:
        raise ForeignStateDatabase(where, f"its {MARKER_TABLE} table cannot be read: {one_line(exc)}") from None
    if len(rows) != 1 or rows[0]["application"] != APPLICATION or not isinstance(rows[0]["version"], int):
        raise ForeignStateDatabase(where, f"its {MARKER_TABLE} table is not Notecast's")
    return int(rows[0]["version"])
