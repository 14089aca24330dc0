"""``/topic``: the note that best answers what the member types.

The ranking is :class:`bot.search.TopicSearch` (``services.topics``); this module reads the
interaction, asks the services, and renders a :class:`~cogs.replies.Reply`: the best note's
overview with buttons to page through its sections and other matches, or, when nothing
matches well, an ephemeral "no note matches" with the closest titles.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.protocols import services_of
from bot.errors import NotFound
from bot.notes.reader import NoteCard, SectionInfo
from bot.search import Related, TopicHit
from bot.services import Services
from cogs.options import (
    channel_choices,
    check_reason,
    member_key,
    must_load_first,
    note_choices,
    option,
    per_member_cooldown,
)
from cogs.render.text import plain
from cogs.render.topic import matches_embed, no_match_embed, overview_embed, section_embed
from cogs.replies import ConsoleCommand, Reply, respond
from cogs.views import OwnedView

log = logging.getLogger(__name__)

OTHER_MATCHES = 9
SUGGESTIONS = 5
OVERVIEW, OTHERS = -1, -2  # pages besides the sections


class TopicView(OwnedView):
    """Pages through one note (overview, then each section) and its other matches."""

    def __init__(self, services: Services, query: str, hits: list[TopicHit], card: NoteCard,
                 related: Related | None, owner_id: int | None, page: int = OVERVIEW) -> None:
        super().__init__(owner_id)
        self.services = services
        self.query = query
        self.hits = hits
        self.card = card
        self.related = related
        self.page = page  # OVERVIEW, OTHERS, or the n-th section
        self.select: discord.ui.Select[TopicView] | None = None
        self._update()

    @property
    def sections(self) -> tuple[SectionInfo, ...]:
        return self.card.headed_sections or self.card.sections

    def _others(self) -> list[TopicHit]:
        return [h for h in self.hits if h.note_id != self.card.note_id][:OTHER_MATCHES]

    def _update(self) -> None:
        count = len(self.sections)
        self.previous_section.disabled = self.page <= 0 and self.page != OTHERS
        self.next_section.disabled = self.page >= count - 1 or self.page == OTHERS
        self.overview.disabled = self.page == OVERVIEW
        self.other_matches.disabled = self.page == OTHERS or not self._others()
        if self.select is not None:
            self.remove_item(self.select)
            self.select = None
        if self.page == OTHERS and self._others():
            options = [
                discord.SelectOption(label=plain(h.title, 100) or "?",
                                     description=plain(h.channel_name or h.channel, 100) or None,
                                     value=str(n))
                for n, h in enumerate(self._others())
            ]
            self.select = discord.ui.Select(placeholder="Open another note", options=options)
            self.select.callback = self._open_other  # type: ignore[method-assign]
            self.add_item(self.select)

    async def render(self) -> discord.Embed:
        if self.page == OTHERS:
            return matches_embed(self.query, self._others())
        if self.page == OVERVIEW:
            best = next((h for h in self.hits if h.note_id == self.card.note_id), None)
            return overview_embed(self.card, self.related, best)
        section = self.sections[self.page]
        moments = await self.services.notes.moments(self.card.note_id, section.index)
        return section_embed(self.card, self.page, [m.seconds for m in moments])

    async def _show(self, interaction: discord.Interaction[Any], page: int) -> None:
        self.page = page
        self._update()
        await interaction.response.edit_message(embed=await self.render(), view=self)

    @discord.ui.button(label="◀ Section", style=discord.ButtonStyle.secondary)
    async def previous_section(self, interaction: discord.Interaction[Any],
                               button: discord.ui.Button[TopicView]) -> None:
        await self._show(interaction, OVERVIEW if self.page <= 0 else self.page - 1)

    @discord.ui.button(label="Overview", style=discord.ButtonStyle.secondary)
    async def overview(self, interaction: discord.Interaction[Any],
                       button: discord.ui.Button[TopicView]) -> None:
        await self._show(interaction, OVERVIEW)

    @discord.ui.button(label="Section ▶", style=discord.ButtonStyle.primary)
    async def next_section(self, interaction: discord.Interaction[Any],
                           button: discord.ui.Button[TopicView]) -> None:
        await self._show(interaction, self.page + 1)

    @discord.ui.button(label="Other matches", style=discord.ButtonStyle.secondary)
    async def other_matches(self, interaction: discord.Interaction[Any],
                            button: discord.ui.Button[TopicView]) -> None:
        await self._show(interaction, OTHERS)

    async def _open_other(self, interaction: discord.Interaction[Any]) -> None:
        assert self.select is not None
        hit = self._others()[int(self.select.values[0])]
        card = await self.services.notes.card(hit.note_id)
        if card is None:
            raise NotFound("That note is gone from the vault since I listed it.")
        self.card = card
        self.related = await self.services.related.related(hit.note_id)
        await self._show(interaction, OVERVIEW)


class SuggestionsView(OwnedView):
    """Nothing matched well: a menu of the closest titles; picking one opens that note here
    (still only for the member who asked)."""

    def __init__(self, services: Services, titles: list[str], channel: str | None,
                 owner_id: int | None) -> None:
        super().__init__(owner_id)
        self.services = services
        self.titles = titles[:SUGGESTIONS]
        self.channel = channel
        self.menu: discord.ui.Select[SuggestionsView] = discord.ui.Select(
            placeholder="Open one of the closest notes",
            options=[discord.SelectOption(label=plain(t, 100) or "?", value=str(n))
                     for n, t in enumerate(self.titles)])
        self.menu.callback = self._open  # type: ignore[method-assign]
        self.add_item(self.menu)

    async def _open(self, interaction: discord.Interaction[Any]) -> None:
        title = self.titles[int(self.menu.values[0])]
        reply = await topic_reply(self.services, {"query": title, "channel": self.channel or ""},
                                  self.owner_id)
        await interaction.response.edit_message(embeds=reply.embeds, view=reply.view)
        if isinstance(reply.view, OwnedView):
            reply.view.attach(interaction)
        self.stop()


async def topic_reply(services: Services, options: dict[str, str],
                      owner_id: int | None = None) -> Reply:
    """The /topic answer: the best note's overview with buttons, or (ephemeral) no good
    match with the closest titles."""
    await services.require_ready()
    query = option(options, "query")
    channel = option(options, "channel") or None
    result = await services.topics.lookup(query, channel)
    check_reason(result, channel)
    best = result.best
    if best is None or not result.confident:
        suggestions = SuggestionsView(services, result.did_you_mean, channel, owner_id) \
            if result.did_you_mean else None
        return Reply(embeds=[no_match_embed(query, result)], ephemeral=True, view=suggestions)
    card = await services.notes.card(best.note_id)
    if card is None:
        raise NotFound("That note has just left the vault. Try again in a moment.")
    hits = result.hits
    if len(hits) == 1:  # a picked suggestion: find its neighbours for "Other matches"
        neighbours = await services.topics.lookup(card.title, channel)
        hits = [best, *[h for h in neighbours.hits if h.note_id != best.note_id]]
    related = await services.related.related(best.note_id)
    page = OVERVIEW
    if best.section_index is not None:
        sections = card.headed_sections or card.sections
        page = next((n for n, s in enumerate(sections) if s.index == best.section_index),
                    OVERVIEW)
    view = TopicView(services, query, hits, card, related, owner_id, page)
    return Reply(embeds=[await view.render()], view=view)


class TopicCog(commands.Cog, name="Topic"):
    def __init__(self, services: Services) -> None:
        self.services = services

    @app_commands.command(name="topic", description="The note that best matches what you type")
    @app_commands.describe(query="A title, a name, a section, or what it is about",
                           channel="Only notes from this channel")
    @app_commands.checks.dynamic_cooldown(per_member_cooldown, key=member_key)
    async def topic(self, interaction: discord.Interaction[Any],
                    query: app_commands.Range[str, 1, 6000], channel: str | None = None) -> None:
        options = {"query": query, "channel": channel or ""}
        await respond(interaction,
                      lambda: topic_reply(self.services, options, interaction.user.id),
                      defer_now=must_load_first(self.services))

    @topic.autocomplete("query")
    async def query_autocomplete(self, interaction: discord.Interaction[Any],
                                 current: str) -> list[app_commands.Choice[str]]:
        return note_choices(self.services, current,
                            getattr(interaction.namespace, "channel", None))

    @topic.autocomplete("channel")
    async def channel_autocomplete(self, interaction: discord.Interaction[Any],
                                   current: str) -> list[app_commands.Choice[str]]:
        return channel_choices(self.services, current)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(TopicCog(services_of(bot)))


CONSOLE_COMMANDS = (
    ConsoleCommand("topic", "The note that best matches what you type", ("query", "channel"),
                   topic_reply, required=("query",)),
)
