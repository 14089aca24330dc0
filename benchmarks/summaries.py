"""Measure the summarizer against hand-written references, and check it on the whole vault.

    python benchmarks/summaries.py --db /tmp/real9.db                  # everything
    python benchmarks/summaries.py --db FILE [--refs FILE] [--no-all] [-v]

Needs the ``bench`` extra (``pip install -e '.[bench]'``: sumy and rouge-score) and a
cache built by ``notecast index`` from the real vault (opened read-only). Prints figures;
it is not a test (the exit status is 0 whatever they are, 2 on bad usage).

**Quality** (``benchmarks/summary_refs/refs.json``: 34 sections and 13 whole notes, how they
were picked and written: ``benchmarks/summary_refs/README.md``). For each input, three
summaries of the same text as the cache holds it:

* ``notecast``: ``SummaryService.summarize("channel/slug", section index or None, length)``
  over the cache, "short" for a section and "medium" for a whole note, as ``/summarize``
  asks it;
* ``lead-3``: the first three sentences of the text;
* ``lexrank``: sumy's ``LexRankSummarizer`` (English stop words, Snowball stemmer) asked for
  as many sentences as Notecast chose, over a document built by a tokenizer of this
  script's own (:class:`NotecastTokenizer`: ``to_sentences`` is Notecast's splitter,
  ``to_words`` a word regex), so that no NLTK data is needed.

The baselines draw from exactly the sentences Notecast may use: the section's (or every
section's) text split by ``bot.summaries.sentences.split_sentences`` with its moments, the
usable ones only (prose, list items, quoted lines of four words or more), as displayed. So
only the choice differs. ``lead-k`` (the first k sentences, k as many as Notecast chose) is
printed beside them for information: it tells a better choice from a longer summary.

ROUGE-1, ROUGE-2 and ROUGE-L F1 (``rouge-score``, Porter stemming on, its own tokenizer),
the reference's sentences and a summary's sentences each joined by spaces, averaged per
system over the sections, the notes and all inputs. PASS/MISS: Notecast's mean over all
inputs above lead-3's and LexRank's on ROUGE-2 and on ROUGE-L. An input whose text no
longer has the SHA-1 the reference was written from is named (and scored anyway).

**Time**: each picked input summarized three times through the service (after one
warm-up call, which loads the vault's term weights), median and p95 per kind. PASS/MISS:
p95 <= 30 ms for a section ("short"), <= 150 ms for a whole note ("medium").

**The whole vault** (``--all``, the default; ``--no-all`` skips it): every note of the
cache, summarized whole at every length through the service in a process pool, each
rendered by the ``/summarize`` embed (``cogs.render.summary.summary_embed``) and measured
with discord.py (``len(embed)``, ``len(embed.description)``). Checked, per summary:

* the embed within Discord's limits: description <= 4,096 characters, whole embed <= 6,000;
* the summary shown whole: the description as the brief defines it (each sentence, then
  ``[▶ m:ss](url)`` when it has a moment, joined by blank lines) <= 4,096, and no sentence
  left out by the renderer (its footer says "did not fit"); the sentences' text <= 3,000
  characters (``SUMMARY_TEXT_LIMIT``);
* every moment link (``SummarySentence.url`` and each link in the description) is exactly
  ``https://www.youtube.com/watch?v=<11 chars>&t=<n>s``;
* no summary empty (or refused as "nothing to summarize") for a note with text: a note
  whose sections hold a word. Such a failure says whether Notecast's splitter found any
  usable sentence in the note.

Counts per length, the time per whole-note summary over the vault (median, p95, max, per
length; two processes share the machine), and every failure (path, length, size).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib.util
import json
import multiprocessing
import os
import random
import re
import sqlite3
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bot.notes.timestamps import format_seconds  # noqa: E402
from bot.summaries.records import LENGTHS, SUMMARY_TEXT_LIMIT  # noqa: E402
from bot.summaries.sentences import Sentence, split_sentences  # noqa: E402

DEFAULT_REFS = REPO_ROOT / "benchmarks" / "summary_refs" / "refs.json"
SECTION_LENGTH = "short"
NOTE_LENGTH = "medium"
LEAD = 3
ROUNDS = 3
TARGET_SECTION_P95_MS = 30.0
TARGET_NOTE_P95_MS = 150.0
DESCRIPTION_LIMIT = 4096
EMBED_LIMIT = 6000
CHUNK = 400  # notes per task of the whole-vault pool
SHOWN_FAILURES = 40  # per kind of failure

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
MOMENT_URL = re.compile(r"https://www\.youtube\.com/watch\?v=[A-Za-z0-9_-]{11}&t=\d+s")
LINK_IN_TEXT = re.compile(r"\]\((https?://[^)\s]+)\)")
HAS_WORD = re.compile(r"\w")

NOTE_ROW = "SELECT id, channel, slug, path FROM notes WHERE path = ?"
SECTIONS = ("SELECT idx, level, heading, body, moments FROM sections "
            "WHERE id BETWEEN ? * 4096 AND ? * 4096 + 4095 ORDER BY idx")


# --------------------------------------------------------------------------- inputs


@dataclass
class Input:
    id: str
    kind: str  # "section" | "note"
    path: str
    channel: str
    slug: str
    index: int | None
    heading: str | None
    reference: str
    sections: list[tuple[str, tuple[tuple[int, int], ...]]]  # (text, moments) as cached
    changed: bool = False
    candidates: list[Sentence] = field(default_factory=list)

    @property
    def note(self) -> str:
        return f"{self.channel}/{self.slug}"

    @property
    def length(self) -> str:
        return SECTION_LENGTH if self.kind == "section" else NOTE_LENGTH


def connect(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)


def moments_of(raw: str | None) -> tuple[tuple[int, int], ...]:
    return tuple((int(m[0]), int(m[1])) for m in json.loads(raw or "[]"))


def load_inputs(db: Path, refs_path: Path) -> list[Input]:
    refs = json.loads(refs_path.read_text(encoding="utf-8"))
    inputs: list[Input] = []
    with connect(db) as con:
        for ref in refs:
            row = con.execute(NOTE_ROW, (ref["path"],)).fetchone()
            if row is None:
                raise SystemExit(f"{ref['id']}: {ref['path']} is not in the cache {db}")
            note_id, channel, slug, _ = row
            rows = con.execute(SECTIONS, (note_id, note_id)).fetchall()
            if ref["kind"] == "section":
                chosen = [r for r in rows if r[0] == ref["index"]]
                if not chosen:
                    raise SystemExit(f"{ref['id']}: no section {ref['index']} in {ref['path']}")
                text = chosen[0][3]
            else:
                chosen = rows
                text = "\n\n".join(r[3] for r in rows)
            item = Input(ref["id"], ref["kind"], ref["path"], channel, slug, ref.get("index"),
                         ref.get("heading"), " ".join(ref["summary"]),
                         [(r[3], moments_of(r[4])) for r in chosen])
            item.changed = hashlib.sha1(text.encode("utf-8")).hexdigest() != ref["sha1"]
            if item.kind == "section" and chosen[0][2] != item.heading:
                item.changed = True
            item.candidates = candidates(item.sections)
            inputs.append(item)
    return inputs


def candidates(sections: list[tuple[str, tuple[tuple[int, int], ...]]]) -> list[Sentence]:
    """The sentences a summary may use, in document order, split as Notecast splits."""
    out: list[Sentence] = []
    for text, moments in sections:
        out.extend(s for s in split_sentences(text, moments) if s.usable)
    return out


# --------------------------------------------------------------------------- baselines


class NotecastTokenizer:
    """sumy's tokenizer interface over Notecast's splitter (no NLTK data needed)."""

    language = "english"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(s.text for s in split_sentences(paragraph) if s.usable)

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(WORD.findall(sentence))


class LexRank:
    def __init__(self) -> None:
        from sumy.nlp.stemmers import Stemmer
        from sumy.summarizers.lex_rank import LexRankSummarizer
        from sumy.utils import get_stop_words

        self.tokenizer = NotecastTokenizer()
        self.summarizer = LexRankSummarizer(Stemmer("english"))
        self.summarizer.stop_words = get_stop_words("english")

    def __call__(self, item: Input, count: int) -> list[str]:
        from sumy.models.dom import ObjectDocumentModel, Paragraph
        from sumy.models.dom import Sentence as SumySentence

        paragraphs = []
        flat: list[SumySentence] = []
        for text, _ in item.sections:
            sentences = tuple(SumySentence(t, self.tokenizer)
                              for t in self.tokenizer.to_sentences(text))
            flat.extend(sentences)
            paragraphs.append(Paragraph(sentences))
        # the tokenizer's sentences are the candidates (moments do not change the split)
        assert [str(s) for s in flat] == [c.text.strip() for c in item.candidates], item.id
        if count <= 0 or not flat:
            return []
        chosen = self.summarizer(ObjectDocumentModel(tuple(paragraphs)), count)
        position = {id(s): n for n, s in enumerate(flat)}
        return [item.candidates[position[id(s)]].text for s in chosen]


# --------------------------------------------------------------------------- scoring


SYSTEMS = ("notecast", "lead-3", "lexrank", "lead-k")
METRICS = ("rouge1", "rouge2", "rougeL")


@dataclass
class Scored:
    item: Input
    summaries: dict[str, list[str]]
    scores: dict[str, dict[str, float]]
    picked: list[int]  # candidate positions of Notecast's sentences (-1: not a candidate)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def bootstrap(diffs: list[float], rounds: int = 2000, seed: int = 9) -> tuple[float, float]:
    """A 95% interval of the mean of paired differences (seeded resampling of inputs)."""
    rng = random.Random(seed)
    means = sorted(sum(rng.choice(diffs) for _ in diffs) / len(diffs) for _ in range(rounds))
    return means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


async def run_service(db: Path, inputs: list[Input]) -> tuple[dict[str, Any], dict[str, list[float]]]:
    """Notecast's summary of every input, and the time of each call (ms) per kind."""
    from bot.cache.store import NotesCache
    from bot.search import TopicSearch
    from bot.summaries.service import SummaryService

    summaries: dict[str, Any] = {}
    times: dict[str, list[float]] = {"section": [], "note": []}
    async with NotesCache(db, readonly=True) as cache:
        topics = TopicSearch(cache)
        service = SummaryService(cache, topics)
        warm = inputs[-1]
        await service.summarize(warm.note, None, "long")  # loads the index and the weights
        for _ in range(ROUNDS):
            for item in inputs:
                section = None if item.index is None else str(item.index)
                t0 = time.perf_counter()
                summary = await service.summarize(item.note, section, item.length)
                times[item.kind].append((time.perf_counter() - t0) * 1000)
                summaries.setdefault(item.id, summary)
        await topics.aclose()
    return summaries, times


def score_all(inputs: list[Input], notecast: dict[str, Any]) -> list[Scored]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    lexrank = LexRank()
    out: list[Scored] = []
    for item in inputs:
        summary = notecast[item.id]
        if item.kind == "section" and summary.source.section_index != item.index:
            raise SystemExit(f"{item.id}: the service summarized section "
                             f"{summary.source.section_index}, not {item.index}")
        ours = [s.text for s in summary.sentences]
        k = len(ours)
        texts = [c.text for c in item.candidates]
        summaries = {
            "notecast": ours,
            "lead-3": texts[:LEAD],
            "lexrank": lexrank(item, k),
            "lead-k": texts[:k],
        }
        scores = {}
        for system, sentences in summaries.items():
            result = scorer.score(item.reference, " ".join(sentences))
            scores[system] = {m: result[m].fmeasure for m in METRICS}
        picked = [texts.index(t) if t in texts else -1 for t in ours]
        out.append(Scored(item, summaries, scores, picked))
    return out


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def print_quality(scored: list[Scored], verbose: bool) -> None:
    groups = {
        "sections": [s for s in scored if s.item.kind == "section"],
        "notes": [s for s in scored if s.item.kind == "note"],
        "all": scored,
    }
    print("\n== ROUGE F1 (rouge-score, stemmed), mean per input")
    print(f"{'':10}" + "".join(f"{f'{name} ({len(g)})':^21}" for name, g in groups.items()))
    print(f"{'':10}" + "   R-1   R-2   R-L   " * len(groups))
    for system in SYSTEMS:
        print(f"{system:10}" + "".join(
            "  " + " ".join(f"{mean([s.scores[system][m] for s in g]):.3f}" for m in METRICS)
            + "  " for g in groups.values()))
    print("  (lead-k: the first k sentences, k = Notecast's count; for information, not a target)")
    print("\nSentences and characters per summary, mean (sections / notes):")
    for system in SYSTEMS:
        parts = []
        for name in ("sections", "notes"):
            g = groups[name]
            parts.append(f"{mean([len(s.summaries[system]) for s in g]):.1f} sentences, "
                         f"{mean([len(' '.join(s.summaries[system])) for s in g]):.0f} chars")
        print(f"  {system:10} {parts[0]:32} / {parts[1]}")

    everything = groups["all"]
    print()
    for metric, label in (("rouge2", "ROUGE-2"), ("rougeL", "ROUGE-L")):
        ours = mean([s.scores["notecast"][metric] for s in everything])
        for rival in ("lead-3", "lexrank"):
            theirs = mean([s.scores[rival][metric] for s in everything])
            diffs = [s.scores["notecast"][metric] - s.scores[rival][metric] for s in everything]
            wins = sum(1 for d in diffs if d > 0)
            ties = sum(1 for d in diffs if d == 0)
            low, high = bootstrap(diffs)
            print(f"{verdict(ours > theirs)} notecast ahead of {rival} on {label}: "
                  f"{ours:.3f} vs {theirs:.3f} (all {len(everything)} inputs; difference "
                  f"{ours - theirs:+.3f}, 95% bootstrap interval {low:+.3f} to {high:+.3f}; "
                  f"better on {wins}, equal on {ties}, worse on {len(diffs) - wins - ties})")
    for name in ("sections", "notes"):
        g = groups[name]
        parts = []
        for metric, label in (("rouge2", "R-2"), ("rougeL", "R-L")):
            ours = mean([s.scores["notecast"][metric] for s in g])
            for rival in ("lead-3", "lexrank", "lead-k"):
                theirs = mean([s.scores[rival][metric] for s in g])
                parts.append(f"{label} {'ahead of' if ours > theirs else 'behind'} {rival} "
                             f"({ours - theirs:+.3f})")
        print(f"  {name} alone: " + ", ".join(parts))

    changed = [s.item.id for s in scored if s.item.changed]
    if changed:
        print(f"\nNOTE: the text of {', '.join(changed)} changed since its reference was "
              "written (scored anyway; see summary_refs/README.md)")

    print("\nWeakest inputs for Notecast (ROUGE-2, then ROUGE-L), and what lead-3 and "
          "LexRank got:")
    worst = sorted(scored, key=lambda s: (s.scores["notecast"]["rouge2"],
                                          s.scores["notecast"]["rougeL"]))[:10]
    for s in worst:
        sc = s.scores
        print(f"  {s.item.id} {s.item.path}"
              + (f" #{s.item.index}" if s.item.index is not None else "")
              + f": R-2 {sc['notecast']['rouge2']:.3f} (lead-3 {sc['lead-3']['rouge2']:.3f}, "
              f"lexrank {sc['lexrank']['rouge2']:.3f}), R-L {sc['notecast']['rougeL']:.3f}; "
              f"picked sentences {s.picked} of {len(s.item.candidates)}")

    if verbose:
        print("\n== Every input")
        for s in scored:
            item = s.item
            where = f" #{item.index} {item.heading}" if item.index is not None else " (whole note)"
            print(f"\n-- {item.id} {item.path}{where} [{item.length}; "
                  f"{len(item.candidates)} candidate sentences]")
            print(f"   reference: {item.reference}")
            for system in SYSTEMS:
                sc = s.scores[system]
                print(f"   {system} (R-1 {sc['rouge1']:.3f}, R-2 {sc['rouge2']:.3f}, "
                      f"R-L {sc['rougeL']:.3f})"
                      + (f" positions {s.picked}" if system == "notecast" else "") + ":")
                for sentence in s.summaries[system]:
                    print(f"     - {sentence}")


def print_times(times: dict[str, list[float]]) -> None:
    print(f"\n== Time per summary (notecast, SummaryService over the cache, "
          f"{ROUNDS} rounds of the picked inputs)")
    for kind, length, target in (("section", SECTION_LENGTH, TARGET_SECTION_P95_MS),
                                 ("note", NOTE_LENGTH, TARGET_NOTE_P95_MS)):
        values = times[kind]
        p95 = percentile(values, 0.95)
        print(f"  {kind}s ({length}): {len(values)} calls, median "
              f"{statistics.median(values):.1f} ms, p95 {p95:.1f} ms, max {max(values):.1f} ms")
        print(f"{verdict(p95 <= target)} {kind} p95 {p95:.1f} ms (target <= {target:.0f} ms)")


# --------------------------------------------------------------------------- whole vault


_STATE: dict[str, Any] = {}


def _worker_init(db: str) -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    async def open_all() -> None:
        from bot.cache.store import NotesCache
        from bot.search import TopicSearch
        from bot.summaries.service import SummaryService

        cache = NotesCache(Path(db), readonly=True)
        await cache.open()
        topics = TopicSearch(cache)
        service = SummaryService(cache, topics)
        with connect(Path(db)) as con:
            first = con.execute("SELECT channel, slug FROM notes ORDER BY path LIMIT 1").fetchone()
        # the first call loads the topic index and the vault's term weights: not timed
        await service.summarize(f"{first[0]}/{first[1]}", None, "short")
        _STATE["service"] = service

    loop.run_until_complete(open_all())
    _STATE["loop"] = loop
    _STATE["db"] = Path(db)
    renderer = importlib.util.find_spec("cogs.render.summary") is not None
    _STATE["render"] = None
    if renderer:
        from cogs.render.summary import summary_embed

        _STATE["render"] = summary_embed


def description_of(summary: Any) -> str:
    """The description as the brief defines it: each sentence, then its moment link."""
    parts = []
    for s in summary.sentences:
        url = s.url
        link = f" [▶ {format_seconds(s.seconds)}]({url})" if url else ""
        parts.append(f"{s.text}{link}")
    return "\n\n".join(parts)


def _usable_in_note(db: Path, path: str) -> tuple[bool, str]:
    """(any section holds a word, what Notecast's splitter makes of the note) from the
    cache: its usable sentences, and whether its text opens with a code fence."""
    with connect(db) as con:
        note_id = con.execute(NOTE_ROW, (path,)).fetchone()[0]
        rows = con.execute(SECTIONS, (note_id, note_id)).fetchall()
    has_text = any(HAS_WORD.search(r[3] or "") for r in rows)
    usable = sum(len(candidates([(r[3], moments_of(r[4]))])) for r in rows)
    first = next((r[3].lstrip() for r in rows if r[3].strip()), "")
    fence = first[:3] in ("```", "~~~")
    opening = f", opens with {first.split(chr(10), 1)[0][:20]!r}" if fence else ""
    return has_text, (f"{usable} usable sentences in {len(rows)} section(s), "
                      f"{sum(len(r[3]) for r in rows)} chars{opening}")


def _check_chunk(keys: list[tuple[str, str, str]]) -> dict[str, Any]:
    from bot.errors import UserFacingError

    service = _STATE["service"]
    loop: asyncio.AbstractEventLoop = _STATE["loop"]
    render = _STATE["render"]
    out: dict[str, Any] = {
        "summaries": Counter(), "times": {length: [] for length in LENGTHS},
        "failures": [], "sentences": Counter(), "no_video_link": 0, "moment_links": 0,
        "max_description": Counter(), "max_embed": Counter(), "max_raw": Counter(),
        "max_text": Counter(), "slowest": [],
    }

    def fail(kind: str, path: str, length: str, what: str) -> None:
        out["failures"].append((kind, path, length, what))

    for path, channel, slug in keys:
        for length in LENGTHS:
            t0 = time.perf_counter()
            try:
                summary = loop.run_until_complete(
                    service.summarize(f"{channel}/{slug}", None, length))
            except UserFacingError as exc:
                has_text, what = _usable_in_note(_STATE["db"], path)
                if type(exc).__name__ == "NothingToSummarize" and not has_text:
                    out["summaries"]["refused: no text"] += 1
                    continue
                fail("refused as nothing to summarize" if type(exc).__name__ == "NothingToSummarize"
                     else f"error {type(exc).__name__}: {str(exc)[:80]}", path, length,
                     f"the note has text: {what}")
                continue
            except Exception as exc:  # a crash is a finding, not the end of the run
                fail(f"crash {type(exc).__name__}", path, length, str(exc)[:200])
                continue
            elapsed = (time.perf_counter() - t0) * 1000
            out["times"][length].append(elapsed)
            out["slowest"].append((elapsed, path, length))
            out["summaries"][length] += 1
            out["sentences"][(length, len(summary.sentences))] += 1
            if not summary.sentences:
                has_text, what = _usable_in_note(_STATE["db"], path)
                if has_text:
                    fail("empty", path, length, f"no sentence; the note: {what}")
                continue
            text_chars = sum(len(s.text) for s in summary.sentences)
            out["max_text"][length] = max(out["max_text"][length], text_chars)
            if text_chars > SUMMARY_TEXT_LIMIT:
                fail("text over 3000", path, length, f"{text_chars} chars")
            for s in summary.sentences:
                if s.seconds is None:
                    continue
                url = s.url
                if url is None:
                    out["no_video_link"] += 1
                    continue
                out["moment_links"] += 1
                if not MOMENT_URL.fullmatch(url):
                    fail("bad moment url", path, length, url[:120])
            raw = description_of(summary)
            out["max_raw"][length] = max(out["max_raw"][length], len(raw))
            if len(raw) > DESCRIPTION_LIMIT:
                fail("description over 4096 (as made)", path, length, f"{len(raw)} chars")
            if render is None:
                continue
            embed = render(summary)
            description = embed.description or ""
            size = len(embed)
            out["max_description"][length] = max(out["max_description"][length], len(description))
            out["max_embed"][length] = max(out["max_embed"][length], size)
            if len(description) > DESCRIPTION_LIMIT:
                fail("rendered description over 4096", path, length, f"{len(description)} chars")
            if size > EMBED_LIMIT:
                fail("rendered embed over 6000", path, length, f"{size} chars")
            footer = embed.footer.text or ""
            if "did not fit" in footer:
                fail("sentences left out by the renderer", path, length,
                     f"{footer.rsplit(' · ', 1)[-1]}; description {len(description)}, "
                     f"embed {size}, as made {len(raw)}")
            for url in LINK_IN_TEXT.findall(description):
                if "&t=" in url and not MOMENT_URL.fullmatch(url):
                    fail("bad moment url (rendered)", path, length, url[:120])
    out["slowest"] = sorted(out["slowest"], reverse=True)[:5]
    return out


def check_vault(db: Path, workers: int) -> None:
    print("\n== The whole vault: every note summarized whole at every length")
    if importlib.util.find_spec("cogs.render.summary") is None:
        print("  (cogs/render/summary.py does not exist: the description is computed, "
              "not rendered)")
    with connect(db) as con:
        keys = [tuple(r) for r in con.execute(
            "SELECT path, channel, slug FROM notes ORDER BY path").fetchall()]
    chunks = [keys[i:i + CHUNK] for i in range(0, len(keys), CHUNK)]
    t0 = time.perf_counter()
    total: dict[str, Any] = {
        "summaries": Counter(), "times": {length: [] for length in LENGTHS}, "failures": [],
        "sentences": Counter(), "no_video_link": 0, "moment_links": 0,
        "max_description": Counter(), "max_embed": Counter(), "max_raw": Counter(),
        "max_text": Counter(), "slowest": [],
    }
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init,
                             initargs=(str(db),)) as pool:
        for part in pool.map(_check_chunk, chunks):
            for key in ("summaries", "sentences"):
                total[key].update(part[key])
            for length in LENGTHS:
                total["times"][length].extend(part["times"][length])
            total["failures"].extend(part["failures"])
            total["slowest"] = sorted(total["slowest"] + part["slowest"], reverse=True)[:5]
            for key in ("no_video_link", "moment_links"):
                total[key] += part[key]
            for key in ("max_description", "max_embed", "max_raw", "max_text"):
                for length, value in part[key].items():
                    total[key][length] = max(total[key][length], value)
    seconds = time.perf_counter() - t0
    summaries = total["summaries"]
    print(f"  {len(keys)} notes x {len(LENGTHS)} lengths in {seconds:.0f} s "
          f"({workers} processes): "
          + ", ".join(f"{summaries[length]} {length}" for length in LENGTHS)
          + f"; refused for a note with no text: {summaries['refused: no text']}")
    for length in LENGTHS:
        counts = {n: c for (ln, n), c in total["sentences"].items() if ln == length}
        spread = ", ".join(f"{n}: {c}" for n, c in sorted(counts.items()))
        values = total["times"][length]
        timing = (f"median {statistics.median(values):.1f} ms, p95 "
                  f"{percentile(values, 0.95):.1f} ms, max {max(values):.0f} ms"
                  if values else "no timings")
        print(f"  {length}: sentences per summary {{{spread}}}")
        print(f"    time per whole-note summary: {timing}")
        print(f"    largest: text {total['max_text'][length]} chars, description as made "
              f"{total['max_raw'][length]}, rendered description "
              f"{total['max_description'][length]}, rendered embed {total['max_embed'][length]}")
    print("  slowest: " + "; ".join(f"{path} [{length}] {ms:.0f} ms"
                                    for ms, path, length in total["slowest"]))
    print(f"  moment links: {total['moment_links']} checked; sentences with a moment but no "
          f"link (the note's videoId is not a YouTube id): {total['no_video_link']}")
    kinds = Counter(kind for kind, *_ in total["failures"])
    for name, kinds_in in (
        ("every rendered embed within Discord's limits",
         ("rendered description over 4096", "rendered embed over 6000")),
        ("every summary shown whole (as made <= 4096, none left out, text <= 3000)",
         ("description over 4096 (as made)", "sentences left out by the renderer",
          "text over 3000")),
        ("every moment link well formed", ("bad moment url", "bad moment url (rendered)")),
        ("no empty summary for a note with text", ("empty", "refused as nothing to summarize")),
    ):
        n = sum(kinds[k] for k in kinds_in)
        print(f"{verdict(n == 0)} {name}: {n} failure(s)")
    other = {k: v for k, v in kinds.items() if k.startswith(("error", "crash"))}
    n = sum(other.values())
    print(f"{verdict(n == 0)} no error or crash: {n} ({dict(other) if other else 'none'})")
    if total["failures"]:
        print("\n  Failures (path, lengths, size), per kind:")
        by_kind: dict[str, dict[tuple[str, str], list[str]]] = {}
        for kind, path, length, what in total["failures"]:
            by_kind.setdefault(kind, {}).setdefault((path, what), []).append(length)
        for kind, rows in sorted(by_kind.items()):
            notes = {path for path, _ in rows}
            print(f"  {kind}: {sum(len(v) for v in rows.values())} summaries of "
                  f"{len(notes)} notes")
            for (path, what), lengths in list(rows.items())[:SHOWN_FAILURES]:
                print(f"    {path} [{', '.join(lengths)}] {what}")
            if len(rows) > SHOWN_FAILURES:
                print(f"    ... and {len(rows) - SHOWN_FAILURES} more")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True,
                        help="a notes cache built by `notecast index` from the real vault")
    parser.add_argument("--refs", type=Path, default=DEFAULT_REFS,
                        help="the reference summaries (default: %(default)s)")
    parser.add_argument("--all", action=argparse.BooleanOptionalAction, default=True,
                        help="check every note of the cache (default: on)")
    parser.add_argument("--workers", type=int, default=min(8, os.cpu_count() or 1),
                        help="processes for the whole-vault check (default: %(default)s)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print each input's summaries and scores")
    args = parser.parse_args(argv)
    if not args.db.is_file():
        parser.error(f"no cache at {args.db}")
    if not args.refs.is_file():
        parser.error(f"no references at {args.refs}")
    missing = [m for m in ("sumy", "rouge_score") if importlib.util.find_spec(m) is None]
    if missing:
        parser.error(f"{', '.join(missing)} missing: pip install -e '.[bench]'")
    if importlib.util.find_spec("bot.summaries.service") is None:
        parser.error("bot.summaries.service does not exist yet")

    inputs = load_inputs(args.db, args.refs)
    channels = {i.channel for i in inputs}
    refs = args.refs.relative_to(REPO_ROOT) if args.refs.is_relative_to(REPO_ROOT) else args.refs
    print(f"== {sum(i.kind == 'section' for i in inputs)} sections ({SECTION_LENGTH}) and "
          f"{sum(i.kind == 'note' for i in inputs)} whole notes ({NOTE_LENGTH}) from "
          f"{len(channels)} channels; references {refs}; cache {args.db}")
    notecast, times = asyncio.run(run_service(args.db, inputs))
    print_quality(score_all(inputs, notecast), args.verbose)
    print_times(times)
    if args.all:
        check_vault(args.db, max(1, args.workers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
