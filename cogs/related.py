"""``/related``: the notes linked from and to a note, and the other notes of its episode.

The note is picked from autocomplete (``channel/slug``) or typed; the links come from
``services.related`` (today ``TopicSearch.related``).
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.protocols import services_of
from bot.errors import NotFound
from bot.services import Services
from cogs.options import (
    check_reason,
    member_key,
    must_load_first,
    note_choices,
    option,
    per_member_cooldown,
)
from cogs.render.related import related_embed
from cogs.render.text import member_text
from cogs.replies import ConsoleCommand, Reply, respond

log = logging.getLogger(__name__)


async def related_reply(services: Services, options: dict[str, str],
                        owner_id: int | None = None) -> Reply:
    """The /related answer: links out, backlinks and the notes of the same episode."""
    await services.require_ready()
    text = option(options, "note")
    hit = await services.topics.resolve(text)
    if hit is None:
        result = await services.topics.lookup(text)
        check_reason(result, None)
        raise NotFound(f"I can't tell which note “{member_text(text, 100)}” is. "
                       "Pick one from the suggestions as you type.")
    related = await services.related.related(hit.note_id)
    if related is None:
        raise NotFound("That note has just left the vault. Try again in a moment.")
    return Reply(embeds=[related_embed(related)])


class RelatedCog(commands.Cog, name="Related"):
    def __init__(self, services: Services) -> None:
        self.services = services

    @app_commands.command(name="related",
                          description="Notes linked from and to a note, and its episode")
    @app_commands.describe(note="The note (pick from the suggestions)")
    @app_commands.checks.dynamic_cooldown(per_member_cooldown, key=member_key)
    async def related(self, interaction: discord.Interaction[Any],
                      note: app_commands.Range[str, 1, 6000]) -> None:
        await respond(interaction,
                      lambda: related_reply(self.services, {"note": note}, interaction.user.id),
                      defer_now=must_load_first(self.services))

    @related.autocomplete("note")
    async def note_autocomplete(self, interaction: discord.Interaction[Any],
                                current: str) -> list[app_commands.Choice[str]]:
        return note_choices(self.services, current, None)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(RelatedCog(services_of(bot)))


CONSOLE_COMMANDS = (
    ConsoleCommand("related", "Notes linked from and to a note, and its episode", ("note",),
                   related_reply, required=("note",)),
)
