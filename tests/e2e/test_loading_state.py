"""Before the first sync finishes, commands say so instead of failing or timing out."""

from __future__ import annotations

from typing import Any

import pytest
import simcord

from bot.errors import NotesLoading


@pytest.fixture
def start_sync() -> bool:
    return False  # the first sync has not run: the cache is empty


async def test_commands_answer_still_loading_before_the_first_sync(world: Any) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "stats")
    assert result.acknowledged
    assert result.ephemeral
    assert "still loading the notes" in result.response.content
    simcord.assert_error(env, NotesLoading)  # handled by the tree's on_error, as expected


@pytest.mark.parametrize(("command", "options"), [
    ("stats", {}),
    ("topic", {"query": "quantum tunneling"}),
    ("topic", {"query": "quantum tunneling", "channel": "curiousorbit"}),
    ("search", {"query": "tunneling"}),
    ("related", {"note": "curiousorbit/quantum_tunneling"}),
])
async def test_every_command_says_still_loading(world: Any, command: str,
                                                options: dict[str, str]) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, command, **options)
    assert result.ephemeral
    assert "still loading the notes" in result.response.content
    assert not result.response.embeds
    simcord.assert_error(env, NotesLoading)


@pytest.mark.parametrize(("command", "option", "typed"), [
    ("topic", "query", "quantum"), ("topic", "query", ""), ("topic", "channel", "curious"),
    ("search", "channel", ""), ("related", "note", "quantum"),
])
async def test_autocomplete_answers_empty_while_loading(world: Any, command: str, option: str,
                                                       typed: str) -> None:
    _env, _guild, channel, alice = world
    assert await alice.autocomplete(channel, command, option, typed) == []


async def test_commands_answer_once_the_notes_are_loaded(world: Any) -> None:
    env, _guild, channel, alice = world
    await env.bot.services.vault_sync.sync_now()
    result = await alice.slash(channel, "stats")
    assert not result.ephemeral
    assert result.response.embeds[0].title == "Notecast: what I know"
