"""Measure what operations cost: ``notecast health``'s wall time, the metrics library's
import and per-value cost, a ``/health`` request over the real parts, and how long a change
in the vault takes to reach a sync request (events and polling).

    python benchmarks/ops.py [--runs 15]

Medians (and p95 where it matters) of ``--runs`` runs; nothing is asserted: the figures
are printed for the README.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import SAMPLE_VAULT  # noqa: E402
from bot.ops.health import Check, Health  # noqa: E402

IMPORT_COST = """
import time, discord, aiohttp.web
t = time.perf_counter(); import prometheus_client; print(time.perf_counter() - t)
"""


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.1f} ms, p95 {_p95(values) * 1000:.1f} ms"


def _serve(health: Health) -> tuple[int, threading.Event]:
    from bot.ops.server import OpsServer

    ready, stop, port = threading.Event(), threading.Event(), [0]

    async def check() -> Health:
        return health

    async def serve() -> None:
        async with OpsServer("127.0.0.1", 0, check) as server:
            port[0] = server.port
            ready.set()
            await asyncio.to_thread(stop.wait)

    threading.Thread(target=asyncio.run, args=(serve(),), daemon=True).start()
    ready.wait(10)
    return port[0], stop


def health_command(runs: int) -> None:
    healthy = Health((Check("discord", True, "connected"), Check("notes", True, "ready")))
    port, stop = _serve(healthy)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTECAST_")}
    with tempfile.TemporaryDirectory() as cwd:
        for label, value in (("answering bot", port), ("no bot", _free_port())):
            env["NOTECAST_OPS_PORT"] = str(value)
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                subprocess.run([sys.executable, "-m", "bot", "health"], env=env, cwd=cwd,
                               capture_output=True, check=False)
                times.append(time.perf_counter() - started)
            print(f"notecast health ({label}): {_ms(times)} (budget 800 ms)")
    stop.set()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def metrics_cost(runs: int) -> None:
    imports = [float(subprocess.run([sys.executable, "-c", IMPORT_COST], capture_output=True,
                                    text=True, check=True).stdout) for _ in range(runs)]
    print(f"import prometheus_client after discord and aiohttp: {_ms(imports)}")
    from bot.ops.metrics import Metrics

    counted = Metrics()
    n = 100_000
    started = time.perf_counter()
    for i in range(n):
        counted.lookup("topic", 0.01 * (i % 7), "ok")
    per = (time.perf_counter() - started) / n
    started = time.perf_counter()
    for _ in range(100):
        counted.render()
    print(f"one lookup counted (counter + histogram): {per * 1e6:.2f} µs; "
          f"/metrics rendered: {(time.perf_counter() - started) / 100 * 1000:.2f} ms")


async def health_request(runs: int) -> None:
    import aiohttp

    from bot.cache.background import VaultSync
    from bot.cache.store import NotesCache
    from bot.ops.gateway import GatewayState
    from bot.ops.probe import HealthProbe
    from bot.ops.server import OpsServer

    with tempfile.TemporaryDirectory() as tmp:
        async with NotesCache(Path(tmp) / "c.db") as cache:
            sync = VaultSync(cache, SAMPLE_VAULT)
            await sync.sync_now()
            gateway = GatewayState()
            gateway.ready()
            probe = HealthProbe(gateway, sync, 10)
            async with OpsServer("127.0.0.1", 0, probe.check) as server, \
                    aiohttp.ClientSession() as session:
                times = []
                for _ in range(runs * 10):
                    started = time.perf_counter()
                    async with session.get(f"http://127.0.0.1:{server.port}/health") as answer:
                        await answer.read()
                    times.append(time.perf_counter() - started)
    print(f"GET /health over the real probe (sample vault): {_ms(times)}")


async def change_to_request(runs: int) -> None:
    from bot.vault.watch import VaultWatcher

    for mode, poll in (("events", 30.0), ("poll", 1.0)):
        with tempfile.TemporaryDirectory() as tmp:
            vault = Path(tmp) / "vault"
            shutil.copytree(SAMPLE_VAULT, vault)
            asked = asyncio.Event()
            watcher = VaultWatcher(vault, asked.set, mode=mode, debounce=0.0, poll_seconds=poll)
            await watcher.start()
            await watcher.wait_watching(10)
            times = []
            for n in range(max(3, runs // 3)):
                asked.clear()
                started = time.perf_counter()
                await asyncio.to_thread((vault / "curiousorbit" / f"bench_{n}.md").write_text, "x")
                await asyncio.wait_for(asked.wait(), 30)
                times.append(time.perf_counter() - started)
            await watcher.stop()
        print(f"a change to a sync request ({mode}{f', every {poll:g}s' if mode == 'poll' else ''}"
              f", without the debounce): {_ms(times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    health_command(args.runs)
    metrics_cost(max(5, args.runs // 2))
    asyncio.run(health_request(args.runs))
    asyncio.run(change_to_request(args.runs))


if __name__ == "__main__":
    main()
