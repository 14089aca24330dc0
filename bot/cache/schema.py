"""The notes cache's schema: its tables, version, marker and connection settings.

The notes cache is *derived data*: when :data:`SCHEMA_VERSION` changes, the cache file is
rebuilt from the vault rather than migrated. Section ids are ``note_id * SECTION_STRIDE +
index`` so that a parse worker can produce finished rows without asking the database.

Every cache file Notecast creates carries :data:`APPLICATION_ID` in its header (``PRAGMA
application_id``): Notecast opens for writing, deletes or rebuilds only a file that has it
(or a cache from before the marker: application_id 0 with a ``sync_state`` table that
records a ``notes_dir``), so that a mistyped ``--db`` never destroys another file.
"""

from __future__ import annotations

APPLICATION_ID = 0x4E43_4348  # "NCCH": Notecast cache
# 7: parser output changed (wikilinks as words, video ids checked, times not links);
# 8: blockquotes keep their line in the file and whether their moment is their own
SCHEMA_VERSION = 8
SECTION_STRIDE = 4096  # more than parsing.MAX_SECTIONS
# the section ids of note :note_id
NOTE_SECTION_IDS = f"BETWEEN :note_id * {SECTION_STRIDE} AND :note_id * {SECTION_STRIDE} + {SECTION_STRIDE - 1}"

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
    "PRAGMA cache_size = -8000",
    "PRAGMA temp_store = MEMORY",
)

CHILD_TABLES = """
CREATE TABLE sections (
    id       INTEGER PRIMARY KEY,
    note_id  INTEGER NOT NULL,
    idx      INTEGER NOT NULL,
    level    INTEGER NOT NULL,
    heading  TEXT NOT NULL,
    body     TEXT NOT NULL,
    -- the section's moments: a JSON array of [offset in body, seconds, repaired (0/1)],
    -- in body order (read per section only, so kept with it: a row per moment would
    -- cost a cold build a second for 800k rows that are never queried on their own)
    moments  TEXT NOT NULL
);

CREATE TABLE links (
    note_id      INTEGER NOT NULL,
    section_idx  INTEGER NOT NULL,
    target       TEXT NOT NULL,
    target_key   TEXT NOT NULL,
    label        TEXT NOT NULL
);

CREATE TABLE blockquotes (
    note_id      INTEGER NOT NULL,
    section_idx  INTEGER NOT NULL,
    text         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    attribution  TEXT,
    seconds      INTEGER,
    in_code      INTEGER NOT NULL,
    line         INTEGER NOT NULL DEFAULT 0,
    moment       TEXT NOT NULL DEFAULT 'none',
    repaired     INTEGER NOT NULL DEFAULT 0
);
"""

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
    listed_name   TEXT,              -- what directory.md calls it
    hub_title     TEXT,              -- the title of its hub file, when that says more
    hub_path      TEXT,              -- the hub that gave hub_title
    display_name  TEXT GENERATED ALWAYS AS (COALESCE(listed_name, hub_title)) VIRTUAL
) WITHOUT ROWID;

CREATE TABLE episodes (
    channel   TEXT NOT NULL,
    video_id  TEXT NOT NULL,
    title     TEXT NOT NULL,
    url       TEXT NOT NULL,
    hub_path  TEXT NOT NULL,
    position  INTEGER NOT NULL,
    PRIMARY KEY (hub_path, video_id)  -- a channel may have two hubs that list one video
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

""" + CHILD_TABLES + """CREATE TABLE sync_state (
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
