"""End-to-end fixtures: the real NotecastBot, with its real services, run by SimCord.

SimCord simulates Discord in-process (no network, no token). ``simcord_bot`` builds the bot
as ``main()`` does: settings -> an open notes cache -> services -> bot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.app.client import NotecastBot
from bot.cache.store import NotesCache
from bot.config import SAMPLE_VAULT, Settings
from bot.services import Services


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return replace(Settings(), notes_dir=SAMPLE_VAULT, db=tmp_path / "notecast.db",
                   resync_minutes=10)


@pytest.fixture
def start_sync() -> bool:
    """Override in a module to build a bot whose first sync has not run."""
    return True


@pytest.fixture
async def services(settings: Settings, start_sync: bool) -> AsyncIterator[Services]:
    async with NotesCache(settings.db) as cache:
        built = Services.build(settings, cache)
        if start_sync:
            # the first sync, as the bot's background sync would run it; done here so that
            # no test waits on the background loop (SimCord settles after every action)
            await built.vault_sync.sync_now()
        yield built
        await built.vault_sync.stop()
        await built.topics.aclose()


@pytest.fixture
def simcord_bot(services: Services) -> NotecastBot:
    return NotecastBot(services, start_sync=False)


@pytest.fixture
async def world(simcord_env: Any) -> AsyncIterator[tuple[Any, Any, Any, Any]]:
    """A synced bot in a guild with a text channel and a member, alice."""
    env = simcord_env
    guild = env.create_guild("Notecast HQ")
    channel = guild.create_text_channel("general")
    alice = guild.add_member(env.create_user("alice"))
    await env.bot.tree.sync()
    yield env, guild, channel, alice
    await env.bot.close()
    check_everything_posted(env, posted_something=False)  # whatever the test did


def sent_allowed_mentions(env: Any) -> list[Any]:
    """The allowed_mentions of every message the bot posted (responses, followups, sends)."""
    found = []
    for request in env.http_requests:
        body = request.json or {}
        if request.method not in ("POST", "PATCH"):
            continue
        data = body.get("data", body) if "/callback" in request.path else body
        if isinstance(data, dict) and ("content" in data or "embeds" in data):
            found.append(data.get("allowed_mentions"))
    return found


def button_states(message: Any) -> dict[str, bool]:
    """Button label -> disabled, for every button on a message."""
    return {item["label"]: bool(item.get("disabled")) for row in message.components
            for item in row["components"] if item.get("type") == 2}


def check_embed_limits(embed: Any) -> None:
    """Discord's embed limits (see discord-facts.md)."""
    assert len(embed) <= 6000
    assert len(embed.title or "") <= 256
    assert len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    assert len((embed.footer.text if embed.footer else None) or "") <= 2048
    assert len((embed.author.name if embed.author else None) or "") <= 256
    for item in embed.fields:
        assert 1 <= len(item.name) <= 256 and 1 <= len(item.value) <= 1024


def posted(env: Any) -> list[dict[str, Any]]:
    """Every message body the bot posted or edited (responses, follow-ups, edits)."""
    found = []
    for request in env.http_requests:
        body = request.json or {}
        if request.method not in ("POST", "PATCH"):
            continue
        data = body.get("data", body) if "/callback" in request.path else body
        if isinstance(data, dict) and ("content" in data or "embeds" in data):
            found.append(data)
    return found


def check_everything_posted(env: Any, *, posted_something: bool = True) -> list[dict[str, Any]]:
    """Every message the bot posted: within Discord's limits, pinging nobody. Returns them."""
    bodies = posted(env)
    assert bodies or not posted_something, "the bot posted nothing"
    for body in bodies:
        assert body.get("allowed_mentions") == {"parse": []}, body
        assert len(body.get("content") or "") <= 2000
        embeds = [discord.Embed.from_dict(e) for e in body.get("embeds") or []]
        assert len(embeds) <= 10 and sum(len(e) for e in embeds) <= 6000
        for embed in embeds:
            check_embed_limits(embed)
    return bodies


def callback_types(env: Any) -> list[int]:
    """The type of each interaction callback, in order (4 message, 5 deferred, 7 update),
    autocomplete answers (8) left out."""
    types = [int((r.json or {}).get("type", 0)) for r in env.http_requests
             if r.method == "POST" and r.path.endswith("/callback")]
    return [t for t in types if t != 8]
