"""Every SQL statement Notecast runs, in one place, with named parameters.

The notes cache is *derived data*: when :data:`SCHEMA_VERSION` changes, the cache file is
rebuilt from the vault rather than migrated. Section ids are ``note_id * SECTION_STRIDE +
index`` so that a parse worker can produce finished rows without asking the database.
"""

from __future__ import annotations

SCHEMA_VERSION = 4
SECTION_STRIDE = 4096  # more than parsing.MAX_SECTIONS

CONNECTION_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = OFF",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA temp_store = MEMORY",
)
# A cold build writes a new file nobody reads yet: no journal, no fsync until the end.
BUILD_PRAGMAS = (
    "PRAGMA journal_mode = OFF",
    "PRAGMA synchronous = OFF",
    "PRAGMA cache_size = -16000",
    "PRAGMA temp_store = MEMORY",
)

SCHEMA = """
CREATE TABLE files (
    path      TEXT PRIMARY KEY,   -- relative to the vault, with '/'
    size      INTEGER NOT NULL,
    mtime_ns  INTEGER NOT NULL,
    hash      BLOB,
    kind      TEXT NOT NULL,      -- note | hub | directory | skipped
    note_id   INTEGER,
    reason    TEXT,               -- why it was skipped, or warnings for an indexed note
    channel   TEXT
) WITHOUT ROWID;

CREATE TABLE channels (
    channel       TEXT PRIMARY KEY,  -- folder name, invisible marks dropped, case folded
    folder        TEXT NOT NULL,     -- the folder as it is on disk
    display_name  TEXT,              -- from directory.md or the hub's title
    hub_path      TEXT
) WITHOUT ROWID;

CREATE TABLE episodes (
    channel   TEXT NOT NULL,
    video_id  TEXT NOT NULL,
    title     TEXT NOT NULL,
    url       TEXT NOT NULL,
    hub_path  TEXT NOT NULL,
    position  INTEGER NOT NULL,
    PRIMARY KEY (channel, video_id)
) WITHOUT ROWID;

CREATE TABLE notes (
    id        INTEGER PRIMARY KEY,
    channel   TEXT NOT NULL,
    slug      TEXT NOT NULL,
    slug_key  TEXT NOT NULL,
    title     TEXT NOT NULL,
    video_id  TEXT,
    path      TEXT NOT NULL,
    intro     TEXT NOT NULL,        -- the opening words, for lists and autocomplete
    sections  INTEGER NOT NULL,
    stamps    INTEGER NOT NULL,
    repaired  INTEGER NOT NULL      -- timestamps read as MM:SS (flagged)
);

CREATE TABLE sections (
    id       INTEGER PRIMARY KEY,
    note_id  INTEGER NOT NULL,
    idx      INTEGER NOT NULL,
    level    INTEGER NOT NULL,
    heading  TEXT NOT NULL,
    body     TEXT NOT NULL
);

CREATE TABLE links (
    note_id      INTEGER NOT NULL,
    section_idx  INTEGER NOT NULL,
    target       TEXT NOT NULL,
    target_key   TEXT NOT NULL,
    label        TEXT NOT NULL
);

CREATE TABLE timestamps (
    note_id      INTEGER NOT NULL,
    section_idx  INTEGER NOT NULL,
    offset       INTEGER NOT NULL,
    seconds      INTEGER NOT NULL,
    repaired     INTEGER NOT NULL,
    PRIMARY KEY (note_id, section_idx, offset, seconds)
) WITHOUT ROWID;

CREATE TABLE blockquotes (
    note_id      INTEGER NOT NULL,
    section_idx  INTEGER NOT NULL,
    text         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    attribution  TEXT,
    seconds      INTEGER,
    in_code      INTEGER NOT NULL
);

CREATE TABLE sync_state (
    key    TEXT PRIMARY KEY,
    value  TEXT
) WITHOUT ROWID;

CREATE VIEW section_search AS
    SELECT s.id AS id, n.title AS title, s.heading AS heading, s.body AS body
    FROM sections AS s JOIN notes AS n ON n.id = s.note_id;

CREATE VIRTUAL TABLE search USING fts5(
    title, heading, body,
    content = 'section_search', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
"""

# Indexes are made after a cold build's bulk insert (faster than keeping them up to date).
INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS notes_by_key ON notes (channel, slug)",
    "CREATE INDEX IF NOT EXISTS notes_by_slug_key ON notes (slug_key)",
    "CREATE INDEX IF NOT EXISTS notes_by_video ON notes (video_id)",
    "CREATE INDEX IF NOT EXISTS links_by_note ON links (note_id)",
    "CREATE INDEX IF NOT EXISTS links_by_target ON links (target_key)",
    "CREATE INDEX IF NOT EXISTS blockquotes_by_note ON blockquotes (note_id)",
)

# --------------------------------------------------------------------------- writes

INSERT_FILE = """
INSERT OR REPLACE INTO files (path, size, mtime_ns, hash, kind, note_id, reason, channel)
VALUES (:path, :size, :mtime_ns, :hash, :kind, :note_id, :reason, :channel)
"""
UPDATE_FILE_STAT = "UPDATE files SET size = :size, mtime_ns = :mtime_ns WHERE path = :path"
DELETE_FILE = "DELETE FROM files WHERE path = :path"

# Bulk rows (a cold build writes about a million) travel from the parse workers as
# tuples in the order of these column lists: the one place where SQL takes positional
# parameters, because building and pickling a dict per row costs seconds.
NOTE_COLUMNS = ("id", "channel", "slug", "slug_key", "title", "video_id", "path", "intro",
                "sections", "stamps", "repaired")
SECTION_COLUMNS = ("id", "note_id", "idx", "level", "heading", "body")
LINK_COLUMNS = ("note_id", "section_idx", "target", "target_key", "label")
TIMESTAMP_COLUMNS = ("note_id", "section_idx", "offset", "seconds", "repaired")
BLOCKQUOTE_COLUMNS = ("note_id", "section_idx", "text", "kind", "attribution", "seconds",
                      "in_code")


def _bulk_insert(table: str, columns: tuple[str, ...]) -> str:
    return (f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})")


INSERT_NOTE = _bulk_insert("notes", NOTE_COLUMNS)
INSERT_SECTION = _bulk_insert("sections", SECTION_COLUMNS)
INSERT_LINK = _bulk_insert("links", LINK_COLUMNS)
INSERT_TIMESTAMP = _bulk_insert("timestamps", TIMESTAMP_COLUMNS)
INSERT_BLOCKQUOTE = _bulk_insert("blockquotes", BLOCKQUOTE_COLUMNS)
# The FTS index reads its columns through the section_search view.
INDEX_NOTE_SECTIONS = """
INSERT INTO search (rowid, title, heading, body)
SELECT id, title, heading, body FROM section_search
WHERE id BETWEEN :note_id * 4096 AND :note_id * 4096 + 4095
""".replace("4096", str(SECTION_STRIDE)).replace("4095", str(SECTION_STRIDE - 1))
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
INDEX_ALL_SECTIONS = """
INSERT INTO search (rowid, title, heading, body)
SELECT id, title, heading, body FROM section_search
"""
UNINDEX_NOTE_SECTIONS = """
INSERT INTO search (search, rowid, title, heading, body)
SELECT 'delete', id, title, heading, body FROM section_search
WHERE id BETWEEN :note_id * 4096 AND :note_id * 4096 + 4095
""".replace("4096", str(SECTION_STRIDE)).replace("4095", str(SECTION_STRIDE - 1))
DELETE_NOTE_ROWS = (
    f"DELETE FROM sections WHERE id BETWEEN :note_id * {SECTION_STRIDE}"
    f" AND :note_id * {SECTION_STRIDE} + {SECTION_STRIDE - 1}",
    "DELETE FROM links WHERE note_id = :note_id",
    "DELETE FROM timestamps WHERE note_id = :note_id",
    "DELETE FROM blockquotes WHERE note_id = :note_id",
    "DELETE FROM notes WHERE id = :note_id",
)
OPTIMIZE_SEARCH = "INSERT INTO search (search) VALUES ('optimize')"
# A bulk build keeps 8 MB of index in memory between flushes and does not merge as it
# goes: it ends with a handful of large segments, as fast to query as one 'optimize'd
# segment, for a fraction of the work.
BULK_SEARCH_SETTINGS = (
    "INSERT INTO search (search, rank) VALUES ('automerge', 0)",
    "INSERT INTO search (search, rank) VALUES ('crisismerge', 2000)",
    "INSERT INTO search (search, rank) VALUES ('hashsize', 8388608)",
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
INSERT INTO channels (channel, folder, display_name, hub_path)
VALUES (:channel, :folder, :display_name, :hub_path)
ON CONFLICT (channel) DO UPDATE SET
    folder = excluded.folder,
    display_name = COALESCE(excluded.display_name, channels.display_name),
    hub_path = COALESCE(excluded.hub_path, channels.hub_path)
"""
SET_CHANNEL_DISPLAY_NAME = """
UPDATE channels SET display_name = :display_name WHERE channel = :channel
"""
INSERT_EPISODE = """
INSERT OR REPLACE INTO episodes (channel, video_id, title, url, hub_path, position)
VALUES (:channel, :video_id, :title, :url, :hub_path, :position)
"""
DELETE_HUB_EPISODES = "DELETE FROM episodes WHERE hub_path = :hub_path"
CLEAR_HUB = "UPDATE channels SET hub_path = NULL WHERE hub_path = :hub_path"
DELETE_EMPTY_CHANNELS = """
DELETE FROM channels
WHERE hub_path IS NULL AND channel NOT IN (SELECT DISTINCT channel FROM notes)
"""
SET_STATE = """
INSERT INTO sync_state (key, value) VALUES (:key, :value)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
"""

# --------------------------------------------------------------------------- reads

GET_STATE = "SELECT key, value FROM sync_state"
FILE_STATS = "SELECT path, size, mtime_ns, hash, kind, note_id, reason FROM files"
NEXT_NOTE_ID = "SELECT COALESCE(MAX(id), 0) + 1 FROM notes"
NOTE_ID_BY_KEY = "SELECT id FROM notes WHERE channel = :channel AND slug = :slug"
FILE_BY_PATH = "SELECT kind, note_id FROM files WHERE path = :path"

# Sections and timestamps are summed from the per-note counts: counting 800k timestamp
# rows would cost more than the rest of a one-note sync.
COUNTS = """
SELECT
    (SELECT COUNT(*) FROM notes) AS notes,
    (SELECT COUNT(*) FROM channels) AS channels,
    (SELECT COUNT(*) FROM files WHERE kind = 'hub') AS hubs,
    (SELECT COUNT(*) FROM episodes) AS episodes,
    (SELECT COALESCE(SUM(sections), 0) FROM notes) AS sections,
    (SELECT COUNT(*) FROM links) AS links,
    (SELECT COALESCE(SUM(stamps), 0) FROM notes) AS timestamps,
    (SELECT COALESCE(SUM(repaired), 0) FROM notes) AS repaired_timestamps,
    (SELECT COUNT(*) FROM blockquotes) AS blockquotes
"""
SKIPPED_FILES = "SELECT path, reason FROM files WHERE kind IN ('skipped', 'ignored') ORDER BY path"
FILE_KIND_COUNTS = "SELECT kind, COUNT(*) FROM files GROUP BY kind"

# --------------------------------------------------------------------------- one note

NOTE_CARD = """
SELECT n.id, n.channel, n.slug, n.title, n.video_id, n.path, n.intro,
       COALESCE(c.display_name, n.channel) AS channel_name,
       COALESCE(e.title, (SELECT other.title FROM episodes AS other
                          WHERE other.video_id = n.video_id LIMIT 1)) AS episode_title
FROM notes AS n
LEFT JOIN channels AS c ON c.channel = n.channel
LEFT JOIN episodes AS e ON e.channel = n.channel AND e.video_id = n.video_id
WHERE n.id = :note_id
"""
NOTE_SECTIONS = f"""
SELECT s.idx, s.level, s.heading, s.body,
       (SELECT t.seconds FROM timestamps AS t
        WHERE t.note_id = :note_id AND t.section_idx = s.idx
        ORDER BY t.offset LIMIT 1) AS first_seconds
FROM sections AS s
WHERE s.id BETWEEN :note_id * {SECTION_STRIDE} AND :note_id * {SECTION_STRIDE} + {SECTION_STRIDE - 1}
ORDER BY s.idx
"""
SECTION_TIMESTAMPS = """
SELECT offset, seconds, repaired FROM timestamps
WHERE note_id = :note_id AND section_idx = :section_idx
ORDER BY offset
"""
