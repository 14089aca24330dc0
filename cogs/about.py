"""``/about``: the bot itself: version, the vault as the cache holds it (notes, channels,
last sync, how it was read, how changes are picked up), uptime, gateway latency and shard.
Only the member who asks sees it."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.protocols import services_of
from bot.ops.about import about_info
from bot.ops.gateway import gateway_of
from bot.services import Services
from cogs.options import member_key, per_member_cooldown
from cogs.render.about import about_embed
from cogs.replies import Reply, respond

log = logging.getLogger(__name__)


def watching(client: object, services: Services) -> str:
    """How vault changes reach the bot: the running watcher's way, else none."""
    watcher = getattr(client, "watcher", None)
    if watcher is not None and getattr(watcher, "running", False):
        return str(watcher.describe())
    return "not watched"


def shard_of(interaction: discord.Interaction[Any]) -> tuple[int, int]:
    client = interaction.client
    count = client.shard_count or 1
    shard = interaction.guild.shard_id if interaction.guild is not None else (client.shard_id or 0)
    return shard, count


async def about_reply(services: Services, interaction: discord.Interaction[Any]) -> Reply:
    client = interaction.client
    gateway = gateway_of(client)
    info = await about_info(services, watching=watching(client, services),
                            uptime=gateway.uptime() if gateway is not None else None)
    embed = about_embed(info, latency=client.latency, shard=shard_of(interaction),
                        notes_dir=str(services.settings.notes_dir))
    return Reply(embeds=[embed], ephemeral=True)


class AboutCog(commands.Cog, name="About"):
    def __init__(self, services: Services) -> None:
        self.services = services

    @app_commands.command(name="about",
                          description="Notecast's version, vault, uptime and connection")
    @app_commands.checks.dynamic_cooldown(per_member_cooldown, key=member_key)
    async def about(self, interaction: discord.Interaction[Any]) -> None:
        await respond(interaction, lambda: about_reply(self.services, interaction), ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(AboutCog(services_of(bot)))
