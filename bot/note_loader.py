"""Turn vault files into finished database rows. Runs in worker processes or a thread.

:func:`load_batch` reads each file, hashes it, parses it with :mod:`bot.parsing` and
returns plain rows (dicts keyed like the named parameters in :mod:`bot.sql`), so that the
process that owns the database only has to insert them. A file that cannot be read or
parsed comes back as a ``skipped`` result with its reason; nothing here raises for a bad
note.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, fields
from typing import Any

from bot import parsing
from bot.vault import content_hash, read_vault_file

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
    # child rows as JSON arrays, expanded by SQLite (bot.sql.INSERT_NOTE_*)
    sections: str = "[]"
    links: str = "[]"
    timestamps: str = "[]"
    blockquotes: str = "[]"
    episodes: list[Row] = field(default_factory=list)
    hub_title: str | None = None
    display_names: dict[str, str] = field(default_factory=dict)


def load_batch(root: str, jobs: list[LoadJob]) -> list[LoadResult]:
    """Load each job's file; never raises for a bad file."""
    return [load_one(root, job) for job in jobs]


_FIELDS = tuple(f.name for f in fields(LoadResult))


def load_batch_packed(root: str, jobs: list[LoadJob]) -> list[tuple[Any, ...]]:
    """:func:`load_batch` for a worker process: results as plain tuples, which pickle in
    half the time of dataclasses (a cold build sends 150 MB of them)."""
    return [tuple(getattr(result, name) for name in _FIELDS) for result in load_batch(root, jobs)]


def unpack_results(packed: list[tuple[Any, ...]]) -> list[LoadResult]:
    return [LoadResult(*values) for values in packed]


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
    """The note's row, and its child rows as JSON arrays (see the INSERT_NOTE_* in bot.sql)."""
    result.note_id = note_id
    intro = next((s.text for s in note.sections if s.text.strip()), "")
    # a note that repeats one moment in one spot keeps it once (the key of the table)
    stamps = list(dict.fromkeys(
        (s.section, s.offset, s.seconds, int(s.repaired)) for s in note.timestamps))
    result.note = {
        "id": note_id, "channel": note.channel, "slug": note.slug,
        "slug_key": parsing.slug_key(note.slug), "title": note.title, "video_id": note.video_id,
        "path": result.path, "intro": " ".join(intro[: INTRO_CHARS * 2].split())[:INTRO_CHARS],
        "sections": len(note.sections), "stamps": len(stamps),
        "repaired": sum(1 for stamp in stamps if stamp[3]),
    }
    result.sections = _json([(s.index, s.level, s.heading, s.text) for s in note.sections])
    result.links = _json([(k.section, k.target, k.target_key, k.label) for k in note.links])
    result.timestamps = _json(stamps)
    result.blockquotes = _json([(q.section, q.text, q.kind, q.attribution, q.seconds, int(q.in_code))
                                for q in note.blockquotes])
    if note.warnings:
        result.reason = "; ".join(note.warnings)


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _json(rows: list[tuple[Any, ...]]) -> str:
    return _encode(rows) if rows else "[]"
