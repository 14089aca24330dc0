"""The ``/summarize`` embed: a summary's sentences with their moments, the note and episode
linked, the sections it drew on, its length and the summarizer that made it.

Every sentence is note text: invisible and control characters dropped, markdown, masked
links and mentions made harmless (:func:`cogs.render.text.safe_text`). A sentence is
shown whole or not at all: when the sentences would pass the description's 4,096
characters (or the embed's 6,000), whole trailing sentences are left out and the footer
says how many. Every link is built by :mod:`bot.notes.youtube` (``Summary.note_url``,
``SummarySentence.url``) and checked again: no valid video id or moment, no link.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.notes.text import clean_user_text, clip
from bot.notes.timestamps import format_seconds
from bot.summaries import Summary, SummarySentence
from cogs.render.links import video_link_from_url
from cogs.render.text import join_within, neutralise_mentions, plain, safe_clip, safe_text
from cogs.replies import (
    DESCRIPTION_LIMIT,
    EMBED_COLOUR,
    EMBED_TOTAL_LIMIT,
    FIELD_VALUE_LIMIT,
    fit_embed,
)

SEPARATOR = "\n\n"  # between sentences: one a paragraph, its moment at its end
DRAWN_FROM = "Drawn from"
HEADING_CHARS = 90
REASON_CHARS = 60  # of a fallback's reason, in the footer
FOOTER_CHARS = 300
INTRODUCTION = "Introduction"  # the sentences before a note's first heading
EMPTY = "*(there is nothing in this part of the note to summarize)*"
FALLBACK = "extractive (fallback: "


def moment(sentence: SummarySentence) -> str:
    """``[▶ 5:40](https://www.youtube.com/watch?v=…&t=340s)``, or ``""`` when the sentence
    carries no moment or its link would not be valid."""
    url = sentence.url
    if sentence.seconds is None or not url or "&t=" not in url \
            or not video_link_from_url(url):
        return ""
    return f"[▶ {format_seconds(sentence.seconds)}]({url})"


def sentence_parts(sentence: SummarySentence) -> tuple[str, str]:
    """One sentence as shown: on one line, nothing invisible, escaped; and its moment."""
    return safe_text(clean_user_text(sentence.text)), moment(sentence)


def _joined(text: str, link: str) -> str:
    return f"{text} {link}" if text and link else text or link


def summarizer_label(summarizer: str) -> str:
    """``extractive``, ``abstractive:<model>``, or ``extractive (fallback: <reason>)`` with
    the reason shortened, on one line."""
    if summarizer.startswith(FALLBACK):
        reason = summarizer[len(FALLBACK):].removesuffix(")")
        return f"{FALLBACK}{plain(reason, REASON_CHARS) or '?'})"
    return plain(summarizer, 120) or "?"


def headings(summary: Summary, omitted: Sequence[SummarySentence] = ()) -> list[str]:
    """The headings of the sections the summary drew on, in the note's order; without the
    sections whose every sentence is ``omitted`` (left out to fit)."""
    used = set(summary.sections_used)
    if omitted:
        kept = [s for s in summary.sentences if all(s is not o for o in omitted)]
        used -= {s.section_index for s in omitted} - {s.section_index for s in kept}
    return [s.heading or INTRODUCTION for s in summary.source.sections if s.index in used]


def scope(summary: Summary) -> str:
    """"the whole note", or the section asked for."""
    source = summary.source
    if source.section_index is None:
        return "the whole note"
    section = next((s for s in source.sections if s.index == source.section_index), None)
    return f"“{(section.heading if section else '') or INTRODUCTION}”"


def _author(summary: Summary) -> str:
    source = summary.source
    episode = f" · {source.episode_title}" if source.episode_title else ""
    return neutralise_mentions(plain(f"{source.channel_name or source.channel}{episode}", 250))


def _footer(summary: Summary, left_out: int) -> str:
    parts = [f"{summary.length.capitalize()} summary of {scope(summary)}",
             summarizer_label(summary.summarizer)]
    if left_out:
        parts.append(f"{left_out} more sentence{'s' if left_out > 1 else ''} did not fit")
    return neutralise_mentions(plain(" · ".join(parts), FOOTER_CHARS))


def whole_sentences(shown: list[tuple[str, str]], room: int) -> tuple[str, int]:
    """The sentences (text, moment) joined while they fit in ``room`` characters, and how
    many were left out. A sentence is never cut, but for the first one alone when even it
    cannot fit (escaping can double a hostile sentence): then its words are clipped and
    its moment kept, so that the summary says something."""
    out: list[str] = []
    used = 0
    for text, link in shown:
        whole = _joined(text, link)
        cost = len(whole) + (len(SEPARATOR) if out else 0)
        if used + cost > room:
            break
        out.append(whole)
        used += cost
    if not out and shown:
        text, link = shown[0]
        return _joined(clip(text, room - len(link) - 1), link), len(shown) - 1
    return SEPARATOR.join(out), len(shown) - len(out)


def _drawn_from(embed: discord.Embed, summary: Summary,
                omitted: Sequence[SummarySentence] = ()) -> None:
    drawn = [f"• {safe_clip(clean_user_text(h), HEADING_CHARS)}"
             for h in headings(summary, omitted)]
    if drawn:
        embed.add_field(name=DRAWN_FROM, value=join_within(drawn, FIELD_VALUE_LIMIT),
                        inline=False)


def summary_embed(summary: Summary) -> discord.Embed:
    """The summary: title (the note, linked to its video), channel · episode, the sentences
    with their moments, the sections drawn on, and length · summarizer in the footer."""
    source = summary.source
    embed = discord.Embed(title=safe_clip(clean_user_text(source.title), 256) or "\u200b",
                          url=video_link_from_url(summary.note_url), colour=EMBED_COLOUR)
    embed.set_author(name=_author(summary) or "\u200b")
    _drawn_from(embed, summary)
    visible = [(s, sentence_parts(s)) for s in summary.sentences]
    visible = [(s, parts) for s, parts in visible if parts[0] or parts[1]]
    embed.set_footer(text=_footer(summary, len(visible)))  # the longest it can be, for now
    room = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - len(embed))
    description, left_out = whole_sentences([parts for _, parts in visible], room)
    embed.description = description or EMPTY
    embed.set_footer(text=_footer(summary, left_out))
    if left_out:  # (shorter: the sentences shown still fit)
        embed.clear_fields()
        _drawn_from(embed, summary, [s for s, _ in visible[len(visible) - left_out:]])
    return fit_embed(embed)
