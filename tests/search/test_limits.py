"""The bounds that keep a lookup cheap whatever is pasted, and off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.cache.store import NotesCache
from bot.config import SAMPLE_VAULT
from bot.search import TopicSearch, ranking, vocabulary
from bot.search.query import prepare_query
from bot.search.term_index import TermIndex


@pytest.fixture
async def search(tmp_path: Path) -> AsyncIterator[TopicSearch]:
    async with NotesCache(tmp_path / "c.db") as cache:
        await cache.sync(SAMPLE_VAULT)
        async with TopicSearch(cache) as topics:
            yield topics


CAP = 400  # MAX_QUERY_CHARS, written out: raising or removing the cap must fail here
FILLER = "tunneling " * 45  # 450 characters


def test_text_past_the_cap_is_not_searched() -> None:
    filler = FILLER
    prepared = prepare_query(filler + "sourdough")
    assert prepared.truncated
    assert prepared.words == ["tunneling"]  # "sourdough" came after the cap
    assert len(prepared.text) <= CAP


async def test_a_lookup_past_the_cap_says_it_was_cut(search: TopicSearch) -> None:
    filler = FILLER
    result = await search.lookup(filler + "sourdough starter")
    assert result.truncated
    assert len(result.query) <= CAP
    assert all("sourdough" not in hit.slug for hit in result.hits[:1])


async def test_ranking_never_runs_on_the_event_loop(search: TopicSearch,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    on_loop: list[str] = []

    def spy(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                asyncio.get_running_loop()
                on_loop.append(name)
            except RuntimeError:
                pass
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(TermIndex, "search", spy("TermIndex.search", TermIndex.search))
    monkeypatch.setattr(vocabulary.Vocabulary, "make_terms",
                        spy("make_terms", vocabulary.Vocabulary.make_terms))
    for name in ("memory_candidates", "text_plan", "text_scores", "fuse", "did_you_mean"):
        monkeypatch.setattr(ranking, name, spy(name, getattr(ranking, name)))
    import bot.search.topics as topics_module
    for name in ("memory_candidates", "text_plan", "text_scores", "fuse", "did_you_mean"):
        monkeypatch.setattr(topics_module, name, getattr(ranking, name))
    from bot.search import note_scores
    monkeypatch.setattr(note_scores, "score_notes",
                        spy("score_notes", note_scores.score_notes))
    for text in ("why do tiny particles get through walls", "quantm tunelling", "xqzvbnmkwp",
                 "x" * 6000):
        await search.lookup(text)
    assert on_loop == []
