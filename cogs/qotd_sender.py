"""The quote of the day's :class:`~bot.schedule.sender.Sender` over discord.py.

The scheduler (:class:`bot.schedule.service.QotdService`) imports nothing from Discord: it
is given a :class:`DiscordSender`, which posts a :class:`~bot.schedule.sender.QotdPost` as
an embed (:func:`cogs.render.qotd.post_embed`) and finds it again after a crash.

What Discord answers becomes what the scheduler understands:

* the message was created: its id;
* Discord refused, nothing was posted: :class:`~bot.schedule.sender.SendRefused`, with one
  line for ``/qotd status``. ``permanent`` when only an admin can fix it (the channel is
  gone: ``NotFound``; the bot may not see or post there: ``Forbidden``, or its cached
  permissions say so before any request), else a passing refusal (another 4xx) that is
  tried again later;
* anything else (a timeout, a lost connection, Discord's own 5xx error after discord.py's
  retries: :func:`no_answer`): the outcome is not known, the exception propagates, and the scheduler looks for
  the post (:meth:`DiscordSender.find_post`) before it sends again. A 5xx is not a refusal:
  Discord may have created the message before failing to answer.

Mentions: the post pings the one role the admin chose, and nothing else
(:func:`cogs.render.qotd.post_allowed_mentions`); a role deleted since is left out
(:func:`without_deleted_role`).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import discord

from bot.schedule.sender import QotdPost, SendRefused
from cogs.render.qotd import (
    marker_in,
    post_allowed_mentions,
    post_content,
    post_embed,
)

log = logging.getLogger(__name__)

FIND_LIMIT = 100  # messages read after the send started, looking for the post
# looked at from this long before the send started: Discord's clock is not ours, and a post
# made within the claim's millisecond is not "after" it (the marker names the day: an
# earlier message carrying it is that day's post all the same)
CLOCK_SKEW = timedelta(minutes=2)
PostChannel = discord.TextChannel | discord.Thread
# what the bot needs in the channel: (attribute, the name Discord's settings show)
NEEDED = (("view_channel", "View Channel"), ("send_messages", "Send Messages"),
          ("embed_links", "Embed Links"))
IN_THREADS = ("send_messages_in_threads", "Send Messages in Threads")
# to find a post whose send's outcome is not known (after a crash), before sending again
HISTORY = ("read_message_history", "Read Message History")
MISSING_ACCESS = 50001


def missing_permissions(channel: PostChannel, me: discord.Member, *,
                        history: bool = False) -> list[str]:
    """The permissions the bot lacks to post the quote of the day in ``channel`` (and, with
    ``history``, to find a post again after a crash), named as Discord's settings name them
    (``[]``: it can): every one at once. They are read from the roles and overwrites before
    discord.py's implicit rules (without Send Messages, no Embed Links), which would hide a
    permission denied as well until the first was granted."""
    send = IN_THREADS if isinstance(channel, discord.Thread) else NEEDED[1]
    needed = [NEEDED[0], send, NEEDED[2], *([HISTORY] if history else [])]
    granted = _granted(channel, me)
    return [name for attribute, name in needed if not getattr(granted, attribute)]


def _granted(channel: PostChannel, me: discord.Member) -> discord.Permissions:
    """What the roles and overwrites grant in ``channel`` (a thread: its parent's), before
    the implicit rules."""
    where = channel.parent if isinstance(channel, discord.Thread) else channel
    if where is None:  # (a thread whose parent is not cached: as discord.py reads it)
        return channel.permissions_for(me)
    return discord.abc.GuildChannel.permissions_for(where, me)


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def permissions_reason(where: str, names: list[str]) -> str:
    """What is missing where (``where``: a channel's mention, or ``#name``), and the fix."""
    what = "this permission" if len(names) == 1 else "these permissions"
    return (f"I am missing {_join(names)} in {where}: give me {what} there, or pick another "
            "channel with /qotd set.")


def _name(channel: PostChannel) -> str:
    return f"#{channel.name}"


# Reasons are plain sentences, kept in the state database and escaped where they are shown
# (cogs.render.qotd.reason): a channel is named, never mentioned.
GONE = ("The channel is gone (deleted, or I can no longer see it): pick another with "
        "/qotd set.")
HIDDEN = "I cannot see the channel: give me View Channel there, or pick another with /qotd set."


class DiscordSender:
    """Posts the quote of the day through a discord.py client (the bot)."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def channel(self, channel_id: int) -> PostChannel:
        """The post's channel, from the cache or asked of Discord."""
        found: Any = self.client.get_channel(channel_id)
        if found is None:
            try:
                found = await self.client.fetch_channel(channel_id)
            except discord.NotFound:
                raise SendRefused(GONE, permanent=True) from None
            except discord.Forbidden:
                raise SendRefused(HIDDEN, permanent=True) from None
            except discord.HTTPException as exc:
                if no_answer(exc):
                    raise  # the scheduler tries again later
                raise SendRefused(_passing(exc)) from None
        if not isinstance(found, discord.TextChannel | discord.Thread):
            raise SendRefused("The channel is not a text channel or a thread: pick another "
                              "with /qotd set.", permanent=True)
        return found

    def _refusal(self, channel: PostChannel, exc: discord.HTTPException) -> SendRefused:
        if isinstance(exc, discord.NotFound):
            return SendRefused(GONE, permanent=True)
        if isinstance(exc, discord.Forbidden):
            me = channel.guild.me
            names = missing_permissions(channel, me) if me is not None else []
            if names:
                return SendRefused(permissions_reason(_name(channel), names), permanent=True)
            if exc.code == MISSING_ACCESS:
                return SendRefused(HIDDEN, permanent=True)
            return SendRefused(f"Discord does not let me post in {_name(channel)} "
                               f"({_said(exc)}): check my permissions there, or pick another "
                               "channel with /qotd set.", permanent=True)
        return SendRefused(_passing(exc))

    async def send(self, post: QotdPost) -> int:
        channel = await self.channel(post.channel_id)
        me = channel.guild.me
        missing = missing_permissions(channel, me) if me is not None else []
        if missing:  # known from the cache: no request that Discord would refuse
            raise SendRefused(permissions_reason(_name(channel), missing), permanent=True)
        post = without_deleted_role(post, channel.guild)
        try:
            message = await channel.send(content=post_content(post), embed=post_embed(post),
                                         nonce=post.nonce,
                                         allowed_mentions=post_allowed_mentions(post))
        except discord.HTTPException as exc:
            if no_answer(exc):
                raise  # Discord may have posted it: the outcome is not known
            raise self._refusal(channel, exc) from None
        log.debug("posted the quote of the day of %s for guild %s: message %s", post.day,
                  post.guild_id, message.id)
        return message.id

    async def find_post(self, post: QotdPost, since: datetime) -> int | None:
        channel = await self.channel(post.channel_id)
        me = self.client.user
        if me is None:
            raise ConnectionError("not logged in")  # not a refusal: look again later
        try:
            async for message in channel.history(limit=FIND_LIMIT, after=since - CLOCK_SKEW,
                                                 oldest_first=True):
                if message.author.id == me.id and marker_in(message, post):
                    return message.id
        except discord.HTTPException as exc:
            if no_answer(exc):
                raise
            if isinstance(exc, discord.Forbidden):
                raise SendRefused(f"I cannot read the history of {_name(channel)}: give me "
                                  "View Channel and Read Message History there.",
                                  permanent=True) from None
            raise self._refusal(channel, exc) from None
        return None


def without_deleted_role(post: QotdPost, guild: discord.Guild) -> QotdPost:
    """The post without its role when the role no longer exists (deleted after
    ``/qotd set``): its mention would show "@deleted-role" and ping nobody. ``/qotd status``
    says so (:func:`cogs.qotd.status_reply`)."""
    if post.role_id is None or guild.get_role(post.role_id) is not None:
        return post
    log.info("quote of the day of guild %s: role %s is gone, posting without a ping",
             post.guild_id, post.role_id)
    return replace(post, role_id=None)


def no_answer(exc: discord.HTTPException) -> bool:
    """Discord's own error (5xx, after discord.py's retries): it may have done what was
    asked before failing to answer, so the outcome is not known."""
    return exc.status >= 500


def _said(exc: discord.HTTPException) -> str:
    text = " ".join((exc.text or "").split())[:120]
    return f"{exc.status} {text}".strip() if text else str(exc.status)


def _passing(exc: discord.HTTPException) -> str:
    return f"Discord refused the post ({_said(exc)}); I will try again."
