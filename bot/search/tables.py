"""The search index persisted in the notes cache, so that a start (or one CLI lookup)
loads arrays instead of recomputing stems and postings for 150,000 headings.

:class:`SearchTables` is a derived table of the cache (:mod:`bot.cache.derived`): the
cache's writer calls :meth:`SearchTables.build` at the end of a cold build and
:meth:`SearchTables.update` after an incremental sync, on a plain ``sqlite3`` connection in
its own thread. The table ``search_blobs`` holds, by name, the vocabulary of the full-text
index, the title, heading and link-label indexes (:mod:`bot.search.term_build`), the notes
they belong to, and the id of the last note they cover.

An incremental sync does not touch them: a changed note is written anew with a new id, so
a loader reads the arrays, marks the notes that are gone as dead and indexes the few notes
after the last id itself. When those come to more than :data:`REBUILD_SHARE` of the notes,
or a note was given an id that the arrays cover (the cache numbers new notes from its
highest id, which a removed note may have held), ``update`` builds the arrays again.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from array import array
from collections.abc import Iterable, Iterator, Sequence

from bot.search import sql
from bot.search.lines import Lines
from bot.search.term_build import Blobs, build, to_blobs
from bot.search.term_index import native_layout
from bot.search.vocabulary import Vocabulary

log = logging.getLogger(__name__)

FORMAT = 6  # of the arrays; another one is built anew
REBUILD_SHARE = 0.02  # of the notes changed since the arrays were built
REBUILD_MIN = 200  # ... and at least this many notes
_NL = "\n"


def compute(con: sqlite3.Connection) -> Blobs:
    """Everything the search persists, computed from the cache behind ``con``."""
    return dict(compute_parts(con))


def compute_parts(con: sqlite3.Connection) -> Iterator[tuple[str, bytes]]:
    """:func:`compute`, one part after another (each index is built, turned to bytes and
    let go before the next: a cold build never holds them all as Python objects)."""
    from bot.search.loading import read_anchor_rows, read_base, read_episodes  # import cycle

    started = time.perf_counter()
    size = 0

    def counted(parts: Blobs) -> Iterator[tuple[str, bytes]]:
        nonlocal size
        for item in parts.items():
            size += len(item[1])
            yield item

    snap = read_base(con)
    notes = snap.notes
    max_id = notes[-1].note_id if notes else 0
    yield from counted({
        "meta.format": str(FORMAT).encode(), "meta.layout": native_layout().encode(),
        "meta.max_id": str(max_id).encode(),
        "notes.ids": array("q", (n.note_id for n in notes)).tobytes()})
    con.execute(sql.CREATE_VOCABULARY)
    vocab = Vocabulary.of(dict(con.execute(sql.LOAD_VOCABULARY).fetchall()))
    terms = Lines.of(list(vocab.terms))
    stem_keys = Lines.of(list(vocab.stem_keys))
    yield from counted({
        "vocab.terms": terms.data(), "vocab.term_starts": terms.starts().tobytes(),
        "vocab.docs": vocab.docs.tobytes(),
        "vocab.stem_keys": stem_keys.data(),
        "vocab.stem_key_starts": stem_keys.starts().tobytes(),
        "vocab.stem_starts": vocab.stem_starts.tobytes(),
        "vocab.stem_terms": vocab.stem_terms.tobytes()})
    del vocab, terms, stem_keys
    yield from counted(to_blobs(build([n.title for n in notes], exact=True), "titles"))
    keys, texts = read_headings(con, 0)
    lines = Lines.of(texts)
    yield from counted({"headings.keys": keys.tobytes(), "headings.texts": lines.data(),
                        "headings.starts": lines.starts().tobytes()})
    del keys, lines
    yield from counted(to_blobs(build(texts), "headings"))
    del texts
    labels, targets, sources = read_anchor_rows(con, snap, 0)
    yield from counted({"anchors.targets": array("q", targets).tobytes(),
                        "anchors.sources": array("q", sources).tobytes()})
    del targets, sources
    yield from counted(to_blobs(build(labels), "anchors"))
    del labels
    episodes = read_episodes(con, snap)
    yield from counted({"episodes.lines": _NL.join(episodes).encode()})
    yield from counted(to_blobs(build([line.split("\t", 2)[2] for line in episodes]),
                                "episodes"))
    yield from counted({"popular": _NL.join(key for key, _ in con.execute(
        sql.INBOUND_LINKS, {"limit": 2000})).encode()})
    log.info("search: index arrays for %d notes computed in %.2fs (%.1f MB)", len(notes),
             time.perf_counter() - started, size / 1e6)


def read_headings(con: sqlite3.Connection, first_id: int) -> tuple[array[int], list[str]]:
    """The headings of the notes from ``first_id`` on: keys (note id * stride + index) and
    cleaned texts, in key order."""
    from bot.search.text import clean_heading

    keys = array("q")
    texts: list[str] = []
    stride = sql.SECTION_STRIDE
    for _section_id, note_id, idx, heading in con.execute(sql.LOAD_HEADINGS,
                                                          {"first_id": first_id}):
        text = clean_heading(heading)
        if text:
            keys.append(note_id * stride + idx)
            texts.append(text)
    return keys, texts


class StoredBlobs:
    """The persisted arrays, each read from the cache when it is asked for (a load never
    holds all of them as bytes at once)."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self._con = con

    def get(self, name: str) -> bytes | None:
        row = self._con.execute(sql.BLOB, {"name": name}).fetchone()
        return None if row is None else bytes(row[0])

    def __getitem__(self, name: str) -> bytes:
        data = self.get(name)
        if data is None:
            raise KeyError(name)
        return data


def read(con: sqlite3.Connection) -> StoredBlobs | None:
    """The persisted arrays, or ``None`` when there are none of this format and layout."""
    if con.execute(sql.HAS_BLOBS).fetchone() is None:
        return None
    blobs = StoredBlobs(con)
    if (blobs.get("meta.format") != str(FORMAT).encode()
            or blobs.get("meta.layout") != native_layout().encode()):
        return None
    return blobs


def write(con: sqlite3.Connection, blobs: Iterable[tuple[str, bytes]]) -> None:
    """Store the parts as they come (``compute_parts`` reads ``con`` between two)."""
    con.execute(sql.DROP_BLOBS)
    con.execute(sql.CREATE_BLOBS)
    for name, data in blobs:
        con.execute(sql.INSERT_BLOB, {"name": name, "data": data})


class SearchTables:
    """The search's derived table: ``NotesCache(path, derived=[SearchTables()])``."""

    key = "search"
    version = FORMAT

    def build(self, con: sqlite3.Connection) -> None:
        write(con, compute_parts(con))

    def update(self, con: sqlite3.Connection, changed: Sequence[int],
               removed: Sequence[int]) -> None:
        """Nothing to do unless many notes changed since the arrays were built (a loader
        indexes the new ones itself); then build them again."""
        row = None
        if con.execute(sql.HAS_BLOBS).fetchone() is not None:
            row = con.execute(sql.BLOB, {"name": "meta.max_id"}).fetchone()
        if row is None:
            self.build(con)
            return
        max_id = int(bytes(row[0]).decode())
        ids = con.execute(sql.BLOB, {"name": "notes.ids"}).fetchone()
        base = len(ids[0]) // 8 if ids else 0
        newer = con.execute(sql.NOTES_AFTER, {"max_id": max_id}).fetchone()[0]
        kept = con.execute(sql.NOTES_UP_TO, {"max_id": max_id}).fetchone()[0]
        moved = newer + (base - kept)
        if any(note_id <= max_id for note_id in changed):
            # an id the arrays cover was given to another note (the cache numbers new notes
            # from its highest id, which a removed note may have held)
            log.info("search: a note id the index arrays cover was reused: building them again")
            self.build(con)
        elif moved > max(REBUILD_MIN, REBUILD_SHARE * (kept + newer)):
            log.info("search: %d notes changed since the index arrays were built: "
                     "building them again", moved)
            self.build(con)
