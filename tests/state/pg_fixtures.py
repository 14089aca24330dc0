"""The PostgreSQL server and schemas the tests of the PostgreSQL state store use.

:func:`postgres_dsn_or_skip`: ``NOTECAST_TEST_POSTGRES_DSN`` (``.ci/run`` starts a server
and sets it), else this test session's own throwaway server (:mod:`tests.state.pg_server`),
else, only where PostgreSQL is not installed, a skip with a warning in pytest's summary.
:func:`fresh_schema`: an empty schema of its own for one test, dropped after it.
"""

from __future__ import annotations

import os
import secrets
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from tests.state import pg_server


def postgres_dsn_or_skip() -> str:
    given = os.environ.get(pg_server.ENV, "").strip()
    if given:
        return given  # (asked for explicitly: a server that does not answer fails the tests)
    try:
        return pg_server.shared()
    except pg_server.Unavailable as exc:
        message = (f"THE POSTGRESQL STATE STORE WAS NOT TESTED: {exc}; or point "
                   f"{pg_server.ENV} at a server")
        warnings.warn(message, pytest.PytestWarning, stacklevel=2)
        pytest.skip(message)


@asynccontextmanager
async def fresh_schema(dsn: str) -> AsyncIterator[str]:
    """The DSN with ``search_path`` set to a new empty schema; the schema is dropped after."""
    import asyncpg

    name = f"notecast_test_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f"CREATE SCHEMA {name}")
        yield pg_server.with_search_path(dsn, name)
    finally:
        try:
            await admin.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        finally:
            await admin.close()
