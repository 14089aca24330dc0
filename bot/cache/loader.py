"""Turn vault files into finished database rows. Runs in worker processes or a thread.

:func:`load_batch` reads each file, hashes it, parses it with :mod:`bot.notes.parsing` and
returns plain rows (dicts keyed like the named parameters in :mod:`bot.cache.sql`), so that the
process that owns the database only has to insert them. In a cold build a worker process
writes each batch's child rows (sections, links, blockquotes) to a part file, which the
writer copies from (:func:`load_batch_into_part`). A file that cannot be
read or parsed comes back as a ``skipped`` result with its reason; nothing here raises for
a bad note.
"""

from __future__ import annotations

import itertools
import logging
import os
import sqlite3
from dataclasses import dataclass, field, fields
from typing import Any

from bot.cache import sql
from bot.notes import parsing
from bot.vault.scan import content_hash, read_vault_file

log = logging.getLogger(__name__)

INTRO_CHARS = 400

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class LoadJob:
    path: str
    kind: str  # note | hub | directory
    channel: str | None
    slug: str | None
    note_id: int  # the id to give the note (unused for hubs)
    known_hash: bytes | None = None  # when set and equal, the file has not changed


@dataclass(slots=True)
class LoadResult:
    path: str
    kind: str  # note | hub | directory | skipped | unchanged
    size: int = 0
    mtime_ns: int = 0
    hash: bytes | None = None
    channel: str | None = None
    note_id: int | None = None
    reason: str | None = None
    note: Row | None = None
    # the note's child rows (bot.cache.sql.INSERT_SECTION, INSERT_LINK, INSERT_BLOCKQUOTE); a
    # parse worker writes them to a part file instead of sending them (see write_part)
    sections: list[Row] = field(default_factory=list)
    links: list[Row] = field(default_factory=list)
    blockquotes: list[Row] = field(default_factory=list)
    episodes: list[Row] = field(default_factory=list)
    hub_title: str | None = None
    display_names: dict[str, str] = field(default_factory=dict)


def load_batch(root: str, jobs: list[LoadJob]) -> list[LoadResult]:
    """Load each job's file; never raises for a bad file."""
    return [load_one(root, job) for job in jobs]


_FIELDS = tuple(f.name for f in fields(LoadResult))
# what a worker process sends back: the part file with the child rows (or None), and the
# results as plain tuples (see unpack_results)
PackedBatch = tuple[str | None, list[tuple[Any, ...]]]


def load_batch_packed(root: str, jobs: list[LoadJob]) -> PackedBatch:
    """:func:`load_batch` for a worker process: results as plain tuples, which pickle in
    half the time of dataclasses."""
    return None, _pack(load_batch(root, jobs))


def load_batch_into_part(root: str, jobs: list[LoadJob], parts_dir: str) -> PackedBatch:
    """:func:`load_batch_packed` for a parse worker of a cold build: the child rows go to
    a part file in ``parts_dir`` (see :func:`write_part`) instead."""
    results = load_batch(root, jobs)
    part = write_part(parts_dir, results)
    return part, _pack(results)


def _pack(results: list[LoadResult]) -> list[tuple[Any, ...]]:
    return [tuple(getattr(result, name) for name in _FIELDS) for result in results]


def unpack_results(packed: list[tuple[Any, ...]]) -> list[LoadResult]:
    return [LoadResult(*values) for values in packed]


def write_part(folder: str, results: list[LoadResult]) -> str | None:
    """Write the child rows of ``results`` to a new part file in ``folder`` (and take them
    out of ``results``); returns its path, or None when there are no rows.

    A part is a small scratch SQLite file (no journal, no fsync) for one batch: the writer
    attaches it, copies its rows in three statements, and deletes it, usually before the
    kernel has written any of it to disk.
    """
    sections = [row for r in results for row in r.sections]
    links = [row for r in results for row in r.links]
    quotes = [row for r in results for row in r.blockquotes]
    for r in results:
        r.sections, r.links, r.blockquotes = [], [], []
    if not sections:  # every note has a section: no sections, no notes
        return None
    path = os.path.join(folder, f"part-{os.getpid()}-{next(_part_numbers)}.db")
    con = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in sql.PART_PRAGMAS:
            con.execute(pragma)
        con.executescript(sql.PART_SCHEMA)
        con.execute("BEGIN")
        con.executemany(sql.INSERT_SECTION, sections)
        con.executemany(sql.INSERT_LINK, links)
        con.executemany(sql.INSERT_BLOCKQUOTE, quotes)
        con.execute("COMMIT")
    finally:
        con.close()
    return path


_part_numbers = itertools.count(1)  # this process's (a part's name has the pid, then this)


def load_one(root: str, job: LoadJob) -> LoadResult:
    try:
        data, size, mtime_ns = read_vault_file(root, job.path)
    except OSError as exc:
        return LoadResult(job.path, "skipped", channel=job.channel,
                          reason=f"cannot read: {exc.strerror or exc}")
    digest = content_hash(data)
    if job.known_hash is not None and digest == job.known_hash:
        return LoadResult(job.path, "unchanged", size, mtime_ns, digest, job.channel)
    result = LoadResult(job.path, job.kind, size, mtime_ns, digest, job.channel)
    try:
        text, warnings = parsing.decode_note(data)
        if job.kind == "note":
            _fill_note(result, parsing.parse_note(text, job.channel or "", job.slug or "",
                                                  warnings), job.note_id)
        elif job.kind == "hub":
            hub = parsing.parse_hub(text, job.channel or "")
            result.hub_title = hub.title
            result.episodes = [
                {"channel": job.channel, "video_id": ep.video_id, "title": ep.title,
                 "url": ep.url, "hub_path": job.path, "position": position}
                for position, ep in enumerate(hub.episodes)
            ]
        elif job.kind == "directory":
            result.display_names = parsing.parse_directory(text)
    except parsing.NoteSkipped as exc:
        result.kind, result.reason = "skipped", str(exc)
    except Exception as exc:  # a parser bug must not stop a sync: record it, go on
        log.exception("parsing %s failed", job.path)
        result.kind, result.reason = "skipped", f"parser error: {type(exc).__name__}: {exc}"
    return result


def _fill_note(result: LoadResult, note: parsing.ParsedNote, note_id: int) -> None:
    """The note's row and its child rows."""
    result.note_id = note_id
    intro = next((s.text for s in note.sections if s.text.strip()), "")
    # a note that repeats one moment in one spot keeps it once; each section's moments
    # go with its row, in body order
    moments: dict[int, dict[tuple[int, int, int], None]] = {}
    for seconds, section, offset, repaired in note.timestamps:
        moments.setdefault(section, {})[offset, seconds, int(repaired)] = None
    stamps = sum(len(keys) for keys in moments.values())
    repaired_stamps = sum(key[2] for keys in moments.values() for key in keys)
    result.note = {
        "id": note_id, "channel": note.channel, "slug": note.slug,
        "slug_key": parsing.slug_key(note.slug), "title": note.title, "video_id": note.video_id,
        "path": result.path, "intro": " ".join(intro[: INTRO_CHARS * 2].split())[:INTRO_CHARS],
        "sections": len(note.sections), "stamps": stamps, "repaired": repaired_stamps,
    }
    first_section = note_id * sql.SECTION_STRIDE
    result.sections = [
        {"id": first_section + s.index, "note_id": note_id, "idx": s.index, "level": s.level,
         "heading": s.heading, "body": s.text,
         "moments": _moments_json(moments[s.index]) if s.index in moments else "[]"}
        for s in note.sections
    ]
    result.links = [
        {"note_id": note_id, "section_idx": k.section, "target": k.target,
         "target_key": k.target_key, "label": k.label}
        for k in note.links
    ]
    result.blockquotes = [
        {"note_id": note_id, "section_idx": q.section, "text": q.text, "kind": q.kind,
         "attribution": q.attribution, "seconds": q.seconds, "in_code": int(q.in_code),
         "line": q.line, "moment": q.moment, "repaired": int(q.repaired)}
        for q in note.blockquotes
    ]
    if note.warnings:
        result.reason = "; ".join(note.warnings)


def _moments_json(keys: dict[tuple[int, int, int], None]) -> str:
    """``[[offset, seconds, repaired], ...]`` in body order, as compact JSON (all ints)."""
    return "[" + ",".join([f"[{offset},{seconds},{repaired}]" for offset, seconds, repaired in sorted(keys)]) + "]"

