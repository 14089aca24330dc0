"""What members type: the cooldown, autocomplete of notes and channels, option values
cleaned before they are looked up or echoed, and the answers to queries that say nothing.

Autocomplete never waits for a load: it answers from what the search service holds in
memory, or with no choices.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.app.protocols import services_of
from bot.errors import NotesLoading, UserFacingError
from bot.notes.text import clean_user_text
from bot.search import LookupResult
from bot.services import Services
from cogs.render.text import choice_text, member_text
from cogs.replies import CHOICES_LIMIT

log = logging.getLogger(__name__)

QUERY_LIMIT = 6000  # what Discord lets a member paste into a string option
VAGUE = ("Type a few words of the topic: its title, a name, or what it is about. "
         "Emoji and punctuation alone don't tell me what to look for.")


def option(options: dict[str, str], name: str) -> str:
    """An option's value without invisible or control characters (NUL, BOM, bidi)."""
    return clean_user_text(options.get(name) or "", QUERY_LIMIT)


def unknown_channel(channel: str | None) -> UserFacingError:
    return UserFacingError(f"I don't know a channel called “{member_text(channel or '', 80)}”. "
                           "Pick one from the list as you type.")


def check_reason(result: LookupResult, channel: str | None) -> None:
    """Raise the member-facing error for a lookup that could not run."""
    if result.reason in ("empty", "no words"):
        raise UserFacingError(VAGUE)
    if result.reason == "unknown channel":
        raise unknown_channel(channel)
    if result.reason == "not ready":
        raise NotesLoading()


# --------------------------------------------------------------------------- cooldown

def per_member_cooldown(interaction: discord.Interaction[Any]) -> app_commands.Cooldown | None:
    settings = services_of(interaction.client).settings
    if settings.cooldown_uses <= 0 or settings.cooldown_seconds <= 0:
        return None
    return app_commands.Cooldown(settings.cooldown_uses, settings.cooldown_seconds)


def member_key(interaction: discord.Interaction[Any]) -> int:
    return interaction.user.id


# --------------------------------------------------------------------------- autocomplete

def note_choices(services: Services, current: str,
                 channel: str | None) -> list[app_commands.Choice[str]]:
    """Notes (and sections) for what is being typed, from memory only."""
    typed = clean_user_text(current, 200)
    try:
        choices = services.topics.autocomplete(typed, channel or None, limit=CHOICES_LIMIT)
    except Exception:  # a suggestion list must never fail the member's typing
        log.exception("autocomplete failed for %r", typed[:100])
        return []
    return [app_commands.Choice(name=choice_text(c.name), value=c.value[:100])
            for c in choices[:CHOICES_LIMIT] if c.value]


def channel_choices(services: Services, current: str) -> list[app_commands.Choice[str]]:
    """Channels whose name or key holds what is being typed, from memory only."""
    wanted = clean_user_text(current, 100).casefold()
    try:
        channels = services.topics.channels()
    except Exception:
        log.exception("channel autocomplete failed")
        return []
    found = [c for c in channels
             if not wanted or wanted in c.name.casefold() or wanted in c.key.casefold()]
    found.sort(key=lambda c: (not c.name.casefold().startswith(wanted), c.name.casefold()))
    return [app_commands.Choice(name=choice_text(f"{c.name} ({c.notes} notes)"),
                                value=c.key[:100])
            for c in found[:CHOICES_LIMIT] if c.key]


def must_load_first(services: Services) -> bool:
    """The notes are there but the search service has not loaded them yet: its first
    answer takes seconds, so the command defers at once."""
    return not services.vault_sync.loading and not services.topics.ready
