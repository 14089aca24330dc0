"""What a member types is cleaned before it is looked up or shown back: no NUL, byte-order
mark, bidirectional override or isolate is echoed, and nothing invisible is in a choice."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from bot.errors import UserFacingError
from tests.e2e.conftest import check_everything_posted

HIDDEN = "\x00\ufeff\u202e\u202d\u2066\u2067\u2068\u2069\u200b\u200f"


def _invisible(text: str) -> list[str]:
    return [hex(ord(ch)) for ch in text if unicodedata.category(ch) in ("Cc", "Cf")
            and ch != "\n"]


def _only_expected_errors(env: Any) -> None:
    for error in env.errors:  # shown to the member by the tree's error path
        assert isinstance(getattr(error, "original", error), UserFacingError), error


def _echoed(env: Any) -> str:
    parts = []
    for body in check_everything_posted(env):
        parts.append(body.get("content") or "")
        for embed in body.get("embeds") or []:
            parts += [embed.get("title") or "", embed.get("description") or ""]
    return "\n".join(parts)


@pytest.mark.parametrize("command", ["topic", "search"])
async def test_a_query_full_of_invisible_characters_is_echoed_clean(world: Any,
                                                                    command: str) -> None:
    env, _guild, channel, alice = world
    typed = f"\u202ezxqv\x00 wub\ufeffble\u2066 frob\u2069nitz{HIDDEN}"
    result = await alice.slash(channel, command, query=typed)
    assert result.ephemeral
    shown = _echoed(env)
    assert "zxqv wubble frobnitz" in shown
    assert _invisible(shown) == []


async def test_related_echoes_an_unknown_note_clean(world: Any) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "related", note=f"zxqv\u202e wubble{HIDDEN}")
    assert result.ephemeral and "zxqv wubble" in result.response.content
    assert _invisible(_echoed(env)) == []
    _only_expected_errors(env)


async def test_an_unknown_channel_is_echoed_clean(world: Any) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query="tunneling", channel=f"no\u2067where{HIDDEN}")
    assert result.ephemeral and "nowhere" in result.response.content
    assert _invisible(_echoed(env)) == []
    _only_expected_errors(env)


async def test_a_query_with_invisible_characters_still_finds_the_note(world: Any) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "topic", query="\u2066quantum\u2069 tun\x00neling\ufeff")
    assert not result.ephemeral and result.response.embeds[0].title == "Quantum tunneling"


@pytest.mark.parametrize(("command", "option"), [("topic", "query"), ("related", "note"),
                                                 ("topic", "channel")])
async def test_choice_names_hold_nothing_invisible(world: Any, command: str, option: str) -> None:
    _env, _guild, channel, alice = world
    for typed in ("\u2066quan\u2069", "", "t\x00", "\u202eo"):
        for choice in await alice.autocomplete(channel, command, option, typed):
            assert _invisible(choice["name"]) == [], choice
            assert 1 <= len(choice["name"]) <= 100 and 1 <= len(choice["value"]) <= 100
