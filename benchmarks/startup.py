"""Measure what a start costs the search: a CLI lookup, the snapshot load, the memory of a
process that holds the search services, and lookup latency. Medians of several runs.

    python benchmarks/startup.py --db /path/to/notecast.db [--notes DIR] [--runs 5]

* **CLI lookup**: ``python -m bot topic QUERY --db COPY`` (on a copy of the cache: a CLI
  that syncs can damage nothing), wall time and peak RSS of the process (``os.wait4``);
  also one lookup through the library alone (no Discord, no CLI), and the imports that
  cost most (``python -X importtime -m bot topic ...``);
* **snapshot load after a start**: a fresh process's first :meth:`SearchIndex.refresh`;
* **after a sync** (with ``--notes``: the vault is copied to a temporary folder, one note
  changed and synced): the reload of the snapshot;
* **steady state**: a process that imports discord.py and holds the search services, after
  200 lookups (and the autocomplete of each): its RSS, and the lookups' median and p95.

Whether the cache holds the search's index arrays (``search_blobs``, written by
:class:`bot.search.tables.SearchTables` as a derived table) decides how the snapshot loads;
``--with-arrays`` writes them into the copy first (what a cache built with the hook holds).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RELEVANCE = Path(__file__).resolve().parent / "relevance_set.json"

CHILD_LOAD = """
import asyncio, sys, time
from pathlib import Path
from bot.cache.store import NotesCache
from bot.search import SearchIndex
async def main():
    async with NotesCache(Path(sys.argv[1])) as cache:
        index = SearchIndex(cache)
        t = time.perf_counter()
        await index.refresh()
        print(time.perf_counter() - t, (await index.snapshot()).persisted)
        await index.aclose()
asyncio.run(main())
"""

CHILD_LOOKUP = """
import asyncio, sys
from pathlib import Path
from bot.cache.store import NotesCache
from bot.search import TopicSearch
async def main():
    async with NotesCache(Path(sys.argv[1])) as cache:
        async with TopicSearch(cache) as topics:
            result = await topics.lookup(sys.argv[2])
            print(result.best.key if result.best else "-")
asyncio.run(main())
"""

CHILD_STEADY = """
import asyncio, json, statistics, sys, time
from pathlib import Path
import discord  # the bot holds it
from bot.cache.store import NotesCache
from bot.search import FullTextSearch, RelatedNotes, SearchIndex, TopicSearch
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
async def main():
    queries = [e["query"] for e in json.loads(Path(sys.argv[2]).read_text())]
    async with NotesCache(Path(sys.argv[1])) as cache:
        index = SearchIndex(cache)
        topics, full, related = TopicSearch(cache, index=index), FullTextSearch(index), RelatedNotes(index)
        await topics.refresh()
        loaded = rss()
        took = []
        for i in range(200):
            q = queries[i % len(queries)]
            t = time.perf_counter()
            result = await topics.lookup(q)
            took.append((time.perf_counter() - t) * 1000)
            for n in range(1, len(q) + 1, 3):
                topics.autocomplete(q[:n])
            if i % 10 == 0:
                await full.search(q)
                if result.best:
                    await related.related(result.best.note_id)
        took.sort()
        print(json.dumps({"rss_loaded": loaded, "rss_steady": rss(),
                          "median": statistics.median(took),
                          "p95": took[round(0.95 * (len(took) - 1))]}))
        await topics.aclose()
asyncio.run(main())
"""


def run_child(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stdout of one child process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(args, stdout=out, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        text = out.read().decode()
    if child.returncode:
        raise SystemExit(f"{args[:4]} failed ({child.returncode}): {text[-300:]}")
    return wall, usage.ru_maxrss / 1024, text.strip()


def median_of(runs: int, args: list[str]) -> tuple[float, float, str]:
    results = [run_child(args) for _ in range(runs)]
    return (statistics.median(r[0] for r in results), statistics.median(r[1] for r in results),
            results[-1][2])


def write_arrays(db: Path) -> float:
    from bot.search.tables import SearchTables

    con = sqlite3.connect(db, isolation_level=None)
    try:
        started = time.perf_counter()
        con.execute("BEGIN")
        SearchTables().build(con)
        con.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        con.close()


def import_costs(db: Path, query: str) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "bot", "topic", query,
                           "--db", str(db)], capture_output=True, text=True, env=env, cwd=ROOT)
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            _, cumulative, name = line[len("import time:"):].split("|")
            if cumulative.strip().isdigit() and not name[2:3].isspace():  # top level
                rows.append((int(cumulative), name.strip()))
    rows.sort(reverse=True)
    return [f"    {us / 1e6:6.3f} s  {name}" for us, name in rows[:8]]


def after_sync(notes: Path, runs: int) -> list[float]:
    """Copy the vault, build a cache (with the arrays), change one note, sync, reload."""
    import asyncio

    from bot.cache.store import NotesCache
    from bot.search import SearchIndex

    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        vault = Path(tmp) / "vault"
        shutil.copytree(notes, vault)
        db = Path(tmp) / "c.db"

        async def go() -> None:
            async with NotesCache(db) as cache:
                await cache.sync(vault)
                write_arrays(db)
                index = SearchIndex(cache)
                await index.refresh()
                note = next(p for p in sorted(vault.glob("*/*.md")) if p.stem != p.parent.name)
                for k in range(runs):
                    text = note.read_text(encoding="utf-8")
                    note.write_text(text + f"\n\nA changed line {k}.\n", encoding="utf-8")
                    await cache.sync(vault)
                    started = time.perf_counter()
                    await index.refresh()
                    times.append(time.perf_counter() - started)
                await index.aclose()

        asyncio.run(go())
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a notes cache of the vault")
    parser.add_argument("--notes", type=Path, help="the vault, to measure a reload after a sync")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--query", default="quantum tunneling")
    parser.add_argument("--with-arrays", action="store_true",
                        help="write the search's index arrays into the copy first")
    parser.add_argument("--skip-cli", action="store_true", help="skip `python -m bot topic`")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "copy.db"
        shutil.copyfile(args.db, db)
        if args.with_arrays:
            print(f"index arrays written into the copy in {write_arrays(db):.2f}s")
        py = sys.executable
        print(f"cache: {args.db} ({'with' if args.with_arrays else 'as it is, maybe without'}"
              f" index arrays); medians of {args.runs} runs\n")
        if not args.skip_cli:
            wall, rss, out = median_of(args.runs, [py, "-m", "bot", "topic", args.query,
                                                   "--db", str(db)])
            print(f"CLI lookup (python -m bot topic):    {wall:6.2f} s wall  {rss:6.1f} MB peak RSS"
                  "  (target <= 0.8 s, <= 100 MB)")
            print("  slowest top-level imports (python -X importtime -m bot topic):")
            print("\n".join(import_costs(db, args.query)))
        wall, rss, out = median_of(args.runs, [py, "-c", CHILD_LOOKUP, str(db), args.query])
        print(f"one lookup, library only:            {wall:6.2f} s wall  {rss:6.1f} MB peak RSS"
              f"  -> {out}")
        loads = [run_child([py, "-c", CHILD_LOAD, str(db)])[2].split() for _ in range(args.runs)]
        load = statistics.median(float(x[0]) for x in loads)
        print(f"snapshot load after a start:         {load:6.2f} s"
              f"  (from the arrays: {loads[-1][1]}; target <= 1 s)")
        if args.notes:
            times = after_sync(args.notes, args.runs)
            print(f"snapshot load after a one-note sync: {statistics.median(times):6.2f} s"
                  "  (target <= 1 s)")
        steady = [json.loads(run_child([py, "-c", CHILD_STEADY, str(db), str(RELEVANCE)])[2])
                  for _ in range(max(1, args.runs // 2))]
        rss_steady = statistics.median(s["rss_steady"] for s in steady)
        print(f"steady state (discord.py + services, 200 lookups): {rss_steady:6.1f} MB RSS"
              f" (after the load: {statistics.median(s['rss_loaded'] for s in steady):.1f} MB;"
              " target <= 150 MB)")
        print(f"lookup latency in that process: median "
              f"{statistics.median(s['median'] for s in steady):.2f} ms, p95 "
              f"{statistics.median(s['p95'] for s in steady):.2f} ms  (target p95 <= 15 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
