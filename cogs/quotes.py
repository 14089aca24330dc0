"""``/quotes note``: every quote of a note, five to a page, with buttons to page through.

The note is picked from autocomplete (``channel/slug``, as for ``/topic``) or typed, and
resolved by ``services.quotes.resolve_note``; its quotes come from
``services.quotes.note_quotes`` in file order.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.protocols import services_of
from bot.errors import NotFound, UserFacingError
from bot.quotes import Quote
from bot.services import Services
from cogs.options import member_key, must_load_first, note_choices, option, per_member_cooldown
from cogs.render.quote import QUOTES_PER_PAGE, no_quotes_embed, quotes_page_embed
from cogs.render.text import member_text
from cogs.replies import ConsoleCommand, Reply, respond
from cogs.views import PagedView

log = logging.getLogger(__name__)

NO_NOTE = "Name the note whose quotes you want: pick one from the suggestions as you type."


class QuotesView(PagedView):
    """A note's quotes, a page at a time."""

    def __init__(self, title: str, quotes: Sequence[Quote], owner_id: int | None) -> None:
        self.title = title
        self.quotes = quotes
        super().__init__(-(-len(quotes) // QUOTES_PER_PAGE), owner_id)

    def render(self) -> discord.Embed:
        return quotes_page_embed(self.title, self.quotes, self.page)


async def quotes_reply(services: Services, options: dict[str, str],
                       owner_id: int | None = None) -> Reply:
    """The /quotes answer: the note's quotes with page buttons; (ephemeral) a note with none."""
    await services.require_ready()
    text = option(options, "note")
    if not text:
        raise UserFacingError(NO_NOTE)
    found = await services.quotes.resolve_note(text)
    if found is None:
        raise NotFound(f"I can't tell which note “{member_text(text, 100)}” is. "
                       "Pick one from the suggestions as you type.")
    note_id, title = found
    quotes = await services.quotes.note_quotes(note_id)
    if not quotes:
        return Reply(embeds=[no_quotes_embed(title)], ephemeral=True)
    view = QuotesView(title, quotes, owner_id)
    return Reply(embeds=[view.render()], view=view if view.pages > 1 else None)


class QuotesCog(commands.Cog, name="Quotes"):
    def __init__(self, services: Services) -> None:
        self.services = services

    @app_commands.command(name="quotes", description="Every quote of a note, page by page")
    @app_commands.describe(note="The note (pick from the suggestions)")
    @app_commands.checks.dynamic_cooldown(per_member_cooldown, key=member_key)
    async def quotes(self, interaction: discord.Interaction[Any],
                     note: app_commands.Range[str, 1, 6000]) -> None:
        await respond(interaction,
                      lambda: quotes_reply(self.services, {"note": note}, interaction.user.id),
                      defer_now=must_load_first(self.services))

    @quotes.autocomplete("note")
    async def note_autocomplete(self, interaction: discord.Interaction[Any],
                                current: str) -> list[app_commands.Choice[str]]:
        return note_choices(self.services, current, None)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(QuotesCog(services_of(bot)))


CONSOLE_COMMANDS = (
    ConsoleCommand("quotes", "Every quote of a note, page by page", ("note",), quotes_reply,
                   required=("note",)),
)
