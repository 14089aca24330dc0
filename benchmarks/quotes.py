"""Measure quote extraction against the hand-labelled gold set, and /quote's latency.

    python benchmarks/quotes.py                       # /tmp/vault/content, or the archive
    python benchmarks/quotes.py --vault DIR [--gold FILE] [--db notecast.db] [-v]

Prints figures (it is not a test; the exit status is 0 whatever they are, 1 on bad usage).

**The gold set** (``benchmarks/quotes_gold/gold.json``, how it was picked and labelled:
``benchmarks/quotes_gold/README.md``). Every gold note is read with
``bot.notes.decoding.decode_note`` and given to two extractors:

* ``notecast``: ``bot.quotes.classify.quotes_of_text``; a quote it flags as the note's
  paraphrase is not a prediction (it is never shown as anyone's words);
* ``baseline``: every line matching ``^>.*[–—-]\\s*([A-Z][\\w.]*( [A-Z][\\w.]*)*)\\s*$``
  (a blockquote line ending in a dash and a capitalised name) is a quote by that name, at
  the last timestamp anchor before it, read as written (``HH:MM:SS``, no repair).

A prediction matches a gold quote when its line lies in the gold quote's span widened by one
line each way: from the first line of the blockquote block that holds it (a quote inside an
``[!info]`` callout may be reported at the callout's header) to its last line (an
attribution line included). The extra line on either side admits a quote reported at the
stand-alone timestamp line just above it or at the line after it. Pairs are made one to one,
nearest lines first. A second prediction inside an already matched gold span is a *split*
(one quote cut in two): reported, not counted as a false positive.

Figures, for both extractors:

* attributed quotes: precision (a prediction with a speaker is right when the gold quote
  there is attributed; one whose speaker is the gold's ``context_speaker``, a name the prose
  before the quote gives, counts neither way) and recall (gold attributed quotes found with a
  speaker);
* all quotes, attributed or not: precision and recall;
* speaker accuracy: among the attributed quotes found with a speaker, the predicted speaker
  equals the gold one after ``bot.quotes.speakers.name_key`` (casefold and punctuation
  stripped when that module is missing); one that differs only by a title before the name
  ("Dr.", "Senator") is counted wrong and shown apart;
* moment accuracy: among the matched quotes, the same seconds (both ``None`` agree);
* words: the SHA-1 of the predicted words, folded as the gold's are, equals the gold's;
* links past the end: a moment later than the note's largest timestamp plus ten minutes,
  or than four hours.

**The whole vault**: every topic note through both extractors: quotes per shape,
attributed or not, paraphrases set aside, and links past the end.

**The service** (``--db``, a cache built by ``notecast index``, opened read-only; skipped
with a note when ``bot.quotes.service`` is missing): ``QuoteService.pick`` over 50 option
combinations (speakers from the cache, misspelt, surnames; topic words; channels; both;
all empty), each run three times, and ``QuoteService.speakers`` for every prefix of 20
speaker names with a typo, median and p95.

PASS/MISS lines: attributed precision >= 0.95, recall >= 0.90, speaker accuracy >= 0.95, no
link past the end (gold set and whole vault), pick p95 <= 50 ms, autocomplete p95 <= 5 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import importlib.util
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bot.notes.decoding import decode_note  # noqa: E402
from bot.notes.records import NoteSkipped  # noqa: E402

ARCHIVE = REPO_ROOT.parent / "shared" / "corpus" / "tubegraph-content.tar.xz"
DEFAULT_VAULT = Path("/tmp/vault/content")
DEFAULT_GOLD = REPO_ROOT / "benchmarks" / "quotes_gold" / "gold.json"

TARGET_PRECISION = 0.95
TARGET_RECALL = 0.90
TARGET_SPEAKER = 0.95
TARGET_PICK_P95_MS = 50.0
TARGET_AUTOCOMPLETE_P95_MS = 5.0
MAX_HOURS = 4  # the generator read at most four hours of captions
PAST_END_SLACK = 600  # seconds past the note's largest timestamp still thought plausible

BASELINE_LINE = re.compile(r"^>.*[–—-]\s*([A-Z][\w.]*( [A-Z][\w.]*)*)\s*$")
ANCHOR = re.compile(r'<a\b[^>]*?\bdata-t="([^"]*)"[^>]*>.*?</a>', re.DOTALL)
BARE_STAMP = re.compile(r"\[(\d{1,2}:\d{2}(?::\d{2})?)\](?!\()")
STAMP_VALUE = re.compile(r"(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?")
FENCE = re.compile(r"^[ \t]*(```|~~~)")
QUOTE_LINE = re.compile(r"^[ \t]*>")


# --------------------------------------------------------------------------- text helpers


def seconds_of(value: str, repair: bool = True) -> int | None:
    """``HH:MM:SS``, ``H:MM:SS`` or ``MM:SS`` to seconds; an hour of 4 or more read as
    ``MM:SS`` when ``repair`` (the gold's rule); ``None`` when malformed."""
    match = STAMP_VALUE.fullmatch(value.strip())
    if match is None:
        return None
    a, b, c = match.groups()
    if c is None:
        return int(a) * 60 + int(b) if int(b) < 60 else None
    hours, minutes, secs = int(a), int(b), int(c)
    if minutes >= 60 or secs >= 60:
        return None
    if repair and hours >= MAX_HOURS:
        return hours * 60 + minutes
    return hours * 3600 + minutes * 60 + secs


def largest_stamp(text: str) -> int | None:
    """The note's largest timestamp (anchors and bare ``[HH:MM:SS]``, repaired reading,
    code fences left out)."""
    best: int | None = None
    in_fence = False
    for line in text.split("\n"):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence or ("data-t" not in line and "[" not in line):
            continue
        values = [m.group(1) for m in ANCHOR.finditer(line)]
        values += [m.group(1) for m in BARE_STAMP.finditer(ANCHOR.sub(" ", line))]
        for value in values:
            seconds = seconds_of(value)
            if seconds is not None and (best is None or seconds > best):
                best = seconds
    return best


def past_end(seconds: int | None, largest: int | None) -> bool:
    """A link to a moment the video plausibly does not reach."""
    if seconds is None:
        return False
    if seconds > MAX_HOURS * 3600:
        return True
    return largest is not None and seconds > largest + PAST_END_SLACK


def fold_words(text: str) -> str:
    """The gold's folding of a quote's words (see the gold set's README)."""
    text = ANCHOR.sub(" ", text)
    text = BARE_STAMP.sub(" ", text)
    text = re.sub(r"\[\[([^\]|]*)\|([^\]]*)\]\]", r"\2", text)
    text = re.sub(r"\[\[([^\]]*)\]\]", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(?m)^[ \t]*(?:>[ \t]?)+", "", text)
    text = re.sub(r"[*`\"“”]", "", text)
    return " ".join(text.split()).casefold().strip(" .,;:")


def words_sha1(text: str) -> str:
    return hashlib.sha1(fold_words(text).encode("utf-8")).hexdigest()


def _fallback_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    kept = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.split())


def speaker_key_function() -> tuple[Callable[[str], str], str]:
    if importlib.util.find_spec("bot.quotes.speakers") is not None:
        from bot.quotes.speakers import name_key
        return name_key, "bot.quotes.speakers.name_key"
    return _fallback_key, "casefold, punctuation stripped"


TITLES = frozenset({"dr", "doctor", "prof", "professor", "mr", "mrs", "ms", "sir", "senator",
                    "sen", "president", "major", "captain", "general", "colonel", "rev"})


def untitled(key: str) -> str:
    """A folded name without the titles before it ("dr alia crum" -> "alia crum")."""
    words = key.split()
    while len(words) > 1 and words[0] in TITLES:
        words.pop(0)
    return " ".join(words)


def read_note(path: Path) -> str | None:
    try:
        return decode_note(path.read_bytes())[0]
    except NoteSkipped:
        return None


def is_hub(path: Path) -> bool:
    return path.stem.casefold() == path.parent.name.casefold().strip("\u2068\u2069")


def topic_notes(vault: Path) -> list[Path]:
    return [p for p in sorted(vault.glob("*/*.md")) if not is_hub(p)]


# --------------------------------------------------------------------------- predictions


@dataclass
class Pred:
    line: int
    speaker: str | None
    seconds: int | None
    moment: str
    shape: str
    text: str
    paraphrase: bool = False
    repaired: bool = False


def notecast_quotes(text: str, channel: str, slug: str) -> list[Pred]:
    """Every quote the extractor finds, paraphrases included (flagged)."""
    from bot.quotes.classify import quotes_of_text

    return [Pred(q.line, q.speaker, q.seconds, q.moment, q.shape, q.text, q.paraphrase,
                 q.repaired) for q in quotes_of_text(text, channel, slug)]


def baseline_quotes(text: str) -> list[Pred]:
    """The naive baseline: a blockquote line ending in a dash and a capitalised name."""
    found: list[Pred] = []
    last: int | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        match = BASELINE_LINE.match(line)
        if match is not None:
            found.append(Pred(number, match.group(1), last,
                              "nearest" if last is not None else "none", "dash", line))
        for anchor in ANCHOR.finditer(line):  # the anchors of this line come after its text
            seconds = seconds_of(anchor.group(1), repair=False)
            if seconds is not None:
                last = seconds
    return found


# --------------------------------------------------------------------------- scoring


@dataclass
class Tally:
    attr_tp: int = 0
    attr_fp: int = 0
    attr_gold: int = 0
    attr_context: int = 0  # predictions naming the context speaker of an unattributed quote
    all_tp: int = 0
    all_fp: int = 0
    all_gold: int = 0
    splits: int = 0
    speaker_right: int = 0
    speaker_title_only: int = 0  # wrong, but only by a title ("Dr.", "Senator")
    speaker_pairs: int = 0
    moment_right: int = 0
    moment_pairs: int = 0
    words_right: int = 0
    past_end: int = 0
    predictions: int = 0
    mismatches: list[tuple[str, str, str]] = field(default_factory=list)  # (cause, where, what)

    def miss(self, cause: str, where: str, what: str) -> None:
        self.mismatches.append((cause, where, what))


def block_start(lines: list[str], line: int) -> int:
    """The first line of the blockquote block holding ``line`` (``line`` itself when it
    is not a blockquote line)."""
    start = line
    if 1 <= line <= len(lines) and QUOTE_LINE.match(lines[line - 1]):
        while start > 1 and QUOTE_LINE.match(lines[start - 2]):
            start -= 1
    return start


def pair_up(gold: list[dict[str, Any]], preds: list[Pred],
            lines: list[str]) -> tuple[dict[int, int], list[int], list[int]]:
    """One-to-one pairs {pred index: gold index} (nearest lines first), then the
    predictions inside a matched gold span (splits) and the rest (unmatched)."""
    spans = [(block_start(lines, g["line"]) - 1, g.get("end_line", g["line"]) + 1) for g in gold]
    candidates = sorted(
        (abs(p.line - g["line"]), pi, gi)
        for pi, p in enumerate(preds) for gi, g in enumerate(gold)
        if spans[gi][0] <= p.line <= spans[gi][1]
    )
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for _, pi, gi in candidates:
        if pi not in pairs and gi not in used:
            pairs[pi] = gi
            used.add(gi)
    splits = [pi for pi, p in enumerate(preds) if pi not in pairs
              and any(lo <= p.line <= hi for lo, hi in spans)]
    rest = [pi for pi in range(len(preds)) if pi not in pairs and pi not in splits]
    return pairs, splits, rest


def score_note(tally: Tally, note: dict[str, Any], text: str, preds: list[Pred],
               key: Callable[[str], str]) -> None:
    path = note["path"]
    lines = text.split("\n")
    largest = largest_stamp(text)
    gold = note["quotes"]
    not_quotes = note.get("not_quotes", [])
    preds = [p for p in preds if not p.paraphrase]
    pairs, splits, rest = pair_up(gold, preds, lines)
    tally.predictions += len(preds)
    tally.all_gold += len(gold)
    tally.attr_gold += sum(1 for g in gold if g["attributed"])
    tally.all_tp += len(pairs)
    tally.splits += len(splits)
    for pi in splits:
        tally.miss("split: one quote reported twice", f"{path}:{preds[pi].line}",
                   f"predicted {preds[pi].speaker!r} inside a quote already matched")
    for pi in rest:
        p = preds[pi]
        tally.all_fp += 1
        if p.speaker is not None:
            tally.attr_fp += 1
        why = next((n["why"] for n in not_quotes
                    if n["line"] - 1 <= p.line <= n.get("end_line", n["line"]) + 1),
                   "not labelled as a quote")
        tally.miss(f"not a quote: {' '.join(why.split(' (')[0].split(':')[0].split()[:3])}",
                   f"{path}:{p.line}",
                   f"predicted {p.shape} by {p.speaker!r}; gold: {why}")
    for pi, gi in pairs.items():
        p, g = preds[pi], gold[gi]
        where = f"{path}:{g['line']}"
        if p.speaker is not None:
            if g["attributed"]:
                tally.attr_tp += 1
                tally.speaker_pairs += 1
                if key(p.speaker) == key(g["speaker"]):
                    tally.speaker_right += 1
                elif untitled(key(p.speaker)) == untitled(key(g["speaker"])):
                    tally.speaker_title_only += 1
                    tally.miss("speaker differs only by a title", where,
                               f"gold {g['speaker']!r}, predicted {p.speaker!r}")
                else:
                    tally.miss("wrong speaker", where,
                               f"gold {g['speaker']!r}, predicted {p.speaker!r}")
            elif g.get("context_speaker") and key(p.speaker) == key(g["context_speaker"]):
                tally.attr_context += 1
            else:
                tally.attr_fp += 1
                tally.miss("speaker where the note names nobody", where,
                           f"predicted {p.speaker!r} ({p.shape}); gold unattributed "
                           f"({g['shape']})")
        elif g["attributed"]:
            tally.miss("attributed quote found without its speaker", where,
                       f"gold {g['speaker']!r} ({g['shape']}), predicted no speaker ({p.shape})")
        tally.moment_pairs += 1
        if p.seconds == g["seconds"]:
            tally.moment_right += 1
        else:
            tally.miss("wrong moment", where,
                       f"gold {g['seconds']} ({g['moment']}), predicted {p.seconds} "
                       f"({p.moment}{', repaired' if p.repaired else ''})")
        if words_sha1(p.text) == g["sha1"]:
            tally.words_right += 1
    matched = set(pairs.values())
    for gi, g in enumerate(gold):
        if gi not in matched:
            cause = "attributed quote missed" if g["attributed"] else "unattributed quote missed"
            tally.miss(cause, f"{path}:{g['line']}",
                       f"gold {g['shape']} by {g['speaker']!r}"
                       + (f" ({g['note']})" if g.get("note") else ""))
    for p in preds:
        if past_end(p.seconds, largest):
            tally.past_end += 1
            tally.miss("link past the end", f"{path}:{p.line}",
                       f"{p.seconds} s; the note's largest timestamp is {largest}")


def ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# --------------------------------------------------------------------------- whole vault


def _vault_chunk(paths: list[str]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    past: list[str] = []
    baseline_past: list[str] = []
    speakers: Counter[str] = Counter()
    for name in paths:
        path = Path(name)
        text = read_note(path)
        if text is None:
            continue
        largest = largest_stamp(text)
        for q in notecast_quotes(text, path.parent.name, path.stem):
            if q.paraphrase:
                counts["paraphrase"] += 1
                continue
            counts[f"shape:{q.shape}"] += 1
            counts["attributed" if q.speaker is not None else "unattributed"] += 1
            if q.speaker is not None:
                speakers[q.speaker] += 1
            if past_end(q.seconds, largest):
                past.append(f"{path.parent.name}/{path.name}:{q.line} ({q.seconds} s, "
                            f"largest {largest})")
            counts[f"moment:{q.moment}"] += 1
            if q.repaired:
                counts["repaired"] += 1
        for q in baseline_quotes(text):
            counts["baseline"] += 1
            if past_end(q.seconds, largest):
                baseline_past.append(f"{path.parent.name}/{path.name}:{q.line}")
        counts["notes"] += 1
    return {"counts": counts, "past": past, "baseline_past": baseline_past,
            "speakers": speakers}


def whole_vault(vault: Path, verbose: bool) -> bool:
    paths = [str(p) for p in topic_notes(vault)]
    chunks = [paths[i:i + 400] for i in range(0, len(paths), 400)]
    started = time.perf_counter()
    counts: Counter[str] = Counter()
    past: list[str] = []
    baseline_past: list[str] = []
    speakers: Counter[str] = Counter()
    with ProcessPoolExecutor(max_workers=max(1, min(8, os.cpu_count() or 1))) as pool:
        for part in pool.map(_vault_chunk, chunks):
            counts.update(part["counts"])
            past += part["past"]
            baseline_past += part["baseline_past"]
            speakers.update(part["speakers"])
    took = time.perf_counter() - started
    quotes = counts["attributed"] + counts["unattributed"]
    print(f"\n== The whole vault: {counts['notes']:,} topic notes in {took:.1f} s")
    shapes = sorted((k.split(":", 1)[1], v) for k, v in counts.items() if k.startswith("shape:"))
    print(f"notecast: {quotes:,} quotes: {counts['attributed']:,} attributed "
          f"({len(speakers):,} names as written), {counts['unattributed']:,} unattributed; "
          f"{counts['paraphrase']:,} paraphrases set aside")
    print("  per shape:   " + ", ".join(f"{s} {n:,}" for s, n in shapes))
    print("  moments:     " + ", ".join(f"{m} {counts['moment:' + m]:,}"
                                        for m in ("own", "nearest", "none"))
          + f"; repaired {counts['repaired']:,}")
    print(f"  links past the end: {len(past)}")
    print(f"baseline: {counts['baseline']:,} quotes, all attributed; "
          f"links past the end: {len(baseline_past)}")
    if verbose:
        for where in past:
            print(f"  past the end: {where}")
        print("  most quoted names: " + ", ".join(f"{n} {c}" for n, c in speakers.most_common(15)))
    print(f"{verdict(not past)} no link past the end over the whole vault "
          f"({len(past)} found)")
    return not past


# --------------------------------------------------------------------------- the gold set


def gold_set(vault: Path, gold_path: Path, verbose: bool) -> None:
    notes = json.loads(gold_path.read_text(encoding="utf-8"))
    key, key_name = speaker_key_function()
    tallies = {"notecast": Tally(), "baseline": Tally()}
    missing = 0
    for note in notes:
        path = vault / note["path"]
        if not path.is_file():
            missing += 1
            continue
        text = read_note(path) or ""
        channel, slug = path.parent.name, path.stem
        score_note(tallies["notecast"], note, text, notecast_quotes(text, channel, slug), key)
        score_note(tallies["baseline"], note, text, baseline_quotes(text), key)
    channels = {n["path"].split("/", 1)[0] for n in notes}
    print(f"== The gold set: {len(notes) - missing} notes in {len(channels)} channels, "
          f"{tallies['notecast'].all_gold} quotes ({tallies['notecast'].attr_gold} attributed), "
          f"{sum(len(n.get('not_quotes', [])) for n in notes)} labelled non-quotes "
          f"({gold_path.name})")
    if missing:
        print(f"  ({missing} gold notes are not in {vault})")
    print(f"speakers compared by {key_name}\n")
    header = (f"{'':10} {'attr P':>7} {'attr R':>7} {'all P':>7} {'all R':>7} "
              f"{'speaker':>8} {'moment':>7} {'words':>7} {'past end':>8} "
              f"{'preds':>6} {'splits':>6}")
    print(header)
    for name, t in tallies.items():
        attr_p = ratio(t.attr_tp, t.attr_tp + t.attr_fp)
        attr_r = ratio(t.attr_tp, t.attr_gold)
        all_p = ratio(t.all_tp, t.all_tp + t.all_fp)
        all_r = ratio(t.all_tp, t.all_gold)
        print(f"{name:10} {fmt(attr_p):>7} {fmt(attr_r):>7} {fmt(all_p):>7} {fmt(all_r):>7} "
              f"{fmt(ratio(t.speaker_right, t.speaker_pairs)):>8} "
              f"{fmt(ratio(t.moment_right, t.moment_pairs)):>7} "
              f"{fmt(ratio(t.words_right, t.moment_pairs)):>7} {t.past_end:>8} "
              f"{t.predictions:>6} {t.splits:>6}")
    for name, t in tallies.items():
        print(f"  {name}: attributed {t.attr_tp} right, {t.attr_fp} wrong, "
              f"{t.attr_gold - t.attr_tp} missed"
              + (f", {t.attr_context} naming the speaker the prose gives" if t.attr_context
                 else "")
              + f"; all quotes {t.all_tp} found, {t.all_fp} false, {t.all_gold - t.all_tp} "
              f"missed; speaker {t.speaker_right}/{t.speaker_pairs}"
              + (f" ({t.speaker_title_only} more differ only by a title)"
                 if t.speaker_title_only else "")
              + ", "
              f"moment {t.moment_right}/{t.moment_pairs}")
    t = tallies["notecast"]
    attr_p = ratio(t.attr_tp, t.attr_tp + t.attr_fp) or 0.0
    attr_r = ratio(t.attr_tp, t.attr_gold) or 0.0
    speaker = ratio(t.speaker_right, t.speaker_pairs) or 0.0
    print()
    print(f"{verdict(attr_p >= TARGET_PRECISION)} attributed precision {attr_p:.3f} "
          f"(target >= {TARGET_PRECISION})")
    print(f"{verdict(attr_r >= TARGET_RECALL)} attributed recall {attr_r:.3f} "
          f"(target >= {TARGET_RECALL})")
    print(f"{verdict(speaker >= TARGET_SPEAKER)} speaker accuracy {speaker:.3f} "
          f"(target >= {TARGET_SPEAKER})")
    print(f"{verdict(t.past_end == 0)} no link past the end on the gold set "
          f"({t.past_end} found)")
    if verbose:
        by_cause: dict[str, list[tuple[str, str]]] = {}
        for cause, where, what in t.mismatches:
            by_cause.setdefault(cause, []).append((where, what))
        print(f"\nnotecast's mismatches ({len(t.mismatches)}), by cause:")
        for cause, items in sorted(by_cause.items(), key=lambda kv: -len(kv[1])):
            print(f"  {cause} ({len(items)})")
            for where, what in items:
                print(f"    {where}  {what}")


# --------------------------------------------------------------------------- the service

TOPICS = ["artificial intelligence", "sleep", "startup fundraising", "inflation", "death",
          "consciousness", "product market fit", "nuclear weapons", "hard work", "creativity",
          "investing", "dopamine", "leadership", "fame", "cricket"]


def typo(name: str, rng: random.Random) -> str:
    """The name with one slip: two letters swapped, one dropped, or one doubled."""
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    if len(letters) < 4:
        return name
    i = rng.choice(letters[1:-1])
    kind = rng.randrange(3)
    if kind == 0 and i + 1 < len(name):
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    if kind == 1:
        return name[:i] + name[i + 1:]
    return name[:i] + name[i] + name[i:]


def combinations(speakers: list[str], channels: list[str],
                 rng: random.Random) -> list[dict[str, str | None]]:
    """50 realistic /quote option sets."""
    combos: list[dict[str, str | None]] = []
    for name in speakers[:12]:
        combos.append({"speaker": name})
    for name in speakers[12:16]:
        combos.append({"speaker": typo(name, rng)})
    for name in speakers[16:19]:
        combos.append({"speaker": name.split()[-1]})  # a surname alone
    for topic in TOPICS[:10]:
        combos.append({"topic": topic})
    for channel in channels[:8]:
        combos.append({"channel": channel})
    for i in range(5):
        combos.append({"speaker": speakers[i % len(speakers)], "topic": TOPICS[10 + i]})
    for i in range(3):
        combos.append({"topic": TOPICS[i], "channel": channels[i % len(channels)]})
    while len(combos) < 50:
        combos.append({})  # all empty: any quote
    return combos[:50]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


async def service_latency(db: Path, verbose: bool) -> None:
    print("\n== The service")
    if importlib.util.find_spec("bot.quotes.service") is None:
        print("bot.quotes.service does not exist yet: latency not measured")
        return
    from bot.cache.store import NotesCache
    from bot.quotes.service import QuoteService
    from bot.search import TopicSearch

    async with NotesCache(db, readonly=True) as cache:
        topics = TopicSearch(cache)
        service = QuoteService(cache, topics, rng=random.Random(8))
        await service.refresh(force=True)
        choices = service.speakers("")
        speakers = [c.name for c in choices]
        with contextlib.closing(__import__("sqlite3").connect(
                f"file:{db}?mode=ro", uri=True)) as con:
            rows = con.execute(
                "SELECT name FROM quote_speakers WHERE quotes > 0 "
                "ORDER BY quotes DESC, name LIMIT 60").fetchall()
            channels = [r[0] for r in con.execute(
                "SELECT channel, COUNT(*) AS n FROM quotes GROUP BY channel "
                "ORDER BY n DESC LIMIT 10").fetchall()]
        for (name,) in rows:
            if name not in speakers and len(name.split()) >= 2:
                speakers.append(name)
        speakers = [s for s in speakers if len(s.split()) >= 2] or speakers
        if not speakers or not channels:
            print("the cache holds no quotes: run `notecast index` with the quote tables")
            return
        rng = random.Random(8)
        combos = combinations(speakers, channels, rng)
        timings: list[float] = []
        matched = 0
        unanswered: list[dict[str, str | None]] = []
        errors: Counter[str] = Counter()
        for round_ in range(3):
            for combo in combos:
                t0 = time.perf_counter()
                try:
                    answer = await service.pick(**combo)
                except ValueError as exc:  # an unknown channel
                    errors[str(exc)[:60]] += 1
                    continue
                timings.append((time.perf_counter() - t0) * 1000)
                if round_ == 0:
                    if answer.quote is not None:
                        matched += 1
                    else:
                        unanswered.append(combo)
        print(f"/quote pick: {len(timings)} calls over {len(combos)} option sets "
              f"({matched} answered with a quote; {len(speakers)} speakers, "
              f"{len(channels)} channels from the cache)")
        if errors:
            print(f"  refused: {dict(errors)}")
        if verbose:
            for combo in unanswered:
                print(f"  no quote for {combo}")
        if timings:
            p95 = percentile(timings, 0.95)
            print(f"  median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
                  f"max {max(timings):.1f} ms")
            print(f"{verdict(p95 <= TARGET_PICK_P95_MS)} pick p95 {p95:.1f} ms "
                  f"(target <= {TARGET_PICK_P95_MS:.0f} ms)")
        names = [typo(s, rng) for s in speakers[:20]]
        service.speakers("")  # loaded above; this keeps the in-memory state warm
        auto: list[float] = []
        for name in names:
            for end in range(1, len(name) + 1):
                t0 = time.perf_counter()
                service.speakers(name[:end])
                auto.append((time.perf_counter() - t0) * 1000)
        p95 = percentile(auto, 0.95)
        print(f"speaker autocomplete: {len(auto)} prefixes of {len(names)} misspelt names: "
              f"median {statistics.median(auto):.2f} ms, p95 {p95:.2f} ms, "
              f"max {max(auto):.2f} ms")
        print(f"{verdict(p95 <= TARGET_AUTOCOMPLETE_P95_MS)} autocomplete p95 {p95:.2f} ms "
              f"(target <= {TARGET_AUTOCOMPLETE_P95_MS:.0f} ms)")
        await service.aclose()


# --------------------------------------------------------------------------- main


@contextlib.contextmanager
def vault_dir(given: Path | None, parser: argparse.ArgumentParser) -> Iterator[Path]:
    if given is not None:
        if not given.is_dir():
            parser.error(f"no vault at {given}")
        yield given
        return
    if DEFAULT_VAULT.is_dir():
        yield DEFAULT_VAULT
        return
    if not ARCHIVE.is_file():
        parser.error(f"no --vault, no {DEFAULT_VAULT} and no archive at {ARCHIVE}")
    with tempfile.TemporaryDirectory(prefix="notecast-quotes-") as work:
        subprocess.run(["tar", "-xJf", str(ARCHIVE), "-C", work], check=True)
        yield Path(work) / "content"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Quote extraction against the gold set, and /quote's latency.")
    parser.add_argument("--vault", type=Path, default=None,
                        help=f"the vault's content folder (default: {DEFAULT_VAULT}, else "
                             "unpack ../shared/corpus/tubegraph-content.tar.xz)")
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD,
                        help="the gold set (default: %(default)s)")
    parser.add_argument("--db", type=Path, default=None,
                        help="a notes cache built by `notecast index`: measure the service")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list every mismatch with path:line")
    args = parser.parse_args(argv)
    if not args.gold.is_file():
        parser.error(f"no gold set at {args.gold}")
    if args.db is not None and not args.db.is_file():
        parser.error(f"no cache at {args.db}")
    if importlib.util.find_spec("bot.quotes.classify") is None:
        print("bot.quotes.classify does not exist yet: nothing to measure")
        return 0
    with vault_dir(args.vault, parser) as vault:
        gold_set(vault, args.gold, args.verbose)
        whole_vault(vault, args.verbose)
    if args.db is not None:
        asyncio.run(service_latency(args.db, args.verbose))
    else:
        print("\n(no --db: the service's latency is not measured)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
