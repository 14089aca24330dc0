"""The world of the /qotd end-to-end tests: a guild with a channel, an admin (Manage Server)
and a member without it; the real scheduler (``QotdService``) on the e2e state database,
its clock SimCord's virtual one, so that ``env.advance_time`` drives the cog's loop and the
schedules' time alike.

SimCord's clock starts at 2026-01-01 00:00 UTC; the schedules here post at 01:10 in
Europe/Paris (UTC+1 in January), that is 00:10 UTC (``DUE``), and the loop looks every 60 s.
A test module's fixtures: ``settings`` from :func:`qotd_settings`, ``world`` from
:func:`qotd_world`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
from discord import app_commands

from bot.config import Settings
from bot.errors import UserFacingError
from bot.schedule.service import QotdService
from bot.services import Services
from tests.e2e.conftest import check_embed_limits, posted

POST_TIME, ZONE = "01:10", "Europe/Paris"
DUE = datetime(2026, 1, 1, 0, 10, tzinfo=UTC)  # 01:10 in Paris
AFTER = DUE + timedelta(minutes=3)  # (each virtual minute of the loop costs real time)
TICK = 60.0
STEP = 15 * 60.0
MANAGE = "You need the Manage Server permission for this."


def qotd_settings(quote_settings: Settings) -> Settings:
    """The quotes vault's settings, the loop looking every ``TICK`` seconds."""
    return replace(quote_settings, qotd_tick_seconds=TICK)


@dataclass
class World:
    env: Any
    guild: Any
    channel: Any
    admin: Any  # holds a role with Manage Server
    alice: Any  # a member without it
    commands: list[Any]

    @property
    def services(self) -> Services:
        return self.env.bot.services  # type: ignore[no-any-return]

    @property
    def qotd(self) -> QotdService:
        assert self.services.qotd is not None
        return self.services.qotd

    async def set(self, **options: Any) -> Any:
        values = {"channel": self.channel, "time": POST_TIME, "timezone": ZONE, **options}
        return await self.admin.slash(self.channel, "qotd set", **values)

    async def status(self) -> discord.Embed:
        result = await self.admin.slash(self.channel, "qotd status")
        assert result.ephemeral
        (embed,) = result.response.embeds
        return embed

    def bot_posts(self, channel: Any | None = None) -> list[discord.Message]:
        """The bot's own messages in the channel (interaction answers left out)."""
        me = self.env.bot.user.id
        return [m for m in (channel or self.channel).history()
                if m.author.id == me and m.interaction_metadata is None]

    async def advance_to(self, moment: datetime) -> None:
        """Run the bot's loop until ``moment``, a quarter of an hour at a time (SimCord
        gives each advance a few real seconds to settle)."""
        while self.env.now() < moment:
            step = min(STEP, (moment - self.env.now()).total_seconds())
            await self.env.advance_time(step)


def fields(embed: discord.Embed) -> dict[str, str]:
    return {item.name or "": item.value or "" for item in embed.fields}


def check_payloads(env: Any) -> None:
    """Every message the bot sent: within Discord's limits, pinging nobody but the role an
    admin chose for a quote of the day, and that role only."""
    for body in posted(env):
        mentions = body.get("allowed_mentions")
        if mentions != {"parse": []}:
            (role,) = mentions["roles"]  # the quote of the day's role: nothing else
            assert mentions == {"parse": [], "roles": [role]}, body
            assert body["content"] == f"<@&{role}>", body
        assert len(body.get("content") or "") <= 2000
        embeds = [discord.Embed.from_dict(e) for e in body.get("embeds") or []]
        assert len(embeds) <= 10 and sum(len(e) for e in embeds) <= 6000
        for embed in embeds:
            check_embed_limits(embed)
    for channel_messages in env.backend.messages.values():
        for stored in channel_messages.values():
            assert not stored.ping_user_ids and not stored.mention_everyone
            assert len(stored.ping_role_ids) <= 1


@contextlib.asynccontextmanager
async def qotd_world(simcord_env: Any) -> AsyncIterator[World]:
    """A guild with a #general channel, an admin (Manage Server) and alice (no such
    permission); the bot's scheduler on SimCord's clock."""
    env = simcord_env
    services: Services = env.bot.services
    assert services.qotd is not None and services.state is not None
    settings = services.settings
    services.qotd = QotdService(services.state, services.quotes, clock=env.now,
                                late_posts=settings.qotd_late_posts,
                                max_failures=settings.qotd_max_failures,
                                posts_per_second=settings.qotd_posts_per_second)
    guild = env.create_guild("Notecast HQ")
    channel = guild.create_text_channel("general")
    managers = guild.create_role("Managers", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("ada"), roles=[managers])
    alice = guild.add_member(env.create_user("alice"))
    commands = await env.bot.tree.sync()
    yield World(env, guild, channel, admin, alice, commands)
    for error in env.errors:  # (read: acknowledged) only refusals shown to the admin
        assert isinstance(error, app_commands.CheckFailure) or isinstance(
            getattr(error, "original", None) or error.__cause__, UserFacingError), error
    await env.bot.close()
    check_payloads(env)
