"""The search's read-only connections: a runaway statement is cut off, not waited for."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from bot.search import readers as readers_module
from bot.search.readers import Readers

RUNAWAY = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000)
SELECT count(*) FROM n
"""


async def test_a_statement_past_the_time_limit_is_interrupted(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    db = tmp_path / "c.db"
    sqlite3.connect(db).close()
    monkeypatch.setattr(readers_module, "QUERY_TIME_LIMIT", 0.2)
    readers = Readers(db)
    try:
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="interrupted"):
            await readers.fetch_all(RUNAWAY, {})
        assert time.monotonic() - started < 5  # a billion rows would take minutes
        assert await readers.fetch_all("SELECT 1", {}) == [(1,)]  # the connection still serves
    finally:
        await readers.close()
