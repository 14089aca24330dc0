"""A state database this process may not write is refused when it is opened, in one line
that names the file, what failed and the user, before SQLite opens it (which would leave
read-only -wal and -shm files behind), rather than a bot that runs while every write
fails. ``notecast`` stops with that line and exit code 2.

Permissions do not stop root, so as root each case runs in a child process that becomes
``nobody`` first (everything it needs imported before, while the interpreter's files are
readable); as any other user, the child runs as that user and the modes alone apply."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.config import SAMPLE_VAULT
from bot.state import open_state_store
from bot.state.migrations import LATEST

NOBODY = 65534
ROOT = Path(__file__).resolve().parents[2]
CANNOT_BECOME = 77  # the child's exit code when it cannot drop root

CHILD = textwrap.dedent(f"""
    import asyncio, os, sys
    from pathlib import Path

    import bot.cli.common, bot.cli.console, bot.cli.main, bot.cli.run, bot.services
    import bot.cache.store, bot.quotes.store, bot.search, bot.state.files, bot.state.sqlite
    from bot.state.errors import StateError
    from bot.state.store import open_state_store

    if os.geteuid() == 0:
        try:
            os.setgroups([])
            os.setgid({NOBODY})
            os.setuid({NOBODY})
        except OSError as exc:
            print(exc, file=sys.stderr)
            sys.exit({CANNOT_BECOME})
    how, *args = sys.argv[1:]
    if how == "cli":
        sys.exit(bot.cli.main.main(args))
    if how == "sqlite-only":  # the permission check fooled: SQLite itself must refuse
        bot.state.files.check_writable = lambda path: None

    async def main():
        async with open_state_store(Path(args[0])) as state:
            print("opened, version", state.version)

    try:
        asyncio.run(main())
    except StateError as exc:
        print(type(exc).__name__, exc)
        sys.exit(2)
""")


def run_as_other_user(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False, env=env)
    if done.returncode == CANNOT_BECOME:
        pytest.skip(f"running as root without the right to become nobody: {done.stderr.strip()}")
    return done


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    """A folder the child may reach: as root, one in the temporary folder that nobody can
    traverse (the test's own is private to root), owned by nobody."""
    if os.geteuid() != 0:
        yield tmp_path
        return
    top = Path(tempfile.mkdtemp(prefix="notecast-unwritable-"))
    try:
        top.chmod(0o755)
        yield top
    finally:
        shutil.rmtree(top)


def _state(folder: Path) -> Path:
    """A valid state database at ``folder/state/state.db``, owned by the child's user."""
    path = folder / "state" / "state.db"

    async def create() -> None:
        async with open_state_store(path) as state:
            assert state.version == LATEST

    asyncio.run(create())
    if os.geteuid() == 0:
        for p in (path.parent, path):
            os.chown(p, NOBODY, NOBODY)
    return path


def _read_only_folder(path: Path) -> None:
    path.parent.chmod(0o555)


def _read_only_file(path: Path) -> None:
    path.chmod(0o444)


def _read_only_wal(path: Path) -> None:
    """A -wal file left read-only (by an earlier run that SQLite opened read-only)."""
    wal = path.with_name(path.name + "-wal")
    wal.write_bytes(b"")
    if os.geteuid() == 0:
        os.chown(wal, NOBODY, NOBODY)
    wal.chmod(0o444)


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "a read-only folder": (_read_only_folder, "its folder {folder} is not writable by this user"),
    "a read-only file": (_read_only_file, "the file is not writable by this user (mode -r--r--r--"),
    "a read-only -wal file": (_read_only_wal, "its -wal file is not writable by this user"),
}


def _snapshot(path: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mode) for p in sorted(path.parent.iterdir())}


def _restore(path: Path) -> None:
    path.parent.chmod(0o755)  # (so that the folder can be removed)


@pytest.mark.parametrize("case", list(CASES))
def test_a_state_this_user_cannot_write_is_refused_in_one_line_and_left_as_it_is(
        folder: Path, case: str) -> None:
    path = _state(folder)
    make, expected = CASES[case]
    make(path)
    before = _snapshot(path)
    try:
        done = run_as_other_user("store", str(path))
        after = _snapshot(path)
    finally:
        _restore(path)
    assert done.returncode == 2, done.stdout + done.stderr
    line = done.stdout.strip()
    assert line.startswith(f"StateUnwritable cannot write the state database {path}: "), line
    assert expected.format(folder=path.parent) in line
    assert "(running as user " in line and "NOTECAST_STATE_DB" in line and "\n" not in line
    assert after == before  # nothing written, no -wal or -shm made beside it


@pytest.mark.parametrize("case", ["a read-only folder", "a read-only file"])
def test_where_the_permission_check_is_fooled_sqlite_refusing_is_still_one_line(
        folder: Path, case: str) -> None:
    """SQLite opens a file it may not write read-only, without a word: a test write at
    open tells, and its error (or a pragma's) is one line, not a traceback."""
    path = _state(folder)
    CASES[case][0](path)
    try:
        done = run_as_other_user("sqlite-only", str(path))
    finally:
        _restore(path)
    assert done.returncode == 2, done.stdout + done.stderr
    line = done.stdout.strip()
    assert line.startswith(f"StateUnwritable cannot write the state database {path}: "), line
    assert "attempt to write a readonly database" in line and "Traceback" not in done.stderr


def test_a_writable_state_opens_as_the_other_user(folder: Path) -> None:
    """(The control: the child's user may use the state when nothing is read-only.)"""
    path = _state(folder)
    done = run_as_other_user("store", str(path))
    assert done.returncode == 0 and done.stdout.strip() == f"opened, version {LATEST}", done.stderr


def test_notecast_stops_in_one_line_with_exit_code_2(folder: Path) -> None:
    path = _state(folder)
    _read_only_folder(path)
    cache = folder / "cache"
    cache.mkdir()
    if os.geteuid() == 0:
        os.chown(cache, NOBODY, NOBODY)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTECAST_", "XDG_"))}
    env.update(HOME=str(cache), NOTECAST_STATE_DB=str(path), NOTECAST_DB=str(cache / "c.db"),
               NOTECAST_NOTES_DIR=str(SAMPLE_VAULT), NOTECAST_LOG_LEVEL="WARNING")
    try:
        done = run_as_other_user("cli", "console", env=env)
    finally:
        _restore(path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith(f"notecast: cannot write the state database {path}: its folder")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # the file left as it was
