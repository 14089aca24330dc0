"""Measure the note parser: hostile texts (each rule must be linear) and a real vault.

    python benchmarks/parser.py                                # hostile cases only
    python benchmarks/parser.py --notes /tmp/vault/content     # and every note of a vault
    python benchmarks/parser.py --sizes 100000 1000000 4000000 --runs 5

Prints, per hostile case of ``tests/notes/hostile.py`` (an opener repeated without its
closer, long runs that two quantifiers could share, ...), the median parse time at each
size and the ratio of the largest size's time to the smallest's per character: about 1
for a linear rule, growing with the size for a quadratic one. A case that takes longer
than ``--limit`` seconds is stopped and reported as such. Then, with ``--notes``, the
decode + parse time of every note and hub of the vault: median, p99, max and total, and
the slowest notes. The exit status is 0 whatever the figures (1 on bad usage).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.notes.parsing import decode_note, is_hub_file, parse_hub, parse_note
from tests.notes.hostile import CASES, Case, DeadlineExceeded, deadline


def time_case(case: Case, size: int, runs: int, limit: float) -> float | None:
    """Median seconds of ``runs`` parses of the case's text at ``size`` (None: too slow)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        try:
            with deadline(limit):
                case.run(size)
        except DeadlineExceeded:
            return None
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def hostile(sizes: list[int], runs: int, limit: float) -> None:
    heads = "".join(f"{size / 1e6:>10.1f} MB" for size in sizes)
    print(f"hostile texts: median of {runs} parses (s){heads}   growth")
    worst = 0.0
    for case in CASES:
        times = [time_case(case, size, runs, limit) for size in sizes]
        cells = "".join(f"{t:>13.3f}" if t is not None else f"{'> ' + str(limit):>13}" for t in times)
        first, last = times[0], times[-1]
        growth = ""
        if first and last and len(sizes) > 1:
            ratio = (last / sizes[-1]) / (first / sizes[0])
            growth = f"{ratio:7.1f}"
        if last is not None:
            worst = max(worst, last)
        print(f"  {case.name[:52]:<52}{cells}   {growth}")
    print(f"  slowest at {sizes[-1] / 1e6:.1f} MB: {worst:.3f} s")


def vault(root: Path, slowest: int) -> None:
    times: list[tuple[float, str]] = []
    for channel in sorted(os.listdir(root)):
        folder = root / channel
        if not folder.is_dir():
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".md"):
                continue
            data = (folder / name).read_bytes()
            start = time.perf_counter()
            text, warnings = decode_note(data)
            slug = name[:-3]
            if is_hub_file(channel, slug):
                parse_hub(text, channel)
            else:
                parse_note(text, channel, slug, warnings)
            times.append((time.perf_counter() - start, f"{channel}/{name} ({len(data):,} bytes)"))
    if not times:
        print(f"no notes under {root}")
        return
    seconds = sorted(t for t, _ in times)
    p99 = seconds[min(len(seconds) - 1, int(len(seconds) * 0.99))]
    print(f"\n{len(seconds):,} notes and hubs of {root}: median {statistics.median(seconds) * 1000:.2f} ms, "
          f"p99 {p99 * 1000:.2f} ms, max {seconds[-1] * 1000:.1f} ms, total {sum(seconds):.2f} s")
    for t, what in sorted(times, reverse=True)[:slowest]:
        print(f"  {t * 1000:8.1f} ms  {what}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 4_000_000],
                        help="sizes of each hostile text, in characters")
    parser.add_argument("--runs", type=int, default=3, help="parses per case and size (median)")
    parser.add_argument("--limit", type=float, default=10.0, help="seconds before a parse is stopped")
    parser.add_argument("--notes", type=Path, help="a vault folder (<channel>/<slug>.md) to parse")
    parser.add_argument("--slowest", type=int, default=5, help="slowest notes to list")
    args = parser.parse_args()
    if args.runs < 1 or any(size < 1 for size in args.sizes):
        parser.error("--runs and --sizes must be positive")
    hostile(sorted(args.sizes), args.runs, args.limit)
    if args.notes is not None:
        if not args.notes.is_dir():
            parser.error(f"{args.notes} is not a folder")
        vault(args.notes, args.slowest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
