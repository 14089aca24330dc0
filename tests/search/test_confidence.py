"""Nonsense gets no confident answer: it is told that nothing matches well, with titles."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cache.store import NotesCache
from bot.config import SAMPLE_VAULT
from bot.search import TopicSearch
from bot.search.confidence import machine_text


@pytest.fixture
async def search(tmp_path: Path) -> AsyncIterator[TopicSearch]:
    async with NotesCache(tmp_path / "c.db") as cache:
        await cache.sync(SAMPLE_VAULT)
        async with TopicSearch(cache) as topics:
            yield topics


NONSENSE = [
    "/srv/menu/engineering.txt",  # file paths whose words are in the notes
    "C:\\Users\\food\\cost.txt",
    "https://example.com/quantum/tunneling",  # a URL
    "menu-engineering.com",
    "<@&123456> food cost",  # a role mention
    "SELECT * FROM menu WHERE engineering=1",  # code
    "lorem ipsum dolor\nsit amet consectetur",  # filler
    "😀🎧🔥",  # emoji only
]


@pytest.mark.parametrize("query", NONSENSE)
async def test_nonsense_is_not_a_confident_answer(search: TopicSearch, query: str) -> None:
    result = await search.lookup(query)
    assert not result.confident
    if result.reason is None:
        assert result.did_you_mean  # the closest titles instead
        titles = {c.name.split(" — ")[0] for c in search.autocomplete("", limit=25)}
        assert set(result.did_you_mean) <= titles
    assert await search.resolve(query) is None


@pytest.mark.parametrize("query", ["menu engineering", "food cost", "quantm tunelling",
                                   "Teodora Vance", "How Likely Is It"])
async def test_real_questions_stay_confident(search: TopicSearch, query: str) -> None:
    assert (await search.lookup(query)).confident


@pytest.mark.parametrize(("text", "machine"), [
    ("/etc/passwd", True), ("~/.ssh/id_rsa", True), ("../../x", True), ("a/b/c", True),
    ("C:\\Users\\x", True), ("http://x.y", True), ("www.example", True), ("google.com", True),
    ("<@123>", True), ("<#123>", True), ("@everyone", True), ("x = 1; y = 2", True),
    ("TAC 1.0 vs TAC 2.0", False), ("P-8A Poseidon case study", False),
    ("what's the 80/20 rule?", False), ("rock & roll (live)", False), ("C. S. Lewis", False),
])
def test_machine_text(text: str, machine: bool) -> None:
    assert machine_text(text) is machine
