"""Measure the image's install and its bot's start and stop, without Docker, as
tests/deploy runs them (see tests/deploy/image.py): the Dockerfile's builder stage run here
from ./wheelhouse (`make wheelhouse` first), then the image's entry point (`notecast run`)
from that venv against SimCord, over the bundled sample notes, several times.

    python benchmarks/container.py [--runs 5]

Per run: the start until SimCord has the bot READY, the first sync done and /stats
answered (the harness's ready line); one `notecast health` (the image's HEALTHCHECK
command, a whole process); and SIGTERM (what `docker stop` sends through tini) until the
process has exited, with its exit code. Medians and maxima; wall time.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.deploy import image  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    problem = image.wheelhouse_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="notecast-image-") as tmp:
        began = time.perf_counter()
        installed = image.install(Path(tmp) / "image")
        print(f"install (venv, lock, wheel, pip check, + simcord): {time.perf_counter() - began:.1f} s")
        starts, checks, stops, codes = [], [], [], []
        for run in range(args.runs):
            scratch = Path(tmp) / f"run{run}"
            scratch.mkdir()
            env = image.container_env(installed, scratch)
            began = time.perf_counter()
            bot = image.Bot(installed, env)
            try:
                bot.ready(timeout=120)
                starts.append(time.perf_counter() - began)
                began = time.perf_counter()
                check = image.health(installed, env)
                checks.append(time.perf_counter() - began)
                assert check.returncode == 0, check
                began = time.perf_counter()
                bot.proc.send_signal(signal.SIGTERM)
                codes.append(bot.proc.wait(timeout=30))
                stops.append(time.perf_counter() - began)
            finally:
                bot.kill()
    for what, values in (("start to ready (+ first sync, /stats)", starts),
                         ("notecast health", checks), ("SIGTERM to exit", stops)):
        print(f"{what}: median {statistics.median(values):.2f} s, max {max(values):.2f} s "
              f"over {len(values)} runs")
    print(f"exit codes after SIGTERM: {sorted(set(codes))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
