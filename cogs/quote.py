"""``/quote``: a quote by a speaker, on a topic, from a channel, or at random.

The choice is :class:`bot.quotes.service.QuoteService`'s (``services.quotes``); this module
reads the interaction, asks it, and renders the quote (:mod:`cogs.render.quote`) with an
"Another" button. What was shown in each Discord channel recently is remembered
(:class:`bot.quotes.recent.RecentQuotes`, held on the cog), so "Another" and the next
``/quote`` there do not repeat it. No match: an ephemeral answer saying what was searched,
with speakers and topics that do have quotes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.protocols import services_of
from bot.notes.text import clean_user_text
from bot.quotes import QuotePick
from bot.quotes.recent import RecentQuotes
from bot.services import Services
from cogs.options import (
    channel_choices,
    member_key,
    must_load_first,
    note_choices,
    option,
    per_member_cooldown,
    unknown_channel,
)
from cogs.render.quote import no_quote_embed, quote_embed
from cogs.render.text import choice_text, plain
from cogs.replies import CHOICES_LIMIT, ConsoleCommand, Reply, respond
from cogs.views import OwnedView

log = logging.getLogger(__name__)

SPEAKERS_LOAD_SECONDS = 2.0
CONSOLE_CHANNEL = 0  # the console's one "channel", for what it has shown recently


class QuoteQuery:
    """What the member asked for (cleaned), and where the quotes are shown."""

    def __init__(self, options: dict[str, str], channel_id: int | None) -> None:
        self.speaker = option(options, "speaker")
        self.topic = option(options, "topic")
        self.channel = option(options, "channel")
        self.channel_id = channel_id

    async def pick(self, services: Services, recent: RecentQuotes | None) -> QuotePick:
        """A matching quote not shown in this channel recently (remembered as shown)."""
        shown = recent.exclude(self.channel_id) \
            if recent is not None and self.channel_id is not None else ()
        try:
            pick = await services.quotes.pick(speaker=self.speaker or None,
                                              topic=self.topic or None,
                                              channel=self.channel or None, exclude=shown)
        except ValueError:  # no such channel
            raise unknown_channel(self.channel) from None
        if recent is not None and self.channel_id is not None and pick.quote is not None:
            recent.shown(self.channel_id, pick.quote.quote_id)
        return pick


def _note(pick: QuotePick) -> str:
    return f"one of {pick.matches} matching quotes" if pick.matches > 1 else ""


class QuoteView(OwnedView):
    """"Another": the next matching quote, not one shown in this channel recently."""

    def __init__(self, services: Services, recent: RecentQuotes | None, query: QuoteQuery,
                 matches: int, owner_id: int | None) -> None:
        super().__init__(owner_id)
        self.services = services
        self.recent = recent
        self.query = query
        self.another.disabled = matches <= 1

    @discord.ui.button(label="Another", style=discord.ButtonStyle.primary)
    async def another(self, interaction: discord.Interaction[Any],
                      button: discord.ui.Button[QuoteView]) -> None:
        pick = await self.query.pick(self.services, self.recent)
        if pick.quote is None:  # the quotes left have gone from the vault since
            button.disabled = True
            await interaction.response.edit_message(view=self)
            return
        button.disabled = pick.matches <= 1
        await interaction.response.edit_message(embed=quote_embed(pick.quote, _note(pick)),
                                                view=self)


async def quote_reply(services: Services, options: dict[str, str], owner_id: int | None = None,
                      *, recent: RecentQuotes | None = None,
                      channel_id: int | None = None) -> Reply:
    """The /quote answer: a matching quote with "Another", or (ephemeral) no match with
    speakers and topics that have quotes."""
    await services.require_ready()
    query = QuoteQuery(options, channel_id)
    pick = await query.pick(services, recent)
    if pick.quote is None:
        return Reply(embeds=[no_quote_embed(pick, query.speaker, query.topic, query.channel)],
                     ephemeral=True)
    view = QuoteView(services, recent, query, pick.matches, owner_id)
    return Reply(embeds=[quote_embed(pick.quote, _note(pick))], view=view)


def speaker_choices(services: Services, current: str,
                    channel: str | None) -> list[app_commands.Choice[str]]:
    """Known speakers for what is being typed, with their number of quotes, from memory."""
    typed = clean_user_text(current, 100)
    try:
        found = services.quotes.speakers(typed, clean_user_text(channel or "", 100) or None,
                                         limit=CHOICES_LIMIT)
    except Exception:  # a suggestion list must never fail the member's typing
        log.exception("speaker autocomplete failed for %r", typed)
        return []
    choices: list[app_commands.Choice[str]] = []
    seen: set[str] = set()
    for speaker in found:
        value = clean_user_text(speaker.name, 100)
        if not value or value in seen:
            continue
        seen.add(value)
        count = f" ({speaker.quotes})"
        choices.append(app_commands.Choice(
            name=choice_text(plain(speaker.name, 100 - len(count)) + count), value=value))
        if len(choices) == CHOICES_LIMIT:
            break
    return choices


class QuoteCog(commands.Cog, name="Quote"):
    def __init__(self, services: Services) -> None:
        self.services = services
        self.recent = RecentQuotes()  # quote ids shown lately, per Discord channel

    async def cog_load(self) -> None:
        """Load the speakers now, so that the first keystroke of ``speaker`` has them
        (autocomplete answers from memory only); a failure leaves the next one to try."""
        try:
            await asyncio.wait_for(self.services.quotes.refresh(), SPEAKERS_LOAD_SECONDS)
        except Exception:
            log.warning("the speakers could not be loaded yet; autocomplete will retry",
                        exc_info=True)

    @app_commands.command(name="quote", description="A quote from the notes: by a speaker, "
                                                    "on a topic, or at random")
    @app_commands.describe(speaker="Who said it (pick from the suggestions)",
                           topic="A note or topic the quote comes from",
                           channel="Only quotes from this channel")
    @app_commands.checks.dynamic_cooldown(per_member_cooldown, key=member_key)
    async def quote(self, interaction: discord.Interaction[Any],
                    speaker: app_commands.Range[str, 1, 6000] | None = None,
                    topic: app_commands.Range[str, 1, 6000] | None = None,
                    channel: app_commands.Range[str, 1, 6000] | None = None) -> None:
        options = {"speaker": speaker or "", "topic": topic or "", "channel": channel or ""}
        await respond(interaction,
                      lambda: quote_reply(self.services, options, interaction.user.id,
                                          recent=self.recent,
                                          channel_id=interaction.channel_id),
                      defer_now=must_load_first(self.services))

    @quote.autocomplete("speaker")
    async def speaker_autocomplete(self, interaction: discord.Interaction[Any],
                                   current: str) -> list[app_commands.Choice[str]]:
        return speaker_choices(self.services, current,
                               getattr(interaction.namespace, "channel", None))

    @quote.autocomplete("topic")
    async def topic_autocomplete(self, interaction: discord.Interaction[Any],
                                 current: str) -> list[app_commands.Choice[str]]:
        return note_choices(self.services, current,
                            getattr(interaction.namespace, "channel", None))

    @quote.autocomplete("channel")
    async def channel_autocomplete(self, interaction: discord.Interaction[Any],
                                   current: str) -> list[app_commands.Choice[str]]:
        return channel_choices(self.services, current)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(QuoteCog(services_of(bot)))


_console_recent = RecentQuotes()


async def console_quote(services: Services, options: dict[str, str]) -> Reply:
    """/quote in the console: one channel, so that quotes do not repeat there either."""
    return await quote_reply(services, options, recent=_console_recent,
                             channel_id=CONSOLE_CHANNEL)


CONSOLE_COMMANDS = (
    ConsoleCommand("quote", "A quote from the notes: by a speaker, on a topic, or at random",
                   ("speaker", "topic", "channel"), console_quote),
)
