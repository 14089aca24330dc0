"""``/reload`` through SimCord: for Manage Server only (hidden from others, and checked by
the bot whatever the server's settings say); syncs now and says what changed, or why the
sync was refused."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import discord
import pytest
import simcord

from bot.config import SAMPLE_VAULT, Settings
from bot.errors import UserFacingError
from cogs.reload import NOT_ALLOWED
from tests.e2e.conftest import callback_types, check_everything_posted

NEW_NOTE = """---
title: Tidal locking
videoId: TiDaLoCk001
---

From: [[curiousorbit]] <br/>

Why the Moon shows us one face <a class="yt-timestamp" data-t="00:01:00">[00:01:00]</a>.

## Torque

The bulge raised on the Moon drags it until it turns once per orbit.
"""


def _unmount(vault: Path) -> None:
    """The volume did not mount: the folder is there, holding no notes."""
    shutil.rmtree(vault)
    vault.mkdir()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    vault = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, vault)
    return replace(Settings(), notes_dir=vault, db=tmp_path / "notecast.db", resync_minutes=10)


def _admin(env: Any, guild: Any) -> Any:
    role = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    return guild.add_member(env.create_user("mod"), roles=[role])


async def test_reload_reports_the_notes_added_changed_and_removed(world: Any) -> None:
    env, guild, channel, _alice = world
    vault = Path(env.bot.services.vault_sync.notes_dir)
    (vault / "curiousorbit" / "tidal_locking.md").write_text(NEW_NOTE, encoding="utf-8")
    tunneling = vault / "curiousorbit" / "quantum_tunneling.md"
    tunneling.write_text(tunneling.read_text(encoding="utf-8") + "\nOne more line.\n",
                         encoding="utf-8")
    (vault / "stockpotledger" / "menu_engineering.md").unlink()
    mod = _admin(env, guild)
    result = await mod.slash(channel, "reload")
    assert result.ephemeral
    assert callback_types(env)[-1] == 5  # deferred: a sync may take a while
    (embed,) = result.response.embeds
    assert embed.title == "Notes reloaded"
    assert "**1** added, **1** changed, **1** removed" in embed.description
    assert "Now **12** notes" in embed.description
    fields = {f.name: f.value for f in embed.fields}
    assert "Tidal locking" in fields["Added"]
    assert "Quantum tunneling" in fields["Changed"]
    assert "Menu engineering" in fields["Removed"].replace("\\", "")
    topic = await mod.slash(channel, "topic", query="tidal locking")  # answered at once
    assert topic.response.embeds[0].title == "Tidal locking"
    check_everything_posted(env)


async def test_reload_with_nothing_changed_says_so(world: Any) -> None:
    env, guild, channel, _alice = world
    result = await _admin(env, guild).slash(channel, "reload")
    (embed,) = result.response.embeds
    assert embed.description.startswith("Nothing changed")
    assert not embed.fields


async def test_reload_is_hidden_from_a_member_without_manage_server(world: Any) -> None:
    _env, _guild, channel, alice = world
    with pytest.raises(simcord.SetupError, match="default-member-permissions"):
        await alice.slash(channel, "reload")


async def test_reload_is_refused_by_the_bot_even_where_an_admin_let_a_member_see_it(
        world: Any) -> None:
    env, guild, channel, alice = world
    vault = Path(env.bot.services.vault_sync.notes_dir)
    (vault / "curiousorbit" / "tidal_locking.md").write_text(NEW_NOTE, encoding="utf-8")
    (command,) = [c for c in await env.bot.tree.fetch_commands() if c.name == "reload"]
    guild.set_command_permissions(command, {alice: True})  # the server's own override
    result = await alice.slash(channel, "reload")
    assert result.ephemeral and result.response.content == NOT_ALLOWED
    assert (await env.bot.services.cache.counts()).notes == 12  # no sync ran
    assert [type(e.original) for e in env.errors] == [UserFacingError]  # (told to alice)
    check_everything_posted(env)


async def test_reload_says_why_a_sync_was_refused(world: Any) -> None:
    env, guild, channel, _alice = world
    vault = Path(env.bot.services.vault_sync.notes_dir)
    _unmount(vault)
    result = await _admin(env, guild).slash(channel, "reload")
    (embed,) = result.response.embeds
    assert embed.title == "Sync refused"
    assert "holds 0 notes" in embed.description and "**12** notes are served" in embed.description
    assert str(vault) not in embed.description and "--allow-shrink" not in embed.description
    check_everything_posted(env)
