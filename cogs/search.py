"""``/search``: full-text hits across notes and sections, with the matched words shown.

The search is ``services.fulltext`` (:class:`bot.search.FullTextSearch`); five hits a page,
with buttons to page through them.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.protocols import services_of
from bot.errors import UserFacingError
from bot.search import QueryTooVague, SearchHit
from bot.services import Services
from cogs.options import (
    VAGUE,
    channel_choices,
    member_key,
    must_load_first,
    option,
    per_member_cooldown,
    unknown_channel,
)
from cogs.render.search import RESULTS_PER_PAGE, no_hits_embed, search_embed
from cogs.replies import ConsoleCommand, Reply, respond
from cogs.views import PagedView

log = logging.getLogger(__name__)

SEARCH_LIMIT = 50


class SearchView(PagedView):
    def __init__(self, query: str, hits: list[SearchHit], owner_id: int | None) -> None:
        self.query = query
        self.hits = hits
        super().__init__(-(-len(hits) // RESULTS_PER_PAGE), owner_id)

    def render(self) -> discord.Embed:
        return search_embed(self.query, self.hits, self.page, self.pages)


async def search_reply(services: Services, options: dict[str, str],
                       owner_id: int | None = None) -> Reply:
    """The /search answer: matching sections with snippets, five to a page."""
    await services.require_ready()
    query = option(options, "query")
    channel = option(options, "channel") or None
    try:
        hits = await services.fulltext.search(query, channel, limit=SEARCH_LIMIT)
    except QueryTooVague:
        raise UserFacingError(VAGUE) from None
    except ValueError:
        raise unknown_channel(channel) from None
    if not hits:
        return Reply(embeds=[no_hits_embed(query)], ephemeral=True)
    view = SearchView(query, hits, owner_id)
    return Reply(embeds=[view.render()], view=view if view.pages > 1 else None)


class SearchCog(commands.Cog, name="Search"):
    def __init__(self, services: Services) -> None:
        self.services = services

    @app_commands.command(name="search", description="Full-text search across every note")
    @app_commands.describe(query="Words to find", channel="Only notes from this channel")
    @app_commands.checks.dynamic_cooldown(per_member_cooldown, key=member_key)
    async def search(self, interaction: discord.Interaction[Any],
                     query: app_commands.Range[str, 1, 6000], channel: str | None = None) -> None:
        options = {"query": query, "channel": channel or ""}
        await respond(interaction,
                      lambda: search_reply(self.services, options, interaction.user.id),
                      defer_now=must_load_first(self.services))

    @search.autocomplete("channel")
    async def channel_autocomplete(self, interaction: discord.Interaction[Any],
                                   current: str) -> list[app_commands.Choice[str]]:
        return channel_choices(self.services, current)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(SearchCog(services_of(bot)))


CONSOLE_COMMANDS = (
    ConsoleCommand("search", "Full-text search across every note", ("query", "channel"),
                   search_reply, required=("query",)),
)
