"""/quote through SimCord over a made-up vault of quotes (``build_quote_vault``): by a
misspelt speaker, a topic, a channel; "Another" without repeats; the asker's buttons;
autocomplete with counts; no match; hostile options within Discord's limits, pinging nobody."""

from __future__ import annotations

import re
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
MARA = 7  # quotes of Mara Oyelaran in harbour_lights


@pytest.fixture
def settings(quote_settings: Settings) -> Settings:
    return quote_settings



def _field(embed: Any, name: str) -> str:
    return next(f.value for f in embed.fields if f.name == name)


def _where(message: Any) -> str:
    """The quote's ``channel/slug.md:line`` (the footer's first part)."""
    return message.embeds[0].footer.text.split(" · ")[0]


def _only_expected_errors(env: Any) -> None:
    for error in env.errors:
        assert isinstance(getattr(error, "original", error), UserFacingError), error


def _no_pings(env: Any, message: Any) -> None:
    stored = env.backend.get_message(message.channel_id, message.id)
    assert not stored.ping_user_ids and not stored.ping_role_ids
    assert not getattr(stored, "mention_everyone", False)


@pytest.mark.parametrize("typed", ["Rhea Quil", "rhea quill", "Quill", "Reha Quill"])
async def test_a_misspelt_speaker_finds_their_quote(world: Any, typed: str) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "quote", speaker=typed)
    assert not result.ephemeral
    (embed,) = result.response.embeds
    assert embed.author.name.startswith("Rhea Quill")
    assert embed.title == "Moon tides"
    assert embed.url == "https://www.youtube.com/watch?v=TiDeWaTcH01"
    assert embed.description.startswith("> ")
    assert "&t=" in _field(embed, "Moment")
    assert "Tides and the Moon" in _field(embed, "Episode")
    assert embed.thumbnail.url == "https://i.ytimg.com/vi/TiDeWaTcH01/hqdefault.jpg"
    assert re.fullmatch(r"tidewatch/moon_tides\.md:\d+", _where(result.response))
    check_everything_posted(env)


async def test_a_speaker_with_a_role_keeps_it_apart(world: Any) -> None:
    _env, _guild, channel, alice = world
    message = (await alice.slash(channel, "quote", speaker="Rhea Quill")).response
    seen = {message.embeds[0].author.name}
    await alice.click(message, label="Another")
    seen.add(message.embeds[0].author.name)
    assert seen == {"Rhea Quill", "Rhea Quill · oceanographer at the Lantern Institute"}


async def test_a_topic_gives_a_quote_of_that_note(world: Any) -> None:
    _env, _guild, channel, alice = world
    for typed in ("knife skills", "galley/knife_skills"):
        embed = (await alice.slash(channel, "quote", topic=typed)).response.embeds[0]
        assert embed.title == "Knife skills", typed
        assert embed.author.name == "Tomas Reyes"


async def test_a_channel_gives_only_its_quotes(world: Any) -> None:
    _env, _guild, channel, alice = world
    for _ in range(3):
        result = await alice.slash(channel, "quote", channel="galley")
        assert result.response.embeds[0].title == "Knife skills"
        assert "The Galley" in _field(result.response.embeds[0], "Episode")


async def test_no_option_gives_some_quote_with_another(world: Any) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "quote")
    assert not result.ephemeral and result.response.embeds[0].description.startswith("> ")
    assert button_states(result.response) == {"Another": False}
    check_everything_posted(env)


async def test_another_never_repeats_a_quote_shown_in_the_channel(world: Any) -> None:
    _env, _guild, channel, alice = world
    message = (await alice.slash(channel, "quote", speaker="Mara Oyelaran")).response
    shown = [_where(message)]
    assert f"one of {MARA} matching quotes" in message.embeds[0].footer.text
    for _ in range(MARA - 1):
        await alice.click(message, label="Another")
        assert message.embeds[0].author.name == "Mara Oyelaran"
        shown.append(_where(message))
    assert len(set(shown)) == MARA  # every one of them, none twice
    await alice.click(message, label="Another")  # all seen: the one shown longest ago
    assert _where(message) == shown[0]


async def test_a_new_quote_command_in_the_channel_does_not_repeat_either(world: Any) -> None:
    env, guild, channel, alice = world
    bob = guild.add_member(env.create_user("bob"))  # (each member has a cooldown)
    shown = []
    for member in (alice, bob, alice, bob, alice, bob, alice):
        result = await member.slash(channel, "quote", speaker="oyelaran")
        shown.append(_where(result.response))
    assert len(set(shown)) == MARA  # what was shown in the channel, whoever asked


async def test_another_is_off_when_one_quote_matches(world: Any) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "quote", speaker="Ines Calder")
    assert button_states(result.response) == {"Another": True}


async def test_only_the_asker_can_press_another(world: Any) -> None:
    env, guild, channel, alice = world
    bob = guild.add_member(env.create_user("bob"))
    message = (await alice.slash(channel, "quote", speaker="Mara Oyelaran")).response
    before = _where(message)
    click = await bob.click(message, label="Another")
    assert click.ephemeral and "belong to the member who asked" in click.response.content
    assert _where(message) == before


async def test_another_goes_quiet_when_it_expires(world: Any) -> None:
    env, _guild, channel, alice = world
    message = (await alice.slash(channel, "quote", speaker="Mara Oyelaran")).response
    await env.advance_time(VIEW_TIMEOUT + 1)
    assert button_states(message) == {"Another": True}
    assert message.embeds[0].author.name == "Mara Oyelaran"


async def test_an_unattributed_quote_names_nobody_and_a_paraphrase_is_never_shown(
        world: Any) -> None:
    _env, _guild, channel, alice = world
    message = (await alice.slash(channel, "quote", topic="tidewatch/moon_tides")).response
    seen = {}
    for _ in range(5):
        embed = message.embeds[0]
        assert embed.title == "Moon tides"
        seen[embed.description] = embed.author.name
        await alice.click(message, label="Another")
    assert seen["> High water waits for nobody."] == "From the episode"
    assert not any("two bulges" in words for words in seen)
    assert set(seen.values()) <= {"From the episode", "Rhea Quill", "Otto Brenner",
                                  "Rhea Quill · oceanographer at the Lantern Institute"}


async def test_a_quote_full_of_mentions_and_markdown_pings_nobody(world: Any) -> None:
    env, _guild, channel, alice = world
    message = (await alice.slash(channel, "quote", speaker="Mara Oyelaran")).response
    for _ in range(MARA):
        if "Lights" in message.embeds[0].description:
            break
        await alice.click(message, label="Another")
    words = message.embeds[0].description
    assert "everyone" in words and "@everyone" not in words
    assert "<@123456789012345678>" not in words and "<@&42>" not in words
    assert "\\*\\*guide\\*\\*" in words
    _no_pings(env, message)
    check_everything_posted(env)


async def test_a_quote_of_a_note_without_a_valid_video_has_no_link(world: Any) -> None:
    _env, _guild, channel, alice = world
    embed = (await alice.slash(channel, "quote", speaker="Ines Calder")).response.embeds[0]
    assert embed.title == "Broken link" and embed.url is None
    assert embed.thumbnail.url is None
    assert _field(embed, "Moment") == "at 4:00 (no video link)"
    assert "https://" not in _field(embed, "Episode")


async def test_no_match_says_what_was_searched_and_suggests(world: Any) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "quote", topic="zxqv wubble frobnitz")
    assert result.ephemeral
    (embed,) = result.response.embeds
    assert embed.title == "No quote matches"
    assert "on “zxqv wubble frobnitz”" in embed.description
    speakers = _field(embed, "Speakers with quotes")
    assert "• Mara Oyelaran" in speakers  # the speaker with most quotes
    check_everything_posted(env)


async def test_an_unknown_speaker_in_a_channel_says_so(world: Any) -> None:
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "quote", speaker="Mara Oyelaran", channel="galley")
    assert result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "No quote matches"
    assert "by “Mara Oyelaran” in the channel “galley”" in embed.description


async def test_an_unknown_channel_is_named(world: Any) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "quote", channel=f"no{HIDDEN}where")
    assert result.ephemeral and "“nowhere”" in result.response.content
    _only_expected_errors(env)


HOSTILE = ["@everyone <@123456789012345678> <@&42> @here", "**bold** __u__ [x](https://evil.example)",
           "# heading\n> quote\n- item ||spoiler||", "x" * 6000, "é" * 5999 + "@",
           f"\u202eRhea{HIDDEN} Quill", "\x00", "\u200f\u202e\u2066"]


@pytest.mark.parametrize("option", ["speaker", "topic", "channel"])
@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_options_get_an_answer_within_limits_pinging_nobody(
        world: Any, option: str, hostile: str) -> None:
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "quote", **{option: hostile})
    assert result.acknowledged
    message = result.response
    text = (message.content or "") + "".join(
        (e.title or "") + (e.description or "") for e in message.embeds)
    assert "went wrong" not in text
    assert "@everyone" not in text and "<@123456789012345678>" not in text
    assert "<@&42>" not in text and "@here" not in text
    assert not any(mark in text for mark in HIDDEN)
    bodies = check_everything_posted(env)
    assert bodies
    _only_expected_errors(env)
    _no_pings(env, message)


async def test_speaker_autocomplete_offers_names_with_their_counts(world: Any) -> None:
    _env, _guild, channel, alice = world
    choices = await alice.autocomplete(channel, "quote", "speaker", "mara")
    assert choices[0] == {"name": f"Mara Oyelaran ({MARA})", "value": "Mara Oyelaran"}
    typo = await alice.autocomplete(channel, "quote", "speaker", "Oyelran")
    assert "Mara Oyelaran" in [c["value"] for c in typo]
    every = await alice.autocomplete(channel, "quote", "speaker", "")
    assert 1 <= len(every) <= 25
    assert {c["value"] for c in every} >= {"Mara Oyelaran", "Rhea Quill", "Otto Brenner",
                                           "Tomas Reyes", "Ines Calder"}
    assert all(re.search(r" \(\d+\)$", c["name"]) for c in every)
    assert "Fake Person" not in str(every) and "Bulges" not in str(every)
    galley = await alice.autocomplete(channel, "quote", "speaker", "", channel="galley")
    assert [c["value"] for c in galley] == ["Tomas Reyes"]
    picked = await alice.slash(channel, "quote", speaker=choices[0]["value"])
    assert picked.response.embeds[0].author.name == "Mara Oyelaran"


@pytest.mark.parametrize("typed", ["", "x" * 6000, f"\u2066ma{HIDDEN}ra", "@everyone",
                                   "**", "\x00"])
async def test_autocomplete_answers_fit_discord_whatever_is_typed(world: Any,
                                                                  typed: str) -> None:
    _env, _guild, channel, alice = world
    for option in ("speaker", "topic", "channel"):
        choices = await alice.autocomplete(channel, "quote", option, typed)
        assert len(choices) <= 25
        for choice in choices:
            assert 1 <= len(choice["name"]) <= 100 and 1 <= len(choice["value"]) <= 100
            assert not any(mark in choice["name"] for mark in HIDDEN)


async def test_topic_and_channel_autocomplete_like_topic(world: Any) -> None:
    _env, _guild, channel, alice = world
    topics = await alice.autocomplete(channel, "quote", "topic", "knife")
    assert topics[0]["name"].startswith("Knife skills")
    assert topics[0]["value"] == "galley/knife_skills"
    channels = await alice.autocomplete(channel, "quote", "channel", "gal")
    assert [c["value"] for c in channels] == ["galley"]
    assert channels[0]["name"].startswith("The Galley")


async def test_the_console_offers_quote(services: Services) -> None:
    commands = console_commands()
    assert "quote" in commands
    text = await run_line(services, "/quote speaker:Tomas Reyes", commands)
    assert text.startswith("[Tomas Reyes]\n## Knife skills")
    assert "buttons: [Another]" in text
    second = await run_line(services, "/quote speaker:Tomas Reyes", commands)
    assert second.split("\n")[2] != text.split("\n")[2]  # the other quote of his
