"""What the quote-of-the-day tests share: a made-up vault synced into a real notes cache,
the real SQLite state store, a clock the test moves, and a sender that keeps what it
posted in memory and fails, refuses or "dies" on demand."""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.cache.store import NotesCache
from bot.quotes.service import QuoteService
from bot.quotes.store import QuoteTables
from bot.schedule.sender import QotdPost, SendRefused
from bot.schedule.service import QotdService
from bot.search import TopicSearch
from bot.state import StateStore, open_state_store
from tests.search.helpers import write_note

NONCE_MINUTES = 5  # how long the fake Discord drops a second message with the same nonce


def stamp(value: str) -> str:
    return f'<a class="yt-timestamp" data-t="{value}">[{value}]</a>'


LIGHTHOUSES = f"""
Keepers and their lamps {stamp("00:01:00")}.

## Nights on the rock

> "A lamp that is never cleaned lies to every ship it meets." – Mira Castell {stamp("00:04:10")}

> "You learn the sea by the hours nobody else wants." – Mira Castell

> "Fog is only weather until you are the one who must see through it." – Tobias Rennard

> "Log every ship, even the ones you are sure of." – Tobias Rennard {stamp("00:09:30")}

> "The keeper's first duty is to stay awake." – Mira Castell

> "Lamps were lit here long before anyone wrote it down."

## Leaving the rock

> "Handing over the keys felt like handing over the weather." – Oskar Lindahl
"""
BREAD = f"""
Baking before sunrise {stamp("00:00:30")}.

## Dough

> "Flour remembers every hand that worked it." – Ilse Varga {stamp("00:02:00")}

> "A warm kitchen forgives a hurried baker." – Ilse Varga

> "Bread is a clock you can eat." – Mira Castell
"""


def qotd_vault(root: Path) -> Path:
    """Two channels: ``harbour`` (Mira Castell 3, Tobias Rennard 2, Oskar Lindahl 1, one
    unattributed) and ``kitchen`` (Ilse Varga 2, Mira Castell 1)."""
    write_note(root, "harbour", "lighthouse_keepers", "Lighthouse keepers", LIGHTHOUSES,
               video="abcdefghi21")
    write_note(root, "kitchen", "bread_at_dawn", "Bread at dawn", BREAD, video="abcdefghi22")
    return root


class Clock:
    """The time the service sees; the test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class Killed(BaseException):
    """The process died here (not an Exception: no guard of the service catches it)."""


@dataclass
class Message:
    id: int
    guild_id: int
    channel_id: int
    day: str
    quote_key: str
    text: str
    role_id: int | None
    nonce: str
    marker: str
    at: datetime


@dataclass
class FakeSender:
    """Posts into memory, as Discord would: a second message with the same nonce within
    ``NONCE_MINUTES`` is dropped (the first one's id is answered). ``script`` is called
    before each send and may raise (a refusal, a timeout); ``kill`` says when the process
    "dies": ``"before"`` the message is created, or ``"after"`` it (before the id is known).
    ``history_refused``: find_post cannot read the channel."""

    clock: Clock
    messages: list[Message] = field(default_factory=list)
    sends: int = 0
    finds: int = 0
    script: Callable[[QotdPost], None] | None = None
    kill: str | None = None
    history_refused: bool = False
    gone_channels: set[int] = field(default_factory=set)
    _next_id: int = 1000

    async def send(self, post: QotdPost) -> int:
        self.sends += 1
        if post.channel_id in self.gone_channels:
            raise SendRefused("The channel is gone: pick another with /qotd set.", permanent=True)
        if self.script is not None:
            self.script(post)
        if self.kill == "before":
            self.kill = None
            raise Killed()
        now = self.clock()
        for message in self.messages:
            if (message.channel_id == post.channel_id and message.nonce == post.nonce
                    and now - message.at < timedelta(minutes=NONCE_MINUTES)):
                return message.id  # Discord's answer to a nonce it saw: the message it made
        self._next_id += 1
        self.messages.append(Message(self._next_id, post.guild_id, post.channel_id, post.day,
                                     _key(post), post.quote.text, post.role_id, post.nonce,
                                     post.marker, now))
        if self.kill == "after":
            self.kill = None
            raise Killed()
        return self._next_id

    async def find_post(self, post: QotdPost, since: datetime) -> int | None:
        self.finds += 1
        if self.history_refused:
            raise SendRefused("I cannot read the channel's history.", permanent=True)
        for message in self.messages:
            if (message.channel_id == post.channel_id and message.marker == post.marker
                    and message.at >= since):
                return message.id
        return None

    def posts_of(self, guild_id: int) -> list[Message]:
        return [m for m in self.messages if m.guild_id == guild_id]


def _key(post: QotdPost) -> str:
    from bot.schedule.rotation import quote_key

    return quote_key(post.quote.channel, post.quote.slug, post.quote.text)


@dataclass
class World:
    """A notes cache over a made-up vault, the state store, a clock and a sender."""

    vault: Path
    cache: NotesCache
    quotes: QuoteService
    store: StateStore
    clock: Clock
    sender: FakeSender
    state_path: Path
    sleeps: list[float] = field(default_factory=list)

    def service(self, **options: Any) -> QotdService:
        async def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        options.setdefault("rng", random.Random(11))
        return QotdService(self.store, self.quotes, clock=self.clock, sleep=sleep, **options)

    async def sync(self) -> None:
        await self.cache.sync(self.vault)


@contextmanager
def fast_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder in memory (tmpfs) when the system has one, else ``tmp_path``: the state
    store syncs every commit to disk (3-4 ms each here), which a test of thousands of
    commits does not need to prove again."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(dir=shm, prefix="notecast-test-") as folder:
        yield Path(folder)


@asynccontextmanager
async def world(tmp_path: Path, now: datetime | None = None, *,
                state_dir: Path | None = None) -> AsyncIterator[World]:
    """``state_dir``: where the state database goes (default: ``tmp_path``)."""
    vault = qotd_vault(tmp_path / "vault")
    clock = Clock(now or datetime(2026, 1, 5, 6, 0, tzinfo=UTC))
    state_path = (state_dir or tmp_path) / "notecast-state.db"
    async with NotesCache(tmp_path / "notes.db", workers=1, derived=[QuoteTables()]) as cache, \
            TopicSearch(cache) as topics, open_state_store(state_path) as store:
        await cache.sync(vault)
        quotes = QuoteService(cache, topics, rng=random.Random(3))
        try:
            yield World(vault, cache, quotes, store, clock, FakeSender(clock), state_path)
        finally:
            await quotes.aclose()
