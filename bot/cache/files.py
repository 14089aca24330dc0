"""The cache's files on disk: whose they are, the folder, the sync lock, side files of cold
builds and the swap that puts a new build in place. Everything here blocks: call it in a
thread."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import getpass
import logging
import os
import re
import shutil
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path

from bot.cache import sql
from bot.cache.errors import CacheUnwritable, ForeignCacheFile

log = logging.getLogger(__name__)

Identity = tuple[int, int]  # (st_dev, st_ino) of the cache file


@dataclass(frozen=True, slots=True)
class Ownership:
    """What is at the cache's path: nothing, or a cache of ours."""

    exists: bool
    legacy: bool = False  # ours, from before the application id (application_id 0)
    user_version: int = 0


def identity(path: Path) -> Identity | None:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_dev, info.st_ino


class UnreadableFile(Exception):
    """A file that is no readable SQLite database; ``str()`` says why in a few words."""


def sqlite_header(path: Path, *, damaged_ok: bool = False) -> tuple[int, int] | None:
    """(application id, user version) of the SQLite database at ``path``, ``None`` when
    there is nothing there; :class:`UnreadableFile` for anything that is no SQLite database
    (a folder, an empty file, text). ``damaged_ok``: a database SQLite cannot read (bad
    pages, cut short) is judged by its raw header.

    The header is read through SQLite (read-only, immutable), never with a plain ``open()``:
    closing a descriptor of the file would drop every POSIX lock this process's SQLite
    connections hold on it, and another process would then delete the WAL under them."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise UnreadableFile(f"cannot read it: {_reason(exc)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise UnreadableFile("a folder")
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFile("not a regular file")
    if info.st_size == 0:
        raise UnreadableFile("an empty file")
    if info.st_size < 100:
        raise UnreadableFile("not an SQLite database")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            application_id = con.execute("PRAGMA application_id").fetchone()[0]
            user_version = con.execute("PRAGMA user_version").fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) or "encrypted" in str(exc):
            raise UnreadableFile("not an SQLite database") from None
        if not damaged_ok:
            raise UnreadableFile(f"cannot read it: {exc}") from None
        # damaged (truncated, bad pages): only then the raw header decides, read directly
        return _raw_header(path, exc)
    return int(application_id), int(user_version)


def check_ownership(path: Path) -> Ownership:
    """Prove that ``path`` is missing or a Notecast cache, or raise :class:`ForeignCacheFile`
    (the file is only read, never written)."""
    try:
        header = sqlite_header(path, damaged_ok=True)
    except UnreadableFile as exc:
        raise ForeignCacheFile(path, str(exc)) from None
    if header is None:
        return Ownership(exists=False)
    application_id, user_version = header
    if application_id == sql.APPLICATION_ID:
        return Ownership(exists=True, user_version=user_version)
    if application_id != 0:
        raise ForeignCacheFile(path, f"an SQLite database of another program, "
                                     f"application id {application_id:#x}")
    if _has_legacy_marker(path):
        return Ownership(exists=True, legacy=True, user_version=user_version)
    raise ForeignCacheFile(path, "an SQLite database of another program")


def _raw_header(path: Path, error: Exception) -> tuple[int, int]:
    """(application id, user version) from the first 100 bytes of a file SQLite could not
    read, or :class:`UnreadableFile` when it is not an SQLite database at all."""
    try:
        with open(path, "rb") as f:
            header = f.read(100)
    except OSError as exc:
        raise UnreadableFile(f"cannot read it: {_reason(exc)}") from None
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        raise UnreadableFile(f"cannot read it: {error}")
    return int.from_bytes(header[68:72], "big"), int.from_bytes(header[60:64], "big")


def _has_legacy_marker(path: Path) -> bool:
    """Our state table with the vault it was built from (caches before the marker)."""
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        if con.execute(sql.HAS_STATE_TABLE).fetchone() is None:
            return False
        return con.execute(sql.GET_STATE_VALUE, {"key": "notes_dir"}).fetchone() is not None
    except sqlite3.Error:
        return False
    finally:
        con.close()


def prepare(db_path: Path) -> Ownership:
    """A writer's open: the file proven ours (or missing) before anything is created beside
    it, then its folder prepared."""
    ownership = check_ownership(db_path) if db_path.exists() else Ownership(exists=False)
    prepare_folder(db_path)
    return ownership


def prepare_folder(db_path: Path) -> None:
    """Make the cache's folder and prove it writable (by creating the lock file), or raise
    :class:`CacheUnwritable` with one line that says what failed and for whom."""
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path(db_path), os.O_RDWR | os.O_CREAT, 0o644)
        os.close(fd)
    except OSError as exc:
        raise CacheUnwritable(db_path, _reason(exc), user()) from None
    remove_stale_builds(db_path)


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        return "a part of the path is a file, not a folder"
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def user() -> str:
    """Who this process runs as, for messages about permissions."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "?"
    return f"user {name}, uid {os.getuid()}"


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


class FileLock:
    """An exclusive ``flock`` on a file beside the cache, so that two processes (the bot
    and ``notecast index``, say) never sync one cache at once. Blocks: take it in a thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def build_path(db_path: Path) -> Path:
    """This process's side file for a cold build (another process may build its own)."""
    return db_path.with_name(f"{db_path.name}.building-{os.getpid()}")


def parts_dir(build: Path) -> Path:
    """The folder of a cold build's part files (see bot.cache.loader.write_part)."""
    return build.with_name(build.name + ".parts")


def remove_database(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(path) + suffix).unlink()


def remove_parts(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def remove_build(build: Path) -> None:
    remove_database(build)
    remove_parts(parts_dir(build))


def remove_stale_builds(db_path: Path) -> None:
    """Side files of cold builds whose process is gone (killed mid-build)."""
    for build in db_path.parent.glob(f"{db_path.name}.building-*"):
        match = re.fullmatch(r"\.building-(\d+)(\.parts)?", build.name[len(db_path.name):])
        if match is None or alive(int(match.group(1))):
            continue
        if match.group(2):
            remove_parts(build)
        else:
            with contextlib.suppress(FileNotFoundError):
                build.unlink()


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists (one of another user's counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def swap_in(build: Path, db_path: Path) -> None:
    """Put a finished build in the cache's place: flushed to disk, then one rename. The old
    cache's WAL goes first, so the new file is never read through the old log (readers that
    still hold the old file keep reading it through their open descriptors)."""
    fsync(build)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(db_path) + suffix).unlink()
    os.replace(build, db_path)
    fsync(db_path.parent)


def fsync(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
