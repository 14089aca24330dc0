"""The services that commands use, built once by ``main()`` and handed to the bot.

Nothing here imports Discord: the console, the command line and the tests use the same
objects as the bot does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.cache.background import VaultSync
from bot.cache.store import NotesCache
from bot.config import Settings
from bot.errors import NotesUnavailable
from bot.notes.reader import NoteReader
from bot.quotes.service import QuoteService
from bot.search import FullTextSearch, RelatedNotes, SearchIndex, TopicSearch
from bot.state.store import StateStore
from bot.summaries.choose import build_summarizer
from bot.summaries.extractive import ExtractiveSummarizer
from bot.summaries.service import SummaryService
from bot.summaries.weights import VaultWeights

if TYPE_CHECKING:  # (a lookup on the command line never builds it: no import there)
    from bot.schedule.service import QotdService


@dataclass
class Services:
    settings: Settings
    cache: NotesCache
    vault_sync: VaultSync
    topics: TopicSearch
    notes: NoteReader
    fulltext: FullTextSearch
    related: RelatedNotes
    quotes: QuoteService
    summaries: SummaryService
    state: StateStore | None = None  # the durable state database (opened by main())
    qotd: QotdService | None = None  # the quote of the day (only with a state database)
    syncs: bool = True  # False: a read-only lookup, answered from what the cache holds

    @classmethod
    def build(cls, settings: Settings, cache: NotesCache, *, syncs: bool = True,
              state: StateStore | None = None) -> Services:
        index = SearchIndex(cache)  # one snapshot for the three search services
        topics = TopicSearch(cache, index=index)
        quotes = QuoteService(cache, topics)  # (its speakers loaded after each sync too)
        return cls(
            settings=settings,
            cache=cache,
            vault_sync=VaultSync(cache, settings.notes_dir, settings.resync_minutes,
                                 after_sync=[topics.refresh, quotes.refresh]),
            topics=topics,
            notes=NoteReader(cache),
            fulltext=FullTextSearch(index),
            related=RelatedNotes(index),
            quotes=quotes,
            summaries=SummaryService(cache, topics, summarizer=build_summarizer(
                settings, state, ExtractiveSummarizer(VaultWeights(topics.index).current))),
            state=state,
            qotd=_qotd(settings, state, quotes),
            syncs=syncs,
        )

    async def require_ready(self) -> None:
        if not self.syncs:  # nothing to wait for: the cache holds what there is
            if not await self.cache.is_ready():
                raise NotesUnavailable()
            return
        await self.vault_sync.require_ready()


def _qotd(settings: Settings, state: StateStore | None,
          quotes: QuoteService) -> QotdService | None:
    """The quote of the day's engine over the state database, with its settings."""
    if state is None:
        return None
    from bot.schedule.records import Shards
    from bot.schedule.service import QotdService

    shards = None
    if settings.shard_count:
        ids = settings.shard_ids if settings.shard_ids is not None else tuple(
            range(settings.shard_count))
        shards = Shards(settings.shard_count, tuple(ids))
    return QotdService(state, quotes, late_posts=settings.qotd_late_posts,
                       max_failures=settings.qotd_max_failures,
                       posts_per_second=settings.qotd_posts_per_second, shards=shards)
