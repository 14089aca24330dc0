"""Whether the bot is connected to Discord, as its gateway events tell (no Discord here).

The bot calls :meth:`GatewayState.ready` on ``on_ready``, :meth:`GatewayState.resumed` on
``on_resumed`` and :meth:`GatewayState.disconnected` on ``on_disconnect``; the health check
and ``/about`` read it. Times are on one monotonic clock (injected in tests). Until the
first ``ready`` the bot counts as disconnected since it started.
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

    def ready(self) -> None:
        self.ready_once = True
        self._up()

    def resumed(self) -> None:
        self._up()

    def _up(self) -> None:
        self.connected = True
        self.disconnected_since = None

    def disconnected(self) -> None:
        if self.connected:
            self.connected = False
            self.disconnected_since = self.clock()
            self.disconnects += 1

    def uptime(self) -> float:
        """Seconds since the bot started."""
        return max(0.0, self.clock() - self.started)


def gateway_of(client: object) -> GatewayState | None:
    """The gateway state a bot carries (``NotecastBot.gateway``), if any."""
    found = getattr(client, "gateway", None)
    return found if isinstance(found, GatewayState) else None
