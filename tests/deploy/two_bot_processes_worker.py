"""One whole Notecast bot process, for ``test_two_bot_processes.py`` (issue #11).

``python -m tests.deploy.two_bot_processes_worker NAME SET`` runs the real
:class:`~bot.app.client.NotecastBot` as ``notecast run`` builds it: the settings read by
``load_settings`` from the settings file and environment the test gives (``NOTECAST_CONFIG``:
the vault, the cache, ``shard_count = 2``, the loop's tick; ``NOTECAST_SHARD_IDS``;
``NOTECAST_STATE_DSN``), ``open_services`` (its own notes cache, synced from the vault; the shared PostgreSQL state
database; the quote of the day's ``QotdService`` with this process's shards), its cogs with
``cogs.qotd``'s ``tasks.loop`` and ``DiscordSender``. Discord is SimCord, in this process,
and the quote of the day's clock is SimCord's virtual one (from the loop's first pass). Two differences from
``notecast run``, both as in ``tests/deploy/test_two_shards.py``: SimCord stands in for
``bot.start(token)``, and the vault's first sync runs before the bot starts
(``start_sync=False``: SimCord cannot settle the background sync's endless wait).

On start the process creates the :data:`GUILDS` (fixed ids, in both shards), each with a
``#quotes`` channel and an admin (Manage Server); the bot sees only those of its shards.
SimCord's ids are deterministic, so every process gets the same channel ids. With ``SET``
= ``set``, the admin of every server this bot sees runs ``/qotd set`` there. It then
prints one JSON line (``ready``: its shards, the servers it sees, the channels) and waits.

Each line on stdin is a virtual moment (seconds since SimCord's epoch): the process
advances its virtual clock there (the cog's loop runs on the way) and answers one JSON line
(``now``). ``end``: it answers with every post of the bot in its SimCord channels (guild,
channel, message, its time, the day its footer names, the quote), the errors SimCord
caught, and the sum of the scheduler's tick reports; then it stops the bot and exits 0.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

import discord

from bot.schedule.records import TickReport
from bot.schedule.sender import Sender

log = logging.getLogger(__name__)

# (zone, the local time that is 01:00 UTC in January): every server's post falls in the same
# UTC minute, so that two processes owning the same servers race for all of them at once;
# in New York and Los Angeles that minute is still the previous local day
ZONE_TIMES = (("UTC", "01:00"), ("Europe/Paris", "02:00"), ("America/New_York", "20:00"),
              ("Asia/Kolkata", "06:30"), ("Asia/Tokyo", "10:00"), ("America/Los_Angeles", "17:00"))
# 12 servers: fixed snowflakes (made in 2024, long before SimCord's clock, so no id SimCord
# allocates can meet them) whose shard of 2 alternates; each zone has one in each shard
GUILDS: dict[int, tuple[str, str]] = {
    ((300_000_000_000 + n) << 22) | 0x15: ZONE_TIMES[n // 2] for n in range(12)}
CHANNEL = "quotes"
TICK_SECONDS = 900  # the scheduler's loop (qotd_tick_seconds): a quarter of an hour


def shard_of(guild_id: int, count: int = 2) -> int:
    return (guild_id >> 22) % count


class Ticks:
    """The sum of the scheduler's tick reports in this process (what each tick found)."""

    def __init__(self) -> None:
        self.totals = {"ticks": 0, "due": 0, "posted": 0, "failed": 0, "missed": 0, "skipped": 0}

    def add(self, report: TickReport) -> None:
        self.totals["ticks"] += 1
        for name in ("due", "posted", "failed", "missed", "skipped"):
            self.totals[name] += getattr(report, name)


def _count_ticks(service: Any, ticks: Ticks) -> None:
    """Observe the service's ticks (the cog's loop calls ``service.tick``), changing nothing."""
    tick = service.tick

    async def counted(sender: Sender) -> TickReport:
        report: TickReport = await tick(sender)
        ticks.add(report)
        return report

    service.tick = counted


def _say(data: dict[str, Any]) -> None:
    print(json.dumps(data), flush=True)


async def _setup(env: Any, set_schedules: bool) -> dict[int, Any]:
    """Every server with its channel and admin (same order, so same ids, in every
    process); ``/qotd set`` in those the bot sees when ``set_schedules``."""
    made: dict[int, Any] = {}
    for n, guild_id in enumerate(GUILDS):
        guild = env.create_guild(f"Server {n}", id=guild_id)
        channel = guild.create_text_channel(CHANNEL)
        managers = guild.create_role("Managers", permissions=discord.Permissions(manage_guild=True))
        admin = guild.add_member(env.create_user(f"admin{n}"), roles=[managers])
        made[guild_id] = (guild, channel, admin)
    await env.bot.tree.sync()
    seen = {g.id for g in env.bot.guilds}
    if set_schedules:
        for guild_id, (_guild, channel, admin) in made.items():
            if guild_id not in seen:
                continue
            zone, at = GUILDS[guild_id]
            result = await admin.slash(channel, "qotd set", channel=channel, time=at, timezone=zone)
            (embed,) = result.response.embeds
            if embed.title != "Quote of the day: set" or "Problem" in {f.name for f in embed.fields}:
                raise RuntimeError(f"/qotd set in {guild_id} answered {embed.to_dict()}")
    return made


def _posts(env: Any, name: str, made: dict[int, Any]) -> list[dict[str, Any]]:
    """The bot's own messages in every server's channel (interaction answers left out)."""
    me = env.bot.user.id
    found = []
    for guild_id, (_guild, channel, _admin) in made.items():
        for message in channel.history():
            if message.author.id != me or message.interaction_metadata is not None:
                continue
            embed = message.embeds[0] if message.embeds else None
            found.append({
                "process": name, "guild_id": guild_id, "channel_id": channel.id,
                "message_id": message.id, "at": message.created_at.isoformat(),
                "footer": embed.footer.text if embed is not None else None,
                "quote": embed.description if embed is not None else None,
                "content": message.content})
    return found


async def _drive(env: Any, name: str, made: dict[int, Any], ticks: Ticks) -> None:
    epoch = env.now()
    while True:
        line = (await asyncio.to_thread(sys.stdin.readline)).strip()
        if not line or line == "end":
            break
        target = float(line)
        elapsed = (env.now() - epoch).total_seconds()
        if target > elapsed:
            await env.advance_time(target - elapsed)
        _say({"now": env.now().isoformat()})
    errors = [repr(e) for e in env.errors]
    _say({"process": name, "posts": _posts(env, name, made), "errors": errors, "ticks": ticks.totals,
          "end": env.now().isoformat()})


async def main(name: str, set_schedules: bool) -> None:
    from simcord.env import Env

    from bot.app.client import NotecastBot
    from bot.cli.common import configure_logging, open_services
    from bot.config import load_settings

    settings = load_settings(cwd=Path.cwd())
    configure_logging(settings.log_level, settings)
    async with open_services(settings, readonly=False) as services:
        await services.vault_sync.sync_now()  # (the bot's first sync, before it starts)
        service = services.qotd
        assert service is not None and services.state is not None
        ticks = Ticks()
        _count_ticks(service, ticks)
        bot = NotecastBot(services, start_sync=False)
        env = Env(bot)
        # the scheduler's time is SimCord's virtual clock, from the loop's first pass (at READY)
        service.clock = env.now
        await env.start()
        try:
            with env.time_context():
                made = await _setup(env, set_schedules)
                log.info("worker %s: %d servers made, %d seen by the bot", name, len(made),
                         len(bot.guilds))
                _say({"ready": name, "shard_count": bot.shard_count,
                      "shards": sorted(bot.shards) if isinstance(bot, discord.AutoShardedClient) else None,
                      "guilds": sorted(g.id for g in bot.guilds),
                      "channels": {str(g): made[g][1].id for g in made},
                      "now": env.now().isoformat(), "bot_module": sys.modules["bot"].__file__})
                await _drive(env, name, made, ticks)
                await bot.close()
        finally:
            await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2] == "set"))
