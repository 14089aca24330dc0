"""The quotes a quote-of-the-day schedule may post, by stable key (no Discord here).

A schedule's **pool** is every attributed quote (never a paraphrase, never an
unattributed one) that passes its speaker and source-channel filters, resolved as
``/quote`` resolves them (a speaker typed with a typo, a surname, an alias; a channel by
key, folder or display name). Each quote is known by
:func:`bot.schedule.rotation.quote_key` (its note's channel and slug and its words), which
survives a rebuild of the cache where quote ids may not.

Pools are kept in memory per state of the cache (its token: file and generation) and
filters: a scheduler's tick asks again and again without reading the cache, and a sync
that changed the notes is seen by the next ask. :meth:`QuotePools.quote_by_key` reads the
quote itself fresh, and checks that the id it read still is that quote.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.notes.text import clean_user_text
from bot.quotes import sql
from bot.quotes.records import Quote
from bot.schedule.rotation import quote_key

if TYPE_CHECKING:
    from bot.quotes.service import QuoteService

log = logging.getLogger(__name__)

SUGGESTIONS = 5
_Token = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class QuotePool:
    """The pool of one set of filters in one state of the cache.

    ``speaker`` is the name the typed speaker resolved to (``None``: no speaker asked, or
    none close enough: then ``speaker_typed`` is set and the pool is empty); ``channel``
    the channel's key (``""``: no such channel, the pool is empty). ``suggest_speakers``:
    when the pool is empty, speakers that do have quotes (in the channel, if one was given)."""

    keys: tuple[str, ...]
    ids: dict[str, int] = field(repr=False)  # key -> quote id in this state of the cache
    speaker_typed: str | None = None
    speaker: str | None = None
    channel_typed: str | None = None
    channel: str | None = None
    suggest_speakers: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: object) -> bool:
        return key in self.ids

    @property
    def speaker_unknown(self) -> bool:
        return self.speaker_typed is not None and self.speaker is None

    @property
    def channel_unknown(self) -> bool:
        return self.channel == ""


class QuotePools:
    """Pools over one :class:`~bot.quotes.service.QuoteService`'s cache (``service.pools``)."""

    def __init__(self, service: QuoteService) -> None:
        self._service = service
        self._token: _Token | None = None
        self._pools: dict[tuple[str | None, str | None], QuotePool] = {}
        self._lock = asyncio.Lock()

    async def pool(self, speaker: str | None = None, channel: str | None = None) -> QuotePool:
        """The pool for a speaker and a source channel as typed (``None``: any)."""
        speaker = clean_user_text(speaker or "", 200) or None
        channel = clean_user_text(channel or "", 200) or None
        async with self._lock:
            token = await self._service.cache.token()
            if token != self._token:
                self._pools.clear()
                self._token = token
            found = self._pools.get((speaker, channel))
            if found is None:
                found = await self._build(speaker, channel)
                self._pools[(speaker, channel)] = found
            return found

    async def pool_keys(self, speaker: str | None = None, channel: str | None = None) -> list[str]:
        return list((await self.pool(speaker, channel)).keys)

    async def quote_by_key(self, key: str, within: QuotePool | None = None) -> Quote | None:
        """The attributed quote with this key in the cache as it is now, or ``None`` (it was
        edited, deleted, or is no longer attributed). ``within``: a pool just read, to look
        in (without asking the cache for its token again)."""
        from bot.quotes.service import _quote

        quote_id = (within if within is not None else await self.pool()).ids.get(key)
        if quote_id is None:
            return None

        def read(con: sqlite3.Connection) -> Quote | None:
            cursor = con.cursor()
            cursor.row_factory = sqlite3.Row
            row = cursor.execute(sql.QUOTE_BY_ID, {"id": quote_id}).fetchone()
            return _quote(row) if row is not None else None

        quote = await self._service._read(read, None)
        if quote is None or quote.speaker is None:
            return None
        if quote_key(quote.channel, quote.slug, quote.text) != key:
            return None  # (a sync between the two reads gave the id to another quote)
        return quote

    async def _build(self, speaker: str | None, channel: str | None) -> QuotePool:
        service = self._service
        channel_key: str | None = None
        if channel is not None:
            try:
                channel_key = await service._channel_key(channel)
            except ValueError:
                return QuotePool((), {}, speaker, None, channel, "")
        resolved: str | None = None
        speaker_keys: list[str] = []
        speakers = await service._current_speakers()
        if speaker is not None:
            found = speakers.resolve(speaker, channel_key) if speakers is not None else None
            if found is not None:
                resolved, speaker_keys = found
        keys: dict[str, int] = {}
        if speaker is None or speaker_keys:
            query = sql.pool_query(channel=channel_key is not None, speaker=bool(speaker_keys))
            params = {"channel": channel_key, "speaker_keys": json.dumps(speaker_keys)}
            rows: list[tuple[int, str, str, str]] = await service._read(
                lambda con: con.execute(query, params).fetchall(), [])
            for quote_id, note_channel, slug, text in rows:
                keys.setdefault(quote_key(note_channel, slug, text), quote_id)
        suggest: tuple[str, ...] = ()
        if not keys and speakers is not None:
            ranked = speakers.ranked(speaker or "", channel_key, 60.0) or speakers.ranked(
                "", channel_key, 60.0)
            suggest = tuple(dict.fromkeys(g.name for _, g in ranked))[:SUGGESTIONS]
        log.debug("quotes: pool of %d for speaker %r, channel %r", len(keys), speaker, channel)
        return QuotePool(tuple(keys), keys, speaker, resolved, channel, channel_key, suggest)

