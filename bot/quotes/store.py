"""Quotes in the notes cache: :class:`QuoteTables`, a derived table (:mod:`bot.cache.derived`).

The cache's writer calls :meth:`QuoteTables.build` at the end of a cold build (and when the
recorded version is not the code's) and :meth:`QuoteTables.update` in an incremental sync,
on a plain ``sqlite3`` connection in its own thread, inside the sync's transaction: the
notes and their quotes commit together, and a failure here is rolled back to a savepoint
and never loses the notes (the next sync builds the tables again).

Tables (statements in :mod:`bot.quotes.sql`):

* ``quotes``: every blockquote that :func:`bot.quotes.classify.classify` calls a quote,
  with its note, channel, section, 1-based line, moment, the name as written, the role, the
  identity (``NULL``: the note names nobody) and ``paraphrase`` (the note's own words under
  a name or heading: kept, flagged, never given an identity or shown);
* ``quote_speakers`` (one identity per person within a channel, with its number of quotes)
  and ``quote_aliases`` (every written form of its name, with its folded key), resolved by
  :func:`bot.quotes.speakers.resolve`;
* ``quotes_fts``: full text over the words of the quotes that are not paraphrases.

An update deletes the quotes of the notes removed or written anew, classifies the written
notes' blockquotes, and resolves the identities again only in the channels it touched
(a new "Sam Altman" may merge the channel's "Altman" into one identity).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.quotes import classify as classifier
from bot.quotes import rules, speakers, sql

log = logging.getLogger(__name__)

FORMAT = 2  # of the tables; with the classifier's rules version, the derived version
BATCH = 2000  # quote rows per executemany

Names = Mapping[str, Mapping[str, int]]  # channel -> name as written -> quotes


def _version() -> int:
    """This code's version of the tables: a change of the tables' format or of the
    classifier's rules (``rules.VERSION``) rebuilds them."""
    return FORMAT * 1000 + rules.VERSION


class QuoteTables:
    """The quotes' derived table: ``NotesCache(path, derived=[SearchTables(), QuoteTables()])``."""

    key = "quotes"
    version = _version()

    def build(self, con: sqlite3.Connection) -> None:
        started = time.perf_counter()
        for statement in (*sql.DROP_TABLES, *sql.CREATE_TABLES):
            con.execute(statement)
        count = _insert_quotes(con, con.execute(sql.ALL_BLOCKQUOTES).fetchall())
        for statement in sql.INDEXES:
            con.execute(statement)
        names: defaultdict[str, dict[str, int]] = defaultdict(dict)
        for channel, written, quotes in con.execute(sql.WRITTEN_NAMES).fetchall():
            names[channel][written] = quotes
        identities = _store_identities(con, names)
        log.info("quotes: %d quotes, %d speakers in %d channels, built in %.2fs", count,
                 identities, len(names), time.perf_counter() - started)

    def update(self, con: sqlite3.Connection, changed: Sequence[int],
               removed: Sequence[int]) -> None:
        if con.execute(sql.HAS_TABLES).fetchone() is None:
            self.build(con)
            return
        touched = json.dumps(sorted({*changed, *removed}))
        channels = {row[0] for row in con.execute(sql.CHANNELS_OF_NOTES,
                                                  {"note_ids": touched}).fetchall()}
        con.execute(sql.DELETE_FTS_OF_NOTES, {"note_ids": touched})
        con.execute(sql.DELETE_QUOTES_OF_NOTES, {"note_ids": touched})
        written = json.dumps(sorted(set(changed)))
        _insert_quotes(con, con.execute(sql.BLOCKQUOTES_OF, {"note_ids": written}).fetchall())
        for channel in sorted(channels):
            resolve_channel(con, channel)


def resolve_channel(con: sqlite3.Connection, channel: str) -> int:
    """Resolve the identities of one channel again from its quotes; returns how many."""
    for statement in (sql.DELETE_ALIASES_IN, sql.DELETE_SPEAKERS_IN, sql.CLEAR_IDENTITIES_IN):
        con.execute(statement, {"channel": channel})
    counts = {written: quotes for _, written, quotes
              in con.execute(sql.WRITTEN_NAMES_IN, {"channel": channel}).fetchall()}
    return _store_identities(con, {channel: counts}) if counts else 0


# --------------------------------------------------------------------------- quotes

def _insert_quotes(con: sqlite3.Connection, rows: Iterable[Sequence[Any]]) -> int:
    """Classify blockquote rows (:data:`sql.ALL_BLOCKQUOTES`' columns, a note's rows
    together and in file order) and insert the quotes; returns how many."""
    quotes: list[dict[str, Any]] = []
    texts: list[dict[str, Any]] = []
    count = 0
    note = -1
    rank = 0
    for (note_id, channel, title, section_idx, heading, text, kind, attribution, seconds,
         in_code, line, moment, repaired) in rows:
        if note_id != note:
            note, rank = note_id, 0
        if rank >= sql.QUOTE_STRIDE:
            continue  # (a hostile note: its first 65,536 quotes are kept)
        found = classifier.classify(kind, text, attribution, bool(in_code), note_title=title,
                                    section_heading=heading or None)
        if found is None or not found.text.strip():
            continue
        quote_id = note_id * sql.QUOTE_STRIDE + rank
        rank += 1
        quotes.append({
            "id": quote_id, "note_id": note_id, "channel": channel,
            "section_idx": section_idx, "line": line, "text": found.text,
            "speaker_written": found.speaker or None, "role": found.role or None,
            "seconds": seconds, "moment": moment, "repaired": int(bool(repaired)),
            "shape": found.shape, "paraphrase": int(bool(found.paraphrase))})
        if not found.paraphrase:
            texts.append({"id": quote_id, "text": found.text})
        if len(quotes) >= BATCH:
            count += _flush(con, quotes, texts)
    return count + _flush(con, quotes, texts)


def _flush(con: sqlite3.Connection, quotes: list[dict[str, Any]],
           texts: list[dict[str, Any]]) -> int:
    count = len(quotes)
    con.executemany(sql.INSERT_QUOTE, quotes)
    con.executemany(sql.INSERT_FTS, texts)
    quotes.clear()
    texts.clear()
    return count


# --------------------------------------------------------------------------- identities

def _store_identities(con: sqlite3.Connection, names: Names) -> int:
    """Resolve the names as written (per channel) to identities and store them: a speaker
    row and its aliases per identity, and the identity on each of its quotes. A name the
    resolver leaves out stays unattributed. Returns the number of identities."""
    if not names:
        return 0
    resolved = speakers.resolve(names)
    members: dict[speakers.Identity, list[str]] = defaultdict(list)
    for (channel, written), identity in resolved.items():
        if channel in names and written in names[channel]:
            members[identity].append(written)
    next_id = int(con.execute(sql.NEXT_SPEAKER_ID).fetchone()[0])
    speaker_rows: list[dict[str, Any]] = []
    alias_rows: list[dict[str, Any]] = []
    identity_rows: list[dict[str, Any]] = []
    for identity, written_names in sorted(members.items(),
                                          key=lambda item: (item[0].channel, item[0].name)):
        counts = names[identity.channel]
        speaker_rows.append({
            "id": next_id, "channel": identity.channel, "name": identity.name,
            "name_key": speakers.name_key(identity.name),
            "quotes": sum(counts[w] for w in written_names)})
        for alias in sorted({identity.name, *identity.aliases, *written_names}):
            key = speakers.name_key(alias)
            if key:
                alias_rows.append({"identity_id": next_id, "alias": alias, "alias_key": key})
        identity_rows += [{"identity_id": next_id, "channel": identity.channel, "written": w}
                          for w in written_names]
        next_id += 1
    con.executemany(sql.INSERT_SPEAKER, speaker_rows)
    con.executemany(sql.INSERT_ALIAS, alias_rows)
    con.executemany(sql.SET_IDENTITY, identity_rows)
    return len(speaker_rows)
