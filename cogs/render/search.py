"""The ``/search`` embeds: matching sections with their snippets, a page at a time."""

from __future__ import annotations

import discord

from bot.notes.youtube import watch_url
from bot.search import SearchHit
from cogs.render.links import video_link_from_url
from cogs.render.text import member_text, safe_clip, safe_text
from cogs.replies import EMBED_COLOUR, fit_embed

RESULTS_PER_PAGE = 5
SNIPPET_CHARS = 900


def snippet(text: str) -> str:
    """A snippet with its ``**`` marks (the matched words) kept and everything else escaped."""
    return "**".join(safe_text(part) for part in text[: SNIPPET_CHARS * 2].split("**"))


def _title(query: str) -> str:
    return f"Search: {member_text(query, 200)}"


def _hit_link(hit: SearchHit) -> str | None:
    return watch_url(hit.video_id) if hit.video_id else video_link_from_url(hit.url)


def search_embed(query: str, hits: list[SearchHit], page: int, pages: int) -> discord.Embed:
    """One page of hits: a field per section, its snippet and a link to the episode."""
    embed = discord.Embed(title=_title(query), colour=EMBED_COLOUR)
    start = page * RESULTS_PER_PAGE
    for hit in hits[start : start + RESULTS_PER_PAGE]:
        heading = f" › {hit.heading}" if hit.heading else ""
        name = safe_clip(f"{hit.title}{heading}", 256)
        url = _hit_link(hit)
        link = f"\n[watch]({url})" if url else ""
        text = snippet(hit.snippet)
        if len(text) > SNIPPET_CHARS:  # cut outside a ** pair, never in an escape
            text = safe_clip(hit.snippet.replace("**", ""), SNIPPET_CHARS)
        embed.add_field(name=name or "\u200b", value=(text or "\u200b") + link, inline=False)
    embed.set_footer(text=f"Page {page + 1} of {pages} · {len(hits)} sections found")
    return fit_embed(embed)


def no_hits_embed(query: str) -> discord.Embed:
    return discord.Embed(title=_title(query), colour=EMBED_COLOUR,
                         description="No section holds those words. Try fewer or other words.")
