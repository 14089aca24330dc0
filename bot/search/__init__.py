"""Finding notes: topic lookup and autocomplete, full-text search, related notes.

Importers use the names below (``from bot.search import TopicSearch, LookupResult``); the
modules inside the package may move.
"""

from bot.search.service import (
    ChannelInfo,
    Choice,
    LookupResult,
    NoteRef,
    QueryTooVague,
    Related,
    SearchHit,
    TopicHit,
    TopicSearch,
)

__all__ = [
    "ChannelInfo",
    "Choice",
    "LookupResult",
    "NoteRef",
    "QueryTooVague",
    "Related",
    "SearchHit",
    "TopicHit",
    "TopicSearch",
]
