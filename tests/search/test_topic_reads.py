"""How a /topic lookup uses the search's two reader threads: it runs in one, hands its
full-text reads to the other, and never waits for a read that no reader has taken up."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import bot.search.topics as topics_module
from bot.cache.store import NotesCache
from bot.config import SAMPLE_VAULT
from bot.search import TopicSearch, note_scores

GUARD_SECONDS = 20  # only a hang reaches it (a lookup here takes milliseconds)


@pytest.fixture
async def search(tmp_path: Path) -> AsyncIterator[TopicSearch]:
    async with NotesCache(tmp_path / "c.db") as cache:
        await cache.sync(SAMPLE_VAULT)
        async with TopicSearch(cache) as topics:
            yield topics


async def test_two_lookups_at_once_never_wait_for_each_other(
        search: TopicSearch, monkeypatch: pytest.MonkeyPatch) -> None:
    queries = ("glowing animals in the deep ocean", "how much should a loaf cost")
    alone = [(await search.lookup(q)).hits for q in queries]
    # both lookups are in the two readers before either hands its reads over: those wait
    # in the queue, behind the lookups themselves
    both_in = threading.Barrier(2, timeout=GUARD_SECONDS)
    real_plan = topics_module.text_plan

    def meet(*args: Any) -> Any:
        both_in.wait()
        return real_plan(*args)

    monkeypatch.setattr(topics_module, "text_plan", meet)
    together = await asyncio.wait_for(
        asyncio.gather(*(search.lookup(q) for q in queries)), GUARD_SECONDS)
    assert [result.hits for result in together] == alone
    assert together[0].best is not None and together[0].best.why == "text"


async def test_a_failed_full_text_read_leaves_the_other_one_counted(
        search: TopicSearch, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise sqlite3.OperationalError("database disk image is malformed")

    monkeypatch.setattr(note_scores, "read_word_notes", broken)
    with caplog.at_level(logging.WARNING, logger="bot.search"):
        result = await search.lookup("glowing animals in the deep ocean")
    assert "query failed: database disk image is malformed" in caplog.text
    best = result.best
    assert best is not None  # the sections that hold the words still rank it
    assert (best.key, best.why) == ("curiousorbit/bioluminescence_chemistry", "text")
