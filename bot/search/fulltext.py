"""``/search``: full-text hits across notes and sections, with the matched words marked."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Sequence

from bot.notes.names import clean_line
from bot.search import sql
from bot.search.holder import SearchIndex
from bot.search.query import (
    AND_DF_BUDGET,
    COMMON_ROWS,
    MAX_SCORED_ROWS,
    NOTE_DF_BUDGET,
    match_expression,
    prepare_query,
    searchable,
    within_budget,
)
from bot.search.records import RankingWeights, SearchHit
from bot.search.sql import SECTION_STRIDE
from bot.search.text import WORD, fold, shorten, stem

SNIPPET_CHARS = 200
_SNIPPET_MARKS = ("\x02", "\x03")  # snippet markers: no note text holds them


class FullTextSearch:
    """Sections whose text holds the query's words, on the shared snapshot."""

    def __init__(self, index: SearchIndex, *, weights: RankingWeights | None = None) -> None:
        self.index = index
        self.weights = weights or RankingWeights()

    async def search(self, query: str, channel: str | None = None, limit: int = 50,
                     offset: int = 0, per_note: int = 3) -> list[SearchHit]:
        """Sections whose text holds the query's words (typos corrected), best first, at
        most ``per_note`` sections of one note; ``offset``/``limit`` page through them.

        Every word must match; when no section has them all, sections with any of the
        rarer words are returned instead. A word in most of the vault is only looked for
        in titles and headings. Raises :class:`~bot.search.records.QueryTooVague` when the
        query has no words and ``ValueError`` for an unknown channel.
        """
        prepared = prepare_query(query)
        snap = await self.index.snapshot()
        if not snap.ready:
            return []
        channel_key = snap.channel_key(channel)
        if channel_key == "":
            raise ValueError(f"unknown channel: {channel}")
        limit = max(1, min(100, limit))
        offset = max(0, min(1000, offset))
        per_note = max(1, min(10, per_note))
        terms = await asyncio.to_thread(snap.vocab.make_terms, prepared)
        groups = searchable(terms)
        if not groups:
            return []
        chosen = within_budget(groups, AND_DF_BUDGET, per_word=None)
        every = match_expression([t.fts_words for t in chosen], mode="and")
        if chosen[0].fts_df > COMMON_ROWS:  # only very common words: titles and headings
            every = "{title heading} : (" + every + ")"
        expressions = [every]
        some = within_budget(groups, NOTE_DF_BUDGET * 2, per_word=MAX_SCORED_ROWS)
        if len(groups) > 1 and len(some) > 1:
            expressions.append(match_expression([t.fts_words for t in some], mode="or"))
        first_id, last_id = snap.note_index_range(channel_key)
        allowed = snap.channel_notes.get(channel_key) if channel_key else None
        w = self.weights
        wanted = offset + limit
        for expression in expressions:
            ranked = await self.index.fetch(sql.FTS_RANKED, {
                "query": expression, "w_title": w.fts_title, "w_heading": w.fts_heading,
                "w_body": w.fts_body, "first_id": first_id, "last_id": last_id,
                "limit": wanted * per_note + 50})
            picked: list[tuple[int, int, int, float]] = []  # rowid, note index, section, score
            per: Counter[int] = Counter()
            for rowid, bm25 in ranked:
                note_id, section = divmod(rowid, SECTION_STRIDE)
                index = snap.by_id.get(note_id)
                if index is None or (allowed is not None and index not in allowed):
                    continue
                per[index] += 1
                if per[index] <= per_note:
                    picked.append((rowid, index, section, -bm25))
            picked = picked[offset:wanted]
            if not picked:
                continue
            snippets = dict(await self.index.fetch(sql.FTS_SNIPPETS, {
                "query": expression, "ids": json.dumps([p[0] for p in picked]),
                "open": _SNIPPET_MARKS[0], "close": _SNIPPET_MARKS[1], "ellipsis": "…",
                "tokens": 24}))
            hits: list[SearchHit] = []
            for rowid, index, section, score in picked:
                note = snap.notes[index]
                heading = snap.heading_of(index, section)
                raw = snippets.get(rowid) or ""
                snippet = _snippet(raw)
                if _SNIPPET_MARKS[0] not in raw:  # the words matched the title or heading
                    lead = _mark_words(heading or note.title, prepared.words)
                    snippet = shorten(f"{lead} — {snippet}" if snippet else lead,
                                      SNIPPET_CHARS)
                _, url = snap.episode(note)
                hits.append(SearchHit(note.note_id, note.channel, note.slug, note.title,
                                      section, heading, snippet, round(score, 4),
                                      note.video_id if url else None, url))
            return hits
        return []


def _snippet(text: str) -> str:
    """FTS5's snippet with its markers turned into ``**`` (and the text's own ``**`` gone)."""
    text = clean_line(text.replace("**", ""))
    text = text.replace(_SNIPPET_MARKS[0], "**").replace(_SNIPPET_MARKS[1], "**")
    if len(text) > SNIPPET_CHARS:
        cut = text[: SNIPPET_CHARS - 1]
        if cut.count("**") % 2:
            cut = cut[: cut.rfind("**")]
        text = cut.rstrip() + "…"
    return text


def _mark_words(text: str, query_words: Sequence[str]) -> str:
    """``text`` with the query's words wrapped in ``**`` (for title/heading-only hits)."""
    wanted = {stem(w) for w in query_words}

    def mark(match: re.Match[str]) -> str:
        word = match.group(0)
        return f"**{word}**" if stem(fold(word)) in wanted else word

    return WORD.sub(mark, text.replace("**", ""))
