"""``/topic``: the note that best answers what a member typed, its autocomplete, and the
channel list.

Members type what they remember: misspelt, half-finished, in their own words, or the name
of a section. :class:`TopicSearch` ranks with :mod:`bot.search.ranking` on the shared
snapshot (:class:`~bot.search.holder.SearchIndex`). A lookup's ranking runs as one job of
a search reader's thread, which hands the SQL to the other reader and searches memory
meanwhile; the event loop only awaits it.
:meth:`TopicSearch.autocomplete` and :meth:`TopicSearch.channels` are synchronous and
memory-only (Discord gives autocomplete 3 s and no defer).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from functools import partial
from typing import Any

from bot.cache.store import NotesCache
from bot.search import autocomplete as _autocomplete
from bot.search import note_scores
from bot.search.confidence import assess
from bot.search.holder import SearchIndex
from bot.search.query import PreparedQuery, QueryTerm, clean_query, prepare_query
from bot.search.ranking import (
    Candidate,
    TextPlan,
    did_you_mean,
    fuse,
    memory_candidates,
    text_plan,
    text_scores,
)
from bot.search.records import (
    ChannelInfo,
    Choice,
    LookupResult,
    QueryTooVague,
    RankingWeights,
    TopicHit,
)
from bot.search.snapshot import Snapshot

log = logging.getLogger(__name__)


def _read_full_text(plan: TextPlan, con: sqlite3.Connection,
                    ) -> tuple[list[Any], list[note_scores.WordRows] | None]:
    """The plan's two statements on ``con``: the words' note ids first (one step of
    SQLite's), then the sections that hold every word. A failed one is logged and gives
    nothing; the other still counts."""
    word_rows: list[note_scores.WordRows] | None = None
    sections: list[Any] = []
    if plan.per_note:
        try:
            word_rows = note_scores.read_word_notes(con, plan.per_note)
        except sqlite3.Error as exc:
            log.warning("search: query failed: %s", exc)
    if plan.ranked:
        statement, params = plan.ranked
        try:
            sections = con.execute(statement, params).fetchall()
        except sqlite3.Error as exc:
            log.warning("search: query failed: %s", exc)
    return sections, word_rows


class TopicSearch:
    """Topic lookup, resolve, autocomplete and channels over one cache.

    ``TopicSearch(cache)`` makes its own :class:`SearchIndex`; pass ``index=`` to share one
    with :class:`~bot.search.fulltext.FullTextSearch` and
    :class:`~bot.search.related.RelatedNotes`.
    """

    def __init__(self, cache: NotesCache, *, weights: RankingWeights | None = None,
                 index: SearchIndex | None = None) -> None:
        self.cache = cache
        self.weights = weights or RankingWeights()
        self.index = index or SearchIndex(cache)

    @property
    def ready(self) -> bool:
        return self.index.ready

    async def refresh(self, *, force: bool = False) -> None:
        """Load (or reload) the shared snapshot; the old one answers meanwhile."""
        await self.index.refresh(force=force)

    # ------------------------------------------------------------------ lookup

    async def lookup(self, query: str, channel: str | None = None,
                     limit: int = 10) -> LookupResult:
        """The notes that best answer ``query``, best first (at most ``limit``, 1..50).

        ``query`` may also be an autocomplete value (``channel/slug[#section]``), which
        resolves to that note. Never raises for odd input: see :attr:`LookupResult.reason`.
        ``LookupResult.query`` is the query as cleaned (no invisible or control character).
        """
        started = time.perf_counter()
        limit = max(1, min(50, limit))
        text = clean_query(query)
        snap = await self.index.snapshot()

        def done(result: LookupResult) -> LookupResult:
            result.took_ms = (time.perf_counter() - started) * 1000
            return result

        if not snap.ready:
            return done(LookupResult(text, [], False, reason="not ready"))
        channel_key = snap.channel_key(channel)
        if channel_key == "":
            return done(LookupResult(text, [], False, reason="unknown channel"))
        direct = snap.resolve_value(text)
        if direct is not None and (channel_key is None or direct.channel == channel_key):
            return done(LookupResult(text, [direct], True))
        try:
            prepared = prepare_query(query)
        except QueryTooVague as exc:
            return done(LookupResult(text, [], False, reason=exc.reason))
        rank = partial(self._rank, snap, prepared, channel_key, limit)
        ranked = await self.index.read(rank, None)
        if ranked is None:  # no reader connection (closing, or the file is unreadable)
            ranked = await asyncio.to_thread(rank, None)
        hits, confident, suggestions = ranked
        return done(LookupResult(text, hits, confident, suggestions,
                                 truncated=prepared.truncated))

    def _rank(self, snap: Snapshot, prepared: PreparedQuery, channel: str | None, limit: int,
              connection: sqlite3.Connection | None) -> tuple[list[TopicHit], bool, list[str]]:
        """The whole ranking, as one job of a reader thread (``connection`` is its own):
        the full-text reads are handed to the other reader (SQLite lets go of the GIL
        while it walks the index) and the in-memory indexes are searched meanwhile, then
        everything is fused. One hop from the event loop and back, whatever the steps:
        on a busy machine every wake-up of a thread can cost milliseconds, and a read the
        other reader has not started yet is run here rather than waited for."""
        w = self.weights
        terms = snap.vocab.make_terms(prepared)
        plan = text_plan(snap, terms, channel, w)
        reads = None if plan is None else partial(_read_full_text, plan)
        future = (self.index.submit(reads) if reads is not None and connection is not None
                  else None)
        candidates = memory_candidates(snap, prepared, terms, channel, w)
        found_sections: list[Any] = []
        found_notes: list[Any] = []
        if reads is not None and plan is not None:
            found_sections, word_rows = self.index.collect(future, reads, connection, ([], None))
            if plan.per_note and word_rows is not None:
                found_notes = note_scores.score_notes(plan.per_note, word_rows,
                                                      snap.length_terms(plan.per_note))
        return self._finish(snap, prepared, terms, plan, channel, candidates,
                            found_sections, found_notes, limit)

    def _finish(self, snap: Snapshot, prepared: PreparedQuery, terms: list[QueryTerm],
                plan: TextPlan | None, channel: str | None, candidates: dict[int, Candidate],
                found_sections: list[Any], found_notes: list[Any],
                limit: int) -> tuple[list[TopicHit], bool, list[str]]:
        w = self.weights
        if plan is not None:
            scores = text_scores(snap, plan, channel, w, found_sections, found_notes)
            for index, (score, section, note_score) in scores.items():
                cand = candidates.get(index)
                if cand is None:
                    cand = candidates[index] = Candidate(index)
                cand.text, cand.text_section, cand.note = score, section, note_score
        hits = fuse(snap, candidates, limit, w)
        confident = assess(prepared, terms, hits, w)
        suggestions = [] if confident else did_you_mean(snap, prepared, hits, channel)
        return hits, confident, suggestions

    # ------------------------------------------------------------------ autocomplete

    def autocomplete(self, prefix: str, channel: str | None = None,
                     limit: int = 25) -> list[Choice]:
        """Choices for what is being typed, from memory only (no database, no await); at
        most 25, names and values of 1-100 characters, nothing invisible in a name."""
        snap = self.index.current()
        if snap is None or not snap.ready:
            return []
        return _autocomplete.choices(snap, prefix, channel, limit)

    # ------------------------------------------------------------------ resolve

    async def resolve(self, value: str) -> TopicHit | None:
        """An autocomplete value (or a ``channel/slug`` typed by hand) back to its note; other
        text goes through :meth:`lookup` and gives its best hit when that is confident."""
        result = await self.lookup(value)  # (all hits: confidence weighs the runner-up)
        return result.best if result.confident else None

    # ------------------------------------------------------------------ channels

    def channels(self) -> list[ChannelInfo]:
        """Every channel with notes, by display name (from memory)."""
        snap = self.index.current()
        if snap is None or not snap.ready:
            return []
        out = [ChannelInfo(key, snap.display(key), len(notes))
               for key, notes in snap.channel_notes.items()]
        out.sort(key=lambda c: (c.name.casefold(), c.key))
        return out

    # ------------------------------------------------------------------ lifecycle

    async def aclose(self) -> None:
        """Wait for a reload in flight and close the reader connections (call before the
        cache closes)."""
        await self.index.aclose()

    async def __aenter__(self) -> TopicSearch:
        await self.refresh()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
