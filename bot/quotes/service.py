"""``QuoteService``: what ``/quote``, "Another", ``/quotes`` and the CLI ask (no Discord here).

* :meth:`QuoteService.pick`: a random quote by a speaker (typo-tolerant, over every name and
  alias of the identities that have quotes), on a topic (the best notes of the topic
  lookup, or the words of the quotes themselves), in a channel; never one of ``exclude``
  while another matches.
* :meth:`QuoteService.note_quotes`: every quote of a note, in file order.
* :meth:`QuoteService.speakers`: autocomplete of the speakers, from memory (loaded again
  when the cache's token moves), best first, with their counts.

What is shown: never a paraphrase (the note's own words under a name or heading are
flagged by the classifier and left out of every answer). A quote whose note names nobody
is a quote of its episode and moment (``Quote.speaker`` is ``None``): a plain ``/quote``
may show one; a speaker asked for, or ``attributed=True``, gives attributed quotes only.

Every read is one snapshot of the cache in a reader thread (``cache.read``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import sqlite3
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.cache.errors import CacheDamaged
from bot.cache.store import NotesCache
from bot.errors import NotesLoading
from bot.notes.text import clean_user_text
from bot.quotes import sql
from bot.quotes.pool import QuotePools
from bot.quotes.records import Quote, QuotePick, SpeakerChoice
from bot.quotes.speakers import name_key
from bot.search import QueryTooVague, TopicHit, TopicSearch

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_CHOICE_CHARS = 100  # Discord's limit for an autocomplete choice's name
SPEAKER_CUTOFF = 85.0  # rapidfuzz WRatio: a typed speaker resolves to a name at least this close
SUGGEST_CUTOFF = 60.0  # ... and is suggested when at least this close
CHOICE_CUTOFF = 70.0  # ... and offered while being typed
TOPIC_NOTES = 3  # the topic's best notes (when the lookup is confident) whose quotes match
TOPIC_SHARE = 0.8  # ... each scoring at least this share of the best
SUGGESTIONS = 5
RECHECK_SECONDS = 1.0  # how often autocomplete checks the cache's token


class QuotesNotBuilt(NotesLoading):
    """The cache holds no quote tables yet (built by the next sync of the cache)."""


@dataclass(slots=True)
class _Group:
    """The identities of one name (in a channel, or across channels): what is offered."""

    name: str
    key: str  # of the name
    channels: set[str] = field(default_factory=set)
    quotes: int = 0
    keys: set[str] = field(default_factory=set)  # of its names and aliases
    best: int = 0  # quotes of the identity that gives the name


class Speakers:
    """The speakers with quotes of one state of the cache (rows of ``LOAD_SPEAKERS``)."""

    def __init__(self, token: tuple[int, int, int], rows: list[Any]) -> None:
        self.token = token
        by_key: dict[str, _Group] = {}
        self.by_channel: dict[str, list[_Group]] = {}
        for _, channel, name, key, quotes, aliases in rows:
            keys = {key, *json.loads(aliases or "[]")}
            self.by_channel.setdefault(channel, []).append(
                _Group(name, key, {channel}, quotes, keys, quotes))
            group = by_key.setdefault(key, _Group(name, key))
            if quotes > group.best:
                group.name, group.best = name, quotes
            group.channels.add(channel)
            group.quotes += quotes
            group.keys |= keys
        self.groups = list(by_key.values())

    def ranked(self, typed: str, channel: str | None, cutoff: float) -> list[tuple[float, _Group]]:
        """The names closest to ``typed``, best first: a name or alias that is the text
        typed, then one that starts with it, then one with a word that does, then close
        spellings (rapidfuzz); more quotes first among equals."""
        from rapidfuzz import fuzz

        groups = self.by_channel.get(channel, []) if channel else self.groups
        key = name_key(typed)
        if not key:
            return [(0.0, g) for g in sorted(groups, key=lambda g: (-g.quotes, g.name))]
        scored = []
        for group in groups:
            best = 0.0
            for k in group.keys:
                if k == key:
                    best = 400.0
                    break
                if k.startswith(key):
                    best = max(best, 300.0 + len(key) / len(k))
                elif f" {key}" in f" {k}":
                    best = max(best, 200.0 + len(key) / len(k))
                elif len(key) >= 3:
                    score = max(fuzz.WRatio(key, k), fuzz.ratio(key, k[: len(key)]))
                    if score >= cutoff:
                        best = max(best, score)
            if best:
                scored.append((best, group))
        scored.sort(key=lambda item: (-item[0], -item[1].quotes, item[1].name))
        return scored

    def resolve(self, typed: str, channel: str | None) -> tuple[str, list[str]] | None:
        """A typed speaker (matched over names and aliases) as (the name it resolves to,
        the key of that name: its identities, one per channel, are the person), or
        ``None`` when no name is close enough."""
        ranked = self.ranked(typed, channel, SPEAKER_CUTOFF)
        if not ranked or (ranked[0][0] < 400 and len(name_key(typed)) < 3):
            return None  # (nothing close, or a letter or two that only starts names)
        group = ranked[0][1]
        return group.name, [group.key]


@dataclass(slots=True)
class _Ask:
    """The filters of one pick, resolved."""

    channel: str | None
    attributed: bool
    speaker_keys: list[str] = field(default_factory=list)
    note_ids: list[int] = field(default_factory=list)
    match: str = ""
    any_match: str = ""  # any of the topic's words (for suggestions)
    lookup: list[TopicHit] = field(default_factory=list)  # the topic's hits, for suggestions

    def params(self) -> dict[str, Any]:
        return {"channel": self.channel, "speaker_keys": json.dumps(self.speaker_keys),
                "note_ids": json.dumps(self.note_ids), "match": self.match}


class QuoteService:
    """Quotes over one cache; ``topics`` resolves topics, notes and channels."""

    def __init__(self, cache: NotesCache, topics: TopicSearch, *,
                 rng: random.Random | None = None) -> None:
        self.cache = cache
        self.topics = topics
        self.rng = rng or random.Random()
        self._speakers: Speakers | None = None
        self._lock = asyncio.Lock()
        self._pending: asyncio.Task[None] | None = None
        self._checked_at = 0.0
        self.pools = QuotePools(self)  # the quote of the day's pools, by stable key

    # ------------------------------------------------------------------ pick

    async def pick(self, *, speaker: str | None = None, topic: str | None = None,
                   channel: str | None = None, exclude: Collection[int] = (),
                   attributed: bool = False) -> QuotePick:
        """A random quote that matches every filter given.

        ``speaker``: a name as typed (misspelt, a surname, an alias) or a choice of
        :meth:`speakers`; ``topic``: words, a title or a ``channel/slug`` value;
        ``channel``: a key, folder or display name (``ValueError`` when there is no such
        channel). ``exclude``: the ids shown recently, **oldest first**: none is picked
        while another quote matches; when every match is among them, the one shown
        longest ago is. With a speaker (or ``attributed``) only attributed quotes match.
        Nothing matched: ``quote`` is ``None``, with speakers and note titles that do
        have quotes (on the topic, by the speaker, or closest to what was typed)."""
        speaker = clean_user_text(speaker or "", 200) or None
        topic = clean_user_text(topic or "", 400) or None
        ask = _Ask(await self._channel_key(channel), attributed)
        answer = QuotePick(None, 0)
        speakers = await self._current_speakers()
        if speaker is not None:
            found = speakers.resolve(speaker, ask.channel) if speakers else None
            if found is not None:
                answer.speaker, ask.speaker_keys = found
        if topic is not None:
            result = await self.topics.lookup(topic, channel, limit=SUGGESTIONS * 4)
            ask.lookup = result.hits
            if result.confident and result.best is not None:
                floor = result.best.score * TOPIC_SHARE
                ask.note_ids = [h.note_id for h in result.hits[:TOPIC_NOTES] if h.score >= floor]
                answer.topic = result.best.title
            ask.match, ask.any_match = _match_expression(topic), _match_expression(topic, "or")
        resolved = (speaker is None or ask.speaker_keys) and (
            topic is None or ask.note_ids or ask.match)
        order = {quote_id: n for n, quote_id in enumerate(exclude)}
        if resolved:
            nothing: tuple[int, Quote | None] = (0, None)
            answer.matches, answer.quote = await self._read(
                lambda con: self._choose(con, ask, order), nothing)
        if answer.quote is None:
            answer.matches = 0
            await self._suggest(answer, ask, speaker, speakers)
        return answer

    def _choose(self, con: sqlite3.Connection, ask: _Ask,
                order: dict[int, int]) -> tuple[int, Quote | None]:
        query = sql.pick_query(attributed=ask.attributed, channel=ask.channel is not None,
                               speaker=bool(ask.speaker_keys), notes=bool(ask.note_ids),
                               text=bool(ask.match))
        ids = [row[0] for row in con.execute(query, ask.params())]
        if not ids:
            return 0, None
        fresh = [i for i in ids if i not in order]
        chosen = self.rng.choice(fresh) if fresh else min(ids, key=order.__getitem__)
        cursor = con.cursor()
        cursor.row_factory = sqlite3.Row
        row = cursor.execute(sql.QUOTE_BY_ID, {"id": chosen}).fetchone()
        return len(ids), (_quote(row) if row is not None else None)

    async def _suggest(self, answer: QuotePick, ask: _Ask, typed: str | None,
                       speakers: Speakers | None) -> None:
        """What to offer when nothing matched: the speakers with quotes on the topic (else
        the names closest to the one typed), and the notes with the speaker's quotes (else
        the topic's notes that have quotes)."""
        def read(con: sqlite3.Connection) -> tuple[list[str], list[str]]:
            params = {**ask.params(), "limit": SUGGESTIONS}
            on_topic: list[str] = []
            if ask.note_ids or ask.match:
                on_topic = [r[0] for r in con.execute(sql.speakers_query(
                    channel=ask.channel is not None, notes=bool(ask.note_ids),
                    text=bool(ask.match)), params)]
            if ask.speaker_keys:
                return on_topic, [r[0] for r in con.execute(
                    sql.notes_query(channel=ask.channel is not None), params)]
            ids = json.dumps([h.note_id for h in ask.lookup])
            with_quotes = {r[0] for r in con.execute(sql.NOTES_WITH_QUOTES, {"note_ids": ids})}
            titles = [h.title for h in ask.lookup if h.note_id in with_quotes]
            if not titles and ask.any_match:  # the notes of quotes with some of its words
                titles = [r[0] for r in con.execute(sql.NOTES_BY_WORDS, {
                    "match": ask.any_match, "channel": ask.channel, "limit": SUGGESTIONS})]
            return on_topic, titles

        empty: tuple[list[str], list[str]] = ([], [])
        on_topic, titles = await self._read(read, empty)
        if not on_topic and speakers is not None:
            ranked = (speakers.ranked(typed or "", ask.channel, SUGGEST_CUTOFF)
                      or speakers.ranked("", ask.channel, SUGGEST_CUTOFF))  # (the most quoted)
            on_topic = [g.name for _, g in ranked if g.name != answer.speaker]
        answer.suggest_speakers = [_clip(n) for n in dict.fromkeys(on_topic)][:SUGGESTIONS]
        answer.suggest_topics = [_clip(t) for t in dict.fromkeys(titles)][:SUGGESTIONS]

    # ------------------------------------------------------------------ notes

    async def note_quotes(self, note_id: int) -> list[Quote]:
        """Every quote of a note (no paraphrase), in file order; ``[]`` for an unknown note."""
        def read(con: sqlite3.Connection) -> list[Quote]:
            cursor = con.cursor()
            cursor.row_factory = sqlite3.Row
            return [_quote(r) for r in cursor.execute(sql.NOTE_QUOTES, {"note_id": note_id})]

        return await self._read(read, [])

    async def resolve_note(self, value: str) -> tuple[int, str] | None:
        """A note as ``/quotes note`` takes it (an autocomplete value, ``channel/slug``, or a
        title confidently matched): (note id, title), or ``None``."""
        hit = await self.topics.resolve(clean_user_text(value or "", 400))
        return (hit.note_id, hit.title) if hit is not None else None

    # ------------------------------------------------------------------ speakers

    def speakers(self, prefix: str, channel: str | None = None,
                 limit: int = 25) -> list[SpeakerChoice]:
        """Speakers with quotes for what is being typed, best first, from memory only (no
        database, no await): at most ``limit`` (≤ 25), names of 1-100 characters, each with
        its number of quotes; ``channel`` is ``None`` when the name has quotes in several
        channels (the count is then their sum)."""
        current = self._current_speakers_nowait()
        if current is None:
            return []
        key: str | None = None
        if channel is not None and channel.strip():
            key = self._channel_key_now(channel)
            if not key:
                return []
        ranked = current.ranked(clean_user_text(prefix or "", 200), key, CHOICE_CUTOFF)
        out = []
        for _, group in ranked[: max(0, min(25, limit))]:
            name = _clip(group.name)
            if name:
                one = key or (next(iter(group.channels)) if len(group.channels) == 1 else None)
                out.append(SpeakerChoice(name, one, group.quotes))
        return out

    async def refresh(self, *, force: bool = False) -> None:
        """Load the speakers again when the cache's token moved (or ``force``)."""
        async with self._lock:
            try:
                token = await self.cache.token()
            except Exception as exc:  # a damaged or closing cache: keep what we have
                log.warning("quotes: cannot read the cache's token (%s)", exc)
                return
            current = self._speakers
            if not force and current is not None and current.token == token:
                return
            try:
                rows: list[Any] = await self._read(
                    lambda con: con.execute(sql.LOAD_SPEAKERS).fetchall(), [])
            except NotesLoading:
                rows = []
            self._speakers = Speakers(token, rows)

    async def _current_speakers(self) -> Speakers | None:
        await self.refresh()
        return self._speakers

    def _current_speakers_nowait(self) -> Speakers | None:
        now = time.monotonic()
        if self._speakers is None or now - self._checked_at >= RECHECK_SECONDS:
            self._checked_at = now
            if self._pending is None or self._pending.done():
                with contextlib.suppress(RuntimeError):  # (no loop: nothing to schedule on)
                    self._pending = asyncio.get_running_loop().create_task(self._refresh_quietly())
        return self._speakers

    async def _refresh_quietly(self) -> None:
        try:
            await self.refresh()
        except Exception:
            log.exception("quotes: loading the speakers failed; the previous ones answer")

    async def aclose(self) -> None:
        if self._pending is not None:
            await asyncio.gather(self._pending, return_exceptions=True)

    # ------------------------------------------------------------------ helpers

    async def _channel_key(self, channel: str | None) -> str | None:
        if channel is None or not channel.strip():
            return None
        snap = await self.topics.index.snapshot()
        if not snap.ready:
            raise NotesLoading()
        key = snap.channel_key(channel)
        if not key:
            raise ValueError(f"unknown channel: {channel}")
        return key

    def _channel_key_now(self, channel: str) -> str | None:
        snap = self.topics.index.current()
        return snap.channel_key(channel) if snap is not None and snap.ready else None

    async def _read(self, fn: Callable[[sqlite3.Connection], T], default: T) -> T:
        try:
            return await self.cache.read(fn, default)
        except CacheDamaged:
            raise NotesLoading() from None
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                raise QuotesNotBuilt() from None
            raise


def _match_expression(topic: str, mode: str = "and") -> str:
    """The topic's words as a full-text expression over the quotes (every word needed, or
    any with ``mode="or"``)."""
    from bot.search.query import match_expression, prepare_query
    from bot.search.text import STOPWORDS

    try:
        prepared = prepare_query(topic)
    except QueryTooVague:
        return ""
    words = [w for w in prepared.words if w not in STOPWORDS] or prepared.words
    return match_expression([[w] for w in words], mode=mode)


def _clip(text: str) -> str:
    text = clean_user_text(text or "")
    return text if len(text) <= MAX_CHOICE_CHARS else text[: MAX_CHOICE_CHARS - 1] + "…"


def _quote(row: sqlite3.Row) -> Quote:
    return Quote(
        quote_id=row["id"], note_id=row["note_id"], channel=row["channel"],
        channel_name=row["channel_name"], slug=row["slug"], note_title=row["title"],
        section_index=row["section_idx"], section_heading=row["heading"] or None,
        line=row["line"], text=row["text"], speaker=row["speaker"],
        speaker_as_written=row["speaker_written"], role=row["role"], seconds=row["seconds"],
        moment=row["moment"], repaired=bool(row["repaired"]), video_id=row["video_id"],
        episode_title=row["episode_title"])
