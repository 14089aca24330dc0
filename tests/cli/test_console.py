"""The console answers slash commands as the bot would post them, over the sample notes."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cache.store import NotesCache
from bot.cli.console import ConsoleInputError, parse_command_line, run_console
from bot.config import SAMPLE_VAULT, Settings
from bot.services import Services
from cogs import console_commands


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    settings = replace(Settings(), notes_dir=SAMPLE_VAULT, db=tmp_path / "console.db")
    async with NotesCache(settings.db) as cache:
        built = Services.build(settings, cache)
        await built.vault_sync.sync_now()
        yield built


async def _console(services: Services, text: str) -> str:
    out = io.StringIO()
    assert await run_console(services, io.StringIO(text), out) == 0
    return out.getvalue()


async def test_stats_shows_the_embed_as_text(services: Services) -> None:
    output = await _console(services, "/stats\n")
    assert "## Notecast: what I know" in output
    assert "**12** notes from **4** episodes in **2** channels." in output
    assert "**Hub files**\n2" in output


async def test_unknown_command_lists_the_commands(services: Services) -> None:
    output = await _console(services, "/nosuch thing\n")
    assert "There is no /nosuch" in output
    assert "/stats" in output


async def test_blank_lines_comments_and_quit_end_cleanly(services: Services) -> None:
    output = await _console(services, "\n# a comment\nquit\n/stats\n")
    assert output == ""


async def test_commands_before_the_first_sync_say_still_loading(tmp_path: Path) -> None:
    settings = replace(Settings(), notes_dir=SAMPLE_VAULT, db=tmp_path / "empty.db")
    async with NotesCache(settings.db) as cache:
        output = await _console(Services.build(settings, cache), "/stats\n")
    assert "(only you can see this)" in output
    assert "still loading the notes" in output


def test_options_are_split_as_discord_would() -> None:
    commands = console_commands()
    command, options = parse_command_line("/stats", commands)
    assert command.name == "stats" and options == {}
    with pytest.raises(ConsoleInputError, match="takes no options"):
        parse_command_line("/stats extra words", commands)


def test_a_discord_only_command_says_so_instead_of_not_existing() -> None:
    with pytest.raises(ConsoleInputError, match=r"/qotd works only in Discord") as caught:
        parse_command_line("/qotd status", console_commands())
    assert "/topic" in str(caught.value)
    with pytest.raises(ConsoleInputError, match=r"There is no /nosuch"):
        parse_command_line("/nosuch", console_commands())
