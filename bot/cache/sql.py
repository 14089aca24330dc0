"""Every SQL statement the notes cache runs, in one place, with named parameters.

The schema itself (tables, version, marker, pragmas) is in :mod:`bot.cache.schema`; its
names are re-exported here for the modules that read both.
"""

from __future__ import annotations

from bot.cache.schema import (
    APPLICATION_ID,
    BUILD_PRAGMAS,
    CHILD_TABLES,
    CONNECTION_PRAGMAS,
    INDEXES,
    NOTE_SECTION_IDS,
    SCHEMA,
    SCHEMA_VERSION,
    SECTION_STRIDE,
)

__all__ = [
    "APPLICATION_ID",
    "BUILD_PRAGMAS",
    "CHILD_TABLES",
    "CONNECTION_PRAGMAS",
    "INDEXES",
    "NOTE_SECTION_IDS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "SECTION_STRIDE",
]

# --------------------------------------------------------------------------- writes

INSERT_FILE = """
INSERT OR REPLACE INTO files (path, size, mtime_ns, hash, kind, note_id, reason, channel)
VALUES (:path, :size, :mtime_ns, :hash, :kind, :note_id, :reason, :channel)
"""
UPDATE_FILE_STAT = "UPDATE files SET size = :size, mtime_ns = :mtime_ns WHERE path = :path"
DELETE_FILE = "DELETE FROM files WHERE path = :path"

INSERT_NOTE = """
INSERT INTO notes (id, channel, slug, slug_key, title, video_id, path, intro, sections, stamps,
                   repaired)
VALUES (:id, :channel, :slug, :slug_key, :title, :video_id, :path, :intro, :sections, :stamps,
        :repaired)
"""
INSERT_SECTION = """
INSERT INTO sections (id, note_id, idx, level, heading, body, moments)
VALUES (:id, :note_id, :idx, :level, :heading, :body, :moments)
"""
INSERT_LINK = """
INSERT INTO links (note_id, section_idx, target, target_key, label)
VALUES (:note_id, :section_idx, :target, :target_key, :label)
"""
INSERT_BLOCKQUOTE = """
INSERT INTO blockquotes (note_id, section_idx, text, kind, attribution, seconds, in_code,
                         line, moment, repaired)
VALUES (:note_id, :section_idx, :text, :kind, :attribution, :seconds, :in_code,
        :line, :moment, :repaired)
"""

# A cold build's parse workers write the child rows of each batch they parse to a part
# file (these tables, and the INSERT_* above), and the writer copies them from there in
# three statements: the half a million rows and 100 MB of text never go through a pipe or
# a Python object in the writer. A part is scratch: no journal, no fsync.
PART_PRAGMAS = (
    "PRAGMA journal_mode = OFF",
    "PRAGMA synchronous = OFF",
)
PART_SCHEMA = CHILD_TABLES
ATTACH_PART = "ATTACH DATABASE :path AS part"
DETACH_PART = "DETACH DATABASE part"
COPY_PART_ROWS = (
    """INSERT INTO main.sections (id, note_id, idx, level, heading, body, moments)
    SELECT id, note_id, idx, level, heading, body, moments FROM part.sections ORDER BY id""",
    """INSERT INTO main.links (note_id, section_idx, target, target_key, label)
    SELECT note_id, section_idx, target, target_key, label FROM part.links ORDER BY rowid""",
    """INSERT INTO main.blockquotes (note_id, section_idx, text, kind, attribution, seconds,
                                     in_code, line, moment, repaired)
    SELECT note_id, section_idx, text, kind, attribution, seconds, in_code, line, moment,
           repaired FROM part.blockquotes ORDER BY rowid""",
)

# The FTS index reads its columns through the section_search view.
INDEX_NOTE_SECTIONS = f"""
INSERT INTO search (rowid, title, heading, body)
SELECT id, title, heading, body FROM section_search
WHERE id {NOTE_SECTION_IDS}
"""
# A cold build lists the note id ranges written since the last search-index statement
# (each parse batch is a contiguous range), then indexes them all in one statement.
CREATE_PENDING_NOTES = "CREATE TEMP TABLE pending_notes (first_id INTEGER NOT NULL, last_id INTEGER NOT NULL)"
ADD_PENDING_NOTES = "INSERT INTO temp.pending_notes (first_id, last_id) VALUES (:first_id, :last_id)"
INDEX_PENDING_NOTES = f"""
INSERT INTO search (rowid, title, heading, body)
SELECT v.id, v.title, v.heading, v.body
FROM temp.pending_notes AS p
JOIN section_search AS v
  ON v.id BETWEEN p.first_id * {SECTION_STRIDE} AND p.last_id * {SECTION_STRIDE} + {SECTION_STRIDE - 1}
ORDER BY v.id
"""
CLEAR_PENDING_NOTES = "DELETE FROM temp.pending_notes"
UNINDEX_NOTE_SECTIONS = f"""
INSERT INTO search (search, rowid, title, heading, body)
SELECT 'delete', id, title, heading, body FROM section_search
WHERE id {NOTE_SECTION_IDS}
"""
DELETE_NOTE_ROWS = (
    f"DELETE FROM sections WHERE id {NOTE_SECTION_IDS}",
    "DELETE FROM links WHERE note_id = :note_id",
    "DELETE FROM blockquotes WHERE note_id = :note_id",
    "DELETE FROM notes WHERE id = :note_id",
)
# A bulk build keeps up to 16 MB of index in memory, enough for a whole search chunk (a
# flush in the middle of one costs a fifth more work), and does not merge as it goes: it
# ends with a handful of large segments, as fast to query as one 'optimize'd segment, for
# a fraction of the work.
BULK_SEARCH_SETTINGS = (
    "INSERT INTO search (search, rank) VALUES ('automerge', 0)",
    "INSERT INTO search (search, rank) VALUES ('crisismerge', 2000)",
    "INSERT INTO search (search, rank) VALUES ('hashsize', 16777216)",
)
# After a build the index merges only in bounded steps, one per incremental sync, so no
# sync ever pays for merging the whole index (an automatic merge of the build's large
# segments would cost seconds on the first one-note change).
NORMAL_SEARCH_SETTINGS = (
    "INSERT INTO search (search, rank) VALUES ('automerge', 0)",
    "INSERT INTO search (search, rank) VALUES ('crisismerge', 64)",
    "INSERT INTO search (search, rank) VALUES ('hashsize', 1048576)",
)
MERGE_SEARCH_STEP = "INSERT INTO search (search, rank) VALUES ('merge', 64)"

UPSERT_CHANNEL = """
INSERT INTO channels (channel, folder) VALUES (:channel, :folder)
ON CONFLICT (channel) DO UPDATE SET folder = excluded.folder
"""
# A channel is a folder of the vault: one that is gone takes its channel with it.
DELETE_GONE_CHANNELS = "DELETE FROM channels WHERE channel NOT IN (SELECT value FROM json_each(:channels))"
SET_HUB_TITLE = """
UPDATE channels SET hub_title = :hub_title, hub_path = :hub_path WHERE channel = :channel
"""
CLEAR_HUB_TITLE = "UPDATE channels SET hub_title = NULL, hub_path = NULL WHERE hub_path = :hub_path"
CLEAR_LISTED_NAMES = "UPDATE channels SET listed_name = NULL"
SET_LISTED_NAME = "UPDATE channels SET listed_name = :listed_name WHERE channel = :channel"
INSERT_EPISODE = """
INSERT OR REPLACE INTO episodes (channel, video_id, title, url, hub_path, position)
VALUES (:channel, :video_id, :title, :url, :hub_path, :position)
"""
DELETE_HUB_EPISODES = "DELETE FROM episodes WHERE hub_path = :hub_path"
SET_STATE = """
INSERT INTO sync_state (key, value) VALUES (:key, :value)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
"""

DELETE_STATE = "DELETE FROM sync_state WHERE key = :key"
# the generation goes up by one in every transaction that changes what readers see
BUMP_GENERATION = """
INSERT INTO sync_state (key, value) VALUES ('generation', '1')
ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1
"""

# --------------------------------------------------------------------------- reads

GET_STATE = "SELECT key, value FROM sync_state"
GET_STATE_VALUE = "SELECT value FROM sync_state WHERE key = :key"
GET_DERIVED_STATE = "SELECT key, value FROM sync_state WHERE key LIKE 'derived:%'"
# a cache from before the application id is ours if it has our state table and its vault
HAS_STATE_TABLE = "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sync_state'"
FILE_STATS = "SELECT path, size, mtime_ns, kind FROM files"
FILE_DETAILS = """
SELECT path, size, mtime_ns, hash, kind, note_id, reason FROM files
WHERE path IN (SELECT value FROM json_each(:paths))
"""
SKIPPED_NOTES = "SELECT path, reason FROM files WHERE kind = 'skipped'"
NEXT_NOTE_ID = "SELECT COALESCE(MAX(id), 0) + 1 FROM notes"
COUNT_NOTES = "SELECT COUNT(*) FROM notes"  # (through the smallest index)

# Sections and timestamps are summed from the per-note counts: counting 800k timestamp
# rows would cost more than the rest of a one-note sync.
COUNTS = """
SELECT
    n.notes,
    (SELECT COUNT(*) FROM channels) AS channels,
    (SELECT COUNT(*) FROM files WHERE kind = 'hub') AS hubs,
    (SELECT COUNT(*) FROM (SELECT DISTINCT channel, video_id FROM episodes)) AS episodes,
    n.sections,
    (SELECT COUNT(*) FROM links) AS links,
    n.timestamps,
    n.repaired_timestamps,
    (SELECT COUNT(*) FROM blockquotes) AS blockquotes
FROM (SELECT COUNT(*) AS notes, COALESCE(SUM(sections), 0) AS sections,
             COALESCE(SUM(stamps), 0) AS timestamps, COALESCE(SUM(repaired), 0) AS repaired_timestamps
      FROM notes) AS n  -- one pass over the notes
"""
SKIPPED_FILES = "SELECT path, reason FROM files WHERE kind IN ('skipped', 'ignored') ORDER BY path"
FILE_KIND_COUNTS = "SELECT kind, COUNT(*) FROM files GROUP BY kind"

# --------------------------------------------------------------------------- one note

NOTE_CARD = """
SELECT n.id, n.channel, n.slug, n.title, n.video_id, n.path, n.intro,
       COALESCE(c.display_name, n.channel) AS channel_name,
       COALESCE((SELECT e.title FROM episodes AS e
                 WHERE e.channel = n.channel AND e.video_id = n.video_id LIMIT 1),
                (SELECT e.title FROM episodes AS e
                 WHERE e.video_id = n.video_id LIMIT 1)) AS episode_title
FROM notes AS n
LEFT JOIN channels AS c ON c.channel = n.channel
WHERE n.id = :note_id
"""
NOTE_SECTIONS = f"""
SELECT s.idx, s.level, s.heading, s.body,
       json_extract(s.moments, '$[0][1]') AS first_seconds
FROM sections AS s
WHERE s.id {NOTE_SECTION_IDS}
ORDER BY s.idx
"""
SECTION_MOMENTS = f"""
SELECT json_extract(m.value, '$[0]') AS offset, json_extract(m.value, '$[1]') AS seconds,
       json_extract(m.value, '$[2]') AS repaired
FROM sections AS s, json_each(s.moments) AS m
WHERE s.id = :note_id * {SECTION_STRIDE} + :section_idx AND s.note_id = :note_id
ORDER BY m.key
"""
