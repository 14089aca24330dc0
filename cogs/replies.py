"""What a command answers, built once and shown either in Discord or in the console.

Every command builds a :class:`Reply` from a service's result. The cog sends it to Discord;
the console prints it with :func:`reply_to_text`. Both take the same path, so what the
console shows is what members see. Helpers here keep every reply inside Discord's limits
and make note text safe to post (no pings, no stray markdown).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

from bot.app.tree import PUBLIC_DEFER, end_public_defer
from cogs.render.text import CHOICE_LIMIT, choice_text, clip, neutralise_mentions, safe_text
from cogs.views import OwnedView

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["CHOICE_LIMIT", "ConsoleCommand", "Reply", "choice_text", "clip", "fit_embed",
           "neutralise_mentions", "reply_to_text", "respond", "safe_text", "send_reply"]

log = logging.getLogger(__name__)

EMBED_COLOUR = discord.Colour(0x5865F2)

# Discord's limits (see discord-facts.md)
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_LIMIT = 25
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
CHOICES_LIMIT = 25
# a reply not built within this long is deferred first (Discord wants an answer within 3 s)
DEFER_AFTER = 1.0


@dataclass
class Reply:
    """A finished answer: message text and/or embeds, and whether only the asker sees it."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    ephemeral: bool = False
    view: discord.ui.View | None = None

    def send_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "embeds": self.embeds,
            "ephemeral": self.ephemeral,
            "allowed_mentions": discord.AllowedMentions.none(),
        }
        if self.content is not None:
            kwargs["content"] = self.content
        if self.view is not None:
            kwargs["view"] = self.view
        return kwargs


async def send_reply(interaction: discord.Interaction[Any],
                     reply: Reply) -> discord.WebhookMessage | None:
    """Send a reply whether or not the interaction was deferred; returns the follow-up
    message when the reply was one (else the reply is the interaction's original response).

    After a public deferral an ephemeral reply cannot take the "thinking" message's place
    (ephemerality is fixed when deferring): that message is removed
    (:func:`bot.app.tree.end_public_defer`) and the reply follows for the member's eyes only.
    """
    kwargs = reply.send_kwargs()
    if not interaction.response.is_done():
        await interaction.response.send_message(**kwargs)
        return None
    if reply.ephemeral:
        await end_public_defer(interaction)
    return await interaction.followup.send(wait=True, **kwargs)


async def respond(interaction: discord.Interaction[Any], build: Callable[[], Awaitable[Reply]],
                  *, defer_now: bool = False,
                  ephemeral: bool = False) -> discord.WebhookMessage | None:
    """Run a reply builder and send its reply within Discord's 3 s deadline.

    When the reply is not built within :data:`DEFER_AFTER` (or ``defer_now``: what it needs
    is not loaded yet), the interaction is deferred first (``ephemeral`` fixes who sees the
    "thinking" message) and the reply follows. The builder's errors reach the command
    tree's error path either way.
    """
    task: asyncio.Future[Reply] = asyncio.ensure_future(build())
    try:
        if not defer_now:
            await asyncio.wait({task}, timeout=DEFER_AFTER)
        if not task.done():
            await interaction.response.defer(thinking=True, ephemeral=ephemeral)
            interaction.extras[PUBLIC_DEFER] = not ephemeral
            log.debug("deferred /%s: the reply takes a while",
                      interaction.command.name if interaction.command else "?")
        reply = await task
    finally:
        if not task.done():
            task.cancel()
    message = await send_reply(interaction, reply)
    if isinstance(reply.view, OwnedView):
        reply.view.attach(interaction, message)
    return message


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Hold an embed to Discord's limits: each part clipped, fields dropped from the end
    (with a note) until the whole fits in 6,000 characters."""
    if embed.title:
        embed.title = clip(embed.title, TITLE_LIMIT)
    if embed.description:
        embed.description = clip(embed.description, DESCRIPTION_LIMIT)
    fields = embed.fields[:FIELDS_LIMIT]
    embed.clear_fields()
    for item in fields:
        embed.add_field(name=clip(item.name or "\u200b", FIELD_NAME_LIMIT) or "\u200b",
                        value=clip(item.value or "\u200b", FIELD_VALUE_LIMIT) or "\u200b",
                        inline=bool(item.inline))
    if embed.footer and embed.footer.text:
        embed.set_footer(text=clip(embed.footer.text, FOOTER_LIMIT),
                         icon_url=embed.footer.icon_url)
    while len(embed) > EMBED_TOTAL_LIMIT and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    if len(embed) > EMBED_TOTAL_LIMIT and embed.description:
        over = len(embed) - EMBED_TOTAL_LIMIT
        embed.description = clip(embed.description, max(1, len(embed.description) - over - 1))
    return embed


# --------------------------------------------------------------------------- console

def reply_to_text(reply: Reply) -> str:
    """A reply as the console prints it: content, then each embed's parts, then buttons."""
    lines: list[str] = []
    if reply.ephemeral:
        lines.append("(only you can see this)")
    if reply.content:
        lines.append(reply.content)
    for embed in reply.embeds:
        if embed.author and embed.author.name:
            lines.append(f"[{embed.author.name}]")
        if embed.title:
            lines.append(f"## {embed.title}" + (f"  <{embed.url}>" if embed.url else ""))
        if embed.description:
            lines.append(embed.description)
        for item in embed.fields:
            lines.append(f"\n**{item.name}**")
            lines.append(item.value or "")
        if embed.footer and embed.footer.text:
            lines.append(f"\n-- {embed.footer.text}")
    if reply.view is not None:
        shown = [f"[{child.label}]" for child in reply.view.children
                 if isinstance(child, discord.ui.Button) and child.label and not child.disabled]
        if shown:
            lines.append("buttons: " + " ".join(shown))
    return "\n".join(lines)


ConsoleHandler = Callable[["Services", dict[str, str]], Awaitable[Reply]]


@dataclass(frozen=True)
class ConsoleCommand:
    """A slash command as the console offers it: same name, options and reply builder."""

    name: str
    description: str
    options: tuple[str, ...]  # the first one takes free text: "/topic black holes"
    handler: ConsoleHandler
    required: tuple[str, ...] = ()
