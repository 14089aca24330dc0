"""``/topic``: the note that best answers what a member typed, its autocomplete, and the
channel list.

Members type what they remember: misspelt, half-finished, in their own words, or the name
of a section. :class:`TopicSearch` ranks with :mod:`bot.search.ranking` on the shared
snapshot (:class:`~bot.search.holder.SearchIndex`). Every ranking step runs in a worker
thread; the SQL runs on the readers' threads; the event loop only awaits them.
:meth:`TopicSearch.autocomplete` and :meth:`TopicSearch.channels` are synchronous and
memory-only (Discord gives autocomplete 3 s and no defer).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bot.cache.store import NotesCache
from bot.search import autocomplete as _autocomplete
from bot.search.confidence import assess
from bot.search.holder import SearchIndex
from bot.search.note_scores import NoteQuery, read_note_scores
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


async def _no_rows() -> list[Any]:
    return []


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
        w = self.weights
        terms, plan = await asyncio.to_thread(self._plan, snap, prepared, channel_key)
        # the in-memory indexes (a worker thread) and full text (SQLite) at the same time
        memory = asyncio.ensure_future(asyncio.to_thread(
            memory_candidates, snap, prepared, terms, channel_key, w))
        try:
            found_sections, found_notes = await asyncio.gather(
                self.index.fetch(*plan.ranked) if plan and plan.ranked else _no_rows(),
                self._note_scores(snap, plan.per_note) if plan and plan.per_note
                else _no_rows())
        finally:
            candidates = await memory
        hits, confident, suggestions = await asyncio.to_thread(
            self._finish, snap, prepared, terms, plan, channel_key, candidates,
            found_sections, found_notes, limit)
        return done(LookupResult(text, hits, confident, suggestions,
                                 truncated=prepared.truncated))

    async def _note_scores(self, snap: Snapshot, query: NoteQuery) -> list[Any]:
        return await self.index.read(
            lambda con: read_note_scores(con, query, snap.sections), [])

    def _plan(self, snap: Snapshot, prepared: PreparedQuery,
              channel: str | None) -> tuple[list[QueryTerm], TextPlan | None]:
        terms = snap.vocab.make_terms(prepared)
        return terms, text_plan(snap, terms, channel, self.weights)

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
