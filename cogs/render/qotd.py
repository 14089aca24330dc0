"""The quote of the day as Discord shows it: the post itself, and the admin's ``/qotd`` answers.

* :func:`post_embed`: the scheduled (or ``/qotd now``) post, the ``/quote`` embed
  (:func:`cogs.render.quote.quote_embed`) with "Quote of the day" and the post's marker in
  its footer (what :meth:`cogs.qotd_sender.DiscordSender.find_post` recognises);
* :func:`status_embed`: ``/qotd status`` and ``/qotd set``'s answer: where, when (in the
  server's zone and as a Discord timestamp), the pool, the last post with a jump link,
  today's state, and any problem with what to do about it;
* :func:`preview_embed`, :func:`post_result_text`, :func:`off_text`: the other answers.

Everything a member or a note wrote is escaped here (names of speakers and channels, the
service's reasons); channels and roles are shown as mentions, which never ping in an embed
or in a reply sent with ``AllowedMentions.none()``. Every link is built from integer ids
(:func:`jump_url`) or by :mod:`bot.notes.youtube`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from bot.schedule.records import (
    DayRecord,
    DayStatus,
    PostOutcome,
    PostResult,
    QotdStatus,
    QotdToday,
    Schedule,
)
from bot.schedule.sender import QotdPost
from cogs.render.quote import quote_embed
from cogs.render.text import member_text, neutralise_mentions, plain, safe_clip
from cogs.replies import EMBED_COLOUR, fit_embed

TITLE = "Quote of the day"
PROBLEM_COLOUR = discord.Colour(0xED4245)
OFF_COLOUR = discord.Colour(0x99AAB5)
FOOTER_CHARS = 300
REASON_CHARS = 600
ROLE_GONE = ("The role to ping was deleted: the posts ping nobody. Pick another role with "
             "`/qotd set`, or set it again without one.")
NOT_SET = ("There is no quote of the day in this server. `/qotd set` picks a channel, a time "
           "and a time zone.")
STATES = {
    DayStatus.CHOSEN: "chosen, not posted yet",
    DayStatus.SENDING: "being posted",
    DayStatus.POSTED: "posted",
    DayStatus.FAILED: "not posted: Discord refused it; I will try again",
    DayStatus.MISSED: "missed",
}


def _snowflake(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**64 \
        else None


def jump_url(guild_id: int, channel_id: int | None, message_id: int | None) -> str | None:
    """``https://discord.com/channels/guild/channel/message``, or ``None`` unless all three
    are Discord ids (the only link built from what the state database holds)."""
    ids = [_snowflake(guild_id), _snowflake(channel_id), _snowflake(message_id)]
    if any(part is None for part in ids):
        return None
    return "https://discord.com/channels/" + "/".join(str(part) for part in ids)


def channel_mention(channel_id: int | None) -> str:
    checked = _snowflake(channel_id)
    return f"<#{checked}>" if checked else "no channel"


def role_mention(role_id: int | None) -> str:
    checked = _snowflake(role_id)
    return f"<@&{checked}>" if checked else "nobody"


def timestamps(moment: datetime) -> str:
    """A Discord timestamp, shown in each reader's own zone: ``<t:…:F>`` (``<t:…:R>``)."""
    unix = int(moment.timestamp())
    return f"<t:{unix}:F> (<t:{unix}:R>)"


def reason(text: str | None) -> str:
    """A reason from the service or from Discord, safe to show (no markdown, no mention)."""
    return safe_clip(text or "", REASON_CHARS) or "no reason given"


# --------------------------------------------------------------------------- the post

def post_footer(post: QotdPost) -> str:
    return plain(f"{TITLE} · {post.marker}", FOOTER_CHARS)


def post_embed(post: QotdPost) -> discord.Embed:
    """The post: the quote as ``/quote`` shows it, its footer saying "Quote of the day" and
    carrying ``post.marker``."""
    embed = quote_embed(post.quote)
    embed.set_footer(text=post_footer(post))
    return fit_embed(embed)


def post_content(post: QotdPost) -> str | None:
    """The message text: the role's mention when the admin chose one, else nothing."""
    checked = _snowflake(post.role_id)
    return f"<@&{checked}>" if checked else None


def post_allowed_mentions(post: QotdPost) -> discord.AllowedMentions:
    """Exactly the chosen role may be pinged; without one, nobody."""
    checked = _snowflake(post.role_id)
    if checked is None:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(checked)],
                                   replied_user=False)


def marker_in(message: discord.Message, post: QotdPost) -> bool:
    """Whether a message is that post: an embed's footer is the post's footer."""
    footer = post_footer(post)
    return any(embed.footer.text == footer for embed in message.embeds)


# --------------------------------------------------------------------------- status

def _filters(schedule: Schedule) -> str:
    parts = []
    if schedule.speaker:
        parts.append(f"by {member_text(schedule.speaker, 100)}")
    if schedule.source_channel:
        parts.append(f"from the channel {member_text(schedule.source_channel, 80)}")
    return " ".join(parts)


def _day_line(guild_id: int, record: DayRecord) -> str:
    state = STATES.get(record.status, str(record.status))
    line = f"{record.day}: {state}"
    link = jump_url(guild_id, record.channel_id, record.message_id)
    if record.status == DayStatus.POSTED and link:
        line += f" · [jump to it]({link})"
    if record.error and record.status in (DayStatus.FAILED, DayStatus.MISSED):
        line += f" ({reason(record.error)})"
    return line


def _when(status: QotdStatus) -> str:
    if status.next_post is None:
        return "not planned (the quote of the day is off or paused)"
    local = neutralise_mentions(plain(status.next_post_local or "", 100))
    shown = timestamps(status.next_post)
    return f"{local}\n{shown}" if local else shown


def status_embed(guild_id: int, status: QotdStatus, title: str = TITLE, *,
                 role_gone: bool = False, problems: Sequence[str] = ()) -> discord.Embed:
    """Everything an admin needs about the server's quote of the day. ``role_gone``: the
    role to ping no longer exists (the posts ping nobody); ``problems``: what else is wrong
    that only the caller knows, after the service's."""
    schedule = status.schedule
    if schedule is None:
        return fit_embed(discord.Embed(title=title, description=NOT_SET, colour=OFF_COLOUR))
    if not schedule.enabled:
        state = "**Off.** `/qotd set` turns it on again."
    elif schedule.paused_reason:
        state = "**Paused** after repeated failures."
    else:
        state = "**On.**"
    shown = [reason(text) for text in (status.problem, *problems) if text]
    if role_gone:
        shown.append(ROLE_GONE)
    colour = PROBLEM_COLOUR if shown else (EMBED_COLOUR if schedule.active else OFF_COLOUR)
    setter = _snowflake(schedule.updated_by)
    if setter:
        state += f" Last set by <@{setter}>."
    embed = discord.Embed(title=title, description=state, colour=colour)
    embed.add_field(name="Channel", value=channel_mention(schedule.channel_id), inline=True)
    embed.add_field(name="Time", value=f"{plain(schedule.post_time, 5)} "
                                       f"{safe_clip(schedule.timezone, 64)}", inline=True)
    embed.add_field(name="Pings", value="nobody (the role was deleted)" if role_gone
                    else role_mention(schedule.role_id), inline=True)
    embed.add_field(name="Next post", value=_when(status), inline=False)
    pool = f"{status.pool_size} quote" + ("" if status.pool_size == 1 else "s")
    filters = _filters(schedule)
    embed.add_field(name="Pool", value=f"{pool} {filters}".strip(), inline=False)
    last = status.last_posted
    embed.add_field(name="Last posted", value=_day_line(guild_id, last) if last else "never",
                    inline=False)
    if status.today is not None:
        embed.add_field(name="Today", value=_day_line(guild_id, status.today), inline=False)
    if shown:
        embed.add_field(name="Problem", value="\n".join(shown), inline=False)
    return fit_embed(embed)


# --------------------------------------------------------------------------- answers

def preview_embed(today: QotdToday) -> discord.Embed:
    """Today's quote as it is (or will be) posted, for the admin's eyes only."""
    embed = quote_embed(today.quote)
    embed.set_footer(text=plain(f"{TITLE} for {today.day} · preview: only you see this",
                                FOOTER_CHARS))
    return fit_embed(embed)


def post_result_text(guild_id: int, result: PostResult) -> str:
    """``/qotd now``'s answer."""
    link = jump_url(guild_id, result.channel_id, result.message_id)
    where = channel_mention(result.channel_id) if result.channel_id else "the channel"
    if result.outcome == PostOutcome.POSTED:
        return f"Posted today's quote ({result.day}) in {where}" + \
            (f": [jump to it]({link})." if link else ".")
    if result.outcome == PostOutcome.ALREADY:
        return f"Today's quote ({result.day}) was already posted" + \
            (f": [jump to it]({link})." if link else ".") + \
            " The next one comes tomorrow at the set time."
    if result.outcome == PostOutcome.FAILED:
        return (f"Discord refused the post: {reason(result.error)}\n"
                "Fix that, then try `/qotd now` again; `/qotd status` shows what is wrong.")
    return ("I could not tell whether the post went out (Discord did not answer in time). "
            "I will look for it in the channel before trying again: see `/qotd status`.")


def off_text(was_on: bool) -> str:
    if was_on:
        return ("The quote of the day is off. Its settings and history are kept: "
                "`/qotd set` turns it on again.")
    return "The quote of the day was not on in this server; nothing changed."
