"""Buttons expire quietly: after their time-out they are disabled on the message, which is
edited while the interaction's token (15 minutes) still allows it."""

from __future__ import annotations

import asyncio
from typing import Any

import cogs.replies
from cogs.views import VIEW_TIMEOUT
from tests.e2e.conftest import button_states


def _all_disabled(message: Any) -> bool:
    states = button_states(message)
    return bool(states) and all(states.values())


async def test_topic_buttons_are_disabled_when_they_expire(world: Any) -> None:
    env, _guild, channel, alice = world
    message = (await alice.slash(channel, "topic", query="quantum tunneling")).response
    assert not _all_disabled(message)
    await env.advance_time(VIEW_TIMEOUT + 1)
    assert _all_disabled(message)
    assert message.embeds[0].title == "Quantum tunneling"  # the answer stays


async def test_buttons_expire_after_the_last_click_too(world: Any) -> None:
    env, _guild, channel, alice = world
    message = (await alice.slash(channel, "topic", query="quantum tunneling")).response
    await env.advance_time(VIEW_TIMEOUT - 60)
    await alice.click(message, label="Section ▶")  # a click starts the time-out again
    await env.advance_time(120)
    assert not _all_disabled(message)
    await env.advance_time(VIEW_TIMEOUT)
    assert _all_disabled(message)
    assert "Section 1 of" in message.embeds[0].footer.text


async def test_search_pages_expire(world: Any) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "search", query="the")
    assert button_states(result.response) == {"◀ Previous": True, "Next ▶": False}
    await env.advance_time(VIEW_TIMEOUT + 1)
    assert _all_disabled(result.response)


async def test_buttons_of_a_deferred_answer_expire(world: Any, monkeypatch: Any) -> None:
    env, _guild, channel, alice = world
    monkeypatch.setattr(cogs.replies, "DEFER_AFTER", 0.05)
    real = env.bot.services.topics.lookup

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.3)
        return await real(*args, **kwargs)

    monkeypatch.setattr(env.bot.services.topics, "lookup", slow)
    message = (await alice.slash(channel, "topic", query="quantum tunneling")).response
    assert message.components
    await env.advance_time(VIEW_TIMEOUT + 1)
    assert _all_disabled(message)
