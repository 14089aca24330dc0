"""Parse workers end with the process that started them, however it ends; a cancelled
sync cleans up after itself."""

# ruff: noqa: ASYNC240

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cache.store import NotesCache
from tests.cache.helpers import REPO_ROOT, alive, descendants, write_synthetic_vault

# a cold build that stops (blocking its event loop) once half of the vault is parsed
BUILD = r"""
import asyncio, sys, time
from pathlib import Path
from bot.cache.store import NotesCache

db, vault, marker = sys.argv[1:4]

def progress(done, total):
    if total and done >= total // 2 and not Path(marker).exists():
        Path(marker).write_text("half")
        time.sleep(600)

async def main():
    async with NotesCache(Path(db), workers=2) as cache:
        await cache.sync(Path(vault), progress=progress)

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def big_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic_vault(tmp_path_factory.mktemp("procs") / "vault", notes=2000,
                                 channels=4).root


def _start_build(tmp_path: Path, vault: Path) -> tuple[subprocess.Popen[bytes], Path]:
    marker = tmp_path / "half"
    proc = subprocess.Popen(
        [sys.executable, "-c", BUILD, str(tmp_path / "c.db"), str(vault), str(marker)],
        cwd=REPO_ROOT, env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
        assert time.monotonic() < deadline, "the build never got half way"
        time.sleep(0.02)
    return proc, marker


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_workers_end_with_their_parent(tmp_path: Path, big_vault: Path, how: int) -> None:
    """``kill -9`` or SIGTERM of ``notecast index`` mid-build left the fork server, its
    workers and the resource tracker running for an hour."""
    proc, _ = _start_build(tmp_path, big_vault)
    started = descendants(proc.pid)
    try:
        assert len(started) >= 3, "expected a fork server and two workers"
        os.kill(proc.pid, how)  # the parent only, as a crash or an OOM kill would
        proc.wait(timeout=30)
        deadline = time.monotonic() + 15  # a guard against hanging, not a speed test
        while any(alive(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = sorted(pid for pid in started if alive(pid))
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes()[:120] for pid in left]
        assert not left, f"still running after their parent died: {commands}"
    finally:
        for pid in started:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        if proc.stderr:
            proc.stderr.close()


async def test_a_cancelled_cold_build_leaves_no_side_file_nor_worker(
        tmp_path: Path, big_vault: Path) -> None:
    db = tmp_path / "c.db"
    half = asyncio.Event()

    def progress(done: int, total: int) -> None:
        if total and done >= total // 3:
            half.set()

    async with NotesCache(db, workers=2) as cache:
        task = asyncio.create_task(cache.sync(big_vault, progress=progress))
        await asyncio.wait_for(half.wait(), 120)
        workers = descendants(os.getpid())
        assert list(tmp_path.glob("c.db.building-*")), "the build had started"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 30)  # (a guard: the report gives the time)
        assert not list(tmp_path.glob("c.db.building*")), "side file or parts folder left"
        assert not db.exists()
        assert await cache.counts() == type(await cache.counts())()
        # the parse workers are gone (the fork server may stay for the next build)
        for _ in range(100):
            if not any(alive(pid) and b"forkserver" not in Path(f"/proc/{pid}/cmdline").read_bytes()
                       and b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
                       for pid in workers if alive(pid)):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("parse workers outlived the cancelled sync")
        # and the cache can be built afterwards
        report = await cache.sync(big_vault)
        assert report.counts.notes == 2000


# cold builds cancelled on the way (as SIGTERM handling does), then the process ends
CANCEL_THEN_EXIT = r"""
import asyncio, sys
from pathlib import Path
from bot.cache.store import NotesCache

async def once(db, vault, share):
    third = asyncio.Event()
    progress = lambda done, total: third.set() if total and done >= total * share else None
    async with NotesCache(db, workers=2) as cache:
        task = asyncio.create_task(cache.sync(vault, progress=progress))
        await third.wait()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

async def main(folder, vault):
    for run in range(12):  # cancelled at various points of the parse
        await once(Path(folder) / f"c{run}.db", Path(vault), (run % 6 + 1) / 8)
    print("done", flush=True)

asyncio.run(main(*sys.argv[1:3]))
"""


def test_a_process_whose_build_was_cancelled_exits(tmp_path: Path, big_vault: Path) -> None:
    """A cancelled build killed its workers mid-answer: the pool's manager thread then
    waited for the rest of a half-sent result for ever, and ``notecast index`` never
    exited after SIGTERM."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CANCEL_THEN_EXIT, str(tmp_path), str(big_vault)],
        cwd=REPO_ROOT, env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=120)  # (a guard against the hang)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError("the process never exited after its cancelled builds") from None
    assert proc.returncode == 0, err.decode()[-2000:]
    assert out.decode().strip() == "done"
    assert not list(tmp_path.glob("c*.db.building*")) and not list(tmp_path.glob("c*.db"))
