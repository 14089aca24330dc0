"""SIGTERM (``docker stop``) and Ctrl-C stop ``notecast`` cleanly: the console of ``run``,
and ``index`` in the middle of a cold build. Each waits with a generous deadline (a stop
that hangs fails; no speed is measured)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.cli.helpers import spawn, spawn_on_terminal, terminal, write_vault

DEADLINE = 30.0  # seconds: only a stop that hangs comes near it


def _lines(stream: object) -> queue.Queue[str]:
    """The lines of a child's output, read in a thread (a blocking read never hangs a test)."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def _group_is_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def _stop(proc: subprocess.Popen[str], signum: int, *, group: bool = False) -> tuple[int, str]:
    if group:  # as a terminal's Ctrl-C does: to every process of the foreground job
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    try:
        _, stderr = proc.communicate(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"notecast did not stop on {signal.Signals(signum).name}") from None
    return proc.returncode, stderr


def test_sigterm_stops_the_console_that_run_opens(tmp_path: Path) -> None:
    """Before: SIGTERM killed the process without any clean-up (exit -15), and Python as
    PID 1 (a container) ignored it."""
    vault = write_vault(tmp_path / "vault", channels=1, notes_per_channel=3)
    with terminal() as (keyboard, stdin):  # (run opens the console on a terminal only)
        proc = spawn_on_terminal("run", "--notes", str(vault), "--db", str(tmp_path / "c.db"),
                                 tmp_path=tmp_path, stdin_fd=stdin)
        out = _lines(proc.stdout)
        os.write(keyboard, b"/stats\n")  # and the terminal stays open: the console waits
        seen = ""
        while "## Notecast: what I know" not in seen:
            seen += out.get(timeout=DEADLINE)
        code, stderr = _stop(proc, signal.SIGTERM)
    assert code in (0, 143), stderr
    assert "Traceback" not in stderr
    assert "notecast: stopped by SIGTERM" in stderr


def _building(db: Path) -> bool:
    """A cold build is under way: its side file holds the new cache's schema."""
    for side in db.parent.glob(f"{db.name}.building-*"):
        try:
            if side.is_file() and side.stat().st_size > 0:
                return True
        except FileNotFoundError:
            continue
    return False


def _helpers_ignore_ctrl_c(pid: int, count: int) -> bool:
    """``count`` processes besides ``pid`` run in its process group (the fork server, the
    resource tracker, the parse workers), and every one has set Ctrl-C aside (SIGINT
    ignored): the workers are up, past their start-up."""
    helpers = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            status = (stat.parent / "status").read_text()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[2]) != pid or int(stat.parent.name) == pid or fields[0] == "Z":
            continue
        ignored = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigIgn:")), 16)
        if not ignored & (1 << (signal.SIGINT - 1)):
            return False
        helpers += 1
    return helpers >= count


def _start_cold_index(tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    vault = write_vault(tmp_path / "vault", channels=12, notes_per_channel=300)
    db = tmp_path / "data" / "cache.db"
    proc = spawn("index", "--notes", str(vault), "--db", str(db), "--json", tmp_path=tmp_path,
                 env={"NOTECAST_INDEX_WORKERS": "2"})
    _wait_for(lambda: _building(db) or proc.poll() is not None, "the cold build to be under way")
    assert proc.poll() is None, proc.communicate()[1]
    return proc, db


def test_sigterm_stops_a_cold_index_and_leaves_nothing_behind(tmp_path: Path) -> None:
    """Before: SIGTERM left the build's side file, and its workers ran on as orphans."""
    proc, db = _start_cold_index(tmp_path)
    code, stderr = _stop(proc, signal.SIGTERM)
    assert code == 143, stderr
    assert "Traceback" not in stderr
    assert "notecast: stopped by SIGTERM" in stderr
    assert not list(db.parent.glob("*.building-*"))
    _wait_for(lambda: _group_is_gone(proc.pid), "the parse workers to end")


def test_ctrl_c_stops_a_cold_index_with_one_line(tmp_path: Path) -> None:
    """Before: Ctrl-C printed a traceback from every parse worker."""
    proc, db = _start_cold_index(tmp_path)
    _wait_for(lambda: _helpers_ignore_ctrl_c(proc.pid, 4) or proc.poll() is not None,
              "the parse workers to start")
    assert proc.poll() is None, proc.communicate()[1]
    code, stderr = _stop(proc, signal.SIGINT, group=True)
    assert code == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert [line for line in stderr.splitlines() if line.startswith("notecast:")] == [
        "notecast: interrupted"]
    assert not list(db.parent.glob("*.building-*"))
    _wait_for(lambda: _group_is_gone(proc.pid), "the parse workers to end")
