"""Autocomplete choices for what a member is typing: from memory only (no database, no
await), bounded in the postings it reads per keystroke."""

from __future__ import annotations

import itertools
from collections import Counter

from bot.notes.text import clean_user_text
from bot.search.query import prepare_query
from bot.search.records import Choice, QueryTooVague
from bot.search.snapshot import MAX_CHOICE_CHARS, Snapshot, value_for
from bot.search.text import shorten

AUTOCOMPLETE_POSTINGS = 4_000  # texts gathered per keystroke, at most
STRONG_SHARE = 0.75  # of the typed words' weight a title/heading must match to rank as one
MAX_CHOICES = 25  # Discord's limit


def choices(snap: Snapshot, prefix: str, channel: str | None, limit: int) -> list[Choice]:
    """Ranked: exact title, title prefix, titles matching every word (typos and unfinished
    last word allowed), section headings likewise ("Title › Section"), then weaker title
    and heading matches. Names carry the channel (and the episode when two titles in a
    channel are the same)."""
    limit = max(1, min(MAX_CHOICES, limit))
    channel_key = snap.channel_key(channel)
    if channel_key == "":
        return []
    allowed = snap.channel_notes.get(channel_key) if channel_key else None
    try:
        prepared = prepare_query(prefix, max_terms=6)
    except QueryTooVague:
        if clean_user_text(prefix or ""):
            return []
        # nothing typed yet: the most linked-to notes, then titles alphabetically
        first = itertools.chain(snap.popular, snap.titles.norm_ids)
        shown = itertools.islice(dict.fromkeys(
            d for d in first if allowed is None or d in allowed), limit)
        return _choices(snap, [(d, None) for d in shown])
    picked: list[tuple[int, tuple[int, str] | None]] = []
    seen: set[int] = set()

    def add(index: int, section: tuple[int, str] | None = None) -> bool:
        if index in seen:
            return len(picked) < limit
        seen.add(index)
        picked.append((index, section))
        return len(picked) < limit

    titles = snap.titles
    for index in titles.exactly(prepared.norm):  # exact title
        if (allowed is None or index in allowed) and not add(index):
            return _choices(snap, picked)
    for index in titles.prefixed(prepared.norm, allowed, limit):  # title prefix
        if not add(index):
            return _choices(snap, picked)
    terms = snap.vocab.make_terms(prepared, completing=True, correct=False)
    title_hits = titles.search(terms, allowed=allowed, limit=limit * 2, cap=150,
                               max_postings=AUTOCOMPLETE_POSTINGS)
    weak: list[tuple[float, int, tuple[int, str] | None]] = []
    for index, score, _, share in title_hits:  # every word in the title (typos allowed)
        if share >= STRONG_SHARE:
            if not add(index):
                return _choices(snap, picked)
        else:
            weak.append((score, index, None))
    allowed_headings = snap.headings_in(channel_key) if channel_key else None
    heading_hits = snap.headings.search(terms, allowed=allowed_headings, limit=limit * 2,
                                        cap=150, max_postings=AUTOCOMPLETE_POSTINGS)
    for doc, score, _, share in heading_hits:  # every word in a heading
        index, idx, heading = snap.heading(doc)
        if share >= STRONG_SHARE:
            if index not in seen and not add(index, (idx, heading)):
                return _choices(snap, picked)
        else:
            weak.append((score * 0.9, index, (idx, heading)))
    weak.sort(key=lambda x: -x[0])
    for _, index, section in weak:
        if index not in seen and not add(index, section):
            break
    return _choices(snap, picked)


def _choices(snap: Snapshot, picked: list[tuple[int, tuple[int, str] | None]]) -> list[Choice]:
    title_counts = Counter((snap.notes[i].channel, snap.notes[i].title.casefold())
                           for i, _ in picked)
    out: list[Choice] = []
    for index, section in picked:
        note = snap.notes[index]
        tail = snap.display(note.channel)
        if title_counts[(note.channel, note.title.casefold())] > 1:
            episode_title, _ = snap.episode(note)
            tail = f"{tail}: {episode_title or note.slug}"
        tail = shorten(_visible(tail), 40)
        label = note.title if section is None else f"{note.title} › {section[1]}"
        room = MAX_CHOICE_CHARS - len(tail) - 3
        name = f"{shorten(_visible(label), room)} — {tail}"
        value = value_for(note, None if section is None else section[0])
        out.append(Choice(name[:MAX_CHOICE_CHARS], value))
    return out


def _visible(text: str) -> str:
    """``text`` without invisible or control characters (most texts have none: a quick
    check first)."""
    return text if text.isprintable() else clean_user_text(text)
