"""Notecast opens, rebuilds or deletes only a file that is its own cache (or none), and says
in one line what is wrong with a path it cannot use."""

# The tests change files on disk between awaits, on purpose and in the event loop.
# ruff: noqa: ASYNC240

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

import bot.cache.files
from bot.cache import CacheError, CacheUnwritable, ForeignCacheFile, NotesCache, sql
from tests.cache.helpers import SAMPLE_VAULT


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(SAMPLE_VAULT, root)
    return root


def _other_program_db(path: Path, application_id: int = 0) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    con.execute("INSERT INTO invoices (total) VALUES (12.5)")
    if application_id:
        con.execute(f"PRAGMA application_id = {application_id}")
    con.commit()
    con.close()


FOREIGN = {
    "a text file": lambda p: p.write_text("# My notes\n\nDo not lose me.\n"),
    "random bytes": lambda p: p.write_bytes(os.urandom(8192)),
    "an empty file": lambda p: p.write_bytes(b""),
    "another program's database": _other_program_db,
    "a database with another application id": lambda p: _other_program_db(p, 0x12345678),
}


@pytest.mark.parametrize("kind", list(FOREIGN))
@pytest.mark.parametrize("readonly", [False, True])
async def test_a_file_that_is_not_ours_is_refused_and_untouched(
        tmp_path: Path, vault: Path, kind: str, readonly: bool) -> None:
    path = tmp_path / "notes.md"
    FOREIGN[kind](path)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    cache = NotesCache(path, workers=1, readonly=readonly)
    with pytest.raises(ForeignCacheFile) as refused:
        await cache.open()
        await cache.sync(vault)  # (never reached: open refuses)
    await cache.close()
    message = str(refused.value)
    assert isinstance(refused.value, CacheError)
    assert str(path) in message and "not a Notecast cache" in message
    assert "--db" in message and "\n" not in message
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    # and nothing is created beside it (no lock file, no journal)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "vault") == ["notes.md"]


async def test_a_file_replaced_by_a_foreign_one_is_not_synced(tmp_path: Path, vault: Path) -> None:
    """Between open and sync, the path came to hold something else."""
    path = tmp_path / "c.db"
    async with NotesCache(path, workers=1) as cache:
        await cache.sync(vault)
        os.replace(path, tmp_path / "moved.db")
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.write_text("a text file now\n")
        with pytest.raises(ForeignCacheFile):
            await cache.sync(vault)
    assert path.read_text() == "a text file now\n"


async def test_a_new_cache_carries_the_application_id(tmp_path: Path, vault: Path) -> None:
    path = tmp_path / "c.db"
    async with NotesCache(path, workers=1) as cache:
        await cache.sync(vault)
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA application_id").fetchone()[0] == sql.APPLICATION_ID
    finally:
        con.close()


async def test_a_cache_from_before_the_marker_is_still_ours(tmp_path: Path, vault: Path) -> None:
    """A cache built before application ids (0, with our state table and vault) is
    synced in place, not refused."""
    path = tmp_path / "c.db"
    async with NotesCache(path, workers=1) as cache:
        await cache.sync(vault)
    con = sqlite3.connect(path)
    con.execute("PRAGMA application_id = 0")
    con.commit()
    con.close()
    async with NotesCache(path, workers=1) as cache:
        report = await cache.sync(vault)
    assert report.mode == "incremental" and report.counts.notes == 12
    con = sqlite3.connect(path)
    try:  # and carries the marker from then on
        assert con.execute("PRAGMA application_id").fetchone()[0] == sql.APPLICATION_ID
    finally:
        con.close()


def _one_line(exc: BaseException) -> str:
    message = str(exc)
    assert "\n" not in message
    return message


async def test_a_cache_path_under_a_file_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where a folder should be\n")
    path = blocker / "cache" / "notes.db"
    with pytest.raises(CacheUnwritable) as failed:
        await NotesCache(path).open()
    message = _one_line(failed.value)
    assert str(path) in message and "not a folder" in message
    assert f"uid {os.getuid()}" in message
    assert "NOTECAST_DB" in message and "--db" in message
    assert "starting a new one" not in message
    assert blocker.read_text() == "a file where a folder should be\n"


@pytest.mark.parametrize(("code", "said"), [
    (errno.EACCES, "permission denied"),
    (errno.EROFS, "read-only file system"),
])
async def test_an_unwritable_cache_folder_is_one_clear_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, said: str) -> None:
    """(The tests run as root, who may write anywhere: the failure is simulated.)"""
    path = tmp_path / "ro" / "notes.db"
    path.parent.mkdir()
    real_open = os.open

    def refuse(file: object, flags: int, *args: object, **kwargs: object) -> int:
        if str(file).startswith(str(path.parent)) and flags & os.O_CREAT:
            raise OSError(code, os.strerror(code), str(file))
        return real_open(file, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bot.cache.files.os, "open", refuse)
    monkeypatch.setattr(bot.cache.files.getpass, "getuser", lambda: "notecast")
    with pytest.raises(CacheUnwritable) as failed:
        await NotesCache(path).open()
    message = _one_line(failed.value)
    assert str(path) in message and said in message
    assert "notecast" in message and f"uid {os.getuid()}" in message
    assert "NOTECAST_DB" in message
