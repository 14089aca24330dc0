"""Finding and reading the vault's files safely (blocking: run it off the event loop).

The vault may be a read-only mount that somebody else fills, so nothing here trusts it:
symbolic links are never followed out of the vault, directory loops are cut, a named pipe
or a device is never opened (a read would block for ever), and a file is opened
non-blocking and checked again after opening, in case it changed under us.

Three shapes of vault are read (:attr:`VaultScan.layout` says which it was):

* channel folders, ``<channel>/<slug>.md``, with the hub ``<channel>/<channel>.md``;
* a single folder of notes (one podcast, as many Obsidian users keep it): the folder is
  the channel and ``<folder>.md`` in it the hub. A vault is read so when it holds more
  notes at its top level than folders that hold notes;
* either of them with nested subfolders: a note belongs to the channel of its first
  folder level (or to the single folder), and the hub lies right in the channel folder.

``directory.md`` at the top level names the channels; ``index.md`` there is no note. Two
notes of one channel with the same name are never decided by the order of a listing:
the shallower is read (then the first by path), and the other is reported with both paths.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from bot.notes.names import channel_key, clean_line, is_hub_file

MAX_NOTE_BYTES = 8 * 1024 * 1024
# A deeper tree is cut (the walk recurses, and a hostile tree
# a few thousand folders deep would otherwise end it with a RecursionError).
MAX_DEPTH = 16
DIRECTORY_FILE = "directory.md"
INDEX_FILE = "index.md"


class VaultFile(NamedTuple):
    """One file under the vault, as the scan found it (a named tuple: the scan makes 21k of
    them on every sync, and a tuple is made in a third of the time of a frozen dataclass)."""

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
    # how the vault was read, for people: "81 channel folders", "a single folder of notes:
    # lexfridman", "3 channel folders with nested subfolders", "an empty folder"
    layout: str = ""


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
    seen_notes: dict[str, dict[str, int]] = {}  # channel key -> slug -> index in files
    twins: dict[tuple[str, str], list[int]] = {}  # notes of one channel with one name
    root_name = os.path.basename(root_real) or "notes"
    shape = {"single": False, "nested": False}
    add = files.append

    def ignored(rel_path: str, reason: str) -> None:
        add(VaultFile(rel_path, 0, 0, "ignored", None, None, reason))

    def walk(directory: str, rel: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            ignored(rel, f"folder nested more than {MAX_DEPTH} deep (not read)")
            return
        try:
            dir_stat = os.stat(directory)
        except OSError:
            return
        ident = (dir_stat.st_dev, dir_stat.st_ino)
        if ident in seen_dirs:
            ignored(rel or ".", "directory loop (not followed)")
            return
        seen_dirs.add(ident)
        try:
            names = sorted(os.listdir(directory))
        except OSError as exc:
            ignored(rel or ".", f"cannot list folder: {exc.strerror}")
            return
        # what is the same for all the files of the folder is worked out once, not per file
        base = os.path.join(directory, "")  # with the "/", as os.scandir() joins a path
        prefix = f"{rel}/" if rel else ""
        stats: dict[str, os.stat_result] | None = None
        if not rel:  # the top level decides how the vault is read
            stats = _stat_names(base, names)
            shape["single"] = _is_single_folder(stats)
            if shape["single"]:
                folders[channel_key(root_name)] = root_name
        single = shape["single"]
        # a subfolder of a channel (or of the single folder): nested, if notes are in it
        nested_from = len(files) if rel and (single or "/" in rel) and not shape["nested"] else -1
        classify = _classifier(rel, single, root_name, seen_notes, twins, files)
        for name in names:
            if name.startswith("."):
                continue  # .obsidian, .git, .DS_Store: not content
            rel_path = prefix + name
            if not name.isascii() and not _is_utf8(name):
                # the path could not be stored (SQLite refuses lone surrogates) nor shown
                ignored(_printable(rel_path), "name is not valid UTF-8 (not read)")
                continue
            path = base + name
            try:
                info = stats[name] if stats is not None and name in stats else os.lstat(path)
            except OSError as exc:
                ignored(rel_path, f"cannot stat: {exc.strerror}")
                continue
            if stat.S_ISREG(info.st_mode):  # the usual case, first: a plain file
                add(classify(name, rel_path, info))
                continue
            if stat.S_ISLNK(info.st_mode):
                target = os.path.realpath(path)
                inside = target == root_real or target.startswith(root_real + os.sep)
                if not inside:
                    ignored(rel_path, "symbolic link leading outside the vault (not followed)")
                    continue
                try:
                    info = os.stat(target)
                except OSError:
                    ignored(rel_path, "broken symbolic link")
                    continue
                if stat.S_ISDIR(info.st_mode):
                    ignored(rel_path, "symbolic link to a folder (not followed)")
                    continue
            if stat.S_ISDIR(info.st_mode):
                if not rel and not single:
                    folders.setdefault(channel_key(name), name)
                walk(path, rel_path, depth + 1)
                continue
            if not stat.S_ISREG(info.st_mode):
                what = "named pipe" if stat.S_ISFIFO(info.st_mode) else "special file"
                ignored(rel_path, f"{what}, not a regular file")
                continue
            add(classify(name, rel_path, info))  # a link to a file in the vault
        if nested_from >= 0 and any(f.kind == "note" for f in files[nested_from:]):
            shape["nested"] = True

    walk(root_real, "", 0)
    for indexes in twins.values():
        _settle_twins(files, indexes)
    return VaultScan(files, folders, _layout(shape["single"], shape["nested"], folders, root_name))


def _stat_names(base: str, names: list[str]) -> dict[str, os.stat_result]:
    """``lstat`` of the top level's entries (a name that fails is stat'ed again, and
    reported, by the walk)."""
    stats: dict[str, os.stat_result] = {}
    for name in names:
        if not name.startswith("."):
            with contextlib.suppress(OSError, UnicodeEncodeError):
                stats[name] = os.lstat(base + name)
    return stats


def _is_single_folder(stats: dict[str, os.stat_result]) -> bool:
    """A vault is one folder of notes when its top level holds more notes than folders."""
    notes = folders = 0
    for name, info in stats.items():
        if stat.S_ISDIR(info.st_mode):
            folders += 1
        elif _is_markdown(name) and name.lower() not in _TOP_PAGES:
            notes += 1
    return notes > folders


def _layout(single: bool, nested: bool, folders: dict[str, str], root_name: str) -> str:
    if single:
        layout = f"a single folder of notes: {root_name}"
    elif folders:
        layout = f"{len(folders):,} channel folder{'' if len(folders) == 1 else 's'}"
    else:
        return "an empty folder"
    return layout + " with nested subfolders" if nested else layout


def _settle_twins(files: list[VaultFile], indexes: list[int]) -> None:
    """Notes of one channel with one name: the shallowest is read (then the first by path,
    never the first listed), and each other is reported with both paths."""
    ranked = sorted(indexes, key=lambda k: (files[k].path.count("/"), files[k].path))
    kept = files[ranked[0]].path
    for k in ranked[1:]:
        files[k] = files[k]._replace(kind="ignored",
                                     reason=f"same channel and name as {kept} (that one is read)")


def _is_utf8(name: str) -> bool:
    """False for a name that the file system gave as undecodable bytes (lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(path: str) -> str:
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


_NOT_MARKDOWN = "not a markdown (.md) file"
_TOO_LARGE = f"larger than {MAX_NOTE_BYTES // (1024 * 1024)} MB"
_TOP_PAGES = frozenset({DIRECTORY_FILE, INDEX_FILE})
_INDEX_PAGE = "the vault's index page, not a note"
_Classify = Callable[[str, str, os.stat_result], VaultFile]


def _is_markdown(name: str) -> bool:
    # a name that ends in ".md" ends in ".md" lower-cased too: the same test, faster
    return name.endswith(".md") or name.lower().endswith(".md")


def _classifier(rel: str, single: bool, root_name: str, seen_notes: dict[str, dict[str, int]],
                twins: dict[tuple[str, str], list[int]], files: list[VaultFile]) -> _Classify:
    """How to classify a regular file (name, path, stat) of the folder ``rel``, which the
    caller appends to ``files`` next; a note whose channel already has its name is listed
    in ``twins`` (settled by :func:`_settle_twins` once the walk is done).

    What is the same for all the files of a folder (its channel key, the hub's name, its
    depth) is worked out here once, not for every file in the scan's hot loop.
    """
    if single:
        folder, below = root_name, rel
    elif not rel:
        return _classify_top_level
    else:
        folder, _, below = rel.partition("/")
    channel = channel_key(folder)
    seen = seen_notes.setdefault(channel, {})
    # a hub lies right in its channel folder ("acquiredfm/acquiredFM.md"); two ASCII names
    # are compared case aside, as ever (is_hub_file() would also strip the folder name's
    # white space at either end)
    hub_folder = None if below else folder
    ascii_hub = folder.lower() if hub_folder is not None and folder.isascii() else None
    top_level = single and not rel

    def classify(name: str, rel_path: str, info: os.stat_result) -> VaultFile:
        size = info.st_size
        if not _is_markdown(name):
            return VaultFile(rel_path, size, info.st_mtime_ns, "ignored", None, None, _NOT_MARKDOWN)
        if top_level and name.lower() in _TOP_PAGES:
            if name.lower() == DIRECTORY_FILE:
                return VaultFile(rel_path, size, info.st_mtime_ns, "directory")
            return VaultFile(rel_path, size, info.st_mtime_ns, "ignored", None, None, _INDEX_PAGE)
        if size > MAX_NOTE_BYTES:
            return VaultFile(rel_path, size, info.st_mtime_ns, "ignored", None, None, _TOO_LARGE)
        stem = name[:-3]
        slug = " ".join(stem.split()) if stem.isascii() else clean_line(stem)  # clean_line(), inlined
        if hub_folder is not None:
            if ascii_hub is not None and slug.isascii():
                hub = len(slug) == len(ascii_hub) and slug.lower() == ascii_hub
            else:
                hub = is_hub_file(hub_folder, slug)
            if hub:
                return VaultFile(rel_path, size, info.st_mtime_ns, "hub", channel, slug)
        first = seen.get(slug)
        if first is None:
            seen[slug] = len(files)
        else:
            twins.setdefault((channel, slug), [first]).append(len(files))
        return VaultFile(rel_path, size, info.st_mtime_ns, "note", channel, slug)

    return classify


def _classify_top_level(name: str, rel_path: str, info: os.stat_result) -> VaultFile:
    size, mtime = info.st_size, info.st_mtime_ns
    if not name.lower().endswith(".md"):
        return VaultFile(rel_path, size, mtime, "ignored", None, None, _NOT_MARKDOWN)
    if name.lower() == DIRECTORY_FILE:
        return VaultFile(rel_path, size, mtime, "directory")
    return VaultFile(rel_path, size, mtime, "ignored", None, None, "top-level page, not in a channel folder")


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
