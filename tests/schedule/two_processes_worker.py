"""One bot process's quote-of-the-day scheduler, for ``test_two_processes.py``.

``python -m tests.schedule.two_processes_worker NAME DSN CACHE SHARD_COUNT SHARD_IDS POSTS``
runs the real :class:`~bot.schedule.service.QotdService` over the real PostgreSQL state store
(``DSN``) and its own copy of the notes cache (``CACHE``, read-only), for the shards
``SHARD_IDS`` (``"0,1"``) of ``SHARD_COUNT``. The test moves its clock: each line on stdin
is a moment (ISO 8601); the worker sets its clock there, runs one tick and answers one JSON
line (the tick's report). ``end`` (or end of input) stops it. Every post the sender makes is
appended to ``POSTS`` as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.cache.store import NotesCache
from bot.quotes.service import QuoteService
from bot.schedule.records import Shards
from bot.schedule.rotation import quote_key
from bot.schedule.sender import QotdPost
from bot.schedule.service import QotdService
from bot.search import TopicSearch
from bot.state.postgres import PostgresStateStore


class Clock:
    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        assert self.now is not None
        return self.now


class RecordingSender:
    """Posts nothing anywhere: each send is one line in the posts file (and a new id)."""

    def __init__(self, name: str, path: Path, first_id: int) -> None:
        self.name, self.path, self.next_id = name, path, first_id

    async def send(self, post: QotdPost) -> int:
        self.next_id += 1
        record: dict[str, Any] = {
            "process": self.name, "guild_id": post.guild_id, "channel_id": post.channel_id,
            "day": post.day, "message_id": self.next_id,
            "quote_key": quote_key(post.quote.channel, post.quote.slug, post.quote.text)}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        return self.next_id

    async def find_post(self, post: QotdPost, since: datetime) -> int | None:
        return None  # (no send here ends with an unknown outcome)


async def no_sleep(seconds: float) -> None:
    return None


async def main(name: str, dsn: str, cache_path: str, count: str, ids: str, posts: str) -> None:
    shards = Shards(int(count), tuple(int(i) for i in ids.split(",")))
    clock = Clock()
    sender = RecordingSender(name, Path(posts), first_id=(ord(name[0]) << 32))
    async with NotesCache(Path(cache_path), readonly=True) as cache, TopicSearch(cache) as topics, \
            PostgresStateStore(dsn) as store:
        quotes = QuoteService(cache, topics, rng=random.Random(3))
        service = QotdService(store, quotes, clock=clock, sleep=no_sleep, shards=shards,
                              rng=random.Random(name))
        try:
            print("ready", flush=True)
            while True:
                line = (await asyncio.to_thread(sys.stdin.readline)).strip()
                if not line or line == "end":
                    break
                clock.now = datetime.fromisoformat(line)
                report = await service.tick(sender)
                print(json.dumps({"due": report.due, "posted": report.posted, "failed": report.failed,
                                  "missed": report.missed, "skipped": report.skipped}), flush=True)
        finally:
            await quotes.aclose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:7]))
