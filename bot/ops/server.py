"""The local operations endpoint: a small aiohttp server on ``ops_host:ops_port``.

* ``GET /health``: 200 when healthy, 503 when not, with a JSON body
  (``{"status": "healthy"|"unhealthy", "checks": {name: {"ok", "detail"}}}``, see
  :mod:`bot.ops.health`); ``notecast health`` and a container's ``HEALTHCHECK`` ask it.
* ``GET /metrics``: the metrics in Prometheus' text format, when ``metrics`` is on (404
  otherwise).

``notecast run`` opens it with ``async with OpsServer(...)`` beside the bot and closes it on
the way out. It binds to 127.0.0.1 by default: nothing here is meant for the internet.
Requests are not logged (a health check every few seconds would fill the log); a probe
that fails answers 503 and is logged, and never stops the server.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.ops.health import Health
from bot.ops.metrics import CONTENT_TYPE, Metrics

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[Health]]
NO_STORE = {"Cache-Control": "no-store"}


class OpsServer:
    """``async with OpsServer(host, port, check, metrics) as server``: serving until the
    block ends. ``port`` 0 takes a free port (tests); :attr:`port` is the one bound."""

    def __init__(self, host: str, port: int, check: HealthCheck,
                 metrics: Metrics | None = None) -> None:
        self.host = host
        self.port = port
        self.check = check
        self.metrics = metrics
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> OpsServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        from aiohttp import web

        app = web.Application()
        app.router.add_get("/health", self._health)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        served = "/health and /metrics" if self.metrics is not None else "/health"
        log.info("operations endpoint: %s on http://%s:%d", served, self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _health(self, request: web.Request) -> web.Response:
        from aiohttp import web

        try:
            health = await self.check()
        except Exception as exc:
            log.exception("the health check failed")
            body: dict[str, Any] = {"status": "unhealthy",
                                    "checks": {"probe": {"ok": False, "detail": f"the check "
                                                         f"failed: {type(exc).__name__}"}}}
            return web.Response(status=503, text=json.dumps(body), content_type="application/json",
                                headers=NO_STORE)
        return web.Response(status=200 if health.healthy else 503,
                            text=json.dumps(health.as_dict(), ensure_ascii=False),
                            content_type="application/json", headers=NO_STORE)

    async def _metrics(self, request: web.Request) -> web.Response:
        from aiohttp import web

        if self.metrics is None:
            return web.Response(status=404, text="metrics are off (NOTECAST_METRICS)\n",
                                headers=NO_STORE)
        return web.Response(body=self.metrics.render(), headers={
            "Content-Type": CONTENT_TYPE, **NO_STORE})
