"""``/qotd``: the quote of the day, set up by a server's admins, and the scheduler's loop.

``/qotd set channel time timezone [speaker] [source-channel] [role]``, ``off``, ``status``,
``preview`` and ``now``: each asks :class:`bot.schedule.service.QotdService`
(``services.qotd``) and renders its answer (:mod:`cogs.render.qotd`), for the admin's eyes
only. The commands are for the server's managers: ``default_permissions(manage_guild)``
hides them from others, and since a server can override that, Manage Server is checked
again here (:meth:`QotdCog.interaction_check`). ``set`` checks the bot's own permissions in
the channel chosen and names what is missing.

The loop (:attr:`QotdCog.ticker`, every ``settings.qotd_tick_seconds``) calls
``service.tick`` with a :class:`~cogs.qotd_sender.DiscordSender`: the service decides what
is due and posts it. The loop starts in ``cog_load`` (once the bot is ready), stops in
``cog_unload``, and survives every exception: ``@ticker.error`` logs it and starts the
loop again, whose next pass comes one interval later (never a tight loop of failures).

Without a state database (``services.qotd is None``) the cog still loads: ``/qotd``
answers that the quote of the day needs it, and no loop runs.

``/qotd`` is not offered in ``notecast console``: it configures a Discord server (its
channels, roles and members' permissions), which the console does not have.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.app.protocols import services_of
from bot.errors import UserFacingError
from bot.notes.text import clean_user_text
from bot.schedule import times
from bot.services import Services
from cogs.options import channel_choices
from cogs.qotd_sender import DiscordSender, PostChannel, missing_permissions, permissions_reason
from cogs.quote import speaker_choices
from cogs.render.qotd import (
    TITLE,
    channel_mention,
    off_text,
    post_result_text,
    preview_embed,
    status_embed,
)
from cogs.render.text import choice_text, safe_text
from cogs.replies import CHOICES_LIMIT, Reply, respond

if TYPE_CHECKING:
    from bot.schedule.records import QotdStatus
    from bot.schedule.service import QotdService

log = logging.getLogger(__name__)
T = TypeVar("T")

NEEDS_STATE = ("The quote of the day needs the state database, and this bot runs without "
               "one. Whoever runs the bot can set `state_db` (see the README), then restart it.")
SET_TITLE = "Quote of the day: set"
# the channel option: what a post can go to
POST_CHANNEL_TYPES = [discord.ChannelType.text, discord.ChannelType.news,
                      discord.ChannelType.public_thread, discord.ChannelType.private_thread,
                      discord.ChannelType.news_thread]
OptionChannel = app_commands.AppCommandChannel | app_commands.AppCommandThread


class PostChannelOption(app_commands.Transformer):
    """A channel option offering only text channels, announcement channels and threads;
    the value is Discord's resolved channel, looked up again by the command."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return POST_CHANNEL_TYPES

    async def transform(self, interaction: discord.Interaction[Any], value: Any, /) -> Any:
        if not isinstance(value, OptionChannel):
            raise UserFacingError("Pick a text channel or a thread for the quote of the day.")
        return value


async def asked(call: Awaitable[T]) -> T:
    """The service's answer; its refusals (plain sentences that may echo what was typed or
    name a speaker from the notes) shown escaped: no markdown, no mention."""
    try:
        return await call
    except UserFacingError as exc:
        raise UserFacingError(safe_text(str(exc))) from exc


def _text(value: str | None, limit: int = 100) -> str | None:
    """An option's value without invisible or control characters; ``None`` when empty."""
    return clean_user_text(value or "", limit) or None


async def post_channel(interaction: discord.Interaction[Any], value: Any) -> PostChannel:
    """The channel chosen for the posts, once the bot is known to be able to post there:
    it can see it, send messages (in threads, for a thread), embed links and read the
    history (to find a post again after a crash). Else a refusal naming what is missing."""
    guild = interaction.guild
    assert guild is not None  # guild only
    found: Any = guild.get_channel_or_thread(value.id)
    if found is None:
        try:
            found = await interaction.client.fetch_channel(value.id)
        except discord.HTTPException:
            raise UserFacingError(f"I cannot see {channel_mention(value.id)}: give me View "
                                  "Channel there, then try again.") from None
    if not isinstance(found, discord.TextChannel | discord.Thread) or found.guild.id != guild.id:
        raise UserFacingError("Pick a text channel or a thread of this server for the quote "
                              "of the day.")
    me = guild.me
    missing = missing_permissions(found, me, history=True)
    if missing:
        raise UserFacingError(permissions_reason(found.mention, missing))
    if isinstance(found, discord.Thread) and found.locked \
            and not found.permissions_for(me).manage_threads:
        raise UserFacingError(f"{channel_mention(found.id)} is a locked thread: unlock it, or "
                              "pick another channel.")
    return found


def check_role(role: discord.Role | None, channel: PostChannel, me: discord.Member) -> None:
    """A role the posts can really ping (else a refusal saying how to make it so)."""
    if role is None:
        return
    if role.is_default():
        raise UserFacingError("@everyone cannot be the role to ping: pick a role, or leave "
                              "the option out so that nobody is pinged.")
    if not role.mentionable and not channel.permissions_for(me).mention_everyone:
        raise UserFacingError(
            f"I could not ping {role.mention}: it is not mentionable. Make it mentionable "
            "(Server Settings → Roles), or give me Mention @everyone, @here and All Roles "
            f"in {channel_mention(channel.id)}, or leave the role out.")


def status_reply(guild: discord.Guild, status: QotdStatus, title: str = TITLE) -> Reply:
    """``/qotd status`` (and ``set``'s answer), with what only the server shows: the role
    to ping deleted since (the posts then ping nobody), a zone ``set`` no longer takes
    (stored before it refused them: ``EST``, ``US/Eastern``)."""
    schedule = status.schedule
    role_gone = schedule is not None and schedule.role_id is not None \
        and guild.get_role(schedule.role_id) is None
    zone = times.zone_problem(schedule.timezone) if schedule is not None else None
    return Reply(embeds=[status_embed(guild.id, status, title, role_gone=role_gone,
                                      problems=[zone] if zone else [])], ephemeral=True)


class QotdCog(commands.Cog, name="Qotd"):
    qotd = app_commands.Group(name="qotd", description="The quote of the day: where, when, "
                                                       "and who is pinged",
                              guild_only=True,
                              default_permissions=discord.Permissions(manage_guild=True))

    def __init__(self, bot: commands.Bot, services: Services) -> None:
        self.bot = bot
        self.services = services
        self.sender = DiscordSender(bot)
        self.stopping = False
        self.skip_next = False  # the pass a restart runs at once: skipped, so one waits
        self.ticker.change_interval(seconds=services.settings.qotd_tick_seconds)

    # ------------------------------------------------------------------ the loop

    async def cog_load(self) -> None:
        if self.services.qotd is None:
            log.info("no state database: the quote of the day is off in this process")
            return
        self.ticker.start()

    async def cog_unload(self) -> None:
        self.stopping = True
        self.ticker.cancel()

    @tasks.loop(seconds=30.0)
    async def ticker(self) -> None:
        if self.skip_next:
            self.skip_next = False
            return
        service = self.services.qotd
        if service is None:
            return
        report = await service.tick(self.sender)
        if report.posted or report.failed or report.missed:
            log.info("quote of the day: %d due, %d posted, %d failed, %d missed", report.due,
                     report.posted, report.failed, report.missed)

    @ticker.before_loop
    async def before_ticker(self) -> None:
        await self.bot.wait_until_ready()

    @ticker.error
    async def ticker_failed(self, error: BaseException) -> None:
        """Log, then run the loop again (its next pass one interval from now)."""
        log.error("the quote of the day's loop failed; it goes on at its next pass",
                  exc_info=error)
        task = self.ticker.get_task()
        if self.stopping or task is None:
            return
        self.skip_next = True

        def again(done: Any) -> None:
            if not done.cancelled():
                done.exception()  # (logged above)
            if not self.stopping:
                self.ticker.start()

        task.add_done_callback(again)

    # ------------------------------------------------------------------ the commands

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Manage Server, checked again: a server may have let others use ``/qotd``."""
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    def service(self) -> QotdService:
        service = self.services.qotd
        if service is None:
            raise UserFacingError(NEEDS_STATE)
        return service

    @qotd.command(name="set", description="Post a quote every day in a channel, at a time of "
                                          "your time zone")
    @app_commands.rename(source_channel="source-channel")
    @app_commands.describe(channel="Where to post it: a text channel or a thread",
                           time="The time of day, 24-hour HH:MM (for example 09:00)",
                           timezone="Your time zone (pick from the suggestions), for example "
                                    "Europe/Paris",
                           speaker="Only quotes by this speaker",
                           source_channel="Only quotes from this channel of the notes",
                           role="A role to ping with each post (without one, nobody is "
                                "pinged)")
    async def set_(self, interaction: discord.Interaction[Any],
                   channel: app_commands.Transform[Any, PostChannelOption],
                   time: app_commands.Range[str, 1, 100],
                   timezone: app_commands.Range[str, 1, 100],
                   speaker: app_commands.Range[str, 1, 6000] | None = None,
                   source_channel: app_commands.Range[str, 1, 6000] | None = None,
                   role: discord.Role | None = None) -> None:
        async def build() -> Reply:
            service = self.service()
            guild = interaction.guild
            assert guild is not None
            target = await post_channel(interaction, channel)
            check_role(role, target, guild.me)
            status = await asked(service.set(
                guild.id, channel_id=target.id, post_time=_text(time) or "",
                timezone=_text(timezone) or "", speaker=_text(speaker),
                source_channel=_text(source_channel),
                role_id=role.id if role is not None else None, by=interaction.user.id))
            return status_reply(guild, status, SET_TITLE)

        await respond(interaction, build, ephemeral=True)

    @set_.autocomplete("timezone")
    async def timezone_autocomplete(self, interaction: discord.Interaction[Any],
                                    current: str) -> list[app_commands.Choice[str]]:
        service = self.services.qotd
        if service is None:
            return []
        typed = clean_user_text(current, 100)
        try:
            zones = service.zones(typed, limit=CHOICES_LIMIT)
        except Exception:  # a suggestion list must never fail the admin's typing
            log.exception("time zone autocomplete failed for %r", typed)
            return []
        return [app_commands.Choice(name=choice_text(zone), value=zone)
                for zone in zones[:CHOICES_LIMIT] if zone and len(zone) <= 100]

    @set_.autocomplete("speaker")
    async def speaker_autocomplete(self, interaction: discord.Interaction[Any],
                                   current: str) -> list[app_commands.Choice[str]]:
        return speaker_choices(self.services, current,
                               getattr(interaction.namespace, "source-channel", None))

    @set_.autocomplete("source_channel")
    async def source_channel_autocomplete(self, interaction: discord.Interaction[Any],
                                          current: str) -> list[app_commands.Choice[str]]:
        return channel_choices(self.services, current)

    @qotd.command(name="off", description="Stop the quote of the day (its settings are kept)")
    async def off(self, interaction: discord.Interaction[Any]) -> None:
        async def build() -> Reply:
            assert interaction.guild_id is not None
            return Reply(content=off_text(await asked(self.service().off(interaction.guild_id))),
                         ephemeral=True)

        await respond(interaction, build, ephemeral=True)

    @qotd.command(name="status", description="Where and when the quote of the day is posted, "
                                             "and anything wrong with it")
    async def status(self, interaction: discord.Interaction[Any]) -> None:
        async def build() -> Reply:
            guild = interaction.guild
            assert guild is not None
            return status_reply(guild, await asked(self.service().status(guild.id)))

        await respond(interaction, build, ephemeral=True)

    @qotd.command(name="preview", description="Today's quote of the day, for your eyes only")
    async def preview(self, interaction: discord.Interaction[Any]) -> None:
        async def build() -> Reply:
            assert interaction.guild_id is not None
            today = await asked(self.service().preview(interaction.guild_id))
            return Reply(embeds=[preview_embed(today)], ephemeral=True)

        await respond(interaction, build, ephemeral=True)

    @qotd.command(name="now", description="Post today's quote now, if it was not posted yet")
    async def now(self, interaction: discord.Interaction[Any]) -> None:
        async def build() -> Reply:
            guild_id = interaction.guild_id
            assert guild_id is not None
            result = await asked(self.service().post_now(guild_id, self.sender))
            return Reply(content=post_result_text(guild_id, result), ephemeral=True)

        await respond(interaction, build, defer_now=True, ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(QotdCog(bot, services_of(bot)))
