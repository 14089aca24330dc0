"""The state store the backend-neutral tests run against.

``state_backend`` opens stores on one database of its own: SQLite today (a file in the
test's folder); a PostgreSQL backend becomes a second parameter here, and every test
written against ``state_store`` / ``state_backend`` runs on it unchanged."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.state import StateStore, open_state_store

OpenStore = Callable[[], Awaitable[StateStore]]


@pytest.fixture(params=["sqlite"])
async def state_backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[OpenStore]:
    """An async callable: each call opens one more store (its own connection, as another
    process would) on the test's one database; all are closed after the test."""
    opened: list[StateStore] = []

    async def open_one() -> StateStore:
        assert request.param == "sqlite"
        store = open_state_store(tmp_path / "notecast-state.db")
        await store.open()
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
