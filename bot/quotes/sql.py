"""The statements of the quote engine, with named parameters.

The tables are :class:`bot.quotes.store.QuoteTables`' own, in the notes cache (a derived
table: created, filled and updated by the cache's writer inside its transaction). The
reads are the service's, on read-only connections in reader threads. User text never
reaches these statements as SQL: it is a bound parameter, and reaches ``:match`` only as an
expression in which every word is double-quoted (:func:`bot.search.query.match_expression`).
"""

from __future__ import annotations

from bot.cache.sql import SECTION_STRIDE

# A quote's id is its note's id * QUOTE_STRIDE + its rank in the note (file order): the
# quotes of a note that did not change keep their ids through a sync.
QUOTE_STRIDE = 1 << 16

# --------------------------------------------------------------------------- tables

DROP_TABLES = (
    "DROP TABLE IF EXISTS quotes_fts",
    "DROP TABLE IF EXISTS quote_aliases",
    "DROP TABLE IF EXISTS quote_speakers",
    "DROP TABLE IF EXISTS quotes",
)
CREATE_TABLES = (
    # paraphrase = 1: the note's own words under a name or heading (no quote marks, third
    # person). Kept for measuring, never linked to an identity, never indexed for full
    # text, and never returned by the service: nobody is shown as having said them.
    """
    CREATE TABLE quotes (
        id               INTEGER PRIMARY KEY,  -- note_id * QUOTE_STRIDE + rank in the note
        note_id          INTEGER NOT NULL,
        channel          TEXT NOT NULL,
        section_idx      INTEGER NOT NULL,
        line             INTEGER NOT NULL,     -- 1-based line of the file (0: not known)
        text             TEXT NOT NULL,
        speaker_written  TEXT,                 -- the name as the note writes it
        role             TEXT,                 -- "CEO of OpenAI", kept apart from the name
        identity_id      INTEGER,              -- quote_speakers.id; NULL: unattributed
        seconds          INTEGER,
        moment           TEXT NOT NULL,        -- own | nearest | none
        repaired         INTEGER NOT NULL,
        shape            TEXT NOT NULL,
        paraphrase       INTEGER NOT NULL
    )
    """,
    """
    CREATE TABLE quote_speakers (
        id        INTEGER PRIMARY KEY,
        channel   TEXT NOT NULL,
        name      TEXT NOT NULL,
        name_key  TEXT NOT NULL,
        quotes    INTEGER NOT NULL
    )
    """,
    """
    CREATE TABLE quote_aliases (
        identity_id  INTEGER NOT NULL,
        alias        TEXT NOT NULL,
        alias_key    TEXT NOT NULL
    )
    """,
    "CREATE VIRTUAL TABLE quotes_fts USING fts5("
    "text, tokenize = 'porter unicode61 remove_diacritics 2')",
)
INDEXES = (
    "CREATE INDEX IF NOT EXISTS quotes_by_note ON quotes (note_id)",
    "CREATE INDEX IF NOT EXISTS quotes_by_identity ON quotes (identity_id) "
    "WHERE identity_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS quotes_by_channel ON quotes (channel, speaker_written)",
    "CREATE INDEX IF NOT EXISTS quote_speakers_by_channel ON quote_speakers (channel)",
    "CREATE INDEX IF NOT EXISTS quote_speakers_by_key ON quote_speakers (name_key)",
    "CREATE INDEX IF NOT EXISTS quote_aliases_by_key ON quote_aliases (alias_key)",
    "CREATE INDEX IF NOT EXISTS quote_aliases_by_identity ON quote_aliases (identity_id)",
)
HAS_TABLES = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'quote_speakers'"

# --------------------------------------------------------------------------- writing

# every blockquote (of the notes in :note_ids, a JSON array, for BLOCKQUOTES_OF), with what
# the classifier weighs: the note's title and the section's heading
_BLOCKQUOTES = f"""
SELECT b.note_id, n.channel, n.title, b.section_idx, s.heading, b.text, b.kind,
       b.attribution, b.seconds, b.in_code, b.line, b.moment, b.repaired
FROM blockquotes AS b
JOIN notes AS n ON n.id = b.note_id
LEFT JOIN sections AS s ON s.id = b.note_id * {SECTION_STRIDE} + b.section_idx
"""
ALL_BLOCKQUOTES = _BLOCKQUOTES + "ORDER BY b.note_id, b.line, b.rowid"
BLOCKQUOTES_OF = (_BLOCKQUOTES + "WHERE b.note_id IN (SELECT value FROM json_each(:note_ids))\n"
                  "ORDER BY b.note_id, b.line, b.rowid")
INSERT_QUOTE = """
INSERT INTO quotes (id, note_id, channel, section_idx, line, text, speaker_written, role,
                    seconds, moment, repaired, shape, paraphrase)
VALUES (:id, :note_id, :channel, :section_idx, :line, :text, :speaker_written, :role,
        :seconds, :moment, :repaired, :shape, :paraphrase)
"""
INSERT_FTS = "INSERT INTO quotes_fts (rowid, text) VALUES (:id, :text)"
# the channels of the notes in :note_ids (what an update must resolve again)
CHANNELS_OF_NOTES = """
SELECT DISTINCT channel FROM notes WHERE id IN (SELECT value FROM json_each(:note_ids))
UNION
SELECT DISTINCT channel FROM quotes WHERE note_id IN (SELECT value FROM json_each(:note_ids))
"""
DELETE_FTS_OF_NOTES = """
DELETE FROM quotes_fts WHERE rowid IN (
    SELECT id FROM quotes WHERE note_id IN (SELECT value FROM json_each(:note_ids)))
"""
DELETE_QUOTES_OF_NOTES = (
    "DELETE FROM quotes WHERE note_id IN (SELECT value FROM json_each(:note_ids))")
# names as written per channel (what identities are resolved from)
WRITTEN_NAMES = """
SELECT channel, speaker_written, COUNT(*) FROM quotes
WHERE speaker_written IS NOT NULL AND paraphrase = 0
GROUP BY channel, speaker_written
"""
WRITTEN_NAMES_IN = """
SELECT channel, speaker_written, COUNT(*) FROM quotes
WHERE channel = :channel AND speaker_written IS NOT NULL AND paraphrase = 0
GROUP BY speaker_written
"""
DELETE_ALIASES_IN = """
DELETE FROM quote_aliases
WHERE identity_id IN (SELECT id FROM quote_speakers WHERE channel = :channel)
"""
DELETE_SPEAKERS_IN = "DELETE FROM quote_speakers WHERE channel = :channel"
CLEAR_IDENTITIES_IN = "UPDATE quotes SET identity_id = NULL WHERE channel = :channel"
NEXT_SPEAKER_ID = "SELECT COALESCE(MAX(id), 0) + 1 FROM quote_speakers"
INSERT_SPEAKER = """
INSERT INTO quote_speakers (id, channel, name, name_key, quotes)
VALUES (:id, :channel, :name, :name_key, :quotes)
"""
INSERT_ALIAS = """
INSERT INTO quote_aliases (identity_id, alias, alias_key) VALUES (:identity_id, :alias, :alias_key)
"""
SET_IDENTITY = """
UPDATE quotes SET identity_id = :identity_id
WHERE channel = :channel AND speaker_written = :written AND paraphrase = 0
"""

# --------------------------------------------------------------------------- reading

LOAD_SPEAKERS = """
SELECT s.id, s.channel, s.name, s.name_key, s.quotes,
       (SELECT json_group_array(a.alias_key) FROM quote_aliases AS a
        WHERE a.identity_id = s.id) AS alias_keys
FROM quote_speakers AS s
WHERE s.quotes > 0
ORDER BY s.id
"""
# The filters of a pick, joined with AND (each takes its own parameters). The speaker is
# matched by the key of its identities' name within the read (an identity renumbered by a
# sync is still found), never by an alias: "Altman" in one channel may be another person
# than the "Sam Altman" that the alias names in another.
PICK_ATTRIBUTED = "q.identity_id IS NOT NULL"
PICK_CHANNEL = "q.channel = :channel"
PICK_SPEAKER = """q.identity_id IN (
    SELECT sp.id FROM quote_speakers AS sp
    WHERE sp.name_key IN (SELECT value FROM json_each(:speaker_keys)))"""
PICK_NOTES = "q.note_id IN (SELECT value FROM json_each(:note_ids))"
PICK_TEXT = "q.id IN (SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH :match)"


def _filters(*, attributed: bool, channel: bool, speaker: bool, notes: bool,
             text: bool) -> str:
    parts = ["q.paraphrase = 0"]
    if attributed or speaker:
        parts.append(PICK_ATTRIBUTED)
    if channel:
        parts.append(PICK_CHANNEL)
    if speaker:
        parts.append(PICK_SPEAKER)
    if notes and text:  # a quote of the topic's best notes, or one that holds its words
        parts.append(f"({PICK_NOTES} OR {PICK_TEXT})")
    elif notes or text:
        parts.append(PICK_NOTES if notes else PICK_TEXT)
    return " AND ".join(parts)


def pick_query(*, attributed: bool, channel: bool, speaker: bool, notes: bool,
               text: bool) -> str:
    """The ids of the quotes that pass the filters asked for, in id order."""
    where = _filters(attributed=attributed, channel=channel, speaker=speaker, notes=notes,
                     text=text)
    return f"SELECT q.id FROM quotes AS q WHERE {where} ORDER BY q.id"


def pool_query(*, channel: bool, speaker: bool) -> str:
    """The attributed quotes that pass a schedule's filters, with what their stable key is
    made of (the note's channel and slug, the words), in id order (bot.quotes.pool)."""
    where = _filters(attributed=True, channel=channel, speaker=speaker, notes=False, text=False)
    return f"""
    SELECT q.id, n.channel, n.slug, q.text FROM quotes AS q JOIN notes AS n ON n.id = q.note_id
    WHERE {where} ORDER BY q.id"""


def speakers_query(*, channel: bool, notes: bool, text: bool) -> str:
    """The names with the most quotes among those that pass the filters (suggestions)."""
    where = _filters(attributed=True, channel=channel, speaker=False, notes=notes, text=text)
    return f"""
    SELECT sp.name, COUNT(*) AS quotes FROM quotes AS q
    JOIN quote_speakers AS sp ON sp.id = q.identity_id
    WHERE {where} GROUP BY sp.name ORDER BY quotes DESC, sp.name LIMIT :limit"""


def notes_query(*, channel: bool) -> str:
    """The titles of the notes with the most quotes of a speaker (suggestions)."""
    where = _filters(attributed=True, channel=channel, speaker=True, notes=False, text=False)
    return f"""
    SELECT n.title, COUNT(*) AS quotes FROM quotes AS q JOIN notes AS n ON n.id = q.note_id
    WHERE {where} GROUP BY q.note_id ORDER BY quotes DESC, n.title LIMIT :limit"""


# One quote as the service hands it out (QUOTE_BY_ID) or every quote of a note, in file
# order (NOTE_QUOTES). The written name and role are given only with an identity.
_QUOTE_ROWS = f"""
SELECT q.id, q.note_id, n.channel, COALESCE(c.display_name, n.channel) AS channel_name,
       n.slug, n.title, q.section_idx, s.heading, q.line, q.text,
       sp.name AS speaker,
       CASE WHEN sp.id IS NULL THEN NULL ELSE q.speaker_written END AS speaker_written,
       CASE WHEN sp.id IS NULL THEN NULL ELSE q.role END AS role,
       q.seconds, q.moment, q.repaired, n.video_id,
       COALESCE((SELECT e.title FROM episodes AS e
                 WHERE e.channel = n.channel AND e.video_id = n.video_id LIMIT 1),
                (SELECT e.title FROM episodes AS e
                 WHERE e.video_id = n.video_id LIMIT 1)) AS episode_title
FROM quotes AS q
JOIN notes AS n ON n.id = q.note_id
LEFT JOIN channels AS c ON c.channel = n.channel
LEFT JOIN sections AS s ON s.id = q.note_id * {SECTION_STRIDE} + q.section_idx
LEFT JOIN quote_speakers AS sp ON sp.id = q.identity_id
"""
QUOTE_BY_ID = _QUOTE_ROWS + "WHERE q.id = :id AND q.paraphrase = 0"
NOTE_QUOTES = _QUOTE_ROWS + "WHERE q.note_id = :note_id AND q.paraphrase = 0 ORDER BY q.id"
# which of the notes in :note_ids hold a quote (for suggestions)
NOTES_WITH_QUOTES = """
SELECT DISTINCT note_id FROM quotes
WHERE note_id IN (SELECT value FROM json_each(:note_ids)) AND paraphrase = 0
"""
# the notes of the quotes that best match :match (any of the topic's words), best first
NOTES_BY_WORDS = """
SELECT n.title FROM quotes_fts AS f
JOIN quotes AS q ON q.id = f.rowid
JOIN notes AS n ON n.id = q.note_id
WHERE quotes_fts MATCH :match AND (:channel IS NULL OR q.channel = :channel)
GROUP BY q.note_id ORDER BY MIN(f.rank), n.title LIMIT :limit
"""
