"""The quotes shown recently in each Discord channel: what ``/quote`` and "Another" pass to
:meth:`bot.quotes.service.QuoteService.pick` as ``exclude`` (the caller's state, in memory).

``RecentQuotes`` keeps the last :data:`PER_CHANNEL` quote ids per channel, oldest first, for
at most :data:`CHANNELS` channels (the least recently used channel is forgotten first).
"""

from __future__ import annotations

from collections import OrderedDict

PER_CHANNEL = 50
CHANNELS = 2000


class RecentQuotes:
    """``recent.shown(channel_id, quote_id)`` after a quote is posted;
    ``service.pick(..., exclude=recent.exclude(channel_id))`` for the next one."""

    def __init__(self, per_channel: int = PER_CHANNEL, channels: int = CHANNELS) -> None:
        self.per_channel = max(1, per_channel)
        self.channels = max(1, channels)
        self._shown: OrderedDict[int, OrderedDict[int, None]] = OrderedDict()

    def shown(self, channel_id: int, quote_id: int) -> None:
        """``quote_id`` was just shown in ``channel_id`` (it becomes the most recent)."""
        ids = self._shown.get(channel_id)
        if ids is None:
            ids = self._shown[channel_id] = OrderedDict()
        self._shown.move_to_end(channel_id)
        ids.pop(quote_id, None)
        ids[quote_id] = None
        while len(ids) > self.per_channel:
            ids.popitem(last=False)
        while len(self._shown) > self.channels:
            self._shown.popitem(last=False)

    def exclude(self, channel_id: int) -> tuple[int, ...]:
        """The ids shown in ``channel_id``, oldest first (as ``pick`` takes them)."""
        ids = self._shown.get(channel_id)
        return tuple(ids) if ids else ()

    def forget(self, channel_id: int) -> None:
        self._shown.pop(channel_id, None)

    def __len__(self) -> int:
        return len(self._shown)
