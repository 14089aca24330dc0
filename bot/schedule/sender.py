"""What the scheduler is given to post with: a :class:`Sender` (the cog's, over discord.py;
a test's own). The scheduler imports nothing from Discord."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.quotes.records import Quote


@dataclass(frozen=True, slots=True)
class QotdPost:
    """One server's post for one local day. ``nonce`` is the same for every try of that
    day (Discord drops a second message with the same nonce sent within minutes);
    ``marker`` is what the post carries (its footer) so that :meth:`Sender.find_post` can
    recognise it after a crash."""

    guild_id: int
    channel_id: int
    day: str  # the server's local date, YYYY-MM-DD
    quote: Quote
    role_id: int | None  # the one role to ping; None: no ping at all
    nonce: str  # at most 25 characters
    marker: str


class SendRefused(Exception):
    """Discord answered, and nothing was posted. ``permanent``: trying again will not help
    until an admin acts (the channel is gone, the bot may not post there); the message is
    one line for ``/qotd status``."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Sender(Protocol):
    async def send(self, post: QotdPost) -> int:
        """Post it; the new message's id. Raises :class:`SendRefused` when Discord refused
        (nothing was posted); any other exception means the outcome is not known."""
        ...

    async def find_post(self, post: QotdPost, since: datetime) -> int | None:
        """The id of the bot's own message in the post's channel, sent since ``since``,
        that carries ``post.marker``; ``None`` if there is none. Raises
        :class:`SendRefused` when it cannot look (no access to the channel's history)."""
        ...
