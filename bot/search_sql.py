"""SQL for topic search (:mod:`bot.topic_search`), with named parameters only.

Kept apart from :mod:`bot.sql` for now so the two can be edited side by side; it is meant
to be merged into that module. Nothing here writes to the cache: the ``temp.`` vocabulary
table lives in the reading connection's own temporary schema, never in the cache file.

User text never reaches these statements as SQL, and reaches ``:query`` only as the
expression built by :func:`bot.topic_search.match_expression` (every word double-quoted).
"""

from __future__ import annotations

# --------------------------------------------------------------------------- snapshot load
# Read once per cache generation, in a worker thread, on a read-only connection.

SCHEMA_VERSION = "PRAGMA user_version"
LOAD_NOTES = """
SELECT id, channel, slug, slug_key, title, video_id
FROM notes
ORDER BY id
"""
LOAD_HEADINGS = """
SELECT id, note_id, idx, heading
FROM sections
WHERE heading != ''
ORDER BY id
"""
LOAD_CHANNELS = "SELECT channel, folder, display_name FROM channels"
LOAD_EPISODES = "SELECT channel, video_id, title, url FROM episodes"
COUNT_SECTIONS = "SELECT COUNT(*) FROM sections"
# fts5vocab reads the index's term list: (term, number of rows that hold it).
CREATE_VOCABULARY = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_vocabulary "
    "USING fts5vocab(main, search, row)"
)
LOAD_VOCABULARY = "SELECT term, doc FROM temp.search_vocabulary"

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

# The body column's best fragment, matched words between :open and :close.
FTS_SNIPPETS = """
SELECT rowid AS id, bm25(search, :w_title, :w_heading, :w_body) AS score,
       snippet(search, 2, :open, :close, :ellipsis, :tokens) AS snippet
FROM search
WHERE search MATCH :query AND rowid BETWEEN :first_id AND :last_id
ORDER BY score
LIMIT :limit OFFSET :offset
"""

# A section's opening text, for hits whose words matched only its title or heading.
SECTION_OPENING = """
SELECT substr(body, 1, :chars) AS opening FROM sections WHERE id = :section_id
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
