"""Shared helpers for the notes-cache tests: a vault of our own, snapshots, kill harness.

Everything written here is made-up text; nothing comes from the real vault.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.cache import sql
from bot.cache.store import NotesCache

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_VAULT = REPO_ROOT / "bot" / "sample_vault"

# --------------------------------------------------------------------------- synthetic vault

_WORDS = (
    "lattice", "harbor", "copper", "meadow", "lantern", "orbit", "quarry", "ember", "willow",
    "signal", "thistle", "cobalt", "granite", "ferry", "pollen", "ridge", "saddle", "tundra",
    "vapor", "walnut", "basalt", "canopy", "delta", "estuary", "fjord", "glacier", "hollow",
    "inlet", "juniper", "kelp", "lagoon", "marsh", "nectar", "oasis", "prairie", "quartz", "reef",
    "savanna", "tide", "umber", "valley", "wharf", "yarrow", "zenith", "anchor", "beacon",
    "cinder", "dune",
)


@dataclass(slots=True)
class SyntheticVault:
    root: Path
    channels: int
    notes: int
    episodes: int
    note_paths: list[str]


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _stamp(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    value = f"{h:02d}:{m:02d}:{s:02d}"
    return f'<a class="yt-timestamp" data-t="{value}">[{value}]</a>'


def synthetic_note(rng: random.Random, channel: str, slug: str, video_id: str,
                   others: list[str], paragraphs: int = 6) -> str:
    """One topic note in the vault's format, about 4 KB of invented prose."""
    lines = ["---", f"title: {slug.replace('_', ' ').title()}", f"videoId: {video_id}", "---",
             "", f"From: [[{channel}]] <br/> ", ""]
    seconds = rng.randrange(30, 300)
    lines.append(" ".join(_sentence(rng, 12) for _ in range(3)) + f" {_stamp(seconds)}.")
    for p in range(paragraphs):
        lines += ["", f"## {_sentence(rng, 3)[:-1]}", ""]
        seconds += rng.randrange(20, 400)
        target = rng.choice(others) if others else slug
        lines.append(" ".join(_sentence(rng, 14) for _ in range(4))
                     + f" See [[{target} | {target.replace('_', ' ')}]] {_stamp(seconds)}.")
        if p % 3 == 1:
            lines += ["", "> [!quote] Guest Speaker", f"> {_sentence(rng, 16)}"]
    return "\n".join(lines) + "\n"


def write_synthetic_vault(root: Path, *, notes: int = 3000, channels: int = 6,
                          notes_per_episode: int = 5, seed: int = 7) -> SyntheticVault:
    """A vault of ``notes`` topic notes over ``channels`` channels, each with its hub."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    per_channel = notes // channels
    paths: list[str] = []
    episodes = 0
    for c in range(channels):
        channel = f"show{c:02d}"
        folder = root / channel
        folder.mkdir(exist_ok=True)
        count = per_channel if c < channels - 1 else notes - per_channel * (channels - 1)
        slugs = [f"topic_{c:02d}_{n:05d}" for n in range(count)]
        hub = ["---", f"title: Show {c:02d}", "---"]
        for start in range(0, count, notes_per_episode):
            video_id = f"v{c:02d}e{start:06d}x"
            episodes += 1
            hub.append(f"### [Episode {start} of show {c}](https://www.youtube.com/watch?v={video_id})")
            for slug in slugs[start : start + notes_per_episode]:
                hub.append(f"- [[{slug} | {slug.replace('_', ' ')}]]")
                text = synthetic_note(rng, channel, slug, video_id,
                                      rng.sample(slugs, min(3, len(slugs))))
                (folder / f"{slug}.md").write_text(text, encoding="utf-8")
                paths.append(f"{channel}/{slug}.md")
        (folder / f"{channel}.md").write_text("\n".join(hub) + "\n", encoding="utf-8")
    directory = ["---", "title: Synthetic", "---", ""]
    directory += [f"- [[show{c:02d} | The Show Number {c}]]" for c in range(channels)]
    (root / "directory.md").write_text("\n".join(directory) + "\n", encoding="utf-8")
    return SyntheticVault(root, channels, notes, episodes, paths)


# --------------------------------------------------------------------------- snapshots

def all_files(root: Path) -> set[str]:
    """Every file under ``root`` that a scan sees (hidden names aside), '/'-separated."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith("."):
                out.add(Path(dirpath, name).relative_to(root).as_posix())
    return out


def snapshot(db_path: Path) -> dict[str, Any]:
    """The cache's content, independent of note ids, after checking its integrity.

    Two caches of the same vault must give equal snapshots however they were built.
    """
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # the full-text index must hold exactly what its content view says
        con.execute("INSERT INTO search (search, rank) VALUES ('integrity-check', 1)")
        path_of = dict(con.execute("SELECT id, path FROM notes"))

        def by_path(query: str) -> list[tuple[Any, ...]]:
            return sorted((path_of.get(row[0], f"<orphan note {row[0]}>"), *row[1:])
                          for row in con.execute(query))

        bad_ids = con.execute(
            f"SELECT COUNT(*) FROM sections WHERE id != note_id * {sql.SECTION_STRIDE} + idx"
        ).fetchone()[0]
        assert bad_ids == 0, "section ids must be note_id * SECTION_STRIDE + idx"
        files = []
        for path, size, _mtime_ns, digest, kind, note_id, reason, channel in con.execute(
                "SELECT path, size, mtime_ns, hash, kind, note_id, reason, channel FROM files"):
            if kind == "ignored":  # never read: only its reason matters
                files.append((path, kind, reason, channel))
            else:
                # mtime_ns is -1 for a file read just after it changed (hashed again next
                # time): that is bookkeeping, not content
                files.append((path, kind, reason, channel, size, digest,
                              path_of.get(note_id) if note_id is not None else None))
        return {
            "notes": sorted(tuple(r) for r in con.execute(
                "SELECT path, channel, slug, slug_key, title, video_id, intro, sections, "
                "stamps, repaired FROM notes")),
            "sections": by_path("SELECT note_id, idx, level, heading, body, moments FROM sections"),
            "links": by_path("SELECT note_id, section_idx, target, target_key, label FROM links"),
            "blockquotes": by_path(
                "SELECT note_id, section_idx, text, kind, attribution, seconds, in_code "
                "FROM blockquotes"),
            "episodes": sorted(con.execute(
                "SELECT channel, video_id, title, url, hub_path, position FROM episodes")),
            "channels": sorted(con.execute(
                "SELECT channel, folder, display_name, hub_path FROM channels")),
            "files": sorted(files, key=lambda row: row[0]),
            "indexed_sections": con.execute("SELECT COUNT(*) FROM search_docsize").fetchone()[0],
            "notes_dir": con.execute(
                "SELECT value FROM sync_state WHERE key = 'notes_dir'").fetchone()[0],
            "user_version": con.execute("PRAGMA user_version").fetchone()[0],
        }
    finally:
        con.close()


async def cold_snapshot(vault: Path, db_path: Path) -> dict[str, Any]:
    """Snapshot of a fresh cold build of ``vault`` into ``db_path`` (which must not exist)."""
    async with NotesCache(db_path, workers=1) as cache:
        report = await cache.sync(vault)
        assert report.mode == "cold"
    return snapshot(db_path)


def fts_paths(db_path: Path, query: str) -> set[str]:
    """Paths of the notes whose sections match an FTS query."""
    con = sqlite3.connect(db_path)
    try:
        return {row[0] for row in con.execute(
            "SELECT DISTINCT n.path FROM search JOIN sections AS s ON s.id = search.rowid "
            "JOIN notes AS n ON n.id = s.note_id WHERE search MATCH :q", {"q": query})}
    finally:
        con.close()


# --------------------------------------------------------------------------- a sync to kill

# Runs one sync in its own process and stops it at a chosen point (it writes ``marker``
# then waits), so that the test can SIGKILL it there: "half" is in the progress callback
# once half of the files are parsed and written, "commit" is just before a COMMIT (all of
# the transaction's rows written, none committed).
SYNC_SCRIPT = r"""
import asyncio, sys, time
from pathlib import Path

import aiosqlite

from bot.cache.store import NotesCache


def pause_before_commit(marker, pause_seconds):
    # Pause before the commit that makes a sync's work count: an incremental sync's one
    # commit, or a cold build's last (a build commits a batch at a time into its side
    # file; its last commit is the one after it stamps the schema version).
    original = aiosqlite.Connection.execute
    building, stamped = set(), set()

    def execute(self, statement, parameters=None):
        text = statement.strip().upper() if isinstance(statement, str) else ""
        if text == "PRAGMA JOURNAL_MODE = OFF":
            building.add(id(self))
        elif text.startswith("PRAGMA USER_VERSION ="):
            stamped.add(id(self))
        if text == "COMMIT" and (id(self) not in building or id(self) in stamped):
            async def paused():
                marker.write_text("commit")
                await asyncio.sleep(pause_seconds)
                return await original(self, statement, parameters)
            return paused()
        return original(self, statement, parameters)

    aiosqlite.Connection.execute = execute


async def main(db, vault, marker, pause_at, pause_seconds, rebuild):
    def progress(done, total):
        if pause_at == "half" and total and done >= total // 2 and not marker.exists():
            marker.write_text(f"{done}/{total}")
            time.sleep(pause_seconds)

    if pause_at == "commit":
        pause_before_commit(marker, pause_seconds)
    async with NotesCache(Path(db), workers=2) as cache:
        report = await cache.sync(Path(vault), progress=progress, rebuild=rebuild)
    print(report.mode, report.parsed, report.counts.notes, flush=True)


if __name__ == "__main__":  # the parse pool's workers import this file again
    db, vault, marker, pause_at, pause_seconds, rebuild = sys.argv[1:7]
    asyncio.run(main(db, vault, Path(marker), pause_at, float(pause_seconds), rebuild == "rebuild"))
"""


class PausedSync:
    """A sync in a subprocess (its own process group), paused at ``pause_at``."""

    def __init__(self, tmp_path: Path, db: Path, vault: Path, pause_at: str,
                 pause_seconds: float = 600.0, rebuild: bool = False) -> None:
        self.marker = tmp_path / f"paused-{pause_at}-{time.monotonic_ns()}"
        script = tmp_path / "paused_sync.py"
        script.write_text(SYNC_SCRIPT, encoding="utf-8")
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
        self.proc = subprocess.Popen(
            [sys.executable, str(script), str(db), str(vault), str(self.marker), pause_at,
             str(pause_seconds), "rebuild" if rebuild else "-"],
            cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def wait_until_paused(self, timeout: float = 180.0) -> str:
        deadline = time.monotonic() + timeout
        while not self.marker.exists():
            if self.proc.poll() is not None:
                out, err = self.proc.communicate()
                raise AssertionError(f"the sync ended before its pause point "
                                     f"(rc {self.proc.returncode}): {out!r} {err[-2000:]!r}")
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError("the sync did not reach its pause point in time")
            time.sleep(0.01)
        time.sleep(0.05)  # the marker is written just before the pause
        return self.marker.read_text()

    def kill(self) -> None:
        """SIGKILL the sync and everything it started (its pool workers, the forkserver)."""
        with_group = True
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            with_group = False
        self.proc.wait(timeout=30)
        if self.proc.stdout:
            self.proc.stdout.close()
        if self.proc.stderr:
            self.proc.stderr.close()
        assert with_group or self.proc.returncode is not None

    def finish(self, timeout: float = 180.0) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out.decode(), err.decode()


# --------------------------------------------------------------------------- in-process pause

class CommitPause:
    """Holds the writer's next COMMIT (an incremental sync's one transaction) until
    :meth:`release`, in this process: the test can read the cache meanwhile."""

    def __init__(self, monkeypatch: Any) -> None:
        import asyncio

        import aiosqlite

        self.reached = asyncio.Event()
        self.released = asyncio.Event()
        original = aiosqlite.Connection.execute
        pause = self

        def execute(conn: Any, statement: Any, parameters: Any = None) -> Any:
            text = statement.strip().upper() if isinstance(statement, str) else ""
            if text == "COMMIT" and not pause.released.is_set():
                async def paused() -> Any:
                    pause.reached.set()
                    await pause.released.wait()
                    return await original(conn, statement, parameters)
                return paused()
            return original(conn, statement, parameters)

        monkeypatch.setattr(aiosqlite.Connection, "execute", execute)

    def release(self) -> None:
        self.released.set()


# --------------------------------------------------------------------------- processes

def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()  # state, ppid, ...


def descendants(root: int) -> set[int]:
    """Every live process whose parent chain leads to ``root``."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields and fields[0] != "Z":
                parents[int(entry)] = int(fields[1])
    found: set[int] = set()
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if pid not in found and (ppid == root or ppid in found):
                found.add(pid)
                changed = True
    return found


def alive(pid: int) -> bool:
    """Running (a zombie, waiting for a parent to reap it, is not)."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"
