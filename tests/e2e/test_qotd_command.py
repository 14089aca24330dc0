"""/qotd through SimCord over a made-up vault of quotes (``build_quote_vault``), with the real
scheduler on SimCord's clock (:mod:`tests.e2e.qotd_world`): every subcommand, Manage Server
checked again in code, the bot's own permissions checked at ``set``, bad input escaped,
autocomplete, ``preview`` the same quote as the post, ``now`` once. The scheduled posts
themselves: ``test_qotd_schedule.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest

from bot.config import Settings
from cogs.qotd import NEEDS_STATE
from tests.e2e.conftest import callback_types
from tests.e2e.qotd_world import (
    AFTER,
    DUE,
    MANAGE,
    POST_TIME,
    ZONE,
    World,
    fields,
    qotd_settings,
    qotd_world,
)


@pytest.fixture
def settings(quote_settings: Settings) -> Settings:
    return qotd_settings(quote_settings)


@pytest.fixture
async def world(simcord_env: Any) -> AsyncIterator[World]:
    async with qotd_world(simcord_env) as built:
        yield built

# --------------------------------------------------------------------------- set, status, off

async def test_set_answers_with_everything_status_shows(world: World) -> None:
    result = await world.set()
    assert result.ephemeral
    (embed,) = result.response.embeds
    assert embed.title == "Quote of the day: set"
    shown = fields(embed)
    assert shown["Channel"] == f"<#{world.channel.id}>"
    assert shown["Time"] == "01:10 Europe/Paris"
    assert shown["Pings"] == "nobody"
    unix = int(DUE.timestamp())
    assert shown["Next post"] == f"Thu 1 Jan 2026, 01:10 CET\n<t:{unix}:F> (<t:{unix}:R>)"
    assert shown["Pool"] == "14 quotes"  # the vault's quotes with a named speaker
    assert shown["Last posted"] == "never"
    assert "Problem" not in shown
    assert embed.description.startswith("**On.**") and str(world.admin.id) in embed.description
    status = await world.status()
    assert fields(status) == shown


async def test_status_before_any_set_says_how_to_start(world: World) -> None:
    embed = await world.status()
    assert "`/qotd set`" in embed.description and not embed.fields


async def test_set_with_filters_shows_the_pool_they_leave(world: World) -> None:
    result = await world.set(speaker="mara oyelaran", **{"source-channel": "tidewatch"})
    pool = fields(result.response.embeds[0])["Pool"]
    assert pool == "7 quotes by Mara Oyelaran from the channel tidewatch"


async def test_off_stops_the_posts_and_says_so(world: World) -> None:
    await world.set()
    result = await world.admin.slash(world.channel, "qotd off")
    assert result.ephemeral and "is off" in result.response.content
    embed = await world.status()
    assert embed.description.startswith("**Off.**")
    assert fields(embed)["Next post"].startswith("not planned")
    await world.advance_to(AFTER)
    assert world.bot_posts() == []
    again = await world.admin.slash(world.channel, "qotd off")
    assert "was not on" in again.response.content


# --------------------------------------------------------------------------- who may

async def test_members_without_manage_server_do_not_see_qotd(world: World) -> None:
    assert "qotd set" in world.admin.available_commands(world.channel)
    assert not [c for c in world.alice.available_commands(world.channel) if c.startswith("qotd")]


async def test_a_server_that_lets_everyone_use_qotd_still_needs_manage_server(
        world: World) -> None:
    (qotd,) = [c for c in world.commands if c.name == "qotd"]
    world.guild.set_command_permissions(qotd, {world.alice: True})  # the server's override
    for command, options in (("qotd set", {"channel": world.channel, "time": POST_TIME,
                                           "timezone": ZONE}),
                             ("qotd status", {}), ("qotd now", {}), ("qotd off", {})):
        result = await world.alice.slash(world.channel, command, **options)
        assert result.ephemeral and result.response.content == MANAGE, command
    assert not (await world.status()).fields  # nothing was set
    assert world.bot_posts() == []


# --------------------------------------------------------------------------- refusals

async def _refusal(world: World, **options: Any) -> str:
    result = await world.set(**options)
    assert result.ephemeral and not result.response.embeds
    text: str = result.response.content
    return text


@pytest.mark.parametrize(("denied", "named"), [
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
    ("read_message_history", "Read Message History"),
])
async def test_set_refuses_a_channel_the_bot_cannot_post_in(world: World, denied: str,
                                                            named: str) -> None:
    closed = world.guild.create_text_channel("closed", overwrites={
        world.guild.me: discord.PermissionOverwrite(**{denied: False})})
    text = await _refusal(world, channel=closed)
    assert text == (f"I am missing {named} in <#{closed.id}>: give me this permission there, "
                    "or pick another channel with /qotd set.")
    assert not (await world.status()).fields


async def test_set_names_every_missing_permission_at_once(world: World) -> None:
    """Denied together, Send Messages hides Embed Links in discord.py's reading: both are
    named, not the second only once the first is granted."""
    closed = world.guild.create_text_channel("closed", overwrites={
        world.guild.me: discord.PermissionOverwrite(send_messages=False, embed_links=False,
                                                    read_message_history=False)})
    text = await _refusal(world, channel=closed)
    assert text == (f"I am missing Send Messages, Embed Links and Read Message History in "
                    f"<#{closed.id}>: give me these permissions there, or pick another "
                    "channel with /qotd set.")
    hidden = world.guild.create_text_channel("hidden", overwrites={
        world.guild.me: discord.PermissionOverwrite(view_channel=False, embed_links=False)})
    assert (await _refusal(world, channel=hidden)).startswith(
        "I am missing View Channel and Embed Links in ")
    parent = world.guild.create_text_channel("threads", overwrites={
        world.guild.me: discord.PermissionOverwrite(send_messages_in_threads=False,
                                                    embed_links=False)})
    world.env.backend.create_thread(parent.id, "daily quotes", world.admin.id)
    (thread,) = parent.threads
    assert (await _refusal(world, channel=thread)).startswith(
        "I am missing Send Messages in Threads and Embed Links in ")
    assert not (await world.status()).fields


async def test_set_refuses_a_thread_the_bot_cannot_post_in(world: World) -> None:
    parent = world.guild.create_text_channel("threads", overwrites={
        world.guild.me: discord.PermissionOverwrite(send_messages_in_threads=False)})
    world.env.backend.create_thread(parent.id, "daily quotes", world.admin.id)
    (thread,) = parent.threads
    text = await _refusal(world, channel=thread)
    assert "I am missing Send Messages in Threads in " in text


@pytest.mark.parametrize(("typed", "expected"), [
    ({"time": "25:00"}, "I can't read “25:00” as a time: write it as HH:MM, 24-hour"),
    ({"time": "9am"}, "I can't read “9am” as a time"),
    ({"timezone": "Mars/Olympus_Mons"}, "time zone"),
    ({"timezone": "EST"}, r"EST has no daylight saving time: use a place, such as "
                          r"America/New\_York"),
    ({"timezone": "Etc/GMT+5"}, "is always UTC-5 (its sign is inverted)"),
    ({"timezone": "US/Eastern"}, r"US/Eastern is an old name, not a place: use a place, "
                                 r"such as America/New\_York."),
    ({"speaker": "Nobody Atall"}, "No speaker called “Nobody Atall” has quotes"),
    ({"source-channel": "nowhere"}, "There is no channel “nowhere” in the notes"),
])
async def test_bad_input_gets_a_clear_message(world: World, typed: dict[str, str],
                                              expected: str) -> None:
    text = await _refusal(world, **typed)
    assert expected in text
    assert not (await world.status()).fields


async def test_what_was_typed_is_echoed_harmlessly(world: World) -> None:
    text = await _refusal(world, time="<@&42> **now** @everyone")
    assert "<@&42>" not in text and "**now**" not in text and "@everyone" not in text


async def test_a_role_the_bot_could_not_ping_is_refused(world: World) -> None:
    role = world.guild.create_role("quiet")  # not mentionable
    muted = world.guild.create_text_channel("muted", overwrites={
        world.guild.me: discord.PermissionOverwrite(mention_everyone=False)})
    text = await _refusal(world, channel=muted, role=role)
    assert text.startswith(f"I could not ping <@&{role.id}>: it is not mentionable.")
    everyone = await _refusal(world, role=world.guild.default_role)
    assert everyone.startswith("@everyone cannot be the role to ping")


async def test_without_a_state_database_qotd_says_what_it_needs(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(world.services, "qotd", None)
    for command in ("qotd status", "qotd preview", "qotd now", "qotd off"):
        result = await world.admin.slash(world.channel, command)
        assert result.ephemeral and result.response.content == NEEDS_STATE, command
    assert (await _refusal(world)) == NEEDS_STATE


# --------------------------------------------------------------------------- autocomplete

async def test_timezone_autocomplete_offers_zones(world: World) -> None:
    choices = await world.admin.autocomplete(world.channel, "qotd set", "timezone", "paris")
    assert "Europe/Paris" in [c["value"] for c in choices]
    assert 1 <= len(choices) <= 25
    assert all(1 <= len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)


async def test_timezone_autocomplete_offers_places_for_an_abbreviation(world: World) -> None:
    choices = await world.admin.autocomplete(world.channel, "qotd set", "timezone", "est")
    values = [c["value"] for c in choices]
    assert values[0] == "America/New_York"
    assert not {"EST", "EST5EDT", "US/Eastern"} & set(values)
    result = await world.set(timezone=values[0])
    assert fields(result.response.embeds[0])["Time"] == r"01:10 America/New\_York"


async def test_speaker_and_source_channel_autocomplete_as_quote_does(world: World) -> None:
    speakers = await world.admin.autocomplete(world.channel, "qotd set", "speaker", "mara")
    assert speakers[0] == {"name": "Mara Oyelaran (7)", "value": "Mara Oyelaran"}
    channels = await world.admin.autocomplete(world.channel, "qotd set", "source-channel", "gal")
    assert [c["value"] for c in channels] == ["galley"]


# --------------------------------------------------------------------------- preview, now

async def test_preview_is_private_and_the_post_is_the_same_quote(world: World) -> None:
    await world.set()
    preview = await world.admin.slash(world.channel, "qotd preview")
    assert preview.ephemeral
    (shown,) = preview.response.embeds
    assert shown.footer.text == "Quote of the day for 2026-01-01 · preview: only you see this"
    assert world.bot_posts() == []
    again = (await world.admin.slash(world.channel, "qotd preview")).response.embeds[0]
    assert again.description == shown.description  # the same all day
    await world.advance_to(DUE)
    (post,) = world.bot_posts()
    (embed,) = post.embeds
    assert (embed.title, embed.description, embed.author.name) == \
        (shown.title, shown.description, shown.author.name)
    assert embed.footer.text == "Quote of the day · 2026-01-01"


async def test_preview_before_set_says_how_to_start(world: World) -> None:
    result = await world.admin.slash(world.channel, "qotd preview")
    assert result.ephemeral and "/qotd set" in result.response.content


async def test_now_posts_once_and_then_says_it_was_posted(world: World) -> None:
    await world.set()
    result = await world.admin.slash(world.channel, "qotd now")
    assert callback_types(world.env)[-1] == 5  # it posts to Discord: deferred first
    (post,) = world.bot_posts()
    link = f"https://discord.com/channels/{world.guild.id}/{world.channel.id}/{post.id}"
    assert result.ephemeral
    assert result.response.content == (
        f"Posted today's quote (2026-01-01) in <#{world.channel.id}>: [jump to it]({link}).")
    second = await world.admin.slash(world.channel, "qotd now")
    assert second.response.content.startswith(
        f"Today's quote (2026-01-01) was already posted: [jump to it]({link}).")
    await world.advance_to(AFTER)  # the scheduled time passes: no second post
    assert len(world.bot_posts()) == 1
    shown = fields(await world.status())
    assert shown["Last posted"] == f"2026-01-01: posted · [jump to it]({link})"
    assert shown["Today"] == shown["Last posted"]
