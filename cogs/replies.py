"""What a command answers, built once and shown either in Discord or in the console.

Every command builds a :class:`Reply` from a service's result. The cog sends it to Discord;
the console prints it with :func:`reply_to_text`. Both take the same path, so what the
console shows is what members see. Helpers here keep every reply inside Discord's limits
and make note text safe to post (no pings, no stray markdown).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from bot.services import Services

EMBED_COLOUR = discord.Colour(0x5865F2)

# Discord's limits (see discord-facts.md)
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_LIMIT = 25
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
CHOICE_LIMIT = 100
CHOICES_LIMIT = 25


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


async def send_reply(interaction: discord.Interaction[Any], reply: Reply) -> None:
    """Send a reply whether or not the interaction was deferred."""
    kwargs = reply.send_kwargs()
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


# --------------------------------------------------------------------------- text safety

_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#)(\d+)>")


def safe_text(text: str) -> str:
    """Note text made safe to post: mentions defused, markdown that would change meaning
    escaped (``*``, ``_``, ``~``, ``|``, `` ` ``, ``>`` at a line start, headings and
    masked links), white space kept."""
    text = discord.utils.escape_markdown(text, as_needed=False, ignore_links=True)
    return neutralise_mentions(text)


def neutralise_mentions(text: str) -> str:
    """``@everyone`` and ``<@123>`` shown as written, never as a ping or a mention."""
    return _MENTION.sub(lambda m: m.group(0).replace("@", "@\u200b").replace("<#", "<#\u200b"),
                        text)


def clip(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut ``text`` to at most ``limit`` characters, at a word boundary when one is near."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ellipsis)]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    # do not leave a dangling escape backslash
    while cut.endswith("\\"):
        cut = cut[:-1]
    return cut.rstrip() + ellipsis


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


def choice_text(text: str) -> str:
    """An autocomplete choice name or value: 1-100 characters, one line."""
    text = " ".join(text.split()) or "?"
    return clip(text, CHOICE_LIMIT)


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
