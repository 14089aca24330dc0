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


async def test_commands_answer_once_the_notes_are_loaded(world: Any) -> None:
    env, _guild, channel, alice = world
    await env.bot.services.vault_sync.sync_now()
    result = await alice.slash(channel, "stats")
    assert not result.ephemeral
    assert result.response.embeds[0].title == "Notecast: what I know"
