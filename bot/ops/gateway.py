"""Whether the bot is connected to Discord, as its gateway events tell (no Discord here).

The bot calls :meth:`GatewayState.ready` on ``on_ready``, :meth:`GatewayState.resumed` on
``on_resumed`` and :meth:`GatewayState.disconnected` on ``on_disconnect``; a sharded bot
passes the shard's id from ``on_shard_ready``/``on_shard_resumed``/``on_shard_disconnect``,
so that one shard that lost the gateway counts as disconnected however many others are up.
The health check and ``/about`` read it. Times are on one monotonic clock (injected in
tests). Until the first ``ready`` the bot counts as disconnected since it started.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]


class GatewayState:
    def __init__(self, clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self.started = clock()
        self.ready_once = False
        self.connected = False
        self.disconnected_since: float | None = self.started
        self.disconnects = 0
        self.down: dict[int, float] = {}  # shard -> since when it has been without the gateway

    def ready(self, shard: int = 0) -> None:
        """The bot is ready (every shard of a sharded bot), or one shard is."""
        self.ready_once = True
        self._up(shard)

    def resumed(self, shard: int = 0) -> None:
        self._up(shard)

    def _up(self, shard: int) -> None:
        self.down.pop(shard, None)
        self._settle()

    def disconnected(self, shard: int = 0) -> None:
        if shard not in self.down and (self.connected or self.ready_once):
            self.down[shard] = self.clock()
            self.disconnects += 1
        self._settle()

    def _settle(self) -> None:
        self.connected = self.ready_once and not self.down
        if self.connected:
            self.disconnected_since = None
        elif self.down:
            self.disconnected_since = min(self.down.values())
        elif self.disconnected_since is None:
            self.disconnected_since = self.clock()

    def uptime(self) -> float:
        """Seconds since the bot started."""
        return max(0.0, self.clock() - self.started)


def gateway_of(client: object) -> GatewayState | None:
    """The gateway state a bot carries (``NotecastBot.gateway``), if any."""
    found = getattr(client, "gateway", None)
    return found if isinstance(found, GatewayState) else None
