"""/quotes through SimCord over a made-up vault of quotes (``build_quote_vault``): a note's
quotes page by page, the asker's buttons, note autocomplete, unknown notes and notes without
quotes, honest attribution, and hostile input within Discord's limits, pinging nobody."""

from __future__ import annotations

from typing import Any

import pytest

from bot.cli.console import run_line
from bot.config import Settings
from bot.errors import UserFacingError
from bot.services import Services
from cogs import console_commands
from cogs.views import VIEW_TIMEOUT
from tests.e2e.conftest import button_states, check_everything_posted

HIDDEN = "\x00\ufeff\u202e\u202d\u2066\u2069\u200f"
LIGHTS = "tidewatch/harbour_lights"


@pytest.fixture
def settings(quote_settings: Settings) -> Settings:
    return quote_settings



def _only_expected_errors(env: Any) -> None:
    for error in env.errors:
        assert isinstance(getattr(error, "original", error), UserFacingError), error


async def test_quotes_page_forward_and_back(world: Any) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "quotes", note=LIGHTS)
    assert not result.ephemeral
    message = result.response
    embed = message.embeds[0]
    assert embed.title == "Harbour lights"
    assert embed.url == "https://www.youtube.com/watch?v=HaRbOuR0002"
    assert embed.footer.text == "Page 1 of 2 · 7 quotes · tidewatch/harbour_lights.md"
    assert embed.description.startswith("> Every lighthouse is a sentence")
    assert embed.description.count("— **Mara Oyelaran**") == 5
    assert "[▶ 2:00](https://www.youtube.com/watch?v=HaRbOuR0002&t=120s)" in embed.description
    assert button_states(message) == {"◀ Previous": True, "Next ▶": False}
    await alice.click(message, label="Next ▶")
    second = message.embeds[0]
    assert second.footer.text.startswith("Page 2 of 2")
    assert "The last keeper left" in second.description
    assert "[▶ 1:02:03](https://www.youtube.com/watch?v=HaRbOuR0002&t=3723s)" in \
        second.description
    assert "Every lighthouse" not in second.description
    assert button_states(message) == {"◀ Previous": False, "Next ▶": True}
    await alice.click(message, label="◀ Previous")
    assert message.embeds[0].footer.text.startswith("Page 1 of 2")
    assert "Every lighthouse" in message.embeds[0].description
    check_everything_posted(env)


async def test_only_the_asker_can_page_and_the_buttons_expire(world: Any) -> None:
    env, guild, channel, alice = world
    bob = guild.add_member(env.create_user("bob"))
    message = (await alice.slash(channel, "quotes", note=LIGHTS)).response
    click = await bob.click(message, label="Next ▶")
    assert click.ephemeral and "belong to the member who asked" in click.response.content
    assert message.embeds[0].footer.text.startswith("Page 1 of 2")
    await env.advance_time(VIEW_TIMEOUT + 1)
    assert button_states(message) == {"◀ Previous": True, "Next ▶": True}


async def test_every_shape_is_listed_and_attribution_is_the_notes(world: Any) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "quotes", note="tidewatch/moon_tides")
    message = result.response
    assert message.components == []  # one page: no buttons
    entries = message.embeds[0].description.split("\n\n")
    assert len(entries) == 5
    said = {e.split("\n")[0]: e.split("\n")[1] for e in entries}
    assert said["> The ocean is a clock that the Moon winds twice a day."].startswith(
        "— **Rhea Quill** · [▶ 3:10]")
    assert said["> Spring tides have nothing to do with the season; they spring up twice a "
                "month."].startswith("— **Rhea Quill · oceanographer at the Lantern Institute**")
    tide_table = said["> A tide table is a promise the sea mostly keeps."]
    assert tide_table.startswith("— **Otto Brenner** · [▶ 12:40](")
    assert "nearest moment" in tide_table  # its own line has no timestamp
    assert said["> Every harbour master reads the Moon before the weather."].startswith(
        "— **Otto Brenner**")
    high_water = said["> High water waits for nobody."]
    assert high_water.startswith("— *From the episode*") and "Rhea" not in high_water
    shown = message.embeds[0].description
    for absent in ("two bulges", "twice the Sun", "first item", "code, not a quote",
                   "Fake Person", "Why two tides"):
        assert absent not in shown, absent


async def test_a_note_picked_as_typed_or_from_autocomplete(world: Any) -> None:
    _env, _guild, channel, alice = world
    choices = await alice.autocomplete(channel, "quotes", "note", "harbour")
    assert 1 <= len(choices) <= 25
    assert choices[0]["name"].startswith("Harbour lights") and choices[0]["value"] == LIGHTS
    for choice in choices:
        assert 1 <= len(choice["name"]) <= 100 and 1 <= len(choice["value"]) <= 100
    picked = await alice.slash(channel, "quotes", note=choices[0]["value"])
    assert picked.response.embeds[0].title == "Harbour lights"
    typed = await alice.slash(channel, "quotes", note="knife skills")
    assert typed.response.embeds[0].title == "Knife skills"
    assert "Tomas Reyes" in typed.response.embeds[0].description


async def test_an_unknown_note_is_a_clear_sentence(world: Any) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "quotes", note=f"zxqv\u202e wubble{HIDDEN}")
    assert result.ephemeral
    assert result.response.content.startswith("I can't tell which note “zxqv wubble” is.")
    _only_expected_errors(env)
    check_everything_posted(env)


async def test_a_note_without_quotes_says_so(world: Any) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "quotes", note="tidewatch/slack_water")
    assert result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "Slack water" and "holds no quote" in embed.description


async def test_a_note_without_a_valid_video_has_no_link(world: Any) -> None:
    _env, _guild, channel, alice = world
    embed = (await alice.slash(channel, "quotes", note="tidewatch/broken_link")).response.embeds[0]
    assert embed.url is None and embed.thumbnail.url is None
    assert "at 4:00 (no video link)" in embed.description
    assert "https://" not in embed.description
    assert "Ines Calder" in embed.description


async def test_a_quote_full_of_mentions_and_markdown_pings_nobody(world: Any) -> None:
    env, _guild, channel, alice = world
    message = (await alice.slash(channel, "quotes", note=LIGHTS)).response
    await alice.click(message, label="Next ▶")
    words = message.embeds[0].description
    assert "Lights @\u200beveryone" in words and "@everyone" not in words
    assert "<@123456789012345678>" not in words and "<@&42>" not in words
    assert "\\*\\*guide\\*\\*" in words and "\\[Free Nitro\\]" in words
    stored = env.backend.get_message(message.channel_id, message.id)
    assert not stored.ping_user_ids and not stored.ping_role_ids
    check_everything_posted(env)


HOSTILE = ["@everyone <@123456789012345678> <@&42> @here", "**bold** [x](https://evil.example)",
           "# heading\n> quote\n- item", "x" * 6000, "é" * 5999 + "@", f"\u202e{HIDDEN}harbour",
           "\x00", "/etc/passwd", "tidewatch/../../etc/passwd"]


@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_notes_get_a_clear_answer_within_limits(world: Any, hostile: str) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "quotes", note=hostile)
    assert result.acknowledged
    message = result.response
    text = (message.content or "") + "".join(
        (e.title or "") + (e.description or "") for e in message.embeds)
    assert "went wrong" not in text
    assert "@everyone" not in text and "<@123456789012345678>" not in text
    assert "<@&42>" not in text and "@here" not in text
    assert not any(mark in text for mark in HIDDEN)
    check_everything_posted(env)
    _only_expected_errors(env)
    for typed in (hostile, hostile[:100]):
        choices = await alice.autocomplete(channel, "quotes", "note", typed)
        assert len(choices) <= 25
        assert all(1 <= len(c["name"]) <= 100 and 1 <= len(c["value"]) <= 100 for c in choices)


async def test_the_console_offers_quotes(services: Services) -> None:
    commands = console_commands()
    assert "quotes" in commands
    text = await run_line(services, f"/quotes {LIGHTS}", commands)
    assert text.startswith("[Tide Watch · Harbour Stories]\n## Harbour lights")
    assert "Page 1 of 2 · 7 quotes" in text and "buttons: [Next ▶]" in text
    missing = await run_line(services, "/quotes", commands)
    assert "/quotes needs note" in missing
