"""``/about`` through SimCord: the bot's version, vault, uptime, latency and shard, only for
the member who asks, within Discord's limits, pinging nobody."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot import __version__
from bot.config import SAMPLE_VAULT, Settings
from tests.e2e.conftest import check_everything_posted


def _unmount(vault: Path) -> None:
    """The volume did not mount: the folder is there, holding no notes."""
    shutil.rmtree(vault)
    vault.mkdir()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    vault = tmp_path / "my private vault"
    shutil.copytree(SAMPLE_VAULT, vault)
    return replace(Settings(), notes_dir=vault, db=tmp_path / "notecast.db", resync_minutes=10)


async def test_about_tells_only_the_member_about_the_bot(world: Any) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "about")
    assert result.acknowledged and result.ephemeral
    (embed,) = result.response.embeds
    assert embed.title == "About Notecast"
    assert __version__ in embed.description
    assert "**12** notes" in embed.description and "**2** channels" in embed.description
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Shard"] == "0 of 1"
    assert fields["Gateway latency"].endswith("ms") or fields["Gateway latency"] == "unknown"
    assert fields["Uptime"].endswith(("s", "min"))
    assert "Last sync" in fields and "Vault read as" in fields
    assert "full check every 10 min" in fields["Vault changes"]
    check_everything_posted(env)


async def test_about_says_a_sync_was_refused_without_the_servers_folder(world: Any) -> None:
    env, _guild, channel, alice = world
    sync = env.bot.services.vault_sync
    vault = Path(sync.notes_dir)
    _unmount(vault)
    assert await sync.sync_now() is None
    result = await alice.slash(channel, "about")
    (embed,) = result.response.embeds
    fields = {f.name: f.value for f in embed.fields}
    refused = fields["Last sync refused"]
    assert "holds 0 notes" in refused and "still serving the cache" in refused
    assert str(vault) not in str(embed.to_dict()) and "--allow-shrink" not in refused
    assert "Sync problem" in embed.footer.text
    check_everything_posted(env)
