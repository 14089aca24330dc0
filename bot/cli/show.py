"""The answers of ``notecast topic``, ``search`` and ``related`` as terminal text.

Pure functions from the services' results (:class:`~bot.search.LookupResult`,
:class:`~bot.notes.reader.NoteCard`, :class:`~bot.search.Related`,
:class:`~bot.search.SearchHit`) to lines of plain text: no Discord here, and nothing from
``cogs`` (the console keeps the replies' Discord form; the command line prints this).

Note text and queries are hostile: every string from a note or from the user goes
through :func:`line` (wikilinks shown as their labels, control and format characters
dropped: ANSI escapes, C1 controls, bidi overrides, zero-width marks) before it is
printed. Every link is built by :func:`bot.notes.youtube.watch_url` from a video id.
"""

from __future__ import annotations

import textwrap

from bot.errors import NotesLoading
from bot.notes.reader import NoteCard, SectionInfo
from bot.notes.text import clean_user_text, clip, unwikilink
from bot.notes.timestamps import format_seconds
from bot.notes.youtube import checked_watch_url, watch_url
from bot.search import LookupResult, NoteRef, Related, SearchHit, TopicHit

WIDTH = 88  # prose is wrapped to this many columns
INDENT = "   "
ECHO_CHARS = 200  # of a query shown back
INTRO_CHARS = 500
SECTION_CHARS = 500
HEADING_CHARS = 90
TITLE_CHARS = 200
SECTIONS_SHOWN = 60
OTHER_MATCHES = 9
LINKED_SHOWN = 12  # titles under "Links to"/"Linked from" in a topic answer

NOTE_GONE = "That note has just left the vault. Try again in a moment."
VAGUE = {
    "empty": "Type a few words to search for.",
    "no words": "That has no words to search for: try a title, a name or a topic.",
}

# --------------------------------------------------------------------------- text

def line(text: str | None, limit: int = TITLE_CHARS) -> str:
    """Note or user text made safe for a terminal, on one line: wikilinks as their labels,
    no control or format character (so no escape sequence), white space folded, clipped
    to ``limit`` characters."""
    if not text:
        return ""
    return clip(clean_user_text(unwikilink(text[: limit * 4])), limit)


def quoted(query: str) -> str:
    """The user's query echoed back, cleaned and clipped, in quotes."""
    return f"“{line(query, ECHO_CHARS)}”"


def _wrap(text: str, indent: str = INDENT) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False)


def moment(video_id: str | None, seconds: int | None) -> str:
    """``2:12:35 https://www.youtube.com/watch?v=…&t=7955s``, or ``""`` without a valid link
    for that moment."""
    if seconds is None:
        return ""
    url = watch_url(video_id, seconds)
    return f"{format_seconds(seconds)} {url}" if url else ""


# --------------------------------------------------------------------------- failures

def reason_message(reason: str | None, channel: str | None) -> str | None:
    """The sentence for a lookup that could not run (:attr:`LookupResult.reason`), or
    ``None`` when it ran."""
    if reason in VAGUE:
        return VAGUE[reason]
    if reason == "unknown channel":
        return unknown_channel(channel)
    if reason == "not ready":
        return str(NotesLoading())
    return None


def unknown_channel(channel: str | None) -> str:
    return f"There is no channel called {quoted(channel or '')}."


def unknown_note(text: str) -> str:
    return f"I can't tell which note {quoted(text)} is: give its title, or its channel/slug."


# --------------------------------------------------------------------------- topic

def _where(card: NoteCard) -> str:
    channel = line(card.channel_name or card.channel)
    episode = line(card.episode_title, 256)
    return f"{channel} · {episode}" if episode else channel


def _section_lines(card: NoteCard, marked: int | None) -> list[str]:
    sections = card.headed_sections
    lines = []
    for number, section in enumerate(sections[:SECTIONS_SHOWN], start=1):
        mark = "›" if section.index == marked else " "
        at = moment(card.video_id, section.first_seconds)
        lines.append(f"{mark}{number:>3}. {line(section.heading, HEADING_CHARS)}"
                     f"{'  ' + at if at else ''}")
    if len(sections) > SECTIONS_SHOWN:
        lines.append(f"     … and {len(sections) - SECTIONS_SHOWN} more")
    return lines


def _matched(card: NoteCard, hit: TopicHit) -> list[str]:
    """The section the query matched (by heading or text), with its opening words."""
    if not hit.matched_section or hit.why not in ("heading", "text"):
        return []
    sections = card.headed_sections or card.sections
    found: SectionInfo | None = next(
        (s for s in sections if hit.section_index is not None and s.index == hit.section_index),
        None)
    heading = line(found.heading if found and found.heading else hit.matched_section,
                   HEADING_CHARS)
    number = f"section {sections.index(found) + 1}, " if found is not None else ""
    out = [f"Matched in {number}“{heading}” (by {line(hit.why, 20)})"]
    if found is not None:
        at = moment(card.video_id, found.first_seconds)
        if at:
            out.append(f"{INDENT}{at}")
        out += _wrap(line(found.text, SECTION_CHARS))
    return out


def _titles(label: str, refs: list[NoteRef]) -> list[str]:
    lines = [f"  • {line(r.title)}" for r in refs[:LINKED_SHOWN]]
    if len(refs) > LINKED_SHOWN:
        lines.append(f"  … and {len(refs) - LINKED_SHOWN} more (notecast related)")
    return [f"{label}:", *lines] if lines else []


def other_matches(best: TopicHit, hits: list[TopicHit]) -> list[str]:
    """``title › section — channel`` for each hit besides the best note."""
    others = [h for h in hits if h.note_id != best.note_id][:OTHER_MATCHES]
    lines = []
    for number, hit in enumerate(others, start=1):
        section = f" › {line(hit.matched_section, 150)}" if hit.matched_section else ""
        channel = line(hit.channel_name or hit.channel, 100)
        lines.append(f"{number:>4}. {line(hit.title)}{section} — {channel}")
    return ["Other matches:", *lines] if lines else []


def topic_text(card: NoteCard, best: TopicHit, hits: list[TopicHit],
               related: Related | None) -> str:
    """The best note at a glance: title, channel and episode, link, opening text, the
    matched section, the sections with their first moment, its links, other matches."""
    out = [line(card.title, 256) or "(untitled)", _where(card)]
    url = watch_url(card.video_id)
    if url:
        out.append(url)
    intro = next((s.text for s in card.sections if s.text.strip()), card.intro)
    blocks = [_wrap(line(intro, INTRO_CHARS), ""), _matched(card, best)]
    sections = _section_lines(card, best.section_index)
    if sections:
        blocks.append(["Sections:", *sections])
    if related is not None:
        back = [r for r in related.backlinks if r not in related.links_out]
        blocks += [_titles("Links to", related.links_out), _titles("Linked from", back)]
    blocks.append(other_matches(best, hits))
    for block in blocks:
        if block:
            out += ["", *block]
    return "\n".join(out)


def no_match_text(query: str, result: LookupResult) -> str:
    """Nothing matched well: say so, and list the closest titles."""
    out = [f"No note matches {quoted(query)} well."]
    suggestions = [line(t) for t in result.did_you_mean]
    if suggestions:
        out += ["Did you mean:", *(f"  • {t}" for t in suggestions if t)]
    return "\n".join(out)


# --------------------------------------------------------------------------- search

def snippet(text: str) -> str:
    """A hit's snippet as one clean line; the matched words keep the service's ``**``."""
    return line(text, 900)


def search_text(hits: list[SearchHit]) -> str:
    """Numbered hits: ``title › heading — channel``, the snippet, the episode's link."""
    out: list[str] = []
    for number, hit in enumerate(hits, start=1):
        heading = f" › {line(hit.heading, HEADING_CHARS)}" if hit.heading else ""
        if out:
            out.append("")
        out.append(f"{number:>2}. {line(hit.title)}{heading} — {line(hit.channel, 100)}")
        out += _wrap(snippet(hit.snippet), "    ")
        url = watch_url(hit.video_id)
        if url:
            out.append(f"    {url}")
    return "\n".join(out)


def no_hits_text(query: str) -> str:
    return f"No section holds the words of {quoted(query)}. Try fewer or other words."


# --------------------------------------------------------------------------- related

def _ref(ref: NoteRef) -> str:
    return f"  • {line(ref.title)} ({line(ref.channel, 100)}/{line(ref.slug, 200)})"


def related_text(related: Related) -> str:
    """The note, then its links out, backlinks, the other notes of its episode and the
    links that name no note, as ``notecast related --json`` lists them."""
    note = related.note
    out = [line(note.title, 256) or "(untitled)", f"{line(note.channel, 100)}/{line(note.slug)}"]
    episode = line(related.episode_title, 256)
    if episode:
        out.append(f"episode: {episode}")
    url = checked_watch_url(related.url)
    if url:
        out.append(url)
    for label, refs in (("Links to", related.links_out), ("Linked from", related.backlinks),
                        ("Same episode", related.same_episode)):
        out += ["", f"{label} ({len(refs)}):", *([_ref(r) for r in refs] or ["  none"])]
    unresolved = [name for name in (line(n) for n in related.unresolved_links) if name]
    if unresolved:
        out += ["", f"Mentioned, with no note of their own ({len(unresolved)}):",
                *_wrap(", ".join(unresolved), "  ")]
    return "\n".join(out)
