"""The ``/topic`` embeds: a note's overview, one section, the other matches, no match."""

from __future__ import annotations

import discord

from bot.notes.reader import NoteCard
from bot.notes.youtube import watch_url
from bot.search import LookupResult, Related, TopicHit
from cogs.render.links import moment_link
from cogs.render.text import join_within, member_text, plain, safe_clip
from cogs.replies import EMBED_COLOUR, fit_embed

SECTION_TEXT_CHARS = 3000
INTRO_CHARS = 500
HEADING_CHARS = 90


def where(card: NoteCard) -> str:
    """The note's channel and episode, for the embed's author line (shown without markdown)."""
    episode = f" · {card.episode_title}" if card.episode_title else ""
    return plain(f"{card.channel_name}{episode}", 256)


def _note_embed(card: NoteCard) -> discord.Embed:
    embed = discord.Embed(title=safe_clip(card.title, 256), url=watch_url(card.video_id),
                          colour=EMBED_COLOUR)
    embed.set_author(name=where(card) or "\u200b")
    return embed


def overview_embed(card: NoteCard, related: Related | None, hit: TopicHit | None) -> discord.Embed:
    """A note at a glance: intro, sections with their first moment, related notes."""
    embed = _note_embed(card)
    intro = next((s.text for s in card.sections if s.text.strip()), card.intro)
    embed.description = safe_clip(" ".join(intro[: INTRO_CHARS * 4].split()), INTRO_CHARS) \
        or "\u200b"
    if hit is not None and hit.matched_section and hit.why in ("heading", "text"):
        embed.description += f"\n\nMatched in **{safe_clip(hit.matched_section, 200)}**"
    lines = []
    for number, section in enumerate(card.headed_sections, start=1):
        if number > 60:  # far more than a field shows; the rest are counted
            lines.append(f"… and {len(card.headed_sections) - 60} more")
            break
        moment = moment_link(card.video_id, section.first_seconds)
        lines.append(f"{number}. {safe_clip(section.heading, HEADING_CHARS)} {moment}".rstrip())
    if lines:
        embed.add_field(name="Sections", value=join_within(lines, 1024), inline=False)
    if related is not None:
        out = [safe_clip(n.title, 200) for n in related.links_out[:100]]
        back = [safe_clip(n.title, 200) for n in related.backlinks[:100]
                if n not in related.links_out]
        if out:
            embed.add_field(name="Links to", value=join_within(out, 1024, " · "), inline=False)
        if back:
            embed.add_field(name="Linked from", value=join_within(back, 1024, " · "),
                            inline=False)
    why = f" · matched by {hit.why}" if hit is not None else ""
    embed.set_footer(text=plain(f"{card.channel}/{card.slug}.md{why}", 2048))
    return fit_embed(embed)


def section_embed(card: NoteCard, position: int, moments: list[int]) -> discord.Embed:
    """One section of a note, with its moments (seconds) as links into the video."""
    sections = card.headed_sections or card.sections
    section = sections[position]
    embed = _note_embed(card)
    heading = safe_clip(section.heading, 256) if section.heading else "Introduction"
    body = safe_clip(section.text, SECTION_TEXT_CHARS) or "*(this section is empty)*"
    embed.description = f"**{heading}**\n\n{body}"
    links = [link for link in (moment_link(card.video_id, s) for s in moments[:200]) if link]
    if links:
        embed.add_field(name="Moments in the episode", value=join_within(links, 1024, " "),
                        inline=False)
    embed.set_footer(text=plain(f"Section {position + 1} of {len(sections)} · "
                                f"{card.channel}/{card.slug}.md", 2048))
    return fit_embed(embed)


def matches_embed(query: str, hits: list[TopicHit]) -> discord.Embed:
    """The other notes that matched, to pick one from the menu below."""
    embed = discord.Embed(title=f"Other matches for “{member_text(query, 200)}”",
                          colour=EMBED_COLOUR)
    lines = []
    for number, hit in enumerate(hits, start=1):
        channel = safe_clip(hit.channel_name or hit.channel, 100)
        section = f" › {safe_clip(hit.matched_section, 150)}" if hit.matched_section else ""
        lines.append(f"**{number}. {safe_clip(hit.title, 200)}**{section}\n{channel}")
    embed.description = "\n".join(lines) if lines else "No other notes match."
    embed.set_footer(text="Pick one below to open it")
    return fit_embed(embed)


def no_match_embed(query: str, result: LookupResult) -> discord.Embed:
    """Nothing matches well: say so, echo the query (cleaned), offer the closest titles."""
    embed = discord.Embed(title="No note matches that well", colour=EMBED_COLOUR)
    shown = member_text(query, 200)
    embed.description = f"I found nothing close to “{shown}”." if shown else \
        "I found nothing close to that."
    if result.did_you_mean:
        embed.add_field(name="Did you mean",
                        value=join_within([f"• {safe_clip(t, 200)}" for t in result.did_you_mean],
                                          1024),
                        inline=False)
    embed.set_footer(text="Try fewer words, or pick a suggestion as you type")
    return fit_embed(embed)
