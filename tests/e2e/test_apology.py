"""A bug never reaches the member as a traceback: they get a short private apology, and the
bot's log gets the traceback."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.app.client import APOLOGY


def _broken(monkeypatch: Any, target: Any, name: str) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(target, name, broken)


@pytest.mark.parametrize("command", ["topic", "search", "related", "stats"])
async def test_an_unexpected_error_gets_the_apology_and_is_logged(
        world: Any, monkeypatch: Any, caplog: Any, command: str) -> None:
    env, _guild, channel, alice = world
    services = env.bot.services
    target, name, options = {
        "topic": (services.topics, "lookup", {"query": "quantum tunneling"}),
        "search": (services.fulltext, "search", {"query": "tunneling"}),
        "related": (services.related, "related", {"note": "curiousorbit/quantum_tunneling"}),
        "stats": (services.cache, "stats", {}),
    }[command]
    _broken(monkeypatch, target, name)
    with caplog.at_level(logging.ERROR):
        result = await alice.slash(channel, command, **options)
    assert result.ephemeral
    assert result.response.content == APOLOGY
    assert not result.response.embeds
    logged = [r for r in caplog.records if r.exc_info is not None]
    assert logged and "disk on fire" in str(logged[0].exc_info[1])
    assert [type(getattr(e, "original", e)) for e in env.errors] == [RuntimeError]


async def test_a_button_that_fails_gets_the_apology(world: Any, monkeypatch: Any,
                                                    caplog: Any) -> None:
    env, _guild, channel, alice = world
    message = (await alice.slash(channel, "topic", query="quantum tunneling")).response
    _broken(monkeypatch, env.bot.services.notes, "moments")
    with caplog.at_level(logging.ERROR):
        click = await alice.click(message, label="Section ▶")
    assert click.ephemeral and click.response.content == APOLOGY
    assert any(r.exc_info and "disk on fire" in str(r.exc_info[1]) for r in caplog.records)
    assert message.embeds[0].title == "Quantum tunneling"  # the answer is left as it was
    env.errors  # noqa: B018  (seen: the error was the test's own)
