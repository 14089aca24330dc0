"""The ``/related`` embed: a note's links out, backlinks and the notes of its episode."""

from __future__ import annotations

import discord

from bot.search import NoteRef, Related
from cogs.render.links import video_link_from_url
from cogs.render.text import join_within, plain, safe_clip
from cogs.replies import EMBED_COLOUR, fit_embed


def _names(refs: list[NoteRef]) -> str:
    shown = [f"• {safe_clip(r.title, 200)}" for r in refs[:200]]  # (no more can fit)
    return join_within(shown, 1024, total=len(refs)) or "none"


def related_embed(related: Related) -> discord.Embed:
    embed = discord.Embed(title=safe_clip(related.note.title, 256),
                          url=video_link_from_url(related.url), colour=EMBED_COLOUR)
    if related.episode_title:
        embed.set_author(name=plain(related.episode_title, 256) or "\u200b")
    embed.add_field(name=f"Links to ({len(related.links_out)})", value=_names(related.links_out),
                    inline=False)
    embed.add_field(name=f"Linked from ({len(related.backlinks)})",
                    value=_names(related.backlinks), inline=False)
    embed.add_field(name=f"Same episode ({len(related.same_episode)})",
                    value=_names(related.same_episode), inline=False)
    if related.unresolved_links:
        embed.add_field(name="Mentioned, with no note of their own",
                        value=safe_clip(", ".join(related.unresolved_links[:200]), 1024),
                        inline=False)
    embed.set_footer(text=plain(f"{related.note.channel}/{related.note.slug}.md", 2048))
    return fit_embed(embed)
