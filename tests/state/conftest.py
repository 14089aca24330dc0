"""The state store the backend-neutral tests run against.

``state_backend`` opens stores on one database of its own, in each backend: SQLite (a file
in the test's folder) and PostgreSQL (a fresh schema on the test server, see
``tests/state/pg_fixtures.py``); every test written against ``state_store`` /
``state_backend`` runs on both."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from bot.state import StateStore, open_state_store
from tests.state.pg_fixtures import fresh_schema, postgres_dsn_or_skip

OpenStore = Callable[[], Awaitable[StateStore]]


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    """The test PostgreSQL server's DSN (skipped, loudly, where PostgreSQL is not installed)."""
    return postgres_dsn_or_skip()


@pytest.fixture(params=["sqlite", "postgres"])
async def state_backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[OpenStore]:
    """An async callable: each call opens one more store (its own connection, as another
    process would) on the test's one database; all are closed after the test."""
    opened: list[StateStore] = []
    async with AsyncExitStack() as stack:
        if request.param == "postgres":
            from bot.state.postgres import PostgresStateStore

            dsn = await stack.enter_async_context(fresh_schema(request.getfixturevalue("postgres_dsn")))

            def make() -> StateStore:
                return PostgresStateStore(dsn)
        else:
            def make() -> StateStore:
                return open_state_store(tmp_path / "notecast-state.db")

        async def open_one() -> StateStore:
            store = make()
            await store.open()  # type: ignore[attr-defined]
            opened.append(store)
            return store

        try:
            yield open_one
        finally:
            for store in reversed(opened):
                await store.aclose()


@pytest.fixture
async def state_store(state_backend: OpenStore) -> StateStore:
    """An open state store on a fresh database."""
    return await state_backend()
