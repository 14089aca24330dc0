"""Building a :class:`~bot.search.snapshot.Snapshot` from the notes cache (in a worker
thread, on its own read-only connection)."""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from pathlib import Path

from bot.notes.parsing import clean_line
from bot.search import sql
from bot.search.snapshot import Note, Snapshot, Token, note_hash
from bot.search.term_index import TermIndex
from bot.search.text import clean_heading, fold
from bot.search.vocabulary import Vocabulary

log = logging.getLogger(__name__)

MAX_ANCHOR_CHARS = 200


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
    try:
        snap = _read(con, token)
    except sqlite3.Error as exc:
        log.warning("search: cannot read the notes cache %s: %s", db_path, exc)
        return Snapshot(token)
    finally:
        con.close()
    if snap.ready:
        log.info("search: %d notes, %d headings, %d words indexed in %.2fs",
                 len(snap.notes), snap.headings.size, len(snap.vocab),
                 time.perf_counter() - started)
    return snap


def _read(con: sqlite3.Connection, token: Token) -> Snapshot:
    snap = Snapshot(token)
    if con.execute(sql.READ_USER_VERSION).fetchone()[0] != sql.SCHEMA_VERSION:
        return snap
    _read_notes(con, snap)
    _read_headings(con, snap)
    snap.rows = max(1, con.execute(sql.COUNT_SECTIONS).fetchone()[0])
    snap.avg_sections = float(con.execute(sql.AVERAGE_SECTIONS).fetchone()[0] or 1.0)
    for key, _count in con.execute(sql.INBOUND_LINKS, {"limit": 2000}):
        snap.popular.extend(snap.by_slug_key.get(key, ()))
    con.execute(sql.CREATE_VOCABULARY)
    snap.vocab = Vocabulary(dict(con.execute(sql.LOAD_VOCABULARY).fetchall()))
    snap.titles = TermIndex([n.title for n in snap.notes], exact=True)
    snap.headings = TermIndex(snap.heading_texts)
    _read_episodes(con, snap)
    _read_anchors(con, snap)
    snap.ready = True
    return snap


def _read_notes(con: sqlite3.Connection, snap: Snapshot) -> None:
    for row in con.execute(sql.LOAD_NOTES):
        note = Note(row[0], row[1], row[2], row[3], clean_line(row[4]) or row[2], row[5])
        index = len(snap.notes)
        snap.notes.append(note)
        snap.by_id[note.note_id] = index
        snap.by_key[(note.channel, note.slug)] = index
        snap.by_slug_key.setdefault(note.slug_key, []).append(index)
        if note.video_id:
            snap.by_video.setdefault(note.video_id, []).append(index)
        snap.by_hash[note_hash(note.channel, note.slug)] = index
    per_channel: dict[str, list[int]] = {}
    for index, note in enumerate(snap.notes):
        per_channel.setdefault(note.channel, []).append(index)
    snap.channel_notes = {ch: frozenset(ix) for ch, ix in per_channel.items()}
    snap.channel_id_range = {
        ch: (min(snap.notes[i].note_id for i in ix), max(snap.notes[i].note_id for i in ix))
        for ch, ix in per_channel.items()}
    for channel, folder, display in con.execute(sql.LOAD_CHANNELS):
        snap.channel_names[channel] = clean_line(display or "") or folder or channel


def _read_headings(con: sqlite3.Connection, snap: Snapshot) -> None:
    heading_channel: dict[str, list[int]] = {}
    stride = sql.SECTION_STRIDE
    for _section_id, note_id, idx, heading in con.execute(sql.LOAD_HEADINGS):
        index = snap.by_id.get(note_id)
        text = clean_heading(heading)
        if index is None or not text:
            continue
        doc = len(snap.heading_texts)
        snap.heading_keys.append(index * stride + idx)
        snap.heading_texts.append(text)
        heading_channel.setdefault(snap.notes[index].channel, []).append(doc)
    snap.channel_headings = {ch: frozenset(d) for ch, d in heading_channel.items()}


def _read_episodes(con: sqlite3.Connection, snap: Snapshot) -> None:
    for channel, video_id, title in con.execute(sql.LOAD_EPISODES):
        text = clean_line(title)
        snap.episodes[(channel, video_id)] = text
        snap.episode_any.setdefault(video_id, text)
    episode_titles: list[str] = []
    for (channel, video_id), title in snap.episodes.items():
        members = tuple(i for i in snap.by_video.get(video_id, ())
                        if snap.notes[i].channel == channel)
        if members and title:
            episode_titles.append(title)
            snap.episode_notes.append(members)
    snap.episode_index = TermIndex(episode_titles)


def _read_anchors(con: sqlite3.Connection, snap: Snapshot) -> None:
    anchors: list[str] = []
    seen: set[tuple[int, str]] = set()
    for channel, target_key, label in con.execute(sql.LOAD_ANCHORS):
        target = snap.resolve_link(channel, target_key)
        text = clean_line(label)
        if target is None or not text or len(text) > MAX_ANCHOR_CHARS:
            continue
        key = fold(text)
        if (target, key) in seen or key == fold(snap.notes[target].title):
            continue
        seen.add((target, key))
        anchors.append(text)
        snap.anchor_notes.append(target)
    snap.anchor_index = TermIndex(anchors)
