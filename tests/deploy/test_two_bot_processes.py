"""Two bot processes, two shards, one PostgreSQL database (issue #11).

Two OS processes each run the whole bot (``two_bot_processes_worker.py``: the real
``NotecastBot`` with its settings, services, cogs, the quote of the day's ``tasks.loop`` and
``DiscordSender``, over the same PostgreSQL state database) against a SimCord of its own, in
which the same 12 servers exist (fixed ids, half in each shard, in six time zones). SimCord's
clock is each process's time; the test moves both clocks together, one tick of the
scheduler's loop (15 minutes) at a time, through three simulated days, and reads the posts
that arrived in each process's channels.

* ``shard_ids=(0,)`` in one process and ``(1,)`` in the other: each sees only its shard's
  servers, sets their schedules with ``/qotd set``, and every server gets exactly one post
  each local day, from the process owning its shard.
* Both processes with ``shard_ids=(0, 1)`` (a misconfiguration): each sees and schedules
  every server, they reach every post at the same simulated moment, and the database's
  claim still lets exactly one post per server per day through.

What SimCord cannot show: the two processes' Discords are two simulations, not one, so a
post is seen only in the process that made it (the test adds both up); a send whose outcome
is unknown could not be found by the other process (none happens here).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.schedule.records import DayStatus
from bot.state.postgres import PostgresStateStore
from tests.deploy.two_bot_processes_worker import GUILDS, TICK_SECONDS, shard_of
from tests.schedule.helpers import qotd_vault
from tests.state.pg_fixtures import fresh_schema, postgres_dsn_or_skip

ROOT = Path(__file__).resolve().parents[2]
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)  # where SimCord's clock starts
DAYS = 3  # every server's post is at 01:00 UTC: Jan 1, 2 and 3
END = EPOCH + timedelta(days=DAYS - 1, hours=1, seconds=TICK_SECONDS / 2)
TIMEOUT = 60.0  # seconds a worker may take to answer one line (only a hung one comes near)


@pytest.fixture
async def dsn() -> AsyncIterator[str]:
    async with fresh_schema(postgres_dsn_or_skip()) as schema_dsn:
        yield schema_dsn


@dataclass
class Worker:
    name: str
    process: asyncio.subprocess.Process
    log: Path

    async def answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), TIMEOUT)
        assert raw, f"worker {self.name} ended: {self.log.read_text()[-3000:]}"
        data: dict[str, Any] = json.loads(raw)
        return data

    async def say(self, line: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{line}\n".encode())
        await self.process.stdin.drain()
        return await self.answer()


def _environment(work: Path, vault: Path, dsn: str, shard_ids: str) -> dict[str, str]:
    """A process's settings, as a deployment gives them: a settings file, and the shards and
    the DSN (a secret) in the environment."""
    config = work / "notecast.toml"
    config.write_text("\n".join([
        "[notecast]", f'notes_dir = "{vault}"', f'db = "{work / "notes.db"}"', "index_workers = 1",
        f"qotd_tick_seconds = {TICK_SECONDS}", 'watch_vault = "off"', "shard_count = 2", ""]))
    kept = {k: v for k, v in os.environ.items()
            if not k.startswith(("NOTECAST_", "DISCORD_", "XDG_"))}
    return {**kept, "NOTECAST_CONFIG": str(config), "NOTECAST_SHARD_IDS": shard_ids,
            "NOTECAST_STATE_DSN": dsn, "XDG_CONFIG_HOME": str(work / "config"),
            "XDG_DATA_HOME": str(work / "data"), "NOTECAST_LOG_LEVEL": "INFO"}


async def _run(tmp_path: Path, dsn: str, plan: dict[str, tuple[str, bool]]
               ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Start one bot process per ``plan`` entry (name: its shard ids, whether its admins run
    ``/qotd set``), move their clocks together tick by tick to ``END``; what each said when
    ready, and its report at the end."""
    vault = qotd_vault(tmp_path / "vault")
    workers: dict[str, Worker] = {}
    try:
        for name, (shard_ids, set_schedules) in plan.items():
            work = tmp_path / name
            work.mkdir()
            log = work / "worker.log"
            with log.open("wb") as stderr:
                process = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "tests.deploy.two_bot_processes_worker", name,
                    "set" if set_schedules else "-", cwd=ROOT,
                    env=_environment(work, vault, dsn, shard_ids), stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE, stderr=stderr)
            workers[name] = Worker(name, process, log)
        ready = {name: await worker.answer() for name, worker in workers.items()}
        for said in ready.values():  # (this tree's Notecast, not an installed one)
            assert Path(said["bot_module"]).is_relative_to(ROOT / "bot"), said
        step = 0
        while EPOCH + timedelta(seconds=step * TICK_SECONDS) < END:
            # half a tick past each of the loop's passes (at 0, 900, 1800... s): both
            # processes make the same pass, then wait for each other
            moment = step * TICK_SECONDS + TICK_SECONDS / 2
            await asyncio.gather(*(w.say(str(moment)) for w in workers.values()))
            step += 1
        reports = {name: await worker.say("end") for name, worker in workers.items()}
        for worker in workers.values():
            code = await asyncio.wait_for(worker.process.wait(), TIMEOUT)
            assert code == 0, worker.log.read_text()[-3000:]
    finally:
        for worker in workers.values():
            if worker.process.returncode is None:
                worker.process.kill()
                await worker.process.wait()
    for report in reports.values():
        assert report["errors"] == [] and report["end"] == END.isoformat(), report
    return ready, reports


def _local_days(guild_id: int) -> set[str]:
    """The local days whose post time falls between the start and the end."""
    zone, at = GUILDS[guild_id]
    tz, clock = ZoneInfo(zone), time.fromisoformat(at)
    days = (date(2025, 12, 30) + timedelta(days=n) for n in range(DAYS + 3))
    return {day.isoformat() for day in days
            if EPOCH < datetime.combine(day, clock, tzinfo=tz) <= END}


async def _check_once_a_day(dsn: str, ready: dict[str, dict[str, Any]],
                            posts: list[dict[str, Any]]) -> None:
    """Every server posted exactly once each local day, in its channel, as the database
    records it; each post's footer names the server's local day it was made on."""
    channels = next(iter(ready.values()))["channels"]
    assert all(r["channels"] == channels for r in ready.values())  # (the same ids everywhere)
    per_day = Counter((p["guild_id"], p["footer"].rpartition(" ")[2]) for p in posts)
    assert [key for key, count in per_day.items() if count > 1] == [], "posted twice"
    assert set(per_day) == {(g, day) for g in GUILDS for day in _local_days(g)}
    for post in posts:
        zone = ZoneInfo(GUILDS[post["guild_id"]][0])
        local = datetime.fromisoformat(post["at"]).astimezone(zone).date().isoformat()
        assert post["footer"] == f"Quote of the day · {local}", post
        assert post["channel_id"] == channels[str(post["guild_id"])] and post["content"] == ""
        assert post["quote"].startswith("> "), post
    async with PostgresStateStore(dsn) as store:
        for post in posts:
            record = await store.get_day(post["guild_id"], post["footer"].rpartition(" ")[2])
            assert record is not None and record.status is DayStatus.POSTED, (post, record)
            assert (record.message_id, record.channel_id) == (post["message_id"], post["channel_id"])
        for guild_id in GUILDS:
            days = await store.recent_days(guild_id, 7)
            assert {d.status for d in days} == {DayStatus.POSTED} and len(days) == DAYS


def _all_posts(reports: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [post for report in reports.values() for post in report["posts"]]


async def test_two_bot_processes_each_post_for_their_own_shard_once_a_day(
        tmp_path: Path, dsn: str) -> None:
    assert Counter(map(shard_of, GUILDS)) == {0: 6, 1: 6}
    ready, reports = await _run(tmp_path, dsn, {"A": ("0", True), "B": ("1", True)})

    for name, shard in (("A", 0), ("B", 1)):
        assert (ready[name]["shard_count"], ready[name]["shards"]) == (2, [shard])
        assert ready[name]["guilds"] == sorted(g for g in GUILDS if shard_of(g) == shard)
    posts = _all_posts(reports)
    await _check_once_a_day(dsn, ready, posts)
    assert {(p["process"], shard_of(p["guild_id"])) for p in posts} == {("A", 0), ("B", 1)}
    for report in reports.values():
        ticks = report["ticks"]
        assert ticks["posted"] == len(report["posts"]) == 6 * DAYS, ticks
        assert ticks["failed"] == ticks["missed"] == ticks["skipped"] == 0, ticks


async def test_two_bot_processes_both_running_every_shard_still_post_once(
        tmp_path: Path, dsn: str) -> None:
    # misconfigured: both run shards 0 and 1; A's admins set every schedule
    ready, reports = await _run(tmp_path, dsn, {"A": ("0,1", True), "B": ("0,1", False)})

    for name in ("A", "B"):
        assert (ready[name]["shards"], ready[name]["guilds"]) == ([0, 1], sorted(GUILDS))
    posts = _all_posts(reports)
    await _check_once_a_day(dsn, ready, posts)
    ticks = [report["ticks"] for report in reports.values()]
    assert sum(t["posted"] for t in ticks) == len(posts) == len(GUILDS) * DAYS
    assert not any(t["failed"] or t["missed"] for t in ticks), ticks
    # both looked for the same posts at the same moments: the claims the database refused
    assert sum(t["skipped"] for t in ticks) > 0, "the processes never met: no race was run"
