"""Measure topic lookup: quality on a relevance set, and latency, over a real notes cache.

    python benchmarks/search.py --db /path/to/notecast.db
    python benchmarks/search.py --notes /path/to/vault --db /tmp/bench.db   # sync first

Prints, per ranking and per kind of query, top-1 (the first hit is a right answer),
recall@5 (share of the right answers in the first five, out of at most five) and MRR@10
(1/rank of the first right answer within ten, else 0), for:

* ``notecast``        TopicSearch.lookup, the ranking the bot uses;
* ``fts5-bm25``       the query's words quoted and OR-ed, FTS5 bm25() with equal column
                      weights, each note ranked by its best section;
* ``fts5-bm25-and``   the same with FTS5's default AND (every word required);
* ``rapidfuzz-wratio`` rapidfuzz ``WRatio`` of the query against every title.

Then the share of lookups judged confident: on the relevance set (as many as possible),
and on the ``nonsense`` group (:data:`NONSENSE`: file paths, URLs, mentions, filler, code,
keyboard mashes; target: almost none).

Then the latency of ``lookup`` (every query of the set, and some hostile ones) and of
``autocomplete`` (every prefix of every query, as if typed), median and p95, and a
PASS/MISS line per target; with ``--first-time``, also each query's first lookup on a
freshly loaded index (no word's typo corrections cached yet). The exit status is 0
whatever the figures (1 on bad usage).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process, utils

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.cache.store import NotesCache
from bot.search import TopicSearch
from bot.search.sql import SECTION_STRIDE

DEFAULT_SET = Path(__file__).resolve().parent / "relevance_set.json"
KINDS = ("paraphrase", "keywords", "typo", "partial_title", "person_concept", "section_heading")
HOSTILE = [
    "x" * 6000,
    ("the " * 100).strip(),
    ("protein " * 100).strip(),
    '"NEAR(a b)" OR title:* AND body:"x"',
    "😀🎧🔥",
    "\u200b\u200d\u2060",
    "?",
    "NOT AND OR",
    "a",
    "the role of the impact of the future of ai in the world " * 12,
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor " * 40,
    "xqzvbnmkwp",
]
NONSENSE = [  # the "nonsense" group: no query here should get a confident answer
    "/etc/passwd",
    "C:\\Users\\x\\file.txt",
    "<@&123456>",
    "lorem ipsum dolor\nsit amet consectetur adipiscing",
    "https://example.com/some/page?id=42",
    "😀🎧🔥",
    "<@123456789012345678> hey",
    "@everyone",
    "/usr/local/bin/python3 -m venv .venv",
    "../../../../etc/shadow",
    "SELECT * FROM users WHERE 1=1",
    "asdf qwer zxcv",
    "aaaaaaa",
    "12345",
    "¯\\_(ツ)_/¯",
    "www.google.com",
    "C:\\Windows\\System32\\drivers\\etc\\hosts",
    "<script>alert(1)</script>",
    "lorem ipsum dolor sit amet\nlorem ipsum dolor sit amet",
    "jkjkjkjk",
    ":thumbsup: :fire:",
    "{\"key\": \"value\"}",
    "???!!!",
    "qwertyuiop",
    "<#987654321098765432>",
    "~/.ssh/id_rsa.pub",
    "sdfkjh wqeoiru",
    "foo bar baz",
]
TARGET_MRR = 0.85
TARGET_NONSENSE_CONFIDENT = 0.05  # share of the nonsense group judged confident, at most
TARGET_KIND_MRR = 0.7
TARGET_LOOKUP_P95_MS = 15.0
TARGET_AUTOCOMPLETE_P95_MS = 5.0
_WORD = re.compile(r"[^\W_]+")


@dataclass
class Query:
    query: str
    kind: str
    answers: list[str]
    channel: str | None = None
    split: str = "all"


@dataclass
class Scores:
    top1: list[float] = field(default_factory=list)
    recall5: list[float] = field(default_factory=list)
    mrr10: list[float] = field(default_factory=list)

    def add(self, ranked: Sequence[str], answers: Sequence[str]) -> None:
        wanted = set(answers)
        self.top1.append(1.0 if ranked[:1] and ranked[0] in wanted else 0.0)
        self.recall5.append(len(wanted & set(ranked[:5])) / min(5, len(wanted)))
        rr = 0.0
        for rank, key in enumerate(ranked[:10], start=1):
            if key in wanted:
                rr = 1.0 / rank
                break
        self.mrr10.append(rr)

    @staticmethod
    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    def row(self) -> tuple[float, float, float]:
        return self.mean(self.top1), self.mean(self.recall5), self.mean(self.mrr10)


def load_set(path: Path, split: str) -> list[Query]:
    entries = json.loads(path.read_text(encoding="utf-8"))
    queries = [Query(e["query"], e["kind"], list(e["answers"]), e.get("channel"),
                     e.get("split", "all")) for e in entries]
    if split != "all":
        queries = [q for q in queries if q.split == split]
    return queries


# --------------------------------------------------------------------------- baselines


class Baselines:
    """The two plain rankings the issue compares against."""

    def __init__(self, cache: NotesCache) -> None:
        self.cache = cache
        self.notes: dict[int, tuple[str, str]] = {}
        self.titles: list[str] = []
        self.title_keys: list[str] = []
        self.title_channels: list[str] = []

    async def load(self) -> None:
        rows = await self.cache.fetch_all("SELECT id, channel, slug, title FROM notes")
        for note_id, channel, slug, title in rows:
            self.notes[note_id] = (channel, slug)
            self.titles.append(title)
            self.title_keys.append(f"{channel}/{slug}")
            self.title_channels.append(channel)

    async def fts(self, query: str, channel: str | None, mode: str) -> list[str]:
        words = list(dict.fromkeys(_WORD.findall(query.lower())))[:64]
        if not words:
            return []
        expression = (" OR " if mode == "or" else " ").join(f'"{w}"' for w in words)
        where = ("AND rowid / :stride IN (SELECT id FROM notes WHERE channel = :channel) "
                 if channel else "")
        rows = await self.cache.fetch_all(
            f"SELECT rowid, bm25(search) AS r FROM search WHERE search MATCH :q {where}"
            "ORDER BY r LIMIT 400", {"q": expression, "stride": SECTION_STRIDE,
                                     "channel": channel})
        ranked: list[str] = []
        for rowid, _ in rows:
            channel_slug = self.notes.get(rowid // SECTION_STRIDE)
            if channel_slug is None or (channel and channel_slug[0] != channel):
                continue
            key = f"{channel_slug[0]}/{channel_slug[1]}"
            if key not in ranked:
                ranked.append(key)
            if len(ranked) >= 10:
                break
        return ranked

    def wratio(self, query: str, channel: str | None) -> list[str]:
        found = process.extract(query, self.titles, scorer=fuzz.WRatio,
                                processor=utils.default_process, limit=200)
        ranked = [self.title_keys[i] for _, _, i in found
                  if not channel or self.title_channels[i] == channel]
        return ranked[:10]


# --------------------------------------------------------------------------- running


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def typed_prefixes(text: str) -> list[str]:
    return [text[:n] for n in range(1, len(text) + 1)]


async def run(args: argparse.Namespace) -> int:
    queries = load_set(args.relevance, args.split)
    if not queries:
        print(f"no queries in {args.relevance} (split {args.split})")
        return 1
    async with NotesCache(args.db, workers=args.workers) as cache:
        if args.notes:
            print(f"syncing {args.notes} into {args.db} ...")
            report = await cache.sync(args.notes)
            print(f"  {report.mode}: {report.counts.notes} notes in {report.seconds:.1f}s")
        if not await cache.is_ready():
            print(f"{args.db} is not a notes cache (give --notes DIR to build one)")
            return 1
        search = TopicSearch(cache)
        started = time.perf_counter()
        await search.refresh()
        load_s = time.perf_counter() - started
        baselines = Baselines(cache)
        await baselines.load()

        rankings: dict[str, Callable[[Query], object]] = {}
        scores: dict[str, dict[str, Scores]] = {}
        misses: list[str] = []

        confident: list[bool] = []

        async def notecast(q: Query) -> list[str]:
            result = await search.lookup(q.query, channel=q.channel, limit=10)
            confident.append(result.confident)
            return [hit.key for hit in result.hits]

        async def fts_or(q: Query) -> list[str]:
            return await baselines.fts(q.query, q.channel, "or")

        async def fts_and(q: Query) -> list[str]:
            return await baselines.fts(q.query, q.channel, "and")

        async def wratio(q: Query) -> list[str]:
            return await asyncio.to_thread(baselines.wratio, q.query, q.channel)

        rankings = {"notecast": notecast, "fts5-bm25": fts_or, "fts5-bm25-and": fts_and,
                    "rapidfuzz-wratio": wratio}
        for name, ranker in rankings.items():
            per_kind = scores[name] = {kind: Scores() for kind in (*KINDS, "all")}
            for q in queries:
                ranked = await ranker(q)  # type: ignore[misc]
                per_kind[q.kind].add(ranked, q.answers)
                per_kind["all"].add(ranked, q.answers)
                if name == "notecast" and (not ranked or ranked[0] not in q.answers):
                    rank = next((i for i, k in enumerate(ranked, 1) if k in q.answers), None)
                    misses.append(f"  [{q.kind}] {q.query!r}: right answer at "
                                  f"{rank or '>10'}; first was {ranked[0] if ranked else '-'}")

        nonsense_confident: list[str] = []
        for text in NONSENSE:
            result = await search.lookup(text)
            if result.confident:
                nonsense_confident.append(f"  {text!r} -> {result.best.key if result.best else '-'}")
        confidence = (sum(confident) / len(confident),
                      len(nonsense_confident) / len(NONSENSE))
        if args.quality_only:
            report_quality(args, queries, scores, load_s, misses if args.verbose else [])
            report_confidence(confident, nonsense_confident)
            return 0
        # ------------------------------------------------------------ latency
        for q in queries[:10]:  # warm caches the way a running bot has them
            await search.lookup(q.query, channel=q.channel)
        lookup_ms: list[float] = []
        for _ in range(args.rounds):
            for q in queries:
                t = time.perf_counter()
                await search.lookup(q.query, channel=q.channel)
                lookup_ms.append((time.perf_counter() - t) * 1000)
        hostile_ms: list[float] = []
        hostile_outcomes: list[str] = []
        for text in HOSTILE:
            t = time.perf_counter()
            result = await search.lookup(text)
            hostile_ms.append((time.perf_counter() - t) * 1000)
            hostile_outcomes.append(
                f"  {text[:40]!r:44} -> {len(result.hits)} hits, confident={result.confident}, "
                f"reason={result.reason}, {hostile_ms[-1]:.1f} ms")
        complete_ms: list[float] = []
        for _ in range(args.rounds):
            for q in queries:
                for typed in typed_prefixes(q.query):
                    t = time.perf_counter()
                    search.autocomplete(typed, channel=q.channel)
                    complete_ms.append((time.perf_counter() - t) * 1000)
        hostile_complete_ms: list[float] = []
        for text in HOSTILE:
            t = time.perf_counter()
            choices = search.autocomplete(text)
            hostile_complete_ms.append((time.perf_counter() - t) * 1000)
            assert all(len(c.name) <= 100 and len(c.value) <= 100 for c in choices)
        first_ms = await first_lookups(search, queries) if args.first_time else []

    report_quality(args, queries, scores, load_s, [])
    report_confidence(confident, nonsense_confident)
    print_latency_and_targets(confidence, args, scores, misses, lookup_ms, hostile_ms, hostile_outcomes,
                              complete_ms, hostile_complete_ms)
    if first_ms:
        print(f"lookup, each query's first time (a fresh index): median "
              f"{statistics.median(first_ms):6.2f} ms  p95 {percentile(first_ms, 0.95):6.2f} ms  "
              f"max {max(first_ms):6.2f} ms  (n={len(first_ms)}; not a target)")
    return 0


async def first_lookups(search: TopicSearch, queries: list[Query]) -> list[float]:
    """Each query's latency the first time it is asked, as a member's new query meets it:
    the latency pass above asks queries the quality pass already asked, whose per-word
    typo corrections are cached by then. The index is reloaded (nothing cached), and the
    nonsense group asked first (the typo tables a running bot has built)."""
    await search.refresh(force=True)
    for text in NONSENSE:
        await search.lookup(text)
    first_ms: list[float] = []
    for q in queries:
        t = time.perf_counter()
        await search.lookup(q.query, channel=q.channel)
        first_ms.append((time.perf_counter() - t) * 1000)
    return first_ms


def report_quality(args: argparse.Namespace, queries: list[Query],
                   scores: dict[str, dict[str, Scores]], load_s: float,
                   misses: list[str]) -> None:
    counts = {kind: sum(1 for q in queries if q.kind == kind) for kind in KINDS}
    print(f"relevance set: {args.relevance.name}, split={args.split}, {len(queries)} queries"
          f" ({', '.join(f'{k} {n}' for k, n in counts.items())})")
    print(f"cache: {args.db}; in-memory snapshot loaded in {load_s:.2f}s\n")
    header = f"{'ranking':18} {'kind':16} {'n':>3} {'top-1':>6} {'rec@5':>6} {'MRR@10':>7}"
    print(header)
    print("-" * len(header))
    for name, per_kind in scores.items():
        for kind in (*KINDS, "all"):
            n = len(per_kind[kind].mrr10)
            if not n:
                continue
            top1, rec5, mrr = per_kind[kind].row()
            print(f"{name:18} {kind:16} {n:3d} {top1:6.3f} {rec5:6.3f} {mrr:7.3f}")
        print()
    print("MRR@10 by kind")
    print(f"{'kind':16} " + " ".join(f"{name:>16}" for name in scores))
    for kind in (*KINDS, "all"):
        print(f"{kind:16} " + " ".join(f"{per_kind[kind].row()[2]:16.3f}"
                                       for per_kind in scores.values()))
    print()
    if misses:
        print("notecast misses at rank 1:")
        print("\n".join(misses))


def report_confidence(confident: list[bool], nonsense_confident: list[str]) -> None:
    print(f"judged confident: relevance set {sum(confident)}/{len(confident)} "
          f"({sum(confident) / len(confident):.1%}), nonsense group "
          f"{len(nonsense_confident)}/{len(NONSENSE)} "
          f"({len(nonsense_confident) / len(NONSENSE):.1%})")
    if nonsense_confident:
        print("nonsense answered with confidence:")
        print("\n".join(nonsense_confident))
    print()


def print_latency_and_targets(
    confidence: tuple[float, float], args: argparse.Namespace, scores: dict[str, dict[str, Scores]], misses: list[str],
    lookup_ms: list[float], hostile_ms: list[float], hostile_outcomes: list[str],
    complete_ms: list[float], hostile_complete_ms: list[float],
) -> None:
    def stats(values: list[float]) -> str:
        return (f"median {statistics.median(values):6.2f} ms  p95 {percentile(values, 0.95):6.2f}"
                f" ms  max {max(values):6.2f} ms  (n={len(values)})")

    print(f"lookup, relevance queries:       {stats(lookup_ms)}")
    print(f"lookup, hostile queries:         {stats(hostile_ms)}")
    print(f"autocomplete, typed prefixes:    {stats(complete_ms)}")
    print(f"autocomplete, hostile queries:   {stats(hostile_complete_ms)}")
    print("hostile lookups:")
    print("\n".join(hostile_outcomes))
    print()

    ours = scores["notecast"]
    baseline_names = [n for n in scores if n != "notecast"]
    checks: list[tuple[str, bool | None, str]] = [
        (f"MRR@10 overall >= {TARGET_MRR}", ours["all"].row()[2] >= TARGET_MRR,
         f"{ours['all'].row()[2]:.3f}"),
    ]
    for kind in KINDS:
        if not ours[kind].mrr10:
            continue
        mrr = ours[kind].row()[2]
        checks.append((f"MRR@10 {kind} >= {TARGET_KIND_MRR}", mrr >= TARGET_KIND_MRR,
                       f"{mrr:.3f}"))
        best_base = max(scores[b][kind].row()[2] for b in baseline_names)
        ok: bool | None = mrr > best_base
        if mrr == best_base == 1.0:
            ok = None  # both perfect: nothing to be ahead of on this set
        checks.append((f"MRR@10 {kind} ahead of every baseline", ok,
                       f"{mrr:.3f} vs {best_base:.3f}"))
    checks.append((f"nonsense judged confident <= {TARGET_NONSENSE_CONFIDENT:.0%}",
                   confidence[1] <= TARGET_NONSENSE_CONFIDENT, f"{confidence[1]:.1%}"))
    all_lookup = lookup_ms + hostile_ms
    all_complete = complete_ms + hostile_complete_ms
    checks.append((f"lookup p95 <= {TARGET_LOOKUP_P95_MS:g} ms",
                   percentile(all_lookup, 0.95) <= TARGET_LOOKUP_P95_MS,
                   f"{percentile(all_lookup, 0.95):.2f} ms"))
    checks.append((f"autocomplete p95 <= {TARGET_AUTOCOMPLETE_P95_MS:g} ms",
                   percentile(all_complete, 0.95) <= TARGET_AUTOCOMPLETE_P95_MS,
                   f"{percentile(all_complete, 0.95):.2f} ms"))
    for label, ok, value in checks:
        status = "TIE " if ok is None else "PASS" if ok else "MISS"
        print(f"{status}  {label}: {value}")
    if args.verbose and misses:
        print("\nnotecast misses at rank 1:")
        print("\n".join(misses))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True,
                        help="a notes cache (built by `notecast index`, or by --notes)")
    parser.add_argument("--notes", type=Path,
                        help="sync this vault into --db first (a cold build if new)")
    parser.add_argument("--workers", type=int, default=0,
                        help="parse workers for --notes (default: one per core)")
    parser.add_argument("--relevance", type=Path, default=DEFAULT_SET,
                        help="the relevance set (default: benchmarks/relevance_set.json)")
    parser.add_argument("--split", choices=("all", "tune", "holdout"), default="all")
    parser.add_argument("--rounds", type=int, default=2, help="latency passes (default 2)")
    parser.add_argument("--quality-only", action="store_true",
                        help="skip the latency measurements")
    parser.add_argument("--first-time", action="store_true",
                        help="also time each query's first lookup on a freshly loaded index")
    parser.add_argument("-v", "--verbose", action="store_true", help="list notecast misses")
    args = parser.parse_args(argv)
    if args.notes is not None and not args.notes.is_dir():
        parser.error(f"--notes {args.notes}: not a folder")
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
