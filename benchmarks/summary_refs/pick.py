"""Pick the inputs of the summary benchmark: a seeded random draw of sections and whole
notes of the real vault, stratum by stratum.

    python benchmarks/summary_refs/pick.py                    # /tmp/vault/content
    python benchmarks/summary_refs/pick.py --vault DIR [--seed 9] [--out FILE]

Every topic note (hubs, ``index.md`` and ``directory.md`` left out) is read as the cache
reads it (``bot.notes.decoding.decode_note``, then ``bot.notes.parsing.parse_note``), so a
section's index and heading are the ones the cache and ``SummaryService`` see. Sentences
are counted here with a plain rule of this script's own (a line is a unit; a line splits
after ``.``, ``!`` or ``?`` before a capital, a digit or a quote; a unit of fewer than three
words is not counted), not with Notecast's splitter, so that the pick does not depend on
the code it measures. A sentence is *stamped* when one of the section's moments lies
between its start (excluded) and the next sentence's start.

**Sections** (:data:`SECTION_QUOTAS`). A candidate is a section under a heading (not the
text before the first heading) whose heading is not repeated in its note, with no
deeper heading right after it (``SummaryService`` summarizes a section with its
subsections; a reference is written from the section's own text), at least
:data:`MIN_SENTENCES` sentences, at most :data:`MAX_SECTION_CHARS` characters, and no
code fence. (A section with subsections is passed over when drawn, not left out of the
list that is shuffled, so that the rule did not change the draw.) Strata, in this order
(a section is in the first that it fits):

* ``stamped``  at least 70% of its sentences stamped (and at least 5 of them);
* ``short``    5 to 7 sentences;
* ``medium``   8 to 11 sentences;
* ``long``     12 sentences or more.

**Whole notes** (:data:`NOTE_QUOTAS`). A candidate has at least three sections under a
heading, at least :data:`MIN_NOTE_SENTENCES` sentences, a plain text of
:data:`MIN_NOTE_CHARS` to :data:`MAX_NOTE_CHARS` characters (a reference writer reads it
whole), and a video id. Strata, in this order:

* ``conclusion``  a heading that is, or opens with, "Conclusion", "Summary", "In
                  Conclusion", "In Summary" or "Concluding ..." (a note that ends on its
                  own summary);
* ``short``       under 3,500 characters;
* ``medium``      3,500 to 6,000;
* ``long``        6,000 or more.

The candidates of a stratum are sorted, shuffled with ``random.Random(seed)`` and taken in
that order, with at most :data:`PER_CHANNEL_SECTIONS` sections and
:data:`PER_CHANNEL_NOTES` whole note per channel, and never two sections of one note nor a
section of a note picked whole. Sections are drawn first, then notes. The same vault and
seed give the same pick. Writes ``picked.json`` beside this script: for each input its
``id`` (what ``refs.json`` is keyed by), ``kind`` (``section`` or ``note``), ``stratum``,
``path`` (relative to the vault), ``channel``, ``slug``, ``title``, for a section its
``index`` and ``heading``, the sentence and stamp counts, the characters, and the SHA-1 of
the text (sections' plain text joined by blank lines for a note) so that a change in the
parser that changes an input is noticed by the benchmark.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bot.notes.decoding import decode_note  # noqa: E402
from bot.notes.parsing import parse_note  # noqa: E402
from bot.notes.records import NoteSkipped  # noqa: E402

DEFAULT_VAULT = Path("/tmp/vault/content")
SEED = 9

SECTION_QUOTAS = {"stamped": 6, "short": 10, "medium": 10, "long": 8}
NOTE_QUOTAS = {"conclusion": 4, "short": 3, "medium": 3, "long": 3}
PER_CHANNEL_SECTIONS = 2
PER_CHANNEL_NOTES = 1

MIN_SENTENCES = 5
MAX_SECTION_CHARS = 3500
STAMPED_SHARE = 0.7
MIN_NOTE_SENTENCES = 10
MIN_NOTE_CHARS = 1500
MAX_NOTE_CHARS = 9000

SPLIT = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+(?=[\"“(\[]?[A-Z0-9])")
LIST_MARK = re.compile(r"^\s*(?:>\s*)*(?:[-*+]|\d{1,3}[.)])\s+")
CONCLUSION = re.compile(r"^(?:in\s+)?(?:conclusion|summary|concluding)\b", re.IGNORECASE)
FENCE = "```"


@dataclass
class Candidate:
    kind: str
    stratum: str
    path: str
    channel: str
    slug: str
    title: str
    index: int | None
    heading: str | None
    sentences: int
    stamped: int
    chars: int
    sha1: str
    subsections: int = 0  # deeper sections right after it (summarized with it)


def sentence_starts(text: str) -> list[int]:
    """The start offsets of the sentences of ``text`` (this script's own rule)."""
    starts: list[int] = []
    pos = 0
    for line in text.split("\n"):
        body = LIST_MARK.sub("", line)
        offset = pos + len(line) - len(body)
        pieces = SPLIT.split(body)
        at = 0
        for piece in pieces:
            found = body.find(piece, at)
            if len(piece.split()) >= 3:
                starts.append(offset + found)
            at = found + len(piece)
        pos += len(line) + 1
    return starts


def counts(text: str, moments: list[int]) -> tuple[int, int]:
    """(sentences, sentences that carry a moment)."""
    starts = sentence_starts(text)
    if not starts:
        return 0, 0
    bounds = [*starts[1:], len(text) + 1]
    stamped = sum(1 for s, e in zip(starts, bounds, strict=True)
                  if any(s < o <= e for o in moments))
    return len(starts), stamped


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def is_hub(path: Path) -> bool:
    return path.stem.casefold() == path.parent.name.casefold().strip("\u2068\u2069")


def candidates_of(vault: Path, rel: str) -> list[Candidate]:
    path = vault / rel
    try:
        text = decode_note(path.read_bytes())[0]
    except NoteSkipped:
        return []
    channel, slug = rel.split("/", 1)[0], path.stem
    note = parse_note(text, channel, slug)
    found: list[Candidate] = []
    headings = Counter(s.heading for s in note.sections)
    moments: dict[int, list[int]] = {}
    for stamp in note.timestamps:
        moments.setdefault(stamp.section, []).append(stamp.offset)
    note_sentences = note_stamped = 0
    for at, section in enumerate(note.sections):
        n, stamped = counts(section.text, moments.get(section.index, []))
        subsections = 0
        for later in note.sections[at + 1:]:
            if later.level <= section.level:
                break
            subsections += 1
        note_sentences += n
        note_stamped += stamped
        if (section.level == 0 or not section.heading or headings[section.heading] > 1
                or FENCE in section.text or n < MIN_SENTENCES
                or len(section.text) > MAX_SECTION_CHARS):
            continue
        if stamped >= STAMPED_SHARE * n:
            stratum = "stamped"
        elif n <= 7:
            stratum = "short"
        elif n <= 11:
            stratum = "medium"
        else:
            stratum = "long"
        found.append(Candidate("section", stratum, rel, channel, slug, note.title,
                               section.index, section.heading, n, stamped,
                               len(section.text), sha1(section.text), subsections))
    whole = "\n\n".join(s.text for s in note.sections)
    headed = [s for s in note.sections if s.level > 0 and s.heading]
    if (len(headed) >= 3 and note_sentences >= MIN_NOTE_SENTENCES and note.video_id
            and MIN_NOTE_CHARS <= len(whole) <= MAX_NOTE_CHARS and FENCE not in whole):
        if any(CONCLUSION.match(s.heading) for s in headed):
            stratum = "conclusion"
        elif len(whole) < 3500:
            stratum = "short"
        elif len(whole) < 6000:
            stratum = "medium"
        else:
            stratum = "long"
        found.append(Candidate("note", stratum, rel, channel, slug, note.title, None, None,
                               note_sentences, note_stamped, len(whole), sha1(whole)))
    return found


def _work(args: tuple[str, list[str]]) -> list[Candidate]:
    vault, rels = args
    out: list[Candidate] = []
    for rel in rels:
        out.extend(candidates_of(Path(vault), rel))
    return out


def all_candidates(vault: Path) -> list[Candidate]:
    rels = [p.relative_to(vault).as_posix() for p in sorted(vault.glob("*/*.md"))
            if not is_hub(p)]
    chunks = [(str(vault), rels[i:i + 500]) for i in range(0, len(rels), 500)]
    found: list[Candidate] = []
    with ProcessPoolExecutor() as pool:
        for part in pool.map(_work, chunks):  # in chunk order: deterministic
            found.extend(part)
    return found


def pick(vault: Path, seed: int) -> list[Candidate]:
    found = all_candidates(vault)
    rng = random.Random(seed)
    picked: list[Candidate] = []
    used_notes: set[str] = set()
    for kind, quotas, limit in (("section", SECTION_QUOTAS, PER_CHANNEL_SECTIONS),
                                ("note", NOTE_QUOTAS, PER_CHANNEL_NOTES)):
        per_channel: Counter[str] = Counter()
        for stratum, quota in quotas.items():
            order = sorted((c for c in found if c.kind == kind and c.stratum == stratum),
                           key=lambda c: (c.path, c.index if c.index is not None else -1))
            rng.shuffle(order)
            taken = 0
            for c in order:
                if taken == quota:
                    break
                if (c.path in used_notes or per_channel[c.channel] >= limit
                        or c.subsections):
                    continue
                picked.append(c)
                used_notes.add(c.path)
                per_channel[c.channel] += 1
                taken += 1
    return picked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vault", type=Path, default=DEFAULT_VAULT,
                        help="the vault's content folder (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=HERE / "picked.json")
    args = parser.parse_args(argv)
    if not args.vault.is_dir():
        parser.error(f"no vault at {args.vault}")
    picked = pick(args.vault, args.seed)
    rows = []
    numbers: Counter[str] = Counter()
    for c in picked:
        numbers[c.kind] += 1
        row = {"id": f"{c.kind[0]}{numbers[c.kind]:02d}", **asdict(c)}
        del row["subsections"]
        if c.kind == "note":
            del row["index"], row["heading"]
        rows.append(row)
    args.out.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for row in rows:
        where = f"  #{row['index']} {row['heading']}" if row["kind"] == "section" else ""
        print(f"{row['id']} {row['kind']:7} {row['stratum']:10} {row['path']}{where}")
    kinds = Counter(r["kind"] for r in rows)
    channels = Counter(r["channel"] for r in rows)
    print(f"{kinds['section']} sections and {kinds['note']} notes in {len(channels)} channels "
          f"-> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
