"""Building a :class:`~bot.search.snapshot.Snapshot` from the notes cache (in a worker
thread, on its own read-only connection).

The indexes come from the arrays persisted in the cache (:mod:`bot.search.tables`): the
notes written since those were built are indexed here, the notes gone since are dead. A
cache without them (built without the search's derived table, or of another format) gets
them computed here, in memory, as at build time.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sqlite3
import time
from array import array
from pathlib import Path

from bot.notes.names import clean_line
from bot.search import sql, tables
from bot.search.lines import Lines
from bot.search.note_scores import NoteQuery
from bot.search.snapshot import Note, Snapshot, Token
from bot.search.term_build import Blobs, build, extended, from_blobs
from bot.search.text import fold, words
from bot.search.vocabulary import Vocabulary

log = logging.getLogger(__name__)

MAX_ANCHOR_CHARS = 200
_NL = "\n"


def file_identity(path: Path) -> tuple[int, int]:
    """(st_dev, st_ino) of the cache file, (0, 0) when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return 0, 0
    return st.st_dev, st.st_ino


def connect_readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True,
                           check_same_thread=False)


def build_snapshot(db_path: Path, token: Token) -> Snapshot:
    """Read the cache and build the in-memory indexes (runs in a worker thread). A missing,
    unreadable or unfinished cache gives a snapshot that is not ``ready``."""
    started = time.perf_counter()
    if not db_path.exists():
        return Snapshot(token)
    try:
        con = connect_readonly(db_path)
    except sqlite3.Error as exc:
        log.warning("search: cannot open the notes cache %s: %s", db_path, exc)
        return Snapshot(token)
    persisted = True
    try:
        if con.execute(sql.READ_USER_VERSION).fetchone()[0] != sql.SCHEMA_VERSION:
            return Snapshot(token)
        stored = tables.read(con)
        if stored is None:
            persisted = False
        snap = assemble(con, token, stored if stored is not None else tables.compute(con))
        snap.persisted = persisted
    except (sqlite3.Error, KeyError, ValueError) as exc:
        log.warning("search: cannot read the notes cache %s: %s", db_path, exc)
        return Snapshot(token)
    finally:
        con.close()
    _give_back_memory()
    log.info("search: %d notes, %d headings, %d words loaded in %.2fs (%s)",
             len(snap.by_id), snap.headings.size, len(snap.vocab),
             time.perf_counter() - started,
             "from the cache's index arrays" if persisted else "computed in memory")
    return snap


def _give_back_memory() -> None:
    """Return the memory that a load freed to the system (glibc keeps it otherwise)."""
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return
    trim(0)


# --------------------------------------------------------------------------- notes


def _note_rows(con: sqlite3.Connection) -> tuple[list[Note], int]:
    notes: list[Note] = []
    sections = 0
    channels: dict[str, str] = {}
    for row in con.execute(sql.LOAD_NOTES):
        channel = channels.setdefault(row[1], row[1])  # one string per channel
        slug = row[2]
        slug_key = slug if row[3] == slug else row[3]
        notes.append(Note(row[0], channel, slug, slug_key, clean_line(row[4]) or slug, row[5],
                          row[6]))
        sections += row[6]
    return notes, sections


def _fill(snap: Snapshot, notes: list[Note], dead: set[int], sections: int) -> None:
    """The snapshot's notes (``dead``: indexes of placeholders for notes that are gone)."""
    snap.notes = notes
    per_channel: dict[str, list[int]] = {}
    for index, note in enumerate(notes):
        if index in dead:
            continue
        snap.by_id[note.note_id] = index
        snap.sections[note.note_id] = note.sections
        snap.by_key[(note.channel, note.slug)] = index
        snap.by_slug_key.setdefault(note.slug_key, []).append(index)
        if note.video_id:
            snap.by_video.setdefault(note.video_id, []).append(index)
        per_channel.setdefault(note.channel, []).append(index)
    snap.channel_notes = {ch: frozenset(ix) for ch, ix in per_channel.items()}
    snap.channel_id_range = {
        ch: (min(notes[i].note_id for i in ix), max(notes[i].note_id for i in ix))
        for ch, ix in per_channel.items()}
    live = len(notes) - len(dead)
    snap.rows = max(1, sections)
    snap.avg_sections = sections / live if live else 1.0
    # the per-note scores' length terms (the parameters every lookup uses), worked out
    # here rather than by the first lookup
    snap.length_terms(NoteQuery((), 0, 0, snap.avg_sections, lead=1.0))


def _read_channels(con: sqlite3.Connection, snap: Snapshot) -> None:
    for channel, folder, display in con.execute(sql.LOAD_CHANNELS):
        snap.channel_names[channel] = clean_line(display or "") or folder or channel


def read_base(con: sqlite3.Connection) -> Snapshot:
    """A snapshot of the notes and channels only (no indexes)."""
    snap = Snapshot((0, 0, 0))
    notes, sections = _note_rows(con)
    _fill(snap, notes, set(), sections)
    _read_channels(con, snap)
    return snap


def read_anchor_rows(con: sqlite3.Connection, snap: Snapshot,
                     first_id: int) -> tuple[list[str], list[int], list[int]]:
    """Link labels of the notes from ``first_id`` on, with the note each names (resolved in
    ``snap``) and the first note that uses it: (labels, target ids, source ids)."""
    labels: list[str] = []
    targets: list[int] = []
    sources: list[int] = []
    seen: set[tuple[int, str]] = set()
    for channel, target_key, label, source in con.execute(sql.LOAD_ANCHORS,
                                                          {"first_id": first_id}):
        target = snap.resolve_link(channel, target_key)
        text = clean_line(label)
        if target is None or not text or len(text) > MAX_ANCHOR_CHARS:
            continue
        key = fold(text)
        if (target, key) in seen or key == fold(snap.notes[target].title):
            continue
        seen.add((target, key))
        labels.append(text)
        targets.append(snap.notes[target].note_id)
        sources.append(source)
    return labels, targets, sources


# --------------------------------------------------------------------------- assembling


def _array(code: str, data: bytes) -> array:
    values = array(code)
    values.frombytes(data)
    return values


def _strings(data: bytes) -> list[str]:
    return data.decode().split(_NL) if data else []


def assemble(con: sqlite3.Connection, token: Token, blobs: Blobs | tables.StoredBlobs,
             ) -> Snapshot:
    """A ready snapshot from the persisted arrays and the cache as it is now."""
    snap = Snapshot(token)
    max_id = int(blobs["meta.max_id"].decode())
    current, sections = _note_rows(con)
    by_id = {n.note_id: n for n in current}
    base_ids = _array("q", blobs["notes.ids"])
    notes = [by_id.get(i) or Note(i, "", "", "", "", None) for i in base_ids]
    dead = {k for k, i in enumerate(base_ids) if i not in by_id}
    newer = [n for n in current if n.note_id > max_id]
    _fill(snap, notes + newer, dead, sections)
    _read_channels(con, snap)
    get = blobs.get
    snap.titles = extended(from_blobs("titles", get), [n.title for n in newer], dead)

    keys = _array("q", blobs["headings.keys"])
    texts = Lines(blobs["headings.texts"], _array("q", blobs["headings.starts"]))
    stride = sql.SECTION_STRIDE
    live = snap.by_id
    dead_headings = [d for d, key in enumerate(keys) if key // stride not in live]
    new_keys, new_texts = (tables.read_headings(con, max_id + 1) if newer
                           else (array("q"), []))
    keys.extend(new_keys)
    snap.heading_keys = keys
    snap.heading_texts = texts.plus(new_texts)
    snap.headings = extended(from_blobs("headings", get), new_texts, dead_headings)

    targets = _array("q", blobs["anchors.targets"])
    sources = _array("q", blobs["anchors.sources"])
    labels: list[str] = []
    if newer:
        labels, new_targets, new_sources = read_anchor_rows(con, snap, max_id + 1)
        targets.extend(new_targets)
        sources.extend(new_sources)
    snap.anchor_notes = array("i", (live.get(t, -1) for t in targets))
    dead_anchors = [d for d, (t, s) in enumerate(zip(targets, sources, strict=True))
                    if t not in live or s not in live]
    snap.anchor_index = extended(from_blobs("anchors", get), labels, dead_anchors)

    vocab = Vocabulary(Lines(blobs["vocab.terms"], _array("q", blobs["vocab.term_starts"])),
                       _array("i", blobs["vocab.docs"]),
                       Lines(blobs["vocab.stem_keys"], _array("q", blobs["vocab.stem_key_starts"])),
                       _array("i", blobs["vocab.stem_starts"]),
                       _array("i", blobs["vocab.stem_terms"]))
    if newer:
        vocab = Vocabulary(vocab.terms, vocab.docs, vocab.stem_keys, vocab.stem_starts,
                           vocab.stem_terms, _new_words(con, vocab, max_id + 1))
    snap.vocab = vocab
    for key in _strings(blobs["popular"]):
        snap.popular.extend(snap.by_slug_key.get(key, ()))
    _episodes(con, snap, blobs)
    snap.ready = True
    return snap


def _new_words(con: sqlite3.Connection, vocab: Vocabulary, first_id: int) -> dict[str, int]:
    """Words of the notes written since the arrays were built that the vocabulary lacks,
    with their row counts from the full-text index."""
    found: set[str] = set()
    for title, heading, body in con.execute(sql.LOAD_SECTION_TEXT, {"first_id": first_id}):
        found.update(words(f"{title} {heading} {body}"))
    missing = sorted(w for w in found if not vocab.count(w))
    extra: dict[str, int] = {}
    if missing:
        con.execute(sql.CREATE_VOCABULARY)
        for word in missing:
            row = con.execute(sql.VOCABULARY_TERM, {"term": word}).fetchone()
            if row is not None and row[0]:
                extra[word] = row[0]
    return extra


def read_episodes(con: sqlite3.Connection, snap: Snapshot) -> list[str]:
    """Fill the snapshot's episode titles; returns one line per titled episode
    (``channel<TAB>video id<TAB>title``), the docs of the episode index, in order."""
    for channel, video_id, title in con.execute(sql.LOAD_EPISODES):
        text = clean_line(title)
        snap.episodes[(channel, video_id)] = text
        snap.episode_any.setdefault(video_id, text)
    return [f"{channel}\t{video_id}\t{title}"
            for (channel, video_id), title in snap.episodes.items() if title]


def _episodes(con: sqlite3.Connection, snap: Snapshot, blobs: Blobs | tables.StoredBlobs,
              ) -> None:
    """The episode index: persisted when the cache's episodes are those it was built from,
    else built here (a few thousand titles); each episode's notes from the notes now."""
    lines = read_episodes(con, snap)
    if blobs.get("episodes.lines") == _NL.join(lines).encode():
        snap.episode_index = from_blobs("episodes", blobs.get)
    else:
        snap.episode_index = build([line.split("\t", 2)[2] for line in lines])
    for line in lines:
        channel, video_id, _ = line.split("\t", 2)
        snap.episode_notes.append(tuple(i for i in snap.by_video.get(video_id, ())
                                        if snap.notes[i].channel == channel))
