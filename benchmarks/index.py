"""How fast the notes cache is built and kept in step, and how much memory a build takes.

    python benchmarks/index.py                   # the real vault, unpacked to a temp dir
    python benchmarks/index.py --notes DIR --runs 3

Every measurement runs in a fresh process (``python -c``) that opens the cache and syncs
once, timed inside the process; start-up and imports are measured on their own. The vault
is worked on in a private copy (the "one change" case edits a note).

Cases, each ``--runs`` times (the table shows median, min and max):

* cold build: a fresh cache file every run (open + sync);
* warm start: nothing changed (open, with its quick_check, + sync), as when the bot restarts;
* one change: one note's body edited, then open + sync (the target is on the sync);
* every note changed: every file in a channel folder edited (a regenerated vault), then a
  sync, which builds the cache anew (no target; its time and peak memory are shown);
* peak memory of the cold build: the RSS of the whole process tree (the main process,
  the forkserver and its parse workers, found by their ancestry in /proc) summed and
  sampled every 20 ms, and the main process's own VmHWM;
* lifecycle, in a fresh process: ``PRAGMA quick_check`` of the whole cache (a writer's
  open), one ``token()`` (median of 2,000), one ``stats()``, and the time a cold build takes
  to end once its sync task is cancelled a third of the way through (SIGTERM, ``stop()``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = REPO_ROOT.parent / "shared" / "corpus" / "tubegraph-content.tar.xz"
SAMPLE_SECONDS = 0.02
MB = 1024 * 1024

TARGETS = {  # case -> (limit, unit)
    "cold": (8.0, "s"),
    "warm": (0.5, "s"),
    "change": (0.2, "s"),
    "memory": (200.0, "MB"),
}

# what a process that syncs imports (a read-only lookup imports the first two only)
WRITER_IMPORTS = ("import bot.cache.store, bot.search.tables, bot.quotes.store, bot.cache.build, "
                  "bot.cache.incremental")

# One sync in a fresh interpreter; prints one JSON line. Run with -c, so the parse pool's
# workers do not import any script again.
CHILD = r"""
import asyncio, json, sys, time
started = time.perf_counter()
from pathlib import Path
from bot.cache.store import NotesCache
from bot.search import SearchTables  # as `notecast index` and the bot build it
from bot.quotes.store import QuoteTables
import bot.cache.build, bot.cache.incremental  # a sync's machinery (imported by its first sync)
imported = time.perf_counter()

def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0

async def main(db, notes, workers):
    cache = NotesCache(Path(db), workers=workers, derived=[SearchTables(), QuoteTables()])
    t0 = time.perf_counter()
    await cache.open()
    await cache.check()  # (the bot syncs long after its check at open is done)
    t1 = time.perf_counter()
    report = await cache.sync(Path(notes))
    t2 = time.perf_counter()
    await cache.close()
    print(json.dumps({
        "import": imported - started, "open": t1 - t0, "sync": t2 - t1,
        "mode": report.mode, "parsed": report.parsed, "unchanged": report.unchanged,
        "files": report.files, "notes": report.counts.notes, "skipped": len(report.skipped),
        "hwm": status("VmHWM"),
    }))

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""

LIFECYCLE = r"""
import asyncio, json, statistics, sys, time
from pathlib import Path
from bot.cache.store import NotesCache
from bot.cache.readers import quick_check

async def main(db, notes, workers):
    t0 = time.perf_counter()
    assert quick_check(Path(db)) is None
    checked = time.perf_counter() - t0
    async with NotesCache(Path(db), readonly=True) as cache:
        await cache.token()
        calls = []
        for _ in range(2000):
            t = time.perf_counter()
            await cache.token()
            calls.append(time.perf_counter() - t)
        t = time.perf_counter()
        await cache.stats()
        stats = time.perf_counter() - t
    fresh = Path(db).with_name("cancelled.db")
    third = asyncio.Event()
    progress = lambda done, total: third.set() if total and done >= total // 3 else None
    async with NotesCache(fresh, workers=workers) as cache:
        task = asyncio.create_task(cache.sync(Path(notes), progress=progress))
        await third.wait()
        t = time.perf_counter()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        cancelled = time.perf_counter() - t
    assert not list(fresh.parent.glob("cancelled.db.building*"))
    print(json.dumps({"quick_check": checked, "token": statistics.median(calls),
                      "token_p95": sorted(calls)[int(len(calls) * 0.95)], "stats": stats,
                      "cancel": cancelled}))

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTECAST_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    return env


def run_lifecycle(db: Path, notes: Path, workers: int) -> dict[str, Any]:
    env = _child_env()
    proc = subprocess.run([sys.executable, "-c", LIFECYCLE, str(db), str(notes), str(workers)],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"the lifecycle run failed (rc {proc.returncode}):\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------- memory

def _ppid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    # the command name is in parentheses and may hold spaces: split after the last ')'
    return int(data[data.rindex(b")") + 2 :].split()[1])


def _proc_kb(pid: int, name: str, key: str) -> int:
    """A ``key: N kB`` line of /proc/PID/NAME (status: VmRSS; smaps_rollup: Pss)."""
    try:
        with open(f"/proc/{pid}/{name}") as f:
            return next((int(line.split()[1]) for line in f if line.startswith(key + ":")), 0)
    except OSError:
        return 0


def process_tree(root: int) -> list[int]:
    """``root`` and every process whose chain of parents leads to it."""
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            ppid = _ppid(int(name))
            if ppid is not None:
                parents[int(name)] = ppid
    tree = []
    for pid in parents:
        p: int | None = pid
        for _ in range(64):
            if p == root:
                tree.append(pid)
                break
            p = parents.get(p) if p is not None else None
            if p is None or p <= 1:
                break
    return tree


@dataclass
class MemorySampler:
    """Samples the RSS (and PSS) of a process tree every 20 ms in a thread."""

    root: int
    peak_rss: int = 0  # bytes, summed over the tree
    peak_pss: int = 0
    peak_processes: int = 0
    peak_single: dict[int, int] = field(default_factory=dict)
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> MemorySampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            tree = process_tree(self.root)
            if tree:
                rss = {pid: _proc_kb(pid, "status", "VmRSS") * 1024 for pid in tree}
                self.peak_rss = max(self.peak_rss, sum(rss.values()))
                self.peak_pss = max(self.peak_pss, sum(_proc_kb(pid, "smaps_rollup", "Pss") * 1024 for pid in tree))
                self.peak_processes = max(self.peak_processes, len(tree))
                for pid, value in rss.items():
                    self.peak_single[pid] = max(self.peak_single.get(pid, 0), value)
                self.samples += 1
            self._stop.wait(SAMPLE_SECONDS)


# --------------------------------------------------------------------------- runs

def run_child(db: Path, notes: Path, workers: int, *, sample: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(notes), str(workers)],
                            cwd=REPO_ROOT, env=_child_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    sampler = MemorySampler(proc.pid)
    with sampler if sample else contextlib.nullcontext():
        out, err = proc.communicate()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"the sync failed (rc {proc.returncode}):\n{err[-3000:]}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["wall"] = wall
    if sample:
        main_peak = sampler.peak_single.pop(proc.pid, 0)
        result.update(peak_rss=sampler.peak_rss, peak_pss=sampler.peak_pss,
                      processes=sampler.peak_processes, samples=sampler.samples,
                      main_rss=main_peak,
                      worker_rss=max(sampler.peak_single.values(), default=0))
    return result


def startup_times(runs: int) -> list[float]:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", WRITER_IMPORTS], cwd=REPO_ROOT, env=env,
                       check=True)
        times.append(time.perf_counter() - started)
    return times


def edit_one_note(notes: Path, rel: str, run: int) -> None:
    with (notes / rel).open("a", encoding="utf-8") as f:
        f.write(f"\n\nBenchmark edit {run}: the quixotrant{run} moved.\n")


def edit_every_note(notes: Path, run: int) -> None:
    """As when the generator runs again: every file in a channel folder changes."""
    for path in notes.glob("*/*.md"):
        with path.open("a", encoding="utf-8") as f:
            f.write(f"\n\nRegenerated ({run}).\n")


def pick_note(notes: Path) -> str:
    folders = sorted(p for p in notes.iterdir() if p.is_dir())
    folder = folders[len(folders) // 2]
    files = sorted(p for p in folder.glob("*.md") if p.stem.casefold() != folder.name.casefold())
    return files[len(files) // 2].relative_to(notes).as_posix()


# --------------------------------------------------------------------------- report

def _fmt(value: float, unit: str) -> str:
    if unit == "MB":
        return f"{value / MB:.0f} MB"
    return f"{value * 1e6:.0f} us" if value < 0.001 else f"{value:.3f} s"


def table(rows: list[tuple[str, str, list[float], str]]) -> str:
    """rows: (label, target case or "", values, unit)"""
    lines = [f"{'case':<38} {'runs':>4} {'median':>9} {'min':>9} {'max':>9} {'target':>9}  result",
             "-" * 90]
    for label, case, values, unit in rows:
        median = statistics.median(values)
        target, verdict = "", ""
        if case:
            limit, target_unit = TARGETS[case]
            target = f"<= {limit:g} {target_unit}"
            verdict = "PASS" if (median / MB if unit == "MB" else median) <= limit else "MISS"
        lines.append(f"{label:<38} {len(values):>4} {_fmt(median, unit):>9} {_fmt(min(values), unit):>9} "
                     f"{_fmt(max(values), unit):>9} {target:>9}  {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notes", type=Path,
                        help="the vault (default: unpack ../shared/corpus/tubegraph-content.tar.xz)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each case (default 5)")
    parser.add_argument("--workers", type=int, default=0, help="parse workers (default: one a core)")
    parser.add_argument("--json", type=Path, help="also write every measurement to this file")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    work = Path(tempfile.mkdtemp(prefix="notecast-bench-"))
    try:
        notes = work / "vault"
        started = time.perf_counter()
        if args.notes is None:
            if not ARCHIVE.is_file():
                parser.error(f"no --notes and no archive at {ARCHIVE}")
            subprocess.run(["tar", "-xJf", str(ARCHIVE), "-C", str(work)], check=True)
            (work / "content").rename(notes)
            source = str(ARCHIVE)
        else:
            shutil.copytree(args.notes, notes, symlinks=True)  # the "one change" case edits it
            source = str(args.notes)
        prepared = time.perf_counter() - started
        files = sum(len(f) for _, _, f in os.walk(notes))
        print(f"vault: {source} ({files:,} files; ready in {prepared:.1f} s at {notes})")
        print(f"cpus: {os.cpu_count()}, load average at start: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, runs: {args.runs}")

        results: dict[str, list[dict[str, Any]]] = {"cold": [], "warm": [], "change": [],
                                                     "regenerated": [], "lifecycle": []}
        db = work / "cache" / "notes.db"
        for run in range(args.runs):
            shutil.rmtree(db.parent, ignore_errors=True)
            db.parent.mkdir()
            r = run_child(db, notes, args.workers, sample=True)
            assert r["mode"] == "cold", r
            results["cold"].append(r)
            print(f"  cold {run + 1}: {r['open'] + r['sync']:.2f} s, {r['notes']:,} notes, "
                  f"peak tree RSS {r['peak_rss'] / MB:.0f} MB ({r['processes']} processes)",
                  flush=True)
        for _ in range(args.runs):
            r = run_child(db, notes, args.workers)
            assert r["mode"] == "incremental" and r["parsed"] == 0, r
            results["warm"].append(r)
        note = pick_note(notes)
        for run in range(args.runs):
            edit_one_note(notes, note, run)
            r = run_child(db, notes, args.workers)
            assert r["mode"] == "incremental" and r["parsed"] == 1, r
            results["change"].append(r)
        for _ in range(args.runs):
            results["lifecycle"].append(run_lifecycle(db, notes, args.workers))
        for run in range(args.runs):
            edit_every_note(notes, run)
            r = run_child(db, notes, args.workers, sample=True)
            assert r["mode"] == "rebuild", r
            results["regenerated"].append(r)
        startup = startup_times(args.runs)

        cold, warm, change = results["cold"], results["warm"], results["change"]
        regenerated, lifecycle = results["regenerated"], results["lifecycle"]
        rows = [
            ("cold build (open + sync)", "cold", [r["open"] + r["sync"] for r in cold], "s"),
            ("warm start (open + sync)", "warm", [r["open"] + r["sync"] for r in warm], "s"),
            ("one change (sync)", "change", [r["sync"] for r in change], "s"),
            ("one change (open + sync)", "", [r["open"] + r["sync"] for r in change], "s"),
            ("cold peak RSS, whole tree (sum)", "memory", [float(r["peak_rss"]) for r in cold], "MB"),
            ("cold peak PSS, whole tree (sum)", "", [float(r["peak_pss"]) for r in cold], "MB"),
            ("cold main process VmHWM", "", [float(r["hwm"]) for r in cold], "MB"),
            ("cold largest worker RSS", "", [float(r["worker_rss"]) for r in cold], "MB"),
            ("every note changed (sync)", "", [r["sync"] for r in regenerated], "s"),
            ("every note changed, peak RSS (sum)", "", [float(r["peak_rss"]) for r in regenerated], "MB"),
            ("interpreter + a writer's imports", "", startup, "s"),
            ("in-process: a writer's imports", "", [r["import"] for r in warm], "s"),
            ("warm start, whole process (wall)", "", [r["wall"] for r in warm], "s"),
            ("quick_check of the whole cache", "", [r["quick_check"] for r in lifecycle], "s"),
            ("token(), one call (median of 2000)", "", [r["token"] for r in lifecycle], "s"),
            ("token(), p95 of 2000 calls", "", [r["token_p95"] for r in lifecycle], "s"),
            ("stats(), one call", "", [r["stats"] for r in lifecycle], "s"),
            ("cancelled cold build: time to end", "", [r["cancel"] for r in lifecycle], "s"),
        ]
        print()
        print(table(rows))
        print(f"\none change edits {note}; memory sampled every {SAMPLE_SECONDS * 1000:.0f} ms "
              f"(~{statistics.median(r['samples'] for r in cold):.0f} samples a build, "
              f"up to {max(r['processes'] for r in cold)} processes in the tree)")
        print(f"command: {shlex.join([sys.executable, *sys.argv])}")
        if args.json:
            args.json.write_text(json.dumps({"source": source, "files": files, "runs": results,
                                             "startup": startup}, indent=1), encoding="utf-8")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
