"""Finding notes: topic lookup and autocomplete (``TopicSearch``), full-text search
(``FullTextSearch``), related notes (``RelatedNotes``), on one shared snapshot
(``SearchIndex``), persisted in the cache by ``SearchTables`` (a derived table:
``NotesCache(path, derived=[SearchTables()])``).

Importers use the names below (``from bot.search import TopicSearch, LookupResult``); the
modules inside the package may move.
"""

from bot.search.fulltext import FullTextSearch
from bot.search.holder import SearchIndex
from bot.search.query import MAX_QUERY_CHARS
from bot.search.records import (
    ChannelInfo,
    Choice,
    LookupResult,
    NoteRef,
    QueryTooVague,
    RankingWeights,
    Related,
    SearchHit,
    TopicHit,
)
from bot.search.related import RelatedNotes
from bot.search.tables import SearchTables
from bot.search.topics import TopicSearch

__all__ = [
    "MAX_QUERY_CHARS",
    "ChannelInfo",
    "Choice",
    "FullTextSearch",
    "LookupResult",
    "NoteRef",
    "QueryTooVague",
    "RankingWeights",
    "Related",
    "RelatedNotes",
    "SearchHit",
    "SearchIndex",
    "SearchTables",
    "TopicHit",
    "TopicSearch",
]
