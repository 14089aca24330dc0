"""The quote of the day's scheduled posts through SimCord: the cog's loop, the real
scheduler and the Discord sender, driven by SimCord's virtual clock
(:mod:`tests.e2e.qotd_world`): the post arrives in the channel when the clock reaches its
time (and not before), pings the chosen role and nothing else (or nobody), survives a
failed pass of the loop, stops with the cog; a deleted channel, a permission taken away
and Discord's errors show in ``/qotd status`` with what to do."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import discord
import pytest

from bot.config import Settings
from bot.schedule.records import TickReport
from bot.schedule.sender import Sender
from tests.e2e.qotd_world import AFTER, DUE, World, fields, qotd_settings, qotd_world


@pytest.fixture
def settings(quote_settings: Settings) -> Settings:
    return qotd_settings(quote_settings)


@pytest.fixture
async def world(simcord_env: Any) -> AsyncIterator[World]:
    async with qotd_world(simcord_env) as built:
        yield built


def stored(world: World, message: discord.Message) -> Any:
    """The message as SimCord's Discord keeps it (who it pinged)."""
    return world.env.backend.get_message(message.channel.id, message.id)


def jump(world: World, message: discord.Message) -> str:
    return f"https://discord.com/channels/{world.guild.id}/{message.channel.id}/{message.id}"


async def test_the_post_arrives_when_the_clock_reaches_its_time(world: World) -> None:
    await world.set()
    await world.advance_to(DUE - timedelta(seconds=1))
    assert world.bot_posts() == []
    await world.advance_to(AFTER)
    (post,) = world.bot_posts()
    assert post.created_at == DUE
    (embed,) = post.embeds
    assert embed.footer.text == "Quote of the day · 2026-01-01"
    assert embed.description.startswith("> ") and embed.author.name
    assert not post.content  # nobody to ping
    kept = stored(world, post)
    assert kept.allowed_mentions.roles is False or not kept.allowed_mentions.roles
    assert not kept.ping_role_ids and not kept.ping_user_ids and not kept.mention_everyone
    shown = fields(await world.status())
    assert shown["Last posted"] == f"2026-01-01: posted · [jump to it]({jump(world, post)})"
    assert shown["Today"] == shown["Last posted"]
    assert shown["Next post"].startswith("Fri 2 Jan 2026, 01:10 CET\n<t:")
    assert "Problem" not in shown


async def test_the_chosen_role_is_pinged_and_nothing_else(world: World) -> None:
    fans = world.guild.create_role("Quote fans", mentionable=True)
    world.guild.create_role("Others", mentionable=True)
    result = await world.set(role=fans)
    assert fields(result.response.embeds[0])["Pings"] == f"<@&{fans.id}>"
    await world.advance_to(AFTER)
    (post,) = world.bot_posts()
    assert post.content == f"<@&{fans.id}>"
    kept = stored(world, post)
    assert kept.ping_role_ids == [fans.id]
    assert not kept.ping_user_ids and not kept.mention_everyone
    (sent,) = [r.json for r in world.env.http_requests
               if r.method == "POST" and r.path == f"/channels/{world.channel.id}/messages"]
    assert sent["allowed_mentions"] == {"parse": [], "roles": [fans.id]}


async def test_a_deleted_role_is_not_pinged_and_status_says_so(world: World) -> None:
    fans = world.guild.create_role("Fans", mentionable=True)
    await world.set(role=fans)
    world.env.backend.delete_role(world.guild.id, fans.id)
    embed = await world.status()
    shown = fields(embed)
    assert shown["Pings"] == "nobody (the role was deleted)"
    assert "The role to ping was deleted: the posts ping nobody. Pick another role with " \
           "`/qotd set`, or set it again without one." in shown["Problem"]
    assert embed.colour == discord.Colour(0xED4245)
    await world.advance_to(AFTER)
    (post,) = world.bot_posts()
    assert not post.content  # no "@deleted-role"
    kept = stored(world, post)
    assert not kept.ping_role_ids and not kept.ping_user_ids and not kept.mention_everyone
    (sent,) = [r.json for r in world.env.http_requests
               if r.method == "POST" and r.path == f"/channels/{world.channel.id}/messages"]
    assert sent["allowed_mentions"] == {"parse": []}
    others = world.guild.create_role("Others", mentionable=True)
    await world.set(role=others)  # what the status says to do
    assert "Problem" not in fields(await world.status())


async def test_a_zone_stored_before_set_refused_it_shows_in_status(world: World) -> None:
    from dataclasses import replace

    await world.set()
    store = world.qotd.store
    schedule = await store.get_schedule(world.guild.id)
    assert schedule is not None
    await store.put_schedule(replace(schedule, timezone="EST"))
    problem = fields(await world.status())["Problem"]
    assert problem.startswith(r"EST has no daylight saving time: use a place, such as "
                              r"America/New\_York")


async def test_a_post_in_a_thread(world: World) -> None:
    world.env.backend.create_thread(world.channel.id, "daily quote", world.admin.id)
    (thread,) = world.channel.threads
    await world.set(channel=thread)
    await world.advance_to(AFTER)
    assert len(world.bot_posts(thread)) == 1
    assert world.bot_posts() == []


@pytest.mark.parametrize("seen", [True, False], ids=["deleted", "unknown-to-discord"])
async def test_a_deleted_channel_shows_in_status_with_what_to_do(world: World,
                                                                seen: bool) -> None:
    """``seen``: the bot was told of the deletion; else only Discord knows (404 on send)."""
    quotes = world.guild.create_text_channel("quotes")
    await world.set(channel=quotes)
    if seen:
        world.env.backend.delete_channel(quotes.id)
    else:
        world.env.inject_error("POST", f"/channels/{quotes.id}/messages", status=404,
                               code=10003, message="Unknown Channel", times=None)
    await world.advance_to(AFTER)
    assert world.bot_posts() == []
    shown = fields(await world.status())
    assert shown["Channel"] == f"<#{quotes.id}>"
    assert "The channel is gone (deleted, or I can no longer see it): pick another with " \
           "/qotd set." in shown["Problem"]
    assert shown["Today"].startswith("2026-01-01: not posted: Discord refused it")
    await world.set()  # what the status says to do: another channel
    assert "Problem" not in fields(await world.status())
    await world.advance_to(AFTER + timedelta(minutes=2))
    assert len(world.bot_posts()) == 1  # today's post, at once: its time has passed


@pytest.mark.parametrize(("denied", "named"), [
    (discord.Permissions(embed_links=True), "Embed Links in #general: give me this permission"),
    (discord.Permissions(embed_links=True, send_messages=True),
     "Send Messages and Embed Links in #general: give me these permissions")])
async def test_a_permission_taken_away_is_named_in_status(world: World, denied: Any,
                                                          named: str) -> None:
    await world.set()
    world.env.backend.edit_channel(world.channel.id, {}, overwrites=[_deny_bot(world, denied)])
    await world.advance_to(AFTER)
    assert world.bot_posts() == []
    problem = fields(await world.status())["Problem"]
    assert f"I am missing {named} there, or pick another channel with /qotd set." in problem


def _deny_bot(world: World, denied: discord.Permissions) -> Any:
    from simcord.backend.models.channel import Overwrite, OverwriteType

    return Overwrite(target_id=world.env.bot.user.id, type=OverwriteType.MEMBER,
                     deny=denied.value)


async def test_a_passing_refusal_is_tried_again(world: World) -> None:
    await world.set()
    world.env.inject_error("POST", f"/channels/{world.channel.id}/messages", status=400,
                           code=50035, message="Invalid Form Body", times=1)
    await world.advance_to(DUE + timedelta(seconds=30))
    assert world.bot_posts() == []
    problem = fields(await world.status())["Problem"]
    assert "Discord refused the post (400 Invalid Form Body); I will try again." in problem
    await world.advance_to(DUE + timedelta(minutes=2))
    (post,) = world.bot_posts()
    assert post.created_at == DUE + timedelta(minutes=1)  # (the first backoff)
    assert "Problem" not in fields(await world.status())


async def test_discord_failing_to_answer_is_checked_before_posting_again(world: World) -> None:
    """A 5xx may hide a post that was made: the channel is read before each new try, and
    only the quote of the day counts as found (not another message of the bot's)."""
    await world.set()
    world.env.inject_error("POST", f"/channels/{world.channel.id}/messages", status=500,
                           times=2)
    await world.advance_to(DUE + timedelta(seconds=30))
    problem = fields(await world.status())["Problem"]
    assert problem.startswith("Today's post got no answer from Discord: I will look for it")
    await world.alice.slash(world.channel, "quote")  # the bot's message, not the post
    await world.advance_to(AFTER + timedelta(minutes=2))
    assert len(world.bot_posts()) == 1
    reads = [r for r in world.env.http_requests
             if r.method == "GET" and r.path == f"/channels/{world.channel.id}/messages"]
    assert len(reads) == 2  # before each try after a 5xx


async def test_a_post_whose_answer_was_lost_is_found_not_posted_again(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    cog: Any = world.env.bot.get_cog("Qotd")
    real = cog.sender.send

    async def answer_lost(post: Any) -> int:
        await real(post)  # Discord made the post...
        raise TimeoutError("the answer never came")  # ...but the bot never heard

    monkeypatch.setattr(cog.sender, "send", answer_lost)
    await world.set()
    await world.advance_to(AFTER)
    (post,) = world.bot_posts()
    shown = fields(await world.status())
    assert shown["Today"] == f"2026-01-01: posted · [jump to it]({jump(world, post)})"


async def test_the_loop_survives_an_exception(world: World, monkeypatch: pytest.MonkeyPatch,
                                              caplog: pytest.LogCaptureFixture) -> None:
    service = world.qotd
    real = service.tick
    passes: list[Any] = []

    async def flaky(sender: Sender) -> TickReport:
        passes.append(world.env.now())
        if len(passes) == 1:
            raise RuntimeError("the state database is locked")
        return await real(sender)

    monkeypatch.setattr(service, "tick", flaky)
    await world.set()
    with caplog.at_level(logging.ERROR, logger="cogs.qotd"):
        await world.advance_to(AFTER)
    assert "the quote of the day's loop failed" in caplog.text
    assert "the state database is locked" in caplog.text
    assert len(world.bot_posts()) == 1
    assert passes[1] - passes[0] == timedelta(minutes=1)  # restarted, not at once: a pass later


async def test_the_loop_stops_with_the_cog(world: World) -> None:
    cog: Any = world.env.bot.get_cog("Qotd")
    assert cog.ticker.is_running()
    await world.set()
    await world.env.bot.remove_cog("Qotd")
    await world.advance_to(AFTER)
    assert not cog.ticker.is_running()
    assert world.bot_posts() == []
