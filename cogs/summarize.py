"""``/summarize``: the gist of a note, or of one of its sections, with its moments.

The summary is :class:`bot.summaries.service.SummaryService`'s (``services.summaries``);
this module reads the interaction, asks it, and renders the summary
(:mod:`cogs.render.summary`) with buttons: "Shorter" and "Longer" switch its length in
place, "Full section" (or "Full note") opens what was summarized as ``/topic`` shows it
(:class:`cogs.topic.TopicView`), in a message only the asker sees.

``note`` autocompletes as ``/topic`` does; ``section`` autocompletes the headings of the
note already chosen (the interaction's other option), "whole note" first.

Deferring: with the abstractive summarizer (``settings.summarizer``), which may take
seconds, the command defers at once, so the member sees "thinking…" straight away; the
extractive one answers in milliseconds and its reply is sent at once (``respond`` still
defers any reply not built within a second: a cold cache). A length button always defers
its update first (invisible to the member), since the new summary may be an abstractive
one.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.protocols import services_of
from bot.errors import NotFound, UserFacingError
from bot.notes.text import clean_user_text
from bot.services import Services
from bot.summaries import LENGTHS, Summary
from cogs.options import member_key, must_load_first, note_choices, option, per_member_cooldown
from cogs.render.summary import summary_embed
from cogs.render.text import choice_text, safe_text
from cogs.replies import CHOICES_LIMIT, ConsoleCommand, Reply, respond
from cogs.topic import OVERVIEW, TopicView
from cogs.views import OwnedView

log = logging.getLogger(__name__)

WHOLE_NOTE = "whole note"  # the section choice (and value) for a summary of the whole note
SECTIONS_SECONDS = 2.0  # an autocomplete must answer within 3 s
NO_NOTE = "Tell me which note to summarize: pick one from the list as you type."


def section_value(section: str) -> str | None:
    """The section to summarize: ``None`` for the whole note (no section, or "whole note")."""
    return None if not section or section.casefold() == WHOLE_NOTE else section


class SummaryRequest:
    """What the member asked for (cleaned), and the guild whose budget it spends."""

    def __init__(self, options: dict[str, str], guild_id: int | None) -> None:
        self.note = option(options, "note")
        self.section = section_value(option(options, "section"))
        self.length = option(options, "length").casefold() or LENGTHS[0]
        self.guild_id = guild_id

    async def summarize(self, services: Services, length: str | None = None) -> Summary:
        if not self.note:
            raise UserFacingError(NO_NOTE)
        try:
            return await services.summaries.summarize(self.note, self.section,
                                                      length or self.length,
                                                      guild_id=self.guild_id)
        except UserFacingError as exc:  # it echoes what was typed: no markdown, no mention
            raise UserFacingError(safe_text(str(exc))) from exc


class SummaryView(OwnedView):
    """"Shorter" / "Longer": the same note or section at the next length, in place;
    "Full section" / "Full note": what was summarized, as /topic shows it."""

    def __init__(self, services: Services, request: SummaryRequest, summary: Summary,
                 owner_id: int | None) -> None:
        super().__init__(owner_id)
        self.services = services
        self.request = request
        self.summary = summary
        self._before_click: tuple[Any, Any] = (None, None)
        if summary.source.section_index is None:
            self.full.label = "Full note"
        self._update()

    def _position(self) -> int:
        return LENGTHS.index(self.summary.length) if self.summary.length in LENGTHS else 0

    def _update(self) -> None:
        self.shorter.disabled = self._position() <= 0
        self.longer.disabled = self._position() >= len(LENGTHS) - 1

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        self._before_click = (self._interaction, self._message)
        return await super().interaction_check(interaction)

    async def _switch(self, interaction: discord.Interaction[Any], step: int) -> None:
        position = max(0, min(len(LENGTHS) - 1, self._position() + step))
        await interaction.response.defer()  # (an abstractive summary takes seconds)
        self.summary = await self.request.summarize(self.services, LENGTHS[position])
        self._update()
        await interaction.edit_original_response(embed=summary_embed(self.summary), view=self,
                                                 allowed_mentions=discord.AllowedMentions.none())

    @discord.ui.button(label="Shorter", style=discord.ButtonStyle.secondary)
    async def shorter(self, interaction: discord.Interaction[Any],
                      button: discord.ui.Button[SummaryView]) -> None:
        await self._switch(interaction, -1)

    @discord.ui.button(label="Longer", style=discord.ButtonStyle.secondary)
    async def longer(self, interaction: discord.Interaction[Any],
                     button: discord.ui.Button[SummaryView]) -> None:
        await self._switch(interaction, +1)

    @discord.ui.button(label="Full section", style=discord.ButtonStyle.primary)
    async def full(self, interaction: discord.Interaction[Any],
                   button: discord.ui.Button[SummaryView]) -> None:
        # this click's answer is a new message: the summary stays where the buttons are
        self.attach(*self._before_click)
        view = await full_view(self.services, self.summary, self.owner_id)
        await interaction.response.send_message(embed=await view.render(), view=view,
                                                ephemeral=True,
                                                allowed_mentions=discord.AllowedMentions.none())
        view.attach(interaction)


async def full_view(services: Services, summary: Summary, owner_id: int | None) -> TopicView:
    """/topic's pages for the summarized note, open at its section (its overview for a
    summary of the whole note)."""
    note_id = summary.source.note_id
    card = await services.notes.card(note_id)
    if card is None:
        raise NotFound("That note has just left the vault. Try again in a moment.")
    related = await services.related.related(note_id)
    wanted = summary.source.section_index
    sections = card.headed_sections or card.sections
    page = OVERVIEW if wanted is None else \
        next((n for n, s in enumerate(sections) if s.index == wanted), OVERVIEW)
    return TopicView(services, card.title, [], card, related, owner_id, page)


async def summarize_reply(services: Services, options: dict[str, str],
                          owner_id: int | None = None, *, guild_id: int | None = None) -> Reply:
    """The /summarize answer: the summary with its length and full-section buttons."""
    await services.require_ready()
    request = SummaryRequest(options, guild_id)
    summary = await request.summarize(services)
    return Reply(embeds=[summary_embed(summary)],
                 view=SummaryView(services, request, summary, owner_id))


async def section_choices(services: Services, note: str | None,
                          current: str) -> list[app_commands.Choice[str]]:
    """"whole note", then the headings of the chosen note that hold what is typed; only
    "whole note" while no note is chosen (or it is not one the notes hold)."""
    choices = [app_commands.Choice(name=WHOLE_NOTE, value=WHOLE_NOTE)]
    chosen = clean_user_text(note or "", 400)
    if not chosen:
        return choices
    try:
        sections = await asyncio.wait_for(services.summaries.sections(chosen), SECTIONS_SECONDS)
    except UserFacingError:  # not a note (yet): the member is still choosing it
        return choices
    except Exception:  # a suggestion list must never fail the member's typing
        log.exception("section autocomplete failed for %r", chosen[:100])
        return choices
    typed = clean_user_text(current, 100).casefold()
    seen = {WHOLE_NOTE}
    for name, value in sections:
        value = clean_user_text(value, 100)
        if not value or value.casefold() in seen:
            continue  # (the whole note, first in the service's list, is offered already)
        shown = choice_text(name)
        if typed and typed not in shown.casefold() and typed not in value.casefold():
            continue
        seen.add(value.casefold())
        choices.append(app_commands.Choice(name=shown, value=value))
        if len(choices) == CHOICES_LIMIT:
            break
    return choices


def slow(services: Services) -> bool:
    """The reply will take seconds: the search is loading, or an abstractive summarizer
    (a chat endpoint) writes the summary."""
    return services.settings.summarizer != "extractive" or must_load_first(services)


class SummarizeCog(commands.Cog, name="Summarize"):
    def __init__(self, services: Services) -> None:
        self.services = services

    @app_commands.command(name="summarize",
                          description="The gist of a note or one of its sections, with its moments")
    @app_commands.describe(note="The note: its title, or pick one as you type",
                           section="One section of it (default: the whole note)",
                           length="short (2-3 sentences), medium (about 5), long (about 10)")
    @app_commands.checks.dynamic_cooldown(per_member_cooldown, key=member_key)
    async def summarize(self, interaction: discord.Interaction[Any],
                        note: app_commands.Range[str, 1, 6000],
                        section: app_commands.Range[str, 1, 6000] | None = None,
                        length: Literal["short", "medium", "long"] = "short") -> None:
        options = {"note": note, "section": section or "", "length": length}
        await respond(interaction,
                      lambda: summarize_reply(self.services, options, interaction.user.id,
                                              guild_id=interaction.guild_id),
                      defer_now=slow(self.services))

    @summarize.autocomplete("note")
    async def note_autocomplete(self, interaction: discord.Interaction[Any],
                                current: str) -> list[app_commands.Choice[str]]:
        return note_choices(self.services, current, None)

    @summarize.autocomplete("section")
    async def section_autocomplete(self, interaction: discord.Interaction[Any],
                                   current: str) -> list[app_commands.Choice[str]]:
        return await section_choices(self.services,
                                     getattr(interaction.namespace, "note", None), current)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(SummarizeCog(services_of(bot)))


CONSOLE_COMMANDS = (
    ConsoleCommand("summarize", "The gist of a note or one of its sections, with its moments",
                   ("note", "section", "length"), summarize_reply, required=("note",)),
)
