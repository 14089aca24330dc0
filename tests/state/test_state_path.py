"""Where the state database is, by default, and what is at its path.

With no settings it is in the user's data folder (``$XDG_DATA_HOME/notecast``), not beside
the default cache in the cache folder, which the docs call safe to delete; a state file
that an older Notecast left there is still used (never moved) with a warning saying how to
move it; with the cache's file chosen (``NOTECAST_DB``, as in the container) it stays
beside it. A 0-byte file at the path is refused with what to do."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import pytest

from bot.config import SAMPLE_VAULT, Settings, load_settings
from bot.state import ForeignStateFile, open_state_store
from bot.state.migrations import LATEST
from bot.state.store import open_configured_state
from tests.cli.helpers import notecast

NAME = "notecast-state.db"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user with no XDG folders set: ``~/.cache`` and ``~/.local/share`` in ``home``."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "home"


def _settings() -> Settings:
    return load_settings(None, environ={}, cwd=Path("/nonexistent"))


def _create(path: Path) -> None:
    async def create() -> None:
        async with open_state_store(path):
            pass

    asyncio.run(create())


def _state_file_at(path: Path) -> None:
    """A state database at ``path``, made elsewhere (so that making it warns of nothing)."""
    made = path.parent.parent / "elsewhere" / NAME
    _create(made)
    path.parent.mkdir(parents=True, exist_ok=True)
    made.rename(path)


# --------------------------------------------------------------------------- the default path

def test_with_no_settings_the_state_is_in_the_data_folder_not_the_cache_folder(home: Path) -> None:
    settings = _settings()
    assert settings.db == home / ".cache" / "notecast" / "notecast.db"
    assert settings.state_db_path == home / ".local" / "share" / "notecast" / NAME
    # with the cache's file chosen, as in the container, the state stays beside it
    chosen = load_settings(None, environ={"NOTECAST_DB": "/data/notecast.db"}, cwd=Path("/nonexistent"))
    assert chosen.state_db_path == Path("/data/notecast-state.db")


def test_the_data_folder_follows_xdg_data_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    assert _settings().state_db_path == home / "data" / "notecast" / NAME
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")  # (ignored, as XDG says)
    assert _settings().state_db_path == home / ".local" / "share" / "notecast" / NAME


def test_a_state_left_in_the_cache_folder_is_kept_there_with_one_warning(
        home: Path, caplog: pytest.LogCaptureFixture) -> None:
    old = home / ".cache" / "notecast" / NAME
    _state_file_at(old)
    settings = _settings()
    assert settings.state_db_path == old

    async def open_twice() -> None:
        for _ in range(2):
            async with open_configured_state(settings) as state:
                assert state.version == LATEST

    with caplog.at_level(logging.WARNING):
        asyncio.run(open_twice())
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    new_folder = home / ".local" / "share" / "notecast"
    assert f"the state database {old} is in the cache folder, which is safe to delete" in warnings[0]
    assert f"move it, with any {NAME}-wal and {NAME}-shm files beside it, to {new_folder}/" in warnings[0]
    assert "NOTECAST_STATE_DB" in warnings[0]
    assert old.is_file() and not new_folder.exists()  # used where it is, never moved


def test_once_in_the_data_folder_that_state_is_used_and_an_old_one_left_is_pointed_out(
        home: Path, caplog: pytest.LogCaptureFixture) -> None:
    old, new = home / ".cache" / "notecast" / NAME, home / ".local" / "share" / "notecast" / NAME
    _state_file_at(old)
    _state_file_at(new)
    settings = _settings()
    assert settings.state_db_path == new
    with caplog.at_level(logging.WARNING):
        _create(settings.state_db_path)
        _create(settings.state_db_path)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [f"a state database an older Notecast kept in the cache folder, {old}, "
                        f"is not used: {new} is. If the old one holds schedules you need, stop "
                        "Notecast and move it over the new one; else remove it"]
    assert old.is_file()  # (left where it is)


def test_notecast_with_no_settings_keeps_the_state_out_of_the_cache_folder(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path / "home")}
    done = notecast("console", "--notes", str(SAMPLE_VAULT), tmp_path=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "notecast" / NAME).is_file()
    assert (tmp_path / "xdg-cache" / "notecast" / "notecast.db").is_file()  # the cache, there
    assert not (tmp_path / "xdg-cache" / "notecast" / NAME).exists()


# --------------------------------------------------------------------------- an empty file

EMPTY = ("the state database {path} is an empty file: remove it (Notecast creates the state "
         "database itself; to mount it, mount its folder, not the file), or set "
         "NOTECAST_STATE_DB (state_db) to another file")


async def test_an_empty_file_is_refused_with_what_to_do_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.touch()  # (as before a bind mount of the file)
    with pytest.raises(ForeignStateFile) as caught:
        async with open_state_store(path):
            pass
    assert str(caught.value) == EMPTY.format(path=path)
    assert path.read_bytes() == b"" and os.listdir(tmp_path) == [NAME]
    path.unlink()  # what the message says to do: then Notecast creates it
    async with open_state_store(path) as state:
        assert state.version == LATEST


def test_notecast_stops_on_an_empty_state_file_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "state" / NAME
    path.parent.mkdir()
    path.touch()
    done = notecast("console", "--notes", str(SAMPLE_VAULT), tmp_path=tmp_path,
                    env={"NOTECAST_STATE_DB": str(path), "NOTECAST_LOG_LEVEL": "WARNING"})
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"notecast: {EMPTY.format(path=path)}\n"
