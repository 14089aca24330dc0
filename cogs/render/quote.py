"""The ``/quote`` and ``/quotes`` embeds: a quote's words, who the note says spoke them,
its note, episode and moment; a note's quotes a page at a time; no quote found.

Attribution is the note's, never a guess: a quote whose note names nobody shows "From the
episode" and no person. Every link is built by :mod:`bot.notes.youtube` (through the
:class:`~bot.quotes.Quote` record): a quote without a valid video id or moment has no link.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import discord

from bot.notes.timestamps import format_seconds
from bot.quotes import Quote, QuotePick
from cogs.render.links import video_link_from_url
from cogs.render.text import (
    clip,
    join_within,
    member_text,
    neutralise_mentions,
    plain,
    safe_clip,
)
from cogs.replies import EMBED_COLOUR, fit_embed

QUOTE_CHARS = 3500  # the words of one quote (the description holds 4,096)
PAGE_QUOTE_CHARS = 500  # the words of each quote on a /quotes page
QUOTES_PER_PAGE = 5
FOOTER_CHARS = 300  # a file name and a line: room left for the words
UNATTRIBUTED = "From the episode"
NEAREST = "nearest moment in its section"
# marks that reorder what Discord shows (embeddings, overrides, isolates, direction marks):
# a note's text must not turn the rest of the embed around
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+")
_QUOTE_MARKS = "\"“”„«»"


def words(quote: Quote, limit: int) -> str:
    """The quote's words, escaped (no markdown, no mention, no masked link) and clipped, as a
    Discord block quote: every line starts with ``> ``."""
    text = _BIDI.sub("", quote.text).strip()
    if len(text) > 1 and text[0] in _QUOTE_MARKS and text[-1] in _QUOTE_MARKS:
        text = text[1:-1].strip()  # the block quote shows that these are someone's words
    shown: list[str] = []
    for line in safe_clip(text, limit).split("\n"):
        line = line.strip()
        if line or (shown and shown[-1] != ">"):  # no run of empty lines
            shown.append(f"> {line}" if line else ">")
    return clip("\n".join(shown), limit) or "> …"


def speaker_line(quote: Quote) -> str:
    """Who said it, as the note says (with the role it gives), or "From the episode"."""
    if not quote.speaker:
        return UNATTRIBUTED
    name = plain(_BIDI.sub("", quote.speaker), 200)
    role = plain(_BIDI.sub("", quote.role or ""), 200)
    if not name:
        return UNATTRIBUTED
    return neutralise_mentions(plain(f"{name} · {role}" if role else name, 250))


def moment(quote: Quote) -> str:
    """``[▶ 12:34](link)``, marked when it is the nearest moment of its section; the time
    without a link when the video id is not valid; ``""`` when the quote has no moment."""
    if quote.seconds is None:
        return ""
    shown = format_seconds(quote.seconds)
    url = quote.url
    link = f"[▶ {shown}]({url})" if url and "&t=" in url and video_link_from_url(url) \
        else f"at {shown} (no video link)"
    return f"{link} · {NEAREST}" if quote.moment == "nearest" else link


def where(quote: Quote) -> str:
    """The note's file and the quote's line, for a footer."""
    return f"{quote.channel}/{quote.slug}.md:{quote.line}"


def _episode(quote: Quote) -> str:
    channel = plain(quote.channel_name or quote.channel, 100)
    episode = safe_clip(_BIDI.sub("", quote.episode_title or ""), 300)
    shown = f"{episode} ({safe_clip(channel, 100)})" if episode else safe_clip(channel, 100)
    return f"{shown} · [watch]({quote.note_url})" if video_link_from_url(quote.note_url) \
        else shown


def quote_embed(quote: Quote, note: str = "") -> discord.Embed:
    """One quote: the words, the speaker (author line), the note (title, linked to its
    video), the episode, the moment, the thumbnail, and ``channel/slug.md:line``."""
    embed = discord.Embed(title=safe_clip(_BIDI.sub("", quote.note_title), 256) or "\u200b",
                          url=video_link_from_url(quote.note_url), colour=EMBED_COLOUR,
                          description=words(quote, QUOTE_CHARS))
    embed.set_author(name=speaker_line(quote))
    link = moment(quote)
    if link:
        embed.add_field(name="Moment", value=link, inline=True)
    embed.add_field(name="Episode", value=_episode(quote) or "\u200b", inline=True)
    if quote.section_heading:
        embed.add_field(name="Section", value=safe_clip(_BIDI.sub("", quote.section_heading),
                                                        300), inline=False)
    thumbnail = quote.thumbnail
    if thumbnail:
        embed.set_thumbnail(url=thumbnail)
    footer = where(quote) + (f" · {note}" if note else "")
    embed.set_footer(text=plain(footer, FOOTER_CHARS))
    return fit_embed(embed)


def _page_entry(quote: Quote) -> str:
    said = f"— **{safe_clip(speaker_line(quote), 120)}**" if quote.speaker \
        else f"— *{UNATTRIBUTED}*"
    parts = [said]
    link = moment(quote)
    if link:
        parts.append(link)
    parts.append(f"line {quote.line}")
    return f"{words(quote, PAGE_QUOTE_CHARS)}\n{' · '.join(parts)}"


def quotes_page_embed(title: str, quotes: Sequence[Quote], page: int,
                      per_page: int = QUOTES_PER_PAGE) -> discord.Embed:
    """Page ``page`` (0-based) of a note's quotes, ``per_page`` to a page."""
    pages = max(1, -(-len(quotes) // per_page))
    page = max(0, min(pages - 1, page))
    shown = quotes[page * per_page:(page + 1) * per_page]
    first = quotes[0] if quotes else None
    embed = discord.Embed(title=safe_clip(_BIDI.sub("", title), 256) or "\u200b",
                          url=video_link_from_url(first.note_url) if first else None,
                          colour=EMBED_COLOUR)
    if first is not None:
        episode = first.episode_title or ""
        origin = f"{first.channel_name or first.channel}" + (f" · {episode}" if episode else "")
        embed.set_author(name=neutralise_mentions(plain(_BIDI.sub("", origin), 250)) or "\u200b")
        if first.thumbnail:
            embed.set_thumbnail(url=first.thumbnail)
    embed.description = join_within([_page_entry(q) for q in shown], 4000, "\n\n") or "\u200b"
    count = f"{len(quotes)} quote" + ("" if len(quotes) == 1 else "s")
    file = f" · {first.channel}/{first.slug}.md" if first else ""
    embed.set_footer(text=plain(f"Page {page + 1} of {pages} · {count}{file}", FOOTER_CHARS))
    return fit_embed(embed)


def no_quotes_embed(title: str, url: str | None = None) -> discord.Embed:
    """A note the member picked that holds no quote."""
    embed = discord.Embed(title=safe_clip(_BIDI.sub("", title), 256) or "\u200b",
                          url=video_link_from_url(url), colour=EMBED_COLOUR,
                          description="This note holds no quote I can show: no words that "
                                      "it gives as someone's. `/topic` shows what it says.")
    return fit_embed(embed)


def searched(speaker: str, topic: str, channel: str) -> str:
    """What the member asked for, echoed safely: 'by “X” on “Y” in “Z”'."""
    parts = []
    if speaker:
        parts.append(f"by “{member_text(speaker, 100)}”")
    if topic:
        parts.append(f"on “{member_text(topic, 100)}”")
    if channel:
        parts.append(f"in the channel “{member_text(channel, 80)}”")
    return " ".join(parts)


def no_quote_embed(pick: QuotePick, speaker: str, topic: str, channel: str) -> discord.Embed:
    """Nothing matched: what was searched, and speakers and topics that do have quotes."""
    embed = discord.Embed(title="No quote matches", colour=EMBED_COLOUR)
    asked = searched(speaker, topic, channel)
    embed.description = f"I found no quote {asked}." if asked else \
        "I found no quote in the notes."
    read_as = []
    if speaker and pick.speaker:
        read_as.append(f"speaker: **{safe_clip(pick.speaker, 100)}**")
    if topic and pick.topic:
        read_as.append(f"topic: **{safe_clip(pick.topic, 150)}**")
    if read_as:
        embed.description += "\nI read that as " + ", ".join(read_as) + "."
    if pick.suggest_speakers:
        embed.add_field(name="Speakers with quotes", value=join_within(
            [f"• {safe_clip(_BIDI.sub('', s), 100)}" for s in pick.suggest_speakers[:10]],
            1024), inline=False)
    if pick.suggest_topics:
        embed.add_field(name="Topics with quotes", value=join_within(
            [f"• {safe_clip(_BIDI.sub('', t), 150)}" for t in pick.suggest_topics[:10]],
            1024), inline=False)
    embed.set_footer(text="Pick a speaker or a topic from the suggestions as you type")
    return fit_embed(embed)
