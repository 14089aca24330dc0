"""The statements of the search service, with named parameters.

Read in worker threads on read-only connections. User text never reaches these statements
as SQL, and reaches ``:query`` only as the expression built by
:func:`bot.search.query.match_expression` (every word double-quoted). The statements that
create and fill the search's own tables in the cache are in :mod:`bot.search.tables`.
"""

from __future__ import annotations

from bot.cache.sql import SCHEMA_VERSION, SECTION_STRIDE

__all__ = ["SCHEMA_VERSION", "SECTION_STRIDE"]

# --------------------------------------------------------------------------- snapshot load
# Read once per cache generation, in a worker thread, on a read-only connection.

READ_USER_VERSION = "PRAGMA user_version"
LOAD_NOTES = """
SELECT id, channel, slug, slug_key, title, video_id, sections
FROM notes
ORDER BY id
"""
# the headings of the notes from :first_id on (0: all)
LOAD_HEADINGS = f"""
SELECT id, note_id, idx, heading
FROM sections
WHERE heading != '' AND id >= :first_id * {SECTION_STRIDE}
ORDER BY id
"""
# the text of the sections of the notes from :first_id on (their words, for the vocabulary)
LOAD_SECTION_TEXT = f"""
SELECT title, heading, body FROM section_search WHERE id >= :first_id * {SECTION_STRIDE}
"""
LOAD_CHANNELS = "SELECT channel, folder, display_name FROM channels"
LOAD_EPISODES = "SELECT channel, video_id, title FROM episodes"
# Link labels ("[[quantum_tunneling | why barriers leak]]"): how other notes name a note.
LOAD_ANCHORS = """
SELECT notes.channel, links.target_key, links.label, MIN(links.note_id) AS source
FROM links JOIN notes ON notes.id = links.note_id
WHERE links.label != '' AND links.note_id >= :first_id
GROUP BY notes.channel, links.target_key, links.label
"""
# How many notes link to each key: the most linked-to notes are offered first when the
# autocomplete field is still empty.
INBOUND_LINKS = """
SELECT target_key, COUNT(DISTINCT note_id) AS notes
FROM links
GROUP BY target_key
ORDER BY notes DESC
LIMIT :limit
"""
# fts5vocab reads the index's term list: (term, number of rows that hold it).
CREATE_VOCABULARY = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_vocabulary "
    "USING fts5vocab(main, search, row)"
)
LOAD_VOCABULARY = "SELECT term, doc FROM temp.search_vocabulary"
VOCABULARY_TERM = "SELECT doc FROM temp.search_vocabulary WHERE term = :term"

# --------------------------------------------------------------------------- persisted index
# The search's own table in the cache (bot.search.tables.SearchTables, a derived table that
# the cache's writer builds): the in-memory indexes as arrays and strings, by name.

DROP_BLOBS = "DROP TABLE IF EXISTS search_blobs"
CREATE_BLOBS = """
CREATE TABLE search_blobs (
    name  TEXT PRIMARY KEY,
    data  BLOB NOT NULL
) WITHOUT ROWID
"""
INSERT_BLOB = "INSERT INTO search_blobs (name, data) VALUES (:name, :data)"
HAS_BLOBS = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_blobs'"
BLOB = "SELECT data FROM search_blobs WHERE name = :name"
NOTES_AFTER = "SELECT COUNT(*) FROM notes WHERE id > :max_id"
NOTES_UP_TO = "SELECT COUNT(*) FROM notes WHERE id <= :max_id"

# The search's own read-only connections: never write, keep hot index pages in memory.
READER_PRAGMAS = (
    "PRAGMA query_only = 1",
    "PRAGMA cache_size = -4000",  # 4 MB each (the OS caches the file too)
    "PRAGMA temp_store = MEMORY",
)

# --------------------------------------------------------------------------- full text
# bm25() with one weight per column (title, heading, body); lower is better.
# :first_id/:last_id bound the rowids (section ids) to a note-id range: a cheap pre-filter
# for a channel (its notes' ids are mostly contiguous); the exact channel filter is
# applied to the notes afterwards.

FTS_RANKED = """
SELECT rowid AS id, bm25(search, :w_title, :w_heading, :w_body) AS score
FROM search
WHERE search MATCH :query AND rowid BETWEEN :first_id AND :last_id
ORDER BY score
LIMIT :limit
"""

# The body's best fragment of each section in :ids (a JSON array of rowids, from
# FTS_RANKED), matched words between :open and :close. Only those rows are snippeted.
FTS_SNIPPETS = """
SELECT rowid AS id, snippet(search, 2, :open, :close, :ellipsis, :tokens) AS snippet
FROM search
WHERE search MATCH :query AND rowid IN (SELECT value FROM json_each(:ids))
"""

# --------------------------------------------------------------------------- related notes

LINKS_OUT = """
SELECT target_key, MIN(section_idx) AS section_idx, COUNT(*) AS times
FROM links
WHERE note_id = :note_id
GROUP BY target_key
ORDER BY MIN(rowid)
"""
LINKS_IN = """
SELECT note_id, COUNT(*) AS times
FROM links
WHERE target_key = :slug_key AND note_id != :note_id
GROUP BY note_id
ORDER BY note_id
"""

# Each word's rows (:term0, :term1, ...: quoted FTS5 strings) within a note-id range, in
# one statement of one row: per word one string, "<ids>|<ids>", the note id of each section
# other than a note's opening that holds the word, then of each note whose opening section
# holds it, comma-separated (:mod:`bot.search.note_scores` counts them). Reading a word
# walks its doclist, so callers pass at most MAX_NOTE_WORDS words whose rows are few.
MAX_NOTE_WORDS = 8
_WORD_NOTES = f"""(
SELECT coalesce(group_concat(CASE WHEN rowid % {SECTION_STRIDE} != 0
                             THEN rowid / {SECTION_STRIDE} END), '')
       || '|' ||
       coalesce(group_concat(CASE WHEN rowid % {SECTION_STRIDE} = 0
                             THEN rowid / {SECTION_STRIDE} END), '')
FROM search
WHERE search MATCH :term{{i}} AND rowid BETWEEN :first_id AND :last_id
)"""


def word_notes(words: int) -> str:
    """The statement that reads ``words`` words (1 to :data:`MAX_NOTE_WORDS`)."""
    if not 1 <= words <= MAX_NOTE_WORDS:
        raise ValueError(f"word_notes: {words} words")
    return "SELECT " + ",\n".join(_WORD_NOTES.format(i=i) for i in range(words))
