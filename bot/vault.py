"""Finding and reading the vault's files safely (blocking: run it off the event loop).

The vault may be a read-only mount that somebody else fills, so nothing here trusts it:
symbolic links are never followed out of the vault, directory loops are cut, a named pipe
or a device is never opened (a read would block for ever), and a file is opened
non-blocking and checked again after opening, in case it changed under us.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from bot.parsing import channel_key, clean_line, is_hub_file

MAX_NOTE_BYTES = 8 * 1024 * 1024
# The vault is one level deep; a deeper tree is cut (the walk recurses, and a hostile tree
# a few thousand folders deep would otherwise end it with a RecursionError).
MAX_DEPTH = 16
DIRECTORY_FILE = "directory.md"


@dataclass(frozen=True, slots=True)
class VaultFile:
    """One file under the vault, as the scan found it."""

    path: str  # relative to the vault root, "/"-separated, as on disk
    size: int
    mtime_ns: int
    kind: str  # note | hub | directory | ignored
    channel: str | None = None  # channel key (folder name, invisible marks dropped)
    slug: str | None = None
    reason: str | None = None  # for kind == "ignored"


@dataclass(slots=True)
class VaultScan:
    files: list[VaultFile]
    folders: dict[str, str]  # channel key -> folder name on disk


def scan_vault(root: Path) -> VaultScan:
    """Every file under ``root``, classified. Blocking: call it in a thread.

    Raises ``FileNotFoundError``/``NotADirectoryError`` when ``root`` itself is unusable,
    because then there is nothing to sync and the old cache must stay as it is.
    """
    root_real = os.path.realpath(root)
    if not os.path.isdir(root_real):
        if not os.path.exists(root_real):
            raise FileNotFoundError(errno.ENOENT, "notes folder not found", str(root))
        raise NotADirectoryError(errno.ENOTDIR, "notes path is not a folder", str(root))
    files: list[VaultFile] = []
    folders: dict[str, str] = {}
    seen_dirs: set[tuple[int, int]] = set()
    seen_notes: dict[tuple[str, str], str] = {}

    def walk(directory: str, rel: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            files.append(VaultFile(rel, 0, 0, "ignored",
                                   reason=f"folder nested more than {MAX_DEPTH} deep (not read)"))
            return
        try:
            dir_stat = os.stat(directory)
        except OSError:
            return
        ident = (dir_stat.st_dev, dir_stat.st_ino)
        if ident in seen_dirs:
            files.append(VaultFile(rel or ".", 0, 0, "ignored", reason="directory loop (not followed)"))
            return
        seen_dirs.add(ident)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            files.append(VaultFile(rel or ".", 0, 0, "ignored", reason=f"cannot list folder: {exc.strerror}"))
            return
        for entry in entries:
            rel_path = f"{rel}/{entry.name}" if rel else entry.name
            if entry.name.startswith("."):
                continue  # .obsidian, .git, .DS_Store: not content
            if not _is_utf8(entry.name):
                # the path could not be stored (SQLite refuses lone surrogates) nor shown
                files.append(VaultFile(_printable(rel_path), 0, 0, "ignored",
                                       reason="name is not valid UTF-8 (not read)"))
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:
                files.append(VaultFile(rel_path, 0, 0, "ignored", reason=f"cannot stat: {exc.strerror}"))
                continue
            if stat.S_ISLNK(info.st_mode):
                target = os.path.realpath(entry.path)
                inside = target == root_real or target.startswith(root_real + os.sep)
                if not inside:
                    files.append(VaultFile(rel_path, 0, 0, "ignored",
                                           reason="symbolic link leading outside the vault (not followed)"))
                    continue
                try:
                    info = os.stat(target)
                except OSError:
                    files.append(VaultFile(rel_path, 0, 0, "ignored", reason="broken symbolic link"))
                    continue
                if stat.S_ISDIR(info.st_mode):
                    files.append(VaultFile(rel_path, 0, 0, "ignored",
                                           reason="symbolic link to a folder (not followed)"))
                    continue
            if stat.S_ISDIR(info.st_mode):
                if not rel:
                    folders.setdefault(channel_key(entry.name), entry.name)
                walk(entry.path, rel_path, depth + 1)
                continue
            if not stat.S_ISREG(info.st_mode):
                what = "named pipe" if stat.S_ISFIFO(info.st_mode) else "special file"
                files.append(VaultFile(rel_path, 0, 0, "ignored", reason=f"{what}, not a regular file"))
                continue
            files.append(_classify(rel_path, info, seen_notes))

    walk(root_real, "", 0)
    return VaultScan(files, folders)


def _is_utf8(name: str) -> bool:
    """False for a name that the file system gave as undecodable bytes (lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(path: str) -> str:
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@functools.lru_cache(maxsize=4096)
def _folder_key(folder: str) -> str:
    return channel_key(folder)


def _is_hub(folder: str, slug: str, channel: str) -> bool:
    """``is_hub_file``, with a fast path for the usual ASCII names (the scan's hot loop)."""
    if folder.isascii() and slug.isascii():
        return slug.lower() == folder.lower()
    return is_hub_file(folder, slug)


def _classify(rel_path: str, info: os.stat_result, seen: dict[tuple[str, str], str]) -> VaultFile:
    size, mtime = info.st_size, info.st_mtime_ns
    parts = rel_path.split("/")
    name = parts[-1]
    if not name.lower().endswith(".md"):
        return VaultFile(rel_path, size, mtime, "ignored", reason="not a markdown (.md) file")
    if len(parts) == 1:
        if name.lower() == DIRECTORY_FILE:
            return VaultFile(rel_path, size, mtime, "directory")
        return VaultFile(rel_path, size, mtime, "ignored", reason="top-level page, not in a channel folder")
    if size > MAX_NOTE_BYTES:
        return VaultFile(rel_path, size, mtime, "ignored",
                         reason=f"larger than {MAX_NOTE_BYTES // (1024 * 1024)} MB")
    channel = _folder_key(parts[0])
    slug = clean_line(name[:-3])
    if len(parts) == 2 and _is_hub(parts[0], slug, channel):
        return VaultFile(rel_path, size, mtime, "hub", channel, slug)
    key = (channel, slug)
    if key in seen:
        return VaultFile(rel_path, size, mtime, "ignored", channel, slug,
                         reason=f"same channel and name as {seen[key]}")
    seen[key] = rel_path
    return VaultFile(rel_path, size, mtime, "note", channel, slug)


def read_vault_file(root: str, rel_path: str) -> tuple[bytes, int, int]:
    """Read one regular file without ever blocking on a pipe; returns (data, size, mtime_ns).

    Raises ``OSError`` (with a readable ``strerror``) when the file is gone, is no longer a
    regular file, is larger than :data:`MAX_NOTE_BYTES`, or now lies outside ``root`` (a
    path with ``..`` in it, or a link that was changed to point out after the scan).
    """
    path = os.path.realpath(os.path.join(root, *rel_path.split("/")))
    # a resolved path has no links left in it: when it starts with the root as given, it
    # is inside (one realpath() per file, not two, on the hot path of a build)
    if not path.startswith(os.path.abspath(root) + os.sep) and not path.startswith(
        os.path.realpath(root) + os.sep
    ):
        raise OSError(errno.EACCES, "leads outside the notes folder (not read)")
    # O_NOFOLLOW: had the last part become a link since realpath(), the open fails
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "no longer a regular file")
        if info.st_size > MAX_NOTE_BYTES:
            raise OSError(errno.EFBIG, f"larger than {MAX_NOTE_BYTES // (1024 * 1024)} MB")
        chunks = []
        remaining = MAX_NOTE_BYTES + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > MAX_NOTE_BYTES:
            raise OSError(errno.EFBIG, f"larger than {MAX_NOTE_BYTES // (1024 * 1024)} MB")
        return data, info.st_size, info.st_mtime_ns
    finally:
        os.close(fd)


def content_hash(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()
