"""Pick the notes of the quote gold set: a seeded random draw per shape of the real vault.

    python benchmarks/quotes_gold/pick.py                     # /tmp/vault/content
    python benchmarks/quotes_gold/pick.py --vault DIR [--seed 8] [--out FILE]

Every topic note (hubs, ``index.md`` and ``directory.md`` left out) is put in exactly one
stratum by the first of these tests that it passes, rarest shape first:

* ``prefix_speaker``   a ``Name Surname: "…"`` line (two to four capitalised words, no label
                       word such as "Question", "Example", "Hook"), in or out of a blockquote;
* ``attribution_line`` a blockquote line that is only a dash and a capitalised name
                       (``> — Name``);
* ``dash``             a blockquote line ending ``– Name`` (any dash; a timestamp anchor may
                       follow the name);
* ``callout_person``   a ``> [!quote]`` callout whose title looks like a person ("Name
                       Surname", "Name, role", "Name on …", "Name's …", "Quote from Name");
* ``callout_heading``  a ``> [!quote]`` callout with any other title (a heading, a topic, the
                       words themselves, or none);
* ``code_fence``       a ``>`` line inside a fenced code block;
* ``prefix_label``     a ``Label: "…"`` line ("Question:", "Example:", a one-word label);
* ``info_callouts``    three or more callouts of another kind (``[!info]``, ``[!note]``,
                       ``[!tip]``, …) and no plain blockquote;
* ``plain``            blockquotes, none of them a callout or one of the shapes above;
* ``none``             no blockquote at all.

The candidates of a stratum are sorted, shuffled with ``random.Random(seed)`` and taken in
that order, at most two per channel in a stratum and six in the whole set, until the
stratum's quota (:data:`QUOTAS`) is met (then, only if it is still short, without the
channel limits). A second draw then goes on down the same shuffled lists of the shapes
that name a speaker (:data:`SUPPLEMENT`, three per channel in a stratum), so that there
are enough attributed quotes to measure; it leaves the first draw as it was.
Prints the picked paths (relative to the vault root), stratum by stratum in the order
above, and writes them to ``picked.txt`` beside this script (one a line); the strata
are printed on stderr. The same vault and seed give the same pick.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_VAULT = Path("/tmp/vault/content")
SEED = 8

# stratum -> how many notes to pick, in the order the strata are tested
QUOTAS = {
    "prefix_speaker": 4,
    "attribution_line": 7,
    "dash": 8,
    "callout_person": 8,
    "callout_heading": 8,
    "code_fence": 5,
    "prefix_label": 5,
    "info_callouts": 7,
    "plain": 8,
    "none": 6,
}
# then a second draw from the shapes that carry a speaker, so that the attributed quotes
# are numerous enough to measure (taken after the first draw: it does not change it)
SUPPLEMENT = {
    "attribution_line": 5,
    "dash": 5,
    "callout_person": 6,
}
PER_CHANNEL_IN_STRATUM = 2
PER_CHANNEL = 6

FENCE = re.compile(r"^[ \t]*(```|~~~)")
QUOTE_LINE = re.compile(r"^[ \t]*>")
LIST_ITEM = re.compile(r"^[ \t]*(?:>[ \t]*)?(?:[-*+]|\d{1,3}[.)])[ \t]")
CALLOUT = re.compile(r"^[ \t]*>[ \t]*\[!([^\]|]+)[^\]]*\][+-]?[ \t]*(.*)$")
STAMP = re.compile(r"<a [^>]*>[^<]*</a>|\[\d{1,2}:\d{2}(?::\d{2})*\]")
NAME = r"[A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){0,3}"
DASH_END = re.compile(r"^[ \t]*>.*\S[ \t]+[–—-]{1,2}[ \t]*\**" + NAME + r"\**(?:,[^\"“”]*)?[ \t]*$")
ATTRIBUTION = re.compile(r"^[ \t]*>[ \t]*(?:[–—]|--?-?)[ \t]*\**" + NAME)
PREFIX = re.compile(
    r"^[ \t]*(?:>[ \t]*)?(?:[-*+][ \t]+)?[*_]*(?P<name>" + NAME + r")[*_]*:[*_]*[ \t]+[*_]*[\"“]"
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


LABEL_WORDS = _words("""
    answer ask asked asking bot book claim definition description example examples exercise
    hook hooks input instruction key lesson mantra motto note output prompt query question
    questions quote reply response result rule says statement step summary takeaway tip
    title user appearance microscopy radiology clinical index text response reaction tv
    movie podcast name focus you her his him guy girl prospect salesperson follower hunter
    someone recruiter affirmation acknowledge reframe try technique phrase remember
""")
NOT_NAME_WORDS = _words("""
    the a an of and in for to on with from my our your his her their this that what why how
    myth story host quote key core first public startup client marital benchmarking part
    problem lesson principle importance nature power goal rule law paradox
""")
PERSON_TITLE = re.compile(
    r"^(?:Quote from |A quote from )?(?:(?:Dr|Mr|Mrs|Ms|Prof|Sir)\.?[ \t]+)?"
    r"(?P<name>[A-Z][\w.'’-]+(?:[ \t]+(?:[A-Z][\w.'’-]*|de|van|von|bin|al))*)"
    r"(?:'s?\b.*|’s?\b.*|,.*|[ \t]*\(.*| on .*| about .*|:.*)?$"
)


def is_hub(path: Path) -> bool:
    return path.stem.casefold() == path.parent.name.casefold().strip("\u2068\u2069")


def read_text(path: Path) -> str:
    """As ``bot.notes.decoding.decode_note`` reads a file (BOM dropped, CRLF folded)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def person_title(title: str) -> bool:
    title = STAMP.sub("", title).replace("*", "").strip()
    if not title or title[0] in "\"“'‘":
        return False
    match = PERSON_TITLE.match(title)
    if match is None:
        return False
    words = match.group("name").split()
    if len(words) < 2 or len(words) > 4:
        return False
    return not any(w.casefold().strip(".'’s") in NOT_NAME_WORDS for w in words)


def attribution_line(lines: list[str]) -> bool:
    """The block's last line is only a dash and a name: an em or en dash, or a hyphen under
    quoted words (a hyphen under anything else is a list item)."""
    last = lines[-1]
    if ATTRIBUTION.match(last) is None:
        return False
    if re.match(r"^[ \t]*>[ \t]*[–—]|^[ \t]*>[ \t]*--", last):
        return True
    return len(lines) >= 2 and lines[-2].rstrip(" .").endswith(('"', "”"))


def stratum_of(text: str) -> str:
    in_fence = False
    fenced_quote = prefix_speaker = prefix_label = attribution = dash = False
    quote_person = quote_heading = False
    other_callouts = plain = 0
    block: list[str] = []  # the lines of the blockquote being read

    def end_block() -> None:
        nonlocal quote_person, quote_heading, other_callouts, plain, attribution, dash
        if not block:
            return
        callout = CALLOUT.match(block[0])
        body = [STAMP.sub("", line).rstrip() for line in block[1 if callout else 0:]]
        filled = [line for line in body if line.strip(" \t>")]
        if len(filled) >= (1 if callout else 2) and attribution_line(filled):
            attribution = True
        elif any(DASH_END.match(line) for line in body):
            dash = True
        elif callout is None and any(line.strip(" \t>") for line in body):
            plain += 1
        if callout is not None:
            if callout.group(1).strip().casefold() in ("quote", "cite"):
                if person_title(callout.group(2)):
                    quote_person = True
                else:
                    quote_heading = True
            else:
                other_callouts += 1
        block.clear()

    for line in text.split("\n"):
        if FENCE.match(line):
            end_block()
            in_fence = not in_fence
            continue
        if in_fence:
            fenced_quote |= bool(QUOTE_LINE.match(line))
            continue
        prefix = PREFIX.match(line)
        if prefix is not None:
            words = prefix.group("name").split()
            in_list = LIST_ITEM.match(line) is not None
            quoted = QUOTE_LINE.match(line) is not None
            if not in_list and (len(words) >= 2 or quoted) and not any(
                w.casefold().strip(".'’s") in LABEL_WORDS for w in words
            ):
                prefix_speaker = True
            else:
                prefix_label = True
        if QUOTE_LINE.match(line):
            block.append(line)
        else:
            end_block()
    end_block()
    if prefix_speaker:
        return "prefix_speaker"
    if attribution:
        return "attribution_line"
    if dash:
        return "dash"
    if quote_person:
        return "callout_person"
    if quote_heading:
        return "callout_heading"
    if fenced_quote:
        return "code_fence"
    if prefix_label:
        return "prefix_label"
    if other_callouts >= 3:
        return "info_callouts"
    if plain:
        return "plain"
    if not other_callouts:
        return "none"
    return "few_callouts"  # one or two callouts that are not quotes, nothing else: not drawn


def pick(vault: Path, seed: int) -> list[tuple[str, str]]:
    """``[(stratum, path relative to the vault)]``: the draw of :data:`QUOTAS`, then that
    of :data:`SUPPLEMENT`."""
    strata: dict[str, list[str]] = {name: [] for name in QUOTAS}
    for path in sorted(vault.glob("*/*.md")):
        if is_hub(path):
            continue
        stratum = stratum_of(read_text(path))
        if stratum in strata:
            strata[stratum].append(path.relative_to(vault).as_posix())
    rng = random.Random(seed)
    per_channel: Counter[str] = Counter()
    in_stratum: dict[str, Counter[str]] = {name: Counter() for name in QUOTAS}
    order: dict[str, list[str]] = {}
    picked: list[tuple[str, str]] = []

    def draw(stratum: str, quota: int, per_stratum: int) -> None:
        taken = {path for _, path in picked}
        chosen: list[str] = []
        for path in order[stratum]:
            channel = path.split("/", 1)[0]
            if len(chosen) == quota:
                break
            if path in taken:
                continue
            if in_stratum[stratum][channel] < per_stratum and per_channel[channel] < PER_CHANNEL:
                chosen.append(path)
                in_stratum[stratum][channel] += 1
                per_channel[channel] += 1
        for path in order[stratum]:  # still short: the channel limits give way
            if len(chosen) == quota:
                break
            if path not in chosen and path not in taken:
                chosen.append(path)
                per_channel[path.split("/", 1)[0]] += 1
        picked.extend((stratum, path) for path in chosen)

    for stratum, quota in QUOTAS.items():
        order[stratum] = sorted(strata[stratum])
        rng.shuffle(order[stratum])
        draw(stratum, quota, PER_CHANNEL_IN_STRATUM)
    for stratum, quota in SUPPLEMENT.items():
        draw(stratum, quota, PER_CHANNEL_IN_STRATUM + 1)
    return picked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vault", type=Path, default=DEFAULT_VAULT,
                        help="the vault's content folder (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=HERE / "picked.txt")
    args = parser.parse_args(argv)
    if not args.vault.is_dir():
        parser.error(f"no vault at {args.vault}")
    picked = pick(args.vault, args.seed)
    for _, path in picked:
        print(path)
    args.out.write_text("".join(f"{path}\n" for _, path in picked), encoding="utf-8")
    strata = Counter(stratum for stratum, _ in picked)
    channels = Counter(path.split("/", 1)[0] for _, path in picked)
    print(f"{len(picked)} notes in {len(channels)} channels -> {args.out}", file=sys.stderr)
    print("  " + ", ".join(f"{s} {n}" for s, n in strata.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
