"""The parse workers of a sync, and the pipeline that feeds them batches of files.

Workers are processes from a fork server (a process that runs threads, as this one does
for aiosqlite, must not fork). They run at a lower priority than the bot, ignore Ctrl-C
(the parent decides what an interrupt means), and end when the process that started them
ends, however it ends: each watches that process (a pidfd, or polling) and has
``PR_SET_PDEATHSIG`` set against its own parent, the fork server. Once the workers are
gone the fork server sees that it has no clients left and exits, and the resource tracker
with it. A sync that is cancelled returns at once; its workers drop the batches not yet
started and exit after the one they are parsing.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import os
import select
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from bot.cache.files import alive
from bot.cache.loader import (
    LoadJob,
    LoadResult,
    load_batch,
    load_batch_into_part,
    load_batch_packed,
    unpack_results,
)
from bot.cache.records import ProgressCallback

log = logging.getLogger(__name__)

BATCH_SIZE = 128
WORKER_NICENESS = 10  # added to the parse workers' niceness (see _init_worker)
POOL_THRESHOLD = 300  # fewer changed files than this are parsed in a thread
# batches parsed or waiting to be written, per worker: enough that the workers never wait
# while the writer indexes a chunk for search (a batch in flight is small: its child rows
# are in the worker's part file)
IN_FLIGHT_PER_WORKER = 6
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

OnResults = Callable[[list[LoadResult], str | None], Awaitable[None]]


def start_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of parse workers, started (they import the parser) but not waited for.
    Starting the fork server blocks for a while: call this in a thread."""
    pool = ProcessPoolExecutor(workers, mp_context=_pool_context(), initializer=_init_worker,
                               initargs=(os.getpid(),))
    for _ in range(workers):
        pool.submit(_warm_up)  # the workers start (and import the parser) now
    return pool


def end_pool(pool: ProcessPoolExecutor) -> None:
    """End a pool without waiting (a failed or cancelled sync): batches not yet handed to a
    worker are dropped, and each worker exits once its current batch is done (a fraction
    of a second). Its workers are not killed: one killed while it sends a result would
    leave a half message that the pool's manager thread waits for, for ever, and the
    process could never exit."""
    pool.shutdown(wait=False, cancel_futures=True)


def _init_worker(parent_pid: int) -> None:
    """A parse worker yields the CPU to the process that started it (the bot's event loop
    stays responsive during a first build, and the writer keeps up with the workers), does
    not take Ctrl-C, and dies with that process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # first: the sooner, the narrower the gap
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    _die_with_parent()
    _watch(parent_pid)


def _die_with_parent() -> None:
    """``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills this process when its parent
    (the fork server) ends. Linux only; elsewhere the watcher thread does it."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _watch(pid: int) -> None:
    """End this worker as soon as process ``pid`` (the one that started the pool) is gone."""
    try:
        pidfd: int | None = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
        if not alive(pid):
            os._exit(1)

    def wait_then_exit() -> None:
        if pidfd is not None:
            select.select([pidfd], [], [])
        else:
            while alive(pid):
                time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=wait_then_exit, name="notecast-parent-watch", daemon=True).start()


def _warm_up() -> None:
    """A no-op task: submitting it makes a worker process start before there is work."""


def _pool_context() -> Any:
    # fork from a process that runs threads (aiosqlite) can deadlock: use a fork server
    # that imports the parser once and forks clean workers from it.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["bot.cache.loader"])
    return context


async def load_jobs(
    root: str, jobs: list[LoadJob], progress: ProgressCallback | None, total: int,
    on_results: OnResults, *, workers: int, pool: ProcessPoolExecutor | None = None,
    parts: Path | None = None,
) -> None:
    """Load jobs in batches and hand each batch's results to ``on_results``.

    Many jobs go to a process pool (both cores parse while this process writes); a few go
    to a thread. With ``parts`` (a cold build), pool workers write each batch's child rows
    to a part file there, and ``on_results`` gets its path. A bounded number of batches is
    in flight, so memory stays flat however large the vault is. The pool is shut down at
    the end (killed if the load fails or is cancelled).
    """
    done = 0
    if progress:
        progress(0, total)
    batches = [jobs[i : i + BATCH_SIZE] for i in range(0, len(jobs), BATCH_SIZE)]
    loop = asyncio.get_running_loop()
    if pool is None and len(jobs) >= POOL_THRESHOLD and workers > 1:
        pool = await asyncio.to_thread(start_pool, workers)
    # Batches are submitted as soon as there is room, independently of writing, so the
    # workers never wait for the writer; at most ``room`` batches are parsed or waiting to
    # be written at once, which keeps memory flat.
    room = asyncio.Semaphore(IN_FLIGHT_PER_WORKER * workers if pool is not None else 2)
    finished: asyncio.Queue[asyncio.Future[Any]] = asyncio.Queue()

    async def submit_all() -> None:
        for batch in batches:
            await room.acquire()
            future: asyncio.Future[Any]
            if pool is None:
                future = asyncio.ensure_future(asyncio.to_thread(load_batch, root, batch))
            elif parts is None:
                future = loop.run_in_executor(pool, load_batch_packed, root, batch)
            else:
                future = loop.run_in_executor(pool, load_batch_into_part, root, batch, str(parts))
            future.add_done_callback(finished.put_nowait)

    submitter = asyncio.create_task(submit_all())
    completed = False
    try:
        for _ in batches:
            outcome = (await finished.get()).result()
            part: str | None = None
            if pool is None:
                results = outcome
            else:
                part, packed = outcome
                results = unpack_results(packed)
            await on_results(results, part)
            room.release()
            done += len(results)
            if progress:
                progress(done, total)
        await submitter
        completed = True
    finally:
        submitter.cancel()
        if pool is not None:
            if completed:  # joining the workers blocks: not on the event loop
                await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
            else:
                end_pool(pool)
