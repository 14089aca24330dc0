"""The state database's file: proving it is ours, and creating it so that it never exists
half-made. Everything here blocks: call it in a thread.

A new file is made under a name of this process's own, marked with
:data:`~bot.state.migrations.APPLICATION_ID` and in WAL mode, then put in place with
``link()``, which never replaces a file: two processes creating it at once both end up
opening the one that got there first. So a file at the path either carries the marker or
is not Notecast's, even after a crash at any moment.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import sqlite3
import stat
from pathlib import Path

from bot.cache import sql as cache_sql
from bot.cache.files import UnreadableFile, alive, fsync, remove_database, sqlite_header, user
from bot.state.errors import EmptyStateFile, ForeignStateFile, StateUnwritable
from bot.state.migrations import APPLICATION_ID

_NEW = ".new-"


def check_ownership(path: Path) -> bool:
    """True if ``path`` holds a state database of ours, False if there is nothing there;
    anything else raises :class:`ForeignStateFile` (the file is only read, never written,
    through :func:`bot.cache.files.sqlite_header`); a 0-byte file is an
    :class:`EmptyStateFile`."""
    with contextlib.suppress(OSError):
        info = os.stat(path)
        if stat.S_ISREG(info.st_mode) and info.st_size == 0:
            raise EmptyStateFile(path)
    try:
        header = sqlite_header(path)
    except UnreadableFile as exc:
        raise ForeignStateFile(path, str(exc)) from None
    if header is None:
        return False  # (through a file: creating it says why it cannot be made)
    application_id = header[0]
    if application_id == APPLICATION_ID:
        return True
    if application_id == cache_sql.APPLICATION_ID:
        raise ForeignStateFile(path, "it is a Notecast notes cache; the state needs a file of its own")
    if application_id:
        raise ForeignStateFile(path, f"an SQLite database of another program, "
                                     f"application id {application_id:#x}")
    raise ForeignStateFile(path, "an SQLite database of another program")


def create(path: Path) -> None:
    """Make an empty state database at ``path`` (version 0, marked ours, WAL) unless one
    appeared there meanwhile. Raises :class:`StateUnwritable` when the folder cannot be
    made or written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StateUnwritable(path, _reason(exc), user()) from None
    remove_stale(path)
    new = path.with_name(f"{path.name}{_NEW}{os.getpid()}-{secrets.token_hex(4)}")
    remove_database(new)
    try:
        con = sqlite3.connect(new, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode = WAL")  # (kept in the file's header)
            con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        finally:
            con.close()  # (checkpoints: the header is in the file itself)
        fsync(new)
        try:
            os.link(new, path)
        except FileExistsError:
            pass  # another process made it first: that one is opened
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                raise
            # a filesystem without hard links: a rename, only while the path is still free
            if not path.exists():
                os.replace(new, path)
        fsync(path.parent)
    except (OSError, sqlite3.OperationalError) as exc:
        detail = _reason(exc) if isinstance(exc, OSError) else str(exc)
        raise StateUnwritable(path, detail, user()) from None
    finally:
        remove_database(new)


def check_writable(path: Path) -> None:
    """Raise :class:`StateUnwritable` unless this process may write the file, its ``-wal``
    and ``-shm`` files if there are any, and its folder (where SQLite makes them). Checked
    before SQLite opens the file: SQLite would open a file it cannot write read-only
    without a word, and leave read-only ``-wal`` and ``-shm`` files beside it."""
    for what, target in (("the file", path), ("its -wal file", _side(path, "-wal")),
                         ("its -shm file", _side(path, "-shm"))):
        try:
            info = os.stat(target)
        except FileNotFoundError:
            continue  # (only the side files may be missing: the file was just proven ours)
        except OSError as exc:
            raise StateUnwritable(path, f"cannot reach {what}: {_reason(exc)}", user()) from None
        if not _may_write(target):
            raise StateUnwritable(path, f"{what} is {_read_only(target, info)}", user())
    if not _may_write(path.parent, os.X_OK):
        what = _read_only(path.parent, os.stat(path.parent))
        raise StateUnwritable(path, f"its folder {path.parent} is {what}, and SQLite "
                                    f"writes the -wal and -shm files there", user())


def _side(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _may_write(target: Path, extra: int = 0) -> bool:
    effective = os.access in os.supports_effective_ids  # (as the process's effective user)
    return os.access(target, os.R_OK | os.W_OK | extra, effective_ids=effective)


def _read_only(target: Path, info: os.stat_result) -> str:
    try:
        if os.statvfs(target).f_flag & os.ST_RDONLY:
            return "on a read-only filesystem"
    except OSError:
        pass
    return (f"not writable by this user (mode {stat.filemode(info.st_mode)}, "
            f"owner uid {info.st_uid})")


def remove_stale(path: Path) -> None:
    """Files of creations whose process is gone (killed between create and link)."""
    for leftover in path.parent.glob(f"{path.name}{_NEW}*"):
        match = re.fullmatch(r"(\d+)-[0-9a-f]+(-wal|-shm|-journal)?", leftover.name[len(path.name) + len(_NEW):])
        if match is not None and not alive(int(match.group(1))):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        return "a part of the path is a file, not a folder"
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]
