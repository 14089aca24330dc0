"""Discord wants a first answer within 3 s: a slow reply is deferred first, then follows.

The builders are slowed with real sleeps (SimCord's clock follows the event loop's), so
these tests show what Discord would see; they assert the order of what was sent, not a time.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

import cogs.replies
from bot.app.client import APOLOGY
from tests.e2e.conftest import callback_types, check_everything_posted

MESSAGE, DEFERRED = 4, 5


def _slow(target: Any, name: str, monkeypatch: Any, seconds: float,
          error: Exception | None = None) -> None:
    real = getattr(target, name)

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(seconds)
        if error is not None:
            raise error
        return await real(*args, **kwargs)

    monkeypatch.setattr(target, name, slow)


async def test_a_reply_that_takes_two_seconds_is_deferred_then_follows(
        world: Any, monkeypatch: Any) -> None:
    env, _guild, channel, alice = world
    _slow(env.bot.services.topics, "lookup", monkeypatch, 2.0)
    result = await alice.slash(channel, "topic", query="quantum tunneling")
    assert callback_types(env) == [DEFERRED]  # "Notecast is thinking…", within the deadline
    assert not result.ephemeral
    assert result.response.embeds[0].title == "Quantum tunneling"  # the follow-up took its place
    assert result.response.components  # with its buttons
    check_everything_posted(env)


async def test_a_fast_reply_is_not_deferred(world: Any) -> None:
    env, _guild, channel, alice = world
    await alice.slash(channel, "topic", query="quantum tunneling")
    await alice.slash(channel, "stats")
    assert callback_types(env) == [MESSAGE, MESSAGE]


@pytest.mark.parametrize("command", ["search", "related", "stats"])
async def test_every_command_defers_when_slow(world: Any, monkeypatch: Any, command: str) -> None:
    env, _guild, channel, alice = world
    monkeypatch.setattr(cogs.replies, "DEFER_AFTER", 0.05)
    services = env.bot.services
    target, name, options = {
        "search": (services.fulltext, "search", {"query": "tunneling"}),
        "related": (services.related, "related", {"note": "curiousorbit/quantum_tunneling"}),
        "stats": (services.cache, "stats", {}),
    }[command]
    _slow(target, name, monkeypatch, 0.3)
    result = await alice.slash(channel, command, **options)
    assert callback_types(env) == [DEFERRED]
    assert not result.ephemeral and result.response.embeds


async def test_a_slow_private_answer_stays_private(world: Any, monkeypatch: Any) -> None:
    env, _guild, channel, alice = world
    monkeypatch.setattr(cogs.replies, "DEFER_AFTER", 0.05)
    _slow(env.bot.services.topics, "lookup", monkeypatch, 0.3)
    result = await alice.slash(channel, "topic", query="zxqv wubble frobnitz")
    assert callback_types(env) == [DEFERRED]
    assert result.response is None  # the public "thinking" message is gone...
    (answer,) = result.followups
    assert answer.ephemeral  # ...and only the member sees that nothing matched
    assert answer.embeds[0].title == "No note matches that well"


async def test_a_slow_failure_gets_the_private_apology(world: Any, monkeypatch: Any,
                                                       caplog: Any) -> None:
    env, _guild, channel, alice = world
    monkeypatch.setattr(cogs.replies, "DEFER_AFTER", 0.05)
    _slow(env.bot.services.topics, "lookup", monkeypatch, 0.3, RuntimeError("index exploded"))
    with caplog.at_level(logging.ERROR):
        result = await alice.slash(channel, "topic", query="quantum tunneling")
    assert callback_types(env) == [DEFERRED]
    assert result.response is None
    (apology,) = result.followups
    assert apology.ephemeral and apology.content == APOLOGY
    assert "index exploded" not in apology.content
    assert any(r.exc_info and "index exploded" in str(r.exc_info[1]) for r in caplog.records)
    assert [type(getattr(e, "original", e)) for e in env.errors] == [RuntimeError]


async def test_before_the_search_index_is_loaded_commands_defer_at_once(world: Any) -> None:
    env, _guild, channel, alice = world
    services = env.bot.services
    await services.topics.aclose()  # the notes are there, the search index not yet in memory
    assert not services.topics.ready
    result = await alice.slash(channel, "topic", query="quantum tunneling")
    assert callback_types(env) == [DEFERRED]
    assert result.response.embeds[0].title == "Quantum tunneling"


async def test_autocomplete_never_waits_for_the_search_index(world: Any) -> None:
    env, _guild, channel, alice = world
    topics = env.bot.services.topics
    await topics.aclose()
    assert await alice.autocomplete(channel, "topic", "query", "quantum") == []
    await topics.aclose()
    assert await alice.autocomplete(channel, "topic", "channel", "") == []
    # what it asked for meanwhile is loaded: the next keystroke has choices
    assert await alice.autocomplete(channel, "topic", "query", "quantum")
